// SOURCES: src/fs/ext2_parse.c src/fs/ext2_htree.c src/lib/sha256.c
/* The ext2 read engine on the host, on the images tools/images/mkimages.py makes
 * (it is run first; the images live in <build>/fsimg, <build> being the
 * directory above this binary's):
 *   - each good image gives exactly the manifest tools/images/manifest.sh prints
 *     for the tree it was made from;
 *   - the 5 GiB file reads right past 4 GiB;
 *   - every hostile image fails with an error (under ASan/UBSan: no
 *     out-of-bounds access);
 *   - single-field mutations of the superblock and a truncated device fail
 *     or work, never crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <adros/ext2_parse.h>
#include <adros/sha256.h>

#define H_EIO 5
#define H_ENOENT 2

static char build_dir[1024];

struct img {
    uint8_t *data;
    size_t size;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len, bool meta)
{
    const struct img *m = ctx;
    if (off > m->size || len > m->size - off)
        return -H_EIO;
    memcpy(buf, m->data + off, len);
    return 0;
}

static struct img load(const char *name)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/fsimg/%s", build_dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    struct img m = { NULL, (size_t)ftell(f) };
    fseek(f, 0, SEEK_SET);
    m.data = malloc(m.size);
    assert_non_null(m.data);
    assert_int_equal(fread(m.data, 1, m.size, f), m.size);
    fclose(f);
    return m;
}

/* --- manifest of an image, as the kernel prints it --- */
struct ent {
    char *path;
    uint32_t ino;
};
struct list {
    struct ent *e;
    size_t n, cap;
};

static int walk(struct ext2_fs *fs, uint32_t dino, const char *prefix, struct list *l, int depth, void *scratch)
{
    struct ext2_inode dir;
    struct ext2_dirent de;
    uint64_t pos = 0;
    int r;
    if (depth > 32)
        return -62;
    if ((r = ext2_read_inode(fs, dino, &dir, scratch)) != 0)
        return r;
    while ((r = ext2_dir_next(fs, &dir, &pos, &de, scratch)) == 1) {
        if (!strcmp(de.name, ".") || !strcmp(de.name, ".."))
            continue;
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 256;
            l->e = realloc(l->e, l->cap * sizeof(*l->e));
        }
        size_t pl = strlen(prefix) + 1 + de.namelen + 1;
        char *p = malloc(pl);
        snprintf(p, pl, "%s/%s", prefix, de.name);
        l->e[l->n].path = p;
        l->e[l->n++].ino = de.ino;
        struct ext2_inode in;
        if ((r = ext2_read_inode(fs, de.ino, &in, scratch)) != 0)
            return r;
        if (ext2_itype(&in) == EXT2_S_IFDIR && (r = walk(fs, de.ino, p, l, depth + 1, scratch)) != 0)
            return r;
    }
    return r;
}

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const struct ent *)a)->path, ((const struct ent *)b)->path);
}

/* Returns the manifest text (malloc'd) or NULL with *err. */
static char *image_manifest(struct img *m, int *err)
{
    struct ext2_io io = { mem_read, m };
    struct ext2_fs fs;
    struct list l = { 0 };
    if ((*err = ext2_mount(&fs, &io, m->size)) != 0)
        return NULL;
    void *scratch = malloc(EXT2_SCRATCH(fs.block_size));
    uint8_t *buf = malloc(1 << 20);
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    *err = walk(&fs, EXT2_ROOT_INO, "", &l, 0, scratch);
    if (!*err)
        qsort(l.e, l.n, sizeof(*l.e), cmp_ent);
    len += (size_t)sprintf(out, "MANIFEST-BEGIN\n");
    for (size_t i = 0; !*err && i < l.n; i++) {
        struct ext2_inode in;
        char hex[65];
        uint8_t d[32];
        if ((*err = ext2_read_inode(&fs, l.e[i].ino, &in, scratch)) != 0)
            break;
        if (len + 5000 > cap) {
            char *bigger = realloc(out, cap *= 2);
            assert_non_null(bigger);
            out = bigger;
        }
        if (ext2_itype(&in) == EXT2_S_IFDIR) {
            len += (size_t)sprintf(out + len, "d - - %s\n", l.e[i].path);
        } else if (ext2_itype(&in) == EXT2_S_IFLNK) {
            char t[4096];
            int n = ext2_readlink(&fs, &in, t, sizeof(t), scratch);
            if (n < 0) {
                *err = n;
                break;
            }
            sha256(t, (size_t)n, d);
            sha256_hex(d, hex);
            len += (size_t)sprintf(out + len, "l %d %s %s\n", n, hex, l.e[i].path);
        } else if (ext2_itype(&in) == EXT2_S_IFREG) {
            struct sha256_ctx c;
            sha256_init(&c);
            for (uint64_t off = 0; off < in.size;) {
                ssize_t n = ext2_read(&fs, &in, off, buf, 1 << 20, scratch);
                if (n <= 0) {
                    *err = n < 0 ? (int)n : -H_EIO;
                    break;
                }
                sha256_update(&c, buf, (size_t)n);
                off += (uint64_t)n;
            }
            sha256_final(&c, d);
            sha256_hex(d, hex);
            len += (size_t)sprintf(out + len, "f %llu %s %s\n", (unsigned long long)in.size, hex, l.e[i].path);
        } else {
            len += (size_t)sprintf(out + len, "o - - %s\n", l.e[i].path);
        }
    }
    sprintf(out + len, "MANIFEST-END %zu\n", l.n);
    for (size_t i = 0; i < l.n; i++)
        free(l.e[i].path);
    free(l.e);
    free(scratch);
    free(buf);
    if (*err) {
        free(out);
        return NULL;
    }
    return out;
}

