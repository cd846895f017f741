/* KTAP suite "bcache": the block cache (src/fs/bcache.c) on a counting RAM
 * test device: a second read comes from memory (the driver is not asked
 * again), writes through the disk or a partition are never followed by
 * stale reads through either, device errors are never cached (nor does a
 * failing read-ahead fail a good read), memory stays under the bound with
 * more data than fits, sequential small reads are merged into larger disk
 * requests, a destroyed RAM disk's blocks are never served, and data a
 * driver changes behind the layer (ramdisk_load) is dropped. */
#include <adros/blk.h>
#include <adros/errno.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/ramdisk.h>
#include <adros/string.h>

/* The test device: RAM, completed in submit (blk_complete from thread
 * context), counting the reads the driver sees; a sector that fails. */
struct cdisk {
    struct blkdev dev;
    uint8_t *data;
    uint64_t bad_sector; /* reads touching it fail (~0: none) */
    int reads, writes;
    uint64_t read_sectors;
};

static int cdisk_submit(struct blkdev *dev, struct blk_request *req)
{
    struct cdisk *d = dev->priv;
    size_t n = (size_t)req->count * 512;
    int st = 0;
    if (req->op == BLK_READ) {
        d->reads++;
        d->read_sectors += req->count;
        if (d->bad_sector >= req->sector && d->bad_sector < req->sector + req->count)
            st = -EIO;
        else
            memcpy(req->buf, d->data + req->sector * 512, n);
    } else if (req->op == BLK_WRITE) {
        d->writes++;
        memcpy(d->data + req->sector * 512, req->buf, n);
    }
    blk_complete(req, st, st || req->op == BLK_FLUSH ? 0 : n);
    return 0;
}
static const struct blkdev_ops cdisk_ops = { cdisk_submit };

static void pattern(uint8_t *p, uint64_t first_sector, uint32_t count, uint8_t salt)
{
    for (uint64_t i = 0; i < (uint64_t)count * 512; i++)
        p[i] = (uint8_t)((first_sector * 512 + i) * 13 + (first_sector * 512 + i) / 512 + salt);
}

/* A registered disk of nsectors 512-byte sectors holding pattern(salt 0). */
static struct cdisk *cdisk_new(struct ktest *t, const char *name, uint32_t nsectors)
{
    struct cdisk *d = kzalloc(sizeof(*d));
    if (!d)
        return NULL;
    d->data = kmalloc((size_t)nsectors * 512);
    if (!d->data) {
        kfree(d);
        return NULL;
    }
    pattern(d->data, 0, nsectors, 0);
    strlcpy(d->dev.name, name, sizeof(d->dev.name));
    d->dev.sector_size = 512;
    d->dev.nsectors = nsectors;
    d->dev.ops = &cdisk_ops;
    d->dev.priv = d;
    d->bad_sector = ~0ull;
    if (blk_register(&d->dev)) {
        ktest_fail(t, __FILE__, __LINE__, "cannot register %s", name);
        kfree(d->data);
        kfree(d);
        return NULL;
    }
    return d;
}

/* Unregisters (dropping its cached blocks) and frees; the test holds no
 * reference by then and nothing else had one. */
static void cdisk_free(struct cdisk *d)
{
    blk_unregister(&d->dev);
    kfree(d->data);
    kfree(d);
}

static bool is_pattern(const uint8_t *p, uint64_t first_sector, uint32_t count, uint8_t salt)
{
    uint8_t *want = kmalloc((size_t)count * 512);
    if (!want)
        return false;
    pattern(want, first_sector, count, salt);
    bool ok = memcmp(p, want, (size_t)count * 512) == 0;
    kfree(want);
    return ok;
}

