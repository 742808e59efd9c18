/*  curve: key files and allowlists. */
#include "workers/curve.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

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

static int
s_write (const char *path, int mode, const char *text)
{
    int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return errno;
    size_t n = strlen (text);
    int rc = write (fd, text, n) == (ssize_t) n? 0: errno;
    fchmod (fd, (mode_t) mode);
    close (fd);
    return rc;
}

int
hrw_curve_keygen (const char *name, hrw_curve_keys_t *out)
{
    if (zmq_curve_keypair (out->public_key, out->secret_key))
        return errno? errno: ENOTSUP;
    char path[1024], text[512];
    snprintf (text, sizeof (text),
              "#   hrwatch CURVE key pair: keep this file secret\n"
              "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n",
              out->public_key, out->secret_key);
    snprintf (path, sizeof (path), "%s.key", name);
    int rc = s_write (path, 0600, text);
    if (rc)
        return rc;
    snprintf (text, sizeof (text), "#   hrwatch CURVE public key\ncurve\n    public-key = \"%s\"\n",
              out->public_key);
    snprintf (path, sizeof (path), "%s.pub", name);
    return s_write (path, 0644, text);
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

int
hrw_curve_load (const char *path, hrw_curve_keys_t *out)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return errno;
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
    fclose (f);
    return *out->public_key? 0: EINVAL;
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

//  One line into line (cut to its first cap - 1 bytes, the rest read and
//  dropped, so a long line counts once). 0 at the end of the file.
static int
s_line (FILE *f, char *line, size_t cap)
{
    if (!fgets (line, (int) cap, f))
        return 0;
    if (!strchr (line, '\n')) {
        int c;
        while ((c = getc (f)) != EOF && c != '\n')
            ;
    }
    return 1;
}

int
hrw_allowlist_load (const char *path, hrw_allowlist_t **out, hrw_allowlist_bad_fn *bad,
                    void *arg)
{
    *out = NULL;
    FILE *f = fopen (path, "re");
    if (!f)
        return errno;
    hrw_allowlist_t *self = calloc (1, sizeof (*self));
    char line[512];
    int rc = self? 0: ENOMEM, line_no = 0;
    while (!rc && s_line (f, line, sizeof (line))) {
        line_no++;
        //  Z85 has '#' in its alphabet: a comment is a line, or the rest of
        //  a line after the key and a space, that starts with it.
        char key[HRW_Z85_KEY + 1];
        if (sscanf (line, "%41s", key) != 1 || key[0] == '#')
            continue;
        //  A bad line is skipped, never fatal: it can only fail to grant
        //  access, while refusing the file whole would keep keys that were
        //  meant to be revoked.
        if (!hrw_curve_valid (key))
            bad (arg, line_no);
        else
            rc = s_add (self, key);
    }
    if (!rc && ferror (f))
        rc = EIO;
    fclose (f);
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
