/* memcpy, memmove and memset (src/lib/string.c): every length 0..300 at
 * every source and destination alignment 0..7, overlaps both ways, checked
 * byte for byte against plain byte loops, including the bytes around the
 * destination (nothing written outside it).  Then the copy benchmark
 * (bench=copy): MB/s for 64 B, 4 KiB, 64 KiB and 1 MiB, with the previous
 * `rep movsl` memcpy measured in the same boot as the baseline. */
#include <adros/clock.h>
#include <adros/format.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/string.h>

#define MAXLEN 300
#define PAD 16 /* guard bytes either side of every destination */
#define AREA (PAD + 8 + MAXLEN + 8 + PAD)

static uint32_t rng = 0x2545f491;
static uint8_t rnd8(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (uint8_t)rng;
}

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = rnd8();
}

/* The reference: a byte loop through a temporary, so that it is right for
 * any overlap; volatile so that gcc does not turn it into a memmove call. */
static void ref_move(uint8_t *d, const uint8_t *s, size_t n)
{
    static uint8_t tmp[70000];
    volatile uint8_t *vt = tmp;
    for (size_t i = 0; i < n; i++)
        vt[i] = s[i];
    for (size_t i = 0; i < n; i++)
        d[i] = vt[i];
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i])
            return i;
    return n;
}

/* Counts the failures of one kind and reports the first, so that a broken
 * routine gives one readable line instead of thousands. */
struct tally {
    unsigned bad;
};

static void check(struct ktest *t, struct tally *ty, const uint8_t *got, const uint8_t *want, size_t n, const char *what,
                  size_t len, int sa, int da)
{
    size_t at = first_diff(got, want, n);
    if (at == n)
        return;
    if (ty->bad++ == 0)
        ktest_fail(t, __FILE__, __LINE__, "%s len %zu src+%d dst+%d: byte %zu of the area is 0x%02x, want 0x%02x", what,
                   len, sa, da, at, got[at], want[at]);
}

static void memcpy_all_lengths_and_alignments(struct ktest *t)
{
    static uint8_t src[AREA], dst[AREA], want[AREA];
    struct tally ty = { 0 };
    unsigned ret_bad = 0;
    for (size_t len = 0; len <= MAXLEN; len++)
        for (int sa = 0; sa < 8; sa++)
            for (int da = 0; da < 8; da++) {
                fill(src, AREA);
                fill(dst, AREA);
                memcpy(want, dst, AREA);
                ref_move(want + PAD + da, src + PAD + sa, len);
                void *r = memcpy(dst + PAD + da, src + PAD + sa, len);
                if (r != dst + PAD + da)
                    ret_bad++;
                check(t, &ty, dst, want, AREA, "memcpy", len, sa, da);
            }
    KT_EXPECT_EQ(t, ty.bad, 0);
    KT_EXPECT_EQ(t, ret_bad, 0);
}

/* dst = src + shift for shift -9..9 (0 included): forward and backward
 * overlaps closer than a word, a word, and a few words apart. */
static void memmove_overlaps_both_ways(struct ktest *t)
{
    static uint8_t buf[AREA + 32], want[AREA + 32];
    struct tally ty = { 0 };
    unsigned ret_bad = 0;
    for (size_t len = 0; len <= MAXLEN; len++)
        for (int sa = 0; sa < 8; sa++)
            for (int shift = -9; shift <= 9; shift++) {
                uint8_t *s = buf + PAD + 16 + sa, *d = s + shift;
                fill(buf, sizeof(buf));
                memcpy(want, buf, sizeof(buf));
                ref_move(want + (d - buf), want + (s - buf), len);
                void *r = memmove(d, s, len);
                if (r != d)
                    ret_bad++;
                check(t, &ty, buf, want, sizeof(buf), shift < 0 ? "memmove down" : "memmove up", len, sa, shift);
            }
    KT_EXPECT_EQ(t, ty.bad, 0);
    KT_EXPECT_EQ(t, ret_bad, 0);
}

/* Sizes past the unrolled blocks, with overlaps smaller than, equal to and
 * larger than one block, both ways, and no overlap. */
static void memmove_large_overlaps(struct ktest *t)
{
    static const size_t lens[] = { 4096, 4099, 65536 + 3 };
    static const int shifts[] = { -129, -65, -64, -63, -5, -4, -1, 1, 3, 4, 63, 64, 65, 128, 257 };
    size_t area = 65536 + 3 + 2 * 512;
    uint8_t *buf = kmalloc(area), *want = kmalloc(area);
    KT_ASSERT_NOT_NULL(t, buf);
    KT_ASSERT_NOT_NULL(t, want);
    struct tally ty = { 0 };
    for (size_t l = 0; l < ARRAY_SIZE(lens); l++)
        for (size_t k = 0; k < ARRAY_SIZE(shifts); k++)
            for (int sa = 0; sa < 4; sa++) {
                uint8_t *s = buf + 512 + sa, *d = s + shifts[k];
                fill(buf, area);
                memcpy(want, buf, area);
                ref_move(want + (d - buf), want + (s - buf), lens[l]);
                memmove(d, s, lens[l]);
                check(t, &ty, buf, want, area, "memmove large", lens[l], sa, shifts[k]);
            }
    KT_EXPECT_EQ(t, ty.bad, 0);
    kfree(buf);
    kfree(want);
}

