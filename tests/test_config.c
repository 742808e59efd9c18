/*  The settings table: every row's range at its edges and just outside,
    unknown keys, what a reload may change, and that the workers' defaults,
    the packaged file and the man page all agree with it. */
#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/config.h"
#include "workers/engine.h"
#include "workers/validate.h"

#define T_LINE 4096

static int
t_numeric (const hrw_config_setting_t *s)
{
    return s->type == HRW_CONFIG_U32 || s->type == HRW_CONFIG_MB
           || s->type == HRW_CONFIG_SECONDS || s->type == HRW_CONFIG_DOUBLE;
}

//  Sets one setting on a fresh set of defaults; returns hrw_config_set's code.
static int
t_set (hrw_config_t *cfg, const hrw_config_setting_t *s, const char *value)
{
    hrw_config_defaults (cfg);
    return hrw_config_set (cfg, s->section, s->key, value);
}

static void
t_refused (const hrw_config_setting_t *s, const char *value)
{
    hrw_config_t cfg;
    if (t_set (&cfg, s, value) != -2)
        fail_msg ("[%s] %s = %s accepted", s->section, s->key, value);
}

static void
t_accepted (const hrw_config_setting_t *s, const char *value)
{
    hrw_config_t cfg;
    if (t_set (&cfg, s, value) != 0)
        fail_msg ("[%s] %s = %s refused", s->section, s->key, value);
}

//  The value the setting holds in cfg, in the units it is written in.
static double
t_number (const hrw_config_t *cfg, const hrw_config_setting_t *s)
{
    const char *field = (const char *) cfg + s->offset;
    switch (s->type) {
        case HRW_CONFIG_U32: return *(const uint32_t *) field;
        case HRW_CONFIG_MB: return (double) (*(const uint64_t *) field / (1024 * 1024));
        case HRW_CONFIG_SECONDS: return (double) (*(const int64_t *) field / 1000000);
        case HRW_CONFIG_DOUBLE: return *(const double *) field;
        default: return NAN;
    }
}

//  Whether a and b hold the same value for s.
static int
t_same (const hrw_config_t *a, const hrw_config_t *b, const hrw_config_setting_t *s)
{
    const char *fa = (const char *) a + s->offset;
    const char *fb = (const char *) b + s->offset;
    if (s->type == HRW_CONFIG_STR)
        return !strcmp (fa, fb);
    if (s->type == HRW_CONFIG_LEVEL)
        return *(const hrw_log_level_t *) fa == *(const hrw_log_level_t *) fb;
    return t_number (a, s) == t_number (b, s);
}

static void
test_every_default_is_within_its_range (void **state)
{
    (void) state;
    const hrw_config_setting_t *s;
    for (size_t i = 0; (s = hrw_config_setting (i)); i++)
        if (s->type != HRW_CONFIG_GONE)
            t_accepted (s, s->value);
}

//  workers/ keeps its own defaults for callers without a file: they must
//  be the table's.
static void
test_defaults_equal_the_workers_defaults (void **state)
{
    (void) state;
    hrw_config_t cfg;
    hrw_config_defaults (&cfg);
    hrw_engine_opts_t engine;
    memset (&engine, 0, sizeof (engine));
    hrw_engine_defaults (&engine);
    hrw_detect_opts_t detect;
    memset (&detect, 0, sizeof (detect));
    hrw_detect_defaults (&detect);
    hrw_limits_t limits;
    memset (&limits, 0, sizeof (limits));
    hrw_limits_default (&limits);
    assert_memory_equal (&cfg.engine.detect, &detect, sizeof (detect));
    assert_memory_equal (&cfg.engine, &engine, sizeof (engine));
    assert_memory_equal (&cfg.limits, &limits, sizeof (limits));
}

static void
t_number_edges (const hrw_config_setting_t *s)
{
    char text[64];
    hrw_config_t cfg;
    double edges[2] = { s->min, s->max };
    for (int e = 0; e < 2; e++) {
        snprintf (text, sizeof (text), "%.17g", edges[e]);
        t_accepted (s, text);
        t_set (&cfg, s, text);
        assert_true (t_number (&cfg, s) == edges[e]);
        //  Just outside: the next double for a fraction, the next whole
        //  number otherwise.
        double out = s->type == HRW_CONFIG_DOUBLE? nextafter (edges[e], e? INFINITY: -INFINITY)
                                                 : edges[e] + (e? 1: -1);
        snprintf (text, sizeof (text), "%.17g", out);
        t_refused (s, text);
    }
    if (s->type != HRW_CONFIG_DOUBLE && s->max > s->min) {
        snprintf (text, sizeof (text), "%.17g", s->min + 0.5);
        t_refused (s, text);
    }
    t_refused (s, "nan");
    t_refused (s, "inf");
    t_refused (s, "");
    t_refused (s, "5x");
    t_refused (s, "0x10");          //  strtod's hexadecimal
    t_refused (s, " 1");            //  ... and its leading space
}

