/*  rec: the compact binary form of store records. Fixed-width integers in
    host byte order (an LMDB file is not portable across byte orders anyway)
    and strings as a length byte plus bytes. Readers return views into the
    record, so reading costs no allocation. */
#ifndef HRW_REC_H
#define HRW_REC_H

#include <stddef.h>
#include <stdint.h>

#define HRW_REC_MAX 1024   //  Largest record this store writes

typedef struct {
    const char *p;  //  Bytes, not NUL-terminated
    uint8_t n;      //  Length; ids and texts are at most 255 bytes
} hrw_str_t;

typedef struct {
    uint8_t data[HRW_REC_MAX];  //  The record being written
    size_t len;                 //  Bytes written
    int err;                    //  Set when the record would overflow
} hrw_wrec_t;

typedef struct {
    const uint8_t *p;   //  The record being read
    size_t n;           //  Its length
    size_t off;         //  Read position
    int err;            //  Set on a short or corrupt record
} hrw_rrec_t;

void hrw_rec_put_u8 (hrw_wrec_t *w, uint8_t v);
void hrw_rec_put_u32 (hrw_wrec_t *w, uint32_t v);
void hrw_rec_put_u64 (hrw_wrec_t *w, uint64_t v);
void hrw_rec_put_i64 (hrw_wrec_t *w, int64_t v);
void hrw_rec_put_str (hrw_wrec_t *w, hrw_str_t s);
void hrw_rec_put_bytes (hrw_wrec_t *w, const void *p, size_t n);

uint8_t hrw_rec_get_u8 (hrw_rrec_t *r);
uint32_t hrw_rec_get_u32 (hrw_rrec_t *r);
uint64_t hrw_rec_get_u64 (hrw_rrec_t *r);
int64_t hrw_rec_get_i64 (hrw_rrec_t *r);
hrw_str_t hrw_rec_get_str (hrw_rrec_t *r);

/*  A view of a C string (which must be at most 255 bytes long). */
hrw_str_t hrw_str (const char *s);

/*  1 when two views hold the same bytes. */
int hrw_str_eq (hrw_str_t a, hrw_str_t b);

#endif
