/*  pbjson: proto3 JSON mapping over protobuf-c descriptors. */
#include "proto/pbjson.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "google/protobuf/timestamp.pb-c.h"
#include "lib/clock.h"

#define S_NAME_MAX 128
#define S_DEPTH_MAX 32

typedef struct {
    hrw_buf_t *out;     //  Wire bytes being written
    char *err;          //  Where a failure is described
    size_t err_cap;
    char path[256];     //  Dotted path of the field being encoded
    int depth;          //  Nesting, bounded against hostile input
    hrw_pbjson_error_t kind;    //  What kind of failure, once one happened
} s_enc_t;

static int s_fail (s_enc_t *e, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
static int s_fail_range (s_enc_t *e, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
static int s_vfail (s_enc_t *e, hrw_pbjson_error_t kind, const char *fmt, va_list ap)
    __attribute__ ((format (printf, 3, 0)));

static int
s_vfail (s_enc_t *e, hrw_pbjson_error_t kind, const char *fmt, va_list ap)
{
    char what[600];
    vsnprintf (what, sizeof (what), fmt, ap);
    e->kind = kind;
    if (e->path[0])
        snprintf (e->err, e->err_cap, "%s: %s", e->path, what);
    else
        snprintf (e->err, e->err_cap, "%s", what);
    return -1;
}

static int
s_fail (s_enc_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    s_vfail (e, HRW_PBJSON_E_SHAPE, fmt, ap);
    va_end (ap);
    return -1;
}

//  A value of the right type, outside what the field takes.
static int
s_fail_range (s_enc_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    s_vfail (e, HRW_PBJSON_E_RANGE, fmt, ap);
    va_end (ap);
    return -1;
}

static void
s_camel (const char *name, char *out, size_t cap)
{
    size_t j = 0;
    int up = 0;
    for (size_t i = 0; name[i] && j + 1 < cap; i++) {
        if (name[i] == '_') {
            up = 1;
            continue;
        }
        char ch = name[i];
        out[j++] = up && ch >= 'a' && ch <= 'z'? (char) (ch - 'a' + 'A'): ch;
        up = 0;
    }
    out[j] = '\0';
}

static const ProtobufCFieldDescriptor *
s_field_by_json_name (const ProtobufCMessageDescriptor *desc, const char *key)
{
    char camel[S_NAME_MAX];
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        s_camel (f->name, camel, sizeof (camel));
        if (!strcmp (camel, key) || !strcmp (f->name, key))
            return f;
    }
    return NULL;
}

// ---------------------------------------------------------------------------
// Wire writing

static void
s_put_varint (hrw_buf_t *out, uint64_t v)
{
    uint8_t b[10];
    size_t n = 0;
    do {
        b[n] = (uint8_t) (v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    hrw_buf_append (out, b, n);
}

static void
s_put_tag (hrw_buf_t *out, uint32_t field, int wire)
{
    s_put_varint (out, (uint64_t) field << 3 | (uint64_t) wire);
}

static void
s_put_fixed (hrw_buf_t *out, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t) (v >> (8 * i));
    hrw_buf_append (out, b, n);
}

static void
s_put_bytes (hrw_buf_t *out, uint32_t field, const void *p, size_t n)
{
    s_put_tag (out, field, 2);
    s_put_varint (out, n);
    hrw_buf_append (out, p, n);
}

// ---------------------------------------------------------------------------
// JSON values to wire values

static int
s_json_int (s_enc_t *e, json_t *v, int is_signed, int64_t lo, uint64_t hi, uint64_t *bits)
{
    if (json_is_integer (v)) {
        json_int_t x = json_integer_value (v);
        if ((is_signed && (x < lo || (x > 0 && (uint64_t) x > hi))) || (!is_signed && (x < 0 || (uint64_t) x > hi)))
            return s_fail_range (e, "%" JSON_INTEGER_FORMAT " is out of range", x);
        *bits = (uint64_t) x;
        return 0;
    }
    if (json_is_string (v)) {
        const char *s = json_string_value (v);
        char *end;
        errno = 0;
        if (is_signed) {
            long long x = strtoll (s, &end, 10);
            if (!*s || *end)
                return s_fail (e, "\"%s\" is not an integer", s);
            if (errno || x < lo || (x > 0 && (uint64_t) x > hi))
                return s_fail_range (e, "\"%s\" is out of range", s);
            *bits = (uint64_t) x;
        }
        else {
            unsigned long long x = strtoull (s, &end, 10);
            if (!*s || *end)
                return s_fail (e, "\"%s\" is not an integer", s);
            if (errno || *s == '-' || x > hi)
                return s_fail_range (e, "\"%s\" is out of range", s);
            *bits = x;
        }
        return 0;
    }
    return s_fail (e, "expected an integer");
}

//  An enum name that is not one of ed's: says which are.
static int
s_fail_enum (s_enc_t *e, const ProtobufCEnumDescriptor *ed, const char *name)
{
    char allowed[400] = "";
    size_t n = 0;
    for (unsigned i = 0; i < ed->n_values && n < sizeof (allowed); i++)
        n += (size_t) snprintf (allowed + n, sizeof (allowed) - n, "%s%s", i? ", ": "",
                                ed->values[i].name);
    return s_fail_range (e, "\"%.64s\" is not a value of %s (one of %s)", name, ed->name,
                         allowed);
}

static int
s_json_enum (s_enc_t *e, const ProtobufCEnumDescriptor *ed, json_t *v, uint64_t *bits)
{
    if (json_is_integer (v)) {
        json_int_t x = json_integer_value (v);
        if (x < INT32_MIN || x > INT32_MAX)
            return s_fail_range (e, "enum number out of range");
        *bits = (uint64_t) (int64_t) x;
        return 0;
    }
    if (json_is_string (v)) {
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name (ed,
                                                                                      json_string_value (v));
        if (!ev)
            return s_fail_enum (e, ed, json_string_value (v));
        *bits = (uint64_t) (int64_t) ev->value;
        return 0;
    }
    return s_fail (e, "expected an enum name");
}

static int s_encode_object (s_enc_t *e, const ProtobufCMessageDescriptor *desc, json_t *obj);

static int
s_b64_value (int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

static int
s_encode_base64 (s_enc_t *e, uint32_t field, const char *s)
{
    size_t n = strlen (s);
    uint8_t *bytes = malloc (n / 4 * 3 + 3);
    if (!bytes)
        return s_fail (e, "out of memory");
    size_t len = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=')
            break;
        int v = s_b64_value ((unsigned char) s[i]);
        if (v < 0) {
            free (bytes);
            return s_fail (e, "not base64");
        }
        acc = acc << 6 | (uint32_t) v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[len++] = (uint8_t) (acc >> bits);
        }
    }
    s_put_bytes (e->out, field, bytes, len);
    free (bytes);
    return 0;
}

static int
s_encode_timestamp (s_enc_t *e, uint32_t field, json_t *v)
{
    int64_t seconds;
    int32_t nanos;
    if (!json_is_string (v) || hrw_clock_parse (json_string_value (v), &seconds, &nanos))
        return s_fail (e, "expected an RFC 3339 time such as \"2024-03-01T09:00:00Z\"");
    uint8_t sub[32];
    hrw_buf_t b = { sub, 0, sizeof (sub), 0 };
    if (seconds) {
        s_put_tag (&b, 1, 0);
        s_put_varint (&b, (uint64_t) seconds);
    }
    if (nanos) {
        s_put_tag (&b, 2, 0);
        s_put_varint (&b, (uint64_t) (int64_t) nanos);
    }
    s_put_bytes (e->out, field, sub, b.len);
    return 0;
}

//  A nested message is written in place after a 5-byte length slot, then
//  moved down to sit right after its real varint length.
static int
s_encode_nested (s_enc_t *e, const ProtobufCFieldDescriptor *f, json_t *v)
{
    const ProtobufCMessageDescriptor *sub = f->descriptor;
    if (sub == &google__protobuf__timestamp__descriptor)
        return s_encode_timestamp (e, f->id, v);
    if (!json_is_object (v))
        return s_fail (e, "expected an object");
    if (e->depth >= S_DEPTH_MAX)
        return s_fail (e, "nested too deeply");
    s_put_tag (e->out, f->id, 2);
    size_t slot = e->out->len;
    uint8_t pad[5] = { 0 };
    hrw_buf_append (e->out, pad, sizeof (pad));
    e->depth++;
    int rc = s_encode_object (e, sub, v);
    e->depth--;
    if (rc || e->out->oom)
        return rc? rc: s_fail (e, "out of memory");
    size_t body = e->out->len - slot - sizeof (pad);
    uint8_t lenbuf[10];
    hrw_buf_t lb = { lenbuf, 0, sizeof (lenbuf), 0 };
    s_put_varint (&lb, body);
    memmove (e->out->data + slot + lb.len, e->out->data + slot + sizeof (pad), body);
    memcpy (e->out->data + slot, lenbuf, lb.len);
    e->out->len = slot + lb.len + body;
    return 0;
}

static int
s_encode_value (s_enc_t *e, const ProtobufCFieldDescriptor *f, json_t *v)
{
    uint64_t bits = 0;
    switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            if (s_json_int (e, v, 1, INT32_MIN, INT32_MAX, &bits))
                return -1;
            break;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            if (s_json_int (e, v, 1, INT64_MIN, INT64_MAX, &bits))
                return -1;
            break;
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            if (s_json_int (e, v, 0, 0, UINT32_MAX, &bits))
                return -1;
            break;
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            if (s_json_int (e, v, 0, 0, UINT64_MAX, &bits))
                return -1;
            break;
        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean (v))
                return s_fail (e, "expected true or false");
            bits = json_is_true (v);
            break;
        case PROTOBUF_C_TYPE_ENUM:
            if (s_json_enum (e, f->descriptor, v, &bits))
                return -1;
            break;
        case PROTOBUF_C_TYPE_FLOAT:
        case PROTOBUF_C_TYPE_DOUBLE: {
            if (!json_is_number (v))
                return s_fail (e, "expected a number");
            double d = json_number_value (v);
            if (f->type == PROTOBUF_C_TYPE_FLOAT) {
                float fl = (float) d;
                uint32_t u;
                memcpy (&u, &fl, 4);
                bits = u;
            }
            else
                memcpy (&bits, &d, 8);
            break;
        }
        case PROTOBUF_C_TYPE_STRING:
            if (!json_is_string (v))
                return s_fail (e, "expected a string");
            s_put_bytes (e->out, f->id, json_string_value (v), json_string_length (v));
            return 0;
        case PROTOBUF_C_TYPE_BYTES:
            if (!json_is_string (v))
                return s_fail (e, "expected a base64 string");
            return s_encode_base64 (e, f->id, json_string_value (v));
        case PROTOBUF_C_TYPE_MESSAGE:
            return s_encode_nested (e, f, v);
    }
    switch (f->type) {
        case PROTOBUF_C_TYPE_SINT32:
            bits = (uint32_t) (((int32_t) bits << 1) ^ ((int32_t) bits >> 31));
            s_put_tag (e->out, f->id, 0);
            s_put_varint (e->out, bits);
            break;
        case PROTOBUF_C_TYPE_SINT64:
            bits = ((uint64_t) bits << 1) ^ (uint64_t) ((int64_t) bits >> 63);
            s_put_tag (e->out, f->id, 0);
            s_put_varint (e->out, bits);
            break;
        case PROTOBUF_C_TYPE_FIXED32:
        case PROTOBUF_C_TYPE_SFIXED32:
        case PROTOBUF_C_TYPE_FLOAT:
            s_put_tag (e->out, f->id, 5);
            s_put_fixed (e->out, bits, 4);
            break;
        case PROTOBUF_C_TYPE_FIXED64:
        case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_DOUBLE:
            s_put_tag (e->out, f->id, 1);
            s_put_fixed (e->out, bits, 8);
            break;
        default:
            s_put_tag (e->out, f->id, 0);
            s_put_varint (e->out, bits);
    }
    return 0;
}

