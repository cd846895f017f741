/* Buddy allocator core (see buddy.h).  Portable: compiled into the kernel
 * and into the host unit tests. */
#include <adros/buddy.h>

#define P(b, pfn) (&(b)->pages[(pfn) - (b)->base_pfn])

unsigned buddy_order_for(uint32_t npages)
{
    unsigned o = 0;
    while (((uint32_t)1 << o) < npages)
        o++;
    return o;
}

static void list_add(struct buddy *b, uint32_t pfn, unsigned order)
{
    struct buddy_page *p = P(b, pfn);
    p->prev = BUDDY_NONE;
    p->next = b->free_head[order];
    if (p->next != BUDDY_NONE)
        P(b, p->next)->prev = pfn;
    b->free_head[order] = pfn;
    b->st.free_blocks[order]++;
}

static void list_del(struct buddy *b, uint32_t pfn, unsigned order)
{
    struct buddy_page *p = P(b, pfn);
    if (p->prev != BUDDY_NONE)
        P(b, p->prev)->next = p->next;
    else
        b->free_head[order] = p->next;
    if (p->next != BUDDY_NONE)
        P(b, p->next)->prev = p->prev;
    p->next = p->prev = BUDDY_NONE;
    b->st.free_blocks[order]--;
}

static bool in_span(const struct buddy *b, uint32_t pfn)
{
    return pfn >= b->base_pfn && pfn - b->base_pfn < b->npages;
}

static void mark(struct buddy *b, uint32_t pfn, uint32_t n, uint8_t state)
{
    for (uint32_t i = 0; i < n; i++) {
        struct buddy_page *p = P(b, pfn + i);
        p->state = state;
        p->flags = 0;
        p->owner = 0;
        p->data = 0;
    }
}

void buddy_init(struct buddy *b, struct buddy_page *pages, uint32_t base_pfn, uint32_t npages)
{
    b->pages = pages;
    b->base_pfn = base_pfn;
    b->npages = npages;
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
        b->free_head[o] = BUDDY_NONE;
    for (uint32_t i = 0; i < npages; i++) {
        pages[i] = (struct buddy_page){ BUDDY_NONE, BUDDY_NONE, BP_RESERVED, 0, 0, 0, 0 };
    }
    b->st = (struct buddy_stats){ 0 };
}

/* Frees a block already marked ALLOC (or just handed over), merging buddies. */
static void free_block(struct buddy *b, uint32_t pfn, unsigned order)
{
    mark(b, pfn, (uint32_t)1 << order, BP_FREE);
    b->st.free_pages += (uint32_t)1 << order;
    while (order < BUDDY_MAX_ORDER) {
        uint32_t buddy = pfn ^ ((uint32_t)1 << order);
        if (!in_span(b, buddy) || !in_span(b, buddy + ((uint32_t)1 << order) - 1))
            break;
        struct buddy_page *bp = P(b, buddy);
        if (bp->state != BP_FREE || !(bp->flags & BPF_HEAD) || bp->order != order)
            break;
        list_del(b, buddy, order);
        bp->flags = 0;
        pfn = pfn < buddy ? pfn : buddy;
        order++;
    }
    struct buddy_page *h = P(b, pfn);
    h->flags = BPF_HEAD;
    h->order = (uint8_t)order;
    list_add(b, pfn, order);
}

void buddy_add_free(struct buddy *b, uint32_t pfn, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        uint32_t f = pfn + i;
        if (!in_span(b, f) || P(b, f)->state != BP_RESERVED)
            continue;
        b->st.total_pages++;
        free_block(b, f, 0);
    }
}

uint32_t buddy_alloc(struct buddy *b, unsigned order)
{
    if (order > BUDDY_MAX_ORDER) {
        b->st.failures++;
        return BUDDY_NONE;
    }
    unsigned o = order;
    while (o <= BUDDY_MAX_ORDER && b->free_head[o] == BUDDY_NONE)
        o++;
    if (o > BUDDY_MAX_ORDER) {
        b->st.failures++;
        return BUDDY_NONE;
    }
    uint32_t pfn = b->free_head[o];
    list_del(b, pfn, o);
    P(b, pfn)->flags = 0;
    /* Split: keep the low half, free the high halves. */
    while (o > order) {
        o--;
        uint32_t hi = pfn + ((uint32_t)1 << o);
        struct buddy_page *h = P(b, hi);
        h->flags = BPF_HEAD;
        h->order = (uint8_t)o;
        list_add(b, hi, o);
    }
    mark(b, pfn, (uint32_t)1 << order, BP_ALLOC);
    struct buddy_page *h = P(b, pfn);
    h->flags = BPF_HEAD;
    h->order = (uint8_t)order;
    b->st.free_pages -= (uint32_t)1 << order;
    b->st.allocs++;
    return pfn;
}

