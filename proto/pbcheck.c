/*  pbcheck: a wire walk for NUL bytes inside string fields. */
#include "proto/pbcheck.h"

#include <string.h>

#define S_DEPTH_MAX 16      //  Deeper nesting is not in the contract

int
hrw_pb_varint (const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        uint8_t b = *(*p)++;
        *v |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

//  The walk keeps the names of the messages it is inside and writes the
//  dotted path only when it finds a NUL: on the common path (no NUL) it
//  formats nothing.
typedef struct {
    const char *names[S_DEPTH_MAX + 1];
} s_path_t;

static void
s_path_write (const s_path_t *path, int depth, char *field, size_t cap)
{
    size_t off = 0;
    for (int i = 0; i <= depth && off + 1 < cap; i++) {
        size_t len = strlen (path->names[i]);
        if (i && off + 1 < cap)
            field[off++] = '.';
        if (len > cap - 1 - off)
            len = cap - 1 - off;
        memcpy (field + off, path->names[i], len);
        off += len;
    }
    field[off] = '\0';
}

static int
s_walk (const ProtobufCMessageDescriptor *desc, const uint8_t *p, const uint8_t *end,
        s_path_t *path, int depth, char *field, size_t cap)
{
    while (p < end) {
        uint64_t tag, n;
        if (hrw_pb_varint (&p, end, &tag))
            return 0;
        unsigned wire = (unsigned) (tag & 7);
        if (wire == 0) {
            if (hrw_pb_varint (&p, end, &n))
                return 0;
            continue;
        }
        if (wire == 1 || wire == 5) {
            size_t skip = wire == 1? 8: 4;
            if ((size_t) (end - p) < skip)
                return 0;
            p += skip;
            continue;
        }
        if (wire != 2 || hrw_pb_varint (&p, end, &n) || n > (uint64_t) (end - p))
            return 0;
        const ProtobufCFieldDescriptor *f
            = protobuf_c_message_descriptor_get_field (desc, (unsigned) (tag >> 3));
        if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr (p, 0, n)) {
            path->names[depth] = f->name;
            s_path_write (path, depth, field, cap);
            return 1;
        }
        if (f && f->type == PROTOBUF_C_TYPE_MESSAGE && depth < S_DEPTH_MAX) {
            path->names[depth] = f->name;
            if (s_walk (f->descriptor, p, p + n, path, depth + 1, field, cap))
                return 1;
        }
        p += n;
    }
    return 0;
}

int
hrw_pbcheck_nul (const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                 char *field, size_t field_cap)
{
    if (field_cap == 0)
        return 0;
    field[0] = '\0';
    s_path_t path;
    return s_walk (desc, data, data + len, &path, 0, field, field_cap);
}