static void bcache_second_read_from_memory(struct ktest *t)
{
    struct cdisk *d = cdisk_new(t, "tbc0", 2048);
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *buf = kmalloc(64 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    struct bcache_stats s0, s1;
    bcache_get_stats(&s0);
    KT_EXPECT_EQ(t, blk_read_cached(&d->dev, 512, 64, buf), -EAGAIN);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 512, 64, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 512, 64, 0));
    KT_EXPECT_EQ(t, d->reads, 1);
    memset(buf, 0, 64 * 512);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 512, 64, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 512, 64, 0));
    /* Parts of it, not block-aligned, by both ways in. */
    KT_EXPECT_EQ(t, blk_read_cached(&d->dev, 515, 3, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 515, 3, 0));
    KT_EXPECT_EQ(t, blk_read(&d->dev, 530, 20, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 530, 20, 0));
    KT_EXPECT_EQ(t, d->reads, 1); /* the driver saw the first read only */
    bcache_get_stats(&s1);
    KT_EXPECT_GE(t, s1.hits - s0.hits, 3);
    KT_EXPECT_GE(t, s1.hit_bytes - s0.hit_bytes, (64 + 3 + 20) * 512);
    struct blk_stats bs;
    blk_get_stats(&d->dev, &bs);
    KT_EXPECT_EQ(t, bs.reads, 4);          /* every request counted... */
    KT_EXPECT_EQ(t, bs.disk_reads, 1);     /* ...one reached the driver */
    KT_EXPECT_EQ(t, bs.disk_read_bytes, 64 * 512);
    /* bcache_drop makes the next read cold. */
    bcache_drop(&d->dev);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 512, 8, buf), 0);
    KT_EXPECT_EQ(t, d->reads, 2);
    kfree(buf);
    cdisk_free(d);
}

static void bcache_writes_never_stale(struct ktest *t)
{
    struct cdisk *d = cdisk_new(t, "tbc1", 2048);
    KT_ASSERT_NOT_NULL(t, d);
    int err;
    struct blkdev *p = blk_add_partition(&d->dev, 1, 1000, 1000, &err);
    KT_ASSERT_NOT_NULL(t, p);
    uint8_t *buf = kmalloc(64 * 512), *w = kmalloc(64 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    KT_ASSERT_NOT_NULL(t, w);
    /* Cache sectors 1000..1063 through the disk; write part of them (not
     * block-aligned) through the partition; read through both. */
    KT_EXPECT_EQ(t, blk_read(&d->dev, 1000, 64, buf), 0);
    pattern(w, 1005, 7, 1);
    KT_EXPECT_EQ(t, blk_write(p, 5, 7, w), 0);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 1000, 64, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 1000, 5, 0));
    KT_EXPECT_TRUE(t, is_pattern(buf + 5 * 512, 1005, 7, 1));
    KT_EXPECT_TRUE(t, is_pattern(buf + 12 * 512, 1012, 52, 0));
    KT_EXPECT_EQ(t, blk_read(p, 5, 7, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 1005, 7, 1));
    /* The other way: cached through the partition, written through the
     * disk, whole blocks this time (they are cached with the new data). */
    KT_EXPECT_EQ(t, blk_read(p, 64, 32, buf), 0);
    pattern(w, 1064, 16, 2);
    KT_EXPECT_EQ(t, blk_write(&d->dev, 1064, 16, w), 0);
    int before = d->reads;
    KT_EXPECT_EQ(t, blk_read(p, 64, 32, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 1064, 16, 2));
    KT_EXPECT_TRUE(t, is_pattern(buf + 16 * 512, 1080, 16, 0));
    KT_EXPECT_EQ(t, d->reads, before); /* the written blocks were cached */
    KT_EXPECT_EQ(t, blk_flush(&d->dev), 0);
    /* Write-through: the device has it all before the write returns. */
    KT_EXPECT_TRUE(t, is_pattern(d->data + 1064 * 512, 1064, 16, 2));
    kfree(buf);
    kfree(w);
    cdisk_free(d);
}

/* A write of at most 32 KiB is cached with its data; a larger one (file
 * data) only drops its blocks: read back, it comes from the device, with
 * the new data. */
