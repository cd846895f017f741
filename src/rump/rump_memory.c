/* The rump kernel's memory, seen and steered through NetBSD's own sysctl
 * interface (the rump kernel's code is not touched):
 *
 * - its pool statistics (kern.pool: what `vmstat -m` shows on NetBSD) and
 *   where its memory is: the pools' pages, the pages of its VM page cache,
 *   and the rest (kmem allocations too large for a pool, malloc'd buffers,
 *   lwp stacks).  The shell's `rump pools` prints it; the soak and the reliability
 *   tests use it to tell a growing cache from a leak.
 * - its buffer cache (vm.bufmem, vm.bufmem_lowater, vm.bufmem_hiwater):
 *   5 % of RUMP_MEMLIMIT (NetBSD's rump_vfs.c), 15 % of the 512 MiB a rump
 *   kernel without a limit believes it has.
 * - `rump drop`, the rump kernel's counterpart of `bcache drop` and of
 *   Linux's drop_caches: NetBSD frees what it caches and does not use, by
 *   its own means: the buffer cache is drained by lowering both marks
 *   (vm.bufmem_*) and putting them back, then every pool is drained once
 *   round with pool_drain(), as NetBSD's rump pagedaemon does when memory
 *   runs short (uvm_pageout), which also frees the VM's free pages.  The
 *   pagedaemon only does this above 90 % of RUMP_MEMLIMIT, so without it
 *   the pools keep the memory of their busiest moment for good.  NetBSD
 *   gives back only pool pages idle for 10 s (pool_inactive_time): what
 *   was freed just before stays until a later drop.
 *
 * Sysctl numbers created at boot (CTL_CREATE) are found by name with a
 * CTL_QUERY on their parent, like sysctlnametomib(3) does. */
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/string.h>
#include <adros/sync.h>

#include "rump_int.h"
#include "rump_sys.h"

/* The rump kernel's VM pages (sys/rump/librump/rumpkern/vm.c): a pool
 * cache of struct vm_page whose constructor gives each its own page of
 * memory, so every item the pool has handed out holds PAGE_SIZE more. */
#define RUMP_VMPAGE_POOL "page$"
/* NetBSD's BUFCACHE default (percent of memory) and BUFMEM_WMSHIFT. */
#define BUFCACHE_PCT 15
#define BUFMEM_WMSHIFT 3

#ifdef ADROS_HAVE_RUMP
#include "../rumpuser/rumpuser_adros.h"

static int rsysctl(const int *mib, unsigned n, void *old, size_t *oldlen, const void *new, size_t newlen)
{
    int r;
    RUMP_SERVICE_CALL(r, rump_running(), -ENODEV,
                      rump___sysimpl___sysctl(mib, n, old, oldlen, new, newlen));
    return r;
}

/* The number of parent's child called name (one level: kern.pool). */
static int sysctl_child(int parent, const char *name, int *num)
{
    int q[2] = { parent, NB_CTL_QUERY };
    struct nb_sysctlnode want;
    memset(&want, 0, sizeof(want));
    want.sysctl_flags = NB_SYSCTL_VERSION;
    size_t need = 0;
    int r = rsysctl(q, 2, NULL, &need, &want, sizeof(want));
    if (r < 0)
        return r;
    size_t len = need + 8 * sizeof(struct nb_sysctlnode);
    struct nb_sysctlnode *nodes = kmalloc(len);
    if (!nodes)
        return -ENOMEM;
    r = rsysctl(q, 2, nodes, &len, &want, sizeof(want));
    int err = r < 0 ? r : -ENOENT;
    for (size_t i = 0; r == 0 && i < len / sizeof(*nodes); i++)
        if (strncmp(nodes[i].sysctl_name, name, sizeof(nodes[i].sysctl_name)) == 0) {
            *num = nodes[i].sysctl_num;
            err = 0;
        }
    kfree(nodes);
    return err;
}

/* vm.<name>, a u_long (32 bits on i386): read into *old if old, then
 * written from *new if new. */
static int vm_ulong(const char *name, uint32_t *old, const uint32_t *new)
{
    int mib[2] = { NB_CTL_VM, 0 };
    int r = sysctl_child(NB_CTL_VM, name, &mib[1]);
    if (r < 0)
        return r;
    uint32_t v = 0;
    size_t len = sizeof(v);
    r = rsysctl(mib, 2, old ? &v : NULL, old ? &len : NULL, new, new ? sizeof(*new) : 0);
    if (r == 0 && old)
        *old = v;
    return r;
}

int rump_bufcache_get(struct rump_bufcache *bc)
{
    int r = vm_ulong("bufmem", &bc->bytes, NULL);
    if (r == 0)
        r = vm_ulong("bufmem_lowater", &bc->lowater, NULL);
    if (r == 0)
        r = vm_ulong("bufmem_hiwater", &bc->hiwater, NULL);
    return r;
}

/* Sets both marks in an order NetBSD accepts (each write must keep
 * hiwater - lowater >= 16); setting hiwater drains down to it. */
static int bufcache_set(uint32_t lo, uint32_t hi)
{
    struct rump_bufcache now;
    int r = rump_bufcache_get(&now);
    if (r < 0)
        return r;
    if (hi >= now.hiwater) {
        r = vm_ulong("bufmem_hiwater", NULL, &hi);
        return r < 0 ? r : vm_ulong("bufmem_lowater", NULL, &lo);
    }
    r = vm_ulong("bufmem_lowater", NULL, &lo);
    return r < 0 ? r : vm_ulong("bufmem_hiwater", NULL, &hi);
}

