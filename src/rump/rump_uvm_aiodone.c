/* NetBSD 7.99's rump kernel loses a page-out that failed for memory.
 *
 * The pagedaemon must never sleep for a buffer, so NetBSD's getblk returns
 * NULL to it when no buffer memory is free at once, and ufs_bmaparray,
 * needing an indirect block to map a page, returns ENOMEM (ufs_bmap.c,
 * "getblk() above returns NULL only iff we are pagedaemon").  genfs_do_io
 * then skips the whole write and completes it with that error.  NetBSD's
 * own kernel expects exactly this: uvm_aio_aiodone_pages (uvm_pager.c)
 * takes ENOMEM on a write as transient and marks the pages dirty again, to
 * be written later.  The rump kernel's uvm_aio_aiodone (rumpvfs/vm_vfs.c)
 * leaves that function out: the pages, marked clean when the write was
 * built, are unbusied and, when the pagedaemon wrote them, freed.  The file's
 * blocks stay allocated and never written: found as 7-11 pages of zeros in
 * an 8 MiB copy under RUMP_MEMLIMIT=4m (docs/RELIABILITY.md, "A page-out
 * lost to ENOMEM"), the silent loss Genode traced to vm_vfs.c.
 *
 * NetBSD's code is not changed: the kernel links with
 * --wrap=rumpns_uvm_aio_biodone (mk/rump.mk), the completion genfs_io.c
 * hands to every page write, and this wrapper does what
 * uvm_aio_aiodone_pages would before NetBSD's function runs: on a write
 * that failed with ENOMEM, every page is marked dirty again and taken out
 * of page-out (not freed; the page-out count given back), under the
 * object's lock.  Other errors keep NetBSD's behaviour (the pages are
 * clean; rumpuser_bio logs the failed write): a device that fails every
 * write must not pin dirty pages for ever.
 *
 * The same wrapper completes NetBSD's asynchronous page reads (its
 * read-ahead) as NetBSD's kernel does: uvm_aio_aiodone_pages clears
 * PG_FAKE on every page of a successful read, so the pages count as valid;
 * the rump kernel's uvm_aio_aiodone leaves them "fake" and every
 * read-ahead page was read from the disk a second time when the reader
 * reached it (docs/PERFORMANCE.md, Stage 1).  That is only right where the
 * data is in the pages when the completion runs: with a mapping window
 * (rump_pager.c) the device wrote the pages themselves; NetBSD's copying
 * pager copies its buffer back only after unbusying the pages, so its
 * buffers keep NetBSD's behaviour.
 *
 * rump.pdaemon_enomem=N (a test option) makes every Nth VOP_BMAP of the
 * pagedaemon fail with ENOMEM, as getblk makes it fail, so that this path
 * is exercised on purpose (the rel-pdaemon-enomem test). */

#include "rump_aiodone.h"
#include "rump_pager.h"

#include <stddef.h>

#if defined(ADROS_HAVE_RUMP) || defined(ADROS_HOST_TEST)
void __real_rumpns_uvm_aio_biodone(struct nb_buf *bp);
struct nb_vm_page *rumpns_uvm_pageratop(uintptr_t va);
void rumpns_mutex_enter(void *mtx);
void rumpns_mutex_exit(void *mtx);
void rumpns_uvm_pageout_done(int npages);

static volatile unsigned long kept_writes, kept_pages;

/* Clears the flags `clear` on every page of bp under the object's lock (all
 * pages of one I/O belong to one object); returns how many pages had any
 * of `counted` before. */
static int clear_flags(struct nb_buf *bp, int npages, uint16_t clear, uint16_t counted)
{
    void *lock = NULL;
    int n = 0;
    for (int i = 0; i < npages; i++) {
        struct nb_vm_page *pg = rumpns_uvm_pageratop((uintptr_t)bp->b_data + (uintptr_t)i * NB_PAGE_SIZE);
        if (!pg)
            continue;
        if (!lock) {
            lock = pg->uobject->vmobjlock;
            rumpns_mutex_enter(lock);
        }
        if (pg->flags & counted)
            n++;
        pg->flags = (uint16_t)(pg->flags & ~clear);
    }
    if (lock)
        rumpns_mutex_exit(lock);
    return n;
}

void __wrap_rumpns_uvm_aio_biodone(struct nb_buf *bp)
{
    int npages = bp->b_bufsize / NB_PAGE_SIZE;
    int pageout = 0;
    /* A successful read into a mapping window: its pages hold the data (a
     * read cut short at the device's end completes with no error and a
     * residue). */
    if ((bp->b_flags & NB_B_READ) && bp->b_error == 0 && bp->b_resid == 0 && npages > 0 &&
        rump_pager_is_window((uintptr_t)bp->b_data))
        rump_pager_count_valid((unsigned long)clear_flags(bp, npages, NB_PG_FAKE, NB_PG_FAKE));
    /* A page-out that failed for memory: dirty again, out of page-out. */
    if (!(bp->b_flags & NB_B_READ) && bp->b_error == NB_ENOMEM && npages > 0) {
        pageout = clear_flags(bp, npages, NB_PG_PAGEOUT | NB_PG_CLEAN, NB_PG_PAGEOUT);
        __atomic_add_fetch(&kept_writes, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&kept_pages, (unsigned long)npages, __ATOMIC_RELAXED);
    }
    __real_rumpns_uvm_aio_biodone(bp);
    if (pageout)
        rumpns_uvm_pageout_done(pageout);
}

void rump_aiodone_kept(unsigned long *writes, unsigned long *pages)
{
    *writes = kept_writes;
    *pages = kept_pages;
}

#endif

#ifdef ADROS_HAVE_RUMP
#include <adros/cmdline.h>
#include <adros/sched.h>
#include <string.h>

struct vnode;
int __real_rumpns_VOP_BMAP(struct vnode *vp, int64_t lbn, struct vnode **vpp, int64_t *bnp, int *runp);
int __wrap_rumpns_VOP_BMAP(struct vnode *vp, int64_t lbn, struct vnode **vpp, int64_t *bnp, int *runp);

KOPTION(pdaemon_enomem, "rump.pdaemon_enomem",
        "rump.pdaemon_enomem=N: a test: every Nth block lookup of NetBSD's pagedaemon fails for memory (ENOMEM)");

static long inject_every = -1;
static volatile unsigned long inject_calls, injected;

int __wrap_rumpns_VOP_BMAP(struct vnode *vp, int64_t lbn, struct vnode **vpp, int64_t *bnp, int *runp)
{
    if (inject_every < 0)
        inject_every = cmdline_get_int("rump.pdaemon_enomem", 0);
    if (inject_every > 0 && strcmp(thread_current()->name, "pdaemon") == 0 &&
        __atomic_add_fetch(&inject_calls, 1, __ATOMIC_RELAXED) % (unsigned long)inject_every == 0) {
        __atomic_add_fetch(&injected, 1, __ATOMIC_RELAXED);
        return NB_ENOMEM;
    }
    return __real_rumpns_VOP_BMAP(vp, lbn, vpp, bnp, runp);
}

unsigned long rump_aiodone_injected(void) { return injected; }
#endif
