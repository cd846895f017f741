// SOURCES: src/mm/buddy.c
/* Host tests of the buddy allocator core on a simulated range of frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <adros/buddy.h>

#define NPAGES 5000u
#define BASE 256u /* not a multiple of large block sizes on purpose */

static struct buddy b;
static struct buddy_page meta[NPAGES];

static int setup(void **state)
{
    buddy_init(&b, meta, BASE, NPAGES);
    buddy_add_free(&b, BASE + 10, NPAGES - 10); /* first 10 stay reserved */
    return 0;
}

static void accounting(void **state)
{
    struct buddy_stats st;
    buddy_get_stats(&b, &st);
    assert_int_equal(st.total_pages, NPAGES - 10);
    assert_int_equal(st.free_pages, NPAGES - 10);
    assert_int_equal(buddy_check(&b), 0);
    /* Adding the same frames again changes nothing. */
    buddy_add_free(&b, BASE + 10, 100);
    buddy_get_stats(&b, &st);
    assert_int_equal(st.total_pages, NPAGES - 10);
}

static void alignment_and_exhaustion(void **state)
{
    uint32_t got[NPAGES];
    unsigned n = 0;
    for (unsigned order = 0; order <= 6; order++) {
        uint32_t p = buddy_alloc(&b, order);
        assert_int_not_equal(p, BUDDY_NONE);
        assert_int_equal(p & ((1u << order) - 1), 0);
        assert_int_equal(buddy_free(&b, p, order), 0);
    }
    for (;;) {
        uint32_t p = buddy_alloc(&b, 0);
        if (p == BUDDY_NONE)
            break;
        assert_true(p >= BASE + 10 && p < BASE + NPAGES);
        got[n++] = p;
    }
    assert_int_equal(n, NPAGES - 10);
    assert_int_equal(buddy_check(&b), 0);
    /* Free in a scrambled order: everything coalesces back. */
    for (unsigned i = 0; i < n; i++) {
        unsigned k = (i * 2654435761u) % n;
        while (got[k] == BUDDY_NONE)
            k = (k + 1) % n;
        assert_int_equal(buddy_free(&b, got[k], 0), 0);
        got[k] = BUDDY_NONE;
    }
    assert_int_equal(buddy_check(&b), 0);
    struct buddy_stats st;
    buddy_get_stats(&b, &st);
    assert_int_equal(st.free_pages, NPAGES - 10);
    /* Maximal blocks again: frames 266..5255 hold exactly one aligned
     * 2048-page block (2048..4095), and no 4096-page one. */
    uint32_t big = buddy_alloc(&b, 11);
    assert_int_equal(big, 2048);
    assert_int_equal(buddy_alloc(&b, 11), BUDDY_NONE);
    assert_int_equal(buddy_free(&b, big, 11), 0);
}

static void bad_frees(void **state)
{
    uint32_t p = buddy_alloc(&b, 2);
    assert_int_not_equal(p, BUDDY_NONE);
    assert_int_equal(buddy_free(&b, p, 1), -1);      /* wrong order */
    assert_int_equal(buddy_free(&b, p + 1, 0), -1);  /* not the head */
    assert_int_equal(buddy_free(&b, p, 2), 0);
    assert_int_equal(buddy_free(&b, p, 2), -1);      /* double free */
    assert_int_equal(buddy_free(&b, BASE, 0), -1);   /* reserved */
    assert_int_equal(buddy_free(&b, 1, 0), -1);      /* outside */
    assert_int_equal(buddy_alloc(&b, BUDDY_MAX_ORDER + 1), BUDDY_NONE);
    assert_int_equal(buddy_check(&b), 0);
}

static void ranges(void **state)
{
    struct buddy_stats st0, st1;
    buddy_get_stats(&b, &st0);
    uint32_t r = buddy_alloc_range(&b, 5, 0);
    assert_int_not_equal(r, BUDDY_NONE);
    buddy_get_stats(&b, &st1);
    assert_int_equal(st0.free_pages - st1.free_pages, 5); /* the tail came back */
    for (uint32_t i = 0; i < 5; i++)
        assert_int_equal(buddy_range_head(&b, r + i), r);
    assert_int_equal(buddy_range_head(&b, r + 5), BUDDY_NONE);
    assert_int_equal(buddy_free(&b, r, 0), -1);          /* not a plain block */
    assert_int_equal(buddy_free_range(&b, r, 4), -1);    /* wrong length */
    assert_int_equal(buddy_free_range(&b, r + 1, 4), -1);
    assert_int_equal(buddy_free_range(&b, r, 5), 0);
    assert_int_equal(buddy_free_range(&b, r, 5), -1);
    uint32_t a = buddy_alloc_range(&b, 3, 6); /* 3 pages aligned to 64 */
    assert_int_not_equal(a, BUDDY_NONE);
    assert_int_equal(a & 63, 0);
    assert_int_equal(buddy_free_range(&b, a, 3), 0);
    buddy_get_stats(&b, &st1);
    assert_int_equal(st1.free_pages, st0.free_pages);
    assert_int_equal(buddy_check(&b), 0);
    assert_int_equal(buddy_order_for(1), 0);
    assert_int_equal(buddy_order_for(5), 3);
    assert_int_equal(buddy_order_for(1024), 10);
}

static void random_stress(void **state)
{
    struct { uint32_t p, n; bool range; } live[400];
    memset(live, 0, sizeof(live));
    srand(1234);
    for (int i = 0; i < 40000; i++) {
        int k = rand() % 400;
        if (live[k].n) {
            if (live[k].range)
                assert_int_equal(buddy_free_range(&b, live[k].p, live[k].n), 0);
            else
                assert_int_equal(buddy_free(&b, live[k].p, (unsigned)__builtin_ctz(live[k].n)), 0);
            live[k].n = 0;
        } else if (rand() & 1) {
            unsigned o = (unsigned)(rand() % 5);
            uint32_t p = buddy_alloc(&b, o);
            if (p != BUDDY_NONE)
                live[k].p = p, live[k].n = 1u << o, live[k].range = false;
        } else {
            uint32_t n = (uint32_t)(rand() % 40) + 1;
            uint32_t p = buddy_alloc_range(&b, n, (unsigned)(rand() % 3));
            if (p != BUDDY_NONE)
                live[k].p = p, live[k].n = n, live[k].range = true;
        }
        if ((i & 1023) == 0)
            assert_int_equal(buddy_check(&b), 0);
    }
    for (int k = 0; k < 400; k++) {
        if (!live[k].n)
            continue;
        if (live[k].range)
            assert_int_equal(buddy_free_range(&b, live[k].p, live[k].n), 0);
        else
            assert_int_equal(buddy_free(&b, live[k].p, (unsigned)__builtin_ctz(live[k].n)), 0);
    }
    struct buddy_stats st;
    buddy_get_stats(&b, &st);
    assert_int_equal(st.free_pages, NPAGES - 10);
    assert_int_equal(buddy_check(&b), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(accounting, setup),
        cmocka_unit_test_setup(alignment_and_exhaustion, setup),
        cmocka_unit_test_setup(bad_frees, setup),
        cmocka_unit_test_setup(ranges, setup),
        cmocka_unit_test_setup(random_stress, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
