/* The sampling profiler (include/adros/prof.h): a busy function gets the
 * samples; with the timer delivered as an NMI (ioapic=on) it gets them
 * with interrupts off too; one profile at a time, bad rates refused. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/ktest.h>
#include <adros/prof.h>

#define WANT 64                    /* samples to wait for */
#define BOUND_NS (10ull * NSEC_PER_SEC) /* give up after (the test then fails) */

/* Spins until the profiler has WANT samples (or the bound runs out). */
static __attribute__((noinline)) void prof_test_spin(void)
{
    uint64_t end = clock_gettime_ns() + BOUND_NS;
    while (prof_samples() < WANT && clock_gettime_ns() < end)
        __asm__ volatile("" ::: "memory");
}

static void prof_busy_function_sampled(struct ktest *t)
{
    KT_ASSERT_EQ(t, prof_start(1024), 0);
    prof_test_spin();
    unsigned n = prof_stop();
    KT_EXPECT_GE(t, n, WANT);
    /* Its own loop, plus the clock reads it calls: most of the samples. */
    unsigned in = prof_samples_in("prof_test_spin") + prof_samples_in("clock_gettime_ns") +
                  prof_samples_in("arch_cycles") + prof_samples_in("prof_samples");
    KT_EXPECT_GE(t, in * 2, n);
}

static void prof_sees_interrupts_off(struct ktest *t)
{
    KT_ASSERT_EQ(t, prof_start(1024), 0);
    if (!prof_sees_irqs_off()) {
        prof_stop();
        KT_SKIP(t, "the profiler's timer is an ordinary interrupt here (ioapic=on makes it an NMI)");
    }
    irqflags_t f = irq_save();
    prof_test_spin();
    irq_restore(f);
    unsigned n = prof_stop();
    KT_EXPECT_GE(t, n, WANT);
    unsigned in = prof_samples_in("prof_test_spin") + prof_samples_in("clock_gettime_ns") +
                  prof_samples_in("arch_cycles") + prof_samples_in("prof_samples");
    KT_EXPECT_GE(t, in * 2, n);
}

static void prof_one_at_a_time(struct ktest *t)
{
    KT_EXPECT_EQ(t, prof_start(1), -EINVAL);
    KT_EXPECT_EQ(t, prof_start(100000), -EINVAL);
    KT_ASSERT_EQ(t, prof_start(64), 0);
    KT_EXPECT_EQ(t, prof_start(64), -EBUSY);
    prof_stop();
    KT_EXPECT_EQ(t, prof_start(64), 0);
    prof_stop();
}

KTEST_SUITE(prof, KTEST_CASE(prof_busy_function_sampled), KTEST_CASE(prof_sees_interrupts_off),
            KTEST_CASE(prof_one_at_a_time));
