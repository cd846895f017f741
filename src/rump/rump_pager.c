/* NetBSD's pager windows as mappings: no copies around a page's I/O.
 *
 * To read or write a range of a file's pages, NetBSD's genfs asks the VM
 * for one kernel address covering them all (uvm_pagermapin) and hands that
 * buffer to the disk.  The rump kernel's VM (rumpkern/vm.c) cannot map, so
 * it allocates a fresh buffer, copies every page into it, and after the
 * I/O copies every page back out of it (uvm_pagermapout): two copies of
 * every byte read or written, 27 % of a large read's time on AdrOS
 * (docs/PERFORMANCE.md, "Where a rump request's time goes").  AdrOS owns
 * its page tables, so it maps: the kernel links with --wrap for
 * uvm_pagermapin, uvm_pagermapout and uvm_pageratop (mk/rump.mk; every
 * call comes from objects other than vm.o: genfs, the rump VFS's aiodone,
 * NFS/puffs/LFS not linked), and this shim enters the pages' frames into a
 * mapping window (mm.h).  The device then reads or writes the pages
 * themselves.  NetBSD's pages are AdrOS kernel memory (rumpuser_malloc,
 * page-aligned, identity-mapped), so a page's frame is its uanon address.
 *
 * When no window is free (or a page is not page-aligned, which NetBSD's
 * page constructor never makes), NetBSD's copying function runs as before;
 * uvm_pagermapout and uvm_pageratop tell the two apart by address.
 *
 * Devices must see frames, not window addresses: AdrOS's ATA driver builds
 * its PRD tables page by page (vmm_virt_to_phys), and NetBSD's bus_dma,
 * which asks vtophys for each page and merges what it calls contiguous,
 * gets the frame through the vtophys wrap below (the rump kernel's own
 * returns the address unchanged).
 *
 * A window's reads land in the pages before the I/O completes, which also
 * lets the completion mark NetBSD's read-ahead pages valid, as NetBSD's own
 * kernel does and the rump kernel leaves out (rump_uvm_aiodone.c). */

#include "rump_pager.h"

#include <adros/kprintf.h>
#include <adros/mm.h>

static volatile unsigned long n_mapped, n_copied, n_valid;

void rump_pager_count_valid(unsigned long pages) { __atomic_add_fetch(&n_valid, pages, __ATOMIC_RELAXED); }

void rump_pager_get_stats(struct rump_pager_stats *st)
{
    *st = (struct rump_pager_stats){ n_mapped, n_copied, n_valid };
}

#if defined(ADROS_HAVE_RUMP) || defined(ADROS_HOST_TEST)

uintptr_t __real_rumpns_uvm_pagermapin(struct nb_vm_page **pgs, int npages, int flags);
void __real_rumpns_uvm_pagermapout(uintptr_t kva, int npages);
struct nb_vm_page *__real_rumpns_uvm_pageratop(uintptr_t va);

/* Each window page's vm_page, and at a window's first page its length (a
 * NetBSD caller unmapping a different length is a broken invariant, as in
 * NetBSD's function). */
static struct nb_vm_page *win_pg[VMM_WINDOW_PAGES];
static uint32_t win_len[VMM_WINDOW_PAGES];

uintptr_t __wrap_rumpns_uvm_pagermapin(struct nb_vm_page **pgs, int npages, int flags)
{
    vaddr_t va = 0;
    if (npages > 0 && (uint32_t)npages <= VMM_WINDOW_PAGES) {
        for (int i = 0; i < npages; i++)
            if (!pgs[i] || ((uintptr_t)pgs[i]->uanon & (NB_PAGE_SIZE - 1)))
                goto copy;
        va = vmm_window_alloc((uint32_t)npages);
    }
    if (!va)
        goto copy;
    int first = vmm_window_index(va);
    for (int i = 0; i < npages; i++) {
        win_pg[first + i] = pgs[i];
        vmm_window_enter(va + (vaddr_t)i * NB_PAGE_SIZE, (paddr_t)(uintptr_t)pgs[i]->uanon);
    }
    win_len[first] = (uint32_t)npages;
    __atomic_add_fetch(&n_mapped, 1, __ATOMIC_RELAXED);
    return va;
copy:
    __atomic_add_fetch(&n_copied, 1, __ATOMIC_RELAXED);
    return __real_rumpns_uvm_pagermapin(pgs, npages, flags);
}

bool rump_pager_is_window(uintptr_t kva) { return vmm_window_index((vaddr_t)kva) >= 0; }

void __wrap_rumpns_uvm_pagermapout(uintptr_t kva, int npages)
{
    int first = vmm_window_index((vaddr_t)kva);
    if (first < 0) {
        __real_rumpns_uvm_pagermapout(kva, npages);
        return;
    }
    if (npages <= 0 || win_len[first] != (uint32_t)npages)
        panic("rump pager: unmapping %d pages of a %u-page window at %#lx", npages, win_len[first],
              (unsigned long)kva);
    win_len[first] = 0;
    for (int i = 0; i < npages; i++)
        win_pg[first + i] = NULL;
    vmm_window_free((vaddr_t)kva, (uint32_t)npages);
}

struct nb_vm_page *__wrap_rumpns_uvm_pageratop(uintptr_t va)
{
    int i = vmm_window_index((vaddr_t)va);
    return i < 0 ? __real_rumpns_uvm_pageratop(va) : win_pg[i];
}

unsigned long __wrap_rumpns_vtophys(uintptr_t va) { return vmm_virt_to_phys((vaddr_t)va); }

#endif
