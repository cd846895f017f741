// SOURCES: src/rump/rump_uvm_aiodone.c
/* Host tests of the page-write completion shim (src/rump/rump_uvm_aiodone.c):
 * NetBSD's uvm_aio_biodone, uvm_pageratop, mutexes and uvm_pageout_done are
 * fakes that record what they were given.  A write that failed with ENOMEM
 * must leave its pages dirty and out of page-out, with the page-out count
 * given back after NetBSD's completion ran; a successful read into a
 * mapping window (rump_pager.c; faked here) must leave its pages valid
 * (PG_FAKE cleared) before NetBSD's completion unbusies them, and a read
 * into NetBSD's copying pager's buffer, a failed or short read must not;
 * anything else must reach NetBSD's completion untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/rump/rump_aiodone.h"
#include "../../src/rump/rump_pager.h"

#define PG_BUSY 0x0001
#define NPG 3

static struct nb_vm_page pages[NPG];
static char data[NPG * NB_PAGE_SIZE];
static struct nb_buf buf;
static int lock_word, lock_held, lock_enters, real_calls, pageout_done_n, pageout_done_calls;
static struct nb_uvm_object uobj = { .vmobjlock = &lock_word };

struct nb_vm_page *rumpns_uvm_pageratop(uintptr_t va);
struct nb_vm_page *rumpns_uvm_pageratop(uintptr_t va)
{
    assert_true(va >= (uintptr_t)data && va < (uintptr_t)data + sizeof(data));
    assert_int_equal((va - (uintptr_t)data) % NB_PAGE_SIZE, 0);
    return &pages[(va - (uintptr_t)data) / NB_PAGE_SIZE];
}

void rumpns_mutex_enter(void *m);
void rumpns_mutex_enter(void *m)
{
    assert_ptr_equal(m, &lock_word);
    assert_false(lock_held);
    lock_held = 1;
    lock_enters++;
}

void rumpns_mutex_exit(void *m);
void rumpns_mutex_exit(void *m)
{
    assert_ptr_equal(m, &lock_word);
    assert_true(lock_held);
    lock_held = 0;
}

void rumpns_uvm_pageout_done(int n);
void rumpns_uvm_pageout_done(int n)
{
    assert_int_equal(real_calls, 1); /* after NetBSD's completion */
    pageout_done_n += n;
    pageout_done_calls++;
}

void __real_rumpns_uvm_aio_biodone(struct nb_buf *bp);
void __real_rumpns_uvm_aio_biodone(struct nb_buf *bp)
{
    assert_ptr_equal(bp, &buf);
    assert_false(lock_held); /* NetBSD's takes the object's lock itself */
    real_calls++;
}

static bool is_window;
static unsigned long valid_counted;
bool rump_pager_is_window(uintptr_t kva)
{
    assert_ptr_equal((void *)kva, data);
    return is_window;
}
void rump_pager_count_valid(unsigned long n) { valid_counted += n; }

static void reset(int error, uint32_t flags)
{
    is_window = false;
    lock_held = lock_enters = real_calls = pageout_done_n = pageout_done_calls = 0;
    const uint16_t f[NPG] = { PG_BUSY | NB_PG_CLEAN | NB_PG_PAGEOUT, PG_BUSY | NB_PG_CLEAN,
                              PG_BUSY | NB_PG_CLEAN | NB_PG_PAGEOUT };
    for (int i = 0; i < NPG; i++) {
        memset(&pages[i], 0, sizeof(pages[i]));
        pages[i].uobject = &uobj;
        pages[i].flags = f[i];
    }
    memset(&buf, 0, sizeof(buf));
    buf.b_error = error;
    buf.b_flags = flags;
    buf.b_bufsize = NPG * NB_PAGE_SIZE;
    buf.b_data = data;
}

