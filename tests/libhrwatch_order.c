/*  libhrwatch_order: the publisher keeps its batches in order across a
    daemon that goes away and comes back. A fake daemon in a thread (raw
    ZeroMQ; it reads only each batch's id) takes batches 1-8 of a window
    of 8, acknowledges 1-4 and goes away; while it is away the publisher
    is given batches 9-12 (the slots the acks freed); then it comes back
    on the same endpoint and acknowledges whatever it gets. What it gets
    after coming back must be 5, 6, ..., 12 in that order: a batch made
    later never arrives before one that was lost with the connection (a
    survey answer overtaken by later events can be counted late).

    usage: libhrwatch_order DIR (for its ipc:// endpoint) */
#define _POSIX_C_SOURCE 200809L
#include <hrwatch.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define BATCHES 12
#define FIRST_ACKED 4           /*  Acknowledged before going away */
#define WINDOW 8

typedef struct {
    char endpoint[300];
    void *ctx;
    int phase;                  /*  0 starting, 1 up, 2 away, 3 back */
    int got[64];                /*  Batch numbers received after coming back */
    int n_got;
    int done;
    pthread_mutex_t lock;
} fake_t;

static void
sleep_ms (long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep (&t, NULL);
}

static void
set_phase (fake_t *f, int phase)
{
    pthread_mutex_lock (&f->lock);
    f->phase = phase;
    pthread_mutex_unlock (&f->lock);
}

static int
get_phase (fake_t *f)
{
    pthread_mutex_lock (&f->lock);
    int p = f->phase;
    pthread_mutex_unlock (&f->lock);
    return p;
}

/*  Receives one batch: the client's identity into id, the batch_id (field
    1, the first in the frame) into batch. Returns its number (after the
    '-'), 0 when nothing came within wait_ms. */
static int
take (void *sock, int wait_ms, char *id, size_t *id_len, char *batch)
{
    zmq_pollitem_t item = { sock, 0, ZMQ_POLLIN, 0 };
    if (zmq_poll (&item, 1, wait_ms) <= 0)
        return 0;
    int n = zmq_recv (sock, id, 255, 0);
    *id_len = n > 0? (size_t) n: 0;
    char empty[8], frame[4096];
    zmq_recv (sock, empty, sizeof (empty), 0);
    n = zmq_recv (sock, frame, sizeof (frame), 0);
    if (n < 2 || frame[0] != 0x0a || frame[1] <= 0 || frame[1] + 2 > n)
        return -1;
    memcpy (batch, frame + 2, (size_t) frame[1]);
    batch[(int) frame[1]] = '\0';
    const char *dash = strrchr (batch, '-');
    return dash? atoi (dash + 1): -1;
}

/*  Ack: batch_id (1), status OK (2). */
static void
ack (void *sock, const char *id, size_t id_len, const char *batch)
{
    unsigned char a[128];
    size_t len = strlen (batch), n = 0;
    a[n++] = 0x0a;
    a[n++] = (unsigned char) len;
    memcpy (a + n, batch, len);
    n += len;
    a[n++] = 0x10;
    a[n++] = 1;
    zmq_send (sock, id, id_len, ZMQ_SNDMORE);
    zmq_send (sock, "", 0, ZMQ_SNDMORE);
    zmq_send (sock, a, n, 0);
}

