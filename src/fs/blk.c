/* The block-device layer: the named registry and device lifetime, claims,
 * request checking, partition translation, the completion thread,
 * synchronous wrappers and statistics.  See include/adros/blk.h for the
 * contract.
 *
 * How a request travels:
 *   blk_submit()  checks it against its device (range, count, buffer, op,
 *                 read-only), and for a partition wraps it in a child request
 *                 shifted onto the parent disk (checked again there);
 *   bcache        (src/fs/bcache.c) serves a disk's read from memory, or
 *                 enlarges it, or lets it through (blk__drv_start);
 *   driver        gets the request through ops->submit and, later, from any
 *                 context (its IRQ handler typically), calls blk_complete();
 *   blk_complete  queues the request for the completion thread and wakes it;
 *   blk-done      (the completion thread) accounts it in the device's
 *                 statistics and calls done() -- for a child request, it
 *                 completes the partition's request in turn.
 *
 * How a device goes away: blk_unregister() marks it (and its partitions)
 * gone under reg_lock, so check() and start() refuse new requests with
 * -EIO; it then waits for the threads already inside ops->submit (counted
 * in dev->active) and drops the registry's references.  A request holds a
 * reference on its device until its done() has returned, so statistics
 * and callbacks never touch a freed device.
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

#include "blk_int.h"

/* The registry.  reg_lock must be held to walk or change `devices`, and
 * to change a device's registered, gone or active fields (see blk.h). */
static spinlock_t reg_lock = SPINLOCK_INIT("blk-registry");
static struct list_node devices = LIST_INIT(devices);

/* Claims (blk_claim).  claim_lock (a spinlock: the walk is short and never
 * sleeps) guards the list and the claims on it. */
static spinlock_t claim_lock = SPINLOCK_INIT("blk-claims");
static struct list_node claims = LIST_INIT(claims);

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
static const struct blkdev_ops part_ops;

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

/* ---- registry and lifetime ---- */

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

int blk_register(struct blkdev *dev)
{
    if (!dev || !dev->name[0] || strnlen(dev->name, sizeof(dev->name)) == sizeof(dev->name) ||
        dev->sector_size < 512 || !IS_POW2(dev->sector_size) || !dev->ops || !dev->ops->submit)
        return -EINVAL;
    int err = start_completion_thread();
    if (err)
        return err;
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    if (dev->registered || dev->gone)
        err = dev->gone ? -EINVAL : -EEXIST; /* once in a device's life */
    else if (dev->parent && (dev->parent->gone || !dev->parent->registered))
        err = -EIO; /* a partition of a disk that went away meanwhile */
    else if (find_locked(dev->name))
        err = -EEXIST;
    if (!err) {
        dev->stats = (struct blk_stats){ 0 };
        dev->refs = 1; /* the registry's */
        dev->active = 0;
        waitq_init(&dev->idle);
        dev->registered = true;
        list_push_back(&devices, &dev->node);
    }
    spin_unlock_irqrestore(&reg_lock, f);
    if (!err && !dev->parent) /* partitions are reported by the scan */
        klog(LOG_INFO, "blk: %s: %llu sectors of %u bytes (%llu MiB)%s%s%s\n", dev->name,
         (unsigned long long)dev->nsectors, dev->sector_size,
         (unsigned long long)(dev->nsectors * dev->sector_size / MiB), dev->readonly ? ", read-only" : "",
         dev->model[0] ? ", " : "", dev->model);
    return err;
}

struct blkdev *blk_ref(struct blkdev *dev)
{
    if (__atomic_add_fetch(&dev->refs, 1, __ATOMIC_SEQ_CST) <= 1)
        panic("blk_ref: %s: device already released", dev->name);
    return dev;
}

void blk_put(struct blkdev *dev)
{
    if (!dev)
        return;
    int n = __atomic_sub_fetch(&dev->refs, 1, __ATOMIC_SEQ_CST);
    if (n < 0 || (n == 0 && dev->registered))
        panic("blk_put: %s: reference dropped too often (%d left, %s)", dev->name, n,
              dev->registered ? "registered" : "gone");
    if (n == 0 && dev->release)
        dev->release(dev);
}

bool blk_gone(const struct blkdev *dev) { return __atomic_load_n(&dev->gone, __ATOMIC_SEQ_CST); }

/* Without reg_lock: 0 while dev is registered, -EIO once it went (requests
 * on a device that went fail with EIO), -ENODEV if it never was. */