int buddy_free(struct buddy *b, uint32_t pfn, unsigned order)
{
    if (!in_span(b, pfn) || order > BUDDY_MAX_ORDER)
        return -1;
    struct buddy_page *h = P(b, pfn);
    if (h->state != BP_ALLOC || h->flags != BPF_HEAD || h->order != order)
        return -1;
    b->st.frees++;
    free_block(b, pfn, order);
    return 0;
}

/* Gives back [pfn, pfn+n) (marked ALLOC) as maximal aligned free blocks. */
static void free_span(struct buddy *b, uint32_t pfn, uint32_t n)
{
    while (n) {
        unsigned o = 0;
        while (o < BUDDY_MAX_ORDER && !(pfn & ((uint32_t)1 << o)) && ((uint32_t)2 << o) <= n)
            o++;
        free_block(b, pfn, o);
        pfn += (uint32_t)1 << o;
        n -= (uint32_t)1 << o;
    }
}

uint32_t buddy_alloc_range(struct buddy *b, uint32_t npages, unsigned align_order)
{
    if (npages == 0)
        return BUDDY_NONE;
    unsigned order = buddy_order_for(npages);
    if (align_order > order)
        order = align_order;
    uint32_t pfn = buddy_alloc(b, order);
    if (pfn == BUDDY_NONE)
        return BUDDY_NONE;
    uint32_t total = (uint32_t)1 << order;
    if (total > npages) {
        free_span(b, pfn + npages, total - npages);
    }
    /* A range: every page points at its head (next), and the head holds the
     * page count (prev); the free-list links are unused while allocated. */
    for (uint32_t i = 0; i < npages; i++) {
        struct buddy_page *p = P(b, pfn + i);
        p->flags = (uint8_t)(BPF_RANGE | (i == 0 ? BPF_HEAD : 0));
        p->order = 0;
        p->next = pfn;
    }
    P(b, pfn)->prev = npages;
    return pfn;
}

int buddy_free_range(struct buddy *b, uint32_t pfn, uint32_t npages)
{
    if (!in_span(b, pfn) || npages == 0 || !in_span(b, pfn + npages - 1))
        return -1;
    struct buddy_page *h = P(b, pfn);
    if (h->state != BP_ALLOC || h->flags != (BPF_HEAD | BPF_RANGE) || h->prev != npages)
        return -1;
    b->st.frees++;
    free_span(b, pfn, npages);
    return 0;
}

uint32_t buddy_range_head(struct buddy *b, uint32_t pfn)
{
    if (!in_span(b, pfn))
        return BUDDY_NONE;
    struct buddy_page *p = P(b, pfn);
    if (p->state != BP_ALLOC || !(p->flags & BPF_RANGE))
        return BUDDY_NONE;
    uint32_t head = p->next;
    if (!in_span(b, head))
        return BUDDY_NONE;
    struct buddy_page *h = P(b, head);
    if (h->state != BP_ALLOC || h->flags != (BPF_HEAD | BPF_RANGE) || pfn - head >= h->prev)
        return BUDDY_NONE;
    return head;
}

struct buddy_page *buddy_page(struct buddy *b, uint32_t pfn) { return in_span(b, pfn) ? P(b, pfn) : NULL; }

void buddy_get_stats(const struct buddy *b, struct buddy_stats *st) { *st = b->st; }

int buddy_check(const struct buddy *b)
{
    uint32_t free_pages = 0;
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
        uint32_t count = 0, prev = BUDDY_NONE;
        for (uint32_t pfn = b->free_head[o]; pfn != BUDDY_NONE; pfn = b->pages[pfn - b->base_pfn].next) {
            if (!in_span(b, pfn))
                return -1;
            const struct buddy_page *p = &b->pages[pfn - b->base_pfn];
            if (p->state != BP_FREE || !(p->flags & BPF_HEAD) || p->order != o || p->prev != prev)
                return -1;
            if (pfn & (((uint32_t)1 << o) - 1))
                return -1; /* misaligned block */
            for (uint32_t i = 1; i < ((uint32_t)1 << o); i++) {
                const struct buddy_page *t = &b->pages[pfn + i - b->base_pfn];
                if (t->state != BP_FREE || t->flags)
                    return -1;
            }
            prev = pfn;
            count++;
            free_pages += (uint32_t)1 << o;
            if (count > b->npages)
                return -1; /* cycle */
        }
        if (count != b->st.free_blocks[o])
            return -1;
    }
    return free_pages == b->st.free_pages ? 0 : -1;
}
