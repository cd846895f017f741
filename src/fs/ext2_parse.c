/* The ext2 read engine (portable: kernel, host tests, fuzzer).  See
 * ext2_parse.h.  Every value read from the disk is checked before it is
 * used as a size, an index or a block number; the checks that fail set
 * fs->why so the caller can log what was wrong. */
#include <adros/errno.h>
#include <adros/ext2_parse.h>

#include <adros/string.h>

#include "ext2_int.h"

#define MAX_RUN_BYTES (256u * 1024u) /* largest data read handed to io at once */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static int bad(struct ext2_fs *fs, int err, const char *why, uint32_t num)
{
    fs->why = why;
    fs->why_num = num;
    return err;
}

int ext2__read_block(struct ext2_fs *fs, uint32_t blk, void *buf, bool meta)
{
    return fs->io->read(fs->io->ctx, (uint64_t)blk * fs->block_size, buf, fs->block_size, meta);
}
#define read_block ext2__read_block

static bool blk_ok(const struct ext2_fs *fs, uint32_t blk) { return blk >= fs->first_data_block && blk < fs->blocks_count; }

int ext2_mount(struct ext2_fs *fs, const struct ext2_io *io, uint64_t dev_bytes)
{
    uint8_t sb[1024];
    memset(fs, 0, sizeof(*fs));
    fs->io = io;
    fs->dev_bytes = dev_bytes;
    if (dev_bytes < 2048)
        return bad(fs, -EINVAL, "device too small for a superblock", 0);
    int err = io->read(io->ctx, 1024, sb, sizeof(sb), true);
    if (err)
        return bad(fs, err, "cannot read the superblock", 0);
    if (le16(sb + 56) != EXT2_MAGIC)
        return bad(fs, -EINVAL, "bad superblock magic", le16(sb + 56));
    fs->rev = le32(sb + 76);
    if (fs->rev > 1)
        return bad(fs, -EINVAL, "unsupported revision", fs->rev);
    uint32_t log = le32(sb + 24);
    if (log > 2)
        return bad(fs, -EINVAL, "unsupported block size (log)", log);
    fs->block_size = 1024u << log;
    uint32_t bs = fs->block_size;
    fs->inodes_count = le32(sb + 0);
    fs->blocks_count = le32(sb + 4);
    fs->free_blocks = le32(sb + 12);
    fs->free_inodes = le32(sb + 16);
    fs->first_data_block = le32(sb + 20);
    fs->blocks_per_group = le32(sb + 32);
    fs->inodes_per_group = le32(sb + 40);
    if (fs->rev == 1) {
        fs->inode_size = le16(sb + 88);
        fs->feature_compat = le32(sb + 92);
        fs->feature_incompat = le32(sb + 96);
        fs->feature_ro_compat = le32(sb + 100);
        memcpy(fs->volname, sb + 120, 16);
        fs->volname[16] = '\0';
        for (int i = 0; i < 4; i++)
            fs->hash_seed[i] = le32(sb + 0xec + 4 * i);
        fs->def_hash_version = sb[0xfc];
        fs->hash_unsigned = (le32(sb + 0x160) & 0x2) != 0; /* EXT2_FLAGS_UNSIGNED_HASH */
    } else {
        fs->inode_size = 128;
    }
    if (fs->first_data_block != (bs == 1024 ? 1u : 0u))
        return bad(fs, -EINVAL, "bad first data block", fs->first_data_block);
    if (fs->feature_incompat & ~EXT2_FEATURE_INCOMPAT_FILETYPE)
        return bad(fs, -EINVAL, "unsupported incompatible features", fs->feature_incompat);
    if (fs->inode_size < 128 || fs->inode_size > bs || !IS_POW2(fs->inode_size))
        return bad(fs, -EINVAL, "bad inode size", fs->inode_size);
    if (fs->blocks_per_group < 8 || fs->blocks_per_group > 8 * bs || fs->blocks_per_group % 8)
        return bad(fs, -EINVAL, "bad blocks per group", fs->blocks_per_group);
    if (fs->inodes_per_group == 0 || fs->inodes_per_group > 8 * bs)
        return bad(fs, -EINVAL, "bad inodes per group", fs->inodes_per_group);
    if (fs->blocks_count <= fs->first_data_block + 1)
        return bad(fs, -EINVAL, "bad block count", fs->blocks_count);
    if ((uint64_t)fs->blocks_count * bs > dev_bytes)
        return bad(fs, -EINVAL, "file system larger than the device (blocks)", fs->blocks_count);
    uint32_t data_blocks = fs->blocks_count - fs->first_data_block;
    fs->ngroups = data_blocks / fs->blocks_per_group + (data_blocks % fs->blocks_per_group != 0);
    if (fs->inodes_count < EXT2_ROOT_INO || (uint64_t)fs->inodes_count > (uint64_t)fs->ngroups * fs->inodes_per_group)
        return bad(fs, -EINVAL, "bad inode count", fs->inodes_count);
    fs->gdt_block = fs->first_data_block + 1;
    uint64_t gdt_blocks = ((uint64_t)fs->ngroups * 32 + bs - 1) / bs;
    if (fs->gdt_block + gdt_blocks > fs->blocks_count)
        return bad(fs, -EINVAL, "group descriptors past the end", fs->ngroups);
    fs->itable_blocks = (uint32_t)(((uint64_t)fs->inodes_per_group * fs->inode_size + bs - 1) / bs);
    if (fs->itable_blocks >= fs->blocks_count)
        return bad(fs, -EINVAL, "inode table larger than the file system", fs->itable_blocks);
    fs->ptrs = bs / 4;
    uint64_t p = fs->ptrs;
    fs->max_size = (EXT2_NDIR + p + p * p + p * p * p) * bs;
    return 0;
}

