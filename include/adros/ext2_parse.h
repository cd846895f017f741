/* The ext2 on-disk format, read side: a portable engine shared by the
 * kernel's ext2 file system (src/fs/ext2.c), the host unit tests and the
 * fuzzer.  It allocates nothing and never trusts the disk: every number read
 * (superblock fields, group descriptors, inode and block numbers, directory
 * record lengths, sizes) is range-checked before use; a violation returns
 * -EIO (or -EINVAL at mount) and leaves a short reason in fs->why.
 *
 * Supported: revisions 0 and 1; 1, 2 and 4 KiB blocks; direct, single,
 * double and triple indirect blocks; holes (read as zeros); directories
 * read linearly (htree index blocks look like empty records); fast and slow
 * symlinks; 64-bit file sizes (i_size_high).  Refused at mount: incompatible
 * features other than "filetype" (extents, 64bit, journal device, ...).
 *
 * Functions taking `scratch` need EXT2_SCRATCH(block_size) bytes of it;
 * concurrent calls need separate scratch buffers (the engine is otherwise
 * read-only and thread-safe if io->read is). */
#ifndef ADROS_EXT2_PARSE_H
#define ADROS_EXT2_PARSE_H

#include <adros/types.h>

#define EXT2_MAGIC 0xEF53
#define EXT2_ROOT_INO 2
#define EXT2_NDIR 12
#define EXT2_SCRATCH(bs) (4u * (bs))
#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002u
#define EXT2_FEATURE_COMPAT_DIR_INDEX 0x0020u
#define EXT2_INDEX_FL 0x00001000u /* inode flag: the directory has an htree index */

/* File types (i_mode >> 12). */
#define EXT2_S_IFIFO 0x1
#define EXT2_S_IFCHR 0x2
#define EXT2_S_IFDIR 0x4
#define EXT2_S_IFBLK 0x6
#define EXT2_S_IFREG 0x8
#define EXT2_S_IFLNK 0xA
#define EXT2_S_IFSOCK 0xC

struct ext2_io {
    /* Reads len bytes at byte offset off (off and len multiples of 1024).
     * meta: metadata (superblock, descriptors, inodes, indirect and
     * directory blocks), worth caching; otherwise file data.
     * Returns 0 or a negative errno. */
    int (*read)(void *ctx, uint64_t off, void *buf, size_t len, bool meta);
    void *ctx;
};

struct ext2_fs {
    const struct ext2_io *io;
    uint64_t dev_bytes;
    uint32_t rev;
    uint32_t block_size;
    uint32_t blocks_count, first_data_block;
    uint32_t blocks_per_group, inodes_per_group, inodes_count;
    uint32_t free_blocks, free_inodes;
    uint32_t inode_size;
    uint32_t ngroups;
    uint32_t gdt_block;           /* first block of the group descriptor table */
    uint32_t itable_blocks;       /* inode table blocks per group */
    uint32_t feature_compat, feature_incompat, feature_ro_compat;
    uint32_t ptrs;                /* block numbers per indirect block */
    uint64_t max_size;            /* largest addressable file */
    char volname[17];
    uint32_t hash_seed[4];        /* directory index hashing (s_hash_seed) */
    uint8_t def_hash_version;     /* s_def_hash_version */
    bool hash_unsigned;           /* s_flags: names hashed as unsigned chars */
    uint32_t htree_lookups;       /* lookups answered through an index */
    uint32_t htree_fallbacks;     /* ... that found the index unusable and scanned */
    const char *why;              /* reason of the last -EIO/-EINVAL (static text) */
    uint32_t why_num;             /* a number that goes with it (block, inode) */
};

struct ext2_inode {
    uint32_t ino;
    uint16_t mode;                /* type << 12 | permissions */
    uint16_t uid, gid, links;
    uint64_t size;
    uint32_t atime, ctime, mtime;
    uint32_t blocks512;           /* i_blocks */
    uint32_t flags;
    uint32_t file_acl;
    uint32_t block[15];
};

struct ext2_dirent {
    uint32_t ino;
    uint8_t type;                 /* EXT2_FT_* (0 when the fs has no filetype feature) */
    uint8_t namelen;
    char name[256];               /* NUL-terminated */
};
/* Directory entry file types. */
enum { EXT2_FT_UNKNOWN, EXT2_FT_REG, EXT2_FT_DIR, EXT2_FT_CHR, EXT2_FT_BLK, EXT2_FT_FIFO, EXT2_FT_SOCK, EXT2_FT_LNK };

static inline unsigned ext2_itype(const struct ext2_inode *in) { return in->mode >> 12; }

/* Reads and checks the superblock; fills fs.  dev_bytes: size of the
 * device (the fs must fit).  Returns 0 or -EINVAL (not ext2, corrupt,
 * unsupported) / the io error. */
int ext2_mount(struct ext2_fs *fs, const struct ext2_io *io, uint64_t dev_bytes);
/* Reads inode ino (1..inodes_count) and checks it (known type, sane size,
 * in use).  Returns 0, -EINVAL (bad number) or -EIO. */
int ext2_read_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_inode *out, void *scratch);
/* Physical block of logical block lblk, 0 for a hole. */
int ext2_bmap(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t lblk, uint32_t *pblk, void *scratch);
/* Reads up to len bytes at off (stops at the end of the file); holes read
 * as zeros.  Returns the byte count or a negative errno. */
ssize_t ext2_read(struct ext2_fs *fs, const struct ext2_inode *in, uint64_t off, void *buf, size_t len,
                  void *scratch);
/* The directory entry at byte position *pos or after it (empty records are
 * skipped); advances *pos past it.  Returns 1, 0 at the end, -EIO. */
int ext2_dir_next(struct ext2_fs *fs, const struct ext2_inode *dir, uint64_t *pos, struct ext2_dirent *de,
                  void *scratch);
/* Looks name up in dir: 0 and *ino, -ENOENT, -ENOTDIR, -EIO.  A directory
 * with an htree index (EXT2_INDEX_FL, and the file system's dir_index
 * feature) is searched through it: the root and one leaf block (plus a
 * node per level) instead of every block; an index found malformed is
 * ignored and the directory scanned. */
int ext2_lookup(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, uint32_t *ino, void *scratch);
/* A symlink's target into buf (NUL-terminated, truncated to size-1);
 * returns its full length or a negative errno. */
int ext2_readlink(struct ext2_fs *fs, const struct ext2_inode *in, char *buf, size_t size, void *scratch);

/* The directory-index hash of name (EXT2 hash versions 0-5: legacy,
 * half-MD4, TEA, and their unsigned-char variants) with seed (4 words, all
 * zero for the default); *minor gets the minor hash when not NULL.
 * Returns the major hash with the low bit clear, or 0 for an unknown
 * version (never a valid hash of a name). */
uint32_t ext2_dx_hash(const char *name, size_t len, int version, const uint32_t seed[4], uint32_t *minor);

#endif
