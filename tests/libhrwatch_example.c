/*  libhrwatch_example: a program an integrator could write, built against
    the installed libhrwatch with pkg-config. It publishes a few events and
    checks their acknowledgements (accepted, a duplicate, a rejection with
    its reason; bytes that are not an Event are never sent), follows the
    alert log from sequence 0 until the succession gap of the critical
    position it defined, and asks for the unit. Before that, what the
    library promises of its arguments: a NULL object or out-pointer is
    HRWATCH_E_ARG, never a crash; a wait below -1 is HRWATCH_E_ARG; a batch
    over 1,000,000 events (the most hrwatchd takes) is refused. With CLOSER,
    an endpoint that takes connections and closes them at once, a query
    there is HRWATCH_E_UNREACHABLE: nothing answers.

    usage: libhrwatch_example INGEST CONTROL ALERTS [CLOSER] */
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

/*  Returns the number of promises about arguments not kept (saying each). */
static int
check_arguments (hrwatch_client_t *client)
{
    int bad = 0;
    char *json = (char *) "untouched";
    size_t len = 0;
    hrwatch_counts_t n;
#define EXPECT(what, call, want) do { \
        int rc_ = (call); \
        if (rc_ != (want)) { \
            fprintf (stderr, "example: %s: %d (%s), not %s\n", what, rc_, \
                     hrwatch_strerror (rc_), #want); \
            bad++; \
        } \
    } while (0)
    EXPECT ("set_endpoint (NULL)", hrwatch_client_set_endpoint (NULL, HRWATCH_INGEST,
            "tcp://127.0.0.1:1"), HRWATCH_E_ARG);
    EXPECT ("set_curve (NULL)", hrwatch_client_set_curve (NULL, NULL, NULL), HRWATCH_E_ARG);
    EXPECT ("set_key_names (NULL)", hrwatch_client_set_key_names (NULL, "a", "b"), HRWATCH_E_ARG);
    EXPECT ("set_timeouts (NULL)", hrwatch_client_set_timeouts (NULL, 1, 1, 1), HRWATCH_E_ARG);
    EXPECT ("query_status (NULL)", hrwatch_query_status (NULL, &json), HRWATCH_E_ARG);
    EXPECT ("query_status (no out)", hrwatch_query_status (client, NULL), HRWATCH_E_ARG);
    EXPECT ("query_unit (NULL)", hrwatch_query_unit (NULL, "ops", &json), HRWATCH_E_ARG);
    EXPECT ("query_position (NULL)", hrwatch_query_position (NULL, "P-1", &json), HRWATCH_E_ARG);
    EXPECT ("query_alerts (NULL)", hrwatch_query_alerts (NULL, "", 0, 0, &json), HRWATCH_E_ARG);
    EXPECT ("set_batch (NULL)", hrwatch_publisher_set_batch (NULL, 10), HRWATCH_E_ARG);
    EXPECT ("set_window (NULL)", hrwatch_publisher_set_window (NULL, 1), HRWATCH_E_ARG);
    EXPECT ("set_timeout (NULL)", hrwatch_publisher_set_timeout (NULL, 1), HRWATCH_E_ARG);
    EXPECT ("add_json (NULL)", hrwatch_publisher_add_json (NULL, "{}", 2, 0), HRWATCH_E_ARG);
    EXPECT ("add_packed (NULL)", hrwatch_publisher_add_packed (NULL, "", 0, 0), HRWATCH_E_ARG);
    EXPECT ("send (NULL)", hrwatch_publisher_send (NULL), HRWATCH_E_ARG);
    EXPECT ("poll (NULL)", hrwatch_publisher_poll (NULL, 0), HRWATCH_E_ARG);
    EXPECT ("flush (NULL)", hrwatch_publisher_flush (NULL), HRWATCH_E_ARG);
    EXPECT ("subscriber_next (NULL)", hrwatch_subscriber_next (NULL, HRWATCH_JSON, 0, &json,
            &len, NULL), HRWATCH_E_ARG);
    EXPECT ("link (NULL)", (int) hrwatch_publisher_link (NULL), HRWATCH_LINK_NONE);
    EXPECT ("subscriber_last (NULL)", (int) hrwatch_subscriber_last (NULL), 0);
    /*  And those with nothing to return: no crash, nothing written. */
    hrwatch_publisher_on_result (NULL, NULL, NULL);
    hrwatch_publisher_on_retry (NULL, NULL, NULL);
    hrwatch_publisher_counts (NULL, &n);
    hrwatch_publisher_counts (NULL, NULL);
    EXPECT ("counts (NULL)", (int) n.sent, 0);
    if (hrwatch_publisher_new (NULL) || hrwatch_subscriber_new (NULL, "", 0)
        || *hrwatch_client_error (NULL) || *hrwatch_publisher_error (NULL)
        || *hrwatch_subscriber_error (NULL)) {
        fprintf (stderr, "example: a NULL client made something, or a NULL object an error\n");
        bad++;
    }
    hrwatch_client_destroy (NULL);
    /*  A publisher that needs no daemon for these. */
    hrwatch_publisher_t *pub = hrwatch_publisher_new (client);
    if (!pub)
        return bad + 1;
    EXPECT ("set_batch (1000001)", hrwatch_publisher_set_batch (pub, 1000001), HRWATCH_E_ARG);
    EXPECT ("set_batch (1000000)", hrwatch_publisher_set_batch (pub, 1000000), HRWATCH_OK);
    EXPECT ("poll (-2)", hrwatch_publisher_poll (pub, -2), HRWATCH_E_ARG);
    EXPECT ("poll (-1), nothing in flight", hrwatch_publisher_poll (pub, -1), 0);
    hrwatch_publisher_destroy (&pub);
#undef EXPECT
    return bad;
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
    if (argc != 4 && argc != 5) {
        fprintf (stderr, "usage: libhrwatch_example INGEST CONTROL ALERTS [CLOSER]\n");
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
    if (check_arguments (client))
        goto cleanup;
    printf ("arguments: every promise kept\n");
    if (argc == 5) {
        hrwatch_client_t *there = hrwatch_client_new ();
        rc = there? hrwatch_client_set_endpoint (there, HRWATCH_CONTROL, argv[4]): HRWATCH_E_NOMEM;
        if (!rc)
            rc = hrwatch_query_status (there, &json);
        printf ("closer: %s (%s)\n", hrwatch_strerror (rc), hrwatch_client_error (there));
        hrwatch_client_destroy (&there);
        if (rc != HRWATCH_E_UNREACHABLE)
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
