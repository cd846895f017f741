/* Conformance suite `rumpuser`: the hypercall layer (src/rump/) against
 * rumpuser(3) version 17, driven by a stand-in rump kernel
 * (rumpuser_fk.c) that tracks which thread holds which virtual CPU and
 * flags every broken rule.  Cases: this file (init, memory, parameters,
 * threads, curlwp, randomness, the rest), rumpuser_sync.c (mutexes,
 * rwlocks, condition variables, the 16-thread stress), rumpuser_io.c
 * (clocks, files and block I/O, PCI).
 *
 * Deliberate breakages tried, and the checks that caught them (each was
 * put into src/rump/, the suite run, the failure seen, the code restored):
 *  - rumpuser_init storing only the 13 upcalls, not the 8 spare slots:
 *    init_version_and_upcalls ("hyp__extra" compare).
 *  - rumpuser_malloc ignoring alignments above 16 (plain kmalloc):
 *    malloc_alignments.
 *  - getparam copying without checking the buffer size: getparam_edges
 *    (canary overwritten / ERANGE expected).
 *  - rumpuser_curlwp returning one global instead of the thread's: the
 *    stand-in found foreign lwps at once (panic in malloc_alignments).
 *  - thread_create with AdrOS's default 16 KiB stack: thread_create_join
 *    (the 40 KiB frame hit the guard page: panic, boot failed).
 *  - thread_join without RUMPUSER_BLOCKING: thread_create_join (child
 *    starved for the only CPU: CONTRACT VIOLATION).
 *  See rumpuser_sync.c and rumpuser_io.c for theirs. */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>

#include "rumpuser_fk.h"

/* ---- init ---- */

static void init_version_and_upcalls(struct ktest *t)
{
    FK_START(t, 1);
    KT_EXPECT_NE(t, rumpuser_init(16, &fk_hyp), 0);
    KT_EXPECT_NE(t, rumpuser_init(18, &fk_hyp), 0);
    KT_EXPECT_NE(t, rumpuser_init(RUMPUSER_VERSION, NULL), 0);
    struct rumpuser_hyperup h = fk_hyp;
    for (int i = 0; i < 8; i++)
        h.hyp__extra[i] = (void *)(uintptr_t)(0xabc00 + i);
    KT_ASSERT_EQ(t, rumpuser_init(RUMPUSER_VERSION, &h), 0);
    const struct rumpuser_hyperup *got = rumpuser_adros_hyperup();
    KT_ASSERT_NOT_NULL(t, got);
    KT_EXPECT_TRUE(t, memcmp(got, &h, offsetof(struct rumpuser_hyperup, hyp__extra)) == 0);
    for (int i = 0; i < 8; i++)
        KT_EXPECT_EQ(t, (uintptr_t)got->hyp__extra[i], 0xabc00 + i);
    KT_EXPECT_EQ(t, sizeof(struct rumpuser_hyperup), 21 * sizeof(void *));
    KT_EXPECT_EQ(t, rumpuser_init(RUMPUSER_VERSION, &fk_hyp), 0);
    KT_EXPECT_EQ(t, RUMPUSER_PANIC, -1);
    KT_EXPECT_EQ(t, rumpuser_adros_exit_value(), -2);
}

/* ---- memory ---- */