static void
t_string_edges (const hrw_config_setting_t *s)
{
    size_t cap = (size_t) s->max;
    char *text = malloc (cap + 1);
    assert_non_null (text);
    memset (text, 'a', cap);
    text[cap] = '\0';
    t_refused (s, text);                //  No room for its NUL
    text[cap - 1] = '\0';
    t_accepted (s, text);
    hrw_config_t cfg;
    t_set (&cfg, s, text);
    assert_string_equal ((const char *) &cfg + s->offset, text);
    t_accepted (s, "");
    free (text);
}

static void
test_every_range_accepts_its_edges_and_refuses_just_outside (void **state)
{
    (void) state;
    const hrw_config_setting_t *s;
    size_t numbers = 0;
    for (size_t i = 0; (s = hrw_config_setting (i)); i++) {
        if (t_numeric (s)) {
            t_number_edges (s);
            numbers++;
        }
        else if (s->type == HRW_CONFIG_STR)
            t_string_edges (s);
    }
    assert_true (numbers > 30);
}

static void
test_log_level_takes_the_names_only (void **state)
{
    (void) state;
    const char *names[] = { "error", "warning", "notice", "info", "debug" };
    hrw_config_t cfg;
    for (int i = 0; i < 5; i++) {
        hrw_config_defaults (&cfg);
        assert_int_equal (hrw_config_set (&cfg, "daemon", "log_level", names[i]), 0);
        assert_int_equal (cfg.log_level, HRW_LOG_ERR + i);
    }
    const char *bad[] = { "", "warn", "INFO", "7", "debug " };
    for (int i = 0; i < 5; i++)
        assert_int_equal (hrw_config_set (&cfg, "daemon", "log_level", bad[i]), -2);
}

//  Settings no longer used load and change nothing.
static void
test_retired_settings_are_accepted_and_ignored (void **state)
{
    (void) state;
    hrw_config_t cfg, want;
    hrw_config_defaults (&want);
    const hrw_config_setting_t *s;
    size_t gone = 0;
    for (size_t i = 0; (s = hrw_config_setting (i)); i++) {
        if (s->type != HRW_CONFIG_GONE)
            continue;
        assert_int_equal (t_set (&cfg, s, "anything"), 0);
        assert_memory_equal (&cfg, &want, sizeof (cfg));
        gone++;
    }
    assert_int_equal (gone, 2);
}

static void
test_unknown_keys_and_sections_are_refused (void **state)
{
    (void) state;
    hrw_config_t cfg;
    char err[600];
    hrw_config_defaults (&cfg);
    assert_int_equal (hrw_config_set (&cfg, "store", "nope", "1"), -1);
    assert_int_equal (hrw_config_set (&cfg, "ingest", "path", "x"), -1);    //  Another section's
    assert_int_equal (hrw_config_set (&cfg, "nosuch", "path", "x"), -1);
    assert_int_equal (hrw_config_set (&cfg, "", "path", "x"), -1);
    assert_int_equal (hrw_config_set (&cfg, "store", "Path", "x"), -1);
    assert_int_equal (hrw_config_parse (&cfg, "[store]\npath = a\nnope = 1\n", "t.conf", err,
                                        sizeof (err)), -1);
    assert_string_equal (err, "t.conf: line 3: unknown setting [store] nope");
    assert_int_equal (hrw_config_parse (&cfg, "[nosuch]\npath = a\n", "t.conf", err,
                                        sizeof (err)), -1);
    assert_string_equal (err, "t.conf: line 2: unknown setting [nosuch] path");
    assert_int_equal (hrw_config_parse (&cfg, "path = a\n", "t.conf", err, sizeof (err)), -1);
    assert_int_equal (hrw_config_parse (&cfg, "[store]\nmap_size_mb = 0\n", "t.conf", err,
                                        sizeof (err)), -1);
    assert_string_equal (err, "t.conf: line 2: bad value for [store] map_size_mb = 0 "
                         "(a whole number from 1 to 1073741824)");
}

