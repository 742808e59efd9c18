/*  buf: a growable byte buffer that keeps its memory between uses, and the
    FNV-1a hash used for content digests. */
#ifndef HRW_BUF_H
#define HRW_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

typedef struct {
    uint8_t *data;  //  Bytes written so far
    size_t len;     //  Number of bytes written
    size_t cap;     //  Bytes allocated
    int oom;        //  Set when a grow failed; later writes are dropped
} hrw_buf_t;

/*  Appends n bytes. Returns 0, or -1 (and sets oom) when out of memory. */
int hrw_buf_append (hrw_buf_t *self, const void *data, size_t n);

/*  Makes room for n more bytes. Returns 0 or -1. */
int hrw_buf_reserve (hrw_buf_t *self, size_t n);

/*  Empties the buffer and clears oom, keeping its memory. */
void hrw_buf_clear (hrw_buf_t *self);

/*  Frees the buffer's memory. */
void hrw_buf_free (hrw_buf_t *self);

/*  Appends the whole of a regular file of at most max bytes, then a NUL
    (not counted in len). Opened without blocking and checked once open: a
    FIFO, a device (/dev/zero) or a directory is EINVAL, a larger file
    EFBIG. Returns 0 or an errno value. */
int hrw_buf_read_file (hrw_buf_t *self, const char *path, size_t max);

/*  Packs a protobuf message, appending it to the buffer. Returns 0 or -1. */
int hrw_buf_pack (hrw_buf_t *self, const ProtobufCMessage *msg);

#define HRW_FNV_OFFSET 0xcbf29ce484222325ULL
#define HRW_FNV_PRIME  0x100000001b3ULL

/*  Continues an FNV-1a 64-bit hash over n bytes. FNV-1a never maps two
    inputs of the same length that differ in one byte to the same value. */
static inline uint64_t
hrw_fnv1a (uint64_t h, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= HRW_FNV_PRIME;
    }
    return h;
}

/*  Hashes the canonical encoding of a message without materialising it. */
uint64_t hrw_hash_message (const ProtobufCMessage *msg);

#endif
