// SOURCES: src/rump/rump_pager.c
/* Host tests of the pager shim (src/rump/rump_pager.c) against fakes of
 * the mapping windows (mm.h) and of NetBSD's copying pager: pages are
 * entered frame by frame, in order, at one window; uvm_pageratop answers
 * from the window; unmapping frees exactly that window; when no window is
 * free, or a page is not page-aligned, NetBSD's copying functions get the
 * call, and the unmap and lookup of such a buffer reach them too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <adros/mm.h>

#include "../../src/rump/rump_pager.h"

#define WBASE 0x40000000u
static uint32_t used[VMM_WINDOW_PAGES];  /* fake window: a page's frame, 0 free */
static bool alloc_fails;
static int enters, real_in, real_out, real_ratop;

vaddr_t vmm_window_alloc(uint32_t n)
{
    if (alloc_fails)
        return 0;
    for (uint32_t i = 0; i + n <= VMM_WINDOW_PAGES; i++) {
        uint32_t k = 0;
        while (k < n && !used[i + k])
            k++;
        if (k == n) {
            for (k = 0; k < n; k++)
                used[i + k] = 1; /* allocated, no frame yet */
            return WBASE + i * PAGE_SIZE;
        }
    }
    return 0;
}

int vmm_window_index(vaddr_t va)
{
    return va >= WBASE && va < WBASE + VMM_WINDOW_PAGES * PAGE_SIZE ? (int)((va - WBASE) / PAGE_SIZE) : -1;
}

void vmm_window_enter(vaddr_t va, paddr_t pa)
{
    int i = vmm_window_index(va);
    assert_true(i >= 0);
    assert_int_equal(used[i], 1);
    assert_int_equal(pa & (PAGE_SIZE - 1), 0);
    used[i] = pa;
    enters++;
}

void vmm_window_free(vaddr_t va, uint32_t n)
{
    int i = vmm_window_index(va);
    assert_true(i >= 0);
    for (uint32_t k = 0; k < n; k++) {
        assert_int_not_equal(used[i + k], 0);
        used[i + k] = 0;
    }
}

paddr_t vmm_virt_to_phys(vaddr_t va)
{
    int i = vmm_window_index(va);
    return i < 0 ? va : used[i] + (va & (PAGE_SIZE - 1));
}

void panic(const char *fmt, ...)
{
    (void)fmt;
    mock_assert(0, "panic", __FILE__, __LINE__);
    abort();
}

uintptr_t __real_rumpns_uvm_pagermapin(struct nb_vm_page **pgs, int npages, int flags);
uintptr_t __real_rumpns_uvm_pagermapin(struct nb_vm_page **pgs, int npages, int flags)
{
    (void)pgs;
    assert_int_equal(flags, NB_UVMPAGER_MAPIN_READ);
    real_in++;
    return 0x1000000u + (uintptr_t)npages * 0x10000u;
}
void __real_rumpns_uvm_pagermapout(uintptr_t kva, int npages);
void __real_rumpns_uvm_pagermapout(uintptr_t kva, int npages)
{
    assert_int_equal(kva, 0x1000000u + (uintptr_t)npages * 0x10000u);
    real_out++;
}
static struct nb_vm_page copied_page;
struct nb_vm_page *__real_rumpns_uvm_pageratop(uintptr_t va);
struct nb_vm_page *__real_rumpns_uvm_pageratop(uintptr_t va)
{
    (void)va;
    real_ratop++;
    return &copied_page;
}

#define NP 5
static struct nb_vm_page pages[NP];
static struct nb_vm_page *pgs[NP];

static int setup(void **state)
{
    (void)state;
    memset(used, 0, sizeof(used));
    alloc_fails = false;
    enters = real_in = real_out = real_ratop = 0;
    for (int i = 0; i < NP; i++) {
        pages[i].uanon = (void *)(uintptr_t)(0x200000u + (uint32_t)(NP - i) * 0x3000u);
        pgs[i] = &pages[i];
    }
    return 0;
}

