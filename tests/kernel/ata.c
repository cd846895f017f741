/* KTAP suite "ata": the ATA driver on the disks tools/test/disks.py
 * builds.  Every data sector of disk k holds a known pattern (see
 * fill_expected and disks.py's sector_pattern):
 *   hda (k=0): 8 MiB, MBR: hda1 2048+4096, hda2 extended 8192+8192 with
 *              logicals hda5 8255+2000 and hda6 12351+4033;
 *   hdc (k=2): 4 MiB, no partition table; a scratch area for writes;
 *   hdd (k=3): 4 MiB behind QEMU's blkdebug: reads touching sector 1000 and
 *              writes touching sector 2000 fail with EIO.
 * Cases that need a disk the boot lacks are skipped. */
#include <adros/ata.h>
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/sync.h>

#define BAD_READ_SECTOR 1000
#define BAD_WRITE_SECTOR 2000
#define SCRATCH 4096 /* hdc sectors from here on may be overwritten */

static void fill_expected(int k, uint64_t s, uint8_t *p)
{
    for (int j = 0; j < 512; j++)
        p[j] = (uint8_t)(s * 13 + (uint64_t)j * 7 + (uint64_t)k * 101 + (s >> 8));
    p[0] = 'A';
    p[1] = 'D';
    p[2] = 'R';
    p[3] = (uint8_t)k;
    p[4] = (uint8_t)s;
    p[5] = (uint8_t)(s >> 8);
    p[6] = (uint8_t)(s >> 16);
    p[7] = (uint8_t)(s >> 24);
}

/* Number of sectors in buf (starting at sector s of disk k) that differ
 * from the pattern. */
static int count_bad(int k, uint64_t s, const uint8_t *buf, uint32_t n)
{
    uint8_t exp[512];
    int bad = 0;
    for (uint32_t i = 0; i < n; i++) {
        fill_expected(k, s + i, exp);
        bad += memcmp(exp, buf + (size_t)i * 512, 512) != 0;
    }
    return bad;
}

/* ATA disks (and their partitions) stay registered for the whole boot, so
 * a pointer to one stays valid without keeping blk_find's reference. */
static struct blkdev *borrow(const char *name)
{
    struct blkdev *d = blk_find(name);
    blk_put(d);
    return d;
}

static struct blkdev *need(struct ktest *t, const char *name)
{
    struct blkdev *d = borrow(name);
    if (!d)
        ktest_log(t, "no %s in this boot", name);
    return d;
}

static void ata_identify(struct ktest *t)
{
    struct blkdev *a = need(t, "hda"), *c = need(t, "hdc");
    if (!a || !c)
        KT_SKIP(t, "needs hda and hdc");
    KT_EXPECT_STREQ(t, a->model, "QEMU HARDDISK");
    KT_EXPECT_EQ(t, a->nsectors, 16384);
    KT_EXPECT_EQ(t, a->sector_size, 512);
    KT_EXPECT_EQ(t, c->nsectors, 8192);
    KT_EXPECT_NULL(t, borrow("hdb"));
    struct ata_info ia, ic;
    KT_ASSERT_EQ(t, ata_get_info(a, &ia), 0);
    KT_ASSERT_EQ(t, ata_get_info(c, &ic), 0);
    KT_EXPECT_EQ(t, ia.channel, 0);
    KT_EXPECT_EQ(t, ia.slave, 0);
    KT_EXPECT_EQ(t, ia.cmd_port, 0x1f0);
    KT_EXPECT_EQ(t, ia.irq, 14);
    KT_EXPECT_EQ(t, ic.channel, 1);
    KT_EXPECT_EQ(t, ic.irq, 15);
    KT_EXPECT_TRUE(t, ia.lba48);
    struct ata_info dummy;
    KT_EXPECT_EQ(t, ata_get_info(NULL, &dummy), -EINVAL);
    struct blkdev *p1 = borrow("hda1");
    if (p1)
        KT_EXPECT_EQ(t, ata_get_info(p1, &dummy), -EINVAL); /* a partition is not the drive */
}

/* Reads [s, s+n) of dev in mode m into buf; checks the command counters
 * show that mode was used. */
