/* The rump kernel as the rest of AdrOS sees it (src/rump/rump_integration.c).
 *
 * When NetBSD's rump components are linked (third_party/rump, see README),
 * the rump kernel starts at boot (kernel option rump=on|off, on by default)
 * and its file systems appear in AdrOS's VFS as the file-system type "rump":
 * vfs_mount("rump", "hda", "/rmnt", flags) mounts block device hda through
 * NetBSD's ext2fs (rump.fstype=<type> or "ext2fs:hda" picks another NetBSD
 * file system), so every VFS user — the shell's ls/cat/cp/manifest, the
 * comparison tool — works on it unchanged.  Without the components these
 * functions report that the rump kernel is not linked. */
#ifndef ADROS_RUMP_H
#define ADROS_RUMP_H

#include <adros/types.h>

bool rump_linked(void);   /* the components are in the image */
bool rump_running(void);  /* rump_init succeeded */
/* The stages whose components are linked, as a space-separated list of
 * "ext2", "net", "usb", "audio" (mk/rump.mk decides); "" when none. */
const char *rump_stages(void);
/* Time rump_init took (ns), 0 if it did not run. */
uint64_t rump_init_ns(void);
/* Kernel heap bytes in use now minus just before rump_init: what the rump
 * kernel holds (0 if it did not start). */
int64_t rump_heap_delta(void);
/* Bytes the rump kernel holds through rumpuser_malloc/anonmmap now. */
size_t rump_mem_in_use(void);
/* The hypercalls the rump kernel has made so far (src/rumpuser's counters,
 * for profiles): fills out[0..max) and returns how many counters there are;
 * rump_hypercall_name(i) names counter i ("bio", "mutex_enter", ...,
 * "bio_sectors": 512-byte units).  32 bits: differences are taken modulo 2^32. */
int rump_hypercall_counts(uint32_t *out, int max);
const char *rump_hypercall_name(int i);
/* NetBSD's pool statistics from the rump kernel (kern.pool, what NetBSD's
 * `vmstat -m` shows; src/rump/rump_memory.c). */
struct rump_pool_info {
    char name[16];
    uint64_t size;          /* item size */
    uint64_t in_use;        /* items handed out (to users or to the pool's cache) */
    uint64_t pages, bytes;  /* pool pages held and their bytes */
    uint64_t gets, puts, fails;
    uint64_t cached_groups; /* the pool cache's full and partial groups */
};
/* Where the rump kernel's memory (rump_mem_in_use) is: in pool pages, in
 * its VM's pages (one page of memory per vm_page the "page" pool handed
 * out: file data cached or free in the pool cache), the rest. */
struct rump_mem_summary {
    uint64_t total, pool_bytes, vm_pages, vm_page_bytes, other_bytes;
    int pools;
};
/* Fills out[0..max) and *sum (may be NULL); returns the number of pools or
 * a negative errno (-ENODEV when the rump kernel is not running). */
int rump_pool_list(struct rump_pool_info *out, int max, struct rump_mem_summary *sum);
/* NetBSD's buffer cache in the rump kernel (vm.bufmem*): bytes held and
 * the marks it is trimmed between. */
struct rump_bufcache {
    uint32_t bytes, lowater, hiwater;
};
int rump_bufcache_get(struct rump_bufcache *bc);
/* Frees what NetBSD caches and does not use (the buffer cache's free
 * buffers, the pools' free items and the VM's free pages), like Linux's
 * drop_caches.  0 or a negative errno; *d says what went. */
struct rump_drop {
    uint64_t bufcache_freed, bufcache_left, vm_pages_freed;
    uint64_t before, after; /* rump_mem_in_use() */
};
int rump_drop_caches(struct rump_drop *d);
/* Prints the state of the rump kernel (components, CPUs, memory, mounts). */
void rump_print_status(void);
/* Mounts blockdev through the rump kernel on target (created if missing).
 * Returns 0 or a negative errno (-ENXIO when the rump kernel is not linked
 * or not running). */
int rump_mount(const char *blockdev, const char *target, bool readonly);
/* Services built on the rump kernel (USB disks, ...) that must be set up
 * once it has started, before rump_running() returns true to anyone: fn
 * runs in the rump kernel's start thread after a successful rump_init
 * (it must not call rump_running(), which would wait for itself).  Add
 * hooks before INIT_RUMP. */
struct rump_start_hook {
    const char *name;
    void (*fn)(void);
    struct rump_start_hook *next;
};
void rump_start_hook_add(struct rump_start_hook *h);
/* The name of NetBSD's device ("ahcisata0") that drives PCI function
 * bus:dev.func in the rump kernel: 0, -ENOENT (none), -ENODEV (the rump
 * kernel's PCI bus is not linked or not running). */
int rump_pci_owner(unsigned bus, unsigned dev, unsigned func, char *name, size_t size);
/* Syncs every rump file system. */
int rump_sync(void);
/* Whether fsync and sync on a rump mount also write and wait for the whole
 * file system (NetBSD's VFS_SYNC with MNT_WAIT) and flush the disk's cache:
 * on (the default) is what makes "synced" true on FAT; off is NetBSD's own
 * fsync alone, for the benchmark that measures the difference
 * (tests/kernel/fsync_bench.c). */
void rump_set_sync_whole_fs(bool on);
/* Walks a native and a rump mount of the same disk, comparing every file:
 * prints files, bytes, mismatches and each driver's time.  Returns the
 * number of mismatches or a negative errno. */
int rump_compare(const char *blockdev);

#endif