int ext2_read_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out, void *scratch)
{
    uint8_t *buf = scratch;
    uint32_t bs = fs->block_size;
    if (ino < 1 || ino > fs->inodes_count)
        return bad(fs, -EIO, "inode number out of range", ino);
    uint32_t group = (ino - 1) / fs->inodes_per_group;
    uint32_t index = (ino - 1) % fs->inodes_per_group;
    uint32_t per_block = bs / 32;
    int err = read_block(fs, fs->gdt_block + group / per_block, buf, true);
    if (err)
        return bad(fs, err, "cannot read a group descriptor", group);
    uint32_t itable = le32(buf + (group % per_block) * 32 + 8);
    if (!blk_ok(fs, itable) || itable > fs->blocks_count - fs->itable_blocks)
        return bad(fs, -EIO, "group descriptor: inode table out of range", group);
    uint64_t byte = (uint64_t)index * fs->inode_size;
    err = read_block(fs, itable + (uint32_t)(byte / bs), buf, true);
    if (err)
        return bad(fs, err, "cannot read an inode table block", ino);
    const uint8_t *r = buf + byte % bs;

    memset(out, 0, sizeof(*out));
    out->ino = ino;
    out->mode = le16(r + 0);
    out->uid = le16(r + 2);
    out->size = le32(r + 4);
    out->atime = le32(r + 8);
    out->ctime = le32(r + 12);
    out->mtime = le32(r + 16);
    out->gid = le16(r + 24);
    out->links = le16(r + 26);
    out->blocks512 = le32(r + 28);
    out->flags = le32(r + 32);
    for (int i = 0; i < 15; i++)
        out->block[i] = le32(r + 40 + 4 * i);
    out->file_acl = le32(r + 104);

    if (out->mode == 0 || out->links == 0)
        return bad(fs, -EIO, "directory entry names a free inode", ino);
    if (out->flags & 0x00080000u)
        return bad(fs, -EIO, "inode uses extents (not ext2)", ino);
    switch (ext2_itype(out)) {
    case EXT2_S_IFREG:
        out->size |= (uint64_t)le32(r + 108) << 32;
        if (out->size > fs->max_size)
            return bad(fs, -EIO, "file size larger than the block map can address", ino);
        break;
    case EXT2_S_IFDIR:
        /* A directory has no holes: it cannot be larger than the blocks
         * it owns, nor than the file system (else a block map pointing
         * everywhere at one block makes every lookup walk gigabytes). */
        if (out->size % bs || out->size > fs->max_size ||
            out->size / bs > (uint64_t)(fs->blocks_count - fs->first_data_block) ||
            out->size / 512 > out->blocks512)
            return bad(fs, -EIO, "bad directory size", ino);
        break;
    case EXT2_S_IFLNK:
        if (out->size >= bs)
            return bad(fs, -EIO, "symlink longer than a block", ino);
        break;
    case EXT2_S_IFCHR:
    case EXT2_S_IFBLK:
    case EXT2_S_IFIFO:
    case EXT2_S_IFSOCK:
        break;
    default:
        return bad(fs, -EIO, "unknown inode type", ino);
    }
    return 0;
}