static int not_there(const struct blkdev *dev)
{
    if (__atomic_load_n(&dev->registered, __ATOMIC_SEQ_CST))
        return 0;
    return blk_gone(dev) ? -EIO : -ENODEV;
}

/* Takes dev out of the registry and marks it gone; its registry reference
 * goes onto `out` (through dev->node) for put_all.  reg_lock held. */
static void detach_locked(struct blkdev *dev, struct list_node *out)
{
    list_remove(&dev->node);
    /* gone before !registered: the unlocked checks (not_there) read them
     * in the other order, so a device on its way out is never reported
     * as one that was never registered. */
    __atomic_store_n(&dev->gone, true, __ATOMIC_SEQ_CST);
    __atomic_store_n(&dev->registered, false, __ATOMIC_SEQ_CST);
    list_push_back(out, &dev->node);
}

/* Detaches every registered partition of disk.  reg_lock held. */
static void detach_partitions_locked(struct blkdev *disk, struct list_node *out)
{
    struct list_node *it, *tmp;
    list_for_each_safe(it, tmp, &devices) {
        struct blkdev *d = list_entry(it, struct blkdev, node);
        if (d->parent == disk && d->ops == &part_ops)
            detach_locked(d, out);
    }
}

/* Drops the registry references detach_locked collected, without locks. */
static void put_all(struct list_node *list)
{
    struct list_node *n;
    while ((n = list_pop_front(list)))
        blk_put(list_entry(n, struct blkdev, node));
}

static void tell_listeners(const char *disk, bool added);

void blk_unregister(struct blkdev *dev)
{
    if (!dev)
        return;
    struct list_node out = LIST_INIT(out);
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    if (!dev->registered) {
        spin_unlock_irqrestore(&reg_lock, f);
        return;
    }
    detach_locked(dev, &out);
    detach_partitions_locked(dev, &out);
    spin_unlock_irqrestore(&reg_lock, f);
    klog(LOG_INFO, "blk: %s: gone\n", dev->name);
    if (!dev->parent) {
        bcache__gone(dev); /* after `gone` is set: nothing is cached for it again */
        tell_listeners(dev->name, false);
    }
    /* Nobody enters submit any more (start() tests `gone` under reg_lock);
     * wait for those inside.  One CPU: with interrupts off, nothing can
     * change `active` between the test and the sleep. */
    f = irq_save();
    while (dev->active > 0)
        waitq_wait(&dev->idle, 0, false);
    irq_restore(f);
    put_all(&out);
}

struct blkdev *blk_find(const char *name)
{
    if (!name)
        return NULL;
    if (strncmp(name, "/dev/", 5) == 0)
        name += 5;
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    struct blkdev *d = find_locked(name);
    if (d)
        blk_ref(d);
    spin_unlock_irqrestore(&reg_lock, f);
    return d;
}

static struct blk_boot_waiter *boot_waiters;
void blk_boot_waiter_add(struct blk_boot_waiter *w)
{
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    w->next = boot_waiters;
    boot_waiters = w;
    spin_unlock_irqrestore(&reg_lock, f);
}

void blk_boot_wait_all(void)
{
    for (struct blk_boot_waiter *w = boot_waiters; w; w = w->next)
        w->wait();
}

struct blkdev *blk_find_boot(const char *name)
{
    struct blkdev *d = blk_find(name);
    if (d)
        return d;
    blk_boot_wait_all();
    return blk_find(name);
}

static struct blk_listener *listeners;
void blk_listener_add(struct blk_listener *l)
{
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    l->next = listeners;
    listeners = l;
    spin_unlock_irqrestore(&reg_lock, f);
}

/* Listeners are only ever added: the list can be walked without the lock. */
static void tell_listeners(const char *disk, bool added)
{
    for (struct blk_listener *l = listeners; l; l = l->next) {
        void (*fn)(const char *) = added ? l->added : l->removed;
        if (fn)
            fn(disk);
    }
}