static void bcache_large_writes_not_cached(struct ktest *t)
{
    struct cdisk *d = cdisk_new(t, "tbc4", 4096);
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *buf = kmalloc(128 * 512), *w = kmalloc(128 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    KT_ASSERT_NOT_NULL(t, w);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 1024, 128, buf), 0); /* cached */
    pattern(w, 1024, 64, 3);
    KT_EXPECT_EQ(t, blk_write(&d->dev, 1024, 64, w), 0); /* 32 KiB */
    pattern(w, 1088, 64, 4);
    KT_EXPECT_EQ(t, blk_write(&d->dev, 1088, 64, w), 0);
    pattern(w, 2048, 128, 5);
    KT_EXPECT_EQ(t, blk_write(&d->dev, 2048, 128, w), 0); /* 64 KiB */
    int before = d->reads;
    KT_EXPECT_EQ(t, blk_read_cached(&d->dev, 1024, 128, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 1024, 64, 3));
    KT_EXPECT_TRUE(t, is_pattern(buf + 64 * 512, 1088, 64, 4));
    KT_EXPECT_NE(t, blk_read_cached(&d->dev, 2048, 128, buf), 0);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 2048, 128, buf), 0);
    KT_EXPECT_TRUE(t, is_pattern(buf, 2048, 128, 5));
    KT_EXPECT_EQ(t, d->reads, before + 1);
    kfree(buf);
    kfree(w);
    cdisk_free(d);
}

static void bcache_errors_not_cached(struct ktest *t)
{
    struct cdisk *d = cdisk_new(t, "tbc2", 4096);
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *buf = kmalloc(64 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    d->bad_sector = 100;
    KT_EXPECT_EQ(t, blk_read(&d->dev, 96, 8, buf), -EIO);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 96, 8, buf), -EIO); /* asked again, failed again */
    KT_EXPECT_EQ(t, d->reads, 2);
    d->bad_sector = ~0ull; /* the device recovers: the data must come from it */
    KT_EXPECT_EQ(t, blk_read(&d->dev, 96, 8, buf), 0);
    KT_EXPECT_EQ(t, d->reads, 3);
    KT_EXPECT_TRUE(t, is_pattern(buf, 96, 8, 0));
    /* A bad sector ahead of a sequential stream: the read-ahead that meets
     * it fails, the reads themselves do not. */
    struct bcache_stats s0, s1;
    bcache_get_stats(&s0);
    d->bad_sector = 1000;
    bool all_ok = true;
    for (uint64_t s = 800; s < 1000; s += 8)
        all_ok &= blk_read(&d->dev, s, 8, buf) == 0 && is_pattern(buf, s, 8, 0);
    KT_EXPECT_TRUE(t, all_ok);
    bcache_get_stats(&s1);
    KT_EXPECT_GT(t, s1.ra_failed - s0.ra_failed, 0);
    KT_EXPECT_EQ(t, blk_read(&d->dev, 1000, 1, buf), -EIO);
    kfree(buf);
    cdisk_free(d);
}

static void bcache_bounded(struct ktest *t)
{
    enum { SECTORS = 8192 }; /* 4 MiB of data through a 256 KiB cache */
    struct cdisk *d = cdisk_new(t, "tbc3", SECTORS);
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *buf = kmalloc(128 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    size_t old = bcache_set_limit(256 * 1024);
    struct bcache_stats s0, s;
    bcache_get_stats(&s0);
    KT_EXPECT_LE(t, s0.mem_bytes, 256 * 1024);
    bool ok = true;
    size_t peak = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t sec = 0; sec < SECTORS; sec += 128) {
            ok &= blk_read(&d->dev, sec, 128, buf) == 0 && is_pattern(buf, sec, 128, 0);
            bcache_get_stats(&s);
            peak = MAX(peak, s.mem_bytes);
        }
    }
    KT_EXPECT_TRUE(t, ok);
    KT_EXPECT_LE(t, peak, 256 * 1024);
    KT_EXPECT_GT(t, peak, 0);
    KT_EXPECT_GT(t, s.evictions - s0.evictions, 0);
    KT_EXPECT_EQ(t, s.limit_bytes, 256 * 1024);
    /* Off: nothing cached, everything still correct. */
    bcache_set_limit(0);
    int before = d->reads;
    ok = blk_read(&d->dev, 0, 8, buf) == 0 && blk_read(&d->dev, 0, 8, buf) == 0 && is_pattern(buf, 0, 8, 0);
    KT_EXPECT_TRUE(t, ok);
    KT_EXPECT_EQ(t, d->reads, before + 2);
    bcache_get_stats(&s);
    KT_EXPECT_EQ(t, s.mem_bytes, 0);
    bcache_set_limit(old);
    kfree(buf);
    cdisk_free(d);
}