static int read_mode(struct ktest *t, struct blkdev *dev, enum ata_mode m, uint64_t s, uint32_t n, void *buf)
{
    struct ata_info before, after;
    ata_get_info(dev, &before);
    KT_EXPECT_EQ(t, ata_set_mode(dev, m), 0);
    bcache_drop(dev); /* from the drive in this mode, not the block cache */
    int err = blk_read(dev, s, n, buf);
    ata_get_info(dev, &after);
    ata_set_mode(dev, ATA_MODE_AUTO);
    bool odd = ((uintptr_t)buf & 1) != 0;
    if (m == ATA_MODE_DMA && !odd) {
        KT_EXPECT_GT(t, after.dma_cmds, before.dma_cmds);
        KT_EXPECT_EQ(t, after.pio_cmds, before.pio_cmds);
    } else {
        KT_EXPECT_GT(t, after.pio_cmds, before.pio_cmds);
        KT_EXPECT_EQ(t, after.dma_cmds, before.dma_cmds);
    }
    return err;
}

static void ata_pio_dma_equal(struct ktest *t)
{
    struct blkdev *a = need(t, "hda"), *c = need(t, "hdc");
    if (!a || !c)
        KT_SKIP(t, "needs hda and hdc");
    struct ata_info ia;
    ata_get_info(a, &ia);
    if (!ia.dma) {
        /* ata.dma=off: DMA is refused, PIO still reads right. */
        KT_EXPECT_EQ(t, ata_set_mode(a, ATA_MODE_DMA), -ENODEV);
        uint8_t *b = kmalloc(300 * 512);
        KT_ASSERT_NOT_NULL(t, b);
        KT_EXPECT_EQ(t, read_mode(t, a, ATA_MODE_PIO, 4100, 300, b), 0);
        KT_EXPECT_EQ(t, count_bad(0, 4100, b, 300), 0);
        kfree(b);
        return;
    }
    /* A buffer placed so that transfers cross 64 KiB boundaries. */
    uint8_t *big = kmalloc_aligned(3 * MiB, 64 * KiB);
    uint8_t *pio = kmalloc(2 * MiB);
    KT_ASSERT_NOT_NULL(t, big);
    KT_ASSERT_NOT_NULL(t, pio);
    static const struct {
        uint64_t s;
        uint32_t n;
    } cases[] = { { 1, 1 }, { 100, 7 }, { 2048, 128 }, { 3000, 256 }, { 4100, 300 }, { 8192, 2048 }, { 16383, 1 },
                  { 9000, 2100 } };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        uint64_t s = cases[i].s;
        uint32_t n = cases[i].n;
        uint8_t *dma = big + 64 * KiB - 3 * 512; /* straddles a boundary */
        memset(dma, 0xee, (size_t)n * 512);
        memset(pio, 0x11, (size_t)n * 512);
        KT_EXPECT_EQ(t, read_mode(t, a, ATA_MODE_DMA, s, n, dma), 0);
        KT_EXPECT_EQ(t, read_mode(t, a, ATA_MODE_PIO, s, n, pio), 0);
        KT_EXPECT_MEMEQ(t, dma, pio, (size_t)n * 512);
        /* Sectors holding partition tables (0, 8192, 12288) are not pattern. */
        int bad = count_bad(0, s, dma, n);
        int tables = (s == 0) + (s <= 8192 && 8192 < s + n) + (s <= 12288 && 12288 < s + n);
        KT_EXPECT_EQ(t, bad, tables);
    }
    /* The second channel, and a buffer at an odd address (DMA impossible:
     * the driver falls back to PIO, still correct). */
    uint8_t *odd = pio + 1;
    KT_EXPECT_EQ(t, read_mode(t, c, ATA_MODE_DMA, 10, 20, odd), 0);
    KT_EXPECT_EQ(t, count_bad(2, 10, odd, 20), 0);
    KT_EXPECT_EQ(t, read_mode(t, c, ATA_MODE_DMA, 0, 64, big), 0);
    KT_EXPECT_EQ(t, count_bad(2, 0, big, 64), 0);
    /* Forced 48-bit commands read the same. */
    KT_EXPECT_EQ(t, ata_force_lba48(a, true), 0);
    KT_EXPECT_EQ(t, read_mode(t, a, ATA_MODE_DMA, 500, 16, big), 0);
    KT_EXPECT_EQ(t, read_mode(t, a, ATA_MODE_PIO, 516, 16, big + 16 * 512), 0);
    ata_force_lba48(a, false);
    KT_EXPECT_EQ(t, count_bad(0, 500, big, 32), 0);
    kfree(big);
    kfree(pio);
}

