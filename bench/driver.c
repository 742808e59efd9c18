/*  hrwatch-bench-driver: sends a workload to an ingest endpoint and measures
    it. The workload (hrwatch.v1.Event JSON lines) is encoded into
    EventBatch frames before the clock starts, so the figures are the
    server's, not JSON parsing's.

    throughput: keeps WINDOW batches in flight on a DEALER and prints
    "events seconds events_per_second" once every batch is acknowledged.

    latency: also subscribes to the alert socket, sends one batch every
    1/RATE seconds, and prints the p50 and p99 of the time from sending the
    event that triggered an alert to receiving the alert. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

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
    s_batch_t *batches;
    size_t n_batches;
    size_t n_events;
    char **ids;         //  Event ids, for latency matching
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

static void
s_free (s_load_t *load)
{
    for (size_t i = 0; i < load->n_batches; i++)
        hrw_buf_free (&load->batches[i].frame);
    for (size_t i = 0; load->ids && i < load->n_events; i++)
        free (load->ids[i]);
    free (load->batches);
    free (load->ids);
}

static void
s_send (void *sock, const s_batch_t *b)
{
    zmq_send (sock, "", 0, ZMQ_SNDMORE);
    zmq_send (sock, b->frame.data, b->frame.len, 0);
}

//  Waits for one Ack; returns its batch index, or -1 on timeout.
static long
s_ack (void *sock)
{
    zmq_msg_t m;
    zmq_msg_init (&m);
    long id = -1;
    do {
        if (zmq_msg_recv (&m, sock, 0) < 0) {
            zmq_msg_close (&m);
            return -1;
        }
    } while (zmq_msg_more (&m));
    Hrwatch__V1__Ack *ack = hrwatch__v1__ack__unpack (NULL, zmq_msg_size (&m), zmq_msg_data (&m));
    if (ack && ack->status != HRWATCH__V1__BATCH_STATUS__BATCH_STATUS_UNAVAILABLE)
        id = atol (ack->batch_id);
    else if (ack)
        id = -2 - atol (ack->batch_id);     //  Refused for now: re-send
    if (ack)
        hrwatch__v1__ack__free_unpacked (ack, NULL);
    zmq_msg_close (&m);
    return id;
}

static int
s_throughput (void *sock, s_load_t *load, int window)
{
    size_t next = 0, done = 0;
    int in_flight = 0;
    int64_t t0 = s_now ();
    while (done < load->n_batches) {
        while (in_flight < window && next < load->n_batches) {
            s_send (sock, &load->batches[next++]);
            in_flight++;
        }
        long id = s_ack (sock);
        if (id == -1) {
            fprintf (stderr, "driver: no acknowledgement within the timeout\n");
            return 1;
        }
        if (id <= -2) {
            s_send (sock, &load->batches[-2 - id]);     //  BUSY: again
            continue;
        }
        in_flight--;
        done++;
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

static int
s_latency (void *ctx, void *sock, const char *alerts, s_load_t *load, double rate)
{
    void *sub = zmq_socket (ctx, ZMQ_SUB);
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "", 0);
    if (zmq_connect (sub, alerts))
        return 1;
    struct timespec pause = { 0, 300 * 1000000L };
    nanosleep (&pause, NULL);
    int64_t *sent = calloc (load->n_events, sizeof (int64_t));
    int64_t *lat = calloc (load->n_events + 1, sizeof (int64_t));
    size_t n_lat = 0, next = 0, acked = 0;
    int64_t period = (int64_t) (1e9 / rate), t0 = s_now ();
    zmq_pollitem_t items[2] = { { sock, 0, ZMQ_POLLIN, 0 }, { sub, 0, ZMQ_POLLIN, 0 } };
    while (acked < load->n_batches) {
        int64_t now = s_now ();
        if (next < load->n_batches && now >= t0 + (int64_t) next * period) {
            const s_batch_t *b = &load->batches[next++];
            for (size_t i = 0; i < b->n; i++)
                sent[b->first + i] = now;
            s_send (sock, b);
        }
        int64_t due = t0 + (int64_t) next * period - s_now ();
        long wait_ms = next < load->n_batches? (long) (due / 1000000): 1000;
        zmq_poll (items, 2, wait_ms < 0? 0: wait_ms);
        if (items[0].revents & ZMQ_POLLIN) {
            if (s_ack (sock) == -1)
                break;
            acked++;
        }
        while (zmq_poll (&items[1], 1, 0) > 0 && (items[1].revents & ZMQ_POLLIN)) {
            zmq_msg_t topic, body;
            zmq_msg_init (&topic);
            zmq_msg_init (&body);
            zmq_msg_recv (&topic, sub, 0);
            zmq_msg_recv (&body, sub, 0);
            int64_t got = s_now ();
            Hrwatch__V1__Alert *a = hrwatch__v1__alert__unpack (NULL, zmq_msg_size (&body),
                                                                 zmq_msg_data (&body));
            //  Which event caused it: the driver knows when it sent each.
            for (size_t i = next && a && *a->trigger_event_id? 0: load->n_events;
                 i < load->n_events; i++)
                if (sent[i] && !strcmp (load->ids[i], a->trigger_event_id)) {
                    lat[n_lat++] = got - sent[i];
                    break;
                }
            if (a)
                hrwatch__v1__alert__free_unpacked (a, NULL);
            zmq_msg_close (&topic);
            zmq_msg_close (&body);
        }
    }
    qsort (lat, n_lat, sizeof (int64_t), s_cmp);
    if (n_lat == 0)
        printf ("0 0 0\n");
    else
        printf ("%zu %.3f %.3f\n", n_lat, (double) lat[n_lat / 2] / 1e6,
                (double) lat[(size_t) ((double) n_lat * 0.99)] / 1e6);
    free (sent);
    free (lat);
    zmq_close (sub);
    return 0;
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
    if (s_read (file, batch, limit, &load)) {
        fprintf (stderr, "driver: cannot read %s\n", file);
        return 2;
    }
    if (save) {
        int wrc = s_write_frames (save, &load)? 2: 0;
        s_free (&load);
        return wrc;
    }
    void *ctx = zmq_ctx_new ();
    void *sock = zmq_socket (ctx, ZMQ_DEALER);
    int linger = 0, timeout = 120000, hwm = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_setsockopt (sock, ZMQ_RCVTIMEO, &timeout, sizeof (timeout));
    zmq_setsockopt (sock, ZMQ_SNDHWM, &hwm, sizeof (hwm));
    zmq_setsockopt (sock, ZMQ_RCVHWM, &hwm, sizeof (hwm));
    if (zmq_connect (sock, endpoint))
        return 2;
    int rc = alerts && rate > 0? s_latency (ctx, sock, alerts, &load, rate)
                               : s_throughput (sock, &load, window);
    zmq_close (sock);
    zmq_ctx_term (ctx);
    s_free (&load);
    return rc;
}