static char *host_manifest(const char *tree)
{
    char cmd[2400];
    snprintf(cmd, sizeof(cmd), "tools/images/manifest.sh '%s/fsimg/%s'", build_dir, tree);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 20, len = 0, n;
    char *out = malloc(cap);
    while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (cap - len < 4096) {
            char *bigger = realloc(out, cap *= 2);
            assert_non_null(bigger);
            out = bigger;
        }
    }
    out[len] = '\0';
    assert_int_equal(pclose(p), 0);
    return out;
}

static void check_good(const char *img, const char *tree)
{
    struct img m = load(img);
    int err;
    char *got = image_manifest(&m, &err);
    if (!got)
        fail_msg("%s: error %d", img, err);
    char *want = host_manifest(tree);
    if (strcmp(got, want) != 0) {
        /* Show the first differing line. */
        char *g = got, *w = want;
        while (*g && *g == *w)
            g++, w++;
        while (g > got && g[-1] != '\n')
            g--, w--;
        fail_msg("%s: manifest differs at\n  image: %.200s\n  host:  %.200s", img, g, w);
    }
    free(got);
    free(want);
    free(m.data);
}

static void good_std1k(void **state) { check_good("std1k.img", "tree-full"); }
static void good_std2k(void **state) { check_good("std2k.img", "tree-nobig"); }
static void good_std4k(void **state) { check_good("std4k.img", "tree-full"); }
static void good_rev0(void **state) { check_good("rev0.img", "tree-small"); }

static void over_4gib(void **state)
{
    struct img m = load("big4k.img");
    struct ext2_io io = { mem_read, &m };
    struct ext2_fs fs;
    assert_int_equal(ext2_mount(&fs, &io, m.size), 0);
    void *s = malloc(EXT2_SCRATCH(fs.block_size));
    struct ext2_inode root, in;
    uint32_t ino;
    assert_int_equal(ext2_read_inode(&fs, EXT2_ROOT_INO, &root, s), 0);
    assert_int_equal(ext2_lookup(&fs, &root, "over4g", &ino, s), 0);
    assert_int_equal(ext2_lookup(&fs, &root, "nope", &ino, s), -H_ENOENT);
    assert_int_equal(ext2_lookup(&fs, &root, "over4g", &ino, s), 0);
    assert_int_equal(ext2_read_inode(&fs, ino, &in, s), 0);
    uint64_t g5 = 5ull << 30;
    assert_true(in.size == g5 + 4096);
    char buf[64] = { 0 };
    assert_int_equal(ext2_read(&fs, &in, g5, buf, 9, s), 9);
    assert_string_equal(buf, "5 GiB in\n");
    memset(buf, 1, sizeof(buf));
    assert_int_equal(ext2_read(&fs, &in, 4ull << 30, buf, 64, s), 64);
    for (int i = 0; i < 64; i++)
        assert_int_equal(buf[i], 0);
    uint32_t pb = 1;
    assert_int_equal(ext2_bmap(&fs, &in, (4ull << 30) / 4096, &pb, s), 0);
    assert_int_equal(pb, 0); /* a hole */
    assert_int_equal(ext2_bmap(&fs, &in, g5 / 4096, &pb, s), 0);
    assert_int_not_equal(pb, 0);
    assert_int_equal(ext2_read(&fs, &in, g5 + 4096, buf, 64, s), 0);
    free(s);
    free(m.data);
}

static void hostile_images(void **state)
{
    char dirpath[1100];
    snprintf(dirpath, sizeof(dirpath), "%s/fsimg", build_dir);
    DIR *d = opendir(dirpath);
    assert_non_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "bad-", 4) != 0)
            continue;
        struct img m = load(e->d_name);
        int err;
        char *out = image_manifest(&m, &err);
        if (out)
            fail_msg("%s: the walk succeeded on a corrupt image", e->d_name);
        assert_true(err < 0);
        free(m.data);
        n++;
    }
    closedir(d);
    assert_true(n >= 30);
}

/* Every superblock byte set to a few values, and the device cut short:
 * each must mount and walk, or fail, without any sanitizer report. */
static void mutations(void **state)
{
    struct img orig = load("small1k.img");
    struct img m = { malloc(orig.size), orig.size };
    static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0xff };
    int failures = 0, runs = 0;
    for (size_t off = 1024; off < 1024 + 208; off++) {
        for (size_t v = 0; v < sizeof(vals); v++) {
            memcpy(m.data, orig.data, orig.size);
            m.data[off] = vals[v];
            int err;
            char *out = image_manifest(&m, &err);
            failures += out == NULL;
            free(out);
            runs++;
        }
    }
    /* Some fields matter (magic, sizes), so some runs must fail. */
    assert_true(failures > 50);
    assert_true(failures < runs);
    for (size_t cut = 2048; cut < orig.size; cut += 7 * 1024) {
        m.size = cut;
        int err;
        char *out = image_manifest(&m, &err);
        assert_null(out);
    }
    free(m.data);
    free(orig.data);
}

int main(int argc, char **argv)
{
    /* <build>/host/test_ext2 -> <build> */
    char tmp[1024];
    snprintf(tmp, sizeof(tmp), "%s", argv[0]);
    snprintf(build_dir, sizeof(build_dir), "%s", dirname(dirname(tmp)));
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "python3 tools/images/mkimages.py '%s' >/dev/null", build_dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "tools/images/mkimages.py failed (run from the source tree)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_std1k), cmocka_unit_test(good_std2k), cmocka_unit_test(good_std4k),
        cmocka_unit_test(good_rev0),  cmocka_unit_test(over_4gib),  cmocka_unit_test(hostile_images),
        cmocka_unit_test(mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