static void malloc_alignments(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    size_t before = rumpuser_adros_mem_in_use();
    static const int aligns[] = { 0, 1, 2, 4, 8, 16, 32, 64, 128, 512, 1024, 4096, 8192, 16384, 65536, 1 << 20 };
    static const size_t lens[] = { 1, 100, 4096, 5000 };
    for (size_t a = 0; a < ARRAY_SIZE(aligns); a++) {
        for (size_t k = 0; k < ARRAY_SIZE(lens); k++) {
            void *p = NULL;
            int r = rumpuser_malloc(lens[k], aligns[a], &p);
            KT_EXPECT_EQ(t, r, 0);
            if (r || !p)
                continue;
            if (aligns[a] > 1 && ((uintptr_t)p & (uintptr_t)(aligns[a] - 1)) != 0)
                ktest_fail(t, __FILE__, __LINE__, "malloc(%zu, %d) = %p: misaligned", lens[k], aligns[a], p);
            memset(p, 0x5a, lens[k]);
            rumpuser_free(p, lens[k]);
        }
    }
    void *p = (void *)1;
    KT_EXPECT_EQ(t, rumpuser_malloc(100, 48, &p), EINVAL);
    KT_EXPECT_EQ(t, rumpuser_malloc(100, -4, &p), EINVAL);
    p = (void *)1;
    KT_EXPECT_EQ(t, rumpuser_malloc(200u * 1024 * 1024, 0, &p), ENOMEM); /* never a panic */
    KT_EXPECT_NULL(t, p);
    void *m = NULL;
    KT_ASSERT_EQ(t, rumpuser_anonmmap(NULL, 3 * 4096, 16, 0, &m), 0);
    KT_EXPECT_EQ(t, (uintptr_t)m & 0xffff, 0);
    const uint8_t *b = m;
    int nonzero = 0;
    for (size_t i = 0; i < 3 * 4096; i++)
        nonzero += b[i] != 0;
    KT_EXPECT_EQ(t, nonzero, 0);
    rumpuser_unmap(m, 3 * 4096);
    KT_EXPECT_EQ(t, rumpuser_adros_mem_in_use(), before);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* Needs the boot option rump.RUMP_MEMLIMIT (tools/test/plan_rump.py sets 8m). */
static void malloc_memlimit(struct ktest *t)
{
    /* The limit itself is the rump kernel's (it asks getparam); the host
     * refuses only above its safety ceiling, 2 x limit + 16 MiB. */
    size_t limit = rumpuser_adros_mem_ceiling();
    if (!limit)
        KT_SKIP(t, "booted without rump.RUMP_MEMLIMIT");
    KT_EXPECT_EQ(t, limit, 2 * rumpuser_adros_mem_limit() + 16 * 1024 * 1024);
    FK_START(t, 1);
    fk_bind();
    enum { CHUNK = 512 * 1024, MAXN = 128 };
    static void *chunks[MAXN];
    int n = 0, r = 0;
    while (n < MAXN && (r = rumpuser_malloc(CHUNK, 0, &chunks[n])) == 0)
        n++;
    KT_EXPECT_EQ(t, r, ENOMEM);
    KT_EXPECT_LE(t, rumpuser_adros_mem_in_use(), limit);
    KT_EXPECT_GT(t, rumpuser_adros_mem_in_use() + CHUNK, limit); /* it was the limit that stopped us */
    for (int i = 0; i < n; i++)
        rumpuser_free(chunks[i], CHUNK);
    void *p = NULL;
    KT_EXPECT_EQ(t, rumpuser_malloc(CHUNK, 0, &p), 0);
    rumpuser_free(p, CHUNK);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* Refusals in a row are slowed (rumpuser_mem.c: NetBSD retries a refused
 * allocation at once, and its retry loop starved lower-priority threads):
 * each refusal within 10 ms of the previous one sleeps 1 ms first; the
 * first one after a quiet spell answers at once.  Counted, so no timing
 * is asserted beyond the sleeps' own lower bound. */
static void malloc_refusals_slowed(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    enum { N = 20 };
    const size_t huge = 200u * 1024 * 1024; /* more than the machine has */
    void *p;
    process_sleep(20 * NSEC_PER_MSEC); /* a quiet spell */
    uint32_t before = rumpuser_adros_mem_refusals_slowed();
    uint64_t t0 = clock_gettime_ns();
    for (int i = 0; i < N; i++)
        KT_EXPECT_EQ(t, rumpuser_malloc(huge, 0, &p), ENOMEM);
    uint64_t took = clock_gettime_ns() - t0;
    KT_EXPECT_EQ(t, rumpuser_adros_mem_refusals_slowed() - before, (uint32_t)(N - 1));
    KT_EXPECT_GE(t, took, (uint64_t)(N - 1) * NSEC_PER_MSEC);
    process_sleep(20 * NSEC_PER_MSEC);
    before = rumpuser_adros_mem_refusals_slowed();
    KT_EXPECT_EQ(t, rumpuser_malloc(huge, 0, &p), ENOMEM);
    KT_EXPECT_EQ(t, rumpuser_adros_mem_refusals_slowed(), before); /* after a quiet spell: at once */
    /* Holding a NetBSD spin mutex: never slowed (an interrupt thread may
     * be spinning on it). */
    struct rumpuser_mtx *spin;
    rumpuser_mutex_init(&spin, RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX);
    rumpuser_mutex_enter(spin);
    for (int i = 0; i < 3; i++)
        KT_EXPECT_EQ(t, rumpuser_malloc(huge, 0, &p), ENOMEM);
    KT_EXPECT_EQ(t, rumpuser_adros_mem_refusals_slowed(), before);
    rumpuser_mutex_exit(spin);
    rumpuser_mutex_destroy(spin);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- parameters ---- */

static void expect_param(struct ktest *t, const char *name, const char *def)
{
    char key[64];
    ksnprintf(key, sizeof(key), "rump.%s", name);
    const char *want = cmdline_get(key) ? cmdline_get(key) : def;
    char buf[64];
    int r = rumpuser_getparam(name, buf, sizeof(buf));
    if (!want) {
        KT_EXPECT_EQ(t, r, ENOENT);
        return;
    }
    KT_EXPECT_EQ(t, r, 0);
    if (r == 0)
        KT_EXPECT_STREQ(t, buf, want);
}

/* Numeric parameters the rump kernel would panic on are checked first: a
 * malformed value answers ENOENT (the rump kernel's default), a good one
 * passes.  The boot sets rump.RUMP_NCPU=0 rump.RUMP_BLKSECTSHIFT=abc
 * rump.RUMP_MEMLIMIT=8m (tools/test/plan_rump.py). */
static void getparam_checked(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    char buf[32];
    KT_EXPECT_STREQ(t, cmdline_get("rump.RUMP_NCPU"), "0"); /* the boot set them */
    KT_EXPECT_EQ(t, rumpuser_getparam("RUMP_NCPU", buf, sizeof(buf)), ENOENT);
    KT_EXPECT_EQ(t, rumpuser_getparam("RUMP_BLKSECTSHIFT", buf, sizeof(buf)), ENOENT);
    KT_EXPECT_EQ(t, rumpuser_getparam("RUMP_MEMLIMIT", buf, sizeof(buf)), 0);
    KT_EXPECT_STREQ(t, buf, "8m");
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

static void getparam_edges(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    expect_param(t, RUMPUSER_PARAM_NCPU, "2");
    expect_param(t, RUMPUSER_PARAM_HOSTNAME, "adros");
    expect_param(t, "RUMP_NVNODES", NULL);
    expect_param(t, "RUMP_VERBOSE", NULL);
    expect_param(t, "RUMP_THREADS", NULL);
    char buf[40];
    KT_EXPECT_EQ(t, rumpuser_getparam("RUMP_NO_SUCH_PARAMETER", buf, sizeof(buf)), ENOENT);
    KT_EXPECT_EQ(t, rumpuser_getparam("A_NAME_FAR_TOO_LONG_FOR_ANY_COMMAND_LINE_KEY_AT_ALL_XXXXXXXXXX", buf,
                                      sizeof(buf)),
                 ENOENT);
    /* A buffer one byte too small: an error, and nothing past it written. */
    char want[64];
    KT_ASSERT_EQ(t, rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, want, sizeof(want)), 0);
    size_t n = strlen(want);
    memset(buf, 'Z', sizeof(buf));
    KT_EXPECT_EQ(t, rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, buf, n), ERANGE);
    KT_EXPECT_EQ(t, buf[n], 'Z');
    KT_EXPECT_EQ(t, buf[n + 1], 'Z');
    KT_EXPECT_EQ(t, rumpuser_getparam(RUMPUSER_PARAM_HOSTNAME, buf, n + 1), 0);
    KT_EXPECT_EQ(t, buf[n], '\0');
    KT_EXPECT_EQ(t, buf[n + 1], 'Z');
    KT_EXPECT_EQ(t, rumpuser_getparam(RUMPUSER_PARAM_NCPU, buf, 0), ERANGE);
    KT_EXPECT_EQ(t, rumpuser_getparam(NULL, buf, sizeof(buf)), EINVAL);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- threads ---- */

struct child {
    char name[THREAD_NAME_MAX];
    int prio;
    bool reserve; /* may take the memory reserve */
    struct lwp *lwp_at_start;
    int errno_seen;
    volatile int done;
    uint32_t stack_sum;
    ksem_t sem;
};

static void *child_main(void *arg)
{
    struct child *c = arg;
    strlcpy(c->name, thread_name(thread_current()), sizeof(c->name));
    c->prio = thread_current()->prio;
    c->reserve = mm_may_use_reserve();
    c->lwp_at_start = rumpuser_curlwp();
    process_sleep(20 * NSEC_PER_MSEC); /* the parent is joining by now */
    fk_bind();                         /* needs the (only) CPU: join must have let it go */
    /* NetBSD kernel code wants deep stacks: use 40 KiB of this one. */
    volatile uint8_t big[40 * 1024];
    for (size_t i = 0; i < sizeof(big); i += 512)
        big[i] = (uint8_t)(i / 512 + 1);
    for (size_t i = 0; i < sizeof(big); i += 512)
        c->stack_sum += big[i];
    rumpuser_seterrno(11);
    c->errno_seen = rumpuser_adros_errno();
    c->done = 1;
    fk_unbind();
    ksem_up(&c->sem);
    rumpuser_thread_exit();
}

static void thread_create_join(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    rumpuser_seterrno(22);
    static struct child c1, c2, c3, c4, c5;
    memset(&c1, 0, sizeof(c1));
    memset(&c2, 0, sizeof(c2));
    memset(&c3, 0, sizeof(c3));
    memset(&c4, 0, sizeof(c4));
    memset(&c5, 0, sizeof(c5));
    ksem_init(&c1.sem, 0);
    ksem_init(&c2.sem, 0);
    ksem_init(&c3.sem, 0);
    ksem_init(&c4.sem, 0);
    ksem_init(&c5.sem, 0);
    void *k1 = NULL, *k2 = NULL, *k3 = NULL, *k5 = NULL;
    KT_ASSERT_EQ(t, rumpuser_thread_create(child_main, &c1, "rt-high", 1, 220, 0, &k1), 0);
    /* NetBSD's pagedaemon, as rumpkern/vm.c names it */
    KT_ASSERT_EQ(t, rumpuser_thread_create(child_main, &c2, "pdaemon", 1, 10, -1, &k2), 0);
    KT_ASSERT_EQ(t, rumpuser_thread_create(child_main, &c3, "rt-none", 1, -1, 3, &k3), 0);
    KT_ASSERT_EQ(t, rumpuser_thread_create(child_main, &c4, "rt-detached", 0, 100, -1, NULL), 0);
    /* a soft interrupt thread, as rumpkern/intr.c names it (PRI_NONE) */
    KT_ASSERT_EQ(t, rumpuser_thread_create(child_main, &c5, "rsi0/2", 1, -1, 0, &k5), 0);
    KT_ASSERT_NOT_NULL(t, k1);
    uint64_t u0 = me->unsched;
    KT_EXPECT_EQ(t, rumpuser_thread_join(k1), 0);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k2), 0);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k3), 0);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k5), 0);
    KT_EXPECT_GE(t, me->unsched, u0 + 1); /* joining gave the CPU up */
    fk_wait_sem(&c4.sem);
    FK_EXPECT_HOLDS(t);
    KT_EXPECT_EQ(t, c1.done + c2.done + c3.done + c4.done + c5.done, 5);
    KT_EXPECT_STREQ(t, c1.name, "rt-high");
    KT_EXPECT_STREQ(t, c4.name, "rt-detached");
    KT_EXPECT_GT(t, c1.prio, c2.prio); /* NetBSD's order kept */
    KT_EXPECT_EQ(t, c3.prio, PRIO_NORMAL);
    KT_EXPECT_GE(t, c5.prio, c1.prio); /* softints at NetBSD's top rank */
    KT_EXPECT_GT(t, c5.prio, PRIO_NORMAL);
    KT_EXPECT_TRUE(t, c2.reserve); /* the pagedaemon may take the memory reserve */
    KT_EXPECT_FALSE(t, c1.reserve);
    KT_EXPECT_NULL(t, c1.lwp_at_start); /* a new host thread has no curlwp */
    KT_EXPECT_EQ(t, c1.errno_seen, 11);
    KT_EXPECT_EQ(t, rumpuser_adros_errno(), 22); /* errno is per thread */
    KT_EXPECT_NE(t, c1.stack_sum, 0);
    KT_EXPECT_EQ(t, rumpuser_thread_join(NULL), EINVAL);
    KT_EXPECT_EQ(t, rumpuser_thread_create(NULL, NULL, "x", 0, 0, 0, NULL), EINVAL);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- curlwp ---- */

