/*  libhrwatch_pages: the subscriber against a daemon that gives smaller
    pages of the alert log than asked (at most 2), on a prefix, with live
    changes of other topics in between. A fake daemon in a thread (raw
    ZeroMQ, the messages encoded by hand: only what the subscriber reads)
    holds a log of 5 changes, and once the log has been read to its end
    publishes 6 more, alternating topics. The subscriber on "a/" must hand
    over 1, 3, 5, 6, 8, 10 in order, and read the log in 2 requests: no
    change skipped for a short page, no round trip for each live change.

    usage: libhrwatch_pages DIR (for its ipc:// endpoints) */
#define _POSIX_C_SOURCE 200809L
#include <hrwatch.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define LOG_MAX 16
#define PAGE 2

typedef struct {
    char control[300], alerts[300];
    int requests;           /*  AlertsRequests answered */
    int ready;              /*  Both sockets bound */
    int stop;
    pthread_mutex_t lock;
} fake_t;

static const char *topics[LOG_MAX + 1] = { "", "a/1", "b/2", "a/3", "b/4", "a/5", "a/6", "b/7",
                                           "a/8", "b/9", "a/10", "b/11" };

static void
sleep_ms (long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&t, NULL);
}

static size_t
put_varint (unsigned char *p, unsigned long long v)
{
    size_t n = 0;
    do {
        p[n++] = (unsigned char) ((v & 0x7f) | (v >= 0x80? 0x80: 0));
        v >>= 7;
    } while (v);
    return n;
}

static unsigned long long
get_varint (const unsigned char **p, const unsigned char *end)
{
    unsigned long long v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        unsigned char x = *(*p)++;
        v |= (unsigned long long) (x & 0x7f) << shift;
        if (!(x & 0x80))
            break;
    }
    return v;
}

/*  One Alert: seq (1) and topic (20). */
static size_t
put_alert (unsigned char *p, unsigned long long seq)
{
    unsigned char body[64];
    size_t n = 0, len = strlen (topics[seq]);
    body[n++] = 1 << 3;
    n += put_varint (body + n, seq);
    body[n++] = (unsigned char) (20 << 3 | 2);
    body[n++] = 1;
    body[n++] = (unsigned char) len;
    memcpy (body + n, topics[seq], len);
    n += len;
    memcpy (p, body, n);
    return n;
}

/*  after_seq and prefix of a ControlRequest's AlertsRequest (field 3). */
static void
read_request (const unsigned char *p, const unsigned char *end, unsigned long long *after,
              char *prefix)
{
    *after = 0;
    prefix[0] = '\0';
    while (p < end) {
        unsigned long long key = get_varint (&p, end);
        if ((key & 7) == 0) {
            unsigned long long v = get_varint (&p, end);
            if (key >> 3 == 2)
                *after = v;
            continue;
        }
        unsigned long long len = get_varint (&p, end);
        if (key >> 3 == 3) {            /*  The AlertsRequest: read inside it */
            end = p + len;
            continue;
        }
        if (key >> 3 == 4 && len < 64) {
            memcpy (prefix, p, len);
            prefix[len] = '\0';
        }
        p += len;
    }
}

