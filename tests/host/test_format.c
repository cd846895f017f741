// SOURCES: src/lib/format.c
/* Host tests of the formatting engine, compared against the C library's
 * snprintf for the conversions both share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <adros/format.h>

static void same_as_libc(void **state)
{
    char a[256], b[256];
#define SAME(...) \
    do { \
        int na = ksnprintf(a, sizeof(a), __VA_ARGS__); \
        int nb = snprintf(b, sizeof(b), __VA_ARGS__); \
        assert_string_equal(a, b); \
        assert_int_equal(na, nb); \
    } while (0)
    SAME("%d %i %u %x %X", -7, 42, 3000000000u, 0xbeefu, 0xbeefu);
    SAME("[%5d|%-5d|%05d|%05d]", 42, 42, 42, -42);
    SAME("[%10s|%-10s|%.3s|%*.*s]", "abc", "abc", "abcdef", 6, 2, "xyz");
    SAME("%lld %llu %llx", (long long)-1234567890123ll, 18446744073709551615ull, 0xfedcba9876543210ull);
    SAME("%c%c%c", 'a', 'b', 'c');
    SAME("%hhd %hd %hu", 300, 70000, 70000); /* ints cut to char/short: the point */
    SAME("%zu %zx", (size_t)123456, (size_t)0xabc);
    SAME("%.5d|%8.3d|%-8.3x|", 42, 7, 0x1f);
    SAME("%%|%5c|%-3c|", 'q', 'r');
    SAME("%lu %ld", 4000000000ul, -5l);
    SAME("%o %05o %-6o|", 8u, 0755u, 0644u);
}

static void pointer_and_null(void **state)
{
    char a[64];
    ksnprintf(a, sizeof(a), "%p", (void *)0x1234);
    /* Our %p: 0x plus zero-padded hex of the pointer width. */
    char expect[64];
    snprintf(expect, sizeof(expect), "0x%0*lx", (int)(2 * sizeof(void *)), 0x1234ul);
    assert_string_equal(a, expect);
    const char *volatile nul = NULL;
    ksnprintf(a, sizeof(a), "%s", nul);
    assert_string_equal(a, "(null)");
}

static void truncation_and_return(void **state)
{
    char a[6];
    assert_int_equal(ksnprintf(a, sizeof(a), "%s", "abcdefgh"), 8);
    assert_string_equal(a, "abcde");
    memset(a, 'z', sizeof(a));
    assert_int_equal(ksnprintf(a, 0, "%d", 123), 3);
    assert_int_equal(a[0], 'z');
    assert_int_equal(ksnprintf(a, 1, "%d", 123), 3);
    assert_int_equal(a[0], 0);
    char big[5000];
    assert_int_equal(ksnprintf(big, sizeof(big), "%4096d", 1), 4096);
    assert_int_equal(ksnprintf(big, sizeof(big), "%9999d", 1), 4096); /* width is capped */
}

static void bad_formats_are_visible(void **state)
{
    char a[64];
    const char *volatile f1 = "x%qy", *volatile f2 = "tail%";
    ksnprintf(a, sizeof(a), f1);
    assert_string_equal(a, "x%qy");
    ksnprintf(a, sizeof(a), f2);
    assert_string_equal(a, "tail%");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_libc),
        cmocka_unit_test(pointer_and_null),
        cmocka_unit_test(truncation_and_return),
        cmocka_unit_test(bad_formats_are_visible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
