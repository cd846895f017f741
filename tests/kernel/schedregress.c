/* Regression tests for scheduler and log bugs found in review: a wakeup
 * made with interrupts off must be acted on when they come back on (not at
 * the next timer interrupt); a "forever" timeout must not wrap around; a
 * truncated klog_read must not leave garbage inside the string; priority 31
 * must not reschedule spuriously.  (Sleeping while holding a spinlock is a
 * death test: crashtest=spinsleep.) */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/spinlock.h>
#include <adros/string.h>
#include <adros/sync.h>

static struct thread *spawn(thread_entry_t fn, void *arg, int prio)
{
    struct thread_attr a = { .name = "rv", .prio = prio, .stack_size = 8192, .flags = PROCESS_FLAG_JOINABLE };
    struct thread *th = NULL;
    if (thread_create(&a, fn, arg, &th) != 0)
        return NULL;
    return th;
}

/* A wakeup done in thread context with interrupts disabled (the pattern
 * of rumpuser_bio.c enqueue(), blk_complete() from a synchronous driver,
 * file_done()...) latches need_resched but nothing acts on it until the next
 * timer interrupt, which may be up to 50 ms away. */
static ksem_t s1;
static volatile uint64_t h_ran_at;
static void *high_waiter(void *arg)
{
    ksem_down(&s1);
    h_ran_at = clock_gettime_ns();
    return NULL;
}

static void wake_in_irqsave_latency(struct ktest *t)
{
    ksem_init(&s1, 0);
    h_ran_at = 0;
    struct thread *h = spawn(high_waiter, NULL, PRIO_HIGH);
    KT_ASSERT_NOT_NULL(t, h);
    process_sleep(NSEC_PER_MSEC); /* h is blocked now; fresh slice for us */
    uint64_t t0 = clock_gettime_ns();
    irqflags_t f = irq_save();
    ksem_up(&s1);
    irq_restore(f);
    while (!h_ran_at && clock_gettime_ns() - t0 < 200 * NSEC_PER_MSEC)
        ;
    uint64_t lat = h_ran_at ? h_ran_at - t0 : ~0ull;
    ktest_log(t, "higher-priority thread ran %llu us after the wakeup", (unsigned long long)(lat / 1000));
    KT_EXPECT_LT(t, lat, NSEC_PER_MSEC);
    thread_join(h, NULL);
}

/* Relative timeouts overflow: a huge timeout ("forever") expires at once. */
static struct thread *victim;
static ksem_t s3;
static void *killer(void *arg)
{
    process_sleep(20 * NSEC_PER_MSEC);
    process_kill(victim);
    ksem_up(&s3);
    return NULL;
}
static void huge_timeouts(struct ktest *t)
{
    victim = thread_current();
    ksem_init(&s3, 0);
    struct thread *k = spawn(killer, NULL, PRIO_NORMAL);
    uint64_t t0 = clock_gettime_ns();
    int r = process_sleep(UINT64_MAX);
    uint64_t el = clock_gettime_ns() - t0;
    ktest_log(t, "process_sleep(UINT64_MAX) = %d after %llu us", r, (unsigned long long)(el / 1000));
    KT_EXPECT_EQ(t, r, -EINTR);
    t0 = clock_gettime_ns();
    r = ksem_down_timeout(&s3, UINT64_MAX);
    el = clock_gettime_ns() - t0;
    ktest_log(t, "ksem_down_timeout(UINT64_MAX) = %d after %llu us", r, (unsigned long long)(el / 1000));
    KT_EXPECT_EQ(t, r, 0);
    thread_join(k, NULL);
}

/* klog_read with a buffer that cuts a line leaves uninitialised bytes
 * inside the returned string. */
static void klog_read_gap(struct ktest *t)
{
    kprintf("review: a line of some length to be cut by the next read ................\n");
    size_t full = klog_size();
    size_t size = full - 10; /* the last line does not fit */
    char *buf = kmalloc(full + 16);
    KT_ASSERT_NOT_NULL(t, buf);
    memset(buf, 0xAA, full + 16);
    klog_read(buf, size, LOG_DEBUG);
    size_t n = strlen(buf);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += (uint8_t)buf[i] == 0xAA;
    ktest_log(t, "size %u, strlen %u, %u uninitialised bytes inside the string", (unsigned)size, (unsigned)n,
              (unsigned)bad);
    KT_EXPECT_EQ(t, bad, 0);
    kfree(buf);
}

/* thread_set_priority from a prio-31 thread: contended(32) shifts a
 * 32-bit value by 32 (UB; on x86 a shift by 0), so any ready thread forces
 * a reschedule. */
static volatile int b_ran;
static void *peer31(void *arg)
{
    b_ran = 1;
    return NULL;
}
static ksem_t s5;
static void *blocked(void *arg)
{
    ksem_down(&s5);
    return NULL;
}
static void prio31_spurious_resched(struct ktest *t)
{
    ksem_init(&s5, 0);
    struct thread *x = spawn(blocked, NULL, PRIO_LOW);
    thread_set_priority(thread_current(), PRIO_MAX);
    process_sleep(NSEC_PER_MSEC); /* x blocks; we get a fresh slice */
    b_ran = 0;
    struct thread *b = spawn(peer31, NULL, PRIO_MAX);
    int before = b_ran;
    uint64_t sw0 = sched_context_switches();
    thread_set_priority(x, PRIO_LOW + 1); /* nothing of priority > 31 exists */
    int after = b_ran;
    uint64_t sw1 = sched_context_switches();
    ktest_log(t, "peer ran before: %d, after thread_set_priority: %d, switches %llu", before, after,
              (unsigned long long)(sw1 - sw0));
    KT_EXPECT_EQ(t, after, 0);
    ksem_up(&s5);
    thread_set_priority(thread_current(), PRIO_NORMAL);
    thread_join(b, NULL);
    thread_join(x, NULL);
}

KTEST_SUITE(schedregress, KTEST_CASE(wake_in_irqsave_latency), KTEST_CASE(huge_timeouts), KTEST_CASE(klog_read_gap),
            KTEST_CASE(prio31_spurious_resched));
