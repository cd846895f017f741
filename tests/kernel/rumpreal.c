/* Suite `rumpreal`: the real NetBSD rump kernel on our hypercall layer.
 * When the kernel was linked with the user's rump components
 * (mk/rump.mk defines ADROS_HAVE_RUMP for this file), rump_init() boots
 * the rump kernel, then several threads run rump system calls at once:
 * their own process (rfork), getpid, mkdir/open/write/read/close/unlink on
 * the rump root file system, and sysctl (kern.ostype, and kern.hostname,
 * which the rump kernel got through rumpuser_getparam).  Without the
 * components every case reports SKIP with the reason.
 *
 * Run it in a boot of its own (tools/test/plan_rump.py): once rump_init has
 * run, the rump kernel owns the hypercall layer and the stand-in suite
 * `rumpuser` skips itself. */
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/sched.h>
#include <adros/string.h>

#include "../../src/rumpuser/rumpuser_adros.h"

#ifdef ADROS_HAVE_RUMP
/* The rump kernel's entry points as AdrOS declares them, once. */
#include "../../src/rump/rump_sys.h"

#define RUMP_RFCFDG 0x02
#define NB_KERN_OSTYPE 1
#define NB_KERN_HOSTNAME 10

static int init_result = -1;
static bool init_done;

static int real_init_once(struct ktest *t)
{
    if (!init_done) {
        /* The boot may be starting the rump kernel in its own thread: let it
         * finish (rump_init is then a no-op returning 0). */
        (void)rump_running();
        uint64_t t0 = clock_gettime_ns();
        init_result = rump_init();
        uint64_t ms = (clock_gettime_ns() - t0) / NSEC_PER_MSEC;
        init_done = true;
        ktest_log(t, "rump_init() = %d in %llu ms", init_result, (unsigned long long)ms);
    }
    return init_result;
}

static void real_rump_init(struct ktest *t)
{
    KT_ASSERT_EQ(t, real_init_once(t), 0);
    const struct rumpuser_hyperup *h = rumpuser_adros_hyperup();
    KT_ASSERT_NOT_NULL(t, h);
    KT_EXPECT_TRUE(t, h->hyp_schedule != NULL && h->hyp_getpid != NULL);
}

#define RT_THREADS 4
#define RT_LOOPS 25

struct rtctx {
    int id;
    int32_t pid;
    int ok, bad;
    char firstbad[96];
    char hostname[64];
};

static void rt_bad(struct rtctx *c, const char *what, int r)
{
    if (!c->bad++)
        ksnprintf(c->firstbad, sizeof(c->firstbad), "%s: %d (errno %d)", what, r, rumpuser_adros_errno());
}

static void *rt_main(void *arg)
{
    struct rtctx *c = arg;
    int r = rump_pub_lwproc_rfork(RUMP_RFCFDG);
    if (r) {
        rt_bad(c, "rfork", r);
        return NULL;
    }
    c->pid = rump___sysimpl_getpid();
    for (int i = 0; i < RT_LOOPS; i++) {
        char dir[32], file[48], buf[32];
        ksnprintf(dir, sizeof(dir), "/rt%d_%d", c->id, i);
        ksnprintf(file, sizeof(file), "%s/file", dir);
        if ((r = rump___sysimpl_mkdir(dir, 0755)) != 0) {
            rt_bad(c, "mkdir", r);
            continue;
        }
        int fd = rump___sysimpl_open(file, NB_O_RDWR | NB_O_CREAT, 0644);
        if (fd < 0) {
            rt_bad(c, "open", fd);
            continue;
        }
        int n = ksnprintf(buf, sizeof(buf), "thread %d loop %d", c->id, i);
        if (rump___sysimpl_write(fd, buf, (size_t)n) != n)
            rt_bad(c, "write", -1);
        rump___sysimpl_close(fd);
        fd = rump___sysimpl_open(file, NB_O_RDWR, 0);
        char back[32] = { 0 };
        if (fd < 0 || rump___sysimpl_read(fd, back, sizeof(back) - 1) != n || memcmp(back, buf, (size_t)n) != 0)
            rt_bad(c, "read back", fd);
        if (fd >= 0)
            rump___sysimpl_close(fd);
        int mib[2] = { NB_CTL_KERN, NB_KERN_OSTYPE };
        char os[32] = { 0 };
        size_t oslen = sizeof(os);
        if ((r = rump___sysimpl___sysctl(mib, 2, os, &oslen, NULL, 0)) != 0 || strcmp(os, "NetBSD") != 0)
            rt_bad(c, "sysctl kern.ostype", r);
        if ((r = rump___sysimpl_unlink(file)) != 0)
            rt_bad(c, "unlink", r);
        if ((r = rump___sysimpl_rmdir(dir)) != 0)
            rt_bad(c, "rmdir", r);
        c->ok++;
    }
    int mib[2] = { NB_CTL_KERN, NB_KERN_HOSTNAME };
    size_t hl = sizeof(c->hostname) - 1;
    if (rump___sysimpl___sysctl(mib, 2, c->hostname, &hl, NULL, 0) != 0)
        rt_bad(c, "sysctl kern.hostname", -1);
    rump_pub_lwproc_releaselwp();
    return NULL;
}

