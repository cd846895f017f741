/* The page allocator: exhaust it, give everything back, and the free count
 * and the block distribution (coalescing) return to where they were; an
 * ordinary thread stops at the reserve, a thread marked for it does not. */
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>

/* Takes single pages until refused, chaining them on *head. */
static uint32_t take_all(struct ktest *t, paddr_t *head)
{
    uint32_t n = 0;
    for (;;) {
        paddr_t p = pmm_alloc_pages(0);
        if (!p)
            break;
        KT_ASSERT_EQ(t, p & (PAGE_SIZE - 1), 0);
        *(paddr_t *)p = *head;
        ((uint32_t *)p)[1] = 0xa5a5a5a5u ^ p;
        *head = p;
        n++;
    }
    return n;
}

static void exhaust_and_restore(struct ktest *t)
{
    struct pmm_stats before, after;
    pmm_get_stats(&before);
    KT_ASSERT_GT(t, before.free_pages, 1000);
    /* Chain every free page through its own first word.  An ordinary
     * thread gets everything but the reserve, nor a kmalloc'd page. */
    struct thread *self = thread_current();
    uint32_t flags = self->flags;
    self->flags &= ~PROCESS_FLAG_MEMRESERVE;
    paddr_t head = 0;
    /* First as memhog does (64 KiB kmallocs), then page by page. */
    void *chunks = NULL;
    for (void **c; (c = kmalloc(16 * PAGE_SIZE)) != NULL; chunks = c)
        *c = chunks;
    uint32_t n = take_all(t, &head);
    struct pmm_stats mid;
    pmm_get_stats(&mid);
    KT_EXPECT_GT(t, mid.reserve_pages, 0);
    /* What is left is the reserve, whole blocks of its order (a single
     * page taken from a larger block leaves the rest in such blocks). */
    KT_EXPECT_GE(t, mid.free_pages, mid.reserve_pages);
    KT_EXPECT_LT(t, mid.free_pages, mid.reserve_pages + (1u << MM_RESERVE_BLOCK_ORDER));
    void *big = kmalloc(8 * PAGE_SIZE);
    KT_EXPECT_NULL(t, big);
    kfree(big);
    /* A thread marked for the reserve gets a thread stack's blocks (the
     * single pages taken above fragmented everything else), as many as
     * the reserve holds, then takes the rest to the last page. */
    self->flags |= PROCESS_FLAG_MEMRESERVE;
    uint32_t nblocks = mid.reserve_pages >> MM_RESERVE_BLOCK_ORDER;
    paddr_t blocks[64];
    uint32_t got = 0;
    for (uint32_t i = 0; i < nblocks && i < ARRAY_SIZE(blocks); i++)
        if ((blocks[i] = pmm_alloc_pages(MM_RESERVE_BLOCK_ORDER)) != 0)
            got++;
    KT_EXPECT_EQ(t, got, MIN(nblocks, (uint32_t)ARRAY_SIZE(blocks)));
    for (uint32_t i = 0; i < nblocks && i < ARRAY_SIZE(blocks); i++)
        if (blocks[i])
            pmm_free_pages(blocks[i], MM_RESERVE_BLOCK_ORDER);
    big = kmalloc(8 * PAGE_SIZE);
    KT_EXPECT_TRUE(t, big != NULL);
    kfree(big);
    while (chunks) {
        void *next = *(void **)chunks;
        kfree(chunks);
        chunks = next;
    }
    n += take_all(t, &head);
    self->flags = flags;
    pmm_get_stats(&mid);
    KT_EXPECT_EQ(t, mid.free_pages, 0);
    KT_EXPECT_EQ(t, n, before.free_pages);
    uint32_t bad = 0;
    while (head) {
        paddr_t next = *(paddr_t *)head;
        if (((uint32_t *)head)[1] != (0xa5a5a5a5u ^ head))
            bad++;
        pmm_free_pages(head, 0);
        head = next;
    }
    KT_EXPECT_EQ(t, bad, 0);
    pmm_get_stats(&after);
    KT_EXPECT_EQ(t, after.free_pages, before.free_pages);
    for (int o = 0; o <= 12; o++)
        KT_EXPECT_EQ(t, after.free_blocks[o], before.free_blocks[o]);
}

