/* ext2 directory indexes (htree, the dir_index feature): the name hashes
 * and the indexed lookup behind ext2_lookup (portable; host-tested in
 * tests/host/test_ext2_htree.c against e2fsprogs' images and hashes, and
 * fuzzed with the rest of the ext2 engine).
 *
 * An indexed directory's block 0 holds "." and "..", then the root of a
 * tree of (hash, block) pairs sorted by hash; the leaves are ordinary
 * directory blocks holding the names whose hashes fall in their range.  A
 * lookup hashes the name, descends the tree by binary search and scans one
 * leaf, or the next ones while the index marks them as continuing the same
 * hash (collisions).  Everything read from the disk is checked: an index
 * that does not make sense is ignored (the caller scans the directory). */
#include <adros/errno.h>
#include <adros/ext2_parse.h>
#include <adros/string.h>

#include "ext2_int.h"

#define DX_HASH_LEGACY 0
#define DX_HASH_HALF_MD4 1
#define DX_HASH_TEA 2
#define DX_HASH_UNSIGNED 3 /* added to the three above */
#define DX_EOF_HASH (0x7fffffffu << 1)

static uint32_t rol(uint32_t x, int n) { return x << n | x >> (32 - n); }

/* The name as words: bytes shifted in one by one onto a padding pattern
 * made from the length, num words, the rest of them padding. */
static void name_words(const char *name, size_t len, uint32_t *out, int num, bool uns)
{
    uint32_t pad = (uint32_t)len | (uint32_t)len << 8;
    pad |= pad << 16;
    uint32_t val = pad;
    if (len > (size_t)num * 4)
        len = (size_t)num * 4;
    for (size_t i = 0; i < len; i++) {
        int c = uns ? (int)(unsigned char)name[i] : (int)(signed char)name[i];
        val = (uint32_t)c + (val << 8);
        if (i % 4 == 3) {
            *out++ = val;
            val = pad;
            num--;
        }
    }
    if (--num >= 0)
        *out++ = val;
    while (--num >= 0)
        *out++ = pad;
}

/* MD4's three rounds, cut down to 8 input words and 3 shifts a round. */
#define MD4_F(x, y, z) ((z) ^ ((x) & ((y) ^ (z))))
#define MD4_G(x, y, z) (((x) & (y)) + (((x) ^ (y)) & (z)))
#define MD4_H(x, y, z) ((x) ^ (y) ^ (z))
#define MD4_STEP(f, a, b, c, d, x, s) ((a) = rol((a) + f((b), (c), (d)) + (x), (s)))

static void half_md4(uint32_t buf[4], const uint32_t in[8])
{
    uint32_t a = buf[0], b = buf[1], c = buf[2], d = buf[3];
    static const uint8_t r1[4] = { 3, 7, 11, 19 }, r2[4] = { 3, 5, 9, 13 }, r3[4] = { 3, 9, 11, 15 };
    static const uint8_t o2[8] = { 1, 3, 5, 7, 0, 2, 4, 6 }, o3[8] = { 3, 7, 2, 6, 1, 5, 0, 4 };
    for (int i = 0; i < 8; i += 4) {
        MD4_STEP(MD4_F, a, b, c, d, in[i + 0], r1[0]);
        MD4_STEP(MD4_F, d, a, b, c, in[i + 1], r1[1]);
        MD4_STEP(MD4_F, c, d, a, b, in[i + 2], r1[2]);
        MD4_STEP(MD4_F, b, c, d, a, in[i + 3], r1[3]);
    }
    for (int i = 0; i < 8; i += 4) {
        MD4_STEP(MD4_G, a, b, c, d, in[o2[i + 0]] + 0x5a827999u, r2[0]);
        MD4_STEP(MD4_G, d, a, b, c, in[o2[i + 1]] + 0x5a827999u, r2[1]);
        MD4_STEP(MD4_G, c, d, a, b, in[o2[i + 2]] + 0x5a827999u, r2[2]);
        MD4_STEP(MD4_G, b, c, d, a, in[o2[i + 3]] + 0x5a827999u, r2[3]);
    }
    for (int i = 0; i < 8; i += 4) {
        MD4_STEP(MD4_H, a, b, c, d, in[o3[i + 0]] + 0x6ed9eba1u, r3[0]);
        MD4_STEP(MD4_H, d, a, b, c, in[o3[i + 1]] + 0x6ed9eba1u, r3[1]);
        MD4_STEP(MD4_H, c, d, a, b, in[o3[i + 2]] + 0x6ed9eba1u, r3[2]);
        MD4_STEP(MD4_H, b, c, d, a, in[o3[i + 3]] + 0x6ed9eba1u, r3[3]);
    }
    buf[0] += a;
    buf[1] += b;
    buf[2] += c;
    buf[3] += d;
}

static void tea(uint32_t buf[4], const uint32_t in[4])
{
    uint32_t sum = 0, b0 = buf[0], b1 = buf[1];
    for (int n = 0; n < 16; n++) {
        sum += 0x9e3779b9u;
        b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >> 5) + in[1]);
        b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >> 5) + in[3]);
    }
    buf[0] += b0;
    buf[1] += b1;
}

static uint32_t legacy(const char *name, size_t len, bool uns)
{
    uint32_t h0 = 0x12a3fe2du, h1 = 0x37abe8f9u;
    for (size_t i = 0; i < len; i++) {
        int c = uns ? (int)(unsigned char)name[i] : (int)(signed char)name[i];
        uint32_t h = h1 + (h0 ^ (uint32_t)(c * 7152373));
        if (h & 0x80000000u)
            h -= 0x7fffffffu;
        h1 = h0;
        h0 = h;
    }
    return h0 << 1;
}

