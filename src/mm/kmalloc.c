/* The kernel heap.
 *
 * Small requests (up to 2048 bytes) come from slabs of eight power-of-two
 * size classes.  A slab is one buddy block (4 KiB, or 16 KiB for the two
 * largest classes) with a 64-byte header at its start; objects begin at
 * offset max(64, class size), so every object is naturally aligned to its
 * class size, which is what makes small aligned allocations cheap.  An
 * allocation bitmap in the header catches double frees and pointers into the
 * middle of objects.
 *
 * Larger requests take a run of whole pages from the buddy allocator
 * (buddy_alloc_range: aligned as asked, the unused tail returned at once).
 * Each page's buddy metadata records which of the two it belongs to, so
 * kfree needs no header in front of the object.
 *
 * Locking: one spinlock (interrupts off) for the slab lists; page
 * allocation takes the pmm's lock beneath it. */
#include <adros/errno.h>
#include <adros/kmalloc_class.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>
#include "mm_internal.h"

#define NCLASS KMALLOC_NCLASS
#define SLAB_MAGIC 0x51ab1e00u
#define SLAB_HDR 64u

struct slab {
    uint32_t magic;
    uint16_t cls;       /* class index */
    uint16_t nobj;
    uint16_t inuse;
    uint16_t first_off;
    void *freelist;     /* free objects, linked through their first word */
    struct slab *next, *prev;
    uint32_t bitmap[8]; /* allocated objects */
};
_Static_assert(sizeof(struct slab) <= SLAB_HDR, "slab header too big");

struct kclass {
    uint32_t size;
    unsigned order;     /* slab size: 2^order pages */
    struct slab *partial; /* slabs with at least one free object */
    unsigned empty;     /* fully free slabs on the partial list */
};

static struct kclass classes[NCLASS];
static spinlock_t heap_lock = SPINLOCK_INIT("kmalloc");
static struct kmalloc_stats stats;

void kmalloc_init(void)
{
    for (int i = 0; i < NCLASS; i++) {
        classes[i].size = kmalloc_class_size(i);
        classes[i].order = kmalloc_slab_order(i);
        classes[i].partial = NULL;
        classes[i].empty = 0;
    }
}

static void partial_add(struct kclass *c, struct slab *s)
{
    s->prev = NULL;
    s->next = c->partial;
    if (c->partial)
        c->partial->prev = s;
    c->partial = s;
}

