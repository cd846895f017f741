/* KTAP suite "blk": the block layer on a RAM-backed test device (no
 * hardware needed): registry, request checks, async completion exactly once
 * in thread context, partitions (MBR + EBR chain, hostile tables), flush,
 * statistics; device lifetime (a disk unregistered while a pointer, a
 * partition and a request in flight hold it: every new request -EIO, the
 * release only after the last of them; blk_unregister waiting for threads
 * inside the driver's submit; lookups and reads racing a device that comes
 * and goes) and claims (mounted vs. open for writing, overlapping
 * partitions, one owner as one user). */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/sync.h>

/* --- the test device: RAM, completed by a worker thread (asynchronously),
 * with an injectable failing sector, requests that can be held (in submit
 * or in the worker) until released, and counts of flushes and releases --- */
struct tdisk {
    struct blkdev dev;
    uint8_t *data;
    uint64_t bad_sector;     /* requests touching it fail with -EIO (~0: none) */
    int submit_error;        /* ops->submit returns this when non-zero */
    int flushes;
    volatile int released;   /* calls of the release callback */
    volatile bool worker_gated; /* the worker waits on worker_gate before each request */
    ksem_t worker_gate;
    volatile bool submit_gated; /* submit signals in_submit, then waits on submit_gate */
    ksem_t in_submit, submit_gate;
    struct list_node queue;  /* guarded by interrupts off */
    struct waitq wq;
    struct thread *worker;
    volatile bool stop;
};

static void *tdisk_worker(void *arg)
{
    struct tdisk *d = arg;
    for (;;) {
        irqflags_t f = irq_save();
        struct list_node *n;
        while (!(n = list_pop_front(&d->queue)) && !d->stop)
            waitq_wait(&d->wq, 0, false);
        irq_restore(f);
        if (!n)
            return NULL;
        if (d->worker_gated)
            ksem_down(&d->worker_gate);
        struct blk_request *r = list_entry(n, struct blk_request, node);
        uint32_t ss = d->dev.sector_size;
        int st = 0;
        if (r->op != BLK_FLUSH && d->bad_sector >= r->sector && d->bad_sector < r->sector + r->count)
            st = -EIO;
        else if (r->op == BLK_READ)
            memcpy(r->buf, d->data + r->sector * ss, (size_t)r->count * ss);
        else if (r->op == BLK_WRITE)
            memcpy(d->data + r->sector * ss, r->buf, (size_t)r->count * ss);
        else
            d->flushes++;
        if ((r->sector & 1) == 0)
            yield(); /* let requests overlap */
        blk_complete(r, st, st ? 0 : (size_t)r->count * ss);
    }
}

static int tdisk_submit(struct blkdev *dev, struct blk_request *req)
{
    struct tdisk *d = dev->priv;
    if (d->submit_gated) {
        ksem_up(&d->in_submit);
        ksem_down(&d->submit_gate);
    }
    if (d->submit_error)
        return d->submit_error;
    irqflags_t f = irq_save();
    list_push_back(&d->queue, &req->node);
    waitq_wake_one(&d->wq);
    irq_restore(f);
    return 0;
}
static const struct blkdev_ops tdisk_ops = { tdisk_submit };

/* Counts; the struct itself is freed by tdisk_free. */
static void tdisk_release(struct blkdev *dev) { ((struct tdisk *)dev->priv)->released++; }

/* A new, unregistered disk called name, or NULL. */
static struct tdisk *tdisk_new(const char *name, uint64_t nsectors)
{
    struct tdisk *d = kzalloc(sizeof(*d));
    if (!d)
        return NULL;
    d->data = kzalloc((size_t)nsectors * 512);
    if (!d->data) {
        kfree(d);
        return NULL;
    }
    for (uint64_t i = 0; i < nsectors * 512; i++)
        d->data[i] = (uint8_t)(i * 7 + i / 512);
    strlcpy(d->dev.name, name, sizeof(d->dev.name));
    d->dev.sector_size = 512;
    d->dev.nsectors = nsectors;
    d->dev.ops = &tdisk_ops;
    d->dev.priv = d;
    d->dev.release = tdisk_release;
    ksem_init(&d->worker_gate, 0);
    ksem_init(&d->in_submit, 0);
    ksem_init(&d->submit_gate, 0);
    strlcpy(d->dev.model, "ktest RAM disk", sizeof(d->dev.model));
    d->bad_sector = ~0ull;
    list_init(&d->queue);
    waitq_init(&d->wq);
    struct thread_attr a = { .name = "tdisk", .prio = PRIO_NORMAL, .stack_size = THREAD_STACK_DEFAULT, .flags = PROCESS_FLAG_JOINABLE };
    if (thread_create(&a, tdisk_worker, d, &d->worker)) {
        kfree(d->data);
        kfree(d);
        return NULL;
    }
    return d;
}