struct lwpctx {
    struct lwp *seen_before, *seen_set, *seen_after, *l;
    ksem_t set, check, done;
};

static void *curlwp_child(void *arg)
{
    struct lwpctx *c = arg;
    c->seen_before = rumpuser_curlwp();
    rumpuser_curlwpop(RUMPUSER_LWP_CREATE, c->l);
    rumpuser_curlwpop(RUMPUSER_LWP_SET, c->l);
    c->seen_set = rumpuser_curlwp();
    ksem_up(&c->set);
    ksem_down(&c->check);
    c->seen_after = rumpuser_curlwp();
    rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, c->l);
    rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, c->l);
    ksem_up(&c->done);
    rumpuser_thread_exit();
}

static void curlwp_rules(struct ktest *t)
{
    FK_START(t, 2);
    struct lwp *me = fk_bind();
    KT_EXPECT_TRUE(t, rumpuser_curlwp() == me);
    /* CREATE and DESTROY are informational. */
    static struct lwp other;
    rumpuser_curlwpop(RUMPUSER_LWP_CREATE, &other);
    KT_EXPECT_TRUE(t, rumpuser_curlwp() == me);
    rumpuser_curlwpop(RUMPUSER_LWP_DESTROY, &other);
    KT_EXPECT_TRUE(t, rumpuser_curlwp() == me);
    /* Per thread: another thread's SET does not show here. */
    static struct lwpctx c;
    static struct lwp cl;
    memset(&c, 0, sizeof(c));
    c.l = &cl;
    ksem_init(&c.set, 0);
    ksem_init(&c.check, 0);
    ksem_init(&c.done, 0);
    void *k = fk_spawn(t, curlwp_child, &c, "rt-curlwp");
    KT_ASSERT_NOT_NULL(t, k);
    fk_wait_sem(&c.set);
    KT_EXPECT_TRUE(t, rumpuser_curlwp() == me);
    ksem_up(&c.check);
    fk_wait_sem(&c.done);
    KT_EXPECT_NULL(t, c.seen_before);
    KT_EXPECT_TRUE(t, c.seen_set == &cl);
    KT_EXPECT_TRUE(t, c.seen_after == &cl);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
    /* CLEAR then SET another on this thread. */
    fk_unschedule();
    rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, me);
    KT_EXPECT_NULL(t, rumpuser_curlwp());
    static struct lwp l2;
    rumpuser_curlwpop(RUMPUSER_LWP_SET, &l2);
    KT_EXPECT_TRUE(t, rumpuser_curlwp() == &l2);
    rumpuser_curlwpop(RUMPUSER_LWP_CLEAR, &l2);
    rumpuser_curlwpop(RUMPUSER_LWP_SET, me);
    fk_schedule();
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_NULL(t, rumpuser_curlwp());
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- randomness, console, termination, the rest ---- */

