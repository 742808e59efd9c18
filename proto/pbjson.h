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

/*  What kind of value made an encoding fail. */
typedef enum {
    HRW_PBJSON_E_SHAPE = 1,     //  Not the message's shape: an unknown field, a value of
                                //  the wrong JSON type, a time or base64 that does not
                                //  parse, two members of a oneof
    HRW_PBJSON_E_RANGE = 2      //  A number outside its type's range, or a name that is
                                //  not one of its enum's (err then lists them)
} hrw_pbjson_error_t;

/*  hrw_pbjson_encode, also setting *kind (when not NULL) on failure. */
int hrw_pbjson_encode_kind (const ProtobufCMessageDescriptor *desc, json_t *obj, hrw_buf_t *out,
                            char *err, size_t err_cap, hrw_pbjson_error_t *kind);

#define HRW_PBJSON_ALL_FIELDS 1u   //  Print fields at their default too

/*  Returns a new JSON object for msg, or NULL when out of memory. The
    caller owns the reference. Fields without presence at their default
    (0, false, "", the enum's zero, an empty list) are omitted, as the proto3
    mapping does, unless flags has HRW_PBJSON_ALL_FIELDS: then every one is
    printed (like protobuf's always_print_fields_with_no_presence), and an
    unset message field is printed as null, so a reader sees every field of
    the type. A oneof prints only the member that is set, with either. */
json_t *hrw_pbjson_decode_flags (const ProtobufCMessage *msg, unsigned flags);

/*  hrw_pbjson_decode_flags (msg, 0): the proto3 mapping's compact form. */
json_t *hrw_pbjson_decode (const ProtobufCMessage *msg);

/*  Base64 (RFC 4648, with padding) of n bytes into a new string the caller
    frees, or NULL. */
char *hrw_pbjson_base64 (const uint8_t *data, size_t n);

#endif
