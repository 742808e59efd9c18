/*  alertmanager: the Alertmanager sink (libcurl, jansson, one thread). */
#include "workers/alertmanager.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workers/alerts.h"
#include "lib/clock.h"

#define S_BACKOFF_MAX_US (30 * HRW_US_PER_SEC)

typedef struct {
    char *fingerprint;      //  Key
    json_t *alert;          //  The Alertmanager alert, without endsAt when firing
    int firing;
    int dirty;              //  Changed since last sent
    int inflight;           //  In the request being sent
    int64_t sent_at;        //  When last sent
} s_entry_t;

struct hrw_am {
    char url[512];                  //  .../api/v2/alerts
    int64_t resend_us;              //  Firing alerts are re-sent this often
    hrw_log_t *log;
    pthread_t thread;
    pthread_mutex_t lock;           //  Guards everything below
    pthread_cond_t wake;            //  Signalled on push and on stop
    int stop;
    s_entry_t *entries;             //  Current state by fingerprint
    size_t n, cap;
    uint64_t sent, failures;
};

static char *
s_time (int64_t us, char *buf, size_t cap)
{
    return hrw_clock_format (us, buf, cap);
}

static int64_t
s_us (const Google__Protobuf__Timestamp *t)
{
    return t? hrw_clock_from_parts (t->seconds, t->nanos): hrw_clock_now_us ();
}

//  Labels identify the alert to Alertmanager (and route it); annotations
//  explain it. Only ids and figures: never names.
static json_t *
s_to_json (const Hrwatch__V1__Alert *a)
{
    char when[48], path[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < a->n_unit_path && len < sizeof (path); i++)
        len += (size_t) snprintf (path + len, sizeof (path) - len, "%s%s", i? "/": "",
                                  a->unit_path[i]);
    static const char *sev[] = { "none", "info", "warning", "critical" };
    json_t *labels = json_pack ("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "alertname",
                                hrw_alerts_kind_name (a->kind), "source", "hrwatch",
                                "hrwatch_fingerprint", a->fingerprint, "subject", a->subject,
                                "unit", a->unit_id, "unit_path", path, "severity",
                                sev[a->severity >= 0 && a->severity <= 3? a->severity: 0]);
    if (labels && *a->survey_cycle_id)
        json_object_set_new (labels, "survey_cycle", json_string (a->survey_cycle_id));
    char observed[32], expected[32], p[32];
    snprintf (observed, sizeof (observed), "%g", a->observed);
    snprintf (expected, sizeof (expected), "%g", a->expected);
    snprintf (p, sizeof (p), "%g", a->p_value);
    json_t *notes = json_pack ("{s:s, s:s, s:s, s:s, s:s}", "summary", a->summary,
                               "trigger_event_id", a->trigger_event_id, "observed", observed,
                               "expected", expected, "p_value", p);
    return json_pack ("{s:o, s:o, s:s}", "labels", labels, "annotations", notes, "startsAt",
                      s_time (s_us (a->started_at), when, sizeof (when)));
}

static s_entry_t *
s_find (hrw_am_t *self, const char *fingerprint)
{
    for (size_t i = 0; i < self->n; i++)
        if (!strcmp (self->entries[i].fingerprint, fingerprint))
            return &self->entries[i];
    return NULL;
}

void
hrw_am_push (hrw_am_t *self, const Hrwatch__V1__Alert *a)
{
    json_t *j = s_to_json (a);
    if (!j)
        return;
    int firing = a->state == HRWATCH__V1__ALERT_STATE__ALERT_STATE_FIRING;
    if (!firing) {
        char when[48];
        json_object_set_new (j, "endsAt",
                             json_string (s_time (s_us (a->resolved_at), when, sizeof (when))));
    }
    pthread_mutex_lock (&self->lock);
    s_entry_t *e = s_find (self, a->fingerprint);
    if (!e && self->n == self->cap) {
        size_t cap = self->cap? self->cap * 2: 64;
        s_entry_t *p = realloc (self->entries, cap * sizeof (*p));
        if (p) {
            self->entries = p;
            self->cap = cap;
        }
    }
    if (!e && self->n < self->cap) {
        e = &self->entries[self->n++];
        memset (e, 0, sizeof (*e));
        e->fingerprint = strdup (a->fingerprint);
    }
    if (e && e->fingerprint) {
        json_decref (e->alert);
        e->alert = j;
        e->firing = firing;
        e->dirty = 1;
        pthread_cond_signal (&self->wake);
    }
    else
        json_decref (j);
    pthread_mutex_unlock (&self->lock);
}

static size_t
s_discard (char *ptr, size_t size, size_t n, void *arg)
{
    (void) ptr;
    (void) arg;
    return size * n;
}

//  POSTs body; returns 0 on a 2xx answer.
static int
s_post (hrw_am_t *self, CURL *curl, const char *body, char *why, size_t cap)
{
    struct curl_slist *headers = curl_slist_append (NULL, "Content-Type: application/json");
    curl_easy_setopt (curl, CURLOPT_URL, self->url);
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_discard);
    CURLcode rc = curl_easy_perform (curl);
    long status = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all (headers);
    if (rc != CURLE_OK) {
        snprintf (why, cap, "%s", curl_easy_strerror (rc));
        return -1;
    }
    if (status < 200 || status > 299) {
        snprintf (why, cap, "HTTP %ld", status);
        return -1;
    }
    return 0;
}

