// SOURCES: src/mm/kmalloc_class.c
/* Host tests of kmalloc's size-class selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <adros/kmalloc_class.h>

static void classes_cover_sizes(void **state)
{
    assert_int_equal(kmalloc_class(0, 0), -1);
    for (size_t s = 1; s <= KMALLOC_MAX_SMALL; s++) {
        int c = kmalloc_class(s, 0);
        assert_true(c >= 0 && c < KMALLOC_NCLASS);
        assert_true(kmalloc_class_size(c) >= s);
        /* The smallest class that fits. */
        if (c > 0)
            assert_true(kmalloc_class_size(c - 1) < s);
    }
    assert_int_equal(kmalloc_class(KMALLOC_MAX_SMALL + 1, 0), -1);
    assert_int_equal(kmalloc_class(1, 0), 0);
    assert_int_equal(kmalloc_class(16, 0), 0);
    assert_int_equal(kmalloc_class(17, 0), 1);
    assert_int_equal(kmalloc_class(2048, 0), 7);
}

static void alignment_picks_big_enough_class(void **state)
{
    /* Objects are aligned to their class size: the class must be >= align. */
    for (size_t align = 1; align <= 4096; align <<= 1) {
        for (size_t s = 1; s <= 3000; s += 7) {
            int c = kmalloc_class(s, align);
            if (c < 0) {
                assert_true(s > KMALLOC_MAX_SMALL || align > KMALLOC_MAX_SMALL);
                continue;
            }
            assert_true(kmalloc_class_size(c) >= s);
            assert_true(kmalloc_class_size(c) % (align < 16 ? 16 : align) == 0);
        }
    }
    assert_int_equal(kmalloc_class(8, 4096), -1);
    assert_int_equal(kmalloc_class(8, 64), 2);
}

static void slab_geometry(void **state)
{
    for (int c = 0; c < KMALLOC_NCLASS; c++) {
        unsigned slab = 4096u << kmalloc_slab_order(c);
        unsigned first = kmalloc_class_size(c) > 64 ? kmalloc_class_size(c) : 64;
        unsigned nobj = (slab - first) / kmalloc_class_size(c);
        assert_true(nobj >= 3);
        assert_true(nobj <= 256); /* the slab bitmap has 256 bits */
        /* Wasted space stays under a quarter of the slab. */
        assert_true(slab - nobj * kmalloc_class_size(c) <= slab / 4);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classes_cover_sizes),
        cmocka_unit_test(alignment_picks_big_enough_class),
        cmocka_unit_test(slab_geometry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
