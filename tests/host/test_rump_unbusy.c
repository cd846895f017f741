// SOURCES: src/rump/rump_uvm_unbusy.c
/* Host tests of the uvm_page_unbusy shim (src/rump/rump_uvm_unbusy.c):
 * NetBSD's function is replaced by a fake that, like its DIAGNOSTIC
 * assertion, dereferences the first entry; the shim must never hand it a
 * NULL there, and must pass every real page on, in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/rump/rump_unbusy.h"

struct vm_page { int id; int busy; };

static int real_calls;
static struct vm_page **real_pgs;
static int real_n;

void __real_rumpns_uvm_page_unbusy(struct vm_page **pgs, int npgs);
void __real_rumpns_uvm_page_unbusy(struct vm_page **pgs, int npgs)
{
    assert_true(npgs > 0);
    assert_non_null(pgs[0]); /* NetBSD: KASSERT(mutex_owned(pgs[0]->uobject->vmobjlock)) */
    real_calls++;
    real_pgs = pgs;
    real_n = npgs;
    for (int i = 0; i < npgs; i++)
        if (pgs[i])
            pgs[i]->busy = 0;
}

static void reset(void) { real_calls = 0; real_pgs = NULL; real_n = 0; }

static void first_null_skipped(void **state)
{
    (void)state;
    reset();
    struct vm_page a = { 1, 1 }, b = { 2, 1 };
    struct vm_page *pgs[] = { NULL, NULL, &a, NULL, &b };
    unsigned long before = rump_unbusy_null_first();
    __wrap_rumpns_uvm_page_unbusy(pgs, 5);
    assert_int_equal(real_calls, 1);
    assert_ptr_equal(real_pgs, &pgs[2]);
    assert_int_equal(real_n, 3);
    assert_int_equal(a.busy, 0);
    assert_int_equal(b.busy, 0);
    assert_int_equal(rump_unbusy_null_first(), before + 1);
}

static void all_null_is_nothing(void **state)
{
    (void)state;
    reset();
    struct vm_page *pgs[] = { NULL, NULL, NULL };
    __wrap_rumpns_uvm_page_unbusy(pgs, 3);
    assert_int_equal(real_calls, 0);
}

static void first_real_passed_whole(void **state)
{
    (void)state;
    reset();
    struct vm_page a = { 1, 1 }, b = { 2, 1 };
    struct vm_page *pgs[] = { &a, NULL, &b };
    unsigned long before = rump_unbusy_null_first();
    __wrap_rumpns_uvm_page_unbusy(pgs, 3);
    assert_int_equal(real_calls, 1);
    assert_ptr_equal(real_pgs, pgs);
    assert_int_equal(real_n, 3);
    assert_int_equal(rump_unbusy_null_first(), before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_null_skipped),
        cmocka_unit_test(all_null_is_nothing),
        cmocka_unit_test(first_real_passed_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