/* DMA to and from a mapping window (mm.h) of scattered frames, as NetBSD's
 * pager hands its pages to the disk (src/rump/rump_pager.c): the PRD table
 * must name each page's frame, not the window's addresses.  The frames are
 * entered in reverse order, so no two neighbours in the window are
 * neighbours in memory. */
#define WIN_NPG 40
static void ata_dma_window(struct ktest *t)
{
    struct blkdev *a = need(t, "hda"), *c = need(t, "hdc");
    if (!a || !c)
        KT_SKIP(t, "needs hda and hdc");
    struct ata_info ia;
    ata_get_info(a, &ia);
    if (!ia.dma)
        KT_SKIP(t, "DMA off (ata.dma=off)");
    paddr_t pg[WIN_NPG];
    for (int i = 0; i < WIN_NPG; i++) {
        pg[i] = pmm_alloc_pages(0);
        KT_ASSERT_NE(t, pg[i], 0);
    }
    vaddr_t w = vmm_window_alloc(WIN_NPG);
    KT_ASSERT_NE(t, w, 0);
    for (int i = 0; i < WIN_NPG; i++)
        vmm_window_enter(w + (vaddr_t)i * PAGE_SIZE, pg[WIN_NPG - 1 - i]);
    uint8_t *win = (uint8_t *)w, *ref = kmalloc(WIN_NPG * PAGE_SIZE);
    KT_ASSERT_NOT_NULL(t, ref);
    KT_EXPECT_EQ(t, vmm_virt_to_phys(w + 5 * PAGE_SIZE + 12), pg[WIN_NPG - 6] + 12);
    /* Reads: the whole window, and a piece starting mid-page. */
    memset(win, 0xee, WIN_NPG * PAGE_SIZE);
    KT_EXPECT_EQ(t, read_mode(t, a, ATA_MODE_DMA, 100, WIN_NPG * 8, win), 0);
    KT_EXPECT_EQ(t, count_bad(0, 100, win, WIN_NPG * 8), 0);
    KT_EXPECT_EQ(t, ((uint8_t *)pg[WIN_NPG - 1])[0], win[0]); /* through the frame */
    KT_EXPECT_EQ(t, read_mode(t, a, ATA_MODE_DMA, 3000, 77, win + 3 * 512), 0);
    KT_EXPECT_EQ(t, count_bad(0, 3000, win + 3 * 512, 77), 0);
    /* A write from the window, read back by PIO into ordinary memory. */
    for (size_t i = 0; i < WIN_NPG * PAGE_SIZE; i++)
        win[i] = (uint8_t)(i * 31 + (i >> 12));
    KT_EXPECT_EQ(t, ata_set_mode(c, ATA_MODE_DMA), 0);
    KT_EXPECT_EQ(t, blk_write(c, SCRATCH + 1000, WIN_NPG * 8, win), 0);
    memset(ref, 0, WIN_NPG * PAGE_SIZE);
    KT_EXPECT_EQ(t, read_mode(t, c, ATA_MODE_PIO, SCRATCH + 1000, WIN_NPG * 8, ref), 0);
    KT_EXPECT_MEMEQ(t, ref, win, WIN_NPG * PAGE_SIZE);
    ata_set_mode(c, ATA_MODE_AUTO);
    vmm_window_free(w, WIN_NPG);
    KT_EXPECT_FALSE(t, vmm_is_mapped(w));
    kfree(ref);
    for (int i = 0; i < WIN_NPG; i++)
        pmm_free_pages(pg[i], 0);
}