/* fn runs without the registry lock, on a snapshot of the list taken first,
 * each device held by a reference meanwhile. */
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
        list_for_each(it, &devices)
            n++;
        if (n <= cap) {
            n = 0;
            list_for_each(it, &devices)
                snap[n++] = blk_ref(list_entry(it, struct blkdev, node));
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
    for (size_t i = 0; i < n; i++) {
        fn(snap[i], ctx);
        blk_put(snap[i]);
    }
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

/* A partition's last reference: free it and let go of its disk. */
static void part_release(struct blkdev *p)
{
    struct blkdev *disk = p->parent;
    kfree(p);
    blk_put(disk);
}

struct blkdev *blk_add_partition(struct blkdev *disk, int num, uint64_t start, uint64_t nsectors, int *err)
{
    int e = -EINVAL;
    struct blkdev *p = NULL;
    if (!disk || disk->parent || num < 1 || nsectors == 0 || start >= disk->nsectors ||
        nsectors > disk->nsectors - start)
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
    p->start = start;
    p->priv = disk->priv;
    p->release = part_release;
    strlcpy(p->model, disk->model, sizeof(p->model));
    strlcpy(p->driver, disk->driver, sizeof(p->driver));
    p->removable = disk->removable;
    list_init(&p->node);
    /* The partition's reference on its disk, dropped by part_release;
     * blk_register checks, under its lock, that the disk is still there. */
    p->parent = blk_ref(disk);
    e = blk_register(p);
    if (e)
        blk_put(disk);
out:
    if (e) {
        kfree(p);
        p = NULL;
    }
    if (err)
        *err = e;
    return p;
}

void blk_drop_partitions(struct blkdev *disk)
{
    if (!disk)
        return;
    struct list_node out = LIST_INIT(out);
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    detach_partitions_locked(disk, &out);
    spin_unlock_irqrestore(&reg_lock, f);
    put_all(&out);
}

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
    tell_listeners(dev->name, true);
    return r < 0 ? r : sc.added;
}

/* ---- claims ----
 * Every claim is on one list; a new claim is compared with each, which is
 * cheap: there are only as many claims as mounts and device files open for
 * writing.  Two devices overlap when they share sectors of one disk: a
 * disk and any of its partitions, or two partitions whose ranges meet (an
 * extended partition and the logical ones inside it). */

const char blk_owner_rump[] = "rump";

static bool overlap(const struct blkdev *a, const struct blkdev *b)
{
    const struct blkdev *da = a->parent ? a->parent : a, *db = b->parent ? b->parent : b;
    uint64_t sa = a->parent ? a->start : 0, sb = b->parent ? b->start : 0;
    return da == db && sa < sb + b->nsectors && sb < sa + a->nsectors;
}

/* Would a claim for `how` by owner conflict with c? */
static bool conflict(unsigned how, const void *owner, const struct blk_claim *c)
{
    if (owner && owner == c->owner)
        return false; /* one user */
    return ((how & BLK_CLAIM_MOUNT) && (c->how & BLK_CLAIM_WRITE)) ||
           ((how & BLK_CLAIM_WRITE) && (c->how & BLK_CLAIM_MOUNT));
}

int blk_claim(struct blkdev *dev, unsigned how, const void *owner, struct blk_claim *c)
{
    if (!dev || !c || !how || (how & ~(BLK_CLAIM_WRITE | BLK_CLAIM_MOUNT)))
        return -EINVAL;
    /* Unlocked tests: a device that goes away right after being claimed is
     * harmless, every request on it fails from then on. */
    int err = not_there(dev);
    if (err)
        return err;
    if ((how & BLK_CLAIM_WRITE) && dev->readonly)
        return -EROFS;
    irqflags_t f = spin_lock_irqsave(&claim_lock);
    struct list_node *it;
    list_for_each(it, &claims) {
        struct blk_claim *o = list_entry(it, struct blk_claim, node);
        if (overlap(dev, o->dev) && conflict(how, owner, o)) {
            spin_unlock_irqrestore(&claim_lock, f);
            return -EBUSY;
        }
    }
    c->dev = blk_ref(dev);
    c->how = how;
    c->owner = owner;
    list_push_back(&claims, &c->node);
    spin_unlock_irqrestore(&claim_lock, f);
    return 0;
}

void blk_unclaim(struct blk_claim *c)
{
    if (!c || !c->dev)
        return;
    irqflags_t f = spin_lock_irqsave(&claim_lock);
    list_remove(&c->node);
    spin_unlock_irqrestore(&claim_lock, f);
    struct blkdev *dev = c->dev;
    c->dev = NULL;
    blk_put(dev);
}

/* ---- requests ---- */

static int check(struct blk_request *req)
{
    struct blkdev *dev = req->dev;
    if (!dev || !req->done)
        return -EINVAL;
    int err = not_there(dev);
    if (err)
        return err;
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
    req->bc_flags = 0;
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
        c->flags = req->flags;
        c->done = req->done; /* never called: finish() completes the parent */
        c->parent_req = req;
        err = check(c);
        if (!err)
            err = start(c);
        if (err)
            kfree(c);
        return err;
    }
    return bcache__start(req);
}

