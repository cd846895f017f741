/* Character devices that a subsystem adds to /dev (src/fs/devfs.c).
 *
 * A provider names a family of nodes prefixN ("audio0", "audio1"...) and
 * says which units exist now (units(): bit N for unit N), so /dev lists
 * only devices that are there.  Each lookup of a node calls open(), whose
 * state lives as long as that vnode: one per vfs_open in practice, so
 * close() runs when the last file of that opening is closed.  read and
 * write get the file offset; fsync waits for the device to have consumed
 * what was written.  Every call returns a count, 0 or a negative errno;
 * read, write and fsync may be NULL (-EOPNOTSUPP, resp. 0 for fsync).
 * Thread context only; calls on one state are serialised by devfs. */
#ifndef ADROS_DEVFS_H
#define ADROS_DEVFS_H

#include <adros/types.h>

struct devfs_chr {
    const char *prefix;  /* at most 11 characters */
    uint32_t (*units)(void);
    int (*open)(int unit, void **state);
    ssize_t (*read)(void *state, void *buf, size_t len, uint64_t off);
    ssize_t (*write)(void *state, const void *buf, size_t len, uint64_t off);
    int (*fsync)(void *state);
    void (*close)(void *state);
};

/* Adds c (kept, not copied) to /dev; -ENOSPC when the table is full. */
int devfs_register_chr(const struct devfs_chr *c);

#endif
