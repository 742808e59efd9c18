/*  The proto3 JSON mapping both ways, against protobuf-c's own encoder. */
#include "harness.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "hrwatch/v1/control.pb-c.h"
#include "proto/pbjson.h"

static const char *events[] = {
    "{\"eventId\":\"e-1\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"positionId\":\"P-1\","
    "\"managerId\":\"E-2\",\"level\":3}}",
    "{\"eventId\":\"e-2\",\"occurredAt\":\"2025-06-01T09:00:00.250Z\",\"source\":\"hris\","
    "\"exit\":{\"employeeId\":\"E-1\",\"type\":\"EXIT_TYPE_VOLUNTARY\",\"reasonCode\":\"pay\","
    "\"regretted\":true,\"reductionInForce\":true}}",
    "{\"eventId\":\"e-3\",\"occurredAt\":\"1999-12-31T23:59:59Z\",\"source\":\"hris\","
    "\"promotion\":{\"employeeId\":\"E-1\",\"newPositionId\":\"P-2\",\"newLevel\":4}}",
    "{\"eventId\":\"e-4\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"transfer\":{\"employeeId\":\"E-1\",\"newUnitId\":\"eng\",\"newManagerId\":\"E-9\"}}",
    "{\"eventId\":\"e-5\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"acme\",\"name\":\"Opérations\"}}",
    "{\"eventId\":\"e-6\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"title\":\"Head\","
    "\"critical\":true,\"incumbentId\":\"E-1\"}}",
    "{\"eventId\":\"e-7\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\","
    "\"readiness\":\"READINESS_READY_1_2_YEARS\"}}",
    "{\"eventId\":\"e-8\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"successorWithdrawn\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\"}}",
    "{\"eventId\":\"e-9\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"mentorAssigned\":{\"mentorId\":\"E-1\",\"menteeId\":\"E-3\"}}",
    "{\"eventId\":\"e-10\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"mentorEnded\":{\"mentorId\":\"E-1\",\"menteeId\":\"E-3\"}}",
    "{\"eventId\":\"e-11\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","
    "\"surveyResponse\":{\"surveyCycleId\":\"2025-Q2\",\"unitId\":\"ops\",\"engagement\":4,"
    "\"enps\":0}}",
};

static json_t *
s_roundtrip (const char *json)
{
    Hrwatch__V1__Event *ev = h_event (json);
    json_t *back = hrw_pbjson_decode (&ev->base);
    hrwatch__v1__event__free_unpacked (ev, NULL);
    return back;
}

static void
test_every_event_type_round_trips (void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof (events) / sizeof (events[0]); i++) {
        json_t *want = json_loads (events[i], 0, NULL);
        json_t *got = s_roundtrip (events[i]);
        if (!json_equal (want, got)) {
            char *g = json_dumps (got, JSON_COMPACT);
            fail_msg ("event %zu came back as %s", i, g);
        }
        json_decref (want);
        json_decref (got);
    }
}

static void
test_encoding_matches_protobuf_c (void **state)
{
    (void) state;
    Hrwatch__V1__Hire hire = HRWATCH__V1__HIRE__INIT;
    hire.employee_id = "E-1";
    hire.unit_id = "ops";
    hire.position_id = "P-1";
    hire.manager_id = "E-2";
    hire.level = 3;
    Google__Protobuf__Timestamp ts = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
    ts.seconds = 1748768400;
    Hrwatch__V1__Event ev = HRWATCH__V1__EVENT__INIT;
    ev.event_id = "e-1";
    ev.occurred_at = &ts;
    ev.source = "hris";
    ev.body_case = HRWATCH__V1__EVENT__BODY_HIRE;
    ev.hire = &hire;
    hrw_buf_t want = { 0 }, got = { 0 };
    hrw_buf_pack (&want, &ev.base);
    h_event_json (&got, events[0]);
    assert_int_equal (got.len, want.len);
    assert_memory_equal (got.data, want.data, want.len);
    hrw_buf_free (&want);
    hrw_buf_free (&got);
}