static int
s_encode_object (s_enc_t *e, const ProtobufCMessageDescriptor *desc, json_t *obj)
{
    const char *key;
    json_t *v;
    size_t path_len = strlen (e->path);
    unsigned oneofs_seen[16];
    size_t n_oneofs = 0;
    json_object_foreach (obj, key, v) {
        snprintf (e->path + path_len, sizeof (e->path) - path_len, "%s%s", path_len? ".": "",
                  key);
        const ProtobufCFieldDescriptor *f = s_field_by_json_name (desc, key);
        if (!f)
            return s_fail (e, "no such field in %s", desc->name);
        if (json_is_null (v))
            continue;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            for (size_t i = 0; i < n_oneofs; i++)
                if (oneofs_seen[i] == f->quantifier_offset)
                    return s_fail (e, "only one field of its oneof may be set");
            if (n_oneofs < sizeof (oneofs_seen) / sizeof (oneofs_seen[0]))
                oneofs_seen[n_oneofs++] = f->quantifier_offset;
        }
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            if (!json_is_array (v))
                return s_fail (e, "expected an array");
            size_t i;
            json_t *item;
            json_array_foreach (v, i, item) {
                if (s_encode_value (e, f, item))
                    return -1;
            }
        }
        else if (s_encode_value (e, f, v))
            return -1;
    }
    e->path[path_len] = '\0';
    return 0;
}

