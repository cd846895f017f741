/* Private to the ext2 engine (src/fs/ext2_parse.c, ext2_htree.c). */
#ifndef ADROS_EXT2_INT_H
#define ADROS_EXT2_INT_H

#include <adros/ext2_parse.h>

/* Reads file-system block blk into buf (one block). */
int ext2__read_block(struct ext2_fs *fs, uint32_t blk, void *buf, bool meta);
/* Looks name up through dir's htree index: 0 and *ino, -ENOENT, a negative
 * errno, or 1 when the index cannot answer (malformed, or a collision run
 * it cannot follow): the caller then scans the directory. */
int ext2__htree_lookup(struct ext2_fs *fs, const struct ext2_inode *dir, const char *name, uint32_t *ino,
                       void *scratch);

#endif
