/*  arena: a bump allocator for per-group scratch memory. */
#include "lib/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct s_block {
    struct s_block *next;   //  Older block, or NULL
    size_t size;            //  Usable bytes in data
    size_t used;            //  Bytes handed out
    max_align_t data[];     //  The memory itself
} s_block_t;

struct hrw_arena {
    s_block_t *head;                //  Block allocations come from
    size_t block_size;              //  Minimum size of a new block
    ProtobufCAllocator allocator;   //  Adapter for protobuf-c unpack
};

static s_block_t *
s_block_new (size_t size)
{
    s_block_t *b = malloc (sizeof (s_block_t) + size);
    if (!b)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

static void *
s_pb_alloc (void *data, size_t size)
{
    return hrw_arena_alloc (data, size);
}

static void
s_pb_free (void *data, void *ptr)
{
    (void) data;
    (void) ptr;
}

hrw_arena_t *
hrw_arena_new (size_t block_size)
{
    hrw_arena_t *self = calloc (1, sizeof (*self));
    if (!self)
        return NULL;
    self->block_size = block_size < 4096? 4096: block_size;
    self->head = s_block_new (self->block_size);
    if (!self->head) {
        free (self);
        return NULL;
    }
    self->allocator.alloc = s_pb_alloc;
    self->allocator.free = s_pb_free;
    self->allocator.allocator_data = self;
    return self;
}

void
hrw_arena_destroy (hrw_arena_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    s_block_t *b = (*self_p)->head;
    while (b) {
        s_block_t *next = b->next;
        free (b);
        b = next;
    }
    free (*self_p);
    *self_p = NULL;
}

void *
hrw_arena_alloc (hrw_arena_t *self, size_t size)
{
    const size_t align = sizeof (max_align_t);
    size = (size + align - 1) / align * align;
    if (size == 0)
        size = align;
    s_block_t *b = self->head;
    if (b->size - b->used < size) {
        size_t want = self->block_size;
        while (want < size)
            want *= 2;
        s_block_t *nb = s_block_new (want);
        if (!nb)
            return NULL;
        nb->next = b;
        self->head = b = nb;
    }
    void *p = (char *) b->data + b->used;
    b->used += size;
    return p;
}

void
hrw_arena_reset (hrw_arena_t *self)
{
    //  Replace a chain of blocks by one block as large as all of them, so
    //  the next group of the same size needs no allocation at all.
    if (self->head->next) {
        size_t total = 0;
        for (s_block_t *b = self->head; b; b = b->next)
            total += b->size;
        s_block_t *nb = s_block_new (total);
        if (nb) {
            s_block_t *b = self->head;
            while (b) {
                s_block_t *next = b->next;
                free (b);
                b = next;
            }
            self->head = nb;
            self->block_size = total;
        }
    }
    for (s_block_t *b = self->head; b; b = b->next)
        b->used = 0;
}

ProtobufCAllocator *
hrw_arena_allocator (hrw_arena_t *self)
{
    return &self->allocator;
}

char *
hrw_arena_strdup (hrw_arena_t *self, const char *s)
{
    size_t n = strlen (s) + 1;
    char *p = hrw_arena_alloc (self, n);
    if (p)
        memcpy (p, s, n);
    return p;
}

Google__Protobuf__Timestamp *
hrw_arena_timestamp (hrw_arena_t *self, int64_t us)
{
    if (us == INT64_MIN)
        return NULL;
    Google__Protobuf__Timestamp *t = hrw_arena_alloc (self, sizeof (*t));
    if (!t)
        return NULL;
    google__protobuf__timestamp__init (t);
    t->seconds = us / 1000000;
    t->nanos = (int32_t) (us % 1000000) * 1000;
    if (t->nanos < 0) {
        t->seconds--;
        t->nanos += 1000000000;
    }
    return t;
}

int
hrw_arena_push (hrw_arena_t *self, void ***items, size_t *n, size_t *cap, void *item)
{
    if (*n == *cap) {
        size_t grown = *cap? *cap * 2: 16;
        void **p = hrw_arena_alloc (self, grown * sizeof (void *));
        if (!p)
            return -1;
        if (*n)
            memcpy (p, *items, *n * sizeof (void *));
        *items = p;
        *cap = grown;
    }
    (*items)[(*n)++] = item;
    return 0;
}