static void orders_and_alignment(struct ktest *t)
{
    struct pmm_stats before, after;
    pmm_get_stats(&before);
    paddr_t blocks[11];
    for (unsigned o = 0; o <= 10; o++) {
        blocks[o] = pmm_alloc_pages(o);
        KT_ASSERT_NE(t, blocks[o], 0);
        KT_EXPECT_EQ(t, blocks[o] & ((PAGE_SIZE << o) - 1), 0); /* naturally aligned */
        memset((void *)blocks[o], (int)o, PAGE_SIZE << o);
    }
    for (unsigned o = 0; o <= 10; o++) {
        const uint8_t *b = (const uint8_t *)blocks[o];
        KT_EXPECT_EQ(t, b[0], o);
        KT_EXPECT_EQ(t, b[(PAGE_SIZE << o) - 1], o);
    }
    for (unsigned o = 0; o <= 10; o++)
        pmm_free_pages(blocks[o], o);
    pmm_get_stats(&after);
    KT_EXPECT_EQ(t, after.free_pages, before.free_pages);
}

static void coalescing(struct ktest *t)
{
    /* Split a 64-page block into single pages, free them in a scrambled
     * order: the allocator must hand the whole block out again. */
    paddr_t big = pmm_alloc_pages(6);
    KT_ASSERT_NE(t, big, 0);
    pmm_free_pages(big, 6);
    struct pmm_stats s0;
    pmm_get_stats(&s0);
    paddr_t pages[64];
    for (int i = 0; i < 64; i++)
        pages[i] = pmm_alloc_pages(0);
    for (int i = 0; i < 64; i++)
        KT_ASSERT_NE(t, pages[i], 0);
    for (int i = 0; i < 64; i++)
        pmm_free_pages(pages[(i * 37) % 64], 0);
    struct pmm_stats s1;
    pmm_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.free_pages, s0.free_pages);
    for (int o = 0; o <= 12; o++)
        KT_EXPECT_EQ(t, s1.free_blocks[o], s0.free_blocks[o]);
    paddr_t again = pmm_alloc_pages(6);
    KT_EXPECT_NE(t, again, 0);
    if (again)
        pmm_free_pages(again, 6);
}

static void too_large_fails_cleanly(struct ktest *t)
{
    KT_EXPECT_EQ(t, pmm_alloc_pages(13), 0);
    KT_EXPECT_EQ(t, pmm_alloc_pages(200), 0);
}

/* The mapping windows (mm.h): a window shows its frames at new addresses
 * (writes through either address seen through the other), is not mapped
 * once freed, and the range is handed out whole until it is used up, then
 * refused (0) without sleeping, and reusable after frees, also across the
 * holes a fragmented range leaves. */