/* Waits up to a second for the release callback of a disk that went away
 * (the last reference may be dropped on the completion thread); true when
 * it ran exactly once. */
static bool tdisk_wait_released(struct tdisk *d)
{
    for (int i = 0; i < 1000 && d->released == 0; i++)
        process_sleep(NSEC_PER_MSEC);
    return d->released == 1;
}

/* Takes the disk away (blk_unregister) and frees it; a disk that was
 * registered must have been released exactly once by then (a failure of
 * t otherwise: a reference leaked). */
static void tdisk_free(struct ktest *t, struct tdisk *d)
{
    blk_unregister(&d->dev);
    irqflags_t f = irq_save();
    d->stop = true;
    waitq_wake_all(&d->wq);
    irq_restore(f);
    d->worker_gated = false;
    ksem_up(&d->worker_gate);
    thread_join(d->worker, NULL);
    if (d->dev.gone)
        KT_EXPECT_TRUE(t, tdisk_wait_released(d));
    else
        KT_EXPECT_EQ(t, d->released, 0);
    kfree(d->data);
    kfree(d);
}

/* Is name registered as dev? / at all?  (Neither keeps a reference.) */
static bool tdisk_is(const char *name, struct blkdev *dev)
{
    struct blkdev *b = blk_find(name);
    blk_put(b);
    return b && b == dev;
}

static bool tdisk_exists(const char *name)
{
    struct blkdev *b = blk_find(name);
    blk_put(b);
    return b != NULL;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Writes an MBR/EBR entry (and the 55aa signature) into a sector. */
static void tdisk_mbr_entry(uint8_t *sector, int slot, uint8_t type, uint32_t lba, uint32_t n)
{
    uint8_t *e = sector + 446 + 16 * slot;
    memset(e, 0, 16);
    e[4] = type;
    put32(e + 8, lba);
    put32(e + 12, n);
    sector[510] = 0x55;
    sector[511] = 0xaa;
}

/* --- cases --- */

static void count_lsblk(struct blkdev *dev, void *ctx)
{
    if (strncmp(dev->name, "tblk", 4) == 0)
        (*(int *)ctx)++;
}

static void blk_registry(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblk0", 64);
    KT_ASSERT_NOT_NULL(t, d);
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    KT_EXPECT_TRUE(t, tdisk_is("tblk0", &d->dev));
    KT_EXPECT_TRUE(t, tdisk_is("/dev/tblk0", &d->dev));
    KT_EXPECT_FALSE(t, tdisk_exists("tblk"));
    KT_EXPECT_NULL(t, blk_find(NULL));
    struct tdisk *e = tdisk_new("tblk0", 8);
    KT_ASSERT_NOT_NULL(t, e);
    KT_EXPECT_EQ(t, blk_register(&e->dev), -EEXIST);
    e->dev.sector_size = 100;
    strlcpy(e->dev.name, "tblkx", sizeof(e->dev.name));
    KT_EXPECT_EQ(t, blk_register(&e->dev), -EINVAL);
    int n = 0;
    blk_foreach(count_lsblk, &n);
    KT_EXPECT_EQ(t, n, 1);
    tdisk_free(t, d);
    KT_EXPECT_FALSE(t, tdisk_exists("tblk0"));
    n = 0;
    blk_foreach(count_lsblk, &n);
    KT_EXPECT_EQ(t, n, 0);
    tdisk_free(t, e);
}

static int never_calls;
static void never_done(struct blk_request *r) { (void)r; never_calls++; }

static void blk_rejects_bad_requests(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblk1", 100);
    KT_ASSERT_NOT_NULL(t, d);
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    static uint8_t buf[4096];
    struct blk_request r = { .dev = &d->dev, .op = BLK_READ, .sector = 0, .count = 0, .buf = buf,
                             .done = never_done };
    never_calls = 0;
    KT_EXPECT_EQ(t, blk_submit(&r), -EINVAL);  /* count 0 */
    r.count = 1;
    r.sector = 100;
    KT_EXPECT_EQ(t, blk_submit(&r), -EINVAL);  /* first sector past the end */
    r.sector = 99;
    r.count = 2;
    KT_EXPECT_EQ(t, blk_submit(&r), -EINVAL);  /* runs past the end */
    r.sector = ~0ull - 1;
    r.count = 8;
    KT_EXPECT_EQ(t, blk_submit(&r), -EINVAL);  /* wraps around */
    r.sector = 0;
    r.count = 1;
    r.buf = NULL;
    KT_EXPECT_EQ(t, blk_submit(&r), -EINVAL);  /* no buffer */
    r.buf = buf;
    r.done = NULL;
    KT_EXPECT_EQ(t, blk_submit(&r), -EINVAL);  /* no callback */
    r.done = never_done;
    r.op = (enum blk_op)7;
    KT_EXPECT_EQ(t, blk_submit(&r), -EINVAL);  /* bad op */
    r.op = BLK_FLUSH;
    KT_EXPECT_EQ(t, blk_submit(&r), -EINVAL);  /* flush with a count */
    KT_EXPECT_EQ(t, blk_submit(NULL), -EINVAL);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 0, 0, buf), -EINVAL);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 100, 1, buf), -EINVAL);
    KT_EXPECT_EQ(t, blk_write(&d->dev, 95, 6, buf), -EINVAL);
    d->dev.readonly = true;
    KT_EXPECT_EQ(t, blk_write(&d->dev, 0, 1, buf), -EROFS);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 0, 1, buf), 0);
    d->dev.readonly = false;
    d->submit_error = -ENXIO; /* the driver refuses: no callback, error back */
    r = (struct blk_request){ .dev = &d->dev, .op = BLK_READ, .count = 1, .buf = buf, .done = never_done };
    KT_EXPECT_EQ(t, blk_submit(&r), -ENXIO);
    d->submit_error = 0;
    blk_unregister(&d->dev);
    KT_EXPECT_EQ(t, blk_submit(&r), -EIO); /* gone */
    struct tdisk *u = tdisk_new("tblk1u", 8); /* never registered */
    KT_ASSERT_NOT_NULL(t, u);
    r.dev = &u->dev;
    KT_EXPECT_EQ(t, blk_submit(&r), -ENODEV);
    process_sleep(10 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, never_calls, 0);
    tdisk_free(t, u);
    tdisk_free(t, d);
}

