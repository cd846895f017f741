/* ksnprintf: every conversion, sizes, width, padding, justification,
 * truncation. */
#include <adros/format.h>
#include <adros/ktest.h>
#include <adros/string.h>

#define CHECK(t, expect, ...) \
    do { \
        char _b[128]; \
        int _n = ksnprintf(_b, sizeof(_b), __VA_ARGS__); \
        KT_EXPECT_STREQ(t, _b, expect); \
        KT_EXPECT_EQ(t, _n, (int)strlen(expect)); \
    } while (0)

static void conversions(struct ktest *t)
{
    CHECK(t, "a", "%c", 'a');
    CHECK(t, "hello", "%s", "hello");
    const char *volatile nul = NULL; /* hidden from the compiler's format checks */
    CHECK(t, "(null)", "%s", nul);
    CHECK(t, "-42", "%d", -42);
    CHECK(t, "42", "%i", 42);
    CHECK(t, "4294967295", "%u", 0xffffffffu);
    CHECK(t, "deadbeef", "%x", 0xdeadbeefu);
    CHECK(t, "DEADBEEF", "%X", 0xdeadbeefu);
    CHECK(t, "0x0000abcd", "%p", (void *)0xabcd);
    CHECK(t, "100%", "%d%%", 100);
    CHECK(t, "-2147483648", "%d", (int)0x80000000);
}

static void sizes(struct ktest *t)
{
    CHECK(t, "-9223372036854775808", "%lld", (long long)0x8000000000000000ull);
    CHECK(t, "18446744073709551615", "%llu", 0xffffffffffffffffull);
    CHECK(t, "123456789abcdef0", "%llx", 0x123456789abcdef0ull);
    CHECK(t, "-5", "%ld", -5L);
    CHECK(t, "ffffffff", "%lx", 0xffffffffUL);
    CHECK(t, "65535", "%hu", 0xffffffffu);
    CHECK(t, "-1", "%hhd", 255);
    CHECK(t, "12345", "%zu", (size_t)12345);
}

static void width_and_padding(struct ktest *t)
{
    CHECK(t, "   42", "%5d", 42);
    CHECK(t, "00042", "%05d", 42);
    CHECK(t, "42   |", "%-5d|", 42);
    CHECK(t, "-0042", "%05d", -42);
    CHECK(t, "  abc", "%5s", "abc");
    CHECK(t, "abc  |", "%-5s|", "abc");
    CHECK(t, "ab", "%.2s", "abcdef");
    CHECK(t, "   ab", "%*.*s", 5, 2, "abcdef");
    CHECK(t, "0000000000000000000000000000ff", "%030x", 0xff);
    CHECK(t, "x        |", "%-*c|", 9, 'x');
    CHECK(t, "00000000deadbeef", "%016llx", 0xdeadbeefull);
}

static void truncation(struct ktest *t)
{
    char b[8];
    int n = ksnprintf(b, sizeof(b), "%s", "0123456789");
    KT_EXPECT_EQ(t, n, 10);
    KT_EXPECT_STREQ(t, b, "0123456");
    n = ksnprintf(b, 1, "%d", 12345);
    KT_EXPECT_EQ(t, n, 5);
    KT_EXPECT_EQ(t, b[0], 0);
    b[0] = 'z';
    n = ksnprintf(b, 0, "%d", 7);
    KT_EXPECT_EQ(t, n, 1);
    KT_EXPECT_EQ(t, b[0], 'z'); /* size 0: nothing written */
}

static void unknown_conversions_are_visible(struct ktest *t)
{
    /* Formats a caller got wrong: shown as written, never a crash. */
    const char *volatile bad1 = "a%qb", *volatile bad2 = "end%";
    CHECK(t, "a%qb", bad1);
    CHECK(t, "end%", bad2);
}

KTEST_SUITE(printf, KTEST_CASE(conversions), KTEST_CASE(sizes), KTEST_CASE(width_and_padding),
            KTEST_CASE(truncation), KTEST_CASE(unknown_conversions_are_visible));