//  A value every setting can take other than its default.
static void
t_other_value (const hrw_config_setting_t *s, char *out, size_t cap)
{
    if (s->type == HRW_CONFIG_STR)
        snprintf (out, cap, "other");
    else if (s->type == HRW_CONFIG_LEVEL)
        snprintf (out, cap, "debug");
    else
        snprintf (out, cap, "%.17g", strtod (s->value, NULL) == s->max? s->min: s->max);
}

typedef struct {
    size_t calls;                       //  Settings reported kept
    char said[T_LINE];                  //  What the last one said
} t_kept_t;

static void
t_kept (void *arg, const hrw_config_setting_t *s, const char *running)
{
    t_kept_t *k = arg;
    assert_int_equal (s->when, HRW_CONFIG_RESTART);
    k->calls++;
    snprintf (k->said, sizeof (k->said), "[%s] %s still %s", s->section, s->key, running);
}

//  A NUL byte would end the text the parser sees: what follows it (a bad
//  value, an unknown key) would never be read, and the file would pass.
static void
test_a_file_with_a_nul_byte_is_refused (void **state)
{
    (void) state;
    char path[] = "/tmp/hrwatch-test-config-XXXXXX", err[512] = "";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    static const char text[] = "[store]\nmap_size_mb = 64\0\nmap_size_mb = 0\n";
    assert_int_equal (write (fd, text, sizeof (text) - 1), (ssize_t) sizeof (text) - 1);
    close (fd);
    hrw_config_t cfg;
    assert_int_equal (hrw_config_load (&cfg, path, err, sizeof (err)), -1);
    assert_non_null (strstr (err, "holds a NUL byte"));
    unlink (path);
}

//  Endpoints, the metrics address and the Alertmanager URL are checked
//  when the file is read, so --check-config finds them, not the start; so
//  is a line longer than the parser reads.
static void
test_addresses_and_long_lines_are_checked (void **state)
{
    (void) state;
    static const struct {
        const char *text, *says;
    } bad[] = {
        { "[ingest]\nendpoint = garbage\n", "[ingest] endpoint: not a ZeroMQ endpoint" },
        { "[alerts]\nendpoint = http://x\n", "[alerts] endpoint: not a ZeroMQ endpoint" },
        { "[metrics]\nlisten = 1.2.3.4:99999\n", "[metrics] listen: not an IPv4" },
        { "[metrics]\nlisten = localhost:9464\n", "[metrics] listen: not an IPv4" },
        { "[metrics]\nlisten = 127.0.0.1:9464x\n", "[metrics] listen: not an IPv4" },
        { "[alertmanager]\nurl = ftp://x\n", "[alertmanager] url: not an http" },
    };
    hrw_config_t cfg;
    char err[512];
    for (size_t i = 0; i < sizeof (bad) / sizeof (bad[0]); i++) {
        err[0] = 0;
        hrw_config_defaults (&cfg);
        assert_int_equal (hrw_config_parse (&cfg, bad[i].text, "t.conf", err, sizeof (err)), -1);
        if (!strstr (err, bad[i].says))
            fail_msg ("%s: said '%s'", bad[i].text, err);
    }
    //  A line too long for the parser is named as such, on its own line.
    char text[400];
    snprintf (text, sizeof (text), "[store]\n# %0250d\nmap_size_mb = 64\n", 0);
    hrw_config_defaults (&cfg);
    assert_int_equal (hrw_config_parse (&cfg, text, "t.conf", err, sizeof (err)), -1);
    assert_string_equal (err, "t.conf: line 2: longer than 199 characters");
    static const char *good =
        "[ingest]\nendpoint = ipc:///run/x.sock\npush_endpoint =\n"
        "[metrics]\nlisten = 0.0.0.0:1\n[alertmanager]\nurl = https://am:9093\n";
    hrw_config_defaults (&cfg);
    assert_int_equal (hrw_config_parse (&cfg, good, "t.conf", err, sizeof (err)), 0);
}