static void blk_sync_roundtrip(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblk2", 256);
    KT_ASSERT_NOT_NULL(t, d);
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    uint8_t *w = kmalloc(16 * 512), *r = kmalloc(16 * 512);
    KT_ASSERT_NOT_NULL(t, w);
    KT_ASSERT_NOT_NULL(t, r);
    for (int i = 0; i < 16 * 512; i++)
        w[i] = (uint8_t)(i ^ 0x5a);
    KT_EXPECT_EQ(t, blk_write(&d->dev, 100, 16, w), 0);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 100, 16, r), 0);
    KT_EXPECT_MEMEQ(t, w, r, 16 * 512);
    KT_EXPECT_MEMEQ(t, d->data + 100 * 512, w, 16 * 512);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 255, 1, r), 0); /* the last sector */
    KT_EXPECT_MEMEQ(t, r, d->data + 255 * 512, 512);
    KT_EXPECT_EQ(t, blk_flush(&d->dev), 0);
    KT_EXPECT_EQ(t, d->flushes, 1);
    /* A device error comes back as the request's status. */
    d->bad_sector = 120;
    KT_EXPECT_EQ(t, blk_read(&d->dev, 115, 8, r), -EIO);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 121, 8, r), 0);
    struct blk_stats st;
    blk_get_stats(&d->dev, &st);
    KT_EXPECT_EQ(t, st.writes, 1);
    KT_EXPECT_EQ(t, st.write_bytes, 16 * 512);
    KT_EXPECT_EQ(t, st.reads, 4);
    KT_EXPECT_EQ(t, st.read_bytes, 16 * 512 + 512 + 8 * 512);
    KT_EXPECT_EQ(t, st.flushes, 1);
    KT_EXPECT_EQ(t, st.errors, 1);
    KT_EXPECT_GT(t, st.busy_ns, 0);
    kfree(w);
    kfree(r);
    tdisk_free(t, d);
}

/* Several threads, each with many requests in flight at once; every
 * callback is counted per request: each must run exactly once, never in an
 * interrupt handler, with the right status. */
#define AS_THREADS 4
#define AS_REQS 48
struct as_ctx {
    struct blkdev *dev;
    int id;
    struct blk_request req[AS_REQS];
    volatile int calls[AS_REQS];
    uint8_t *buf;
    ksem_t sem;
    int bad_ctx, submit_err;
};

static void as_done(struct blk_request *r)
{
    struct as_ctx *c = r->priv;
    int i = (int)(r - c->req);
    c->calls[i]++;
    if (in_interrupt() || !irqs_enabled())
        c->bad_ctx++;
    ksem_up(&c->sem);
}

static void *as_thread(void *arg)
{
    struct as_ctx *c = arg;
    for (int i = 0; i < AS_REQS; i++) {
        struct blk_request *r = &c->req[i];
        *r = (struct blk_request){ .dev = c->dev, .op = (i % 3 == 2) ? BLK_WRITE : BLK_READ,
                                   .sector = (uint64_t)(c->id * AS_REQS + i), .count = 1,
                                   .buf = c->buf + i * 512, .done = as_done, .priv = c };
        if (r->op == BLK_WRITE)
            memset(r->buf, c->id * 16 + i % 16, 512);
        if (blk_submit(r))
            c->submit_err++;
        if (i % 5 == 0)
            yield();
    }
    for (int i = 0; i < AS_REQS; i++)
        ksem_down(&c->sem);
    return NULL;
}

