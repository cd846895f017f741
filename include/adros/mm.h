/* Memory management: physical page frames (buddy allocator), the kernel's
 * page tables, and the kernel heap.
 *
 * All RAM is identity-mapped (virtual == physical), so a kmalloc'd buffer's
 * address is also its DMA address (the mapping windows below add second
 * addresses for frames: translate those with vmm_virt_to_phys).  Page 0 is never mapped: NULL
 * dereferences fault.  Kernel text and read-only data are read-only. */
#ifndef ADROS_MM_H
#define ADROS_MM_H

#include <adros/types.h>

#define PAGE_SIZE 4096u
#define PAGE_SHIFT 12

struct multiboot_info;

/* --- physical pages --- */
void pmm_init(const struct multiboot_info *mbi);
/* 2^order contiguous, naturally aligned page frames, or 0 when none. */
paddr_t pmm_alloc_pages(unsigned order);
void pmm_free_pages(paddr_t pa, unsigned order); /* panics on a bad free */
struct pmm_stats {
    uint32_t total_pages, free_pages;
    uint32_t free_blocks[13];
    uint64_t allocs, frees, failures;
    uint32_t reserve_pages;   /* the reserve below (counted in free_pages) */
    uint64_t reserve_refused; /* allocations refused to keep the reserve */
};
void pmm_get_stats(struct pmm_stats *st);
paddr_t pmm_ram_top(void); /* end of the highest managed RAM page */

/* The memory reserve.  The last free pages (mm.reserve=<KiB>; default RAM/32,
 * at least 512 KiB, at most 4 MiB; 0 turns it off) go only to threads marked
 * PROCESS_FLAG_MEMRESERVE (sched.h): the shell, the commands that free
 * memory, sync or stop the machine, DHCP renewal.  Any other allocation of a
 * page that would dip into them fails (kmalloc returns NULL), so a consumer
 * that takes everything it can (memhog, a huge fetch, the RAM root) cannot
 * keep those from running.  Small kmallocs served from a slab's free slots
 * take no page and are not held back.  The reserve is kept in blocks of at
 * least MM_RESERVE_BLOCK_ORDER (a thread's 64 KiB stack with its guard page
 * needs such a block): an ordinary allocation may take any page except those
 * that would leave fewer than the reserve's pages free in such blocks, so
 * an exhausted and fragmented memory still starts a command. */
#define MM_RESERVE_BLOCK_ORDER 5
uint32_t pmm_reserve_pages(void);
/* Whether the current thread may take the reserve. */
bool mm_may_use_reserve(void);

/* --- paging --- */
void vmm_init(void);
/* Maps [pa, pa+size) identity, uncached, for device registers.  Returns the
 * virtual address (== pa), or NULL if the range overlaps RAM in a way that
 * cannot be made uncached or page tables cannot be allocated. */
void *vmm_map_mmio(paddr_t pa, size_t size);
/* Makes one page of the identity map present or not (guard pages). */
void vmm_set_present(vaddr_t va, bool present);
bool vmm_is_mapped(vaddr_t va);

/* Mapping windows: a range of kernel virtual addresses above RAM (16 MiB,
 * placed at boot above the identity map and below 2 GiB; none when RAM
 * reaches that far) where scattered page frames can be shown as one
 * contiguous buffer, so that NetBSD's pager hands its pages to a device
 * without copying them (src/rump/rump_pager.c).  A window is allocated
 * whole (its pages not present), filled page by page and freed whole.  The
 * identity map is untouched: a window only adds a second address for a
 * frame.  Code that gives a device a buffer's address translates it with
 * vmm_virt_to_phys (the ATA driver's PRD tables, NetBSD's bus_dma). */
#define VMM_WINDOW_PAGES 4096u
/* npages contiguous window pages, or 0 when none are free (never sleeps). */
vaddr_t vmm_window_alloc(uint32_t npages);
void vmm_window_enter(vaddr_t va, paddr_t pa); /* one page of an allocated window */
void vmm_window_free(vaddr_t va, uint32_t npages);
/* The page index of va in the window range, or -1 when va is not in it. */
int vmm_window_index(vaddr_t va);
/* The physical address behind va: itself in the identity map, the frame
 * entered in a window (0 if none). */
paddr_t vmm_virt_to_phys(vaddr_t va);
struct vmm_window_stats {
    uint32_t pages, pages_in_use, peak_pages_in_use;
    uint64_t allocs, refused;
    uint64_t tlb_flushes; /* freed pages are reused only after one (vmm.c) */
};
void vmm_window_get_stats(struct vmm_window_stats *st);
/* True if [addr, addr+len) is mapped (safe to read from a panic). */
bool mm_kernel_readable(uintptr_t addr, size_t len);

/* --- the kernel heap ---
 * kmalloc: 16-byte aligned; any size from 1 byte up to 16 MiB; NULL when out
 * of memory (never panics).  kmalloc(0) returns NULL.
 * kmalloc_aligned: any power-of-two alignment up to 16 MiB; freed by kfree.
 * kfree(NULL) does nothing; freeing something kmalloc did not return, or
 * freeing twice, panics with a message (a broken invariant, not bad input). */
void kmalloc_init(void);
void *kmalloc(size_t size);
void *kmalloc_aligned(size_t size, size_t align);
void *kcalloc(size_t n, size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
/* Usable size of an allocation (at least what was asked). */
size_t kmalloc_usable_size(const void *p);

struct kmalloc_stats {
    size_t bytes_in_use;   /* bytes currently allocated, in whole size classes and pages */
    size_t peak_bytes;
    size_t allocations;    /* live allocations */
    uint64_t total_allocs, total_frees, failures;
    size_t slab_pages, large_pages;
};
void kmalloc_get_stats(struct kmalloc_stats *st);

/* The callers (return addresses) of refused kmalloc/kzalloc/kcalloc/
 * kmalloc_aligned calls, with their counts: up to max of the first
 * KMALLOC_FAIL_SITES distinct ones; *other counts refusals elsewhere. */
#define KMALLOC_FAIL_SITES 8
struct kmalloc_fail_site {
    uintptr_t site;
    uint64_t count;
};
int kmalloc_get_fail_sites(struct kmalloc_fail_site *out, int max, uint64_t *other);

#endif
