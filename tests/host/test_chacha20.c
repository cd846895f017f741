// SOURCES: src/lib/chacha20.c src/lib/epoch.c
/* ChaCha20 against RFC 8439's block-function test vector, and the calendar
 * conversions against the C library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include <adros/chacha20.h>
#include <adros/clock.h>

static void rfc8439_block(void **state)
{
    uint8_t key[32], nonce[12] = { 0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0 }, out[64];
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)i;
    chacha20_block(key, 1, nonce, out);
    static const uint8_t expect[64] = {
        0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
        0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
        0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
        0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
    };
    assert_memory_equal(out, expect, 64);
}

static void epoch_matches_libc(void **state)
{
    for (time_t t = 0; t < 4102444800; t += 86400 * 37 + 3671) {
        struct tm tm;
        gmtime_r(&t, &tm);
        struct rtc_time r = { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec };
        assert_int_equal(rtc_to_epoch(&r), (uint64_t)t);
        struct rtc_time back;
        epoch_to_rtc((uint64_t)t, &back);
        assert_memory_equal(&back, &r, sizeof(r));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc8439_block),
        cmocka_unit_test(epoch_matches_libc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