static void blk_async_many_threads(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblk3", AS_THREADS * AS_REQS);
    KT_ASSERT_NOT_NULL(t, d);
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    uint8_t *orig = kmalloc(AS_THREADS * AS_REQS * 512);
    KT_ASSERT_NOT_NULL(t, orig);
    memcpy(orig, d->data, AS_THREADS * AS_REQS * 512);
    struct as_ctx *ctx[AS_THREADS];
    struct thread *th[AS_THREADS];
    for (int k = 0; k < AS_THREADS; k++) {
        ctx[k] = kzalloc(sizeof(struct as_ctx));
        KT_ASSERT_NOT_NULL(t, ctx[k]);
        ctx[k]->dev = &d->dev;
        ctx[k]->id = k;
        ctx[k]->buf = kmalloc(AS_REQS * 512);
        KT_ASSERT_NOT_NULL(t, ctx[k]->buf);
        ksem_init(&ctx[k]->sem, 0);
        struct thread_attr a = { .name = "blk-as", .prio = PRIO_NORMAL, .stack_size = THREAD_STACK_DEFAULT, .flags = PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&a, as_thread, ctx[k], &th[k]), 0);
    }
    for (int k = 0; k < AS_THREADS; k++)
        thread_join(th[k], NULL);
    process_sleep(20 * NSEC_PER_MSEC); /* a duplicate callback would show up now */
    int once = 0, wrong = 0;
    for (int k = 0; k < AS_THREADS; k++) {
        struct as_ctx *c = ctx[k];
        KT_EXPECT_EQ(t, c->submit_err, 0);
        KT_EXPECT_EQ(t, c->bad_ctx, 0);
        for (int i = 0; i < AS_REQS; i++) {
            once += c->calls[i] == 1;
            struct blk_request *r = &c->req[i];
            if (r->status != 0 || r->bytes_done != 512)
                wrong++;
            uint64_t s = r->sector;
            if (r->op == BLK_READ && memcmp(r->buf, orig + s * 512, 512) != 0)
                wrong++;
            if (r->op == BLK_WRITE && d->data[s * 512 + 17] != (uint8_t)(c->id * 16 + i % 16))
                wrong++;
        }
    }
    KT_EXPECT_EQ(t, once, AS_THREADS * AS_REQS);
    KT_EXPECT_EQ(t, wrong, 0);
    for (int k = 0; k < AS_THREADS; k++) {
        kfree(ctx[k]->buf);
        kfree(ctx[k]);
    }
    kfree(orig);
    tdisk_free(t, d);
}

/* --- partitions --- */

