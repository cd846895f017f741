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
 * Lifetime.  A device is reference counted.  The registry holds one
 * reference from blk_register() to blk_unregister(); blk_find() gives its
 * caller another, and so do blk_ref() and blk_claim(); each is dropped with
 * blk_put() (blk_unclaim()).  A request holds one from blk_submit() until
 * its done() has returned, and a partition holds one on its disk.  Whoever
 * uses a device pointer holds a reference, or knows that someone it
 * trusts does (an open file of a device, a mount).
 *   A driver whose device goes away (a RAM disk destroyed, a USB stick
 * pulled) calls blk_unregister(): the name disappears (and its partitions
 * with it), the device is marked gone, and every later request on it or on
 * one of its partitions fails with -EIO; blk_unregister() returns once no
 * thread is inside the driver's submit() for it, so after it the driver
 * only has to finish (or fail with -EIO) the requests it already accepted.
 * The struct stays valid (name, size, statistics) until the last
 * reference is dropped; then dev->release(dev), if set, frees it.
 *
 * Claims: who mounts a device, and who writes to it.  A file system that
 * mounts a device claims it BLK_CLAIM_MOUNT for as long as it is mounted;
 * an open of the device for writing claims it BLK_CLAIM_WRITE until it is
 * closed.  A MOUNT claim and a WRITE claim on overlapping devices (one
 * device, or a disk and one of its partitions, or two partitions sharing
 * sectors) exclude each other: the later one fails with -EBUSY.  Two
 * claims with the same non-NULL owner never conflict: they are one user.
 * That is how a file system that writes through its own open of the
 * device coexists with its mount.  The rump kernel is one such user: its
 * "rump" mounts are to claim MOUNT with the owner token blk_owner_rump,
 * and the opens NetBSD makes through rumpuser_open to claim WRITE with the
 * same token, so a read-write rump mount is not refused by its own device
 * open, while any other writer (a shell opening /dev/hda for writing) or
 * mount (native ext2 on the same disk) is.  (src/rump/ does not claim yet:
 * its opens take a reference through blk_find and nothing more.)  A NULL
 * owner is a user of its own (each open file is one).  Reading a device
 * never needs a claim and is never refused.
 *
 * Locking: blk.c's registry lock (a spinlock) guards the registry and
 * each device's registered, gone and active fields, its claim lock the
 * claims; refs are atomic; bcache.c's mutex the cache and the bc_* fields.
 * A request served from the cache reaches the driver never; one enlarged
 * by read-ahead reaches it as part of the cache's own request.
 *
 * The block cache (src/fs/bcache.c) sits below partitions, on whole
 * disks: every read and write of a disk or of one of its partitions goes
 * through it, so a partition and its disk never see stale data of each
 * other.  It caches 4 KiB blocks (aligned on the disk), bounded in memory
 * (cmdline `bcache=<MiB>`, 0 turns it off; default a quarter of RAM, at
 * most 64 MiB, and it stops growing when free memory runs low).  It is
 * write-through: a write reaches the device before its done() runs, so
 * there is never dirty data in memory, BLK_FLUSH goes straight to the
 * driver, and power-off loses nothing that a flush had not already been
 * asked for.  A write's blocks are dropped from the cache when it is
 * submitted and, once it succeeded, cached with the data written if it is
 * at most 32 KiB (dropped instead if another write to the disk ran
 * meanwhile; larger writes are not cached: file data, which the file
 * system above keeps in its own cache); a read completed
 * while a write to the disk was in flight is not cached.  Failed requests
 * are never cached, nor are reads marked BLK_F_NOCACHE.  A read that continues a sequential stream and is at
 * most 32 KiB is enlarged into one disk request of up to 256 KiB more
 * (read-ahead; the extra blocks are cached), and if that enlarged request
 * fails the original one is retried alone, so a bad sector ahead never
 * fails a good read.  blk_unregister drops the disk's blocks: a device
 * that went away is never served from the cache (requests on it fail with
 * -EIO as before), nor is a later device at the same address.  A driver
 * whose data changes behind the layer (ramdisk_load) calls
 * bcache_invalidate.  A read served from the cache completes through the
 * completion thread like any other; blk_read_cached is the synchronous
 * way (no thread hop) for callers that can use it.
 *
 * Errors: -EINVAL (sector range past the end, count 0, NULL buffer, bad
 * op), -EROFS (write to a read-only device), -EIO (device error, timeout,
 * device gone), -ENODEV (device never registered), -EBUSY (claim
 * conflict). */
