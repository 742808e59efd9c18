/*  log: stderr, journal-aware, or syslog (when something listens on it). */
#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/uio.h>
#include <paths.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include "lib/clock.h"

typedef enum { S_STDERR, S_JOURNAL, S_SYSLOG } s_target_t;

struct hrw_log {
    hrw_log_level_t level;  //  Most verbose level written
    s_target_t target;      //  Where records go
};

static const char *s_names[] = { "emerg", "alert", "crit", "error", "warning", "notice",
                                 "info", "debug" };

//  systemd sets JOURNAL_STREAM to the device and inode of the stream it
//  connected stderr to; when they match, the journal parses "<N>" prefixes
//  as priorities and adds its own timestamps.
static int
s_stderr_is_journal (void)
{
    const char *js = getenv ("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;
    if (!js || sscanf (js, "%llu:%llu", &dev, &ino) != 2 || fstat (STDERR_FILENO, &st))
        return 0;
    return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

hrw_log_t *
hrw_log_new (hrw_log_level_t level)
{
    hrw_log_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->level = level;
    self->target = s_stderr_is_journal ()? S_JOURNAL: S_STDERR;
    return self;
}

void
hrw_log_destroy (hrw_log_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->target == S_SYSLOG)
        closelog ();
    free (*self_p);
    *self_p = NULL;
}

//  1 when something listens on the syslog socket. syslog(3) drops what it
//  cannot deliver without a word, so this is asked before stderr is given up.
static int
s_syslog_reachable (void)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf (addr.sun_path, sizeof (addr.sun_path), "%s", _PATH_LOG);
    static const int types[] = { SOCK_DGRAM, SOCK_STREAM };
    for (size_t i = 0; i < sizeof (types) / sizeof (types[0]); i++) {
        int fd = socket (AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        int rc = connect (fd, (struct sockaddr *) &addr, sizeof (addr));
        close (fd);
        if (rc == 0)
            return 1;
    }
    return 0;
}

int
hrw_log_use_syslog (hrw_log_t *self)
{
    if (self->target == S_JOURNAL)
        return 0;       //  The journal's own socket does not need stderr
    if (!s_syslog_reachable ()) {
        hrw_log (self, HRW_LOG_WARNING, "no journal and nothing listening on %s: logging "
                 "on stderr from now on", _PATH_LOG);
        return -1;
    }
    openlog ("hrwatchd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
    self->target = S_SYSLOG;
    return 0;
}

void
hrw_log_set_level (hrw_log_t *self, hrw_log_level_t level)
{
    self->level = level;
}

#define S_FIELDS_MAX 16

static void
s_journal (hrw_log_level_t level, const char *msg, const char *const *fields)
{
    char message[4200], priority[16];
    struct iovec iov[S_FIELDS_MAX + 3];
    size_t n = 0;
    snprintf (message, sizeof (message), "MESSAGE=%s", msg);
    snprintf (priority, sizeof (priority), "PRIORITY=%d", (int) level);
    iov[n].iov_base = message;
    iov[n++].iov_len = strlen (message);
    iov[n].iov_base = priority;
    iov[n++].iov_len = strlen (priority);
    iov[n].iov_base = (void *) "SYSLOG_IDENTIFIER=hrwatchd";
    iov[n++].iov_len = strlen ("SYSLOG_IDENTIFIER=hrwatchd");
    for (size_t i = 0; fields && fields[i] && i < S_FIELDS_MAX; i++) {
        iov[n].iov_base = (void *) fields[i];
        iov[n++].iov_len = strlen (fields[i]);
    }
    //  If the journal socket is gone, stderr still goes to it as a stream.
    if (sd_journal_sendv (iov, (int) n) < 0)
        fprintf (stderr, "<%d>%s\n", (int) level, msg);
}

//  Control bytes in a record would let a value that reached it (a title
//  with a newline, say) forge a record of its own: they are written as
//  \xHH, and a backslash as \\ so that the escape cannot be forged either.
static void
s_escape (const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *) in; *p && n + 5 < cap; p++) {
        if (*p >= 0x20 && *p != 0x7f && *p != '\\')
            out[n++] = (char) *p;
        else if (*p == '\\') {
            out[n++] = '\\';
            out[n++] = '\\';
        }
        else {
            out[n++] = '\\';
            out[n++] = 'x';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    out[n] = '\0';
}

static void s_write (hrw_log_t *self, hrw_log_level_t level, const char *const *fields,
                     const char *fmt, va_list ap) __attribute__ ((format (printf, 4, 0)));

static void
s_write (hrw_log_t *self, hrw_log_level_t level, const char *const *fields, const char *fmt,
         va_list ap)
{
    char raw[1024], msg[4 * sizeof (raw)];
    vsnprintf (raw, sizeof (raw), fmt, ap);
    s_escape (raw, msg, sizeof (msg));
    if (self->target == S_SYSLOG)
        syslog ((int) level, "%s", msg);
    else if (self->target == S_JOURNAL)
        s_journal (level, msg, fields);
    else {
        char when[40];
        hrw_clock_format (hrw_clock_now_us () / HRW_US_PER_SEC * HRW_US_PER_SEC, when,
                          sizeof (when));
        fprintf (stderr, "%s hrwatchd[%d] %s: %s\n", when, (int) getpid (), s_names[level], msg);
    }
}

void
hrw_log (hrw_log_t *self, hrw_log_level_t level, const char *fmt, ...)
{
    if (!self || level > self->level)
        return;
    va_list ap;
    va_start (ap, fmt);
    s_write (self, level, NULL, fmt, ap);
    va_end (ap);
}

void
hrw_log_fields (hrw_log_t *self, hrw_log_level_t level, const char *const *fields,
                const char *fmt, ...)
{
    if (!self || level > self->level)
        return;
    va_list ap;
    va_start (ap, fmt);
    s_write (self, level, fields, fmt, ap);
    va_end (ap);
}