/* NetBSD's own pool draining, from its rump pagedaemon (uvm_pageout): each
 * pool_drain() call reclaims the next pool holding pages, its pool cache's
 * constructed objects first (for the VM's "page$" pool: the free pages). */
void rump_schedule(void);
void rump_unschedule(void);
int rumpns_pool_drain(void **ppp);

static int drain_pools(int rounds)
{
    rump_schedule();
    for (int i = 0; i < rounds; i++) {
        void *pp;
        rumpns_pool_drain(&pp);
    }
    rump_unschedule();
    return 0;
}

/* One drop at a time: a second one would read the first one's marks of
 * 16 bytes as "before" and put those back for good. */
static kmutex_t drop_lock = KMUTEX_INIT(drop_lock, "rump-drop");

static int drop_locked(struct rump_drop *d);

int rump_drop_caches(struct rump_drop *d)
{
    kmutex_lock(&drop_lock);
    int r = drop_locked(d);
    kmutex_unlock(&drop_lock);
    return r;
}

static int drop_locked(struct rump_drop *d)
{
    memset(d, 0, sizeof(*d));
    struct rump_bufcache before, after;
    struct rump_mem_summary s0;
    int r = rump_bufcache_get(&before);
    int npools = r < 0 ? r : rump_pool_list(NULL, 0, &s0);
    if (npools < 0)
        return npools;
    /* Low water 0, high water 16 bytes: NetBSD frees every buffer on its
     * free lists (buf_drain; buffers in use stay), then the old marks. */
    r = bufcache_set(0, 16);
    int r2 = bufcache_set(before.lowater, before.hiwater);
    if (r == 0)
        r = r2;
    if (r < 0)
        return r;
    /* Every pool at least once (idle ones are skipped by NetBSD). */
    int rb;
    RUMP_GUARDED(rb, -EIO, rump__bind());
    if (rb < 0)
        return rb;
    RUMP_GUARDED(r, -EIO, drain_pools(npools + 1));
    if (r < 0)
        return r;
    struct rump_mem_summary s1;
    r = rump_bufcache_get(&after);
    if (r == 0)
        r = rump_pool_list(NULL, 0, &s1);
    if (r < 0)
        return r;
    d->bufcache_freed = before.bytes > after.bytes ? before.bytes - after.bytes : 0;
    d->bufcache_left = after.bytes;
    d->vm_pages_freed = s0.vm_page_bytes > s1.vm_page_bytes ? s0.vm_page_bytes - s1.vm_page_bytes : 0;
    d->before = s0.total;
    d->after = s1.total;
    return 0;
}


int rump_pool_list(struct rump_pool_info *out, int max, struct rump_mem_summary *sum)
{
    static int pool_num; /* kern.pool: fixed once created */
    int mib[2] = { NB_CTL_KERN, pool_num };
    int r = pool_num ? 0 : sysctl_child(NB_CTL_KERN, "pool", &mib[1]);
    if (r < 0)
        return r;
    pool_num = mib[1];
    struct nb_pool_sysctl *ps = NULL;
    size_t len = 0;
    for (int tries = 0; tries < 4; tries++) {
        size_t need = 0;
        r = rsysctl(mib, 2, NULL, &need, NULL, 0);
        if (r < 0)
            return r;
        len = need + 8 * sizeof(*ps); /* pools created meanwhile */
        ps = kmalloc(len);
        if (!ps)
            return -ENOMEM;
        r = rsysctl(mib, 2, ps, &len, NULL, 0);
        if (r == 0)
            break;
        kfree(ps);
        ps = NULL;
        if (r != -ENOMEM)
            return r;
    }
    if (!ps)
        return -ENOMEM;
    int n = (int)(len / sizeof(*ps));
    if (sum) {
        memset(sum, 0, sizeof(*sum));
        sum->total = rump_mem_in_use();
        sum->pools = n;
    }
    for (int i = 0; i < n; i++) {
        const struct nb_pool_sysctl *p = &ps[i];
        uint64_t bytes = p->pr_npages * p->pr_pagesize;
        if (sum) {
            sum->pool_bytes += bytes;
            if (strncmp(p->pr_wchan, RUMP_VMPAGE_POOL, sizeof(p->pr_wchan)) == 0)
                sum->vm_pages = p->pr_nout;
        }
        if (i < max) {
            struct rump_pool_info *o = &out[i];
            memset(o, 0, sizeof(*o));
            memcpy(o->name, p->pr_wchan, sizeof(o->name) - 1);
            o->size = p->pr_size;
            o->in_use = p->pr_nout;
            o->pages = p->pr_npages;
            o->bytes = bytes;
            o->gets = p->pr_nget;
            o->puts = p->pr_nput;
            o->fails = p->pr_nfail;
            o->cached_groups = p->pr_cache_nfull + p->pr_cache_npartial;
        }
    }
    kfree(ps);
    if (sum) {
        sum->vm_page_bytes = sum->vm_pages * PAGE_SIZE;
        uint64_t counted = sum->pool_bytes + sum->vm_page_bytes;
        sum->other_bytes = sum->total > counted ? sum->total - counted : 0;
    }
    return n;
}
#else
int rump_pool_list(struct rump_pool_info *out, int max, struct rump_mem_summary *sum)
{
    (void)out;
    (void)max;
    (void)sum;
    return -ENODEV;
}
int rump_bufcache_get(struct rump_bufcache *bc)
{
    (void)bc;
    return -ENODEV;
}
int rump_drop_caches(struct rump_drop *d)
{
    memset(d, 0, sizeof(*d));
    return -ENODEV;
}
#endif
