// SOURCES: src/fs/ext2_parse.c src/fs/ext2_htree.c
/* Host tests of ext2 directory indexes (src/fs/ext2_htree.c): the hashes
 * agree with e2fsprogs' (debugfs dx_hash) for every hash version, seeded
 * and not, signed and unsigned chars; on images whose directories e2fsck
 * indexed (-D), every name is found through the index (no fallback to a
 * scan), a missing name is ENOENT, and a damaged index falls back to a scan
 * that still finds everything.  Needs mke2fs, e2fsck and debugfs (e2fsprogs,
 * installed by tools/deps.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <adros/errno.h>
#include <adros/ext2_parse.h>

static char dir[] = "/tmp/adros-htree-XXXXXX";
static FILE *img;

static int file_read(void *ctx, uint64_t off, void *buf, size_t len, bool meta)
{
    if (fseeko(img, (off_t)off, SEEK_SET) != 0 || fread(buf, 1, len, img) != len)
        return -5;
    return 0;
}

static void sh(const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

/* debugfs's hash of name for version v and seed (a UUID or NULL). */
static uint32_t debugfs_hash(const char *imgpath, const char *name, int v, const char *seed, uint32_t *minor)
{
    char cmd[1024], line[256];
    snprintf(cmd, sizeof(cmd), "debugfs -R 'dx_hash -h %d %s%s \"%s\"' %s 2>/dev/null", v, seed ? "-s " : "",
             seed ? seed : "", name, imgpath);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    unsigned h = 0, m = 0;
    bool got = false;
    while (fgets(line, sizeof(line), p)) {
        const char *at = line;
        for (const char *q = line; *q; q++)
            if (q[0] == ' ' && q[1] == 'i' && q[2] == 's' && q[3] == ' ' && q[4] == '0' && q[5] == 'x')
                at = q; /* the last " is 0x": the name may hold spaces */
        if (sscanf(at, " is 0x%x (minor 0x%x)", &h, &m) == 2)
            got = true;
    }
    pclose(p);
    if (!got)
        fail_msg("no hash from debugfs for %s", name);
    *minor = m;
    return h;
}

static void test_hashes_match_e2fsprogs(void **st)
{
    char imgpath[128];
    snprintf(imgpath, sizeof(imgpath), "%s/h.img", dir);
    sh("mke2fs -q -F -t ext2 %s 1M >/dev/null 2>&1", imgpath);
    static const char *names[] = { "a", "file1.txt", "x0123456789abcdef0123456789abcdefXYZ",
                                   "a name with spaces", "\xc3\xa9t\xc3\xa9-caf\xc3\xa9", "\xff\x80\x7f",
                                   "exactly-32-characters-long-name!", "sixteen-chars-ab" };
    static const char *seed = "e22d68a3-37ea-45eb-8141-a4cff6e56151";
    const uint32_t seed_words[4] = { 0xa3682de2u, 0xeb45ea37u, 0xcfa44181u, 0x5161e5f6u };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        for (int v = 0; v <= 5; v++)
            for (int s = 0; s < 2; s++) {
                uint32_t dm, om;
                uint32_t want = debugfs_hash(imgpath, names[i], v, s ? seed : NULL, &dm);
                uint32_t got = ext2_dx_hash(names[i], __builtin_strlen(names[i]), v, s ? seed_words : NULL, &om);
                if (got != want || om != dm)
                    fail_msg("hash of \"%s\" version %d seed %d: %#x/%#x, debugfs %#x/%#x", names[i], v, s, got,
                             om, want, dm);
            }
}

/* A tree of n files in one directory, made into an image and indexed. */
static void make_image(const char *imgpath, int n, const char *tune)
{
    char tree[128];
    snprintf(tree, sizeof(tree), "%s/tree", dir);
    sh("rm -rf %s && mkdir -p %s/big", tree, tree);
    for (int i = 0; i < n; i++) {
        char p[256];
        snprintf(p, sizeof(p), "%s/big/entry-%05d-%s.dat", tree, i, i % 3 ? "x" : "longer-name-\xc3\xa9t\xc3\xa9");
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fclose(f);
    }
    sh("mke2fs -q -F -t ext2 -b 1024 -N %d -d %s %s 16M >/dev/null 2>&1", n + 64, tree, imgpath);
    /* Another hash (tune2fs) or unsigned-char hashing (the superblock's
     * flags), then e2fsck -D builds the indexes with it. */
    if (tune && *tune)
        sh("%s %s >/dev/null 2>&1", tune, imgpath);
    sh("e2fsck -fyD %s >/dev/null 2>&1; e2fsck -fn %s >/dev/null 2>&1", imgpath, imgpath);
}