static void bcache_read_ahead_merges(struct ktest *t)
{
    struct cdisk *d = cdisk_new(t, "tbc4", 4096); /* 2 MiB */
    KT_ASSERT_NOT_NULL(t, d);
    uint8_t *buf = kmalloc(4096);
    KT_ASSERT_NOT_NULL(t, buf);
    struct bcache_stats s0, s1;
    bcache_get_stats(&s0);
    bool ok = true;
    for (uint32_t sec = 0; sec < 4096; sec += 8)
        ok &= blk_read(&d->dev, sec, 8, buf) == 0 && is_pattern(buf, sec, 8, 0);
    KT_EXPECT_TRUE(t, ok);
    bcache_get_stats(&s1);
    /* 512 reads of 4 KiB; windows grow to 256 KiB: a handful of requests. */
    KT_EXPECT_LT(t, d->reads, 32);
    KT_EXPECT_GT(t, s1.ra_reads - s0.ra_reads, 0);
    KT_EXPECT_EQ(t, d->read_sectors, 4096); /* nothing read twice, nothing past the end */
    kfree(buf);
    cdisk_free(d);
}

static void bcache_gone_device_not_served(struct ktest *t)
{
    struct blkdev *rd;
    KT_ASSERT_EQ(t, ramdisk_create(256, 512, &rd), 0);
    uint8_t *buf = kmalloc(16 * 512);
    KT_ASSERT_NOT_NULL(t, buf);
    memset(buf, 0xa5, 16 * 512);
    KT_EXPECT_EQ(t, blk_write(rd, 16, 16, buf), 0);
    KT_EXPECT_EQ(t, blk_read(rd, 16, 16, buf), 0);
    KT_EXPECT_EQ(t, blk_read_cached(rd, 16, 16, buf), 0); /* cached */
    struct bcache_stats s0, s1;
    bcache_get_stats(&s0);
    blk_ref(rd);
    ramdisk_destroy(rd);
    bcache_get_stats(&s1);
    KT_EXPECT_GE(t, s1.invalidated - s0.invalidated, 2);
    KT_EXPECT_EQ(t, blk_read_cached(rd, 16, 16, buf), -EIO);
    KT_EXPECT_EQ(t, blk_read(rd, 16, 16, buf), -EIO);
    blk_put(rd);
    /* A new RAM disk (perhaps at the same address) reads its own zeros. */
    struct blkdev *rd2;
    KT_ASSERT_EQ(t, ramdisk_create(256, 512, &rd2), 0);
    KT_EXPECT_EQ(t, blk_read(rd2, 16, 16, buf), 0);
    bool zero = true;
    for (int i = 0; i < 16 * 512; i++)
        zero &= buf[i] == 0;
    KT_EXPECT_TRUE(t, zero);
    /* Data loaded behind the layer replaces what was cached. */
    uint8_t one[512];
    memset(one, 0x3c, sizeof(one));
    KT_EXPECT_EQ(t, ramdisk_load(rd2, 17 * 512, one, sizeof(one)), 0);
    KT_EXPECT_EQ(t, blk_read(rd2, 17, 1, buf), 0);
    KT_EXPECT_EQ(t, buf[0], 0x3c);
    KT_EXPECT_EQ(t, buf[511], 0x3c);
    ramdisk_destroy(rd2);
    kfree(buf);
}

KTEST_SUITE(bcache, KTEST_CASE(bcache_second_read_from_memory), KTEST_CASE(bcache_writes_never_stale),
            KTEST_CASE(bcache_large_writes_not_cached),
            KTEST_CASE(bcache_errors_not_cached), KTEST_CASE(bcache_bounded), KTEST_CASE(bcache_read_ahead_merges),
            KTEST_CASE(bcache_gone_device_not_served));
