/* KTAP suite "blk": the block layer on a RAM-backed test device (no
 * hardware needed): registry, request checks, async completion exactly once
 * in thread context, partitions (MBR + EBR chain, hostile tables), flush,
 * statistics. */
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
 * with an injectable failing sector and a count of flushes --- */
struct tdisk {
    struct blkdev dev;
    uint8_t *data;
    uint64_t bad_sector;     /* requests touching it fail with -EIO (~0: none) */
    int submit_error;        /* ops->submit returns this when non-zero */
    int flushes;
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
    if (d->submit_error)
        return d->submit_error;
    irqflags_t f = irq_save();
    list_push_back(&d->queue, &req->node);
    waitq_wake_one(&d->wq);
    irq_restore(f);
    return 0;
}
static const struct blkdev_ops tdisk_ops = { tdisk_submit };

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

static void tdisk_free(struct tdisk *d)
{
    blk_drop_partitions(&d->dev);
    blk_unregister(&d->dev);
    irqflags_t f = irq_save();
    d->stop = true;
    waitq_wake_all(&d->wq);
    irq_restore(f);
    thread_join(d->worker, NULL);
    kfree(d->data);
    kfree(d);
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
    KT_EXPECT_TRUE(t, blk_find("tblk0") == &d->dev);
    KT_EXPECT_TRUE(t, blk_find("/dev/tblk0") == &d->dev);
    KT_EXPECT_NULL(t, blk_find("tblk"));
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
    tdisk_free(d);
    KT_EXPECT_NULL(t, blk_find("tblk0"));
    n = 0;
    blk_foreach(count_lsblk, &n);
    KT_EXPECT_EQ(t, n, 0);
    tdisk_free(e);
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
    KT_EXPECT_EQ(t, blk_submit(&r), -ENODEV);
    process_sleep(10 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, never_calls, 0);
    tdisk_free(d);
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
    tdisk_free(d);
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
    tdisk_free(d);
}

/* --- partitions --- */

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void mbr_entry(uint8_t *sector, int slot, uint8_t type, uint32_t lba, uint32_t n)
{
    uint8_t *e = sector + 446 + 16 * slot;
    memset(e, 0, 16);
    e[4] = type;
    put32(e + 8, lba);
    put32(e + 12, n);
    sector[510] = 0x55;
    sector[511] = 0xaa;
}

static void blk_partitions(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblk", 2048);
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *m = d->data;
    memset(m, 0, 512);
    mbr_entry(m, 0, 0x83, 64, 100);      /* tblk1: 64..163 */
    mbr_entry(m, 1, 0x05, 400, 1000);    /* tblk2: extended 400..1399 */
    mbr_entry(m, 3, 0x0c, 1500, 548);    /* tblk4: 1500..2047, slot 3 (gap at 3) */
    /* EBR chain: 400 -> logical at 410 (50), next EBR at 400+200 -> logical at 610 (100). */
    memset(m + 400 * 512, 0, 512);
    mbr_entry(m + 400 * 512, 0, 0x83, 10, 50);
    mbr_entry(m + 400 * 512, 1, 0x05, 200, 300);
    memset(m + 600 * 512, 0, 512);
    mbr_entry(m + 600 * 512, 0, 0x83, 10, 100);
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), 5);
    struct blkdev *p1 = blk_find("tblk1"), *p2 = blk_find("tblk2"), *p4 = blk_find("tblk4");
    struct blkdev *p5 = blk_find("tblk5"), *p6 = blk_find("tblk6");
    KT_ASSERT_NOT_NULL(t, p1);
    KT_ASSERT_NOT_NULL(t, p2);
    KT_ASSERT_NOT_NULL(t, p4);
    KT_ASSERT_NOT_NULL(t, p5);
    KT_ASSERT_NOT_NULL(t, p6);
    KT_EXPECT_NULL(t, blk_find("tblk3"));
    KT_EXPECT_NULL(t, blk_find("tblk7"));
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
    KT_EXPECT_TRUE(t, blk_find("tblk1") == p1);
    kfree(buf);
    tdisk_free(d);
    KT_EXPECT_NULL(t, blk_find("tblk1"));
    KT_EXPECT_NULL(t, blk_find("tblk6"));
}

static void blk_hostile_partition_tables(struct ktest *t)
{
    struct tdisk *d = tdisk_new("tblkh", 1024);
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *m = d->data;
    memset(m, 0, 512);
    mbr_entry(m, 0, 0x83, 1000, 100);         /* runs past the end: skipped */
    mbr_entry(m, 1, 0x83, 0xffffff00u, 0x200); /* wraps: skipped */
    mbr_entry(m, 2, 0x0f, 100, 500);           /* extended with a looping chain */
    mbr_entry(m, 3, 0x83, 0, 10);              /* overlaps the MBR: skipped */
    memset(m + 100 * 512, 0, 512);
    mbr_entry(m + 100 * 512, 0, 0x83, 1, 10);   /* tblkh5 at 101 */
    mbr_entry(m + 100 * 512, 1, 0x05, 50, 50);  /* next EBR at 150 */
    memset(m + 150 * 512, 0, 512);
    mbr_entry(m + 150 * 512, 0, 0x83, 1, 5000); /* past the extended partition: skipped */
    mbr_entry(m + 150 * 512, 1, 0x05, 0 + 1, 50); /* back to 101: a loop, stopped */
    KT_ASSERT_EQ(t, blk_register(&d->dev), 0);
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), 2); /* tblkh3 (extended) and tblkh5 */
    KT_EXPECT_TRUE(t, blk_find("tblkh3") != NULL);
    KT_EXPECT_NULL(t, blk_find("tblkh1"));
    KT_EXPECT_NULL(t, blk_find("tblkh2"));
    KT_EXPECT_NULL(t, blk_find("tblkh4"));
    KT_EXPECT_TRUE(t, blk_find("tblkh5") != NULL);
    KT_EXPECT_NULL(t, blk_find("tblkh6"));
    blk_drop_partitions(&d->dev);
    KT_EXPECT_NULL(t, blk_find("tblkh5"));
    /* No signature: no partitions, no error. */
    m[510] = 0;
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), 0);
    /* A read error on sector 0 is reported. */
    d->bad_sector = 0;
    KT_EXPECT_EQ(t, blk_scan_partitions(&d->dev), -EIO);
    tdisk_free(d);
}

KTEST_SUITE(blk, KTEST_CASE(blk_registry), KTEST_CASE(blk_rejects_bad_requests), KTEST_CASE(blk_sync_roundtrip),
            KTEST_CASE(blk_async_many_threads), KTEST_CASE(blk_partitions),
            KTEST_CASE(blk_hostile_partition_tables));
