/* Starting the rump kernel at boot and using it: the roadmap's
 * rump_integration.c.
 *
 * At boot (INIT_RUMP) rump_init() runs, timed, unless the kernel option
 * rump=off says not to, in a thread of its own: NetBSD's autoconfiguration
 * waits for devices (USB enumeration sleeps most of a second, AC'97
 * calibration polls a port for 400 ms; tools/qemu/qprof.py shows it), and the
 * shell need not wait with it.  Whoever needs the rump kernel waits instead:
 * rump_running() returns once the start has finished.  NetBSD's file systems
 * are then available as the VFS type "rump" (rump_mount.c).  At shutdown every rump mount is unmounted, which
 * writes everything back, before the machine powers off.  Failures are
 * reported and AdrOS goes on without the rump kernel; nothing here panics.
 *
 * Kernel options: rump=on|off; rumpmount=<dev>:<path>[:ro] mounts at boot;
 * manifest=rump:<dev> prints the storage manifest of dev read through
 * NetBSD's ext2fs; compare=<dev> compares the native driver's and NetBSD's
 * view of dev. */
#include <adros/cmdline.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/power.h>
#include <adros/rump.h>
#include <adros/sha256.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vfs.h>

#include "rump_int.h"
#include "rump_aiodone.h"
#include "rump_pager.h"
#include "rump_preempt.h"
#include "rump_unbusy.h"
#include "../rumpuser/rumpuser_adros.h"

KOPTION(rump, "rump", "rump=on|off: start the rump kernel at boot (default on when linked)");
KOPTION(rumpmount, "rumpmount", "rumpmount=<dev>:<path>[:ro]: mount a disk through the rump kernel at boot");
KOPTION(compare, "compare", "compare=<dev>: compare the native ext2 driver with NetBSD's on dev, then power off");

static bool running;
/* The boot-time start: STARTING until rump_init has returned (started_wq
 * is woken then). */
static volatile enum { RUMP_IDLE, RUMP_STARTING, RUMP_STARTED } start_state;
static struct waitq started_wq;
static uint64_t init_ns, last_mount_ns;
__thread void *rump__guard_jb;
volatile bool rump__crashed;
static struct kmalloc_stats mem_before;

bool rump_linked(void)
{
#ifdef ADROS_HAVE_RUMP
    return true;
#else
    return false;
#endif
}

#ifndef ADROS_RUMP_STAGES
#define ADROS_RUMP_STAGES ""
#endif
bool rump_running(void)
{
    if (start_state == RUMP_STARTING && !in_interrupt()) {
        /* Bounded: a rump_init that never returns must not hang callers. */
        uint64_t deadline = clock_gettime_ns() + 60 * NSEC_PER_SEC;
        irqflags_t f = irq_save();
        while (start_state == RUMP_STARTING && clock_gettime_ns() < deadline)
            waitq_wait(&started_wq, deadline, false);
        irq_restore(f);
    }
    return running;
}
const char *rump_stages(void) { return ADROS_RUMP_STAGES; }
uint64_t rump_init_ns(void) { return init_ns; }
void rump__note_mount(uint64_t ns) { last_mount_ns = ns; }

int64_t rump_heap_delta(void)
{
    if (!rump_running())
        return 0;
    struct kmalloc_stats now;
    kmalloc_get_stats(&now);
    return (int64_t)now.bytes_in_use - (int64_t)mem_before.bytes_in_use;
}

size_t rump_mem_in_use(void) { return rumpuser_adros_mem_in_use(); }

int rump_hypercall_counts(uint32_t *out, int max)
{
    uint32_t all[RUMPUSER_ADROS_NCOUNTS];
    rumpuser_adros_hypercall_counts(all);
    for (int i = 0; i < max && i < RUMPUSER_ADROS_NCOUNTS; i++)
        out[i] = all[i];
    return RUMPUSER_ADROS_NCOUNTS;
}

const char *rump_hypercall_name(int i) { return rumpuser_adros_count_name(i); }

int rump_mount(const char *dev, const char *target, bool readonly)
{
    if (!rump_running())
        return -ENXIO;
    struct vfs_stat st;
    if (vfs_stat(target, &st) == -ENOENT) {
        int r = vfs_mkdir(target, 0755);
        if (r < 0)
            return r;
    }
    return vfs_mount("rump", dev, target, readonly ? VFS_MNT_RDONLY : 0);
}

#ifdef ADROS_HAVE_RUMP
#include "rump_sys.h"

/* ---- etfs registrations ---- */

#define NETFS 8
static struct {
    char key[32];
    int users;
} etfs[NETFS];
/* Called only by rump_mount.c's mount and unmount, which run one at a time
 * (under its rmount_lock): no lock of its own, so none is ever left held
 * by a rump kernel panic. */
