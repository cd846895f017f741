// SOURCES: src/drivers/ata_prd.c
/* Host tests of the PRD table builder: the 64 KiB rules of bus-master DMA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include <adros/errno.h>
#include <adros/prd.h>

/* Checks every rule for a table describing [addr, addr+len). */
static void check_table(const struct prd *t, int n, uint32_t addr, size_t len)
{
    uint64_t at = addr, total = 0;
    for (int i = 0; i < n; i++) {
        uint32_t bytes = t[i].count ? t[i].count : 0x10000u;
        assert_int_equal(t[i].addr, (uint32_t)at);          /* contiguous */
        assert_true(bytes <= 0x10000u);
        assert_true((t[i].addr & 0xffffu) + bytes <= 0x10000u); /* no 64 KiB crossing */
        assert_int_equal(t[i].flags, i == n - 1 ? PRD_EOT : 0);
        at += bytes;
        total += bytes;
    }
    assert_int_equal(total, len);
}

static void small_aligned(void **state)
{
    struct prd t[4];
    int n = prd_fill(t, 4, 0x100000, 4096);
    assert_int_equal(n, 1);
    check_table(t, n, 0x100000, 4096);
}

static void exactly_64k_is_count_zero(void **state)
{
    struct prd t[4];
    int n = prd_fill(t, 4, 0x200000, 0x10000);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].count, 0);
    check_table(t, n, 0x200000, 0x10000);
}

static void crossing_boundaries(void **state)
{
    struct prd t[32];
    uint32_t addrs[] = { 0x1fe00, 0x2fffe, 0x10002, 0x3f000, 0xfff0000 };
    size_t lens[] = { 1024, 2, 0x10000, 1 << 20, 300 * 512 };
    for (size_t a = 0; a < 5; a++)
        for (size_t l = 0; l < 5; l++) {
            int n = prd_fill(t, 32, addrs[a], lens[l]);
            assert_true(n > 0);
            check_table(t, n, addrs[a], lens[l]);
        }
    /* 1 MiB starting 1.5 KiB before a boundary: 17 entries. */
    int n = prd_fill(t, 32, 0x40000 - 1536, 1 << 20);
    assert_int_equal(n, 17);
    assert_int_equal(t[0].count, 1536);
}

static void rejects(void **state)
{
    struct prd t[2];
    assert_int_equal(prd_fill(t, 2, 0x1000, 0), -EINVAL);
    assert_int_equal(prd_fill(t, 2, 0x1001, 512), -EINVAL);
    assert_int_equal(prd_fill(t, 2, 0x1000, 511), -EINVAL);
    assert_int_equal(prd_fill(t, 2, 0xffffff00u, 512), -EINVAL);
    assert_int_equal(prd_fill(t, 2, 0x0, 3 * 0x10000), -E2BIG);
    assert_int_equal(prd_fill(t, 2, 0x0, 2 * 0x10000), 2);
}

/* A translation like a mapping window's: virtual pages from 0x40000000 are
 * the frames frame[i]; anything else is identity. */
#define WV 0x40000000u
static const uint32_t frame[] = { 0x10000, 0x11000, 0x90000, 0x3f000, 0x40000, 0x41000, 0x20000, 0x7000 };
static uint32_t xlate(uint32_t va)
{
    if (va < WV || va >= WV + sizeof(frame) / sizeof(frame[0]) * 4096u)
        return va;
    return frame[(va - WV) / 4096u] + (va & 4095u);
}
static uint32_t no_frame(uint32_t va) { return va >= WV + 2 * 4096u ? 0 : xlate(va); }

/* The entries cover each byte's frame in order, and obey the rules. */
static void check_va_table(const struct prd *t, int n, uint32_t va, size_t len)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        uint32_t bytes = t[i].count ? t[i].count : 0x10000u;
        assert_true((t[i].addr & 0xffffu) + bytes <= 0x10000u);
        assert_int_equal(t[i].flags, i == n - 1 ? PRD_EOT : 0);
        for (uint32_t b = 0; b < bytes; b += 2)
            assert_int_equal(t[i].addr + b, xlate(va + (uint32_t)total + b));
        total += bytes;
    }
    assert_int_equal(total, len);
}

static void scattered_pages(void **state)
{
    struct prd t[16];
    /* The whole window: 0x10000-0x12000 is one entry, 0x3f000-0x42000
     * crosses 64 KiB at 0x40000 so it is two; 6 entries in all. */
    int n = prd_fill_va(t, 16, WV, 8 * 4096, xlate);
    assert_int_equal(n, 6);
    check_va_table(t, n, WV, 8 * 4096);
    assert_int_equal(t[0].addr, 0x10000);
    assert_int_equal(t[0].count, 0x2000);
    /* Starting and ending mid-page. */
    n = prd_fill_va(t, 16, WV + 0x600, 3 * 4096 + 0x200, xlate);
    assert_true(n > 0);
    check_va_table(t, n, WV + 0x600, 3 * 4096 + 0x200);
    assert_int_equal(t[0].addr, 0x10600);
    /* Identity memory through the translation: as prd_fill. */
    struct prd u[16];
    n = prd_fill_va(t, 16, 0x1fe00, 0x30000, xlate);
    assert_int_equal(n, prd_fill(u, 16, 0x1fe00, 0x30000));
    assert_memory_equal(t, u, sizeof(t[0]) * (size_t)n);
    /* A page with no frame, and too few entries. */
    assert_int_equal(prd_fill_va(t, 16, WV, 3 * 4096, no_frame), -EFAULT);
    assert_int_equal(prd_fill_va(t, 3, WV, 8 * 4096, xlate), -E2BIG);
    assert_int_equal(prd_fill_va(t, 16, WV + 1, 512, xlate), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(small_aligned),
        cmocka_unit_test(exactly_64k_is_count_zero),
        cmocka_unit_test(crossing_boundaries),
        cmocka_unit_test(rejects),
        cmocka_unit_test(scattered_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
