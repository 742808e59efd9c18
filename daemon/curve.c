/*  curve: key files and allowlists. */
#include "daemon/curve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "lib/buf.h"

struct hrw_allowlist {
    unsigned char (*keys)[32];  //  Decoded public keys
    size_t n, cap;
};

int
hrw_curve_valid (const char *s)
{
    static const char z85[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              ".-:+=^!/*?&<>()[]{}@%$#";
    if (strlen (s) != 40)
        return 0;
    for (int i = 0; i < 40; i++)
        if (!strchr (z85, s[i]))
            return 0;
    return 1;
}

//  A new file at path, made with its final mode: O_EXCL refuses anything
//  already there, a symbolic link included, so a secret is never written
//  through someone else's file or link.
static int
s_create (const char *path, int mode, const char *text)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t) mode);
    if (fd < 0)
        return errno;
    size_t n = strlen (text);
    ssize_t wrote = write (fd, text, n);
    int rc = wrote == (ssize_t) n? 0: wrote < 0? errno: EIO;
    if (!rc && fsync (fd))
        rc = errno;
    if (close (fd) && !rc)
        rc = errno;
    if (rc)
        unlink (path);
    return rc;
}

//  A new file beside path (same directory, so a rename can replace it),
//  its name in tmp.
static int
s_create_temp (const char *path, int mode, const char *text, char *tmp, size_t cap)
{
    int rc = EEXIST;
    for (int i = 0; i < 16 && rc == EEXIST; i++) {
        unsigned r = 0;
        if (getrandom (&r, sizeof (r), 0) != sizeof (r))
            return errno;
        if ((size_t) snprintf (tmp, cap, "%s.tmp-%08x", path, r) >= cap)
            return ENAMETOOLONG;
        rc = s_create (tmp, mode, text);
    }
    if (rc)
        tmp[0] = '\0';         //  Not ours: nothing to remove
    return rc;
}

//  Makes the directory entries of a rename durable.
static void
s_sync_dir (const char *path)
{
    char dir[1024];
    snprintf (dir, sizeof (dir), "%s", path);
    char *slash = strrchr (dir, '/');
    if (!slash)
        snprintf (dir, sizeof (dir), ".");
    else
        slash[slash == dir? 1: 0] = '\0';
    int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync (fd);
        close (fd);
    }
}

//  Both files new; nothing is left half made when the second fails.
static int
s_write_new (const char *paths[2], const int modes[2], const char *texts[2], int *at)
{
    int rc = 0;
    for (*at = 0; *at < 2 && !rc; (*at)++)
        if ((rc = s_create (paths[*at], modes[*at], texts[*at])))
            break;
    if (rc && *at == 1)
        unlink (paths[0]);
    return rc;
}

//  Both files through temp files renamed over them: rename replaces a
//  symbolic link rather than following it.
static int
s_write_replace (const char *paths[2], const int modes[2], const char *texts[2], int *at)
{
    char tmp[2][1100] = { "", "" };
    int rc = 0;
    for (*at = 0; *at < 2 && !rc; (*at)++)
        if ((rc = s_create_temp (paths[*at], modes[*at], texts[*at], tmp[*at], sizeof (tmp[0]))))
            break;
    for (int i = 0; i < 2 && !rc; i++)
        if (rename (tmp[i], paths[i])) {
            rc = errno;
            *at = i;
        }
        else
            tmp[i][0] = '\0';
    for (int i = 0; i < 2; i++)
        if (tmp[i][0])
            unlink (tmp[i]);
    if (!rc)
        s_sync_dir (paths[0]);
    return rc;
}

int
hrw_curve_keygen (const char *name, int force, hrw_curve_keys_t *out, int *at)
{
    *at = 0;
    if (zmq_curve_keypair (out->public_key, out->secret_key))
        return errno? errno: ENOTSUP;
    char key_path[1024], pub_path[1024], key_text[512], pub_text[512];
    if ((size_t) snprintf (key_path, sizeof (key_path), "%s.key", name) >= sizeof (key_path)
        || (size_t) snprintf (pub_path, sizeof (pub_path), "%s.pub", name) >= sizeof (pub_path))
        return ENAMETOOLONG;
    snprintf (key_text, sizeof (key_text),
              "#   hrwatch CURVE key pair: keep this file secret\n"
              "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
              out->public_key, out->secret_key);
    snprintf (pub_text, sizeof (pub_text),
              "#   hrwatch CURVE public key\ncurve\n    public-key = \"%s\"\n", out->public_key);
    const char *paths[2] = { key_path, pub_path }, *texts[2] = { key_text, pub_text };
    const int modes[2] = { 0600, 0644 };
    int rc = force? s_write_replace (paths, modes, texts, at): s_write_new (paths, modes, texts, at);
    explicit_bzero (key_text, sizeof (key_text));
    return rc;
}

//  The quoted value of "name = "..."" on a line, copied to out.
static int
s_value (const char *line, const char *name, char out[HRW_Z85_KEY])
{
    const char *p = strstr (line, name);
    if (!p)
        return 0;
    p = strchr (p, '"');
    const char *end = p? strchr (p + 1, '"'): NULL;
    if (!p || !end || end - p - 1 != 40)
        return 0;
    memcpy (out, p + 1, 40);
    out[40] = '\0';
    return hrw_curve_valid (out);
}

