// SOURCES: src/fs/ext2_parse.c src/fs/ext2_htree.c
/* libFuzzer target: the ext2 read engine (src/fs/ext2_parse.c) over an
 * image in memory.  Mounts it, walks the whole tree (bounded), reads every
 * file (the start, the end and a middle slice), every symlink and every
 * directory.  Any crash, sanitizer report, or a hang past libFuzzer's
 * timeout is a bug: corrupt images must only produce error returns. */
#include <adros/ext2_parse.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mem {
    const uint8_t *data;
    size_t size;
};

static int mem_read(void *ctx, uint64_t off, void *buf, size_t len, bool meta)
{
    const struct mem *m = ctx;
    if (off > m->size || len > m->size - off)
        return -5; /* -EIO (adros/errno.h clashes with the host's string.h) */
    memcpy(buf, m->data + off, len);
    return 0;
}

#define MAX_OBJECTS 2000
#define MAX_DEPTH 12

static int budget;

static void walk(struct ext2_fs *fs, uint32_t ino, int depth, void *scratch, uint8_t *buf)
{
    struct ext2_inode in;
    if (--budget < 0 || depth > MAX_DEPTH)
        return;
    if (ext2_read_inode(fs, ino, &in, scratch) != 0)
        return;
    switch (ext2_itype(&in)) {
    case EXT2_S_IFREG: {
        ext2_read(fs, &in, 0, buf, 8192, scratch);
        if (in.size > 8192)
            ext2_read(fs, &in, in.size - 5000, buf, 8192, scratch);
        ext2_read(fs, &in, in.size / 2, buf, 3 * fs->block_size + 7, scratch);
        uint32_t pb;
        ext2_bmap(fs, &in, in.size / fs->block_size, &pb, scratch);
        break;
    }
    case EXT2_S_IFLNK: {
        char t[4100];
        ext2_readlink(fs, &in, t, sizeof(t), scratch);
        break;
    }
    case EXT2_S_IFDIR: {
        struct ext2_dirent de;
        uint64_t pos = 0;
        uint32_t found;
        ext2_lookup(fs, &in, "lost+found", &found, scratch);
        int n = 0;
        while (n++ < 300 && ext2_dir_next(fs, &in, &pos, &de, scratch) == 1) {
            if (strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0)
                continue;
            /* Every name again through lookup (the htree index, when the
             * directory has one). */
            ext2_lookup(fs, &in, de.name, &found, scratch);
            walk(fs, de.ino, depth + 1, scratch, buf);
            if (budget < 0)
                return;
        }
        break;
    }
    default:
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mem m = { data, size };
    struct ext2_io io = { mem_read, &m };
    struct ext2_fs fs;
    if (ext2_mount(&fs, &io, size) != 0)
        return 0;
    void *scratch = malloc(EXT2_SCRATCH(fs.block_size));
    uint8_t *buf = malloc(16384);
    budget = MAX_OBJECTS;
    walk(&fs, EXT2_ROOT_INO, 0, scratch, buf);
    free(scratch);
    free(buf);
    return 0;
}
