// SOURCES: src/fs/fsdetect.c
/* Host tests of file-system detection by magic numbers (src/fs/fsdetect.c)
 * on synthetic disk starts: each signature, the order of the checks, FAT
 * boot sectors that lie, and buffers too short for a signature. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>

#include <adros/fsdetect.h>

static uint8_t disk[FSDETECT_BYTES + 4096];

static void wipe(void)
{
    for (size_t i = 0; i < sizeof(disk); i++)
        disk[i] = 0;
}
static void put16(size_t off, uint16_t v)
{
    disk[off] = (uint8_t)v;
    disk[off + 1] = (uint8_t)(v >> 8);
}
static void put32(size_t off, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        disk[off + i] = (uint8_t)(v >> (8 * i));
}

static enum fsdetect_kind detect(size_t have, const char **what) { return fsdetect(disk, have, what); }

/* A BIOS parameter block: total sectors, sectors per cluster, root
 * entries, FAT size (in the FAT32 field when fat32). */
static void bpb(uint32_t total, uint8_t spc, uint16_t rootents, uint32_t fatsz, bool fat32)
{
    disk[0] = 0xEB;
    disk[1] = 0x3C;
    disk[2] = 0x90;
    put16(11, 512);
    disk[13] = spc;
    put16(14, fat32 ? 32 : 1);
    disk[16] = 2;
    put16(17, rootents);
    if (total < 65536)
        put16(19, (uint16_t)total);
    else
        put32(32, total);
    disk[21] = 0xF8;
    if (fat32)
        put32(36, fatsz);
    else
        put16(22, (uint16_t)fatsz);
}

static void test_empty(void **state)
{
    const char *what = "x";
    wipe();
    assert_int_equal(detect(sizeof(disk), &what), FSDETECT_NONE);
    assert_null(what);
    assert_int_equal(fsdetect(disk, 0, NULL), FSDETECT_NONE);
}

static void test_ext2(void **state)
{
    const char *what;
    wipe();
    put16(1080, 0xEF53);
    assert_int_equal(detect(sizeof(disk), &what), FSDETECT_EXT2);
    assert_string_equal(what, "ext2");
    /* The magic's last byte just out of reach: nothing. */
    assert_int_equal(detect(1081, &what), FSDETECT_NONE);
    assert_int_equal(detect(1082, NULL), FSDETECT_EXT2);
}

static void test_ffs(void **state)
{
    const char *what;
    static const size_t sbs[] = { 65536, 8192, 0 };
    static const uint32_t magics[] = { 0x00011954u, 0x19540119u, 0x54190100u, 0x19015419u };
    for (size_t i = 0; i < 3; i++) {
        for (size_t m = 0; m < 4; m++) {
            wipe();
            put32(sbs[i] + 1372, magics[m]);
            assert_int_equal(detect(sizeof(disk), &what), FSDETECT_FFS);
            assert_string_equal(what, "FFS");
            /* Cut just before the magic's end: not seen. */
            assert_int_equal(detect(sbs[i] + 1375, NULL), FSDETECT_NONE);
        }
    }
    /* A near miss is not FFS. */
    wipe();
    put32(8192 + 1372, 0x00011955u);
    assert_int_equal(detect(sizeof(disk), NULL), FSDETECT_NONE);
}

static void test_iso9660(void **state)
{
    const char *what;
    wipe();
    disk[32768] = 1;
    for (int i = 0; i < 5; i++)
        disk[32769 + i] = (uint8_t)"CD001"[i];
    assert_int_equal(detect(sizeof(disk), &what), FSDETECT_ISO9660);
    assert_string_equal(what, "ISO 9660");
    assert_int_equal(detect(32773, NULL), FSDETECT_NONE);
}

static void test_fat_kinds(void **state)
{
    const char *what;
    wipe();
    bpb(2880, 1, 224, 9, false); /* a 1.44 MB floppy */
    assert_int_equal(detect(512, &what), FSDETECT_FAT);
    assert_string_equal(what, "FAT12");
    wipe();
    bpb(65535, 4, 512, 64, false);
    assert_int_equal(detect(sizeof(disk), &what), FSDETECT_FAT);
    assert_string_equal(what, "FAT16");
    wipe();
    bpb(131072 * 2, 1, 0, 2048, true);
    assert_int_equal(detect(sizeof(disk), &what), FSDETECT_FAT);
    assert_string_equal(what, "FAT32");
    assert_int_equal(fsdetect_fat_kind(disk), 32);
    /* Too short for a boot sector. */
    assert_int_equal(detect(511, NULL), FSDETECT_NONE);
}

static void test_fat_lies(void **state)
{
    /* No jump instruction. */
    wipe();
    bpb(2880, 1, 224, 9, false);
    disk[0] = 0;
    assert_int_equal(detect(sizeof(disk), NULL), FSDETECT_NONE);
    /* Bytes per sector not a power of two. */
    wipe();
    bpb(2880, 1, 224, 9, false);
    put16(11, 600);
    assert_int_equal(detect(sizeof(disk), NULL), FSDETECT_NONE);
    /* A media byte FAT does not know. */
    wipe();
    bpb(2880, 1, 224, 9, false);
    disk[21] = 0x12;
    assert_int_equal(detect(sizeof(disk), NULL), FSDETECT_NONE);
    /* Metadata larger than the disk. */
    wipe();
    bpb(20, 1, 224, 9, false);
    assert_int_equal(detect(sizeof(disk), NULL), FSDETECT_NONE);
    /* A FAT32 layout whose cluster count says FAT16. */
    wipe();
    bpb(8192, 1, 0, 64, true);
    assert_int_equal(detect(sizeof(disk), NULL), FSDETECT_NONE);
    /* A FAT12/16 layout without a root directory. */
    wipe();
    bpb(2880, 1, 0, 9, false);
    assert_int_equal(detect(sizeof(disk), NULL), FSDETECT_NONE);
}

static void test_order(void **state)
{
    const char *what;
    /* ext2 wins over a FAT boot sector and an ISO descriptor. */
    wipe();
    bpb(2880, 1, 224, 9, false);
    put16(1080, 0xEF53);
    disk[32769] = 'C', disk[32770] = 'D', disk[32771] = '0', disk[32772] = '0', disk[32773] = '1';
    assert_int_equal(detect(sizeof(disk), &what), FSDETECT_EXT2);
    /* ISO 9660 wins over FAT (an El Torito hybrid's boot sector). */
    put16(1080, 0);
    assert_int_equal(detect(sizeof(disk), &what), FSDETECT_ISO9660);
    /* Bytes past FSDETECT_BYTES are never looked at. */
    wipe();
    put32(FSDETECT_BYTES + 100, 0xffffffffu);
    assert_int_equal(detect(sizeof(disk), NULL), FSDETECT_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),     cmocka_unit_test(test_ext2),      cmocka_unit_test(test_ffs),
        cmocka_unit_test(test_iso9660),   cmocka_unit_test(test_fat_kinds), cmocka_unit_test(test_fat_lies),
        cmocka_unit_test(test_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
