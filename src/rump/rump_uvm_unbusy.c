/* A NetBSD 7.99 assertion that cannot hold, met on AdrOS's side of the link.
 *
 * The rump kernel's uvm_page_unbusy (sys/rump/librump/rumpkern/vm.c) skips
 * NULL entries of its page array, as the kernel's own does, but its
 * DIAGNOSTIC build first asserts the object lock through the first entry:
 * KASSERT(mutex_owned(pgs[0]->uobject->vmobjlock)).  genfs_getpages, on an
 * asynchronous read-ahead (uvm_ra_request -> ra_startio -> VOP_GETPAGES
 * with UFP_NOWAIT) that cannot have its first page at once (another thread
 * holds it busy, e.g. the pagedaemon writing it back, or the page pool is
 * at RUMP_MEMLIMIT), gives up and releases what it got with
 * genfs_rel_pages, whose array starts with that NULL: a page fault at
 * uvm_page_unbusy+0x1c reading 0x20 and the rump kernel lost
 * (docs/RELIABILITY.md, "The uvm_page_unbusy crash").  The components are
 * built with DIAGNOSTIC, as buildrump.sh does by default.
 *
 * NetBSD's code is not changed: the kernel is linked with
 * --wrap=rumpns_uvm_page_unbusy (mk/rump.mk), so the calls from the other
 * objects (genfs, the rump VFS's UBC and aiodone, uvm) come here first; the
 * leading NULL entries are dropped and NetBSD's function runs on the rest,
 * its assertion now made on the first real page (the same lock: every page
 * of one call belongs to one object).  An array of NULLs only is nothing to
 * do, as NetBSD's loop would find. */

#include "rump_unbusy.h"

#if defined(ADROS_HAVE_RUMP) || defined(ADROS_HOST_TEST)

static volatile unsigned long skipped_calls;

void __real_rumpns_uvm_page_unbusy(struct vm_page **pgs, int npgs);

void __wrap_rumpns_uvm_page_unbusy(struct vm_page **pgs, int npgs)
{
    int i = 0;
    while (i < npgs && pgs[i] == NULL)
        i++;
    if (i > 0)
        __atomic_add_fetch(&skipped_calls, 1, __ATOMIC_RELAXED);
    if (i < npgs)
        __real_rumpns_uvm_page_unbusy(pgs + i, npgs - i);
}

unsigned long rump_unbusy_null_first(void) { return skipped_calls; }

#endif
