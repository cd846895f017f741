/* The buddy allocator's core: power-of-two blocks of page frames, naturally
 * aligned (a block of order k starts at a multiple of 2^k pages), with
 * per-page metadata held in an array the caller provides.  It never touches
 * the pages themselves, so it is portable and host-tested; the kernel's pmm
 * wraps it with a lock and physical addresses.
 *
 * Every function returns or reports errors; none panics (the caller decides
 * what a bad free means). */
#ifndef ADROS_BUDDY_H
#define ADROS_BUDDY_H

#include <adros/types.h>

#define BUDDY_MAX_ORDER 12 /* 16 MiB blocks */
#define BUDDY_NONE 0xffffffffu

#define BPF_HEAD 1
#define BPF_RANGE 2 /* allocated by buddy_alloc_range */

enum buddy_state {
    BP_RESERVED = 0, /* not managed (hole, kernel image, firmware) */
    BP_FREE,         /* part of a free block; the head has the order */
    BP_ALLOC,        /* part of an allocated block or range */
};

struct buddy_page {
    uint32_t next, prev; /* free-list links (heads of free blocks only) */
    uint8_t state;
    uint8_t order;       /* heads: block order */
    uint8_t flags;       /* BPF_HEAD: first page of a block or range; BPF_RANGE */
    uint8_t owner;       /* allocated pages: who uses them (kmalloc's tags) */
    uint32_t data;       /* owner's word (kmalloc: slab address, page count) */
};

struct buddy_stats {
    uint32_t total_pages;    /* managed (free + allocated) */
    uint32_t free_pages;
    uint32_t free_blocks[BUDDY_MAX_ORDER + 1];
    uint64_t allocs, frees, failures;
};

struct buddy {
    struct buddy_page *pages;
    uint32_t base_pfn, npages;
    uint32_t free_head[BUDDY_MAX_ORDER + 1];
    struct buddy_stats st;
};

/* Covers page frames [base_pfn, base_pfn + npages); all start reserved. */
void buddy_init(struct buddy *b, struct buddy_page *pages, uint32_t base_pfn, uint32_t npages);
/* Hands reserved frames to the allocator (coalescing with free neighbours).
 * Frames that are not reserved are skipped. */
void buddy_add_free(struct buddy *b, uint32_t pfn, uint32_t count);

/* One block of 2^order pages; BUDDY_NONE when none is free. */
uint32_t buddy_alloc(struct buddy *b, unsigned order);
/* Returns 0, or -1 if pfn is not the head of an allocated block of that order. */
int buddy_free(struct buddy *b, uint32_t pfn, unsigned order);

/* npages contiguous pages whose first is aligned to 2^align_order pages; the
 * unused tail of the underlying block is given back at once. */
uint32_t buddy_alloc_range(struct buddy *b, uint32_t npages, unsigned align_order);
/* Frees a range from buddy_alloc_range; -1 if it is not one. */
int buddy_free_range(struct buddy *b, uint32_t pfn, uint32_t npages);

/* Metadata of one frame, or NULL outside the managed span. */
struct buddy_page *buddy_page(struct buddy *b, uint32_t pfn);
/* For pages inside an allocated range: the range's first pfn (BUDDY_NONE otherwise). */
uint32_t buddy_range_head(struct buddy *b, uint32_t pfn);
void buddy_get_stats(const struct buddy *b, struct buddy_stats *st);
/* Consistency check of all lists and states; returns 0 or -1 (tests). */
int buddy_check(const struct buddy *b);
unsigned buddy_order_for(uint32_t npages); /* smallest order with 2^order >= npages */

#endif
