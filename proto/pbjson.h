/*  pbjson: the proto3 JSON mapping, driven by protobuf-c descriptors, so
    every message of the contract (and every field added later) maps both
    ways without hand-written code per type.

    JSON to protobuf writes the wire form directly (no message structs to
    allocate); protobuf to JSON walks a decoded message. Field names are the
    lowerCamelCase JSON names; the .proto names are accepted on input too.
    google.protobuf.Timestamp is an RFC 3339 string, 64-bit integers are
    strings (numbers accepted on input), enums are names (numbers accepted),
    bytes are base64. Unknown JSON fields are an error. */
#ifndef HRW_PBJSON_H
#define HRW_PBJSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "lib/buf.h"

/*  Appends the wire encoding of obj, read as a message of type desc, to
    out. Returns 0, or -1 with a message in err naming the offending field. */
int hrw_pbjson_encode (const ProtobufCMessageDescriptor *desc, json_t *obj, hrw_buf_t *out,
                       char *err, size_t err_cap);

/*  Returns a new JSON object for msg (fields at their default omitted), or
    NULL when out of memory. The caller owns the reference. */
json_t *hrw_pbjson_decode (const ProtobufCMessage *msg);

/*  Base64 (RFC 4648, with padding) of n bytes into a new string the caller
    frees, or NULL. */
char *hrw_pbjson_base64 (const uint8_t *data, size_t n);

#endif
