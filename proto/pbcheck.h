/*  pbcheck: what protobuf-c's decoder lets through. It hands strings to C
    as NUL-terminated copies, so "dup\0AAA" decodes as "dup": two distinct
    ids would merge. This walks the encoded bytes against the descriptor,
    before decoding, and finds string fields that hold a NUL byte. */
#ifndef HRW_PBCHECK_H
#define HRW_PBCHECK_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

/*  Reads one base-128 varint at *p (not past end) into *v and moves *p
    past it. Returns 0, or -1 when it runs off the end or over 64 bits. */
int hrw_pb_varint (const uint8_t **p, const uint8_t *end, uint64_t *v);

/*  Returns 1 when a string field of the message (at any depth of known
    message fields) holds a NUL byte, with its path ("hire.employee_id")
    written to field; 0 when none does. Malformed bytes are left for the
    decoder to refuse: they return 0. No allocation. */
int hrw_pbcheck_nul (const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                     char *field, size_t field_cap);

#endif