/* bmap with a per-call cache of the indirect blocks last read: tag[d] is
 * the block held in scratch buffer d+1 (0: none; block 0 is never an
 * indirect block). */
static int bmap_cached(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t lblk, uint32_t *pblk,
                       uint8_t *scratch, uint32_t tag[3])
{
    uint64_t p = fs->ptrs;
    uint32_t bs = fs->block_size;
    uint32_t cur;
    int levels;
    if (lblk < EXT2_NDIR) {
        cur = in->block[lblk];
        levels = 0;
    } else if ((lblk -= EXT2_NDIR) < p) {
        cur = in->block[12];
        levels = 1;
    } else if ((lblk -= p) < p * p) {
        cur = in->block[13];
        levels = 2;
    } else if ((lblk -= p * p) < p * p * p) {
        cur = in->block[14];
        levels = 3;
    } else {
        return bad(fs, -EIO, "block beyond the triple-indirect range", in->ino);
    }
    for (int d = 0; d < levels; d++) {
        if (cur == 0)
            break; /* a hole in the map */
        if (!blk_ok(fs, cur))
            return bad(fs, -EIO, "indirect block number out of range", in->ino);
        uint8_t *buf = scratch + (size_t)(d + 1) * bs;
        if (tag[d] != cur) {
            int err = read_block(fs, cur, buf, true);
            if (err) {
                tag[d] = 0;
                return bad(fs, err, "cannot read an indirect block", cur);
            }
            tag[d] = cur;
        }
        uint64_t span = 1;
        for (int k = d + 1; k < levels; k++)
            span *= p;
        cur = le32(buf + 4 * ((lblk / span) % p));
    }
    if (cur != 0 && !blk_ok(fs, cur))
        return bad(fs, -EIO, "data block number out of range", in->ino);
    *pblk = cur;
    return 0;
}

int ext2_bmap(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t lblk, uint32_t *pblk, void *scratch)
{
    uint32_t tag[3] = { 0, 0, 0 };
    return bmap_cached(fs, in, lblk, pblk, scratch, tag);
}

ssize_t ext2_read(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t off, void *buf, size_t len,
                  void *scratch)
{
    uint8_t *out = buf, *tmp = scratch;
    uint32_t bs = fs->block_size;
    uint32_t tag[3] = { 0, 0, 0 };
    if (off >= in->size)
        return 0;
    if (len > in->size - off)
        len = (size_t)(in->size - off);
    if ((ssize_t)len < 0)
        len = 0x40000000u;
    /* A run of whole blocks contiguous on disk and in buf: one io call. */
    uint32_t run_pblk = 0, run_n = 0;
    size_t run_at = 0;
    size_t done = 0;
    int err = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint32_t boff = (uint32_t)(pos % bs);
        size_t k = MIN((size_t)(bs - boff), len - done);
        uint32_t pb;
        err = bmap_cached(fs, in, pos / bs, &pb, tmp, tag);
        if (err)
            break;
        bool whole = boff == 0 && k == bs && pb != 0;
        if (whole && run_n && pb == run_pblk + run_n && (size_t)(run_n + 1) * bs <= MAX_RUN_BYTES) {
            run_n++;
        } else {
            if (run_n) {
                err = fs->io->read(fs->io->ctx, (uint64_t)run_pblk * bs, out + run_at, (size_t)run_n * bs, false);
                if (err) {
                    bad(fs, err, "cannot read file data", in->ino);
                    break;
                }
                run_n = 0;
            }
            if (whole) {
                run_pblk = pb;
                run_n = 1;
                run_at = done;
            } else if (pb == 0) {
                memset(out + done, 0, k);
            } else {
                err = read_block(fs, pb, tmp, false);
                if (err) {
                    bad(fs, err, "cannot read file data", in->ino);
                    break;
                }
                memcpy(out + done, tmp + boff, k);
            }
        }
        done += k;
    }
    if (!err && run_n) {
        err = fs->io->read(fs->io->ctx, (uint64_t)run_pblk * bs, out + run_at, (size_t)run_n * bs, false);
        if (err)
            bad(fs, err, "cannot read file data", in->ino);
    }
    if (err) {
        /* Bytes before the failed run are good only up to run_at. */
        size_t good = run_n ? run_at : done;
        return good ? (ssize_t)good : err;
    }
    return (ssize_t)len;
}

