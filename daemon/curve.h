/*  curve: CURVE key files and allowlists. A key pair is kept in the ZPL
    format czmq's zcert uses ("curve" section, public-key and secret-key,
    Z85), so keys made with other ZeroMQ tools work too; an allowlist is one
    Z85 public key per line, anything after it ignored, and lines starting
    with '#' comments. */
#ifndef HRW_CURVE_H
#define HRW_CURVE_H

#include <stddef.h>

#define HRW_Z85_KEY 41      //  40 Z85 characters and a NUL
#define HRW_ALLOWLIST_FILE_MAX (1 << 20)    //  About 20,000 keys with comments

typedef struct {
    char public_key[HRW_Z85_KEY];
    char secret_key[HRW_Z85_KEY];   //  "" when the file holds only the public key
} hrw_curve_keys_t;

/*  Makes a new key pair and writes NAME.key (both keys, mode 0600) and
    NAME.pub (the public key only, 0644), each created with its mode.
    Without force an existing file or link at either name is refused
    (EEXIST) and nothing is written; with force each is written to a new
    file beside it and renamed over it (a link is replaced, never followed).
    Returns 0, or an errno value with *at 0 when NAME.key was at fault and
    1 for NAME.pub. */
int hrw_curve_keygen (const char *name, int force, hrw_curve_keys_t *out, int *at);

/*  Reads a key file. Returns 0, or an errno value (EINVAL: no public key in
    it; a missing secret key is not an error). */
int hrw_curve_load (const char *path, hrw_curve_keys_t *out);

/*  Reads a key file that holds a secret, as hrw_curve_load, after checking
    the file it opened: EPERM when it is not a regular file or others, or
    the group, may read or write it (group read is allowed only on a file
    root owns with the caller's own group). *mode gets the file's st_mode,
    for the message. */
int hrw_curve_load_secret (const char *path, hrw_curve_keys_t *out, unsigned *mode);

/*  1 when s is a 40-character Z85 key. */
int hrw_curve_valid (const char *s);

typedef struct hrw_allowlist hrw_allowlist_t;

/*  Called with the number (from 1) of each line that is not a key. */
typedef void (hrw_allowlist_bad_fn) (void *arg, int line);

/*  Reads an allowlist: every valid line is taken, every bad one skipped
    and passed to bad. Sets *out to the list (NULL only when the file could
    not be opened or memory ran out) and returns 0, or an errno value when
    the file could not be read whole; *out then holds what was read. The
    caller owns *out. */
int hrw_allowlist_load (const char *path, hrw_allowlist_t **out, hrw_allowlist_bad_fn *bad,
                        void *arg);

void hrw_allowlist_destroy (hrw_allowlist_t **self_p);

/*  1 when the 32-byte public key is on the list. */
int hrw_allowlist_has (const hrw_allowlist_t *self, const unsigned char key[32]);

/*  How many keys it holds. */
size_t hrw_allowlist_size (const hrw_allowlist_t *self);

#endif
