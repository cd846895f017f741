/* The block-device layer: the named registry, request checking, partition
 * translation, the completion thread, synchronous wrappers and statistics.
 * See include/adros/blk.h for the contract.
 *
 * How a request travels:
 *   blk_submit()  checks it against its device (range, count, buffer, op,
 *                 read-only), and for a partition wraps it in a child request
 *                 shifted onto the parent disk (checked again there);
 *   driver        gets the request through ops->submit and, later, from any
 *                 context (its IRQ handler typically), calls blk_complete();
 *   blk_complete  queues the request for the completion thread and wakes it;
 *   blk-done      (the completion thread) accounts it in the device's
 *                 statistics and calls done() -- for a child request, it
 *                 completes the partition's request in turn.
 *
 * Assumptions: one CPU; blk_submit and the wrappers are called from thread
 * context; done() callbacks run on the one completion thread, so a done()
 * must not wait for other block I/O (it would wait for itself). */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/mbr.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/spinlock.h>
#include <adros/string.h>
#include <adros/sync.h>

/* The registry.  reg_lock must be held to walk or change `devices`. */
static spinlock_t reg_lock = SPINLOCK_INIT("blk-registry");
static struct list_node devices = LIST_INIT(devices);

/* Completed requests waiting for the completion thread.  done_lock (a
 * spinlock: blk_complete runs in interrupt handlers) guards done_queue and
 * done_wq; stats of every device are written only by the completion thread,
 * under the same lock so that readers see them whole. */
static spinlock_t done_lock = SPINLOCK_INIT("blk-done");
static struct list_node done_queue = LIST_INIT(done_queue);
static struct waitq done_wq = WAITQ_INIT(done_wq);
static struct thread *done_thread;
static kmutex_t start_lock = KMUTEX_INIT(start_lock, "blk-start");

static void finish(struct blk_request *req);

static void *completion_main(void *arg)
{
    (void)arg;
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&done_lock);
        struct list_node *n;
        while (!(n = list_pop_front(&done_queue))) {
            spin_unlock_irqrestore(&done_lock, f);
            /* waitq_wait needs interrupts off but no spinlock held; on one
             * CPU the queue cannot change between the test and the sleep. */
            f = irq_save();
            if (list_empty(&done_queue))
                waitq_wait(&done_wq, 0, false);
            irq_restore(f);
            f = spin_lock_irqsave(&done_lock);
        }
        spin_unlock_irqrestore(&done_lock, f);
        finish(list_entry(n, struct blk_request, node));
    }
    return NULL;
}

/* Starts the completion thread once; returns 0 or -ENOMEM. */
static int start_completion_thread(void)
{
    if (done_thread)
        return 0;
    kmutex_lock(&start_lock);
    if (!done_thread) {
        struct thread_attr a = { .name = "blk-done", .prio = PRIO_HIGH, .stack_size = 32 * 1024 };
        struct thread *t;
        int err = thread_create(&a, completion_main, NULL, &t);
        if (err) {
            kmutex_unlock(&start_lock);
            return err;
        }
        done_thread = t;
    }
    kmutex_unlock(&start_lock);
    return 0;
}

static int blk_start(void) { return start_completion_thread(); }
INITCALL(INIT_BUS, blk_start);

/* ---- registry ---- */

