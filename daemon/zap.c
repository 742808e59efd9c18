/*  zap: the ZAP handler over allowlists. */
#include "daemon/zap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "daemon/curve.h"

#define S_FRAMES 7      //  version, id, domain, address, identity, mechanism, key

struct hrw_zap {
    void *handler;                  //  REP on inproc://zeromq.zap.01
    hrw_log_t *log;
    char publishers_path[1024];
    char subscribers_path[1024];
    char admins_path[1024];         //  "" when there are no admin keys
    hrw_allowlist_t *publishers;
    hrw_allowlist_t *subscribers;
    hrw_allowlist_t *admins;        //  NULL when there are none
};

typedef struct {
    hrw_zap_t *self;
    const char *path;
    int errors;                     //  Bad lines so far
} s_load_t;

static void
s_bad_line (void *arg, int line)
{
    s_load_t *load = arg;
    hrw_log (load->self->log, HRW_LOG_ERR, "allowlist %s: line %d is not a Z85 public key, skipped",
             load->path, line);
    load->errors++;
}

//  Reads one list into *out, whatever happens: what could be read (nothing,
//  if the file could not be opened), so a list never keeps keys its file no
//  longer holds. Returns the number of errors, each logged; *unopened set
//  when the file could not be opened at all.
static int
s_load (hrw_zap_t *self, const char *path, hrw_allowlist_t **out, int *unopened)
{
    s_load_t load = { self, path, 0 };
    int rc = hrw_allowlist_load (path, out, s_bad_line, &load);
    if (!rc)
        return load.errors;
    if (!*out)
        *unopened = 1;
    hrw_log (self->log, HRW_LOG_ERR, "allowlist %s: %s; %s", path,
             rc == EINVAL? "not a regular file": rc == EFBIG? "over 1 MiB": strerror (rc),
             *out? "only the keys read before the error are admitted"
                 : "no key is admitted from it");
    return load.errors + 1;
}

//  Replaces both lists; the errors, and *unopened as s_load.
static int
s_load_both (hrw_zap_t *self, int *unopened)
{
    hrw_allowlist_t *pubs = NULL, *subs = NULL, *admins = NULL;
    *unopened = 0;
    int errors = s_load (self, self->publishers_path, &pubs, unopened);
    errors += s_load (self, self->subscribers_path, &subs, unopened);
    if (*self->admins_path)
        errors += s_load (self, self->admins_path, &admins, unopened);
    hrw_allowlist_destroy (&self->publishers);
    hrw_allowlist_destroy (&self->subscribers);
    hrw_allowlist_destroy (&self->admins);
    self->publishers = pubs;
    self->subscribers = subs;
    self->admins = admins;
    hrw_log (self->log, HRW_LOG_INFO, "CURVE allowlists: %zu publisher keys, %zu subscriber keys, "
             "%zu admin keys", hrw_allowlist_size (pubs), hrw_allowlist_size (subs),
             hrw_allowlist_size (admins));
    return errors;
}

int
hrw_zap_reload (hrw_zap_t *self)
{
    int unopened;
    return s_load_both (self, &unopened);
}

hrw_zap_t *
hrw_zap_new (void *ctx, const char *publishers, const char *subscribers, const char *admins,
             hrw_log_t *log)
{
    hrw_zap_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->log = log;
    snprintf (self->publishers_path, sizeof (self->publishers_path), "%s", publishers);
    snprintf (self->subscribers_path, sizeof (self->subscribers_path), "%s", subscribers);
    snprintf (self->admins_path, sizeof (self->admins_path), "%s", admins);
    self->handler = zmq_socket (ctx, ZMQ_REP);
    int linger = 0;
    if (self->handler)
        zmq_setsockopt (self->handler, ZMQ_LINGER, &linger, sizeof (linger));
    if (!self->handler || zmq_bind (self->handler, "inproc://zeromq.zap.01")) {
        hrw_log (log, HRW_LOG_ERR, "ZAP handler: %s", zmq_strerror (errno));
        hrw_zap_destroy (&self);
        return NULL;
    }
    //  At start a list that cannot be opened is fatal (most likely a typo
    //  in the config); bad lines are skipped as on a reload.
    int unopened;
    s_load_both (self, &unopened);
    if (unopened)
        hrw_zap_destroy (&self);
    return self;
}