int rump__etfs_get(const char *key, const char *dev)
{
    int free_slot = -1, r = 0;
    for (int i = 0; i < NETFS; i++) {
        if (etfs[i].users && strcmp(etfs[i].key, key) == 0) {
            etfs[i].users++;
            return 0;
        }
        if (!etfs[i].users && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0) {
        r = -ENOSPC;
    } else {
        int e = rump_pub_etfs_register(key, dev, NB_RUMP_ETFS_BLK);
        if (e != 0 && e != EEXIST) {
            r = -e;
            klog(LOG_ERR, "rump: registering %s as %s failed: %s\n", dev, key, strerror(r));
        } else {
            strlcpy(etfs[free_slot].key, key, sizeof(etfs[free_slot].key));
            etfs[free_slot].users = 1;
        }
    }
    return r;
}

void rump__etfs_put(const char *key)
{
    for (int i = 0; i < NETFS; i++) {
        if (etfs[i].users && strcmp(etfs[i].key, key) == 0) {
            if (--etfs[i].users == 0)
                rump_pub_etfs_remove(key);
            break;
        }
    }
}

/* Every rump mount written to its disk and waited for (rump_mount.c):
 * NetBSD's sync(2) only starts the writes. */
int rump_sync(void)
{
    if (!running)
        return -ENXIO;
    return rump__sync_mounts();
}

/* ---- binding AdrOS threads to lwps ---- */

static __thread bool bound;

int rump__bind(void)
{
    if (bound || !running || thread_current()->rump_lwp)
        return 0;
    /* A new lwp in the rump kernel's process 1 (initproc): the process the
     * rump kernel gives the temporary lwps of unbound callers, so every
     * descriptor the VFS bridge keeps lives in one table. */
    int e = rump_pub_lwproc_newlwp(1);
    if (e != 0) {
        klog(LOG_ERR, "rump: cannot bind thread %s to an lwp: %s\n", thread_name(thread_current()),
             strerror(-e));
        return -e;
    }
    bound = true;
    return 0;
}

static void rump_thread_exit(void)
{
    if (!bound)
        return;
    bound = false;
    int r;
    RUMP_GUARDED(r, 0, (rump_pub_lwproc_releaselwp(), 0));
    (void)r;
}
static struct thread_exit_hook rump_exit_hook = { rump_thread_exit, NULL };

/* The rump kernel panicked (its report is printed): stop it, and let AdrOS
 * go on.  A guarded caller gets its call back as a failure; a thread of the
 * rump kernel itself has nowhere to go and is parked for good. */
static void rump_panicked(void)
{
    rump__crashed = true;
    running = false;
    kprintf(KERN_ERR "rump: the rump kernel panicked and is stopped; AdrOS goes on without it "
                     "(its file systems are gone until reboot)\n");
    void *jb = rump__guard_jb;
    if (jb) {
        rump__guard_jb = NULL;
        __builtin_longjmp(jb, 1);
    }
    for (;;)
        process_sleep(3600 * NSEC_PER_SEC);
}

/* At poweroff: unmount every rump file system (NetBSD writes everything
 * back as it unmounts), innermost first. */
static void rump_shutdown(void)
{
    if (!rump_running() && !rump__crashed)
        return;
    if (rump__crashed) {
        kprintf(KERN_ERR "rump: the rump kernel crashed earlier; its file systems were not written back\n");
        return;
    }
    struct vfs_mountinfo mi[16];
    int n = vfs_mount_list(mi, 16);
    for (int i = MIN(n, 16) - 1; i >= 0; i--) {
        if (strcmp(mi[i].fstype, "rump") != 0)
            continue;
        int r = vfs_umount(mi[i].target);
        if (r < 0)
            kprintf(KERN_ERR "rump: could not unmount %s at shutdown (%s); syncing instead\n", mi[i].target,
                    strerror(r));
    }
    rump_sync();
}
static struct shutdown_hook rump_hook = { "rump", rump_shutdown, NULL };

static struct rump_start_hook *start_hooks;
void rump_start_hook_add(struct rump_start_hook *h)
{
    struct rump_start_hook **pp = &start_hooks; /* in the order added */
    while (*pp)
        pp = &(*pp)->next;
    h->next = NULL;
    *pp = h;
}

/* The thread that starts the rump kernel.  It stays parked afterwards:
 * rump_init leaves the rump kernel's first lwp bound to it. */
static void *rump_start_thread(void *arg)
{
    uint64_t t0 = clock_gettime_ns();
    int e;
    RUMP_GUARDED(e, EIO, rump_init());
    init_ns = clock_gettime_ns() - t0;
    if (e != 0) {
        kprintf(KERN_ERR "rump: rump_init failed: %s; continuing without the rump kernel\n", strerror(-e));
    } else {
        running = true;
        kprintf("rump: NetBSD rump kernel started, rump_init took %llu.%03llu ms\n",
                (unsigned long long)(init_ns / NSEC_PER_MSEC), (unsigned long long)(init_ns / 1000 % 1000));
        for (struct rump_start_hook *h = start_hooks; h && !rump__crashed; h = h->next)
            h->fn();
    }
    irqflags_t f = irq_save();
    start_state = RUMP_STARTED;
    waitq_wake_all(&started_wq);
    irq_restore(f);
    for (;;)
        process_sleep(3600 * NSEC_PER_SEC);
    return NULL;
}

static int rump_boot(void)
{
    kprintf("rump: NetBSD components linked for: %s\n", rump_stages()[0] ? rump_stages() : "(no stage)");
    if (!cmdline_get_bool("rump", true)) {
        kprintf("rump: linked, not started (rump=off)\n");
        return 0;
    }
    kmalloc_get_stats(&mem_before);
    rumpuser_adros_set_panic_handler(rump_panicked);
    rump__bus_space_init();
    waitq_init(&started_wq);
    /* Registered now: users wait in rump_running() until the start ends. */
    thread_exit_hook_add(&rump_exit_hook);
    vfs_register_fs(&rump_vfsops);
    shutdown_hook_add(&rump_hook);
    start_state = RUMP_STARTING;
    struct thread_attr a = { .name = "rump-init", .prio = PRIO_NORMAL, .stack_size = 64 * 1024 };
    struct thread *t;
    if (thread_create(&a, rump_start_thread, NULL, &t) < 0) {
        start_state = RUMP_STARTED;
        kprintf(KERN_ERR "rump: cannot start the rump kernel's thread; continuing without it\n");
        return -ENOMEM;
    }
    return 0;
}
#else
int rump_sync(void) { return -ENXIO; }
void rump_set_sync_whole_fs(bool on) { (void)on; }

static int rump_boot(void)
{
    kprintf("rump: no NetBSD rump components linked (see README: Using NetBSD rump kernel components)\n");
    return 0;
}
#endif

INITCALL(INIT_RUMP, rump_boot);

void rump_print_status(void)
{
    if (!rump_linked()) {
        kprintf("rump kernel: not linked (this kernel was built without NetBSD's components: see README, \"The first run builds NetBSD's components\")\n");
        return;
    }
    kprintf("rump kernel: %s\n", rump_running() ? "running" : rump__crashed ? "crashed (panicked), stopped" : "linked, not running");
    kprintf("  stages linked: %s\n", rump_stages()[0] ? rump_stages() : "(none)");
    if (!running)
        return;
    char ncpu[16];
    if (rumpuser_getparam(RUMPUSER_PARAM_NCPU, ncpu, sizeof(ncpu)) != 0)
        strlcpy(ncpu, "?", sizeof(ncpu));
    kprintf("  virtual CPUs: %s\n", ncpu);
    uint64_t slept, spun, waits;
    rump__delay_stats(&slept, &spun, &waits);
    kprintf("  NetBSD's DELAY: %llu ms slept without a CPU, %llu ms spun; %llu spin mutex waits without a CPU\n",
            (unsigned long long)(slept / 1000000), (unsigned long long)(spun / 1000000), (unsigned long long)waits);
#ifdef ADROS_HAVE_RUMP
    if (rump_unbusy_null_first())
        kprintf("  NetBSD's uvm_page_unbusy: %lu calls with a leading NULL page (its DIAGNOSTIC assertion "
                "would have faulted: src/rump/rump_uvm_unbusy.c)\n", rump_unbusy_null_first());
    unsigned long kw, kp;
    rump_aiodone_kept(&kw, &kp);
    if (kw || rump_aiodone_injected())
        kprintf("  NetBSD's page writes: %lu failed for memory (ENOMEM), their %lu pages kept dirty to be written "
                "again (src/rump/rump_uvm_aiodone.c); %lu failures injected (rump.pdaemon_enomem)\n", kw, kp,
                rump_aiodone_injected());
    struct rump_pager_stats ps;
    struct vmm_window_stats ws;
    rump_pager_get_stats(&ps);
    vmm_window_get_stats(&ws);
    kprintf("  NetBSD's pager: %lu I/Os on mapped pages, %lu copied (no window free), %lu read-ahead pages "
            "made valid; windows %u of %u pages in use, at most %u, %llu TLB flushes (src/rump/rump_pager.c)\n",
            ps.mapped, ps.copied, ps.readahead_valid, ws.pages_in_use, ws.pages, ws.peak_pages_in_use,
            (unsigned long long)ws.tlb_flushes);
    kprintf("  the big lock given up in uiomove for a waiting thread: %lu times (src/rump/rump_preempt.c)\n",
            rump_preempt_yields());
    unsigned long rctl;
    if (rump__e1000_rctl_skipped(&rctl))
        kprintf("  QEMU e1000: %lu rewrites of RCTL with the value it holds skipped, each a 1 s receive hold "
                "(src/rump/rump_bus_space.c)\n", rctl);
    unsigned long nvm;
    if (rump__e1000e_nvm_answered(&nvm))
        kprintf("  QEMU e1000e: %lu NVM reads of words beyond its 64 answered as erased, each a 0.5 s poll "
                "(src/rump/rump_bus_space.c)\n", nvm);
#endif
    kprintf("  rump_init: %llu us, last mount: %llu us\n", (unsigned long long)(init_ns / 1000),
            (unsigned long long)(last_mount_ns / 1000));
    struct kmalloc_stats now;
    kmalloc_get_stats(&now);
    kprintf("  kernel heap in use: %u KiB (%d KiB more than before rump_init)\n",
            (unsigned)(now.bytes_in_use / 1024), (int)(rump_heap_delta() / 1024));
    size_t limit = rumpuser_adros_mem_limit();
    if (limit)
        kprintf("  rump kernel memory: %zu KiB of its %zu KiB limit\n", rump_mem_in_use() / 1024, limit / 1024);
    else
        kprintf("  rump kernel memory: %zu KiB, no limit\n", rump_mem_in_use() / 1024);
    if (rumpuser_adros_mem_refusals_slowed())
        kprintf("  allocations refused in a row (the heap exhausted), each slowed by 1 ms: %u\n",
                (unsigned)rumpuser_adros_mem_refusals_slowed());
    struct rump_bufcache bc;
    if (rump_bufcache_get(&bc) == 0)
        kprintf("  NetBSD's buffer cache: %u KiB (trimmed between %u and %u KiB)\n", bc.bytes / 1024,
                bc.lowater / 1024, bc.hiwater / 1024);
    struct vfs_mountinfo mi[16];
    int n = vfs_mount_list(mi, 16);
    for (int i = 0; i < MIN(n, 16); i++)
        if (strcmp(mi[i].fstype, "rump") == 0)
            kprintf("  mount: %s on %s (%s)\n", mi[i].source, mi[i].target,
                    (mi[i].flags & VFS_MNT_RDONLY) ? "ro" : "rw");
}

/* rumpmount=<dev>:<path>[:ro], in a thread of its own: the mount waits
 * for the rump kernel (rump_init: 2.6 s with a USB stick, whose
 * enumeration NetBSD waits for), and the prompt must not. */
static char boot_mount_spec[160];

static void *boot_mount_thread(void *arg)
{
    const char *m = arg;
    char dev[32], path[128];
    const char *c1 = strchr(m, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    size_t dl = c1 ? (size_t)(c1 - m) : 0;
    size_t pl = c1 ? (c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)) : 0;
    if (!c1 || dl == 0 || dl >= sizeof(dev) || pl == 0 || pl >= sizeof(path)) {
        kprintf(KERN_ERR "rumpmount: expected <dev>:<path>[:ro], got \"%s\"\n", m);
        return NULL;
    }
    memcpy(dev, m, dl);
    dev[dl] = '\0';
    memcpy(path, c1 + 1, pl);
    path[pl] = '\0';
    bool ro = c2 && strcmp(c2 + 1, "ro") == 0;
    int r = rump_mount(dev, path, ro);
    if (r < 0)
        kprintf(KERN_ERR "rumpmount: mounting %s on %s through the rump kernel failed: %s\n", dev, path,
                strerror(r));
    else
        kprintf("rumpmount: %s mounted on %s through the rump kernel (%s)\n", dev, path, ro ? "ro" : "rw");
    return NULL;
}

/* Boot-time actions (after the rump kernel's start, INIT_RUMP, and the
 * file systems): rumpmount=<dev>:<path>[:ro] in the background,
 * compare=<dev> (a test mode that powers off: waits). */
static int rump_boot_actions(void)
{
    const char *m = cmdline_get("rumpmount");
    if (m) {
        strlcpy(boot_mount_spec, m, sizeof(boot_mount_spec));
        struct thread_attr a = { .name = "rumpmount", .prio = PRIO_NORMAL, .stack_size = 64 * 1024 };
        struct thread *t;
        if (thread_create(&a, boot_mount_thread, boot_mount_spec, &t) < 0)
            kprintf(KERN_ERR "rumpmount: cannot start its thread; not mounted\n");
    }
    const char *c = cmdline_get("compare");
    if (c) {
        int r = rump_compare(c);
        kprintf("COMPARE-RESULT %d\n", r);
        machine_poweroff(r == 0 ? POWEROFF_OK : POWEROFF_FAIL);
    }
    return 0;
}
INITCALL(INIT_LATE, rump_boot_actions);
