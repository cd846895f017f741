/* Byte-addressed, synchronous I/O on a block device, for VBLK files.
 *
 * Whole aligned sectors go straight between the caller's buffer and the
 * device (in chunks of at most CHUNK bytes); a partial sector at either end
 * goes through a bounce sector: read it, and for a write patch it and write
 * it back (read-modify-write, not atomic against another writer of the same
 * sector).  Reads stop at the end of the device (a short count, 0 at or
 * past the end); writes past the end fail with -ENOSPC (or are cut short
 * after some bytes). */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/vnode.h>

#define CHUNK (128u * 1024u)

static int partial(struct blkdev *dev, bool write, uint8_t *buf, uint64_t sector, uint32_t in_off, size_t n)
{
    uint8_t *b = kmalloc(dev->sector_size);
    if (!b)
        return -ENOMEM;
    int err = blk_read(dev, sector, 1, b);
    if (!err) {
        if (write) {
            memcpy(b + in_off, buf, n);
            err = blk_write(dev, sector, 1, b);
        } else {
            memcpy(buf, b + in_off, n);
        }
    }
    kfree(b);
    return err;
}

ssize_t vfs__blk_rw(struct blkdev *dev, bool write, void *buf, size_t len, uint64_t off)
{
    if (!dev)
        return -ENXIO;
    uint32_t ss = dev->sector_size;
    if (ss == 0 || !IS_POW2(ss))
        return -EIO;
    uint64_t size = dev->nsectors * ss;
    if (off >= size)
        return write ? -ENOSPC : 0;
    if (len > size - off)
        len = (size_t)(size - off);
    uint8_t *p = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t pos = off + done;
        uint64_t sector = pos / ss;
        uint32_t in_off = (uint32_t)(pos % ss);
        size_t left = len - done;
        size_t n;
        int err;
        if (in_off != 0 || left < ss) {
            n = MIN((size_t)(ss - in_off), left);
            err = partial(dev, write, p + done, sector, in_off, n);
        } else {
            n = MIN(ALIGN_DOWN(left, (size_t)ss), (size_t)CHUNK);
            err = write ? blk_write(dev, sector, (uint32_t)(n / ss), p + done)
                        : blk_read(dev, sector, (uint32_t)(n / ss), p + done);
        }
        if (err)
            return done ? (ssize_t)done : err;
        done += n;
    }
    return (ssize_t)done;
}