static void blk_partitions(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblk", 2048);
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *m = d->data;
    memset(m, 0, 512);
    tdisk_mbr_entry(m, 0, 0x83, 64, 100);      /* tblk1: 64..163 */
    tdisk_mbr_entry(m, 1, 0x05, 400, 1000);    /* tblk2: extended 400..1399 */
    tdisk_mbr_entry(m, 3, 0x0c, 1500, 548);    /* tblk4: 1500..2047, slot 3 (gap at 3) */
    /* EBR chain: 400 -> logical at 410 (50), next EBR at 400+200 -> logical at 610 (100). */
    memset(m + 400 * 512, 0, 512);
    tdisk_mbr_entry(m + 400 * 512, 0, 0x83, 10, 50);
    tdisk_mbr_entry(m + 400 * 512, 1, 0x05, 200, 300);
    memset(m + 600 * 512, 0, 512);
    tdisk_mbr_entry(m + 600 * 512, 0, 0x83, 10, 100);
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), 5);
    struct blkdev *p1 = blk_find("tblk1"), *p2 = blk_find("tblk2"), *p4 = blk_find("tblk4");
    struct blkdev *p5 = blk_find("tblk5"), *p6 = blk_find("tblk6");
    KT_ASSERT_NOT_NULL(t, p1);
    KT_ASSERT_NOT_NULL(t, p2);
    KT_ASSERT_NOT_NULL(t, p4);
    KT_ASSERT_NOT_NULL(t, p5);
    KT_ASSERT_NOT_NULL(t, p6);
    KT_EXPECT_FALSE(t, tdisk_exists("tblk3"));
    KT_EXPECT_FALSE(t, tdisk_exists("tblk7"));
    KT_EXPECT_EQ(t, p1->nsectors, 100);
    KT_EXPECT_EQ(t, p1->start, 64);
    KT_EXPECT_EQ(t, p4->start, 1500);
    KT_EXPECT_EQ(t, p5->start, 410);
    KT_EXPECT_EQ(t, p5->nsectors, 50);
    KT_EXPECT_EQ(t, p6->start, 610);
    KT_EXPECT_EQ(t, p6->nsectors, 100);
    KT_EXPECT_TRUE(t, p6->parent == &d->dev);
    uint8_t *buf = kmalloc(4 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    /* Reads are shifted onto the disk... */
    KT_EXPECT_EQ(t, blk_read(p6, 99, 1, buf), 0);
    KT_EXPECT_MEMEQ(t, buf, d->data + 709 * 512, 512);
    KT_EXPECT_EQ(t, blk_read(p1, 0, 4, buf), 0);
    KT_EXPECT_MEMEQ(t, buf, d->data + 64 * 512, 4 * 512);
    /* ...and range-checked against the partition, not the disk. */
    KT_EXPECT_EQ(t, blk_read(p6, 100, 1, buf), -EINVAL);
    KT_EXPECT_EQ(t, blk_read(p1, 98, 4, buf), -EINVAL);
    memset(buf, 0xa5, 512);
    KT_EXPECT_EQ(t, blk_write(p5, 0, 1, buf), 0);
    KT_EXPECT_EQ(t, d->data[410 * 512 + 3], 0xa5);
    KT_EXPECT_EQ(t, blk_flush(p5), 0);
    KT_EXPECT_EQ(t, d->flushes, 1);
    /* A device error on the disk reaches the partition's request. */
    d->bad_sector = 64 + 50;
    KT_EXPECT_EQ(t, blk_read(p1, 50, 1, buf), -EIO);
    d->bad_sector = ~0ull;
    /* Statistics are kept for the partition and for the disk under it. */
    struct blk_stats s5, sd;
    blk_get_stats(p5, &s5);
    blk_get_stats(&d->dev, &sd);
    KT_EXPECT_EQ(t, s5.writes, 1);
    KT_EXPECT_EQ(t, s5.flushes, 1);
    KT_EXPECT_EQ(t, sd.writes, 1);
    KT_EXPECT_GE(t, sd.reads, 3);
    /* Scanning again while the partitions exist fails cleanly. */
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), 0);
    KT_EXPECT_TRUE(t, tdisk_is("tblk1", p1));
    kfree(buf);
    struct blkdev *held[] = { p1, p2, p4, p5, p6 };
    for (size_t i = 0; i < ARRAY_SIZE(held); i++)
        blk_put(held[i]);
    tdisk_free(t, d);
    KT_EXPECT_FALSE(t, tdisk_exists("tblk1"));
    KT_EXPECT_FALSE(t, tdisk_exists("tblk6"));
}

static void blk_hostile_partition_tables(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblkh", 1024);
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *m = d->data;
    memset(m, 0, 512);
    tdisk_mbr_entry(m, 0, 0x83, 1000, 100);         /* runs past the end: skipped */
    tdisk_mbr_entry(m, 1, 0x83, 0xffffff00u, 0x200); /* wraps: skipped */
    tdisk_mbr_entry(m, 2, 0x0f, 100, 500);           /* extended with a looping chain */
    tdisk_mbr_entry(m, 3, 0x83, 0, 10);              /* overlaps the MBR: skipped */
    memset(m + 100 * 512, 0, 512);
    tdisk_mbr_entry(m + 100 * 512, 0, 0x83, 1, 10);   /* tblkh5 at 101 */
    tdisk_mbr_entry(m + 100 * 512, 1, 0x05, 50, 50);  /* next EBR at 150 */
    memset(m + 150 * 512, 0, 512);
    tdisk_mbr_entry(m + 150 * 512, 0, 0x83, 1, 5000); /* past the extended partition: skipped */
    tdisk_mbr_entry(m + 150 * 512, 1, 0x05, 0 + 1, 50); /* back to 101: a loop, stopped */
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), 2); /* tblkh3 (extended) and tblkh5 */
    KT_EXPECT_TRUE(t, tdisk_exists("tblkh3"));
    KT_EXPECT_FALSE(t, tdisk_exists("tblkh1"));
    KT_EXPECT_FALSE(t, tdisk_exists("tblkh2"));
    KT_EXPECT_FALSE(t, tdisk_exists("tblkh4"));
    KT_EXPECT_TRUE(t, tdisk_exists("tblkh5"));
    KT_EXPECT_FALSE(t, tdisk_exists("tblkh6"));
    blk_drop_partitions(&d->dev);
    KT_EXPECT_FALSE(t, tdisk_exists("tblkh5"));
    /* No signature: no partitions, no error. */
    m[510] = 0;
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), 0);
    /* A read error on sector 0 is reported. */
    d->bad_sector = 0;
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), -EIO);
    tdisk_free(t, d);
}

