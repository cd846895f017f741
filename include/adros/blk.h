/* The block-device layer.
 *
 * A block device has a name ("hda", "hda1", "ram0"), a sector size and a
 * sector count.  Requests are asynchronous: blk_submit() checks the request
 * and returns at once; the request's done() callback is then called exactly
 * once, in thread context (the block layer's completion thread, never an
 * interrupt handler), with req->status (0 or a negative errno) and
 * req->bytes_done set.  After done() the layer never touches req or its
 * buffer again.  blk_read()/blk_write()/blk_flush() are synchronous wrappers.
 *
 * Buffers are kernel addresses; RAM is identity-mapped so they are also
 * physical (DMA) addresses.  Partitions are block devices whose requests are
 * shifted and range-checked, then passed to the parent.
 *
 * Errors: -EINVAL (sector range past the end, count 0, NULL buffer, bad
 * op), -EROFS (write to a read-only device), -EIO (device error, timeout),
 * -ENODEV (device gone). */
#ifndef ADROS_BLK_H
#define ADROS_BLK_H

#include <adros/list.h>
#include <adros/types.h>

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

struct blkdev;
struct blk_request;
typedef void (*blk_done_fn)(struct blk_request *req);

struct blk_request {
    struct blkdev *dev;
    enum blk_op op;
    uint64_t sector;      /* in dev->sector_size units, relative to dev */
    uint32_t count;       /* sectors (0 for BLK_FLUSH) */
    void *buf;
    blk_done_fn done;     /* exactly once, thread context */
    void *priv;           /* the submitter's */
    /* Set before done(): */
    int status;           /* 0 or -errno */
    size_t bytes_done;
    /* The layer's and drivers' (do not touch while in flight): */
    struct list_node node;
    void *drv;
    struct blk_request *parent_req;
    uint64_t submit_ns;
};

struct blkdev_ops {
    /* Start the request (already checked and translated to this device).
     * Return 0 and later call blk_complete(), or a negative errno and do not. */
    int (*submit)(struct blkdev *dev, struct blk_request *req);
};

struct blk_stats {
    uint64_t reads, writes, flushes;
    uint64_t read_bytes, write_bytes;
    uint64_t errors;
    uint64_t busy_ns; /* summed request latency */
};

struct blkdev {
    char name[16];
    uint32_t sector_size;
    uint64_t nsectors;
    bool readonly;
    const struct blkdev_ops *ops;
    void *priv;
    struct blkdev *parent;  /* partitions: the whole disk */
    uint64_t start;         /* partitions: first sector on the parent */
    char model[41];         /* for lsblk */
    struct blk_stats stats;
    struct list_node node;
};

/* Registers a device (name must be unique); returns 0 or -EEXIST/-EINVAL. */
int blk_register(struct blkdev *dev);
void blk_unregister(struct blkdev *dev);
struct blkdev *blk_find(const char *name); /* "hda" or "/dev/hda" */
void blk_foreach(void (*fn)(struct blkdev *dev, void *ctx), void *ctx);
/* Reads the MBR of dev and registers its partitions ("hda1".."hda4", and
 * logical ones); returns how many, or a negative errno. */
int blk_scan_partitions(struct blkdev *dev);
/* Extensions (drivers): registers partition `num` of disk, sectors
 * [start, start+nsectors) of it, named "<disk><num>" ("<disk>p<num>" when
 * the disk's name ends in a digit).  Returns it, or NULL with *err set
 * (-EINVAL out of range, -EEXIST, -ENOMEM). */
struct blkdev *blk_add_partition(struct blkdev *disk, int num, uint64_t start, uint64_t nsectors, int *err);
/* Unregisters and frees every partition of disk; the caller makes sure none
 * is in use (no mounts, no requests in flight). */
void blk_drop_partitions(struct blkdev *disk);
/* A consistent copy of dev's statistics. */
void blk_get_stats(struct blkdev *dev, struct blk_stats *out);

/* Returns 0 (done() will be called exactly once) or a negative errno (the
 * request was refused and done() will not be called).  Thread context. */
int blk_submit(struct blk_request *req);
/* Drivers: report a request finished (any context, interrupts included). */
void blk_complete(struct blk_request *req, int status, size_t bytes_done);
/* done() callbacks all run on one completion thread: a done() must not wait
 * for other block I/O (the synchronous wrappers included). */

int blk_read(struct blkdev *dev, uint64_t sector, uint32_t count, void *buf);
int blk_write(struct blkdev *dev, uint64_t sector, uint32_t count, const void *buf);
int blk_flush(struct blkdev *dev);

#endif