static void ata_write_readback(struct ktest *t)
{
    struct blkdev *c = need(t, "hdc");
    if (!c)
        KT_SKIP(t, "needs hdc");
    struct ata_info ic;
    ata_get_info(c, &ic);
    uint8_t *w = kmalloc(256 * 512), *r = kmalloc(256 * 512);
    KT_ASSERT_NOT_NULL(t, w);
    KT_ASSERT_NOT_NULL(t, r);
    uint64_t seed = clock_gettime_ns();
    for (int i = 0; i < 256 * 512; i++)
        w[i] = (uint8_t)(seed >> (i % 7) ^ (uint64_t)i * 2654435761u);
    enum ata_mode wm[3] = { ATA_MODE_DMA, ATA_MODE_PIO, ATA_MODE_DMA };
    enum ata_mode rm[3] = { ATA_MODE_PIO, ATA_MODE_DMA, ATA_MODE_DMA };
    for (int k = 0; k < 3; k++) {
        if (!ic.dma && (wm[k] == ATA_MODE_DMA || rm[k] == ATA_MODE_DMA))
            continue;
        uint64_t s = SCRATCH + (uint64_t)k * 300;
        w[0] = (uint8_t)k;
        KT_EXPECT_EQ(t, ata_set_mode(c, wm[k]), 0);
        KT_EXPECT_EQ(t, blk_write(c, s, 256, w), 0);
        KT_EXPECT_EQ(t, ata_set_mode(c, rm[k]), 0);
        memset(r, 0, 256 * 512);
        KT_EXPECT_EQ(t, blk_read(c, s, 256, r), 0);
        KT_EXPECT_MEMEQ(t, w, r, 256 * 512);
    }
    ata_set_mode(c, ATA_MODE_AUTO);
    /* The last sector, and the sectors around the written area untouched. */
    KT_EXPECT_EQ(t, blk_write(c, c->nsectors - 1, 1, w), 0);
    KT_EXPECT_EQ(t, blk_read(c, c->nsectors - 2, 2, r), 0);
    KT_EXPECT_MEMEQ(t, r + 512, w, 512);
    KT_EXPECT_EQ(t, count_bad(2, c->nsectors - 2, r, 1), 0);
    KT_EXPECT_EQ(t, blk_read(c, SCRATCH - 1, 1, r), 0);
    KT_EXPECT_EQ(t, count_bad(2, SCRATCH - 1, r, 1), 0);
    /* Out of range and empty requests are refused. */
    KT_EXPECT_EQ(t, blk_read(c, c->nsectors, 1, r), -EINVAL);
    KT_EXPECT_EQ(t, blk_write(c, c->nsectors - 1, 2, w), -EINVAL);
    KT_EXPECT_EQ(t, blk_read(c, 0, 0, r), -EINVAL);
    KT_EXPECT_EQ(t, blk_read(c, ~0ull, 1, r), -EINVAL);
    /* Flush (FLUSH CACHE [EXT]) reaches the drive. */
    struct ata_info b, a;
    ata_get_info(c, &b);
    KT_EXPECT_EQ(t, blk_flush(c), 0);
    ata_get_info(c, &a);
    KT_EXPECT_EQ(t, a.flush_cmds, b.flush_cmds + 1);
    kfree(w);
    kfree(r);
}

static void ata_partitions(struct ktest *t)
{
    struct blkdev *a = need(t, "hda");
    if (!a)
        KT_SKIP(t, "needs hda");
    static const struct {
        const char *name;
        uint64_t start, n;
    } parts[] = { { "hda1", 2048, 4096 }, { "hda2", 8192, 8192 }, { "hda5", 8255, 2000 }, { "hda6", 12351, 4033 } };
    uint8_t *buf = kmalloc(8 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
        struct blkdev *p = borrow(parts[i].name);
        KT_ASSERT_NOT_NULL(t, p);
        KT_EXPECT_EQ(t, p->start, parts[i].start);
        KT_EXPECT_EQ(t, p->nsectors, parts[i].n);
        KT_EXPECT_TRUE(t, p->parent == a);
        if (i == 1)
            continue; /* the extended partition starts with an EBR */
        KT_EXPECT_EQ(t, blk_read(p, 0, 8, buf), 0);
        KT_EXPECT_EQ(t, count_bad(0, parts[i].start, buf, 8), 0);
        KT_EXPECT_EQ(t, blk_read(p, parts[i].n - 1, 1, buf), 0);
        KT_EXPECT_EQ(t, count_bad(0, parts[i].start + parts[i].n - 1, buf, 1), 0);
        KT_EXPECT_EQ(t, blk_read(p, parts[i].n, 1, buf), -EINVAL);
    }
    KT_EXPECT_NULL(t, borrow("hda3"));
    KT_EXPECT_NULL(t, borrow("hda7"));
    KT_EXPECT_EQ(t, blk_flush(borrow("hda5")), 0);
    kfree(buf);
}

