/* Physical memory: the multiboot memory map decides which frames are RAM;
 * the buddy allocator manages them.  The per-frame metadata array sits right
 * after the kernel image.  Below 1 MiB (BIOS, VGA, firmware tables) nothing
 * is handed out, nor is the kernel image or the metadata itself. */
#include <adros/buddy.h>
#include <adros/cmdline.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/multiboot.h>
#include <adros/sched.h>
#include <adros/spinlock.h>
#include <adros/string.h>
#include "mm_internal.h"

extern char _kernel_start[], _kernel_end[];

#define RAM_CAP_PFN 0xc0000u /* manage at most 3 GiB: above is for MMIO */

static struct buddy phys;
static spinlock_t pmm_lock = SPINLOCK_INIT("pmm");
static uint32_t max_pfn;
static uint32_t reserve_pages;   /* pmm_lock */
static uint64_t reserve_refused; /* pmm_lock */

KOPTION(mm_reserve, "mm.reserve",
        "mm.reserve=<KiB>: memory kept for the shell, sync, rm, poweroff and DHCP renewal (default RAM/32, 512 KiB-4 MiB; 0: none)");

#define RESERVE_MIN_PAGES 128u  /* 512 KiB */
#define RESERVE_MAX_PAGES 1024u /* 4 MiB */

void pmm_init(const struct multiboot_info *mbi)
{
    if (!(mbi->flags & MB_INFO_MMAP))
        panic("pmm: the boot loader gave no memory map");

    /* Pass 1: the highest RAM frame. */
    uintptr_t p = mbi->mmap_addr, end = mbi->mmap_addr + mbi->mmap_length;
    while (p < end) {
        const struct multiboot_mmap_entry *e = (const void *)p;
        if (e->type == 1 && e->addr < ((uint64_t)RAM_CAP_PFN << PAGE_SHIFT)) {
            uint64_t top = e->addr + e->len;
            if (top > ((uint64_t)RAM_CAP_PFN << PAGE_SHIFT))
                top = (uint64_t)RAM_CAP_PFN << PAGE_SHIFT;
            if ((uint32_t)(top >> PAGE_SHIFT) > max_pfn)
                max_pfn = (uint32_t)(top >> PAGE_SHIFT);
        }
        p += e->size + 4;
    }

    /* The metadata array follows the kernel image. */
    uintptr_t meta = ALIGN_UP((uintptr_t)_kernel_end, PAGE_SIZE);
    size_t meta_bytes = ALIGN_UP(max_pfn * sizeof(struct buddy_page), PAGE_SIZE);
    if ((meta + meta_bytes) >> PAGE_SHIFT > max_pfn)
        panic("pmm: not enough RAM for the page metadata");
    buddy_init(&phys, (struct buddy_page *)meta, 0, max_pfn);
    uint32_t first_free = (uint32_t)((meta + meta_bytes) >> PAGE_SHIFT);

    /* Pass 2: hand usable frames to the allocator. */
    p = mbi->mmap_addr;
    while (p < end) {
        const struct multiboot_mmap_entry *e = (const void *)p;
        if (e->type == 1) {
            uint64_t s = ALIGN_UP(e->addr, (uint64_t)PAGE_SIZE);
            uint64_t t = ALIGN_DOWN(e->addr + e->len, (uint64_t)PAGE_SIZE);
            uint32_t spfn = (uint32_t)MIN(s >> PAGE_SHIFT, (uint64_t)max_pfn);
            uint32_t tpfn = (uint32_t)MIN(t >> PAGE_SHIFT, (uint64_t)max_pfn);
            if (spfn < first_free)
                spfn = first_free < tpfn ? first_free : tpfn;
            if (tpfn > spfn)
                buddy_add_free(&phys, spfn, tpfn - spfn);
        }
        p += e->size + 4;
    }
    long kib = cmdline_get_int("mm.reserve", -1);
    if (kib < 0 || kib > (long)(phys.st.free_pages / 2 * (PAGE_SIZE / 1024))) {
        if (kib >= 0)
            kprintf(KERN_WARN "pmm: mm.reserve=%ld KiB is more than half of the free memory: the default is used\n", kib);
        reserve_pages = MIN(MAX(phys.st.total_pages / 32, RESERVE_MIN_PAGES), RESERVE_MAX_PAGES);
        reserve_pages = MIN(reserve_pages, phys.st.free_pages / 2);
    } else {
        reserve_pages = (uint32_t)(kib / (PAGE_SIZE / 1024));
    }
    kprintf("pmm: %u MiB RAM managed, %u pages free, kernel %p-%p, metadata %u KiB, reserve %u KiB\n",
            (unsigned)(phys.st.total_pages / 256), phys.st.free_pages, (void *)_kernel_start,
            (void *)_kernel_end, (unsigned)(meta_bytes / 1024), reserve_pages * (PAGE_SIZE / 1024));
}