static void real_syscalls_threads(struct ktest *t)
{
    if (real_init_once(t) != 0)
        KT_SKIP(t, "rump_init failed");
    static struct rtctx ctx[RT_THREADS];
    struct thread *th[RT_THREADS];
    uint64_t t0 = clock_gettime_ns();
    for (int i = 0; i < RT_THREADS; i++) {
        memset(&ctx[i], 0, sizeof(ctx[i]));
        ctx[i].id = i;
        struct thread_attr a = { .name = "rumpreal", .prio = PRIO_NORMAL, .stack_size = 64 * 1024,
                                 .flags = PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&a, rt_main, &ctx[i], &th[i]), 0);
    }
    for (int i = 0; i < RT_THREADS; i++)
        thread_join(th[i], NULL);
    ktest_log(t, "%d threads x %d loops of mkdir/open/write/read/sysctl/unlink: %llu ms", RT_THREADS, RT_LOOPS,
              (unsigned long long)((clock_gettime_ns() - t0) / NSEC_PER_MSEC));
    for (int i = 0; i < RT_THREADS; i++) {
        if (ctx[i].bad)
            ktest_log(t, "thread %d: %d failures, first: %s", i, ctx[i].bad, ctx[i].firstbad);
        KT_EXPECT_EQ(t, ctx[i].bad, 0);
        KT_EXPECT_EQ(t, ctx[i].ok, RT_LOOPS);
        KT_EXPECT_GT(t, ctx[i].pid, 0);
        for (int j = 0; j < i; j++)
            KT_EXPECT_NE(t, ctx[i].pid, ctx[j].pid); /* a process each */
    }
    ktest_log(t, "pids %d %d %d %d, hostname \"%s\"", ctx[0].pid, ctx[1].pid, ctx[2].pid, ctx[3].pid,
              ctx[0].hostname);
    char want[64];
    KT_ASSERT_EQ(t, rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, want, sizeof(want)), 0);
    KT_EXPECT_STREQ(t, ctx[0].hostname, want);
}

/* The rump kernel's vtophys, which NetBSD's bus_dma asks for each page of a
 * buffer it loads (and merges pages it is told are contiguous), reaches
 * AdrOS's translation through the link's --wrap (src/rump/rump_pager.c):
 * a mapping window's pages are their frames, other memory itself.  (Today
 * NetBSD's disks get AdrOS's bounce buffers, src/netbsd/disk.c; this keeps a
 * window safe in front of NetBSD's DMA too.) */
unsigned long rumpns_vtophys(uintptr_t va);
static void real_vtophys_window(struct ktest *t)
{
    KT_ASSERT_EQ(t, real_init_once(t), 0);
    paddr_t f0 = pmm_alloc_pages(0), f1 = pmm_alloc_pages(0);
    KT_ASSERT_TRUE(t, f0 && f1);
    vaddr_t w = vmm_window_alloc(2);
    KT_ASSERT_NE(t, w, 0);
    vmm_window_enter(w, f1);
    vmm_window_enter(w + PAGE_SIZE, f0);
    KT_EXPECT_EQ(t, rumpns_vtophys(w + 8), f1 + 8);
    KT_EXPECT_EQ(t, rumpns_vtophys(w + PAGE_SIZE + 100), f0 + 100);
    KT_EXPECT_EQ(t, rumpns_vtophys(f0 + 4), f0 + 4);
    vmm_window_free(w, 2);
    pmm_free_pages(f0, 0);
    pmm_free_pages(f1, 0);
}

#else

static void real_vtophys_window(struct ktest *t)
{
    KT_SKIP(t, "kernel built without NetBSD rump components");
}

static void real_rump_init(struct ktest *t)
{
    KT_SKIP(t, "kernel built without NetBSD rump components (make RUMP_DIR=<dir with lib/ and include/>)");
}

static void real_syscalls_threads(struct ktest *t)
{
    KT_SKIP(t, "kernel built without NetBSD rump components");
}

#endif

KTEST_SUITE(rumpreal, KTEST_CASE(real_rump_init), KTEST_CASE(real_syscalls_threads), KTEST_CASE(real_vtophys_window));