#ifndef ADROS_BLK_H
#define ADROS_BLK_H

#include <adros/list.h>
#include <adros/sched.h>
#include <adros/types.h>

enum blk_op { BLK_READ, BLK_WRITE, BLK_FLUSH };

/* blk_request.flags: the submitter keeps what a read brings in a cache of
 * its own (NetBSD's page cache): blocks the cache has serve it, but its
 * blocks are not copied into the cache. */
#define BLK_F_NOCACHE 0x1u

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
    unsigned flags;       /* BLK_F_* */
    /* Set before done(): */
    int status;           /* 0 or -errno */
    size_t bytes_done;
    /* The layer's and drivers' (do not touch while in flight): */
    struct list_node node;
    void *drv;
    struct blk_request *parent_req;
    uint64_t submit_ns;
    uint32_t bc_seq;      /* the cache's: the disk's write sequence at submit */
    unsigned bc_flags;    /* the cache's: BLK__* in src/fs/blk_int.h */
};

struct blkdev_ops {
    /* Start the request (already checked and translated to this device).
     * Return 0 and later call blk_complete(), or a negative errno and do not.
     * Thread context, and it must not wait for block I/O: the block cache
     * also calls it from the completion thread (to retry a read whose
     * enlarged read-ahead request failed). */
    int (*submit)(struct blkdev *dev, struct blk_request *req);
};

struct blk_stats {
    uint64_t reads, writes, flushes;
    uint64_t read_bytes, write_bytes;
    uint64_t errors;
    uint64_t write_errors; /* of errors: writes and flushes (what sync reports) */
    uint64_t busy_ns; /* summed request latency */
    /* Reads and bytes the driver was asked for (disks only: a partition's
     * go to its disk).  `reads` counts the requests completed to their
     * submitters, those served by the block cache included. */
    uint64_t disk_reads, disk_read_bytes;
};

struct blkdev {
    /* Set by the driver before blk_register, then immutable: */
    char name[16];
    uint32_t sector_size;
    uint64_t nsectors;
    bool readonly;
    const struct blkdev_ops *ops;
    void *priv;
    struct blkdev *parent;  /* partitions: the whole disk (a reference) */
    uint64_t start;         /* partitions: first sector on the parent */
    char model[41];         /* for lsblk */
    char driver[32];        /* for lsblk: who drives it ("ata", "netbsd:wd0@ahcisata0"), or "" */
    bool removable;         /* plugged in and pulled while running (a USB stick): automounted */
    /* Called once, in thread context, when the last reference is dropped
     * (after blk_unregister); frees the device.  It may run on the block
     * layer's completion thread, so it must not wait for block I/O.  NULL:
     * nothing to free. */
    void (*release)(struct blkdev *dev);
    /* The layer's (zero before blk_register): */
    struct blk_stats stats; /* done_lock (blk.c) */
    struct list_node node;  /* in the registry while registered */
    volatile int refs;      /* atomic */
    bool registered, gone;  /* registry lock */
    int active;             /* registry lock: threads inside ops->submit */
    struct waitq idle;      /* woken when active drops to 0 on a gone device */
    /* The block cache's (its lock; whole disks only): */
    uint32_t bc_wseq;       /* bumped at every write's submit and completion */
    uint64_t bc_last_end;   /* byte after the last read */
    uint64_t bc_ra_end;     /* byte after the last disk read the cache made */
    uint32_t bc_window;     /* current read-ahead, bytes (0: not sequential) */
};