bool mm_may_use_reserve(void)
{
    struct thread *t = thread_current();
    return !t || (t->flags & PROCESS_FLAG_MEMRESERVE);
}

/* Free pages in blocks of MM_RESERVE_BLOCK_ORDER or more.  pmm_lock. */
static uint32_t reserve_block_pages(void)
{
    uint32_t n = 0;
    for (unsigned o = MM_RESERVE_BLOCK_ORDER; o <= BUDDY_MAX_ORDER; o++)
        n += phys.st.free_blocks[o] << o;
    return n;
}

/* Whether an allocation of npages may proceed (pmm_lock held).  The
 * buddy takes the smallest free block that fits: a block below the
 * reserve's order leaves the reserve's blocks alone; a larger one costs
 * them 2^max(order, MM_RESERVE_BLOCK_ORDER) pages (the rest of it stays
 * free in blocks of the reserve's order or more). */
bool pmm__may_take(uint32_t npages)
{
    if (mm_may_use_reserve() || !reserve_pages)
        return true;
    unsigned order = buddy_order_for(npages), from = order;
    while (from <= BUDDY_MAX_ORDER && !phys.st.free_blocks[from])
        from++;
    if (from > BUDDY_MAX_ORDER)
        return true; /* nothing fits: the buddy says so */
    uint32_t cost = from < MM_RESERVE_BLOCK_ORDER ? 0 : 1u << MAX(order, (unsigned)MM_RESERVE_BLOCK_ORDER);
    if (reserve_block_pages() >= cost + reserve_pages)
        return true;
    reserve_refused++;
    phys.st.failures++;
    return false;
}

uint32_t pmm_reserve_pages(void) { return reserve_pages; }

paddr_t pmm_ram_top(void) { return (paddr_t)max_pfn << PAGE_SHIFT; }

paddr_t pmm_alloc_pages(unsigned order)
{
    irqflags_t f = spin_lock_irqsave(&pmm_lock);
    uint32_t pfn = pmm__may_take(1u << order) ? buddy_alloc(&phys, order) : BUDDY_NONE;
    spin_unlock_irqrestore(&pmm_lock, f);
    return pfn == BUDDY_NONE ? 0 : (paddr_t)pfn << PAGE_SHIFT;
}

void pmm_free_pages(paddr_t pa, unsigned order)
{
    irqflags_t f = spin_lock_irqsave(&pmm_lock);
    int r = (pa & (PAGE_SIZE - 1)) ? -1 : buddy_free(&phys, pa >> PAGE_SHIFT, order);
    spin_unlock_irqrestore(&pmm_lock, f);
    if (r)
        panic("pmm_free_pages(%p, order %u): not an allocated block of that order", (void *)pa, order);
}

void pmm_get_stats(struct pmm_stats *st)
{
    irqflags_t f = spin_lock_irqsave(&pmm_lock);
    st->total_pages = phys.st.total_pages;
    st->free_pages = phys.st.free_pages;
    for (int i = 0; i <= BUDDY_MAX_ORDER; i++)
        st->free_blocks[i] = phys.st.free_blocks[i];
    st->allocs = phys.st.allocs;
    st->frees = phys.st.frees;
    st->failures = phys.st.failures;
    st->reserve_pages = reserve_pages;
    st->reserve_refused = reserve_refused;
    spin_unlock_irqrestore(&pmm_lock, f);
}

/* For kmalloc, which shares the buddy's per-page metadata and lock. */
struct buddy *pmm_buddy(void) { return &phys; }
spinlock_t *pmm_spinlock(void) { return &pmm_lock; }

int pmm_check(void)
{
    irqflags_t f = spin_lock_irqsave(&pmm_lock);
    int r = buddy_check(&phys);
    spin_unlock_irqrestore(&pmm_lock, f);
    return r;
}
