/* Randomness: output differs between calls (and between boots: the runner
 * compares the ENTROPY-SAMPLE lines of two boots), bits are balanced, the
 * flags behave. */
#include <adros/entropy.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/string.h>

static void differs_between_calls(struct ktest *t)
{
    uint8_t a[32], b[32];
    KT_EXPECT_EQ(t, getrandom(a, sizeof(a), 0), 32);
    KT_EXPECT_EQ(t, getrandom(b, sizeof(b), 0), 32);
    KT_EXPECT_NE(t, memcmp(a, b, sizeof(a)), 0);
    kprintf("ENTROPY-SAMPLE ");
    for (int i = 0; i < 16; i++)
        kprintf("%02x", a[i]);
    kprintf("\n");
}

static void bits_balanced(struct ktest *t)
{
    size_t n = 64 * 1024;
    uint8_t *buf = kmalloc(n);
    KT_ASSERT_NOT_NULL(t, buf);
    KT_EXPECT_EQ(t, getrandom(buf, n, 0), (ssize_t)n);
    uint64_t ones = 0;
    uint32_t byte_hist[256] = { 0 };
    for (size_t i = 0; i < n; i++) {
        ones += (uint64_t)__builtin_popcount(buf[i]);
        byte_hist[buf[i]]++;
    }
    uint64_t bits = n * 8;
    ktest_log(t, "%llu of %llu bits set", (unsigned long long)ones, (unsigned long long)bits);
    /* Expected 262144 +- 362 (1 sigma): allow 6 sigma. */
    KT_EXPECT_GT(t, ones, bits / 2 - 2200);
    KT_EXPECT_LT(t, ones, bits / 2 + 2200);
    /* Every byte value appears (256 expected each; P(absent) is nil). */
    int absent = 0;
    for (int i = 0; i < 256; i++)
        absent += byte_hist[i] == 0;
    KT_EXPECT_EQ(t, absent, 0);
    kfree(buf);
}

static void flags(struct ktest *t)
{
    uint8_t b[8];
    KT_EXPECT_TRUE(t, entropy_seeded());
    KT_EXPECT_EQ(t, getrandom(b, sizeof(b), GRND_HARD | GRND_NONBLOCK), 8);
    KT_EXPECT_EQ(t, getrandom(b, 0, 0), 0);
    ktest_log(t, "source %s, %u bits credited", entropy_source(), entropy_estimate_bits());
    KT_EXPECT_GE(t, entropy_estimate_bits(), 256);
}

KTEST_SUITE(entropy, KTEST_CASE(differs_between_calls), KTEST_CASE(bits_balanced), KTEST_CASE(flags));