static void
test_reload_applies_reloadable_settings_and_keeps_the_rest (void **state)
{
    (void) state;
    hrw_config_t running, next, file;
    hrw_config_defaults (&running);
    running.engine.replay = 1;
    hrw_config_defaults (&file);
    const hrw_config_setting_t *s;
    char value[64];
    size_t restart = 0, reload = 0;
    for (size_t i = 0; (s = hrw_config_setting (i)); i++) {
        if (s->type == HRW_CONFIG_GONE)
            continue;
        t_other_value (s, value, sizeof (value));
        assert_int_equal (hrw_config_set (&file, s->section, s->key, value), 0);
        assert_false (t_same (&running, &file, s));
        s->when == HRW_CONFIG_RESTART? restart++: reload++;
    }
    next = file;
    t_kept_t k = { 0 };
    hrw_config_reload (&running, &next, t_kept, &k);
    assert_int_equal (k.calls, restart);
    for (size_t i = 0; (s = hrw_config_setting (i)); i++) {
        if (s->type == HRW_CONFIG_GONE)
            continue;
        if (!t_same (&next, s->when == HRW_CONFIG_RESTART? &running: &file, s))
            fail_msg ("reload: [%s] %s not as its row says", s->section, s->key);
    }
    assert_int_equal (next.engine.replay, file.engine.replay);  //  Not a setting: untouched
    assert_true (restart > 10 && reload > 20);
    assert_string_equal (k.said, "[daemon] handshake_seconds still 5");

    //  Nothing changed, nothing said.
    next = running;
    k.calls = 0;
    hrw_config_reload (&running, &next, t_kept, &k);
    assert_int_equal (k.calls, 0);
    assert_memory_equal (&next, &running, sizeof (next));
    hrw_config_reload (&running, &file, NULL, NULL);   //  No one to tell
}

//  What the daemon relies on: sockets, the store and the allocations made
//  at start stay; limits, thresholds and the log level move at once.
static void
test_reload_flags_of_the_settings_the_daemon_sizes_at_start (void **state)
{
    (void) state;
    static const struct { const char *section, *key; hrw_config_when_t when; } want[] = {
        { "store", "path", HRW_CONFIG_RESTART },
        { "store", "map_size_mb", HRW_CONFIG_RESTART },
        { "ingest", "endpoint", HRW_CONFIG_RESTART },
        { "ingest", "max_frame_bytes", HRW_CONFIG_RESTART },
        { "ingest", "inflight_max_mb", HRW_CONFIG_RESTART },
        { "ingest", "group_max_frames", HRW_CONFIG_RESTART },
        { "alerts", "log_keep", HRW_CONFIG_RESTART },
        { "security", "publishers", HRW_CONFIG_RESTART },
        { "ingest", "max_batch_events", HRW_CONFIG_RELOAD },
        { "ingest", "group_max_bytes", HRW_CONFIG_RELOAD },
        { "alerts", "alpha", HRW_CONFIG_RELOAD },
        { "alerts", "allowed_lateness_seconds", HRW_CONFIG_RELOAD },
        { "daemon", "log_level", HRW_CONFIG_RELOAD },
        { "control", "backup_dir", HRW_CONFIG_RELOAD },
    };
    for (size_t w = 0; w < sizeof (want) / sizeof (want[0]); w++) {
        const hrw_config_setting_t *s;
        size_t i = 0;
        while ((s = hrw_config_setting (i++)) && (strcmp (s->section, want[w].section)
                                                  || strcmp (s->key, want[w].key)))
            ;
        assert_non_null (s);
        if (s->when != want[w].when)
            fail_msg ("[%s] %s: wrong reload flag", s->section, s->key);
    }
}

// ---------------------------------------------------------------------------
// The packaged file and the man page

static char *
t_read (const char *relative)
{
    char path[1024];
    snprintf (path, sizeof (path), "%s/%s", HRW_SOURCE_DIR, relative);
    FILE *f = fopen (path, "r");
    if (!f)
        fail_msg ("cannot read %s", path);
    char *text = calloc (1, 1 << 20);
    assert_non_null (text);
    size_t n = fread (text, 1, (1 << 20) - 1, f);
    text[n] = '\0';
    fclose (f);
    return text;
}

//  Index of the row named section and key, or -1.
static int
t_row (const char *section, const char *key)
{
    const hrw_config_setting_t *s;
    for (size_t i = 0; (s = hrw_config_setting (i)); i++)
        if (!strcmp (s->section, section) && !strcmp (s->key, key))
            return (int) i;
    return -1;
}

//  Every setting once, commented, with the table's default ("#key = value").
static void
test_packaged_file_shows_every_setting_with_its_default (void **state)
{
    (void) state;
    char *text = t_read ("packaging/hrwatchd.conf");
    int seen[256] = { 0 };
    char section[64] = "";
    for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n")) {
        char key[128];
        int at = 0;
        if (sscanf (line, "[%63[^]]]", section) == 1)
            continue;
        int commented = line[0] == '#';
        if (sscanf (line + commented, "%127[a-z_] =%n", key, &at) != 1 || !at)
            continue;
        const char *value = line + commented + at + (line[commented + at] == ' ');
        int row = t_row (section, key);
        if (row < 0)
            fail_msg ("hrwatchd.conf: [%s] %s is not a setting", section, key);
        if (!commented)
            continue;   //  The package's own choice, over the default
        const hrw_config_setting_t *s = hrw_config_setting ((size_t) row);
        if (strcmp (value, s->value))
            fail_msg ("hrwatchd.conf: [%s] %s = %s, the default is %s", section, key, value,
                      s->value);
        seen[row]++;
    }
    const hrw_config_setting_t *s;
    for (size_t i = 0; (s = hrw_config_setting (i)); i++)
        if (s->type != HRW_CONFIG_GONE && seen[i] != 1)
            fail_msg ("hrwatchd.conf: [%s] %s shown %d times", s->section, s->key, seen[i]);
    free (text);
}