int
hrw_pbjson_encode_kind (const ProtobufCMessageDescriptor *desc, json_t *obj, hrw_buf_t *out,
                        char *err, size_t err_cap, hrw_pbjson_error_t *kind)
{
    s_enc_t e = { out, err, err_cap, "", 0, 0 };
    size_t start = out->len;
    int rc = 0;
    if (!json_is_object (obj))
        rc = s_fail (&e, "expected a JSON object");
    else if (s_encode_object (&e, desc, obj)) {
        out->len = start;
        rc = -1;
    }
    else if (out->oom)
        rc = s_fail (&e, "out of memory");
    if (rc && kind)
        *kind = e.kind;
    return rc;
}

int
hrw_pbjson_encode (const ProtobufCMessageDescriptor *desc, json_t *obj, hrw_buf_t *out,
                   char *err, size_t err_cap)
{
    return hrw_pbjson_encode_kind (desc, obj, out, err, err_cap, NULL);
}

// ---------------------------------------------------------------------------
// Message to JSON

char *
hrw_pbjson_base64 (const uint8_t *data, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc ((n + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t) data[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t) data[i + 1] << 8;
        if (i + 2 < n)
            v |= data[i + 2];
        out[j++] = tab[v >> 18 & 63];
        out[j++] = tab[v >> 12 & 63];
        out[j++] = i + 1 < n? tab[v >> 6 & 63]: '=';
        out[j++] = i + 2 < n? tab[v & 63]: '=';
    }
    out[j] = '\0';
    return out;
}

