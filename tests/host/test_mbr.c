// SOURCES: src/fs/mbr.c
/* Host tests of the MBR/EBR parser on simulated disks, hostile ones
 * included (loops, out-of-range entries, read errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include <adros/errno.h>
#include <adros/mbr.h>

#define NSEC 4096
static uint8_t disk[NSEC][512];
static int reads, fail_sector;
static struct mbr_part found[80];
static int nfound, nwarn;

static int rd(void *ctx, uint64_t s, uint8_t buf[512])
{
    assert_true(s < NSEC); /* the parser never reads past the disk */
    reads++;
    if ((int)s == fail_sector)
        return -EIO;
    for (int i = 0; i < 512; i++)
        buf[i] = disk[s][i];
    return 0;
}

static int add(void *ctx, const struct mbr_part *p)
{
    assert_true(nfound < 80);
    found[nfound++] = *p;
    return 0;
}

static void warn(void *ctx, const char *what, uint64_t sector) { nwarn++; }

static void put(uint64_t s, int slot, uint8_t type, uint32_t lba, uint32_t n)
{
    uint8_t *e = &disk[s][446 + 16 * slot];
    for (int i = 0; i < 16; i++)
        e[i] = 0;
    e[4] = type;
    for (int i = 0; i < 4; i++) {
        e[8 + i] = (uint8_t)(lba >> (8 * i));
        e[12 + i] = (uint8_t)(n >> (8 * i));
    }
    disk[s][510] = 0x55;
    disk[s][511] = 0xaa;
}

static int setup(void **state)
{
    for (int s = 0; s < NSEC; s++)
        for (int i = 0; i < 512; i++)
            disk[s][i] = 0;
    reads = nfound = nwarn = 0;
    fail_sector = -1;
    return 0;
}

static int scan(void) { return mbr_scan(NSEC, rd, add, warn, NULL); }

static void no_signature(void **state)
{
    assert_int_equal(scan(), 0);
    assert_int_equal(nfound, 0);
}

static void primaries_and_logicals(void **state)
{
    put(0, 0, 0x83, 2048, 100);
    put(0, 2, 0x0f, 3000, 1000); /* extended: 3000..3999 */
    put(0, 3, 0x07, 100, 200);
    put(3000, 0, 0x83, 1, 10);   /* hd5: 3001 */
    put(3000, 1, 0x05, 100, 50); /* next EBR at 3100 */
    put(3100, 0, 0x83, 2, 20);   /* hd6: 3102 */
    assert_int_equal(scan(), 5);
    assert_int_equal(nwarn, 0);
    assert_int_equal(found[0].num, 1);
    assert_int_equal(found[1].num, 3);
    assert_int_equal(found[1].type, 0x0f);
    assert_int_equal(found[2].num, 4);
    assert_int_equal(found[3].num, 5);
    assert_int_equal(found[3].start, 3001);
    assert_int_equal(found[3].nsectors, 10);
    assert_int_equal(found[4].num, 6);
    assert_int_equal(found[4].start, 3102);
}

static void hostile(void **state)
{
    put(0, 0, 0x83, 4000, 200);        /* past the end */
    put(0, 1, 0x83, 0xffffff00u, 512); /* would wrap in 32 bits */
    put(0, 2, 0x05, 1000, 2000);       /* extended 1000..2999 */
    put(0, 3, 0x05, 3000, 10);         /* a second extended: ignored */
    put(1000, 0, 0x83, 0, 10);         /* overlaps its own EBR */
    put(1000, 1, 0x05, 500, 10);       /* -> 1500 */
    put(1500, 0, 0x83, 1, 9999);       /* past the extended partition */
    put(1500, 1, 0x05, 200, 10);       /* back to 1200... */
    put(1200, 1, 0x05, 500, 10);       /* ...which links to 1500: a loop */
    assert_int_equal(scan(), 2);       /* the two extended entries themselves */
    assert_int_equal(nwarn, 6);
    assert_true(reads < 10);
}

static void long_chain_is_cut(void **state)
{
    put(0, 0, 0x05, 1, NSEC - 1);
    for (int i = 0; i < 200; i++) {
        put(1 + 2 * i, 0, 0x83, 1, 1);
        put(1 + 2 * i, 1, 0x05, 2 * (i + 1), 2);
    }
    int n = scan();
    assert_int_equal(n, 1 + MBR_MAX_LOGICAL);
    assert_int_equal(nwarn, 1);
}

static void read_errors(void **state)
{
    fail_sector = 0;
    assert_int_equal(scan(), -EIO);
    setup(NULL);
    put(0, 0, 0x05, 100, 100);
    fail_sector = 100;
    assert_int_equal(scan(), -EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(no_signature, setup),
        cmocka_unit_test_setup(primaries_and_logicals, setup),
        cmocka_unit_test_setup(hostile, setup),
        cmocka_unit_test_setup(long_chain_is_cut, setup),
        cmocka_unit_test_setup(read_errors, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