//  Whether word stands in text as a word of its own (a number not a part
//  of a longer one).
static int
t_has_word (const char *text, const char *word)
{
    size_t n = strlen (word);
    for (const char *p = strstr (text, word); p; p = strstr (p + 1, word)) {
        int before = p > text && (isalnum ((unsigned char) p[-1]) || p[-1] == '.');
        int after = isalnum ((unsigned char) p[n])
                    || (p[n] == '.' && isdigit ((unsigned char) p[n + 1]));
        if (!before && !after)
            return 1;
    }
    return 0;
}

//  Collects the settings an item's heading names (".B key" or
//  ".BR key ", " key ...") and checks each default in its text.
static void
t_man_item (const char *section, char *heading, const char *body, int *seen)
{
    char *save = NULL;
    for (char *w = strtok_r (heading, " \"", &save); w; w = strtok_r (NULL, " \"", &save)) {
        if (!strcmp (w, ".B") || !strcmp (w, ".BR") || !strcmp (w, ","))
            continue;
        int row = t_row (section, w);
        if (row < 0)
            fail_msg ("hrwatchd.conf.5: [%s] %s is not a setting", section, w);
        const hrw_config_setting_t *s = hrw_config_setting ((size_t) row);
        if (*s->value && !t_has_word (body, s->value))
            fail_msg ("hrwatchd.conf.5: [%s] %s: the default %s is not given", section, w,
                      s->value);
        seen[row]++;
    }
}

static void
test_man_page_names_every_setting_with_its_default (void **state)
{
    (void) state;
    char *text = t_read ("packaging/man/hrwatchd.conf.5");
    int seen[256] = { 0 };
    char section[64] = "";
    char *line = text;
    while (line && *line) {
        char *next = strchr (line, '\n');
        if (next)
            *next++ = '\0';
        if (!strncmp (line, ".SH ", 4)) {
            *section = '\0';      //  A section of prose, not of settings
            sscanf (line, ".SH [%63[^]]]", section);
        }
        else if (*section && !strcmp (line, ".TP") && next) {
            char *heading = next;
            char *body = strchr (heading, '\n');
            assert_non_null (body);
            *body++ = '\0';
            //  The item's text runs to the next macro that starts an item.
            char *end = body;
            while ((end = strchr (end, '\n')) && strncmp (end + 1, ".TP", 3)
                   && strncmp (end + 1, ".SH", 3))
                end++;
            char saved = end? *end: '\0';
            if (end)
                *end = '\0';
            t_man_item (section, heading, body, seen);
            if (end)
                *end = saved;
            next = end? end + 1: NULL;
        }
        line = next;
    }
    const hrw_config_setting_t *s;
    for (size_t i = 0; (s = hrw_config_setting (i)); i++)
        if (s->type != HRW_CONFIG_GONE && seen[i] != 1)
            fail_msg ("hrwatchd.conf.5: [%s] %s named %d times", s->section, s->key, seen[i]);
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_every_default_is_within_its_range),
        cmocka_unit_test (test_defaults_equal_the_workers_defaults),
        cmocka_unit_test (test_every_range_accepts_its_edges_and_refuses_just_outside),
        cmocka_unit_test (test_log_level_takes_the_names_only),
        cmocka_unit_test (test_retired_settings_are_accepted_and_ignored),
        cmocka_unit_test (test_unknown_keys_and_sections_are_refused),
        cmocka_unit_test (test_a_file_with_a_nul_byte_is_refused),
        cmocka_unit_test (test_addresses_and_long_lines_are_checked),
        cmocka_unit_test (test_reload_applies_reloadable_settings_and_keeps_the_rest),
        cmocka_unit_test (test_reload_flags_of_the_settings_the_daemon_sizes_at_start),
        cmocka_unit_test (test_packaged_file_shows_every_setting_with_its_default),
        cmocka_unit_test (test_man_page_names_every_setting_with_its_default),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