static json_t *
s_int64_string (int64_t v, int is_signed)
{
    char s[32];
    if (is_signed)
        snprintf (s, sizeof (s), "%" PRId64, v);
    else
        snprintf (s, sizeof (s), "%" PRIu64, (uint64_t) v);
    return json_string (s);
}

static json_t *
s_value_json (const ProtobufCFieldDescriptor *f, const void *p, unsigned flags)
{
    switch (f->type) {
        case PROTOBUF_C_TYPE_INT32:
        case PROTOBUF_C_TYPE_SINT32:
        case PROTOBUF_C_TYPE_SFIXED32:
            return json_integer (*(const int32_t *) p);
        case PROTOBUF_C_TYPE_UINT32:
        case PROTOBUF_C_TYPE_FIXED32:
            return json_integer (*(const uint32_t *) p);
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_SINT64:
        case PROTOBUF_C_TYPE_SFIXED64:
            return s_int64_string (*(const int64_t *) p, 1);
        case PROTOBUF_C_TYPE_UINT64:
        case PROTOBUF_C_TYPE_FIXED64:
            return s_int64_string ((int64_t) * (const uint64_t *) p, 0);
        case PROTOBUF_C_TYPE_FLOAT:
            return json_real (*(const float *) p);
        case PROTOBUF_C_TYPE_DOUBLE:
            return json_real (*(const double *) p);
        case PROTOBUF_C_TYPE_BOOL:
            return json_boolean (*(const protobuf_c_boolean *) p);
        case PROTOBUF_C_TYPE_ENUM: {
            int v = *(const int *) p;
            const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value (f->descriptor, v);
            return ev? json_string (ev->name): json_integer (v);
        }
        case PROTOBUF_C_TYPE_STRING: {
            const char *s = *(char *const *) p;
            //  Bytes that are not UTF-8 are not JSON text: show them escaped.
            json_t *j = json_string (s? s: "");
            return j? j: json_string ("<not UTF-8>");
        }
        case PROTOBUF_C_TYPE_BYTES: {
            const ProtobufCBinaryData *b = p;
            char *s = hrw_pbjson_base64 (b->data, b->len);
            json_t *j = s? json_string (s): NULL;
            free (s);
            return j;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            const ProtobufCMessage *m = *(ProtobufCMessage *const *) p;
            if (m && m->descriptor == &google__protobuf__timestamp__descriptor) {
                const Google__Protobuf__Timestamp *t = (const void *) m;
                char text[48];
                return json_string (hrw_clock_format (hrw_clock_from_parts (t->seconds, t->nanos),
                                                      text, sizeof (text)));
            }
            return m? hrw_pbjson_decode_flags (m, flags): json_object ();
        }
    }
    return json_null ();
}