/* Async requests from several threads on both channels at once. */
#define AT_THREADS 4
#define AT_REQS 24
struct at_ctx {
    struct blkdev *dev;
    int disk, id;
    struct blk_request req[AT_REQS];
    volatile int calls[AT_REQS];
    uint8_t *buf;
    ksem_t sem;
    volatile int bad_ctx;
    int submit_err;
};

static void at_done(struct blk_request *r)
{
    struct at_ctx *c = r->priv;
    c->calls[r - c->req]++;
    if (in_interrupt() || !irqs_enabled())
        c->bad_ctx++;
    ksem_up(&c->sem);
}

static void *at_thread(void *arg)
{
    struct at_ctx *c = arg;
    for (int i = 0; i < AT_REQS; i++) {
        struct blk_request *r = &c->req[i];
        uint32_t n = 1 + (uint32_t)((c->id * 7 + i * 5) % 16);
        *r = (struct blk_request){ .dev = c->dev, .op = BLK_READ, .sector = (uint64_t)(c->id * 997 + i * 61) % 4000,
                                   .count = n, .buf = c->buf + (size_t)i * 16 * 512, .done = at_done, .priv = c };
        if (blk_submit(r))
            c->submit_err++;
    }
    for (int i = 0; i < AT_REQS; i++)
        ksem_down(&c->sem);
    return NULL;
}

static void ata_async_two_disks(struct ktest *t)
{
    struct blkdev *a = need(t, "hda"), *c = need(t, "hdc");
    if (!a || !c)
        KT_SKIP(t, "needs hda and hdc");
    struct at_ctx *ctx[AT_THREADS];
    struct thread *th[AT_THREADS];
    for (int k = 0; k < AT_THREADS; k++) {
        ctx[k] = kzalloc(sizeof(struct at_ctx));
        KT_ASSERT_NOT_NULL(t, ctx[k]);
        ctx[k]->dev = (k & 1) ? c : a;
        ctx[k]->disk = (k & 1) ? 2 : 0;
        ctx[k]->id = k;
        ctx[k]->buf = kmalloc(AT_REQS * 16 * 512);
        KT_ASSERT_NOT_NULL(t, ctx[k]->buf);
        ksem_init(&ctx[k]->sem, 0);
        struct thread_attr at = { .name = "ata-as", .prio = PRIO_NORMAL, .stack_size = THREAD_STACK_DEFAULT,
                                  .flags = PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&at, at_thread, ctx[k], &th[k]), 0);
    }
    for (int k = 0; k < AT_THREADS; k++)
        thread_join(th[k], NULL);
    process_sleep(20 * NSEC_PER_MSEC); /* a second callback would come now */
    int once = 0, bad = 0, badctx = 0, serr = 0;
    for (int k = 0; k < AT_THREADS; k++) {
        struct at_ctx *x = ctx[k];
        badctx += x->bad_ctx;
        serr += x->submit_err;
        for (int i = 0; i < AT_REQS; i++) {
            struct blk_request *r = &x->req[i];
            once += x->calls[i] == 1;
            if (r->status || r->bytes_done != (size_t)r->count * 512)
                bad++;
            else if (x->disk == 0 && r->sector < 1)
                ; /* sector 0 is the MBR */
            else
                bad += count_bad(x->disk, r->sector, r->buf, r->count) != 0;
        }
        kfree(x->buf);
        kfree(x);
    }
    KT_EXPECT_EQ(t, serr, 0);
    KT_EXPECT_EQ(t, once, AT_THREADS * AT_REQS);
    KT_EXPECT_EQ(t, bad, 0);
    KT_EXPECT_EQ(t, badctx, 0);
}