static void *
fake_daemon (void *arg)
{
    fake_t *f = arg;
    void *ctx = zmq_ctx_new ();
    void *router = zmq_socket (ctx, ZMQ_ROUTER), *pub = zmq_socket (ctx, ZMQ_PUB);
    int linger = 0, log_end = 5, published = 0;
    zmq_setsockopt (router, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_setsockopt (pub, ZMQ_LINGER, &linger, sizeof (linger));
    if (zmq_bind (router, f->control) || zmq_bind (pub, f->alerts)) {
        fprintf (stderr, "fake: cannot bind: %s\n", zmq_strerror (zmq_errno ()));
        exit (1);
    }
    pthread_mutex_lock (&f->lock);
    f->ready = 1;
    pthread_mutex_unlock (&f->lock);
    for (;;) {
        pthread_mutex_lock (&f->lock);
        int stop = f->stop;
        pthread_mutex_unlock (&f->lock);
        if (stop)
            break;
        zmq_pollitem_t item = { router, 0, ZMQ_POLLIN, 0 };
        if (zmq_poll (&item, 1, 50) <= 0)
            continue;
        zmq_msg_t id, delim, body;
        zmq_msg_init (&id);
        zmq_msg_init (&delim);
        zmq_msg_init (&body);
        zmq_msg_recv (&id, router, 0);
        zmq_msg_recv (&delim, router, 0);
        zmq_msg_recv (&body, router, 0);
        unsigned long long after;
        char prefix[64];
        const unsigned char *d = zmq_msg_data (&body);
        read_request (d, d + zmq_msg_size (&body), &after, prefix);
        /*  The page: at most PAGE entries of the prefix after after. */
        unsigned char list[1024], resp[1100];
        size_t n = 0, in_page = 0;
        int rest = 0;       /*  Entries of the prefix past the page */
        for (unsigned long long s = after + 1; s <= (unsigned long long) log_end; s++) {
            if (strncmp (topics[s], prefix, strlen (prefix)))
                continue;
            if (in_page == PAGE) {
                rest++;
                continue;
            }
            unsigned char a[64];
            size_t alen = put_alert (a, s);
            list[n++] = 1 << 3 | 2;
            n += put_varint (list + n, alen);
            memcpy (list + n, a, alen);
            n += alen;
            in_page++;
        }
        list[n++] = 2 << 3;
        n += put_varint (list + n, (unsigned long long) log_end);
        size_t r = 0;
        resp[r++] = 4 << 3 | 2;
        r += put_varint (resp + r, n);
        memcpy (resp + r, list, n);
        r += n;
        zmq_msg_send (&id, router, ZMQ_SNDMORE);
        zmq_send (router, "", 0, ZMQ_SNDMORE);
        zmq_send (router, resp, r, 0);
        zmq_msg_close (&delim);
        zmq_msg_close (&body);
        pthread_mutex_lock (&f->lock);
        f->requests++;
        pthread_mutex_unlock (&f->lock);
        /*  The log read to its end: the live changes, logged then
            published, as hrwatchd does. */
        if (!rest && !published) {
            published = 1;
            sleep_ms (100);
            for (int s = 6; s <= 11; s++) {
                unsigned char a[64];
                size_t alen = put_alert (a, (unsigned long long) s);
                log_end = s;
                zmq_send (pub, topics[s], strlen (topics[s]), ZMQ_SNDMORE);
                zmq_send (pub, a, alen, 0);
            }
        }
    }
    zmq_close (router);
    zmq_close (pub);
    zmq_ctx_term (ctx);
    return NULL;
}

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: libhrwatch_pages DIR\n");
        return 64;
    }
    static fake_t f = { .lock = PTHREAD_MUTEX_INITIALIZER };
    snprintf (f.control, sizeof (f.control), "ipc://%s/fake-control.sock", argv[1]);
    snprintf (f.alerts, sizeof (f.alerts), "ipc://%s/fake-alerts.sock", argv[1]);
    pthread_t thread;
    pthread_create (&thread, NULL, fake_daemon, &f);
    for (int ready = 0; !ready; sleep_ms (10)) {
        pthread_mutex_lock (&f.lock);
        ready = f.ready;
        pthread_mutex_unlock (&f.lock);
    }
    int status = 1;
    char *data = NULL;
    hrwatch_subscriber_t *sub = NULL;
    hrwatch_client_t *client = hrwatch_client_new ();
    if (!client || hrwatch_client_set_endpoint (client, HRWATCH_CONTROL, f.control)
        || hrwatch_client_set_endpoint (client, HRWATCH_ALERTS, f.alerts))
        goto cleanup;
    sub = hrwatch_subscriber_new (client, "a/", 0);
    if (!sub) {
        fprintf (stderr, "pages: %s\n", hrwatch_client_error (client));
        goto cleanup;
    }
    const unsigned long long want[] = { 1, 3, 5, 6, 8, 10 };
    for (size_t i = 0; i < sizeof (want) / sizeof (want[0]); i++) {
        size_t len;
        uint64_t seq;
        int rc = hrwatch_subscriber_next (sub, HRWATCH_JSON, 5000, &data, &len, &seq);
        if (rc) {
            fprintf (stderr, "pages: change %llu: %s (%s)\n", want[i], hrwatch_strerror (rc),
                     hrwatch_subscriber_error (sub));
            goto cleanup;
        }
        printf ("change #%llu: %.*s\n", (unsigned long long) seq, 40, strstr (data, "\"topic\""));
        hrwatch_free (data);
        data = NULL;
        if (seq != want[i]) {
            fprintf (stderr, "pages: change #%llu where #%llu was due\n",
                     (unsigned long long) seq, want[i]);
            goto cleanup;
        }
    }
    pthread_mutex_lock (&f.lock);
    int requests = f.requests;
    pthread_mutex_unlock (&f.lock);
    printf ("log requests: %d; last: %llu\n", requests,
            (unsigned long long) hrwatch_subscriber_last (sub));
    /*  2 to read the log in pages of 2; a third only if the run was so
        slow that a quiet spell (2 s) came between live changes. */
    status = requests <= 3 && hrwatch_subscriber_last (sub) == 10? 0: 1;
cleanup:
    hrwatch_free (data);
    hrwatch_subscriber_destroy (&sub);
    hrwatch_client_destroy (&client);
    pthread_mutex_lock (&f.lock);
    f.stop = 1;
    pthread_mutex_unlock (&f.lock);
    pthread_join (thread, NULL);
    return status;
}
