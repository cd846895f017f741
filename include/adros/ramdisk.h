/* RAM-backed block devices ("ram0", "ram1", ...), for tests and scratch
 * space.  Memory is allocated a page at a time on first write; unwritten
 * sectors read as zeros. */
#ifndef ADROS_RAMDISK_H
#define ADROS_RAMDISK_H

#include <adros/types.h>

struct blkdev;

/* Creates and registers a ramdisk of nsectors sectors of sector_size bytes
 * (a power of two, 512..4096), named "ram<N>" with the lowest free N.
 * Returns 0 and *out (the registry's reference: valid until
 * ramdisk_destroy), or -EINVAL / -ENOMEM / a blk_register error. */
int ramdisk_create(uint64_t nsectors, uint32_t sector_size, struct blkdev **out);
/* Takes it away, once: it leaves /dev and the registry, every later
 * request on it (through a mount, an open file, a held pointer) fails with
 * -EIO, and its memory is freed; the struct itself goes when the last
 * reference is dropped.  dev (the pointer ramdisk_create gave) may not be
 * used after this. */
void ramdisk_destroy(struct blkdev *dev);
/* Copies bytes in or out directly (bypassing the block layer), e.g. to
 * load an image.  Returns 0, -EINVAL (out of range) or -EIO (destroyed). */
int ramdisk_load(struct blkdev *dev, uint64_t off, const void *buf, size_t len);

#endif