static int
s_read_keys (FILE *f, hrw_curve_keys_t *out)
{
    memset (out, 0, sizeof (*out));
    char line[256];
    while (fgets (line, sizeof (line), f)) {
        if (line[0] == '#')
            continue;
        if (!*out->public_key)
            s_value (line, "public-key", out->public_key);
        if (!*out->secret_key)
            s_value (line, "secret-key", out->secret_key);
    }
    explicit_bzero (line, sizeof (line));
    return *out->public_key? 0: EINVAL;
}

int
hrw_curve_load (const char *path, hrw_curve_keys_t *out)
{
    FILE *f = fopen (path, "re");
    if (!f)
        return errno;
    int rc = s_read_keys (f, out);
    fclose (f);
    return rc;
}

//  Who may read the secret besides its owner: nobody.
static int
s_private (const struct stat *st)
{
    //  Group members are others too: the secret is its owner's alone.
    return S_ISREG (st->st_mode) && !(st->st_mode & (S_IRWXG | S_IRWXO));
}

int
hrw_curve_load_secret (const char *path, hrw_curve_keys_t *out, unsigned *mode)
{
    //  O_NONBLOCK: a FIFO planted there must not hang the start; the checks
    //  are on what was opened, so nothing can swap the file in between.
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno;
    struct stat st;
    int rc = fstat (fd, &st)? errno: 0;
    *mode = rc? 0: (unsigned) st.st_mode;
    if (!rc && !s_private (&st))
        rc = EPERM;
    FILE *f = rc? NULL: fdopen (fd, "r");
    if (!rc && !f)
        rc = errno;
    if (f) {
        rc = s_read_keys (f, out);
        fclose (f);
    }
    else
        close (fd);
    return rc;
}

static int
s_add (hrw_allowlist_t *self, const char *key)
{
    if (self->n == self->cap) {
        size_t cap = self->cap? self->cap * 2: 16;
        void *p = realloc (self->keys, cap * sizeof (*self->keys));
        if (!p)
            return ENOMEM;
        self->keys = p;
        self->cap = cap;
    }
    zmq_z85_decode (self->keys[self->n++], key);
    return 0;
}

//  The next line of text at *p, cut to its first cap - 1 bytes (the rest
//  skipped, so a long line counts once). 0 at the end.
static int
s_line (const char **p, char *line, size_t cap)
{
    if (!**p)
        return 0;
    size_t n = strcspn (*p, "\n");
    size_t keep = n < cap - 1? n: cap - 1;
    memcpy (line, *p, keep);
    line[keep] = '\0';
    *p += n + ((*p)[n] == '\n');
    return 1;
}

int
hrw_allowlist_load (const char *path, hrw_allowlist_t **out, hrw_allowlist_bad_fn *bad,
                    void *arg)
{
    //  Whole, bounded and without blocking: a list planted as /dev/zero or
    //  a FIFO must not hang the daemon.
    *out = NULL;
    hrw_buf_t text = { 0 };
    int rc = hrw_buf_read_file (&text, path, HRW_ALLOWLIST_FILE_MAX);
    if (rc)
        return rc;
    hrw_allowlist_t *self = calloc (1, sizeof (*self));
    const char *p = (const char *) text.data;
    char line[512];
    int line_no = 0;
    rc = self? 0: ENOMEM;
    while (!rc && s_line (&p, line, sizeof (line))) {
        line_no++;
        //  Z85 has '#' in its alphabet: a comment is a line, or the rest of
        //  a line after the key and a space, that starts with it.
        char key[HRW_Z85_KEY + 1];
        if (sscanf (line, "%41s", key) != 1 || key[0] == '#')
            continue;
        //  A NAME.pub appended whole: its "curve" section line is passed
        //  over and its public-key line gives the key. A secret-key line
        //  is never taken as a key, whatever it holds.
        if (!strcmp (key, "curve"))
            continue;
        if (!strcmp (key, "public-key") || !strncmp (key, "public-key=", 11)) {
            if (!s_value (line, "public-key", key))
                key[0] = '\0';
        }
        //  A bad line is skipped, never fatal: it can only fail to grant
        //  access, while refusing the file whole would keep keys that were
        //  meant to be revoked.
        if (!hrw_curve_valid (key))
            bad (arg, line_no);
        else
            rc = s_add (self, key);
    }
    hrw_buf_free (&text);
    *out = self;
    return rc;
}

void
hrw_allowlist_destroy (hrw_allowlist_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free ((*self_p)->keys);
    free (*self_p);
    *self_p = NULL;
}

int
hrw_allowlist_has (const hrw_allowlist_t *self, const unsigned char key[32])
{
    for (size_t i = 0; self && i < self->n; i++)
        if (!memcmp (self->keys[i], key, 32))
            return 1;
    return 0;
}

size_t
hrw_allowlist_size (const hrw_allowlist_t *self)
{
    return self? self->n: 0;
}
