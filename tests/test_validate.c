/*  Each validation rule: the reason code it gives and that its message
    names the field. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "workers/validate.h"

#define NOW_US (1767225600LL * HRW_US_PER_SEC)  //  2026-01-01T00:00:00Z
#define HEAD "\"eventId\":\"e-1\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"hris\","

typedef struct {
    const char *json;       //  The event
    int reason;             //  Expected reason
    const char *mentions;   //  Expected in the message, or NULL
} case_t;

#define R(name) HRWATCH__V1__REASON__REASON_##name

static const case_t cases[] = {
    //  Valid events of every type.
    { "{" HEAD "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"positionId\":\"P-1\","
      "\"managerId\":\"E-2\",\"level\":3}}", R (NONE), NULL },
    { "{" HEAD "\"exit\":{\"employeeId\":\"E-1\",\"type\":\"EXIT_TYPE_VOLUNTARY\","
      "\"reasonCode\":\"relocation\",\"regretted\":true}}", R (NONE), NULL },
    { "{" HEAD "\"promotion\":{\"employeeId\":\"E-1\",\"newPositionId\":\"P-2\",\"newLevel\":4}}",
      R (NONE), NULL },
    { "{" HEAD "\"transfer\":{\"employeeId\":\"E-1\",\"newUnitId\":\"eng\"}}", R (NONE), NULL },
    { "{" HEAD "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"acme\",\"name\":\"Opérations\"}}",
      R (NONE), NULL },
    { "{" HEAD "\"positionDefined\":{\"positionId\":\"P-1\",\"unitId\":\"ops\",\"critical\":true}}",
      R (NONE), NULL },
    { "{" HEAD "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\","
      "\"readiness\":\"READINESS_READY_NOW\"}}", R (NONE), NULL },
    { "{" HEAD "\"successorWithdrawn\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\"}}",
      R (NONE), NULL },
    { "{" HEAD "\"mentorAssigned\":{\"mentorId\":\"E-1\",\"menteeId\":\"E-3\"}}", R (NONE), NULL },
    { "{" HEAD "\"mentorEnded\":{\"mentorId\":\"E-1\",\"menteeId\":\"E-3\"}}", R (NONE), NULL },
    { "{" HEAD "\"surveyResponse\":{\"surveyCycleId\":\"2025-Q2\",\"unitId\":\"ops\","
      "\"engagement\":4,\"enps\":0}}", R (NONE), NULL },

    //  Envelope rules.
    { "{\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"s\",\"transfer\":{\"employeeId\":"
      "\"E-1\",\"newUnitId\":\"eng\"}}", R (MISSING_FIELD), "event_id" },
    { "{\"eventId\":\"has space\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"source\":\"s\","
      "\"transfer\":{\"employeeId\":\"E-1\",\"newUnitId\":\"eng\"}}", R (INVALID_ID), "event_id" },
    { "{\"eventId\":\"e\",\"source\":\"s\",\"transfer\":{\"employeeId\":\"E-1\",\"newUnitId\":"
      "\"eng\"}}", R (MISSING_FIELD), "occurred_at" },
    { "{\"eventId\":\"e\",\"occurredAt\":\"1850-01-01T00:00:00Z\",\"source\":\"s\",\"transfer\":"
      "{\"employeeId\":\"E-1\",\"newUnitId\":\"eng\"}}", R (OUT_OF_RANGE), "1900" },
    { "{\"eventId\":\"e\",\"occurredAt\":\"2027-01-03T00:00:00Z\",\"source\":\"s\",\"transfer\":"
      "{\"employeeId\":\"E-1\",\"newUnitId\":\"eng\"}}", R (FUTURE_TIMESTAMP), "max_future_days" },
    //  Scheduled a year ahead is fine; recorded ahead of now is not.
    { "{\"eventId\":\"e\",\"occurredAt\":\"2026-12-30T00:00:00Z\",\"recordedAt\":"
      "\"2026-01-03T00:00:00Z\",\"source\":\"s\",\"transfer\":{\"employeeId\":\"E-1\","
      "\"newUnitId\":\"eng\"}}", R (FUTURE_TIMESTAMP), "recorded_at is" },
    { "{\"eventId\":\"e\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"recordedAt\":"
      "\"1850-01-03T00:00:00Z\",\"source\":\"s\",\"transfer\":{\"employeeId\":\"E-1\","
      "\"newUnitId\":\"eng\"}}", R (OUT_OF_RANGE), "recorded_at is before 1900" },
    //  Voids and corrections name another event.
    { "{" HEAD "\"eventVoided\":{}}", R (MISSING_FIELD), "event_voided.voided_event_id is empty" },
    { "{" HEAD "\"eventVoided\":{\"voidedEventId\":\"e-1\"}}", R (INVALID_VALUE),
      "event_voided.voided_event_id is the event's own id" },
    { "{" HEAD "\"eventVoided\":{\"voidedEventId\":\"a b\"}}", R (INVALID_ID),
      "event_voided.voided_event_id has a byte outside printable ASCII at 1" },
    { "{" HEAD "\"correctsEventId\":\"x\",\"eventVoided\":{\"voidedEventId\":\"y\"}}",
      R (INVALID_VALUE), "not on a void" },
    { "{" HEAD "\"correctsEventId\":\"e-1\",\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\"}}",
      R (INVALID_VALUE), "corrects_event_id is the event's own id" },
    { "{\"eventId\":\"e\",\"occurredAt\":\"2025-06-01T09:00:00Z\",\"transfer\":{\"employeeId\":"
      "\"E-1\",\"newUnitId\":\"eng\"}}", R (MISSING_FIELD), "source" },
    { "{" HEAD "\"hire\":null}", R (MISSING_FIELD), "no body" },

    //  Body rules.
    { "{" HEAD "\"hire\":{\"unitId\":\"ops\"}}", R (MISSING_FIELD), "hire.employee_id" },
    { "{" HEAD "\"hire\":{\"employeeId\":\"E-1\"}}", R (MISSING_FIELD), "hire.unit_id" },
    { "{" HEAD "\"hire\":{\"employeeId\":\"E/1\",\"unitId\":\"ops\"}}", R (INVALID_ID),
      "hire.employee_id" },
    { "{" HEAD "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"managerId\":\"E-1\"}}",
      R (INVALID_VALUE), "manager" },
    { "{" HEAD "\"hire\":{\"employeeId\":\"E-1\",\"unitId\":\"ops\",\"level\":101}}",
      R (OUT_OF_RANGE), "hire.level" },
    { "{" HEAD "\"exit\":{\"employeeId\":\"E-1\"}}", R (MISSING_FIELD), "exit.type" },
    { "{" HEAD "\"exit\":{\"employeeId\":\"E-1\",\"type\":7}}", R (OUT_OF_RANGE), "exit.type" },
    { "{" HEAD "\"promotion\":{\"employeeId\":\"E-1\"}}", R (MISSING_FIELD),
      "promotion.new_position_id" },
    { "{" HEAD "\"transfer\":{\"employeeId\":\"E-1\",\"newUnitId\":\"eng\",\"newManagerId\":"
      "\"E-1\"}}", R (INVALID_VALUE), "transfer.new_manager_id" },
    { "{" HEAD "\"orgUnitDefined\":{\"unitId\":\"ops\",\"parentId\":\"ops\"}}", R (INVALID_VALUE),
      "parent_id" },
    { "{" HEAD "\"positionDefined\":{\"positionId\":\"P-1\"}}", R (MISSING_FIELD),
      "position_defined.unit_id" },
    { "{" HEAD "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\"}}",
      R (MISSING_FIELD), "readiness" },
    { "{" HEAD "\"successorNominated\":{\"positionId\":\"P-1\",\"employeeId\":\"E-3\","
      "\"readiness\":9}}", R (OUT_OF_RANGE), "readiness" },
    { "{" HEAD "\"successorWithdrawn\":{\"positionId\":\"P-1\"}}", R (MISSING_FIELD),
      "successor_withdrawn.employee_id" },
    { "{" HEAD "\"mentorAssigned\":{\"mentorId\":\"E-1\",\"menteeId\":\"E-1\"}}",
      R (INVALID_VALUE), "mentor_assigned.mentee_id" },
    { "{" HEAD "\"mentorEnded\":{\"mentorId\":\"E-1\"}}", R (MISSING_FIELD),
      "mentor_ended.mentee_id" },
    { "{" HEAD "\"surveyResponse\":{\"surveyCycleId\":\"c\",\"unitId\":\"ops\"}}",
      R (MISSING_FIELD), "engagement" },
    { "{" HEAD "\"surveyResponse\":{\"surveyCycleId\":\"c\",\"unitId\":\"ops\",\"engagement\":6}}",
      R (OUT_OF_RANGE), "engagement 6" },
    { "{" HEAD "\"surveyResponse\":{\"surveyCycleId\":\"c\",\"unitId\":\"ops\",\"engagement\":3,"
      "\"enps\":11}}", R (OUT_OF_RANGE), "enps 11" },
    { "{" HEAD "\"surveyResponse\":{\"unitId\":\"ops\",\"engagement\":3}}", R (MISSING_FIELD),
      "survey_cycle_id" },
};

static void
test_each_rule (void **state)
{
    (void) state;
    hrw_limits_t lim;
    hrw_limits_default (&lim);
    for (size_t i = 0; i < sizeof (cases) / sizeof (cases[0]); i++) {
        Hrwatch__V1__Event *ev = h_event (cases[i].json);
        char msg[256], field[64];
        int reason = hrw_validate_event (ev, 100, &lim, NOW_US, msg, sizeof (msg), field,
                                         sizeof (field));
        if (reason != cases[i].reason)
            fail_msg ("case %zu: got %s (%s), want %s\n  %s", i, hrw_reason_name (reason), msg,
                      hrw_reason_name (cases[i].reason), cases[i].json);
        if (cases[i].mentions && !strstr (msg, cases[i].mentions))
            fail_msg ("case %zu: message '%s' does not mention '%s'", i, msg, cases[i].mentions);
        //  What is kept of a rejection is the field: the message names it first.
        if (reason != R (NONE) && (!*field || strncmp (msg, field, strlen (field))))
            fail_msg ("case %zu: field '%s' is not what message '%s' names", i, field, msg);
        hrwatch__v1__event__free_unpacked (ev, NULL);
    }
}

static void
test_event_over_size_limit_is_too_large (void **state)
{
    (void) state;
    hrw_limits_t lim;
    hrw_limits_default (&lim);
    lim.max_event_bytes = 300;
    Hrwatch__V1__Event *ev = h_event (cases[0].json);
    char msg[256], fld[64];
    assert_int_equal (hrw_validate_event (ev, 301, &lim, NOW_US, msg, sizeof (msg), fld, sizeof (fld)),
                      R (TOO_LARGE));
    assert_int_equal (hrw_validate_event (ev, 300, &lim, NOW_US, msg, sizeof (msg), fld, sizeof (fld)), R (NONE));
    hrwatch__v1__event__free_unpacked (ev, NULL);
}

static void
test_long_text_and_bad_utf8 (void **state)
{
    (void) state;
    hrw_limits_t lim;
    hrw_limits_default (&lim);
    char json[1024], name[200];
    memset (name, 'x', 129);
    name[129] = '\0';
    snprintf (json, sizeof (json), "{" HEAD "\"orgUnitDefined\":{\"unitId\":\"ops\",\"name\":\"%s\"}}",
              name);
    Hrwatch__V1__Event *ev = h_event (json);
    char msg[256], fld[64];
    assert_int_equal (hrw_validate_event (ev, 100, &lim, NOW_US, msg, sizeof (msg), fld, sizeof (fld)),
                      R (TOO_LARGE));
    //  JSON cannot carry bad UTF-8, so break the decoded string directly.
    ev->org_unit_defined->name[0] = (char) 0xC3;
    ev->org_unit_defined->name[1] = '(';
    ev->org_unit_defined->name[2] = '\0';
    assert_int_equal (hrw_validate_event (ev, 100, &lim, NOW_US, msg, sizeof (msg), fld, sizeof (fld)),
                      R (INVALID_VALUE));
    assert_non_null (strstr (msg, "UTF-8"));
    hrwatch__v1__event__free_unpacked (ev, NULL);
}

static void
test_future_limit_is_configurable (void **state)
{
    (void) state;
    hrw_limits_t lim;
    hrw_limits_default (&lim);
    Hrwatch__V1__Event *ev = h_event ("{\"eventId\":\"e\",\"occurredAt\":\"2026-01-01T00:10:00Z\","
                                      "\"source\":\"s\",\"transfer\":{\"employeeId\":\"E-1\","
                                      "\"newUnitId\":\"eng\"}}");
    char msg[256], fld[64];
    assert_int_equal (hrw_validate_event (ev, 100, &lim, NOW_US, msg, sizeof (msg), fld, sizeof (fld)), R (NONE));
    lim.max_future_days = 0;
    assert_int_equal (hrw_validate_event (ev, 100, &lim, NOW_US, msg, sizeof (msg), fld, sizeof (fld)),
                      R (FUTURE_TIMESTAMP));
    assert_string_equal (fld, "occurred_at");
    hrwatch__v1__event__free_unpacked (ev, NULL);
}

static void
test_ids (void **state)
{
    (void) state;
    assert_true (hrw_validate_id ("E-1042"));
    assert_true (hrw_validate_id ("ops.warehouse_3:a@b"));
    assert_false (hrw_validate_id (""));
    assert_false (hrw_validate_id ("a/b"));
    assert_false (hrw_validate_id ("a b"));
    char id[80];
    memset (id, 'a', 64);
    id[64] = '\0';
    assert_true (hrw_validate_id (id));
    id[64] = 'a';
    id[65] = '\0';
    assert_false (hrw_validate_id (id));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_each_rule),
        cmocka_unit_test (test_event_over_size_limit_is_too_large),
        cmocka_unit_test (test_long_text_and_bad_utf8),
        cmocka_unit_test (test_future_limit_is_configurable),
        cmocka_unit_test (test_ids),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