void
hrw_zap_destroy (hrw_zap_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_zap_t *self = *self_p;
    if (self->handler)
        zmq_close (self->handler);
    hrw_allowlist_destroy (&self->publishers);
    hrw_allowlist_destroy (&self->subscribers);
    hrw_allowlist_destroy (&self->admins);
    free (self);
    *self_p = NULL;
}

void *
hrw_zap_socket (hrw_zap_t *self)
{
    return self->handler;
}

static void
s_reply (hrw_zap_t *self, zmq_msg_t *id, const char *status, const char *text,
         const char *user)
{
    zmq_send (self->handler, "1.0", 3, ZMQ_SNDMORE);
    zmq_msg_send (id, self->handler, ZMQ_SNDMORE);
    zmq_send (self->handler, status, strlen (status), ZMQ_SNDMORE);
    zmq_send (self->handler, text, strlen (text), ZMQ_SNDMORE);
    zmq_send (self->handler, user, strlen (user), ZMQ_SNDMORE);
    zmq_send (self->handler, "", 0, 0);             //  Metadata
}

//  The user id a key gets in a domain, or NULL when it is not admitted.
//  Admins may also read: subscribe, and query the control socket.
static const char *
s_role (hrw_zap_t *self, const char *domain, const unsigned char key[32])
{
    if (!strcmp (domain, HRW_ZAP_PUBLISHERS))
        return hrw_allowlist_has (self->publishers, key)? HRW_ZAP_READER: NULL;
    if (strcmp (domain, HRW_ZAP_SUBSCRIBERS) && strcmp (domain, HRW_ZAP_CONTROL))
        return NULL;
    if (hrw_allowlist_has (self->admins, key))
        return HRW_ZAP_ADMIN;
    return hrw_allowlist_has (self->subscribers, key)? HRW_ZAP_READER: NULL;
}

static void
s_one (hrw_zap_t *self)
{
    zmq_msg_t frames[S_FRAMES];
    int n = 0, more = 1;
    for (int i = 0; i < S_FRAMES; i++)
        zmq_msg_init (&frames[i]);
    while (more && n < S_FRAMES) {
        if (zmq_msg_recv (&frames[n], self->handler, 0) < 0)
            break;
        more = zmq_msg_more (&frames[n++]);
    }
    while (more) {      //  Frames beyond the protocol's are dropped
        zmq_msg_t extra;
        zmq_msg_init (&extra);
        more = zmq_msg_recv (&extra, self->handler, 0) >= 0 && zmq_msg_more (&extra);
        zmq_msg_close (&extra);
    }
    if (n < 2)
        goto done;
    //  Only CURVE is expected here: anything else is refused.
    char domain[64] = "", address[64] = "", key[HRW_Z85_KEY] = "-";
    size_t dlen = n > 2? zmq_msg_size (&frames[2]): 0;
    size_t alen = n > 3? zmq_msg_size (&frames[3]): 0;
    memcpy (domain, n > 2? zmq_msg_data (&frames[2]): "", dlen < 63? dlen: 63);
    memcpy (address, n > 3? zmq_msg_data (&frames[3]): "", alen < 63? alen: 63);
    int curve = n == S_FRAMES && zmq_msg_size (&frames[5]) == 5
             && !memcmp (zmq_msg_data (&frames[5]), "CURVE", 5)
             && zmq_msg_size (&frames[6]) == 32;
    const char *user = curve? s_role (self, domain, zmq_msg_data (&frames[6])): NULL;
    if (curve)
        zmq_z85_encode (key, zmq_msg_data (&frames[6]), 32);
    if (user)
        s_reply (self, &frames[1], "200", "OK", user);
    else {
        hrw_log (self->log, HRW_LOG_WARNING, "refused %s key %s from %s on %s",
                 curve? "CURVE": "non-CURVE", key, address, domain);
        s_reply (self, &frames[1], "400", "key not allowed", "");
    }
done:
    for (int i = 0; i < S_FRAMES; i++)
        zmq_msg_close (&frames[i]);
}

void
hrw_zap_handle (hrw_zap_t *self)
{
    int events = 0;
    size_t len = sizeof (events);
    while (zmq_getsockopt (self->handler, ZMQ_EVENTS, &events, &len) == 0
           && (events & ZMQ_POLLIN))
        s_one (self);
}
