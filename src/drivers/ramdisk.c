/* RAM-backed block devices: a driver for the block layer that completes
 * every request at once by copying to or from memory.  Storage is a table
 * of 4 KiB pages allocated on first write (holes read as zeros), so a large
 * sparse ramdisk costs little.
 *
 * Lifetime: ramdisk_destroy takes the disk away (blk_unregister: every
 * later request fails with -EIO) and frees its pages at once; the struct
 * itself is freed by rd_release when the block layer drops the last
 * reference (a mount or an open file may still hold one).
 *
 * Locking: each disk's mutex (rd->lock) protects its page table; submit
 * runs in thread context (blk_submit's contract), so it may sleep. */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/ramdisk.h>
#include <adros/string.h>
#include <adros/sync.h>

#define RD_PAGE 4096u
#define RD_MAX_BYTES (1ull << 32) /* 4 GiB: page table fits in kmalloc */

struct ramdisk {
    struct blkdev dev;
    kmutex_t lock;
    uint8_t **pages; /* lock; NULL once destroyed */
    size_t npages;
};

static kmutex_t create_lock = KMUTEX_INIT(create_lock, "ramdisk");

/* Copies between buf and the disk at byte offset off.  lock held. */
static int rd_copy(struct ramdisk *rd, bool write, uint8_t *buf, uint64_t off, size_t len)
{
    while (len) {
        size_t pi = (size_t)(off / RD_PAGE), po = (size_t)(off % RD_PAGE);
        size_t k = MIN(RD_PAGE - po, len);
        if (write) {
            if (!rd->pages[pi] && !(rd->pages[pi] = kzalloc(RD_PAGE)))
                return -ENOMEM;
            memcpy(rd->pages[pi] + po, buf, k);
        } else if (rd->pages[pi]) {
            memcpy(buf, rd->pages[pi] + po, k);
        } else {
            memset(buf, 0, k);
        }
        buf += k;
        off += k;
        len -= k;
    }
    return 0;
}

static int rd_submit(struct blkdev *dev, struct blk_request *req)
{
    struct ramdisk *rd = container_of(dev, struct ramdisk, dev);
    int err = 0;
    size_t n = 0;
    if (req->op != BLK_FLUSH) {
        n = (size_t)req->count * dev->sector_size;
        kmutex_lock(&rd->lock);
        err = rd->pages ? rd_copy(rd, req->op == BLK_WRITE, req->buf, req->sector * dev->sector_size, n) : -EIO;
        kmutex_unlock(&rd->lock);
    }
    blk_complete(req, err, err ? 0 : n);
    return 0;
}

static const struct blkdev_ops rd_ops = { .submit = rd_submit };

static void rd_release(struct blkdev *dev) { kfree(container_of(dev, struct ramdisk, dev)); }

int ramdisk_create(uint64_t nsectors, uint32_t sector_size, struct blkdev **out)
{
    if (!IS_POW2(sector_size) || sector_size < 512 || sector_size > 4096 || nsectors == 0 ||
        nsectors > RD_MAX_BYTES / sector_size)
        return -EINVAL;
    struct ramdisk *rd = kzalloc(sizeof(*rd));
    if (!rd)
        return -ENOMEM;
    rd->npages = (size_t)((nsectors * sector_size + RD_PAGE - 1) / RD_PAGE);
    rd->pages = kzalloc(rd->npages * sizeof(*rd->pages));
    if (!rd->pages) {
        kfree(rd);
        return -ENOMEM;
    }
    kmutex_init(&rd->lock, "ramdisk");
    rd->dev.sector_size = sector_size;
    rd->dev.nsectors = nsectors;
    rd->dev.ops = &rd_ops;
    rd->dev.priv = rd;
    rd->dev.release = rd_release;
    strlcpy(rd->dev.model, "AdrOS RAM disk", sizeof(rd->dev.model));
    strlcpy(rd->dev.driver, "ramdisk", sizeof(rd->dev.driver));
    int err = -EEXIST;
    kmutex_lock(&create_lock);
    for (int i = 0; i < 64 && err == -EEXIST; i++) {
        ksnprintf(rd->dev.name, sizeof(rd->dev.name), "ram%d", i);
        err = blk_register(&rd->dev); /* -EEXIST: the name is taken */
    }
    kmutex_unlock(&create_lock);
    if (err) {
        kfree(rd->pages);
        kfree(rd);
        return err;
    }
    klog(LOG_INFO, "ramdisk: %s, %llu sectors of %u bytes\n", rd->dev.name, (unsigned long long)nsectors,
         sector_size);
    *out = &rd->dev;
    return 0;
}

void ramdisk_destroy(struct blkdev *dev)
{
    if (!dev)
        return;
    struct ramdisk *rd = container_of(dev, struct ramdisk, dev);
    blk_ref(dev); /* keeps rd while we free the pages */
    blk_unregister(dev); /* its partitions too; nobody is inside rd_submit now */
    kmutex_lock(&rd->lock);
    for (size_t i = 0; i < rd->npages; i++)
        kfree(rd->pages[i]);
    kfree(rd->pages);
    rd->pages = NULL;
    kmutex_unlock(&rd->lock);
    klog(LOG_INFO, "ramdisk: %s destroyed\n", dev->name);
    blk_put(dev); /* the struct goes with the last user's reference */
}

int ramdisk_load(struct blkdev *dev, uint64_t off, const void *buf, size_t len)
{
    struct ramdisk *rd = container_of(dev, struct ramdisk, dev);
    uint64_t size = dev->nsectors * dev->sector_size;
    if (off > size || len > size - off)
        return -EINVAL;
    kmutex_lock(&rd->lock);
    int err = rd->pages ? rd_copy(rd, true, (uint8_t *)buf, off, len) : -EIO;
    kmutex_unlock(&rd->lock);
    /* Changed behind the block layer: the cache must not keep old data. */
    uint32_t ss = dev->sector_size;
    if (len)
        bcache_invalidate(dev, off / ss, (uint32_t)((off + len + ss - 1) / ss - off / ss));
    return err;
}