static void enomem_write_kept_dirty(void **state)
{
    (void)state;
    reset(NB_ENOMEM, 0);
    unsigned long w0, p0, w1, p1;
    rump_aiodone_kept(&w0, &p0);
    __wrap_rumpns_uvm_aio_biodone(&buf);
    assert_int_equal(real_calls, 1);
    for (int i = 0; i < NPG; i++) {
        assert_int_equal(pages[i].flags & (NB_PG_CLEAN | NB_PG_PAGEOUT), 0);
        assert_int_equal(pages[i].flags & PG_BUSY, PG_BUSY); /* NetBSD's completion unbusies */
    }
    assert_int_equal(lock_enters, 1);
    assert_false(lock_held);
    assert_int_equal(pageout_done_calls, 1);
    assert_int_equal(pageout_done_n, 2);
    rump_aiodone_kept(&w1, &p1);
    assert_int_equal(w1, w0 + 1);
    assert_int_equal(p1, p0 + NPG);
}

static void untouched(int error, uint32_t flags)
{
    reset(error, flags);
    unsigned long w0, p0, w1, p1;
    rump_aiodone_kept(&w0, &p0);
    __wrap_rumpns_uvm_aio_biodone(&buf);
    assert_int_equal(real_calls, 1);
    assert_int_equal(pages[0].flags, PG_BUSY | NB_PG_CLEAN | NB_PG_PAGEOUT);
    assert_int_equal(pages[1].flags, PG_BUSY | NB_PG_CLEAN);
    assert_int_equal(lock_enters, 0);
    assert_int_equal(pageout_done_calls, 0);
    rump_aiodone_kept(&w1, &p1);
    assert_int_equal(w1, w0);
    assert_int_equal(p1, p0);
}

static void other_write_error_untouched(void **state) { (void)state; untouched(5 /* EIO */, 0); }

/* A read of pages 0 and 2 (fake), page 1 valid already. */
static void read_setup(int error, int resid, bool window)
{
    reset(error, NB_B_READ);
    buf.b_resid = resid;
    is_window = window;
    valid_counted = 0;
    for (int i = 0; i < NPG; i++)
        pages[i].flags = (uint16_t)(PG_BUSY | NB_PG_CLEAN | (i == 1 ? 0 : NB_PG_FAKE));
}

static void window_read_made_valid(void **state)
{
    (void)state;
    read_setup(0, 0, true);
    __wrap_rumpns_uvm_aio_biodone(&buf);
    assert_int_equal(real_calls, 1);
    for (int i = 0; i < NPG; i++)
        assert_int_equal(pages[i].flags, PG_BUSY | NB_PG_CLEAN); /* still busy: NetBSD unbusies */
    assert_int_equal(lock_enters, 1);
    assert_false(lock_held);
    assert_int_equal(valid_counted, 2);
    assert_int_equal(pageout_done_calls, 0);
}

static void read_stays_fake(int error, int resid, bool window)
{
    read_setup(error, resid, window);
    __wrap_rumpns_uvm_aio_biodone(&buf);
    assert_int_equal(real_calls, 1);
    assert_int_equal(pages[0].flags, PG_BUSY | NB_PG_CLEAN | NB_PG_FAKE);
    assert_int_equal(pages[2].flags, PG_BUSY | NB_PG_CLEAN | NB_PG_FAKE);
    assert_int_equal(lock_enters, 0);
    assert_int_equal(valid_counted, 0);
}

static void copied_read_stays_fake(void **state) { (void)state; read_stays_fake(0, 0, false); }
static void failed_read_stays_fake(void **state) { (void)state; read_stays_fake(5 /* EIO */, 0, true); }
static void short_read_stays_fake(void **state) { (void)state; read_stays_fake(0, 4096, true); }
static void read_untouched(void **state) { (void)state; untouched(NB_ENOMEM, NB_B_READ); }
static void success_untouched(void **state) { (void)state; untouched(0, 0); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enomem_write_kept_dirty),
        cmocka_unit_test(other_write_error_untouched),
        cmocka_unit_test(read_untouched),
        cmocka_unit_test(success_untouched),
        cmocka_unit_test(window_read_made_valid),
        cmocka_unit_test(copied_read_stays_fake),
        cmocka_unit_test(failed_read_stays_fake),
        cmocka_unit_test(short_read_stays_fake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
