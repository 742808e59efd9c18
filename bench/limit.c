/*  hrwatch-bench-limit: the least a server must do for what hrwatchd does,
    to measure hrwatchd against. It receives the same EventBatch frames on
    the same socket type (ROUTER), unpacks them with protobuf-c, writes K
    LMDB keys per event, commits whatever arrived together in one durable
    transaction (the same group commit and fsync), and answers each batch
    with an Ack holding one result per event. Nothing else: no validation,
    no idempotency, no state model, no detectors, no alerts.
    It alone outside workers/store*.c speaks to LMDB directly: it is the
    raw-LMDB baseline the bench compares the store with.
    -n (bulk): commits without fsync (MDB_NOSYNC), to load the store the
    bench measures from quickly; never used for a measured run.
    -p (a record per person): a hire, exit, promotion or transfer also
    rewrites a 64-byte record keyed by its employee, the least a store
    that answers for each employee must write. -c N: a commit at least
    every N events, as hrwatchd commits to bound its memory. Together
    they measure the floor a per-employee store sets (docs/performance.md);
    the bench's rows use neither. */
#include <getopt.h>
#include <lmdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "hrwatch/v1/events.pb-c.h"
#include "lib/arena.h"
#include "lib/buf.h"
#include "workers/store.h"

#define S_GROUP 256

typedef struct {
    zmq_msg_t id, delim, body;
} s_msg_t;

static int
s_recv (void *sock, s_msg_t *m)
{
    zmq_msg_init (&m->id);
    zmq_msg_init (&m->delim);
    zmq_msg_init (&m->body);
    if (zmq_msg_recv (&m->id, sock, ZMQ_DONTWAIT) < 0)
        return 0;
    zmq_msg_recv (&m->delim, sock, 0);
    zmq_msg_recv (&m->body, sock, 0);
    return 1;
}

static void
s_close (s_msg_t *m)
{
    zmq_msg_close (&m->id);
    zmq_msg_close (&m->delim);
    zmq_msg_close (&m->body);
}

int
main (int argc, char **argv)
{
    const char *endpoint = "tcp://127.0.0.1:7420", *dir = NULL;
    int keys = 3, person = 0, c;
    size_t every = 0;
    unsigned flags = 0;
    while ((c = getopt (argc, argv, "e:k:npc:")) != -1) {
        if (c == 'e')
            endpoint = optarg;
        else if (c == 'p')
            person = 1;
        else if (c == 'c')
            every = (size_t) atol (optarg);
        else if (c == 'n')
            flags = MDB_NOSYNC;
        else if (c == 'k')
            keys = atoi (optarg);
        else
            return 64;
    }
    if (optind >= argc)
        return 64;
    dir = argv[optind];
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    mdb_env_create (&env);
    mdb_env_set_mapsize (env, 64ULL << 30);
    if (mdb_env_open (env, dir, flags, 0600)) {
        fprintf (stderr, "limit: cannot open %s\n", dir);
        return 2;
    }
    mdb_txn_begin (env, NULL, 0, &txn);
    mdb_dbi_open (txn, NULL, 0, &dbi);
    mdb_txn_commit (txn);
    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_ROUTER);
    if (zmq_bind (sock, endpoint)) {
        fprintf (stderr, "limit: cannot bind %s\n", endpoint);
        return 2;
    }
    printf ("ready\n");
    fflush (stdout);
    hrw_arena_t *arena = hrw_arena_new (1 << 20);
    hrw_buf_t out = { 0 };
    s_msg_t *group = calloc (S_GROUP, sizeof (*group));
    Hrwatch__V1__Ack *acks = calloc (S_GROUP, sizeof (*acks));
    for (;;) {
        zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, -1) < 0)
            break;
        size_t n = 0;
        while (n < S_GROUP && s_recv (sock, &group[n]))
            n++;
        hrw_arena_reset (arena);
        mdb_txn_begin (env, NULL, 0, &txn);
        size_t since = 0;
        for (size_t i = 0; i < n; i++) {
            Hrwatch__V1__EventBatch *b = hrwatch__v1__event_batch__unpack (
                hrw_arena_allocator (arena), zmq_msg_size (&group[i].body),
                zmq_msg_data (&group[i].body));
            hrwatch__v1__ack__init (&acks[i]);
            acks[i].status = HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_OK;
            if (!b)
                continue;
            acks[i].batch_id = b->batch_id;
            acks[i].results = hrw_arena_alloc (arena, (b->n_events + 1) * sizeof (void *));
            Hrwatch__V1__EventResult *r = hrw_arena_alloc (arena, (b->n_events + 1) * sizeof (*r));
            for (size_t e = 0; e < b->n_events; e++) {
                char key[160];
                size_t len = strlen (b->events[e]->event_id);
                memcpy (key, b->events[e]->event_id, len < 150? len: 150);
                for (int k = 0; k < keys; k++) {
                    key[len < 150? len: 150] = (char) ('a' + k);
                    MDB_val kv = { (len < 150? len: 150) + 1, key }, vv = { 32, key };
                    mdb_put (txn, dbi, &kv, &vv, 0);
                }
                const char *who = person? hrw_store_event_employee (b->events[e]): NULL;
                if (who) {
                    char pk[160] = "E:";
                    uint8_t rec[64] = { 0 };
                    size_t plen = strnlen (who, 150);
                    memcpy (pk + 2, who, plen);
                    MDB_val kv = { 2 + plen, pk }, vv = { sizeof (rec), rec };
                    mdb_put (txn, dbi, &kv, &vv, 0);
                }
                if (every && ++since >= every) {
                    mdb_txn_commit (txn);
                    mdb_txn_begin (env, NULL, 0, &txn);
                    since = 0;
                }
                hrwatch__v1__event_result__init (&r[e]);
                r[e].event_id = b->events[e]->event_id;
                r[e].outcome = HRWATCH__V1__OUTCOME__OUTCOME_ACCEPTED;
                acks[i].results[e] = &r[e];
            }
            acks[i].n_results = b->n_events;
            acks[i].accepted = (uint32_t) b->n_events;
        }
        mdb_txn_commit (txn);
        for (size_t i = 0; i < n; i++) {
            hrw_buf_clear (&out);
            hrw_buf_pack (&out, &acks[i].base);
            zmq_msg_send (&group[i].id, sock, ZMQ_SNDMORE);
            zmq_send (sock, "", 0, ZMQ_SNDMORE);
            zmq_send (sock, out.data, out.len, 0);
            s_close (&group[i]);
        }
    }
    return 0;
}