//  Takes what is due under the lock; sends it without the lock.
static json_t *
s_due (hrw_am_t *self, int64_t now)
{
    json_t *batch = json_array ();
    char ends[48];
    s_time (now + 4 * self->resend_us, ends, sizeof (ends));
    for (size_t i = 0; batch && i < self->n; i++) {
        s_entry_t *e = &self->entries[i];
        if (!e->dirty && !(e->firing && now - e->sent_at >= self->resend_us))
            continue;
        json_t *copy = json_deep_copy (e->alert);
        //  A firing alert ends by itself if hrwatchd stops refreshing it.
        if (copy && e->firing)
            json_object_set_new (copy, "endsAt", json_string (ends));
        if (copy) {
            json_array_append_new (batch, copy);
            e->dirty = 0;
            e->inflight = 1;
        }
    }
    return batch;
}

//  After a request: delivered entries are done (resolved ones forgotten,
//  unless they changed meanwhile); failed ones are due again.
static void
s_settle (hrw_am_t *self, int64_t now, int delivered)
{
    size_t kept = 0;
    for (size_t i = 0; i < self->n; i++) {
        s_entry_t *e = &self->entries[i];
        if (e->inflight && !delivered)
            e->dirty = 1;
        if (e->inflight && delivered)
            e->sent_at = now;
        int done = e->inflight && delivered && !e->dirty && !e->firing;
        e->inflight = 0;
        if (done) {
            json_decref (e->alert);
            free (e->fingerprint);
            continue;
        }
        self->entries[kept++] = *e;
    }
    self->n = kept;
}

static void *
s_run (void *arg)
{
    hrw_am_t *self = arg;
    CURL *curl = curl_easy_init ();
    int64_t backoff = HRW_US_PER_SEC, retry_at = 0;
    int failing = 0;
    pthread_mutex_lock (&self->lock);
    while (!self->stop) {
        struct timespec until;
        clock_gettime (CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait (&self->wake, &self->lock, &until);
        int64_t now = hrw_clock_now_us ();
        if (self->stop || now < retry_at)
            continue;
        json_t *batch = s_due (self, now);
        size_t count = json_array_size (batch);
        pthread_mutex_unlock (&self->lock);
        char why[256] = "";
        char *body = count? json_dumps (batch, JSON_COMPACT): NULL;
        int rc = body && curl? s_post (self, curl, body, why, sizeof (why)): count? -1: 0;
        free (body);
        json_decref (batch);
        pthread_mutex_lock (&self->lock);
        s_settle (self, now, rc == 0);
        if (rc == 0 && count) {
            self->sent += count;
            backoff = HRW_US_PER_SEC;
            if (failing)
                hrw_log (self->log, HRW_LOG_NOTICE, "alertmanager: delivering again to %s",
                         self->url);
            failing = 0;
        }
        else if (rc) {
            self->failures++;
            if (!failing)
                hrw_log (self->log, HRW_LOG_WARNING, "alertmanager: %s: %s; retrying",
                         self->url, why);
            failing = 1;
            retry_at = now + backoff;
            backoff = backoff * 2 > S_BACKOFF_MAX_US? S_BACKOFF_MAX_US: backoff * 2;
        }
    }
    pthread_mutex_unlock (&self->lock);
    if (curl)
        curl_easy_cleanup (curl);
    return NULL;
}

hrw_am_t *
hrw_am_new (const char *url, uint32_t resend_seconds, hrw_log_t *log)
{
    hrw_am_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    size_t n = strlen (url);
    while (n && url[n - 1] == '/')
        n--;
    snprintf (self->url, sizeof (self->url), "%.*s/api/v2/alerts", (int) n, url);
    self->resend_us = (int64_t) (resend_seconds? resend_seconds: 60) * HRW_US_PER_SEC;
    self->log = log;
    pthread_mutex_init (&self->lock, NULL);
    pthread_cond_init (&self->wake, NULL);
    if (pthread_create (&self->thread, NULL, s_run, self)) {
        pthread_mutex_destroy (&self->lock);
        pthread_cond_destroy (&self->wake);
        free (self);
        return NULL;
    }
    hrw_log (log, HRW_LOG_INFO, "alertmanager: forwarding alerts to %s", self->url);
    return self;
}

void
hrw_am_destroy (hrw_am_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    hrw_am_t *self = *self_p;
    pthread_mutex_lock (&self->lock);
    self->stop = 1;
    pthread_cond_signal (&self->wake);
    pthread_mutex_unlock (&self->lock);
    pthread_join (self->thread, NULL);
    for (size_t i = 0; i < self->n; i++) {
        json_decref (self->entries[i].alert);
        free (self->entries[i].fingerprint);
    }
    free (self->entries);
    pthread_mutex_destroy (&self->lock);
    pthread_cond_destroy (&self->wake);
    free (self);
    *self_p = NULL;
}

void
hrw_am_counts (hrw_am_t *self, uint64_t *sent, uint64_t *failures)
{
    pthread_mutex_lock (&self->lock);
    *sent = self->sent;
    *failures = self->failures;
    pthread_mutex_unlock (&self->lock);
}