static void memset_all_lengths_and_alignments(struct ktest *t)
{
    static uint8_t dst[AREA], want[AREA];
    static const int values[] = { 0, 0xa5, 0x1ff /* only the low byte counts */ };
    struct tally ty = { 0 };
    unsigned ret_bad = 0;
    for (size_t v = 0; v < ARRAY_SIZE(values); v++)
        for (size_t len = 0; len <= MAXLEN; len++)
            for (int da = 0; da < 8; da++) {
                fill(dst, AREA);
                memcpy(want, dst, AREA);
                volatile uint8_t *w = want + PAD + da;
                for (size_t i = 0; i < len; i++)
                    w[i] = (uint8_t)values[v];
                if (memset(dst + PAD + da, values[v], len) != dst + PAD + da)
                    ret_bad++;
                check(t, &ty, dst, want, AREA, "memset", len, 0, da);
            }
    KT_EXPECT_EQ(t, ty.bad, 0);
    KT_EXPECT_EQ(t, ret_bad, 0);
}

KTEST_SUITE(copy, KTEST_CASE(memcpy_all_lengths_and_alignments), KTEST_CASE(memmove_overlaps_both_ways),
            KTEST_CASE(memmove_large_overlaps), KTEST_CASE(memset_all_lengths_and_alignments));

/* ---- benchmark ---------------------------------------------------------- */

#define BATCHES 7

/* The memcpy AdrOS had before the unrolled loops (2026-11-30): `rep movsl`
 * then `rep movsb`; kept here as the baseline of the same boot (not inlined:
 * a call, like memcpy). */
static __attribute__((noinline)) void *repmovs_memcpy(void *dst, const void *src, size_t n)
{
    void *ret = dst;
    size_t words = n >> 2, tail = n & 3;
    __asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(tail) : : "memory");
    return ret;
}

enum op { OP_MEMCPY, OP_MEMCPY_UNALIGNED, OP_MEMMOVE_UP, OP_MEMSET, OP_REPMOVS };
static const char *const op_names[] = { "memcpy", "memcpy src+1", "memmove overlap up", "memset", "rep movsl (old)" };

static void bench_copy(void)
{
    static const size_t sizes[] = { 64, 4096, 65536, 1u << 20 };
    static const char *const size_names[] = { "64B", "4KiB", "64KiB", "1MiB" };
    /* One allocation, b placed 1 MiB + 17 pages + 64 bytes after a: QEMU's
     * software TLB is direct-mapped, so two buffers whose pages are a power
     * of two apart (two 1 MiB kmalloc blocks can be) evict each other on
     * every access and measure the TLB, not the copy. */
    size_t span = (2u << 20) + 17 * 4096 + 64 + 128;
    uint8_t *base = kmalloc(span);
    if (!base) {
        kbench_result("copy", "buffers", 0, 0, "no memory for a 2 MiB buffer");
        return;
    }
    uint8_t *a = base, *b = base + (1u << 20) + 17 * 4096 + 64;
    memset(base, 0x5a, span);
    for (size_t si = 0; si < ARRAY_SIZE(sizes); si++)
        for (int op = 0; op <= OP_REPMOVS; op++) {
            size_t n = sizes[si];
            /* About 2 MiB per batch: long enough to swamp the timer reads,
             * short enough for seven batches of each under TCG. */
            int ops = n >= (2u << 20) ? 1 : (int)((2u << 20) / n);
            uint64_t c[BATCHES];
            for (int bt = 0; bt < BATCHES; bt++) {
                uint64_t t0 = clock_cycles();
                for (int i = 0; i < ops; i++) {
                    switch (op) {
                    case OP_MEMCPY: memcpy(b, a, n); break;
                    case OP_MEMCPY_UNALIGNED: memcpy(b, a + 1, n); break;
                    case OP_MEMMOVE_UP: memmove(a + 64, a, n); break;
                    case OP_MEMSET: memset(b, i, n); break;
                    default: repmovs_memcpy(b, a, n); break;
                    }
                    __asm__ volatile("" : : : "memory"); /* keep every call */
                }
                c[bt] = clock_cycles() - t0;
            }
            kbench_sort64(c, BATCHES);
            uint64_t cyc = c[BATCHES / 2] / (uint64_t)ops;
            uint64_t ns_batch = clock_cycles_to_ns(c[BATCHES / 2]);
            uint64_t bytes = (uint64_t)n * (uint64_t)ops;
            char metric[48], note[48];
            ksnprintf(metric, sizeof(metric), "%s %s", op_names[op], size_names[si]);
            ksnprintf(note, sizeof(note), "%llu MB/s",
                      (unsigned long long)(ns_batch ? bytes * 1000 / ns_batch : 0));
            kbench_result("copy", metric, cyc, clock_cycles_to_ns(cyc), note);
        }
    kfree(base);
}
KBENCH(copy, bench_copy);