static void *
fake (void *arg)
{
    fake_t *f = arg;
    char id[256], batch[128];
    size_t id_len;
    void *sock = zmq_socket (f->ctx, ZMQ_ROUTER);
    int linger = 1000;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_bind (sock, f->endpoint);
    set_phase (f, 1);
    /*  Up: take the first window, acknowledge the first few, go away. */
    for (int seen = 0; seen < WINDOW; ) {
        int b = take (sock, 10000, id, &id_len, batch);
        if (b <= 0)
            break;
        seen++;
        if (b <= FIRST_ACKED)
            ack (sock, id, id_len, batch);
    }
    sleep_ms (100);
    zmq_close (sock);       /*  Lingers until the acks are out */
    set_phase (f, 2);
    sleep_ms (600);
    /*  Back: acknowledge everything, noting the order. */
    sock = zmq_socket (f->ctx, ZMQ_ROUTER);
    linger = 0;
    zmq_setsockopt (sock, ZMQ_LINGER, &linger, sizeof (linger));
    zmq_bind (sock, f->endpoint);
    set_phase (f, 3);
    for (;;) {
        int b = take (sock, 200, id, &id_len, batch);
        pthread_mutex_lock (&f->lock);
        int done = f->done;
        if (b > 0 && f->n_got < 64)
            f->got[f->n_got++] = b;
        pthread_mutex_unlock (&f->lock);
        if (b > 0)
            ack (sock, id, id_len, batch);
        if (done && b == 0)
            break;
    }
    zmq_close (sock);
    return NULL;
}

int
main (int argc, char **argv)
{
    if (argc != 2) {
        fprintf (stderr, "usage: libhrwatch_order DIR\n");
        return 64;
    }
    fake_t f;
    memset (&f, 0, sizeof (f));
    snprintf (f.endpoint, sizeof (f.endpoint), "ipc://%s/ingest.sock", argv[1]);
    pthread_mutex_init (&f.lock, NULL);
    f.ctx = zmq_ctx_new ();
    pthread_t t;
    pthread_create (&t, NULL, fake, &f);
    while (get_phase (&f) < 1)
        sleep_ms (10);

    hrwatch_client_t *client = hrwatch_client_new ();
    hrwatch_client_set_endpoint (client, HRWATCH_INGEST, f.endpoint);
    hrwatch_publisher_t *pub = hrwatch_publisher_new (client);
    int rc = !pub;
    if (!rc) {
        hrwatch_publisher_set_batch (pub, 1);
        hrwatch_publisher_set_window (pub, WINDOW);
        hrwatch_publisher_set_timeout (pub, 20000);
    }
    const unsigned char event[] = { 0x0a, 0x01, 'e' };    /*  Never opened by the fake */
    for (int i = 1; !rc && i <= WINDOW; i++)
        rc = hrwatch_publisher_add_packed (pub, event, sizeof (event), (unsigned long long) i);
    /*  The first acks are in, the daemon gone a while: the freed slots
        take the next batches while no connection is up. */
    hrwatch_counts_t c;
    memset (&c, 0, sizeof (c));
    while (!rc && (c.in_flight > WINDOW - FIRST_ACKED || get_phase (&f) < 2)) {
        hrwatch_publisher_poll (pub, 20);
        hrwatch_publisher_counts (pub, &c);
    }
    sleep_ms (200);
    for (int i = WINDOW + 1; !rc && i <= BATCHES; i++)
        rc = hrwatch_publisher_add_packed (pub, event, sizeof (event), (unsigned long long) i);
    if (!rc)
        rc = hrwatch_publisher_flush (pub);
    if (rc)
        fprintf (stderr, "publisher: %s\n", pub? hrwatch_publisher_error (pub): "not made");
    pthread_mutex_lock (&f.lock);
    f.done = 1;
    pthread_mutex_unlock (&f.lock);
    pthread_join (t, NULL);

    printf ("after coming back:");
    for (int i = 0; i < f.n_got; i++)
        printf (" %d", f.got[i]);
    printf ("\n");
    int ok = !rc && f.n_got >= BATCHES - FIRST_ACKED;
    for (int i = 0; ok && i < BATCHES - FIRST_ACKED; i++)
        ok = f.got[i] == FIRST_ACKED + 1 + i;
    printf ("%s\n", ok? "order: kept": "order: NOT kept");
    hrwatch_publisher_destroy (&pub);
    hrwatch_client_destroy (&client);
    zmq_ctx_term (f.ctx);
    pthread_mutex_destroy (&f.lock);
    return ok? 0: 1;
}