static int modinit_calls;
static void fake_modinit(const struct modinfo *const *mi, size_t n) { modinit_calls++; }
static int fake_symload(void *a, uint64_t b, char *c, uint64_t d) { modinit_calls++; return 0; }
static void fake_compload(const struct rump_component *c) { modinit_calls++; }

struct exitctx {
    struct lwp *l;
    ksem_t started;
};

static void *exit_child(void *arg)
{
    struct exitctx *c = arg;
    c->l = fk_bind();
    ksem_up(&c->started);
    rumpuser_exit(0); /* ends this thread, AdrOS goes on */
}

static void misc_calls(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    uint8_t a[64], b[64];
    size_t n = 0;
    KT_EXPECT_EQ(t, rumpuser_getrandom(a, sizeof(a), 0, &n), 0);
    KT_EXPECT_EQ(t, n, sizeof(a));
    KT_EXPECT_EQ(t, rumpuser_getrandom(b, sizeof(b), RUMPUSER_RANDOM_HARD, &n), 0);
    KT_EXPECT_EQ(t, n, sizeof(b));
    KT_EXPECT_TRUE(t, memcmp(a, b, sizeof(a)) != 0);
    int r = rumpuser_getrandom(b, sizeof(b), RUMPUSER_RANDOM_HARD | RUMPUSER_RANDOM_NOWAIT, &n);
    KT_EXPECT_TRUE(t, r == 0 || r == EAGAIN);
    KT_EXPECT_EQ(t, rumpuser_getrandom(b, sizeof(b), 0x40, &n), EINVAL);
    KT_EXPECT_EQ(t, rumpuser_kill(RUMPUSER_PID_SELF, 9), 0);
    modinit_calls = 0;
    rumpuser_dl_bootstrap(fake_modinit, fake_symload, fake_compload);
    KT_EXPECT_EQ(t, modinit_calls, 0); /* static image: nothing to hand over */
    KT_EXPECT_EQ(t, rumpuser_daemonize_begin(), 0);
    KT_EXPECT_EQ(t, rumpuser_daemonize_done(0), 0);
    rumpuser_putchar('#');
    rumpuser_putchar('\n');
    rumpuser_dprintf("        # rumpuser_dprintf %d %s\n", 17, "ok");
    /* exit with a value: the calling thread ends, giving up its CPU. */
    static struct exitctx ec;
    ksem_init(&ec.started, 0);
    void *k = fk_spawn(t, exit_child, &ec, "rt-exit");
    KT_ASSERT_NOT_NULL(t, k);
    fk_wait_sem(&ec.started);
    KT_EXPECT_EQ(t, rumpuser_thread_join(k), 0);
    KT_EXPECT_EQ(t, rumpuser_adros_exit_value(), 0);
    KT_EXPECT_EQ(t, ec.l->cpu, -1);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
    rumpuser_init(RUMPUSER_VERSION, &fk_hyp); /* "restart": running again */
    KT_EXPECT_EQ(t, rumpuser_adros_exit_value(), -2);
}