static void
test_proto_names_and_offsets_accepted (void **state)
{
    (void) state;
    Hrwatch__V1__Event *ev = h_event ("{\"event_id\":\"x\",\"occurred_at\":"
                                      "\"2025-06-01T10:30:00+01:30\",\"source\":\"s\","
                                      "\"survey_response\":{\"survey_cycle_id\":\"c\","
                                      "\"unit_id\":\"u\",\"engagement\":\"3\"}}");
    assert_string_equal (ev->event_id, "x");
    assert_int_equal (ev->occurred_at->seconds, 1748768400);
    assert_int_equal (ev->survey_response->engagement, 3);
    assert_int_equal (ev->survey_response->enps_answer_case,
                      HRWATCH__V1__SURVEY_RESPONSE__ENPS_ANSWER__NOT_SET);
    hrwatch__v1__event__free_unpacked (ev, NULL);
}

static void
s_expect_error (const char *json, const char *mentions)
{
    json_t *obj = json_loads (json, 0, NULL);
    assert_non_null (obj);
    hrw_buf_t out = { 0 };
    char err[300] = "";
    assert_int_equal (hrw_pbjson_encode (&hrwatch__v1__event__descriptor, obj, &out, err,
                                         sizeof (err)), -1);
    if (!strstr (err, mentions))
        fail_msg ("error '%s' does not mention '%s'", err, mentions);
    assert_int_equal (out.len, 0);
    json_decref (obj);
    hrw_buf_free (&out);
}

static void
test_bad_json_is_refused_with_the_field_named (void **state)
{
    (void) state;
    s_expect_error ("{\"eventId\":\"x\",\"colour\":1}", "colour");
    s_expect_error ("{\"eventId\":7}", "eventId");
    s_expect_error ("{\"occurredAt\":\"yesterday\"}", "RFC 3339");
    s_expect_error ("{\"occurredAt\":\"2025-02-30T00:00:00Z\"}", "occurredAt");
    s_expect_error ("{\"exit\":{\"type\":\"QUIT\"}}", "exit.type");
    s_expect_error ("{\"hire\":{\"level\":\"high\"}}", "hire.level");
    s_expect_error ("{\"hire\":{\"level\":4294967296}}", "hire.level");
    s_expect_error ("{\"hire\":{},\"exit\":{}}", "oneof");
    s_expect_error ("{\"hire\":{\"employee\":\"E-1\"}}", "hire.employee");
    s_expect_error ("[1,2]", "object");
}

static void
test_64_bit_integers_and_bytes (void **state)
{
    (void) state;
    const char *json = "{\"seq\":\"18446744073709551615\",\"eventId\":\"e\",\"reason\":"
                       "\"REASON_CONFLICT\",\"payload\":\"AAEC/w==\",\"payloadTruncated\":true}";
    json_t *obj = json_loads (json, 0, NULL);
    hrw_buf_t out = { 0 };
    char err[300];
    assert_int_equal (hrw_pbjson_encode (&hrwatch__v1__rejected_event__descriptor, obj, &out,
                                         err, sizeof (err)), 0);
    Hrwatch__V1__RejectedEvent *r = hrwatch__v1__rejected_event__unpack (NULL, out.len, out.data);
    assert_non_null (r);
    assert_true (r->seq == UINT64_MAX);
    assert_int_equal (r->payload.len, 4);
    assert_int_equal (r->payload.data[3], 0xff);
    json_t *back = hrw_pbjson_decode (&r->base);
    assert_true (json_equal (obj, back));
    json_decref (back);
    json_decref (obj);
    hrwatch__v1__rejected_event__free_unpacked (r, NULL);
    hrw_buf_free (&out);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_event_type_round_trips),
        cmocka_unit_test (test_encoding_matches_protobuf_c),
        cmocka_unit_test (test_proto_names_and_offsets_accepted),
        cmocka_unit_test (test_bad_json_is_refused_with_the_field_named),
        cmocka_unit_test (test_64_bit_integers_and_bytes),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
