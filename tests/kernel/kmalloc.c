/* The kernel heap: every size class, alignments, a random alloc/free
 * stress with pattern checks, counters back to baseline, and clean failure
 * (NULL, never a panic) on impossible requests. */
#include <adros/entropy.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/string.h>

static void fill(void *p, size_t n, uint8_t seed)
{
    uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed + i * 7);
}

static size_t check(const void *p, size_t n, uint8_t seed)
{
    const uint8_t *b = p;
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += b[i] != (uint8_t)(seed + i * 7);
    return bad;
}

static void every_size_class(struct ktest *t)
{
    struct kmalloc_stats s0, s1;
    kmalloc_get_stats(&s0);
    static const size_t sizes[] = { 1, 15, 16, 17, 31, 32, 33, 64, 100, 128, 200, 256, 500, 512, 1000, 1024,
                                    2000, 2048, 2049, 4095, 4096, 4097, 12288, 65536, 100000, 1u << 20,
                                    (1u << 20) + 1, 4u << 20 };
    void *p[ARRAY_SIZE(sizes)];
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        p[i] = kmalloc(sizes[i]);
        KT_ASSERT_NOT_NULL(t, p[i]);
        KT_EXPECT_EQ(t, (uintptr_t)p[i] & 15, 0);
        KT_EXPECT_GE(t, kmalloc_usable_size(p[i]), sizes[i]);
        fill(p[i], sizes[i], (uint8_t)i);
    }
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        KT_EXPECT_EQ(t, check(p[i], sizes[i], (uint8_t)i), 0);
        kfree(p[i]);
    }
    kmalloc_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.allocations, s0.allocations);
    KT_EXPECT_EQ(t, s1.bytes_in_use, s0.bytes_in_use);
    KT_EXPECT_EQ(t, s1.total_allocs - s0.total_allocs, ARRAY_SIZE(sizes));
}

static void alignments(struct ktest *t)
{
    struct kmalloc_stats s0, s1;
    kmalloc_get_stats(&s0);
    for (size_t align = 1; align <= (1u << 20); align <<= 1) {
        static const size_t sizes[] = { 1, 24, 100, 3000, 5000, 70000 };
        for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
            void *p = kmalloc_aligned(sizes[k], align);
            KT_ASSERT_NOT_NULL(t, p);
            KT_EXPECT_EQ(t, (uintptr_t)p & (align - 1), 0);
            memset(p, 0x5a, sizes[k]);
            kfree(p);
        }
    }
    KT_EXPECT_NULL(t, kmalloc_aligned(64, 48)); /* not a power of two */
    KT_EXPECT_NULL(t, kmalloc_aligned(0, 64));
    kmalloc_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.allocations, s0.allocations);
    KT_EXPECT_EQ(t, s1.bytes_in_use, s0.bytes_in_use);
}

static void impossible_requests(struct ktest *t)
{
    KT_EXPECT_NULL(t, kmalloc(0));
    KT_EXPECT_NULL(t, kmalloc(0x7fffffff));
    KT_EXPECT_NULL(t, kmalloc_aligned(16, 1u << 30));
    KT_EXPECT_NULL(t, kcalloc(0x10000, 0x10000)); /* overflows */
    kfree(NULL);
    void *z = kcalloc(10, 100);
    KT_ASSERT_NOT_NULL(t, z);
    size_t nz = 0;
    for (int i = 0; i < 1000; i++)
        nz += ((uint8_t *)z)[i] != 0;
    KT_EXPECT_EQ(t, nz, 0);
    kfree(z);
}

static void out_of_memory_is_null(struct ktest *t)
{
    /* Take 4 MiB blocks until the heap says no, then give them all back. */
    struct kmalloc_stats s0, s1;
    kmalloc_get_stats(&s0);
    void *head = NULL;
    int n = 0;
    for (;;) {
        void **p = kmalloc(4u << 20);
        if (!p)
            break;
        *p = head;
        head = p;
        n++;
    }
    KT_EXPECT_GT(t, n, 10);
    ktest_log(t, "took %d blocks of 4 MiB before NULL", n);
    /* Small allocations still work or fail cleanly while the big ones are out. */
    void *small = kmalloc(64);
    kfree(small);
    while (head) {
        void *next = *(void **)head;
        kfree(head);
        head = next;
    }
    kmalloc_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.allocations, s0.allocations);
    KT_EXPECT_GT(t, s1.failures, s0.failures);
}

#define SLOTS 512
static void random_stress(struct ktest *t)
{
    static void *slot[SLOTS];
    static size_t len[SLOTS];
    struct kmalloc_stats s0, s1;
    kmalloc_get_stats(&s0);
    uint32_t x = krand32() | 1;
    size_t corrupt = 0, allocs = 0;
    for (int i = 0; i < 30000; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        int k = (int)(x % SLOTS);
        if (slot[k]) {
            corrupt += check(slot[k], len[k], (uint8_t)k);
            kfree(slot[k]);
            slot[k] = NULL;
        } else {
            /* Mostly small, sometimes page-sized, rarely large. */
            uint32_t r = x >> 8;
            size_t n = (r & 7) == 0 ? (r % 70000) + 1 : (r % 2100) + 1;
            size_t al = (r & 0x30) == 0x30 ? (size_t)1 << ((r >> 6) % 13) : 0;
            slot[k] = al ? kmalloc_aligned(n, al) : kmalloc(n);
            KT_ASSERT_NOT_NULL(t, slot[k]);
            if (al)
                KT_ASSERT_EQ(t, (uintptr_t)slot[k] & (al - 1), 0);
            len[k] = n;
            fill(slot[k], n, (uint8_t)k);
            allocs++;
        }
    }
    for (int k = 0; k < SLOTS; k++) {
        if (slot[k]) {
            corrupt += check(slot[k], len[k], (uint8_t)k);
            kfree(slot[k]);
            slot[k] = NULL;
        }
    }
    KT_EXPECT_EQ(t, corrupt, 0);
    kmalloc_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.allocations, s0.allocations);
    KT_EXPECT_EQ(t, s1.bytes_in_use, s0.bytes_in_use);
    ktest_log(t, "%u allocations, peak %u KiB in use", (unsigned)allocs, (unsigned)(s1.peak_bytes / 1024));
}

KTEST_SUITE(kmalloc, KTEST_CASE(every_size_class), KTEST_CASE(alignments), KTEST_CASE(impossible_requests),
            KTEST_CASE(random_stress), KTEST_CASE(out_of_memory_is_null));
