/*  buf: growable byte buffer and message hashing. */
#include "lib/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
hrw_buf_reserve (hrw_buf_t *self, size_t n)
{
    if (self->oom)
        return -1;
    if (self->cap - self->len >= n)
        return 0;
    size_t cap = self->cap? self->cap: 256;
    while (cap - self->len < n)
        cap *= 2;
    uint8_t *p = realloc (self->data, cap);
    if (!p) {
        self->oom = 1;
        return -1;
    }
    self->data = p;
    self->cap = cap;
    return 0;
}

int
hrw_buf_append (hrw_buf_t *self, const void *data, size_t n)
{
    if (hrw_buf_reserve (self, n))
        return -1;
    if (n)
        memcpy (self->data + self->len, data, n);
    self->len += n;
    return 0;
}

void
hrw_buf_clear (hrw_buf_t *self)
{
    self->len = 0;
    self->oom = 0;
}

void
hrw_buf_free (hrw_buf_t *self)
{
    free (self->data);
    memset (self, 0, sizeof (*self));
}

int
hrw_buf_pack (hrw_buf_t *self, const ProtobufCMessage *msg)
{
    size_t n = protobuf_c_message_get_packed_size (msg);
    if (hrw_buf_reserve (self, n))
        return -1;
    self->len += protobuf_c_message_pack (msg, self->data + self->len);
    return 0;
}

typedef struct {
    ProtobufCBuffer base;   //  Must be first: protobuf-c calls base.append
    uint64_t h;             //  Running hash
} s_hash_buffer_t;

static void
s_hash_append (ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
    s_hash_buffer_t *hb = (s_hash_buffer_t *) buffer;
    hb->h = hrw_fnv1a (hb->h, data, len);
}

uint64_t
hrw_hash_message (const ProtobufCMessage *msg)
{
    s_hash_buffer_t hb = { { s_hash_append }, HRW_FNV_OFFSET };
    protobuf_c_message_pack_to_buffer (msg, &hb.base);
    return hb.h;
}

int
hrw_buf_read_file (hrw_buf_t *self, const char *path, size_t max)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return errno;
    struct stat st;
    int rc = fstat (fd, &st)? errno: !S_ISREG (st.st_mode)? EINVAL
           : (uint64_t) st.st_size > max? EFBIG: 0;
    size_t start = self->len;
    while (!rc) {
        //  Read to the end, not to st_size: the file may be growing.
        if (hrw_buf_reserve (self, 4096)) {
            rc = ENOMEM;
            break;
        }
        ssize_t n = read (fd, self->data + self->len, self->cap - self->len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = errno;
        else if (n == 0)
            break;
        else if ((self->len += (size_t) n) - start > max)
            rc = EFBIG;
    }
    close (fd);
    if (rc)
        self->len = start;
    else
        self->data[self->len] = '\0';
    return rc;
}