/* --- lifetime --- */

/* A disk with partitions tblkX1 (64..163), tblkX2 extended (400..1399)
 * and in it tblkX5 (410..459), registered and scanned. */
static struct tdisk *tdisk_parted(struct ktest *t, const char *name)
{
    struct tdisk *d = tdisk_new(name, 2048);
    if (!d)
        return NULL;
    uint8_t *m = d->data;
    memset(m, 0, 512);
    tdisk_mbr_entry(m, 0, 0x83, 64, 100);
    tdisk_mbr_entry(m, 1, 0x05, 400, 1000);
    memset(m + 400 * 512, 0, 512);
    tdisk_mbr_entry(m + 400 * 512, 0, 0x83, 10, 50);
    if (blk_register(&d->dev) != 0 || blk_scan_partitions(&d->dev) != 3) {
        tdisk_free(t, d);
        return NULL;
    }
    return d;
}

struct count_done {
    volatile int calls;
    int status;
};

static void count_done(struct blk_request *r)
{
    struct count_done *c = r->priv;
    c->status = r->status;
    c->calls++;
}

/* The disk goes away while a pointer to it, a partition and a request in
 * flight are held: every new request fails with -EIO, the request in
 * flight completes once, and the device is released only after the last
 * of them. */
static void blk_gone_while_used(struct ktest *t)
{
    struct tdisk *d = tdisk_parted(t, "tblkg");
    KT_ASSERT_NOT_NULL(t, d);
    struct blkdev *disk = blk_find("tblkg"), *p1 = blk_find("tblkg1");
    KT_ASSERT_TRUE(t, disk == &d->dev);
    KT_ASSERT_NOT_NULL(t, p1);
    static uint8_t buf[1024];
    KT_EXPECT_EQ(t, blk_read(p1, 0, 1, buf), 0);
    /* A request on the partition, held by the driver. */
    d->worker_gated = true;
    struct count_done cd = { 0, 1 };
    struct blk_request r = { .dev = p1, .op = BLK_READ, .sector = 5, .count = 2, .buf = buf,
                             .done = count_done, .priv = &cd };
    KT_ASSERT_EQ(t, blk_submit(&r), 0);

    blk_unregister(&d->dev);
    KT_EXPECT_FALSE(t, tdisk_exists("tblkg"));
    KT_EXPECT_FALSE(t, tdisk_exists("tblkg1"));
    KT_EXPECT_FALSE(t, tdisk_exists("tblkg5"));
    KT_EXPECT_TRUE(t, blk_gone(disk));
    KT_EXPECT_TRUE(t, blk_gone(p1));
    KT_EXPECT_EQ(t, blk_read(disk, 0, 1, buf), -EIO);
    KT_EXPECT_EQ(t, blk_write(disk, 0, 1, buf), -EIO);
    KT_EXPECT_EQ(t, blk_flush(disk), -EIO);
    KT_EXPECT_EQ(t, blk_read(p1, 0, 1, buf), -EIO);
    struct count_done never = { 0, 1 };
    struct blk_request r2 = { .dev = p1, .op = BLK_READ, .count = 1, .buf = buf, .done = count_done,
                              .priv = &never };
    KT_EXPECT_EQ(t, blk_submit(&r2), -EIO);
    KT_EXPECT_EQ(t, blk_add_partition(disk, 9, 0, 10, NULL) == NULL, 1);
    /* The struct is still there for its users. */
    struct blk_stats st;
    blk_get_stats(disk, &st);
    KT_EXPECT_GE(t, st.reads, 1);
    KT_EXPECT_EQ(t, disk->nsectors, 2048);
    blk_put(disk);
    KT_EXPECT_EQ(t, d->released, 0); /* p1 holds its disk */
    blk_put(p1);
    process_sleep(5 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, d->released, 0); /* the request in flight holds p1 */
    KT_EXPECT_EQ(t, cd.calls, 0);
    /* The driver finishes what it had accepted. */
    d->worker_gated = false;
    ksem_up(&d->worker_gate);
    KT_EXPECT_TRUE(t, tdisk_wait_released(d));
    KT_EXPECT_EQ(t, cd.calls, 1);
    KT_EXPECT_EQ(t, cd.status, 0);
    KT_EXPECT_EQ(t, never.calls, 0);
    blk_unregister(&d->dev); /* again: nothing */
    tdisk_free(t, d);
}

struct unreg_ctx {
    struct blkdev *dev;
    volatile bool done;
    int err;
};

static void *read_thread(void *arg)
{
    struct unreg_ctx *c = arg;
    static uint8_t b[512];
    c->err = blk_read(c->dev, 1, 1, b);
    c->done = true;
    return NULL;
}