static void partial_del(struct kclass *c, struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        c->partial = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

static void set_owner(paddr_t pa, uint32_t npages, uint8_t owner, uint32_t data)
{
    struct buddy *b = pmm_buddy();
    for (uint32_t i = 0; i < npages; i++) {
        struct buddy_page *p = buddy_page(b, (pa >> PAGE_SHIFT) + i);
        p->owner = owner;
        p->data = data;
    }
}

/* Called with heap_lock held. */
static struct slab *slab_new(int ci)
{
    struct kclass *c = &classes[ci];
    paddr_t pa = pmm_alloc_pages(c->order);
    if (!pa)
        return NULL;
    struct slab *s = (struct slab *)pa;
    uint32_t slab_bytes = PAGE_SIZE << c->order;
    memset(s, 0, sizeof(*s));
    s->magic = SLAB_MAGIC;
    s->cls = (uint16_t)ci;
    s->first_off = (uint16_t)MAX(SLAB_HDR, c->size);
    s->nobj = (uint16_t)((slab_bytes - s->first_off) / c->size);
    void **prev = &s->freelist;
    for (unsigned i = 0; i < s->nobj; i++) {
        void *obj = (char *)s + s->first_off + i * c->size;
        *prev = obj;
        prev = (void **)obj;
    }
    *prev = NULL;
    set_owner(pa, 1u << c->order, KM_OWNER_SLAB, (uint32_t)s);
    stats.slab_pages += 1u << c->order;
    return s;
}

static void *alloc_small(int ci)
{
    struct kclass *c = &classes[ci];
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    struct slab *s = c->partial;
    if (!s) {
        s = slab_new(ci);
        if (!s) {
            stats.failures++;
            spin_unlock_irqrestore(&heap_lock, f);
            return NULL;
        }
        partial_add(c, s);
    } else if (s->inuse == 0) {
        c->empty--;
    }
    void *obj = s->freelist;
    s->freelist = *(void **)obj;
    unsigned idx = ((uintptr_t)obj - (uintptr_t)s - s->first_off) / c->size;
    s->bitmap[idx / 32] |= 1u << (idx % 32);
    s->inuse++;
    if (s->inuse == s->nobj)
        partial_del(c, s);
    stats.bytes_in_use += c->size;
    stats.allocations++;
    stats.total_allocs++;
    if (stats.bytes_in_use > stats.peak_bytes)
        stats.peak_bytes = stats.bytes_in_use;
    spin_unlock_irqrestore(&heap_lock, f);
    return obj;
}

static void *alloc_large(size_t size, size_t align)
{
    if (size > (PAGE_SIZE << BUDDY_MAX_ORDER) || align > (PAGE_SIZE << BUDDY_MAX_ORDER))
        return NULL;
    uint32_t npages = (uint32_t)(ALIGN_UP(size, PAGE_SIZE) >> PAGE_SHIFT);
    unsigned align_order = align > PAGE_SIZE ? buddy_order_for((uint32_t)(align >> PAGE_SHIFT)) : 0;
    spinlock_t *pl = pmm_spinlock();
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    irqflags_t g = spin_lock_irqsave(pl);
    uint32_t pfn = pmm__may_take(npages) ? buddy_alloc_range(pmm_buddy(), npages, align_order) : BUDDY_NONE;
    spin_unlock_irqrestore(pl, g);
    if (pfn == BUDDY_NONE) {
        stats.failures++;
        spin_unlock_irqrestore(&heap_lock, f);
        return NULL;
    }
    paddr_t pa = (paddr_t)pfn << PAGE_SHIFT;
    set_owner(pa, 1, KM_OWNER_LARGE, npages);
    stats.large_pages += npages;
    stats.bytes_in_use += (size_t)npages * PAGE_SIZE;
    stats.allocations++;
    stats.total_allocs++;
    if (stats.bytes_in_use > stats.peak_bytes)
        stats.peak_bytes = stats.bytes_in_use;
    spin_unlock_irqrestore(&heap_lock, f);
    return (void *)pa;
}

/* Where refused allocations were asked for: the callers' return addresses
 * with their counts (the first KMALLOC_FAIL_SITES distinct callers; later
 * ones are counted in the last slot's "other"), so that a consumer retrying
 * in a loop under memory pressure can be named (`free`). */
static struct kmalloc_fail_site fail_sites[KMALLOC_FAIL_SITES];
static uint64_t fail_other;

static void *note_fail(void *p, uintptr_t site)
{
    if (p)
        return p;
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    int i = 0;
    while (i < KMALLOC_FAIL_SITES && fail_sites[i].site && fail_sites[i].site != site)
        i++;
    if (i < KMALLOC_FAIL_SITES) {
        fail_sites[i].site = site;
        fail_sites[i].count++;
    } else {
        fail_other++;
    }
    spin_unlock_irqrestore(&heap_lock, f);
    return NULL;
}

static void *kmalloc_at(size_t size, uintptr_t site)
{
    if (size == 0)
        return NULL;
    int ci = kmalloc_class(size, 0);
    return note_fail(ci >= 0 ? alloc_small(ci) : alloc_large(size, PAGE_SIZE), site);
}

void *kmalloc(size_t size) { return kmalloc_at(size, (uintptr_t)__builtin_return_address(0)); }

void *kmalloc_aligned(size_t size, size_t align)
{
    if (size == 0 || !IS_POW2(align))
        return NULL;
    int ci = kmalloc_class(size, align);
    /* objects are aligned to their class size */
    return note_fail(ci >= 0 ? alloc_small(ci) : alloc_large(size, align),
                     (uintptr_t)__builtin_return_address(0));
}

static void *kcalloc_at(size_t n, size_t size, uintptr_t site)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = kmalloc_at(n * size, site);
    if (p)
        memset(p, 0, n * size);
    return p;
}

void *kcalloc(size_t n, size_t size) { return kcalloc_at(n, size, (uintptr_t)__builtin_return_address(0)); }

