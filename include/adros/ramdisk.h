/* RAM-backed block devices ("ram0", "ram1", ...), for tests and scratch
 * space.  Memory is allocated a page at a time on first write; unwritten
 * sectors read as zeros. */
#ifndef ADROS_RAMDISK_H
#define ADROS_RAMDISK_H

#include <adros/types.h>

struct blkdev;

/* Creates and registers a ramdisk of nsectors sectors of sector_size bytes
 * (a power of two, 512..4096), named "ram<N>" with the lowest free N.
 * Returns 0 and *out, or -EINVAL / -ENOMEM / a blk_register error. */
int ramdisk_create(uint64_t nsectors, uint32_t sector_size, struct blkdev **out);
/* Unregisters and frees it; the caller makes sure it is unused (not
 * mounted, not open, nothing in flight). */
void ramdisk_destroy(struct blkdev *dev);
/* Copies bytes in or out directly (bypassing the block layer), e.g. to
 * load an image.  Returns 0 or -EINVAL (out of range). */
int ramdisk_load(struct blkdev *dev, uint64_t off, const void *buf, size_t len);

#endif
