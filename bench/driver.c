/*  hrwatch-bench-driver: sends a workload to an ingest endpoint and measures
    it. The workload (hrwatch.v1.Event JSON lines) is encoded before the
    clock starts, so the figures are the server's, not JSON parsing's. It
    sends through libhrwatch's publisher (acknowledged batches, BUSY and
    re-sends handled), as any client of hrwatchd would.

    throughput: keeps WINDOW batches in flight and prints "events seconds
    events_per_second" once every batch is acknowledged.

    latency: also subscribes to the alert socket, sends one batch every
    1/RATE seconds, and prints the p50 and p99 of the time from sending the
    event that triggered an alert to receiving the alert. The alerts are
    read on a SUB socket of its own: the library's subscriber also reads
    the log through the control socket, which this mode is not given, and
    its catch-up would be part of what is timed. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "clients/c/hrwatch.h"
#include "hrwatch/v1/alerts.pb-c.h"
#include "hrwatch/v1/events.pb-c.h"
#include "proto/pbjson.h"
#include "lib/buf.h"
#include "lib/clock.h"

typedef struct {
    hrw_buf_t frame;    //  Packed EventBatch
    size_t first;       //  Index of its first event
    size_t n;           //  Events in it
} s_batch_t;

typedef struct {
    const uint8_t *data;    //  One packed Event, inside its batch's frame
    size_t len;
} s_event_t;

typedef struct {
    s_batch_t *batches;
    size_t n_batches;
    size_t n_events;
    char **ids;         //  Event ids, for latency matching
    s_event_t *events;  //  Every event, in order, for the publisher
} s_load_t;

static int64_t
s_now (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
s_varint (hrw_buf_t *b, uint64_t v)
{
    uint8_t x[10];
    size_t n = 0;
    do {
        x[n++] = (uint8_t) ((v & 0x7f) | (v >= 0x80? 0x80: 0));
        v >>= 7;
    } while (v);
    hrw_buf_append (b, x, n);
}

//  Pre-encoded frames (-o writes them): per batch, its event count and its
//  length (uint32 each), then the frame. Loading a big store then costs no
//  JSON parsing.
static int
s_read_frames (const char *path, s_load_t *load)
{
    FILE *f = fopen (path, "rb");
    if (!f)
        return -1;
    uint32_t head[2];
    while (fread (head, sizeof (head), 1, f) == 1) {
        load->batches = realloc (load->batches, (load->n_batches + 1) * sizeof (s_batch_t));
        s_batch_t *b = &load->batches[load->n_batches++];
        memset (b, 0, sizeof (*b));
        b->first = load->n_events;
        b->n = head[0];
        if (hrw_buf_reserve (&b->frame, head[1]) || fread (b->frame.data, 1, head[1], f) != head[1])
            return -1;
        b->frame.len = head[1];
        load->n_events += head[0];
    }
    fclose (f);
    return 0;
}

static int
s_write_frames (const char *path, const s_load_t *load)
{
    FILE *f = fopen (path, "wb");
    if (!f)
        return -1;
    for (size_t i = 0; i < load->n_batches; i++) {
        uint32_t head[2] = { (uint32_t) load->batches[i].n, (uint32_t) load->batches[i].frame.len };
        fwrite (head, sizeof (head), 1, f);
        fwrite (load->batches[i].frame.data, 1, load->batches[i].frame.len, f);
    }
    return fclose (f);
}

static int
s_read (const char *path, size_t per_batch, size_t limit, s_load_t *load)
{
    size_t plen = strlen (path);
    if (plen > 7 && !strcmp (path + plen - 7, ".frames"))
        return s_read_frames (path, load);
    {
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0, lines_cap = 0;
    hrw_buf_t ev = { 0 };
    s_batch_t *cur = NULL;
    char err[256];
    while (getline (&line, &cap, f) > 0 && (!limit || load->n_events < limit)) {
        json_t *j = json_loads (line, 0, NULL);
        hrw_buf_clear (&ev);
        if (!j || hrw_pbjson_encode (&hrwatch__v1__event__descriptor, j, &ev, err, sizeof (err)))
            return -1;
        if (load->n_events == lines_cap) {
            lines_cap = lines_cap? lines_cap * 2: 65536;
            load->ids = realloc (load->ids, lines_cap * sizeof (char *));
        }
        load->ids[load->n_events] = strdup (json_string_value (json_object_get (j, "eventId")));
        json_decref (j);
        if (!cur || cur->n == per_batch) {
            load->batches = realloc (load->batches, (load->n_batches + 1) * sizeof (s_batch_t));
            cur = &load->batches[load->n_batches];
            memset (cur, 0, sizeof (*cur));
            cur->first = load->n_events;
            char id[32];
            snprintf (id, sizeof (id), "%zu", load->n_batches++);
            uint8_t tag = 1 << 3 | 2;
            hrw_buf_append (&cur->frame, &tag, 1);
            s_varint (&cur->frame, strlen (id));
            hrw_buf_append (&cur->frame, id, strlen (id));
        }
        uint8_t tag = 2 << 3 | 2;
        hrw_buf_append (&cur->frame, &tag, 1);
        s_varint (&cur->frame, ev.len);
        hrw_buf_append (&cur->frame, ev.data, ev.len);
        cur->n++;
        load->n_events++;
    }
    free (line);
    hrw_buf_free (&ev);
    fclose (f);
    return 0;
    }
}

//  Reads a varint at *p (before end); returns -1 when it runs past end.
static int
s_get_varint (const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        uint8_t x = *(*p)++;
        *v |= (uint64_t) (x & 0x7f) << shift;
        if (!(x & 0x80))
            return 0;
    }
    return -1;
}

//  Finds each packed Event in the batches' frames (field 2 of EventBatch),
//  walking the wire format alone: done before the clock, and decoding
//  nothing, so loading a big store still costs no parsing.
static int
s_index (s_load_t *load)
{
    load->events = calloc (load->n_events + 1, sizeof (s_event_t));
    if (!load->events)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < load->n_batches; i++) {
        const s_batch_t *b = &load->batches[i];
        const uint8_t *p = b->frame.data, *end = p + b->frame.len;
        while (p < end) {
            uint64_t key, len;
            if (s_get_varint (&p, end, &key) || (key & 7) != 2
                || s_get_varint (&p, end, &len) || len > (uint64_t) (end - p))
                return -1;
            if (key >> 3 == 2) {
                if (n == load->n_events)
                    return -1;
                load->events[n++] = (s_event_t) { p, (size_t) len };
            }
            p += len;
        }
    }
    return n == load->n_events? 0: -1;
}

static void
s_free (s_load_t *load)
{
    for (size_t i = 0; i < load->n_batches; i++)
        hrw_buf_free (&load->batches[i].frame);
    for (size_t i = 0; load->ids && i < load->n_events; i++)
        free (load->ids[i]);
    free (load->batches);
    free (load->ids);
    free (load->events);
}

//  Hands one batch of the workload to the publisher and sends it as one
//  EventBatch, as it was cut when encoded.
static int
s_send (hrwatch_publisher_t *pub, const s_load_t *load, const s_batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        const s_event_t *e = &load->events[b->first + i];
        int rc = hrwatch_publisher_add_packed (pub, e->data, e->len, b->first + i);
        if (rc)
            return rc;
    }
    return hrwatch_publisher_send (pub);
}

static int
s_throughput (hrwatch_publisher_t *pub, s_load_t *load)
{
    int64_t t0 = s_now ();
    int rc = HRWATCH_OK;
    for (size_t i = 0; i < load->n_batches && !rc; i++)
        rc = s_send (pub, load, &load->batches[i]);
    if (!rc)
        rc = hrwatch_publisher_flush (pub);
    if (rc) {
        fprintf (stderr, "driver: %s\n", hrwatch_publisher_error (pub));
        return 1;
    }
    double secs = (double) (s_now () - t0) / 1e9;
    printf ("%zu %.3f %.0f\n", load->n_events, secs, (double) load->n_events / secs);
    return 0;
}

static int
s_cmp (const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y? -1: x > y;
}

//  Takes the alerts waiting on sub, timing each against the send of the
//  event that triggered it.
static void
s_alerts (void *sub, const s_load_t *load, const int64_t *sent, int64_t *lat, size_t *n_lat)
{
    zmq_pollitem_t item = { sub, 0, ZMQ_POLLIN, 0 };
    while (zmq_poll (&item, 1, 0) > 0 && (item.revents & ZMQ_POLLIN)) {
        zmq_msg_t topic, body;
        zmq_msg_init (&topic);
        zmq_msg_init (&body);
        zmq_msg_recv (&topic, sub, 0);
        zmq_msg_recv (&body, sub, 0);
        int64_t got = s_now ();
        Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, zmq_msg_size (&body),
                                                             zmq_msg_data (&body));
        //  Which event caused it: the driver knows when it sent each.
        for (size_t i = a && *a->trigger_event_id? 0: load->n_events; i < load->n_events; i++)
            if (sent[i] && !strcmp (load->ids[i], a->trigger_event_id)) {
                lat[(*n_lat)++] = got - sent[i];
                break;
            }
        if (a)
            hrwatch__v1__alert__free_unpacked (a, NULL);
        zmq_msg_close (&topic);
        zmq_msg_close (&body);
    }
}

static int
s_latency (hrwatch_publisher_t *pub, const char *alerts, s_load_t *load, double rate)
{
    int status = 1;
    void *ctx = zmq_ctx_new ();
    void *sub = ctx? zmq_socket (ctx, ZMQ_SUB): NULL;
    int64_t *sent = calloc (load->n_events + 1, sizeof (int64_t));
    int64_t *lat = calloc (load->n_events + 1, sizeof (int64_t));
    if (!sub || !sent || !lat)
        goto cleanup;
    int linger = 0;
    zmq_setsockopt (sub, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect (sub, alerts))
        goto cleanup;
    //  The subscription reaches the daemon before the first event.
    struct timespec pause = { 0, 300 * 1000000L };
    nanosleep (&pause, NULL);
    size_t n_lat = 0, next = 0;
    int64_t period = (int64_t) (1e9 / rate), t0 = s_now ();
    int in_flight = 0;
    while (next < load->n_batches || in_flight > 0) {
        int64_t now = s_now ();
        if (next < load->n_batches && now >= t0 + (int64_t) next * period) {
            const s_batch_t *b = &load->batches[next++];
            for (size_t i = 0; i < b->n; i++)
                sent[b->first + i] = now;
            if (s_send (pub, load, b))
                break;
        }
        //  Waits on the alerts, a few ms at a time, so acknowledgements
        //  are taken in time to keep the window open.
        int64_t due = t0 + (int64_t) next * period - s_now ();
        long wait_ms = next < load->n_batches? (long) (due / 1000000): 5;
        zmq_pollitem_t item = { sub, 0, ZMQ_POLLIN, 0 };
        zmq_poll (&item, 1, wait_ms < 0? 0: wait_ms > 5? 5: wait_ms);
        s_alerts (sub, load, sent, lat, &n_lat);
        in_flight = hrwatch_publisher_poll (pub, 0);
        if (in_flight < 0)
            break;
    }
    if (next < load->n_batches || in_flight < 0) {
        fprintf (stderr, "driver: %s\n", hrwatch_publisher_error (pub));
        goto cleanup;
    }
    qsort (lat, n_lat, sizeof (int64_t), s_cmp);
    if (n_lat == 0)
        printf ("0 0 0\n");
    else
        printf ("%zu %.3f %.3f\n", n_lat, (double) lat[n_lat / 2] / 1e6,
                (double) lat[(size_t) ((double) n_lat * 0.99)] / 1e6);
    status = 0;
cleanup:
    free (sent);
    free (lat);
    if (sub)
        zmq_close (sub);
    if (ctx)
        zmq_ctx_term (ctx);
    return status;
}

int
main (int argc, char **argv)
{
    const char *endpoint = "tcp://127.0.0.1:7410", *alerts = NULL, *file = NULL, *save = NULL;
    size_t batch = 100, limit = 0;
    int window = 16;
    double rate = 0;
    int c;
    while ((c = getopt (argc, argv, "e:a:b:w:n:r:o:")) != -1) {
        switch (c) {
            case 'o': save = optarg; break;
            case 'e': endpoint = optarg; break;
            case 'a': alerts = optarg; break;
            case 'b': batch = strtoul (optarg, NULL, 10); break;
            case 'w': window = atoi (optarg); break;
            case 'n': limit = strtoul (optarg, NULL, 10); break;
            case 'r': rate = atof (optarg); break;
            default: return 64;
        }
    }
    if (optind >= argc || batch < 1) {
        fprintf (stderr, "usage: hrwatch-bench-driver [-e EP] [-b BATCH] [-w WINDOW] [-n EVENTS]"
                         " [-a ALERTS -r BATCHES_PER_S] FILE\n");
        return 64;
    }
    file = argv[optind];
    s_load_t load;
    memset (&load, 0, sizeof (load));
    if (s_read (file, batch, limit, &load) || s_index (&load)) {
        fprintf (stderr, "driver: cannot read %s\n", file);
        s_free (&load);
        return 2;
    }
    if (save) {
        int wrc = s_write_frames (save, &load)? 2: 0;
        s_free (&load);
        return wrc;
    }
    //  Each batch as it was cut: the publisher cuts none of its own.
    size_t largest = 1;
    for (size_t i = 0; i < load.n_batches; i++)
        largest = load.batches[i].n > largest? load.batches[i].n: largest;
    int rc = 2;
    hrwatch_publisher_t *pub = NULL;
    hrwatch_client_t *client = hrwatch_client_new ();
    if (!client || hrwatch_client_set_endpoint (client, HRWATCH_INGEST, endpoint)) {
        fprintf (stderr, "driver: %s\n", client? hrwatch_client_error (client): "out of memory");
        goto cleanup;
    }
    pub = hrwatch_publisher_new (client);
    if (!pub) {
        fprintf (stderr, "driver: %s\n", hrwatch_client_error (client));
        goto cleanup;
    }
    //  Latency sends at its rate whatever is in flight, as it always has:
    //  the widest window, so that the events' clocks never wait for room.
    int latency = alerts && rate > 0;
    if (latency)
        window = 64;
    if (hrwatch_publisher_set_batch (pub, largest) || hrwatch_publisher_set_window (pub, window)
        || hrwatch_publisher_set_timeout (pub, 120000)) {
        fprintf (stderr, "driver: a batch of %zu events or a window of %d is out of range\n",
                 largest, window);
        goto cleanup;
    }
    rc = latency? s_latency (pub, alerts, &load, rate): s_throughput (pub, &load);
cleanup:
    hrwatch_publisher_destroy (&pub);
    hrwatch_client_destroy (&client);
    s_free (&load);
    return rc;
}