static struct blkdev *find_locked(const char *name)
{
    struct list_node *it;
    list_for_each(it, &devices) {
        struct blkdev *d = list_entry(it, struct blkdev, node);
        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

static bool registered_locked(const struct blkdev *dev)
{
    struct list_node *it;
    list_for_each(it, &devices) {
        if (it == &dev->node)
            return true;
    }
    return false;
}

int blk_register(struct blkdev *dev)
{
    if (!dev)
        return -EINVAL;
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    bool already = registered_locked(dev);
    spin_unlock_irqrestore(&reg_lock, f);
    if (already)
        return -EEXIST;
    list_init(&dev->node); /* from here on, "linked" means registered */
    if (!dev->name[0] || strnlen(dev->name, sizeof(dev->name)) == sizeof(dev->name) || dev->sector_size < 512 ||
        !IS_POW2(dev->sector_size) || !dev->ops || !dev->ops->submit)
        return -EINVAL;
    int err = start_completion_thread();
    if (err)
        return err;
    dev->stats = (struct blk_stats){ 0 };
    f = spin_lock_irqsave(&reg_lock);
    if (find_locked(dev->name)) {
        spin_unlock_irqrestore(&reg_lock, f);
        return -EEXIST;
    }
    list_push_back(&devices, &dev->node);
    spin_unlock_irqrestore(&reg_lock, f);
    if (!dev->parent) /* partitions are reported by the scan */
        klog(LOG_INFO, "blk: %s: %llu sectors of %u bytes (%llu MiB)%s%s%s\n", dev->name,
         (unsigned long long)dev->nsectors, dev->sector_size,
         (unsigned long long)(dev->nsectors * dev->sector_size / MiB), dev->readonly ? ", read-only" : "",
         dev->model[0] ? ", " : "", dev->model);
    return 0;
}

void blk_unregister(struct blkdev *dev)
{
    if (!dev)
        return;
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    if (registered_locked(dev))
        list_remove(&dev->node);
    spin_unlock_irqrestore(&reg_lock, f);
}

struct blkdev *blk_find(const char *name)
{
    if (!name)
        return NULL;
    if (strncmp(name, "/dev/", 5) == 0)
        name += 5;
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    struct blkdev *d = find_locked(name);
    spin_unlock_irqrestore(&reg_lock, f);
    return d;
}

/* fn runs without the registry lock (it may call blk_find or block), on a
 * snapshot of the list taken first. */
void blk_foreach(void (*fn)(struct blkdev *dev, void *ctx), void *ctx)
{
    if (!fn)
        return;
    size_t n = 0, cap = 0;
    struct blkdev **snap = NULL;
    for (;;) {
        irqflags_t f = spin_lock_irqsave(&reg_lock);
        struct list_node *it;
        n = 0;
        list_for_each(it, &devices) {
            if (n < cap)
                snap[n] = list_entry(it, struct blkdev, node);
            n++;
        }
        spin_unlock_irqrestore(&reg_lock, f);
        if (n <= cap)
            break;
        kfree(snap);
        cap = n + 8;
        snap = kmalloc(cap * sizeof(*snap));
        if (!snap)
            return;
    }
    for (size_t i = 0; i < n; i++)
        fn(snap[i], ctx);
    kfree(snap);
}

/* ---- partitions ---- */

static int part_submit(struct blkdev *dev, struct blk_request *req)
{
    (void)dev;
    (void)req;
    return -EINVAL; /* never called: blk_submit translates partition requests */
}
static const struct blkdev_ops part_ops = { part_submit };

struct blkdev *blk_add_partition(struct blkdev *disk, int num, uint64_t start, uint64_t nsectors, int *err)
{
    int e = -EINVAL;
    struct blkdev *p = NULL;
    if (!disk || num < 1 || nsectors == 0 || start >= disk->nsectors || nsectors > disk->nsectors - start)
        goto out;
    e = -ENOMEM;
    p = kzalloc(sizeof(*p));
    if (!p)
        goto out;
    size_t len = strlen(disk->name);
    bool digit = len && disk->name[len - 1] >= '0' && disk->name[len - 1] <= '9';
    e = -EINVAL;
    if (ksnprintf(p->name, sizeof(p->name), "%s%s%d", disk->name, digit ? "p" : "", num) >=
        (int)sizeof(p->name))
        goto out;
    p->sector_size = disk->sector_size;
    p->nsectors = nsectors;
    p->readonly = disk->readonly;
    p->ops = &part_ops;
    p->parent = disk;
    p->start = start;
    p->priv = disk->priv;
    strlcpy(p->model, disk->model, sizeof(p->model));
    list_init(&p->node);
    e = blk_register(p);
out:
    if (e) {
        kfree(p);
        p = NULL;
    }
    if (err)
        *err = e;
    return p;
}

static void drop_one(struct blkdev *dev, void *ctx)
{
    struct blkdev *disk = ctx;
    if (dev->parent == disk && dev->ops == &part_ops) {
        blk_unregister(dev);
        kfree(dev);
    }
}

void blk_drop_partitions(struct blkdev *disk) { blk_foreach(drop_one, disk); }

struct scan_ctx {
    struct blkdev *disk;
    uint8_t *buf; /* one device sector */
    int added;
};

static int scan_read(void *ctx, uint64_t sector, uint8_t out[512])
{
    struct scan_ctx *sc = ctx;
    int err = blk_read(sc->disk, sector, 1, sc->buf);
    if (err == 0)
        memcpy(out, sc->buf, 512);
    return err;
}

static int scan_add(void *ctx, const struct mbr_part *p)
{
    struct scan_ctx *sc = ctx;
    int err;
    struct blkdev *d = blk_add_partition(sc->disk, p->num, p->start, p->nsectors, &err);
    if (d)
        sc->added++;
    if (d)
        klog(LOG_INFO, "blk: %s: partition %s type %02x, sectors %llu..%llu\n", sc->disk->name, d->name, p->type,
             (unsigned long long)p->start, (unsigned long long)(p->start + p->nsectors - 1));
    else
        klog(LOG_WARN, "blk: %s: cannot add partition %d: %d\n", sc->disk->name, p->num, err);
    return 0; /* one bad entry does not stop the scan */
}

static void scan_warn(void *ctx, const char *what, uint64_t sector)
{
    struct scan_ctx *sc = ctx;
    klog(LOG_WARN, "blk: %s: partition table: %s (sector %llu); skipped\n", sc->disk->name, what,
         (unsigned long long)sector);
}

int blk_scan_partitions(struct blkdev *dev)
{
    if (!dev || dev->parent)
        return -EINVAL;
    struct scan_ctx sc = { dev, kmalloc(dev->sector_size), 0 };
    if (!sc.buf)
        return -ENOMEM;
    int r = mbr_scan(dev->nsectors, scan_read, scan_add, scan_warn, &sc);
    kfree(sc.buf);
    if (r < 0)
        klog(LOG_WARN, "blk: %s: cannot read the partition table: %d\n", dev->name, r);
    return r < 0 ? r : sc.added;
}

/* ---- requests ---- */

static int check(struct blk_request *req)
{
    struct blkdev *dev = req->dev;
    if (!dev || !req->done)
        return -EINVAL;
    if (!dev->node.next || !list_linked(&dev->node))
        return -ENODEV;
    switch (req->op) {
    case BLK_FLUSH:
        return req->count == 0 ? 0 : -EINVAL;
    case BLK_WRITE:
        if (dev->readonly)
            return -EROFS;
        /* fall through */
    case BLK_READ:
        if (req->count == 0 || !req->buf)
            return -EINVAL;
        if (req->sector >= dev->nsectors || req->count > dev->nsectors - req->sector)
            return -EINVAL;
        /* The byte count must be representable (size_t is 32 bits). */
        if ((uint64_t)req->count * dev->sector_size > 0x7fffffffu)
            return -EINVAL;
        return 0;
    default:
        return -EINVAL;
    }
}

/* Starts a checked request: a partition's goes to its parent disk as a
 * child request (checked again there), a disk's to its driver. */
static int start(struct blk_request *req)
{
    list_init(&req->node);
    req->status = 0;
    req->bytes_done = 0;
    req->drv = NULL;
    req->submit_ns = clock_gettime_ns();
    struct blkdev *dev = req->dev;
    int err;
    if (dev->parent) {
        struct blk_request *c = kzalloc(sizeof(*c));
        if (!c)
            return -ENOMEM;
        c->dev = dev->parent;
        c->op = req->op;
        c->sector = req->op == BLK_FLUSH ? 0 : req->sector + dev->start;
        c->count = req->count;
        c->buf = req->buf;
        c->done = req->done; /* never called: finish() completes the parent */
        c->parent_req = req;
        err = check(c);
        if (!err)
            err = start(c);
        if (err)
            kfree(c);
        return err;
    }
    err = dev->ops->submit(dev, req);
    if (err) {
        irqflags_t f = spin_lock_irqsave(&done_lock);
        dev->stats.errors++;
        spin_unlock_irqrestore(&done_lock, f);
    }
    return err;
}

int blk_submit(struct blk_request *req)
{
    if (!req)
        return -EINVAL;
    int err = check(req);
    if (err)
        return err;
    req->parent_req = NULL;
    return start(req);
}

void blk_complete(struct blk_request *req, int status, size_t bytes_done)
{
    irqflags_t f = spin_lock_irqsave(&done_lock);
    if (list_linked(&req->node))
        panic("blk_complete: request %p on %s completed twice (or still on a driver queue)", (void *)req,
              req->dev ? req->dev->name : "?");
    req->status = status;
    req->bytes_done = bytes_done;
    list_push_back(&done_queue, &req->node);
    waitq_wake_one(&done_wq);
    spin_unlock_irqrestore(&done_lock, f);
}

static void account(struct blk_request *req)
{
    struct blk_stats *s = &req->dev->stats;
    uint64_t lat = clock_gettime_ns() - req->submit_ns;
    irqflags_t f = spin_lock_irqsave(&done_lock);
    switch (req->op) {
    case BLK_READ:
        s->reads++;
        s->read_bytes += req->bytes_done;
        break;
    case BLK_WRITE:
        s->writes++;
        s->write_bytes += req->bytes_done;
        break;
    case BLK_FLUSH:
        s->flushes++;
        break;
    }
    if (req->status)
        s->errors++;
    s->busy_ns += lat;
    spin_unlock_irqrestore(&done_lock, f);
}

static void finish(struct blk_request *req)
{
    account(req);
    struct blk_request *parent = req->parent_req;
    if (parent) {
        parent->status = req->status;
        parent->bytes_done = req->bytes_done;
        kfree(req);
        finish(parent);
        return;
    }
    req->done(req);
}

void blk_get_stats(struct blkdev *dev, struct blk_stats *out)
{
    irqflags_t f = spin_lock_irqsave(&done_lock);
    *out = dev->stats;
    spin_unlock_irqrestore(&done_lock, f);
}

/* ---- synchronous wrappers ---- */

static void sync_done(struct blk_request *req) { ksem_up(req->priv); }

static int sync_io(struct blkdev *dev, enum blk_op op, uint64_t sector, uint32_t count, void *buf)
{
    ksem_t sem;
    ksem_init(&sem, 0);
    struct blk_request req = { .dev = dev, .op = op, .sector = sector, .count = count, .buf = buf,
                               .done = sync_done, .priv = &sem };
    int err = blk_submit(&req);
    if (err)
        return err;
    ksem_down(&sem);
    if (req.status == 0 && op != BLK_FLUSH && req.bytes_done != (size_t)count * dev->sector_size)
        return -EIO;
    return req.status;
}

int blk_read(struct blkdev *dev, uint64_t sector, uint32_t count, void *buf)
{
    return sync_io(dev, BLK_READ, sector, count, buf);
}

int blk_write(struct blkdev *dev, uint64_t sector, uint32_t count, const void *buf)
{
    return sync_io(dev, BLK_WRITE, sector, count, (void *)buf);
}

int blk_flush(struct blkdev *dev) { return sync_io(dev, BLK_FLUSH, 0, 0, NULL); }
