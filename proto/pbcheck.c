/*  pbcheck: a wire walk for NUL bytes inside string fields. */
#include "proto/pbcheck.h"

#include <stdio.h>
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

//  Appends ".name" (or "name" at the top) to the path at off; returns the
//  new length, capped so the path stays a C string.
static size_t
s_path (char *field, size_t cap, size_t off, const char *name)
{
    int n = snprintf (field + off, cap - off, "%s%s", off? ".": "", name);
    return n < 0? off: off + (size_t) n >= cap? cap - 1: off + (size_t) n;
}

static int
s_walk (const ProtobufCMessageDescriptor *desc, const uint8_t *p, const uint8_t *end,
        char *field, size_t cap, size_t off, int depth)
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
            s_path (field, cap, off, f->name);
            return 1;
        }
        if (f && f->type == PROTOBUF_C_TYPE_MESSAGE && depth < S_DEPTH_MAX
            && s_walk (f->descriptor, p, p + n, field, cap, s_path (field, cap, off, f->name),
                       depth + 1))
            return 1;
        field[off] = '\0';
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
    return s_walk (desc, data, data + len, field, field_cap, 0, 0);
}