static void *unregister_thread(void *arg)
{
    struct unreg_ctx *c = arg;
    blk_unregister(c->dev);
    c->done = true;
    return NULL;
}

/* blk_unregister returns only once no thread is inside the driver's
 * submit: after it, the driver sees no new request. */
static void blk_unregister_waits_for_submit(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblkw", 64);
    KT_ASSERT_NOT_NULL(t, d);
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    d->submit_gated = true;
    struct unreg_ctx rc = { &d->dev, false, 1 }, uc = { &d->dev, false, 0 };
    struct thread_attr a = { .name = "blk-rd", .prio = PRIO_NORMAL, .stack_size = THREAD_STACK_DEFAULT,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *rt, *ut;
    KT_ASSERT_EQ(t, thread_create(&a, read_thread, &rc, &rt), 0);
    ksem_down(&d->in_submit); /* the reader is inside submit */
    a.name = "blk-unreg";
    KT_ASSERT_EQ(t, thread_create(&a, unregister_thread, &uc, &ut), 0);
    process_sleep(20 * NSEC_PER_MSEC);
    KT_EXPECT_FALSE(t, uc.done);
    KT_EXPECT_TRUE(t, blk_gone(&d->dev)); /* already gone for new requests */
    d->submit_gated = false;
    ksem_up(&d->submit_gate);
    thread_join(ut, NULL);
    thread_join(rt, NULL);
    KT_EXPECT_TRUE(t, uc.done);
    KT_EXPECT_EQ(t, rc.err, 0); /* accepted before it went: completed */
    tdisk_free(t, d);
}

/* Lookups, reads and releases from several threads while the device comes
 * and goes: every read gives 0 or -EIO, every registration ends in exactly
 * one release, and no reference is dropped twice (blk_put panics then). */
#define RACE_THREADS 3
#define RACE_ROUNDS 40
static volatile bool race_stop;
static volatile int race_bad, race_reads, race_eio, race_bad_err;

static void *race_thread(void *arg)
{
    static uint8_t b[RACE_THREADS][512];
    int me = (int)(uintptr_t)arg;
    while (!race_stop) {
        struct blkdev *dev = blk_find("tblkr");
        if (!dev) {
            yield();
            continue;
        }
        if (me == 1)
            yield(); /* let it go between the lookup and the read */
        int err = blk_read(dev, (uint64_t)me, 1, b[me]);
        if (err == 0)
            race_reads++;
        else if (err == -EIO)
            race_eio++;
        else
            race_bad++, race_bad_err = err;
        if (me == 0)
            yield();
        blk_put(dev);
    }
    return NULL;
}

static void blk_lookup_races_unregister(struct ktest *t)
{
    struct thread *th[RACE_THREADS];
    race_stop = false;
    race_bad = race_reads = race_eio = race_bad_err = 0;
    struct thread_attr a = { .name = "blk-race", .prio = PRIO_NORMAL, .stack_size = THREAD_STACK_DEFAULT,
                             .flags = PROCESS_FLAG_JOINABLE };
    for (int i = 0; i < RACE_THREADS; i++)
        KT_ASSERT_EQ(t, thread_create(&a, race_thread, (void *)(uintptr_t)i, &th[i]), 0);
    int released = 0;
    for (int round = 0; round < RACE_ROUNDS; round++) {
        struct tdisk *d = tdisk_new("tblkr", 16);
        KT_ASSERT_NOT_NULL(t, d);
        KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
        process_sleep((uint64_t)(round % 3) * NSEC_PER_MSEC);
        blk_unregister(&d->dev);
        released += tdisk_wait_released(d);
        tdisk_free(t, d);
    }
    race_stop = true;
    for (int i = 0; i < RACE_THREADS; i++)
        thread_join(th[i], NULL);
    ktest_log(t, "%d reads, %d EIO after the device went", race_reads, race_eio);
    if (race_bad)
        ktest_log(t, "a read failed with %d (only 0 or -EIO may come)", race_bad_err);
    KT_EXPECT_EQ(t, released, RACE_ROUNDS);
    KT_EXPECT_EQ(t, race_bad, 0);
    KT_EXPECT_GT(t, race_reads, 0);
}

/* --- claims --- */

/* The answer to a claim, which is dropped again at once when it succeeds. */
static int try_claim(struct blkdev *dev, unsigned how, const void *owner)
{
    struct blk_claim c = { 0 };
    int err = blk_claim(dev, how, owner, &c);
    if (!err)
        blk_unclaim(&c);
    return err;
}

static void blk_claims(struct ktest *t)
{
    struct tdisk *d = tdisk_parted(t, "tblkc");
    KT_ASSERT_NOT_NULL(t, d);
    struct blkdev *disk = &d->dev, *p1 = blk_find("tblkc1"), *p2 = blk_find("tblkc2"), *p5 = blk_find("tblkc5");
    KT_ASSERT_NOT_NULL(t, p1);
    KT_ASSERT_NOT_NULL(t, p2);
    KT_ASSERT_NOT_NULL(t, p5);
    struct blk_claim m = { 0 }, w = { 0 };
    const char other_owner[] = "other";
    const unsigned MOUNT = BLK_CLAIM_MOUNT, WRITE = BLK_CLAIM_WRITE;

    /* Mounted: no writer on it, its disk or anything overlapping. */
    KT_ASSERT_EQ(t, blk_claim(p1, MOUNT, NULL, &m), 0);
    KT_EXPECT_TRUE(t, m.dev == p1);
    KT_EXPECT_EQ(t, try_claim(p1, WRITE, NULL), -EBUSY);
    KT_EXPECT_EQ(t, try_claim(disk, WRITE, NULL), -EBUSY);
    KT_EXPECT_EQ(t, try_claim(p5, WRITE, NULL), 0);  /* elsewhere on the disk */
    KT_EXPECT_EQ(t, try_claim(p1, MOUNT, NULL), 0);  /* two readers' mounts */
    blk_unclaim(&m);
    KT_EXPECT_NULL(t, m.dev);
    KT_EXPECT_EQ(t, try_claim(disk, WRITE, NULL), 0);

    /* An extended partition overlaps its logical ones. */
    KT_ASSERT_EQ(t, blk_claim(p2, MOUNT, NULL, &m), 0);
    KT_EXPECT_EQ(t, try_claim(p5, WRITE, NULL), -EBUSY);
    KT_EXPECT_EQ(t, try_claim(p1, WRITE, NULL), 0);
    blk_unclaim(&m);

    /* Open for writing: no mount, of it or of the whole disk. */
    KT_ASSERT_EQ(t, blk_claim(p5, WRITE, NULL, &w), 0);
    KT_EXPECT_EQ(t, try_claim(p5, MOUNT, NULL), -EBUSY);
    KT_EXPECT_EQ(t, try_claim(disk, MOUNT, NULL), -EBUSY);
    KT_EXPECT_EQ(t, try_claim(p5, WRITE, NULL), 0); /* writers do not exclude writers */
    KT_EXPECT_EQ(t, try_claim(p1, MOUNT, NULL), 0);
    blk_unclaim(&w);

    /* One owner is one user: the rump kernel's mount and its own writes. */
    KT_ASSERT_EQ(t, blk_claim(disk, MOUNT, blk_owner_rump, &m), 0);
    KT_ASSERT_EQ(t, blk_claim(disk, WRITE, blk_owner_rump, &w), 0);
    KT_EXPECT_EQ(t, try_claim(p5, WRITE, NULL), -EBUSY);
    KT_EXPECT_EQ(t, try_claim(p5, WRITE, other_owner), -EBUSY);
    KT_EXPECT_EQ(t, try_claim(p1, MOUNT, other_owner), -EBUSY); /* rump writes there */
    blk_unclaim(&w);
    blk_unclaim(&m);

    /* Bad arguments, a read-only device. */
    KT_EXPECT_EQ(t, try_claim(disk, 0, NULL), -EINVAL);
    KT_EXPECT_EQ(t, try_claim(disk, 0x10, NULL), -EINVAL);
    KT_EXPECT_EQ(t, try_claim(NULL, WRITE, NULL), -EINVAL);
    KT_EXPECT_EQ(t, blk_claim(disk, WRITE, NULL, NULL), -EINVAL);
    disk->readonly = true;
    KT_EXPECT_EQ(t, try_claim(disk, WRITE, NULL), -EROFS);
    disk->readonly = false;

    /* A claim holds the device: gone, it is released after the unclaim. */
    KT_ASSERT_EQ(t, blk_claim(p1, MOUNT, NULL, &m), 0);
    blk_put(p1);
    blk_put(p2);
    blk_put(p5);
    blk_unregister(disk);
    KT_EXPECT_EQ(t, try_claim(m.dev, WRITE, NULL), -EIO);
    KT_EXPECT_EQ(t, blk_read(m.dev, 0, 1, d->data), -EIO);
    process_sleep(5 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, d->released, 0);
    blk_unclaim(&m);
    tdisk_free(t, d);
}

KTEST_SUITE(blk, KTEST_CASE(blk_registry), KTEST_CASE(blk_rejects_bad_requests), KTEST_CASE(blk_sync_roundtrip),
            KTEST_CASE(blk_async_many_threads), KTEST_CASE(blk_partitions),
            KTEST_CASE(blk_hostile_partition_tables), KTEST_CASE(blk_gone_while_used),
            KTEST_CASE(blk_unregister_waits_for_submit), KTEST_CASE(blk_lookup_races_unregister),
            KTEST_CASE(blk_claims));