uint32_t ext2_dx_hash(const char *name, size_t len, int version, const uint32_t seed[4], uint32_t *minor)
{
    uint32_t buf[4] = { 0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u };
    if (seed && (seed[0] | seed[1] | seed[2] | seed[3]))
        memcpy(buf, seed, sizeof(buf));
    bool uns = version >= DX_HASH_UNSIGNED;
    uint32_t hash = 0, mh = 0, in[8];
    switch (uns ? version - DX_HASH_UNSIGNED : version) {
    case DX_HASH_LEGACY:
        hash = legacy(name, len, uns);
        break;
    case DX_HASH_HALF_MD4:
        for (size_t off = 0;;) {
            name_words(name + off, len - off, in, 8, uns);
            half_md4(buf, in);
            if (len - off <= 32)
                break;
            off += 32;
        }
        hash = buf[1];
        mh = buf[2];
        break;
    case DX_HASH_TEA:
        for (size_t off = 0;;) {
            name_words(name + off, len - off, in, 4, uns);
            tea(buf, in);
            if (len - off <= 16)
                break;
            off += 16;
        }
        hash = buf[0];
        mh = buf[1];
        break;
    default:
        return 0;
    }
    hash &= ~1u;
    if (hash == DX_EOF_HASH)
        hash = (0x7fffffffu - 1) << 1;
    if (minor)
        *minor = mh;
    return hash;
}

/* One directory block by logical number into buf. */
static int dir_block(struct ext2_fs *fs, const struct ext2_inode *dir, uint32_t lblk, uint8_t *buf, void *scratch)
{
    if ((uint64_t)lblk * fs->block_size >= dir->size)
        return -ERANGE;
    uint32_t pb;
    int err = ext2_bmap(fs, dir, lblk, &pb, scratch);
    if (err)
        return err;
    if (pb == 0)
        return -ERANGE;
    return ext2__read_block(fs, pb, buf, true);
}

/* Scans leaf block lblk for name: 1 (found, *ino), 0, or an error. */
static int scan_leaf(struct ext2_fs *fs, const struct ext2_inode *dir, uint32_t lblk, const char *name, size_t n,
                     uint32_t *ino, void *scratch)
{
    struct ext2_dirent de;
    uint64_t pos = (uint64_t)lblk * fs->block_size, end = pos + fs->block_size;
    int r;
    while (pos < end && (r = ext2_dir_next(fs, dir, &pos, &de, scratch)) == 1) {
        if (pos > end)
            break; /* the entry found is in a later block */
        if (de.namelen == n && memcmp(de.name, name, n) == 0) {
            *ino = de.ino;
            return 1;
        }
    }
    return pos < end && r < 0 ? r : 0;
}

#define INDEX_BAD 1 /* ext2__htree_lookup: scan the directory instead */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

int ext2__htree_lookup(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, uint32_t *ino,
                       void *scratch)
{
    uint32_t bs = fs->block_size;
    uint8_t *buf = scratch; /* block 0 of the scratch; ext2_bmap uses the rest */
    if (dir_block(fs, dir, 0, buf, scratch) != 0)
        return INDEX_BAD;
    /* "." (12 bytes), ".." (the rest of the block), then dx_root_info. */
    if (le16(buf + 4) != 12 || le32(buf + 24) != 0 || buf[29] != 8)
        return INDEX_BAD;
    int version = buf[28], levels = buf[30];
    if (version > DX_HASH_TEA || levels > 2)
        return INDEX_BAD;
    if (version <= DX_HASH_TEA && fs->hash_unsigned)
        version += DX_HASH_UNSIGNED;
    size_t n = strlen(name);
    uint32_t hash = ext2_dx_hash(name, n, version, fs->hash_seed, NULL);
    uint32_t off = 32, limit_expected = (bs - 32) / 8;
    uint32_t leaf = 0, next_hash = 0;
    bool has_next = false;
    for (int level = 0;; level++) {
        uint32_t limit = le16(buf + off), count = le16(buf + off + 2);
        if (limit != limit_expected || count == 0 || count > limit)
            return INDEX_BAD;
        /* The last entry whose hash is <= ours (entry 0 stands for 0). */
        uint32_t lo = 1, hi = count;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (le32(buf + off + 8 * mid) > hash)
                hi = mid;
            else
                lo = mid + 1;
        }
        uint32_t i = lo - 1;
        leaf = le32(buf + off + 8 * i + 4);
        has_next = i + 1 < count;
        next_hash = has_next ? le32(buf + off + 8 * (i + 1)) : 0;
        if (level == levels)
            break;
        /* An interior node: an empty directory entry covering the block. */
        if (dir_block(fs, dir, leaf, buf, scratch) != 0 || le32(buf) != 0 || le16(buf + 4) != bs)
            return INDEX_BAD;
        off = 8;
        limit_expected = (bs - 8) / 8;
    }
    int r = scan_leaf(fs, dir, leaf, name, n, ino, scratch);
    if (r != 0)
        return r == 1 ? 0 : r;
    /* Not in its leaf.  A run of equal hashes may go on in the next leaf
     * (the index marks it with the low bit set), and past the end of a
     * lower node the next entry cannot be seen from here: in those rare
     * cases scan the directory rather than answer wrongly. */
    if (!has_next)
        return levels ? INDEX_BAD : -ENOENT;
    if ((next_hash & 1) && (next_hash & ~1u) == hash)
        return INDEX_BAD;
    return -ENOENT;
}