static void ata_fault_injection(struct ktest *t)
{
    struct blkdev *d = need(t, "hdd");
    if (!d)
        KT_SKIP(t, "needs hdd (blkdebug)");
    struct ata_info info;
    ata_get_info(d, &info);
    uint8_t *buf = kmalloc(16 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    struct blk_stats s0, s1;
    blk_get_stats(d, &s0);
    enum ata_mode modes[2] = { ATA_MODE_DMA, ATA_MODE_PIO };
    int rounds = 0;
    for (int m = 0; m < 2; m++) {
        if (modes[m] == ATA_MODE_DMA && !info.dma)
            continue;
        rounds++;
        KT_EXPECT_EQ(t, ata_set_mode(d, modes[m]), 0);
        KT_EXPECT_EQ(t, blk_read(d, BAD_READ_SECTOR - 4, 8, buf), -EIO);
        KT_EXPECT_EQ(t, blk_read(d, BAD_READ_SECTOR, 1, buf), -EIO);
        /* The kernel goes on: neighbours read fine. */
        KT_EXPECT_EQ(t, blk_read(d, BAD_READ_SECTOR + 1, 8, buf), 0);
        KT_EXPECT_EQ(t, count_bad(3, BAD_READ_SECTOR + 1, buf, 8), 0);
        KT_EXPECT_EQ(t, blk_read(d, BAD_READ_SECTOR - 8, 8, buf), 0);
        KT_EXPECT_EQ(t, count_bad(3, BAD_READ_SECTOR - 8, buf, 8), 0);
        /* Writes: the bad sector fails, others succeed and read back. */
        fill_expected(3, BAD_WRITE_SECTOR, buf);
        KT_EXPECT_EQ(t, blk_write(d, BAD_WRITE_SECTOR, 1, buf), -EIO);
        fill_expected(3, BAD_WRITE_SECTOR + 1, buf);
        KT_EXPECT_EQ(t, blk_write(d, BAD_WRITE_SECTOR + 1, 1, buf), 0);
        memset(buf, 0, 512);
        KT_EXPECT_EQ(t, blk_read(d, BAD_WRITE_SECTOR, 2, buf), 0); /* reads of it are fine */
        KT_EXPECT_EQ(t, count_bad(3, BAD_WRITE_SECTOR, buf, 2), 0);
    }
    ata_set_mode(d, ATA_MODE_AUTO);
    blk_get_stats(d, &s1);
    KT_EXPECT_EQ(t, s1.errors - s0.errors, (uint64_t)rounds * 3);
    /* The other disks are unaffected. */
    struct blkdev *a = borrow("hdc");
    if (a) {
        KT_EXPECT_EQ(t, blk_read(a, 77, 4, buf), 0);
        KT_EXPECT_EQ(t, count_bad(2, 77, buf, 4), 0);
    }
    kfree(buf);
}

/* The watchdog: with the channel's interrupt line masked no completion can
 * arrive; the request must end -EIO after the timeout, the channel be
 * reset, and the next request succeed. */
static void ata_timeout_watchdog(struct ktest *t)
{
    struct blkdev *c = need(t, "hdc");
    if (!c)
        KT_SKIP(t, "needs hdc");
    struct ata_info before, after;
    ata_get_info(c, &before);
    uint8_t *buf = kmalloc(8 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    KT_EXPECT_EQ(t, ata_set_timeout(c, 300), 0);
    KT_EXPECT_EQ(t, ata_set_timeout(c, 1), -EINVAL);
    for (int m = 0; m < 2; m++) {
        if (m == 0 && !before.dma)
            continue;
        ata_set_mode(c, m == 0 ? ATA_MODE_DMA : ATA_MODE_PIO);
        uint64_t t0 = clock_gettime_ns();
        irqchip_mask((unsigned)before.irq);
        int err = blk_read(c, 123, 8, buf);
        irqchip_unmask((unsigned)before.irq);
        uint64_t ms = (clock_gettime_ns() - t0) / NSEC_PER_MSEC;
        KT_EXPECT_EQ(t, err, -EIO);
        KT_EXPECT_GE(t, ms, 300);
        KT_EXPECT_LT(t, ms, 3000);
        memset(buf, 0, 8 * 512);
        KT_EXPECT_EQ(t, blk_read(c, 123, 8, buf), 0);
        KT_EXPECT_EQ(t, count_bad(2, 123, buf, 8), 0);
    }
    ata_set_mode(c, ATA_MODE_AUTO);
    ata_set_timeout(c, 5000);
    ata_get_info(c, &after);
    KT_EXPECT_GE(t, after.timeouts - before.timeouts, 1);
    KT_EXPECT_EQ(t, after.timeouts - before.timeouts, after.resets - before.resets);
    kfree(buf);
}

/* --- benchmark: sequential reads from hda, PIO vs DMA, 4 KiB..1 MiB ---
 * Each configuration reads for about 0.3 s (at least 8 requests), wrapping
 * around at the end of the disk. */
static void bench_one(struct blkdev *d, enum ata_mode m, uint32_t bytes, uint8_t *buf)
{
    uint32_t n = bytes / 512;
    uint64_t span = d->nsectors - d->nsectors % n;
    if (span < n || ata_set_mode(d, m) != 0)
        return;
    uint64_t s = 0, reqs = 0, errs = 0;
    uint64_t t0 = clock_gettime_ns(), c0 = clock_cycles(), now;
    do {
        if (blk_read(d, s, n, buf) != 0)
            errs++;
        reqs++;
        s += n;
        if (s + n > span)
            s = 0;
        now = clock_gettime_ns();
    } while (reqs < 8 || now - t0 < 300 * NSEC_PER_MSEC);
    uint64_t cyc = clock_cycles() - c0, ns = now - t0;
    uint64_t kbps = (uint64_t)bytes * reqs * 1000000ull / (ns ? ns : 1); /* KB/s (10^3) */
    char metric[32], note[96];
    ksnprintf(metric, sizeof(metric), "%s-%uk", m == ATA_MODE_DMA ? "dma" : "pio", bytes / 1024);
    ksnprintf(note, sizeof(note), "%llu.%02llu MB/s, %llu requests, %llu errors", (unsigned long long)(kbps / 1000),
              (unsigned long long)(kbps % 1000 / 10), (unsigned long long)reqs, (unsigned long long)errs);
    kbench_result("ata_seq_read", metric, cyc / reqs, ns / reqs, note);
}

static void ata_seq_read_bench(void)
{
    struct blkdev *d = borrow("hda");
    struct ata_info info;
    if (!d || ata_get_info(d, &info) != 0) {
        kprintf("# ata_seq_read: no ATA disk hda; skipped\n");
        return;
    }
    uint8_t *buf = kmalloc_aligned(MiB, 4096);
    if (!buf)
        return;
    static const uint32_t sizes[] = { 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB };
    /* The drive and its driver, not the block cache: off meanwhile. */
    size_t cache = bcache_set_limit(0);
    for (int m = 0; m < 2; m++) {
        enum ata_mode mode = m ? ATA_MODE_DMA : ATA_MODE_PIO;
        if (mode == ATA_MODE_DMA && !info.dma) {
            kprintf("# ata_seq_read: no DMA; DMA figures skipped\n");
            continue;
        }
        for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
            bench_one(d, mode, sizes[i], buf);
    }
    bcache_set_limit(cache);
    ata_set_mode(d, ATA_MODE_AUTO);
    kfree(buf);
}
KBENCH(ata_seq_read, ata_seq_read_bench);

KTEST_SUITE(ata, KTEST_CASE(ata_identify), KTEST_CASE(ata_pio_dma_equal), KTEST_CASE(ata_dma_window),
            KTEST_CASE(ata_write_readback),
            KTEST_CASE(ata_partitions), KTEST_CASE(ata_async_two_disks), KTEST_CASE(ata_fault_injection),
            KTEST_CASE(ata_timeout_watchdog));