KTEST_SUITE(rumpuser, KTEST_CASE(init_version_and_upcalls),
            KTEST_CASE(malloc_alignments), KTEST_CASE(malloc_memlimit), KTEST_CASE(malloc_refusals_slowed),
            KTEST_CASE(getparam_edges),
            KTEST_CASE(getparam_checked),
            KTEST_CASE(thread_create_join), KTEST_CASE(curlwp_rules), KTEST_CASE(misc_calls),
            KTEST_CASE(mutex_uncontended), KTEST_CASE(mutex_contended_releases), KTEST_CASE(mutex_spin_keeps_context),
            KTEST_CASE(mutex_spin_wait_hooks), KTEST_CASE(mutex_spin_ceiling),
            KTEST_CASE(rwlock_rules), KTEST_CASE(rwlock_contended_releases), KTEST_CASE(cv_reacquire_order),
            KTEST_CASE(cv_schedlock_interlock), KTEST_CASE(cv_nowrap_keeps_context), KTEST_CASE(cv_timedwait_relative),
            KTEST_CASE(cv_has_waiters), KTEST_CASE(stress_16_threads), KTEST_CASE(clock_gettime_ids),
            KTEST_CASE(clock_sleep_relwall), KTEST_CASE(clock_sleep_absmono), KTEST_CASE(files_and_info),
            KTEST_CASE(bio_blockdev), KTEST_CASE(bio_errors), KTEST_CASE(iov_and_syncfd), KTEST_CASE(bio_vfs_file),
            KTEST_CASE(pci_hypercalls), KTEST_CASE(hypercall_counts));