int blk__drv_start(struct blk_request *req)
{
    struct blkdev *dev = req->dev;
    int err;
    /* Into the driver only while the device is there; blk_unregister
     * waits for every thread counted in `active`. */
    irqflags_t f = spin_lock_irqsave(&reg_lock);
    bool gone = dev->gone;
    if (!gone)
        dev->active++;
    spin_unlock_irqrestore(&reg_lock, f);
    if (gone)
        return -EIO;
    /* req may be finished and freed as soon as submit has it. */
    uint64_t rbytes = req->op == BLK_READ ? (uint64_t)req->count * dev->sector_size : 0;
    int req_op = req->op;
    err = dev->ops->submit(dev, req);
    f = spin_lock_irqsave(&reg_lock);
    if (--dev->active == 0 && dev->gone)
        waitq_wake_all(&dev->idle);
    spin_unlock_irqrestore(&reg_lock, f);
    f = spin_lock_irqsave(&done_lock);
    if (err) {
        dev->stats.errors++;
        if (req_op != BLK_READ)
            dev->stats.write_errors++;
    } else if (rbytes) {
        dev->stats.disk_reads++;
        dev->stats.disk_read_bytes += rbytes;
    }
    spin_unlock_irqrestore(&done_lock, f);
    return err;
}

int blk__submit_internal(struct blk_request *r)
{
    list_init(&r->node);
    r->status = 0;
    r->bytes_done = 0;
    r->drv = NULL;
    r->parent_req = NULL;
    r->submit_ns = clock_gettime_ns();
    struct blkdev *dev = blk_ref(r->dev); /* until done() has returned */
    int err = blk__drv_start(r);
    if (err)
        blk_put(dev);
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
    struct blkdev *dev = blk_ref(req->dev); /* until done() has returned */
    err = start(req);
    if (err)
        blk_put(dev);
    return err;
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
    if (req->bc_flags & BLK__INTERNAL)
        return; /* the cache's own read: counted as disk_reads only */
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
    if (req->status) {
        s->errors++;
        if (req->op != BLK_READ)
            s->write_errors++;
    }
    s->busy_ns += lat;
    spin_unlock_irqrestore(&done_lock, f);
}

static void finish(struct blk_request *req)
{
    account(req);
    if (!req->dev->parent)
        bcache__finish(req);
    struct blk_request *parent = req->parent_req;
    if (parent) {
        parent->status = req->status;
        parent->bytes_done = req->bytes_done;
        kfree(req);
        finish(parent);
        return;
    }
    struct blkdev *dev = req->dev; /* req may be gone once done() returns */
    req->done(req);
    blk_put(dev);
}

void blk_get_stats(struct blkdev *dev, struct blk_stats *out)
{
    irqflags_t f = spin_lock_irqsave(&done_lock);
    *out = dev->stats;
    spin_unlock_irqrestore(&done_lock, f);
}

/* ---- synchronous wrappers ---- */

static void sync_done(struct blk_request *req) { ksem_up(req->priv); }

/* Counts a read served by blk_read_cached on dev (and its disk, as a
 * partition's child request would be). */
static void account_cached(struct blkdev *dev, size_t bytes)
{
    irqflags_t f = spin_lock_irqsave(&done_lock);
    for (struct blkdev *d = dev; d; d = d->parent) {
        d->stats.reads++;
        d->stats.read_bytes += bytes;
    }
    spin_unlock_irqrestore(&done_lock, f);
}

int blk_read_cached(struct blkdev *dev, uint64_t sector, uint32_t count, void *buf)
{
    struct blk_request r = { .dev = dev, .op = BLK_READ, .sector = sector, .count = count, .buf = buf,
                             .done = sync_done };
    int err = check(&r);
    if (err)
        return err;
    struct blkdev *disk = dev->parent ? dev->parent : dev;
    if (!bcache__lookup(disk, sector + (dev->parent ? dev->start : 0), count, buf))
        return -EAGAIN;
    account_cached(dev, (size_t)count * dev->sector_size);
    return 0;
}

static int sync_io(struct blkdev *dev, enum blk_op op, uint64_t sector, uint32_t count, void *buf)
{
    if (op == BLK_READ) {
        int e = blk_read_cached(dev, sector, count, buf);
        if (e != -EAGAIN)
            return e;
    }
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