static size_t
s_sizeof (ProtobufCType type)
{
    switch (type) {
        case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
            return 8;
        case PROTOBUF_C_TYPE_BOOL: return sizeof (protobuf_c_boolean);
        case PROTOBUF_C_TYPE_ENUM: return sizeof (int);
        case PROTOBUF_C_TYPE_STRING: return sizeof (char *);
        case PROTOBUF_C_TYPE_BYTES: return sizeof (ProtobufCBinaryData);
        case PROTOBUF_C_TYPE_MESSAGE: return sizeof (ProtobufCMessage *);
        default: return 4;
    }
}

//  Proto3 fields without presence are omitted at their default value.
static int
s_is_default (const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
        case PROTOBUF_C_TYPE_STRING: {
            const char *s = *(char *const *) p;
            return !s || !*s;
        }
        case PROTOBUF_C_TYPE_BYTES:
            return ((const ProtobufCBinaryData *) p)->len == 0;
        case PROTOBUF_C_TYPE_MESSAGE:
            return *(ProtobufCMessage *const *) p == NULL;
        default: {
            static const uint8_t zero[8];
            return memcmp (p, zero, s_sizeof (f->type)) == 0;
        }
    }
}

//  Whether field f of the message at base is left out of its JSON.
static int
s_omitted (const ProtobufCFieldDescriptor *f, const char *base, unsigned flags)
{
    const void *p = base + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return !(flags & HRW_PBJSON_ALL_FIELDS)
            && *(const size_t *) (base + f->quantifier_offset) == 0;
    //  Fields with presence (oneof members, proto3 optional) print when set.
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *) (base + f->quantifier_offset) != f->id;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
        return !*(const protobuf_c_boolean *) (base + f->quantifier_offset);
    if (flags & HRW_PBJSON_ALL_FIELDS)
        return 0;
    return f->label == PROTOBUF_C_LABEL_NONE && s_is_default (f, p);
}

json_t *
hrw_pbjson_decode (const ProtobufCMessage *msg)
{
    return hrw_pbjson_decode_flags (msg, 0);
}

json_t *
hrw_pbjson_decode_flags (const ProtobufCMessage *msg, unsigned flags)
{
    const ProtobufCMessageDescriptor *desc = msg->descriptor;
    json_t *obj = json_object ();
    if (!obj)
        return NULL;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &desc->fields[i];
        const char *base = (const char *) msg;
        const void *p = base + f->offset;
        json_t *v;
        if (s_omitted (f, base, flags))
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) (base + f->quantifier_offset);
            const char *arr = *(char *const *) p;
            v = json_array ();
            for (size_t k = 0; v && k < n; k++)
                json_array_append_new (v, s_value_json (f, arr + k * s_sizeof (f->type), flags));
        }
        else if (f->type == PROTOBUF_C_TYPE_MESSAGE && !*(ProtobufCMessage *const *) p)
            v = json_null ();   //  Unset, and asked for: null is its proto3 JSON
        else
            v = s_value_json (f, p, flags);
        char camel[S_NAME_MAX];
        s_camel (f->name, camel, sizeof (camel));
        if (!v || json_object_set_new (obj, camel, v)) {
            json_decref (obj);
            return NULL;
        }
    }
    return obj;
}
