/* Shared interrupt lines: every handler of a chain is called, removal works,
 * the chain pool runs out cleanly, irq_save/irq_restore nest. */
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/ktest.h>

/* Line 3 (COM2) is unused by AdrOS; raising its vector by software runs the
 * real dispatch path. */
#define TEST_LINE 3
static void raise_test_irq(void) { __asm__ volatile("int $35" ::: "memory"); }

static int calls[4];
static bool handler(void *arg)
{
    calls[(int)(uintptr_t)arg]++;
    return (uintptr_t)arg == 1; /* only one "device" claims it */
}

static void shared_chain(struct ktest *t)
{
    int err;
    struct irq_stats st0, st1;
    irq_get_stats(TEST_LINE, &st0);
    struct irq_action *a[3];
    for (int i = 0; i < 3; i++) {
        calls[i] = 0;
        a[i] = irq_register(TEST_LINE, handler, (void *)(uintptr_t)i, "test", &err);
        KT_ASSERT_NOT_NULL(t, a[i]);
    }
    raise_test_irq();
    for (int i = 0; i < 3; i++)
        KT_EXPECT_EQ(t, calls[i], 1);
    irq_unregister(a[1]);
    raise_test_irq();
    KT_EXPECT_EQ(t, calls[0], 2);
    KT_EXPECT_EQ(t, calls[1], 1); /* removed: not called again */
    KT_EXPECT_EQ(t, calls[2], 2);
    irq_get_stats(TEST_LINE, &st1);
    KT_EXPECT_EQ(t, st1.count - st0.count, 2);
    KT_EXPECT_EQ(t, st1.unhandled - st0.unhandled, 1); /* the second had no claimer */
    KT_EXPECT_EQ(t, st1.handlers, 2);
    irq_unregister(a[0]);
    irq_unregister(a[2]);
    raise_test_irq();
    KT_EXPECT_EQ(t, calls[0], 2);
    KT_EXPECT_EQ(t, calls[2], 2);
}

static void pool_exhaustion(struct ktest *t)
{
    int free0 = irq_pool_free();
    struct irq_action *a[IRQ_CHAIN_POOL + 1];
    int n = 0, err = 0;
    while (n <= IRQ_CHAIN_POOL) {
        a[n] = irq_register(TEST_LINE, handler, (void *)3, "fill", &err);
        if (!a[n])
            break;
        n++;
    }
    KT_EXPECT_EQ(t, n, free0);
    KT_EXPECT_EQ(t, err, -ENOSPC);
    KT_EXPECT_EQ(t, irq_pool_free(), 0);
    calls[3] = 0;
    raise_test_irq();
    KT_EXPECT_EQ(t, calls[3], n);
    for (int i = 0; i < n; i++)
        irq_unregister(a[i]);
    KT_EXPECT_EQ(t, irq_pool_free(), free0);
}

static void bad_lines(struct ktest *t)
{
    int err = 0;
    KT_EXPECT_NULL(t, irq_register(IRQ_LINES, handler, NULL, "x", &err));
    KT_EXPECT_EQ(t, err, -EINVAL);
    KT_EXPECT_NULL(t, irq_register(4, NULL, NULL, "x", &err));
    KT_EXPECT_EQ(t, err, -EINVAL);
}

static void save_restore_nest(struct ktest *t)
{
    KT_ASSERT_TRUE(t, irqs_enabled());
    irqflags_t a = irq_save();
    KT_EXPECT_FALSE(t, irqs_enabled());
    irqflags_t b = irq_save();
    KT_EXPECT_FALSE(t, irqs_enabled());
    irq_restore(b);
    KT_EXPECT_FALSE(t, irqs_enabled()); /* inner restore keeps them off */
    irq_restore(a);
    KT_EXPECT_TRUE(t, irqs_enabled());
}

KTEST_SUITE(irq, KTEST_CASE(shared_chain), KTEST_CASE(pool_exhaustion), KTEST_CASE(bad_lines),
            KTEST_CASE(save_restore_nest));