static void vmm_windows(struct ktest *t)
{
    struct vmm_window_stats s0, s1;
    vmm_window_get_stats(&s0);
    if (!s0.pages)
        KT_SKIP(t, "no mapping windows on this machine (RAM reaches 2 GiB)");
    KT_ASSERT_EQ(t, s0.pages_in_use, 0);
    paddr_t f[3] = { pmm_alloc_pages(0), pmm_alloc_pages(0), pmm_alloc_pages(0) };
    KT_ASSERT_TRUE(t, f[0] && f[1] && f[2]);
    vaddr_t w = vmm_window_alloc(3);
    KT_ASSERT_NE(t, w, 0);
    KT_EXPECT_EQ(t, vmm_window_index(w) >= 0, true);
    KT_EXPECT_EQ(t, vmm_window_index((vaddr_t)f[0]), -1);
    KT_EXPECT_FALSE(t, vmm_is_mapped(w)); /* allocated, nothing entered yet */
    for (int i = 0; i < 3; i++)
        vmm_window_enter(w + (vaddr_t)i * PAGE_SIZE, f[2 - i]);
    KT_EXPECT_TRUE(t, vmm_is_mapped(w + 2 * PAGE_SIZE));
    ((volatile uint32_t *)w)[1] = 0x5eed1234u;               /* window -> frame */
    KT_EXPECT_EQ(t, ((volatile uint32_t *)f[2])[1], 0x5eed1234u);
    ((volatile uint32_t *)f[0])[7] = 0xabcd0000u;            /* frame -> window */
    KT_EXPECT_EQ(t, ((volatile uint32_t *)(w + 2 * PAGE_SIZE))[7], 0xabcd0000u);
    KT_EXPECT_EQ(t, vmm_virt_to_phys(w + PAGE_SIZE + 100), f[1] + 100);
    KT_EXPECT_EQ(t, vmm_virt_to_phys((vaddr_t)f[1] + 100), f[1] + 100); /* identity */
    vmm_window_free(w, 3);
    KT_EXPECT_FALSE(t, vmm_is_mapped(w));
    KT_EXPECT_EQ(t, vmm_virt_to_phys(w), 0);
    /* A freed page comes back only after the TLB was flushed: w's first
     * page, last seen showing f[2], must show f[1] when it is given out
     * again (one page at a time until it is). */
    ((volatile uint32_t *)f[1])[1] = 0x0f1f1f1fu;
    vaddr_t *all = kmalloc(s0.pages * sizeof(*all));
    KT_ASSERT_NOT_NULL(t, all);
    uint32_t n = 0;
    vaddr_t again = 0;
    while (n < s0.pages && (all[n] = vmm_window_alloc(1)) != 0) {
        if (all[n++] == w) {
            again = w;
            break;
        }
    }
    KT_ASSERT_EQ(t, again, w);
    vmm_window_enter(w, f[1]);
    KT_EXPECT_EQ(t, ((volatile uint32_t *)w)[1], 0x0f1f1f1fu);
    for (uint32_t i = 0; i < n; i++)
        vmm_window_free(all[i], 1);
    vmm_window_get_stats(&s1);
    KT_EXPECT_GT(t, s1.tlb_flushes, s0.tlb_flushes);
    /* Use the range up in 16-page windows (all but the pieces next-fit
     * leaves), then in single pages; one more is refused without sleeping. */
    uint32_t n16 = 0, n1 = 0;
    while (n16 < s0.pages / 16 && (all[n16] = vmm_window_alloc(16)) != 0)
        n16++;
    KT_EXPECT_GE(t, n16, s0.pages / 16 - 1);
    vaddr_t *one = kmalloc(64 * sizeof(*one));
    KT_ASSERT_NOT_NULL(t, one);
    while (n1 < 64 && (one[n1] = vmm_window_alloc(1)) != 0)
        n1++;
    KT_EXPECT_EQ(t, vmm_window_alloc(1), 0);
    vmm_window_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.pages_in_use, s0.pages);
    KT_EXPECT_EQ(t, n16 * 16 + n1, s0.pages);
    KT_EXPECT_GT(t, s1.refused, s0.refused);
    /* Every other one freed: 16 pages fit, 17 (two holes apart) do not. */
    for (uint32_t i = 0; i < n16; i += 2)
        vmm_window_free(all[i], 16);
    KT_EXPECT_EQ(t, vmm_window_alloc(17), 0);
    vaddr_t x = vmm_window_alloc(16);
    KT_EXPECT_NE(t, x, 0);
    if (x)
        vmm_window_free(x, 16);
    for (uint32_t i = 1; i < n16; i += 2)
        vmm_window_free(all[i], 16);
    for (uint32_t i = 0; i < n1; i++)
        vmm_window_free(one[i], 1);
    kfree(one);
    kfree(all);
    vmm_window_get_stats(&s1);
    KT_EXPECT_EQ(t, s1.pages_in_use, 0);
    x = vmm_window_alloc(s0.pages); /* the whole range, once the TLB is flushed */
    KT_EXPECT_NE(t, x, 0);
    if (x)
        vmm_window_free(x, s0.pages);
    for (int i = 0; i < 3; i++)
        pmm_free_pages(f[i], 0);
}

KTEST_SUITE(pmm, KTEST_CASE(orders_and_alignment), KTEST_CASE(coalescing), KTEST_CASE(too_large_fails_cleanly),
            KTEST_CASE(exhaust_and_restore), KTEST_CASE(vmm_windows));