/* A claim on a device (see "Claims" above): the claimer's storage, filled
 * by blk_claim and left alone until blk_unclaim. */
#define BLK_CLAIM_WRITE 0x1u /* writes to the device */
#define BLK_CLAIM_MOUNT 0x2u /* a file system has it mounted */
struct blk_claim {
    struct blkdev *dev;     /* a reference while claimed */
    unsigned how;           /* BLK_CLAIM_* */
    const void *owner;      /* NULL: a user of its own */
    struct list_node node;  /* blk.c's claim lock */
};
/* The owner token of the rump kernel's mounts and device opens. */
extern const char blk_owner_rump[];

/* Registers a device (name must be unique; a device is registered at most
 * once in its life).  The registry takes the first reference.  Returns 0,
 * -EEXIST, -EINVAL, -EIO (a partition whose disk went away) or -ENOMEM. */
int blk_register(struct blkdev *dev);
/* The device is gone (see "Lifetime" above): unregisters it and its
 * partitions, fails every later request with -EIO, waits until no thread
 * is inside its ops->submit, and drops the registry's reference (dev may
 * be released before this returns: a driver that still needs its struct
 * takes a reference first).  Thread context; not from a done() callback
 * or from the device's own submit.  A device not registered: nothing. */
void blk_unregister(struct blkdev *dev);
/* The registered device called name ("hda" or "/dev/hda"), with a
 * reference the caller drops with blk_put; NULL when there is none. */
struct blkdev *blk_find(const char *name);
/* Disks that exist only once a service above the block layer has started
 * (the USB disks of the rump kernel, src/netbsd/usb.c) are announced by a
 * boot waiter: wait() returns once the service's disks present at boot are
 * registered (or it gave up; it must be bounded).  Add waiters at boot,
 * before INIT_LATE; they are never removed. */
struct blk_boot_waiter {
    const char *name;
    void (*wait)(void);
    struct blk_boot_waiter *next;
};
void blk_boot_waiter_add(struct blk_boot_waiter *w);
/* Runs every boot waiter (returns once the disks present at boot are
 * registered, or their services gave up).  Thread context. */
void blk_boot_wait_all(void);
/* Disks coming and going, for a listener (the automounter,
 * src/fs/automount.c): added(name) once a whole disk and its partitions
 * are registered (at the end of blk_scan_partitions), removed(name) when a
 * whole disk is unregistered.  Both are called in the thread that made the
 * change, with no lock held; they must only note the event (no block I/O,
 * no waiting).  Add listeners at boot; they are never removed. */
struct blk_listener {
    void (*added)(const char *disk);
    void (*removed)(const char *disk);
    struct blk_listener *next;
};
void blk_listener_add(struct blk_listener *l);
/* blk_find for boot options naming a disk: when there is no such device
 * yet, waits for every boot waiter, then looks again.  Thread context. */
struct blkdev *blk_find_boot(const char *name);
/* Another reference to a device the caller already holds one on. */
struct blkdev *blk_ref(struct blkdev *dev);
/* Drops a reference; the last one (only ever after blk_unregister)
 * releases the device.  Thread context.  NULL: nothing. */
void blk_put(struct blkdev *dev);
/* Has the device gone away (blk_unregister)? */
bool blk_gone(const struct blkdev *dev);
/* fn runs on every registered device, each held by a reference for the
 * call, without any lock held (it may block, or call blk_find). */
void blk_foreach(void (*fn)(struct blkdev *dev, void *ctx), void *ctx);
/* Reads the MBR of dev and registers its partitions ("hda1".."hda4", and
 * logical ones); returns how many, or a negative errno. */
int blk_scan_partitions(struct blkdev *dev);
/* Extensions (drivers): registers partition `num` of disk, sectors
 * [start, start+nsectors) of it, named "<disk><num>" ("<disk>p<num>" when
 * the disk's name ends in a digit).  Returns it (the registry's reference:
 * valid until it is dropped, take blk_ref to keep it longer), or NULL with
 * *err set (-EINVAL out of range, -EEXIST, -ENOMEM, -EIO disk gone). */