int ext2_dir_next(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t *pos, struct ext2_dirent *de,
                  void *scratch)
{
    uint8_t *buf = scratch;
    uint32_t bs = fs->block_size;
    uint64_t loaded = UINT64_MAX;
    if (ext2_itype(dir) != EXT2_S_IFDIR)
        return -ENOTDIR;
    while (*pos < dir->size) {
        if (*pos % 4)
            return bad(fs, -EIO, "misaligned directory position", dir->ino);
        uint64_t lblk = *pos / bs;
        if (lblk != loaded) {
            uint32_t pb;
            int err = ext2_bmap(fs, dir, lblk, &pb, scratch);
            if (err)
                return err;
            if (pb == 0)
                return bad(fs, -EIO, "hole in a directory", dir->ino);
            err = read_block(fs, pb, buf, true);
            if (err)
                return bad(fs, err, "cannot read a directory block", pb);
            loaded = lblk;
        }
        uint32_t o = (uint32_t)(*pos % bs);
        const uint8_t *e = buf + o;
        if (o + 8 > bs)
            return bad(fs, -EIO, "directory entry crosses a block", dir->ino);
        uint32_t ino = le32(e);
        uint32_t rec_len = le16(e + 4);
        uint32_t name_len = e[6];
        uint8_t type = e[7];
        if (!(fs->feature_incompat & EXT2_FEATURE_INCOMPAT_FILETYPE)) {
            name_len |= (uint32_t)e[7] << 8;
            type = 0;
        }
        if (rec_len < 8 || rec_len % 4 || o + rec_len > bs)
            return bad(fs, -EIO, "bad directory record length", dir->ino);
        *pos += rec_len;
        if (ino == 0)
            continue;
        if (name_len == 0 || name_len > 255 || 8 + name_len > rec_len)
            return bad(fs, -EIO, "bad directory name length", dir->ino);
        if (ino > fs->inodes_count)
            return bad(fs, -EIO, "directory entry with a bad inode number", dir->ino);
        for (uint32_t i = 0; i < name_len; i++)
            if (e[8 + i] == '/' || e[8 + i] == '\0')
                return bad(fs, -EIO, "directory entry name contains '/' or NUL", dir->ino);
        de->ino = ino;
        de->type = type;
        de->namelen = (uint8_t)name_len;
        memcpy(de->name, e + 8, name_len);
        de->name[name_len] = '\0';
        return 1;
    }
    return 0;
}

int ext2_lookup(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, uint32_t *ino, void *scratch)
{
    if (ext2_itype(dir) != EXT2_S_IFDIR)
        return -ENOTDIR;
    if ((fs->feature_compat & EXT2_FEATURE_COMPAT_DIR_INDEX) && (dir->flags & EXT2_INDEX_FL)) {
        int r = ext2__htree_lookup(fs, dir, name, ino, scratch);
        if (r <= 0) {
            fs->htree_lookups++;
            return r;
        }
        fs->htree_fallbacks++;
    }
    struct ext2_dirent de;
    uint64_t pos = 0;
    size_t n = strlen(name);
    int r;
    while ((r = ext2_dir_next(fs, dir, &pos, &de, scratch)) == 1) {
        if (de.namelen == n && memcmp(de.name, name, n) == 0) {
            *ino = de.ino;
            return 0;
        }
    }
    return r == 0 ? -ENOENT : r;
}

int ext2_readlink(struct ext2_fs *fs, const struct ext2_inode *in, char *buf, size_t size, void *scratch)
{
    if (ext2_itype(in) != EXT2_S_IFLNK)
        return -EINVAL;
    size_t len = (size_t)in->size;
    uint32_t ea = in->file_acl ? fs->block_size / 512 : 0;
    const char *src;
    if (in->blocks512 == ea) {
        /* Fast symlink: the target is stored in the block map itself. */
        if (len >= sizeof(in->block))
            return bad(fs, -EIO, "fast symlink too long", in->ino);
        src = (const char *)in->block;
    } else {
        /* Into the last scratch block: a target shorter than a block uses
         * only the first (direct) block, so bmap needs no indirect buffer. */
        char *dst = (char *)scratch + 3 * (size_t)fs->block_size;
        ssize_t n = ext2_read(fs, in, 0, dst, len, scratch);
        if (n < 0)
            return (int)n;
        if ((size_t)n != len)
            return bad(fs, -EIO, "short symlink", in->ino);
        src = dst;
    }
    if (memchr(src, '\0', len))
        return bad(fs, -EIO, "symlink target contains NUL", in->ino);
    if (size) {
        size_t c = MIN(len, size - 1);
        memmove(buf, src, c);
        buf[c] = '\0';
    }
    return (int)len;
}