int kmalloc_get_fail_sites(struct kmalloc_fail_site *out, int max, uint64_t *other)
{
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    int n = 0;
    for (; n < KMALLOC_FAIL_SITES && n < max && fail_sites[n].site; n++)
        out[n] = fail_sites[n];
    if (other)
        *other = fail_other;
    spin_unlock_irqrestore(&heap_lock, f);
    return n;
}

void *kzalloc(size_t size) { return kcalloc_at(1, size, (uintptr_t)__builtin_return_address(0)); }

/* Classifies p; panics when it is not a live allocation.  Heap lock held. */
static struct slab *lookup(const void *p, unsigned *idx, uint32_t *large_pages)
{
    uintptr_t a = (uintptr_t)p;
    struct buddy_page *pg = buddy_page(pmm_buddy(), a >> PAGE_SHIFT);
    if (!pg || pg->state != BP_ALLOC)
        panic("kfree(%p): not a heap pointer (never allocated, or its pages were already freed)", p);
    if (pg->owner == KM_OWNER_SLAB) {
        struct slab *s = (struct slab *)pg->data;
        if (s->magic != SLAB_MAGIC)
            panic("kfree(%p): slab header corrupted (magic %08x)", p, s->magic);
        uint32_t size = classes[s->cls].size;
        uintptr_t off = a - (uintptr_t)s;
        if (off < s->first_off || (off - s->first_off) % size || (off - s->first_off) / size >= s->nobj)
            panic("kfree(%p): not the start of a heap object (class %u)", p, (unsigned)size);
        *idx = (unsigned)((off - s->first_off) / size);
        if (!(s->bitmap[*idx / 32] & (1u << (*idx % 32))))
            panic("kfree(%p): double free (object of %u bytes already free)", p, (unsigned)size);
        return s;
    }
    if (pg->owner == KM_OWNER_LARGE && (a & (PAGE_SIZE - 1)) == 0) {
        *large_pages = pg->data;
        return NULL;
    }
    panic("kfree(%p): not the start of a heap allocation", p);
}

void kfree(void *p)
{
    if (!p)
        return;
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    unsigned idx = 0;
    uint32_t npages = 0;
    struct slab *s = lookup(p, &idx, &npages);
    if (s) {
        struct kclass *c = &classes[s->cls];
        s->bitmap[idx / 32] &= ~(1u << (idx % 32));
        *(void **)p = s->freelist;
        s->freelist = p;
        if (s->inuse == s->nobj)
            partial_add(c, s);
        s->inuse--;
        stats.bytes_in_use -= c->size;
        if (s->inuse == 0) {
            /* Keep one empty slab per class as a cache; give the rest back. */
            if (c->empty >= 1) {
                partial_del(c, s);
                s->magic = 0;
                set_owner((paddr_t)s, 1u << c->order, 0, 0);
                stats.slab_pages -= 1u << c->order;
                pmm_free_pages((paddr_t)s, c->order);
            } else {
                c->empty++;
            }
        }
    } else {
        set_owner((paddr_t)p, 1, 0, 0);
        spinlock_t *pl = pmm_spinlock();
        irqflags_t g = spin_lock_irqsave(pl);
        int r = buddy_free_range(pmm_buddy(), (uintptr_t)p >> PAGE_SHIFT, npages);
        spin_unlock_irqrestore(pl, g);
        if (r)
            panic("kfree(%p): page run of %u pages is inconsistent", p, npages);
        stats.large_pages -= npages;
        stats.bytes_in_use -= (size_t)npages * PAGE_SIZE;
    }
    stats.allocations--;
    stats.total_frees++;
    spin_unlock_irqrestore(&heap_lock, f);
}

size_t kmalloc_usable_size(const void *p)
{
    if (!p)
        return 0;
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    unsigned idx;
    uint32_t npages = 0;
    struct slab *s = lookup(p, &idx, &npages);
    size_t n = s ? classes[s->cls].size : (size_t)npages * PAGE_SIZE;
    spin_unlock_irqrestore(&heap_lock, f);
    return n;
}

void kmalloc_get_stats(struct kmalloc_stats *st)
{
    irqflags_t f = spin_lock_irqsave(&heap_lock);
    *st = stats;
    spin_unlock_irqrestore(&heap_lock, f);
}