static void mapped_in_order(void **state)
{
    (void)state;
    struct rump_pager_stats s0, s1;
    rump_pager_get_stats(&s0);
    uintptr_t va = __wrap_rumpns_uvm_pagermapin(pgs, NP, NB_UVMPAGER_MAPIN_READ);
    assert_true(rump_pager_is_window(va));
    assert_int_equal(enters, NP);
    assert_int_equal(real_in, 0);
    for (int i = 0; i < NP; i++) {
        assert_int_equal(vmm_virt_to_phys(va + (uintptr_t)i * PAGE_SIZE + 8), (uintptr_t)pages[i].uanon + 8);
        assert_ptr_equal(__wrap_rumpns_uvm_pageratop(va + (uintptr_t)i * PAGE_SIZE), &pages[i]);
        assert_ptr_equal(__wrap_rumpns_uvm_pageratop(va + (uintptr_t)i * PAGE_SIZE + 4095), &pages[i]);
        assert_int_equal(__wrap_rumpns_vtophys(va + (uintptr_t)i * PAGE_SIZE), (uintptr_t)pages[i].uanon);
    }
    assert_int_equal(real_ratop, 0);
    /* A second window does not overlap the first. */
    uintptr_t vb = __wrap_rumpns_uvm_pagermapin(pgs, 2, NB_UVMPAGER_MAPIN_READ);
    assert_true(vb >= va + NP * PAGE_SIZE || vb + 2 * PAGE_SIZE <= va);
    __wrap_rumpns_uvm_pagermapout(va, NP);
    for (int i = 0; i < NP; i++)
        assert_int_equal(used[i + vmm_window_index(va)], 0);
    assert_ptr_equal(__wrap_rumpns_uvm_pageratop(va), NULL); /* a window page with nothing there */
    assert_ptr_equal(__wrap_rumpns_uvm_pageratop(vb + PAGE_SIZE), &pages[1]);
    __wrap_rumpns_uvm_pagermapout(vb, 2);
    assert_int_equal(real_out, 0);
    rump_pager_get_stats(&s1);
    assert_int_equal(s1.mapped, s0.mapped + 2);
    assert_int_equal(s1.copied, s0.copied);
}

static void copies_when_no_window(void **state)
{
    (void)state;
    struct rump_pager_stats s0, s1;
    rump_pager_get_stats(&s0);
    alloc_fails = true;
    uintptr_t va = __wrap_rumpns_uvm_pagermapin(pgs, 3, NB_UVMPAGER_MAPIN_READ);
    assert_int_equal(real_in, 1);
    assert_false(rump_pager_is_window(va));
    assert_ptr_equal(__wrap_rumpns_uvm_pageratop(va), &copied_page);
    assert_int_equal(real_ratop, 1);
    __wrap_rumpns_uvm_pagermapout(va, 3);
    assert_int_equal(real_out, 1);
    rump_pager_get_stats(&s1);
    assert_int_equal(s1.copied, s0.copied + 1);
    assert_int_equal(s1.mapped, s0.mapped);
}

static void copies_unaligned_page(void **state)
{
    (void)state;
    pages[3].uanon = (void *)0x300010u;
    uintptr_t va = __wrap_rumpns_uvm_pagermapin(pgs, NP, NB_UVMPAGER_MAPIN_READ);
    assert_int_equal(real_in, 1);
    assert_int_equal(enters, 0);
    for (int i = 0; i < 64; i++)
        assert_int_equal(used[i], 0); /* nothing left allocated */
    __wrap_rumpns_uvm_pagermapout(va, NP);
    assert_int_equal(real_out, 1);
}

static void wrong_length_unmap_panics(void **state)
{
    (void)state;
    uintptr_t va = __wrap_rumpns_uvm_pagermapin(pgs, NP, NB_UVMPAGER_MAPIN_READ);
    expect_assert_failure(__wrap_rumpns_uvm_pagermapout(va, NP - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(mapped_in_order, setup),
        cmocka_unit_test_setup(copies_when_no_window, setup),
        cmocka_unit_test_setup(copies_unaligned_page, setup),
        cmocka_unit_test_setup(wrong_length_unmap_panics, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