static uint8_t scratch[EXT2_SCRATCH(4096)];
static struct ext2_io io = { file_read, NULL };

/* Mounts the image (left open in img) and reads the inode of /big. */
static void open_big(const char *imgpath, struct ext2_fs *fs, struct ext2_inode *big)
{
    img = fopen(imgpath, "rb");
    assert_non_null(img);
    fseeko(img, 0, SEEK_END);
    assert_int_equal(ext2_mount(fs, &io, (uint64_t)ftello(img)), 0);
    struct ext2_inode root;
    uint32_t ino;
    assert_int_equal(ext2_read_inode(fs, EXT2_ROOT_INO, &root, scratch), 0);
    assert_int_equal(ext2_lookup(fs, &root, "big", &ino, scratch), 0);
    assert_int_equal(ext2_read_inode(fs, ino, big, scratch), 0);
}

static void lookup_all(const char *imgpath, int n, bool expect_index)
{
    struct ext2_fs fs;
    struct ext2_inode big;
    uint32_t ino;
    open_big(imgpath, &fs, &big);
    if (expect_index)
        assert_true(big.flags & EXT2_INDEX_FL);
    fs.htree_lookups = fs.htree_fallbacks = 0;
    for (int i = 0; i < n; i++) {
        char name[128];
        snprintf(name, sizeof(name), "entry-%05d-%s.dat", i, i % 3 ? "x" : "longer-name-\xc3\xa9t\xc3\xa9");
        if (ext2_lookup(&fs, &big, name, &ino, scratch) != 0)
            fail_msg("%s not found", name);
    }
    assert_int_equal(ext2_lookup(&fs, &big, "entry-99999-x.dat", &ino, scratch), -ENOENT);
    assert_int_equal(ext2_lookup(&fs, &big, "entry-00001-x.da", &ino, scratch), -ENOENT);
    if (expect_index) {
        assert_int_equal(fs.htree_lookups, n + 2);
        assert_int_equal(fs.htree_fallbacks, 0);
    }
    fclose(img);
}

static void test_indexed_lookups(void **st)
{
    char imgpath[128];
    snprintf(imgpath, sizeof(imgpath), "%s/idx.img", dir);
    make_image(imgpath, 3000, NULL);
    lookup_all(imgpath, 3000, true);
}

static void test_tea_legacy_unsigned(void **st)
{
    char imgpath[128];
    snprintf(imgpath, sizeof(imgpath), "%s/tea.img", dir);
    make_image(imgpath, 600, "tune2fs -E hash_alg=tea");
    lookup_all(imgpath, 600, true);
    snprintf(imgpath, sizeof(imgpath), "%s/legacy.img", dir);
    make_image(imgpath, 600, "tune2fs -E hash_alg=legacy");
    lookup_all(imgpath, 600, true);
    snprintf(imgpath, sizeof(imgpath), "%s/unsigned.img", dir);
    make_image(imgpath, 600, "debugfs -w -R 'ssv flags 2'");
    lookup_all(imgpath, 600, true);
}

/* The index root damaged (its info length): the lookup scans instead. */
static void test_damaged_index_falls_back(void **st)
{
    char imgpath[128];
    snprintf(imgpath, sizeof(imgpath), "%s/bad.img", dir);
    make_image(imgpath, 500, NULL);
    char cmd[512], line[256];
    snprintf(cmd, sizeof(cmd), "debugfs -R 'bmap big 0' %s 2>/dev/null", imgpath);
    FILE *p = popen(cmd, "r");
    unsigned blk = 0;
    while (fgets(line, sizeof(line), p))
        sscanf(line, "%u", &blk);
    pclose(p);
    assert_true(blk > 0);
    FILE *f = fopen(imgpath, "r+b");
    fseeko(f, (off_t)blk * 1024 + 29, SEEK_SET);
    fputc(7, f); /* info_length must be 8 */
    fclose(f);
    struct ext2_fs fs;
    struct ext2_inode big;
    uint32_t ino;
    open_big(imgpath, &fs, &big);
    assert_int_equal(ext2_lookup(&fs, &big, "entry-00250-x.dat", &ino, scratch), 0);
    assert_int_equal(fs.htree_fallbacks, 1);
    fclose(img);
}

static int setup(void **st)
{
    if (!mkdtemp(dir))
        return -1;
    return system("command -v mke2fs >/dev/null && command -v debugfs >/dev/null") == 0 ? 0 : -1;
}

static int teardown(void **st)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashes_match_e2fsprogs),
        cmocka_unit_test(test_indexed_lookups),
        cmocka_unit_test(test_tea_legacy_unsigned),
        cmocka_unit_test(test_damaged_index_falls_back),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