struct blkdev *blk_add_partition(struct blkdev *disk, int num, uint64_t start, uint64_t nsectors, int *err);
/* Unregisters every partition of disk (each goes away as blk_unregister
 * says: users still holding one get -EIO, the memory is freed after the
 * last of them). */
void blk_drop_partitions(struct blkdev *disk);
/* A consistent copy of dev's statistics. */
void blk_get_stats(struct blkdev *dev, struct blk_stats *out);

/* Claims dev for `how` (BLK_CLAIM_*) on behalf of owner, into c, which
 * takes its own reference on dev.  Returns 0, -EBUSY (a conflicting claim
 * by another user), -EROFS (WRITE on a read-only device), -EIO (gone),
 * -ENODEV (not registered) or -EINVAL.  Thread context. */
int blk_claim(struct blkdev *dev, unsigned how, const void *owner, struct blk_claim *c);
/* Ends a claim made by blk_claim (and drops its reference); a zeroed
 * claim that was never made (c->dev NULL): nothing. */
void blk_unclaim(struct blk_claim *c);

/* Returns 0 (done() will be called exactly once) or a negative errno (the
 * request was refused and done() will not be called).  Thread context; the
 * caller holds a reference on req->dev. */
int blk_submit(struct blk_request *req);
/* Drivers: report a request finished (any context, interrupts included). */
void blk_complete(struct blk_request *req, int status, size_t bytes_done);
/* done() callbacks all run on one completion thread: a done() must not wait
 * for other block I/O (the synchronous wrappers included). */

/* Synchronous.  blk_read tries the cache first (blk_read_cached), without
 * a thread hop when every block is there. */
int blk_read(struct blkdev *dev, uint64_t sector, uint32_t count, void *buf);
int blk_write(struct blkdev *dev, uint64_t sector, uint32_t count, const void *buf);
int blk_flush(struct blkdev *dev);


/* Reads the sectors from the block cache alone, in the calling thread:
 * 0 when every block was cached (buf filled, the read counted in the
 * statistics as a request), -EAGAIN when one is missing (nothing done,
 * nothing counted: submit the request as usual), or the error blk_submit
 * would give (-EINVAL, -EIO for a gone device, ...).  Thread context. */
int blk_read_cached(struct blkdev *dev, uint64_t sector, uint32_t count, void *buf);

/* The block cache's counters since boot (bcache_get_stats) and size. */
struct bcache_stats {
    uint64_t hits, misses;        /* read requests on disks */
    uint64_t hit_bytes, miss_bytes;
    uint64_t ra_reads, ra_bytes;  /* enlarged disk reads; bytes read beyond the request */
    uint64_t ra_failed;           /* enlarged reads that failed (the request was retried alone) */
    uint64_t inserted, evictions; /* blocks put in; blocks reused for others (LRU) */
    uint64_t invalidated;         /* blocks dropped: writes, devices gone, bcache_drop */
    size_t blocks;                /* cached now */
    size_t mem_bytes;             /* held now (blocks cached or kept for reuse) */
    size_t limit_bytes;           /* the bound on mem_bytes (0: cache off) */
};
void bcache_get_stats(struct bcache_stats *out);
/* Forgets every cached block of dev's disk (dev a disk or a partition),
 * or of every disk when dev is NULL; the memory is kept for reuse.  Used to
 * make the next read cold (benchmarks, `bcache drop`).  Thread context. */
void bcache_drop(struct blkdev *dev);
/* Drivers: sectors of dev changed behind the block layer; forget them. */
void bcache_invalidate(struct blkdev *dev, uint64_t sector, uint32_t count);
/* Sets the bound (rounded down to 4 KiB blocks; 0 turns the cache off),
 * freeing what is over it.  Returns the previous bound.  Thread context. */
size_t bcache_set_limit(size_t bytes);

#endif
