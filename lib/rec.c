/*  rec: store record encoding. */
#include "lib/rec.h"

#include <string.h>

void
hrw_rec_put_bytes (hrw_wrec_t *w, const void *p, size_t n)
{
    if (w->err || n > sizeof (w->data) - w->len) {
        w->err = 1;
        return;
    }
    if (n)
        memcpy (w->data + w->len, p, n);
    w->len += n;
}

void hrw_rec_put_u8 (hrw_wrec_t *w, uint8_t v) { hrw_rec_put_bytes (w, &v, 1); }
void hrw_rec_put_u32 (hrw_wrec_t *w, uint32_t v) { hrw_rec_put_bytes (w, &v, 4); }
void hrw_rec_put_u64 (hrw_wrec_t *w, uint64_t v) { hrw_rec_put_bytes (w, &v, 8); }
void hrw_rec_put_i64 (hrw_wrec_t *w, int64_t v) { hrw_rec_put_bytes (w, &v, 8); }

void
hrw_rec_put_str (hrw_wrec_t *w, hrw_str_t s)
{
    hrw_rec_put_u8 (w, s.n);
    hrw_rec_put_bytes (w, s.p, s.n);
}

static const uint8_t *
s_take (hrw_rrec_t *r, size_t n)
{
    if (r->err || n > r->n - r->off) {
        r->err = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->off;
    r->off += n;
    return p;
}

uint8_t
hrw_rec_get_u8 (hrw_rrec_t *r)
{
    const uint8_t *p = s_take (r, 1);
    return p? *p: 0;
}

uint32_t
hrw_rec_get_u32 (hrw_rrec_t *r)
{
    uint32_t v = 0;
    const uint8_t *p = s_take (r, 4);
    if (p)
        memcpy (&v, p, 4);
    return v;
}

uint64_t
hrw_rec_get_u64 (hrw_rrec_t *r)
{
    uint64_t v = 0;
    const uint8_t *p = s_take (r, 8);
    if (p)
        memcpy (&v, p, 8);
    return v;
}

int64_t
hrw_rec_get_i64 (hrw_rrec_t *r)
{
    return (int64_t) hrw_rec_get_u64 (r);
}

hrw_str_t
hrw_rec_get_str (hrw_rrec_t *r)
{
    hrw_str_t s = { "", 0 };
    uint8_t n = hrw_rec_get_u8 (r);
    const uint8_t *p = s_take (r, n);
    if (p) {
        s.p = (const char *) p;
        s.n = n;
    }
    return s;
}

hrw_str_t
hrw_str (const char *s)
{
    size_t n = s? strlen (s): 0;
    hrw_str_t v = { s? s: "", (uint8_t) (n > 255? 255: n) };
    return v;
}

int
hrw_str_eq (hrw_str_t a, hrw_str_t b)
{
    return a.n == b.n && memcmp (a.p, b.p, a.n) == 0;
}
