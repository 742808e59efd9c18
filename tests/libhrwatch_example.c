/*  libhrwatch_example: a program an integrator could write, built against
    the installed libhrwatch with pkg-config. It publishes a few events and
    checks their acknowledgements (accepted, a duplicate, a rejection with
    its reason; bytes that are not an Event are never sent), follows the
    alert log from sequence 0 until the succession gap of the critical
    position it defined, and asks for the unit.

    usage: libhrwatch_example INGEST CONTROL ALERTS */
#include <hrwatch.h>

#include <stdio.h>
#include <string.h>

typedef struct {
    int accepted;           //  Results of each kind seen
    int duplicate;
    int rejected;
    int invalid;
    char reason[64];        //  The rejection's reason
} tally_t;

static void
on_result (const hrwatch_result_t *r, void *arg)
{
    tally_t *t = arg;
    const char *what[] = { "?", "accepted", "duplicate", "rejected", "invalid" };
    printf ("event %s: %s%s%s\n", r->event_id, what[r->outcome],
            r->reason? ", ": "", r->reason? r->reason_name: "");
    t->accepted += r->outcome == HRWATCH_ACCEPTED;
    t->duplicate += r->outcome == HRWATCH_DUPLICATE;
    t->invalid += r->outcome == HRWATCH_INVALID;
    if (r->outcome == HRWATCH_REJECTED) {
        t->rejected++;
        snprintf (t->reason, sizeof (t->reason), "%s", r->reason_name);
    }
}

static const char *events[] = {
    "{\"eventId\": \"ex-u1\", \"occurredAt\": \"2025-01-01T00:00:00Z\", \"source\": \"example\","
    " \"orgUnitDefined\": {\"unitId\": \"ops\", \"name\": \"Operations\"}}",
    //  Critical, and nobody to succeed to it: a succession gap.
    "{\"eventId\": \"ex-p1\", \"occurredAt\": \"2025-01-01T00:00:00Z\", \"source\": \"example\","
    " \"positionDefined\": {\"positionId\": \"P-1\", \"unitId\": \"ops\", \"critical\": true}}",
    //  Engagement is 1 to 5: refused, REASON_OUT_OF_RANGE.
    "{\"eventId\": \"ex-bad\", \"occurredAt\": \"2025-01-01T00:00:00Z\", \"source\": \"example\","
    " \"surveyResponse\": {\"surveyCycleId\": \"c1\", \"unitId\": \"ops\", \"engagement\": 9}}",
    //  A day later: the event-time clock passes the others.
    "{\"eventId\": \"ex-h1\", \"occurredAt\": \"2025-01-02T00:00:00Z\", \"source\": \"example\","
    " \"hire\": {\"employeeId\": \"E-1\", \"unitId\": \"ops\"}}",
};

int
main (int argc, char **argv)
{
    if (argc != 4) {
        fprintf (stderr, "usage: libhrwatch_example INGEST CONTROL ALERTS\n");
        return 64;
    }
    int status = 1, rc;
    tally_t tally = { 0 };
    hrwatch_publisher_t *pub = NULL;
    hrwatch_subscriber_t *sub = NULL;
    char *json = NULL;
    hrwatch_client_t *client = hrwatch_client_new ();
    if (!client)
        return 1;
    if (hrwatch_client_set_endpoint (client, HRWATCH_INGEST, argv[1])
        || hrwatch_client_set_endpoint (client, HRWATCH_CONTROL, argv[2])
        || hrwatch_client_set_endpoint (client, HRWATCH_ALERTS, argv[3])) {
        fprintf (stderr, "example: %s\n", hrwatch_client_error (client));
        goto cleanup;
    }

    //  Publish: two batches of two, then the first event again.
    pub = hrwatch_publisher_new (client);
    if (!pub) {
        fprintf (stderr, "example: %s\n", hrwatch_client_error (client));
        goto cleanup;
    }
    hrwatch_publisher_set_batch (pub, 2);
    hrwatch_publisher_on_result (pub, on_result, &tally);
    for (size_t i = 0; i < sizeof (events) / sizeof (events[0]); i++)
        if ((rc = hrwatch_publisher_add_json (pub, events[i], strlen (events[i]), i)))
            goto publish_failed;
    if ((rc = hrwatch_publisher_flush (pub))
        || (rc = hrwatch_publisher_add_json (pub, events[0], strlen (events[0]), 0))
        || (rc = hrwatch_publisher_flush (pub)))
        goto publish_failed;
    //  Bytes that are not a packed Event are never sent.
    if (hrwatch_publisher_add_packed (pub, "\xff\xff", 2, 99) != HRWATCH_E_INVALID
        || tally.invalid != 1) {
        fprintf (stderr, "example: bytes that are not an Event were taken\n");
        goto cleanup;
    }
    hrwatch_counts_t n;
    hrwatch_publisher_counts (pub, &n);
    printf ("sent %llu: %llu accepted, %llu duplicate, %llu rejected\n",
            (unsigned long long) n.sent, (unsigned long long) n.accepted,
            (unsigned long long) n.duplicate, (unsigned long long) n.rejected);
    if (tally.accepted != 3 || tally.duplicate != 1 || tally.rejected != 1
        || strcmp (tally.reason, "REASON_OUT_OF_RANGE")) {
        fprintf (stderr, "example: not the acknowledgements expected\n");
        goto cleanup;
    }

    //  Subscribe from the start of the log: the gap is there.
    sub = hrwatch_subscriber_new (client, "succession_gap/", 0);
    if (!sub) {
        fprintf (stderr, "example: %s\n", hrwatch_client_error (client));
        goto cleanup;
    }
    size_t len;
    uint64_t seq;
    rc = hrwatch_subscriber_next (sub, HRWATCH_JSON, 10000, &json, &len, &seq);
    if (rc) {
        fprintf (stderr, "example: no alert: %s (%s)\n", hrwatch_strerror (rc),
                 hrwatch_subscriber_error (sub));
        goto cleanup;
    }
    printf ("alert #%llu: %s\n", (unsigned long long) seq, json);
    if (!strstr (json, "\"topic\":\"succession_gap/ops/P-1\"")) {
        fprintf (stderr, "example: not the succession gap of P-1\n");
        goto cleanup;
    }
    hrwatch_free (json);
    json = NULL;

    //  A query: the unit, as JSON.
    rc = hrwatch_query_unit (client, "ops", &json);
    if (rc) {
        fprintf (stderr, "example: unit: %s (%s)\n", hrwatch_strerror (rc),
                 hrwatch_client_error (client));
        goto cleanup;
    }
    printf ("unit: %s\n", json);
    status = strstr (json, "\"unitId\":\"ops\"")? 0: 1;
    goto cleanup;

publish_failed:
    fprintf (stderr, "example: publish: %s (%s)\n", hrwatch_strerror (rc),
             hrwatch_publisher_error (pub));
cleanup:
    hrwatch_free (json);
    hrwatch_subscriber_destroy (&sub);
    hrwatch_publisher_destroy (&pub);
    hrwatch_client_destroy (&client);
    return status;
}
