// SOURCES: src/lib/wav.c
/* Host tests of RIFF/WAVE header parsing (src/lib/wav.c), malformed
 * headers included. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <adros/errno.h>
#include <adros/wav.h>

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }

/* A canonical 44-byte header: PCM, ch channels, rate, bits, data bytes. */
static size_t make(uint8_t *b, unsigned ch, uint32_t rate, unsigned bits, uint32_t data)
{
    __builtin_memcpy(b, "RIFF", 4);
    put32(b + 4, 36 + data);
    __builtin_memcpy(b + 8, "WAVEfmt ", 8);
    put32(b + 16, 16);
    put16(b + 20, 1);
    put16(b + 22, ch);
    put32(b + 24, rate);
    put32(b + 28, rate * ch * bits / 8);
    put16(b + 32, ch * bits / 8);
    put16(b + 34, bits);
    __builtin_memcpy(b + 36, "data", 4);
    put32(b + 40, data);
    return 44;
}

static int parse(const uint8_t *b, size_t len, uint64_t size, struct wav_info *w)
{
    const char *why = NULL;
    int r = wav_parse(b, len, size, w, &why);
    if (r < 0)
        assert_non_null(why);
    return r;
}

static void test_good(void **st)
{
    uint8_t b[64];
    struct wav_info w;
    size_t n = make(b, 2, 44100, 16, 176400);
    assert_int_equal(parse(b, n, n + 176400, &w), 0);
    assert_int_equal(w.rate, 44100);
    assert_int_equal(w.channels, 2);
    assert_int_equal(w.bits, 16);
    assert_int_equal(w.frame_bytes, 4);
    assert_int_equal(w.data_off, 44);
    assert_int_equal(w.data_len, 176400);
    assert_int_equal(wav_duration_ms(&w), 1000);
    n = make(b, 1, 8000, 8, 16000);
    assert_int_equal(parse(b, n, n + 16000, &w), 0);
    assert_int_equal(w.frame_bytes, 1);
    assert_int_equal(wav_duration_ms(&w), 2000);
}

/* Unknown chunks are skipped (odd sizes padded); the data length is
 * clamped to the file, in whole frames. */
static void test_chunks_and_clamp(void **st)
{
    uint8_t b[128];
    struct wav_info w;
    make(b, 2, 48000, 16, 0xffffffffu);
    /* Insert a 5-byte LIST chunk (+1 pad) after fmt. */
    __builtin_memmove(b + 36 + 14, b + 36, 8);
    __builtin_memcpy(b + 36, "LIST", 4);
    put32(b + 40, 5);
    __builtin_memcpy(b + 44, "abcde\0", 6);
    assert_int_equal(parse(b, 58, 58 + 1001, &w), 0);
    assert_int_equal(w.data_off, 58);
    assert_int_equal(w.data_len, 1000);
}

static void test_extensible(void **st)
{
    uint8_t b[128];
    struct wav_info w;
    __builtin_memcpy(b, "RIFF\0\0\0\0WAVEfmt ", 16);
    put32(b + 16, 40);
    put16(b + 20, 0xfffe);
    put16(b + 22, 2);
    put32(b + 24, 22050);
    put32(b + 28, 22050 * 4);
    put16(b + 32, 4);
    put16(b + 34, 16);
    put16(b + 36, 22);
    put16(b + 38, 16);
    put32(b + 40, 3);
    put16(b + 44, 1); /* the subformat GUID starts with the PCM tag */
    __builtin_memset(b + 46, 0, 14);
    __builtin_memcpy(b + 60, "data", 4);
    put32(b + 64, 400);
    assert_int_equal(parse(b, 68, 468, &w), 0);
    assert_int_equal(w.rate, 22050);
    put16(b + 44, 3); /* IEEE float */
    assert_int_equal(parse(b, 68, 468, &w), -EOPNOTSUPP);
}

static void test_unsupported(void **st)
{
    uint8_t b[64];
    struct wav_info w;
    size_t n = make(b, 2, 96000, 16, 400);
    assert_int_equal(parse(b, n, n + 400, &w), -EOPNOTSUPP); /* rate */
    n = make(b, 2, 7999, 16, 400);
    assert_int_equal(parse(b, n, n + 400, &w), -EOPNOTSUPP);
    n = make(b, 2, 44100, 24, 600);
    assert_int_equal(parse(b, n, n + 600, &w), -EOPNOTSUPP); /* 24-bit */
    n = make(b, 6, 44100, 16, 1200);
    assert_int_equal(parse(b, n, n + 1200, &w), -EOPNOTSUPP); /* 5.1 */
    n = make(b, 2, 44100, 16, 400);
    put16(b + 20, 2); /* ADPCM */
    assert_int_equal(parse(b, n, n + 400, &w), -EOPNOTSUPP);
}

static void test_malformed(void **st)
{
    uint8_t b[64];
    struct wav_info w;
    size_t n = make(b, 2, 44100, 16, 400);
    /* Every truncation of the header is refused, never read past. */
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(parse(b, cut, cut, &w), -EINVAL);
    /* A header alone, no samples. */
    assert_int_equal(parse(b, n, n, &w), -EINVAL);
    n = make(b, 0, 44100, 16, 400);
    assert_int_equal(parse(b, n, n + 400, &w), -EINVAL); /* 0 channels */
    n = make(b, 2, 0, 16, 400);
    assert_int_equal(parse(b, n, n + 400, &w), -EINVAL); /* rate 0 */
    n = make(b, 2, 44100, 16, 400);
    put32(b + 24, 0xffffffffu); /* absurd rate */
    assert_int_equal(parse(b, n, n + 400, &w), -EOPNOTSUPP);
    n = make(b, 2, 44100, 16, 400);
    __builtin_memcpy(b, "RIFX", 4);
    assert_int_equal(parse(b, n, n + 400, &w), -EINVAL);
    n = make(b, 2, 44100, 16, 400);
    __builtin_memcpy(b + 8, "AVI ", 4);
    assert_int_equal(parse(b, n, n + 400, &w), -EINVAL);
    n = make(b, 2, 44100, 16, 400);
    put16(b + 32, 3); /* block align */
    assert_int_equal(parse(b, n, n + 400, &w), -EINVAL);
    n = make(b, 2, 44100, 16, 400);
    put32(b + 16, 0xfffffff0u); /* fmt chunk size beyond the file */
    assert_int_equal(parse(b, n, n + 400, &w), -EINVAL);
    n = make(b, 2, 44100, 16, 400);
    put32(b + 16, 8); /* fmt chunk too short */
    assert_int_equal(parse(b, n, n + 400, &w), -EINVAL);
    n = make(b, 2, 44100, 16, 400);
    __builtin_memcpy(b + 12, "junk", 4); /* data without fmt */
    put32(b + 16, 16);
    assert_int_equal(parse(b, n, n + 400, &w), -EINVAL);
    /* A frame's worth of data short of one frame. */
    n = make(b, 2, 44100, 16, 3);
    assert_int_equal(parse(b, n, n + 3, &w), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),
        cmocka_unit_test(test_chunks_and_clamp),
        cmocka_unit_test(test_extensible),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
