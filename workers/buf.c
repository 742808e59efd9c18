/*  buf: growable byte buffer and message hashing. */
#include "workers/buf.h"

#include <stdlib.h>
#include <string.h>

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
