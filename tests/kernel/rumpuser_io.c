/* Conformance suite `rumpuser` (see rumpuser.c): clocks, files, block I/O
 * and the PCI hypercalls.
 *
 * Deliberate breakages tried in src/rump/, and what caught them:
 *  - clock_sleep(ABSMONO) taken as a relative interval:
 *    clock_sleep_absmono (slept "uptime" long; tick chain drifted).
 *  - clock_sleep(RELWALL) taken as an absolute deadline:
 *    clock_sleep_relwall (returned at once).
 *  - clock_gettime ignoring the clock id (monotonic for both):
 *    clock_gettime_ids (wall time before 2020).
 *  - bio calling biodone from the block layer's completion thread
 *    (blk_done calling it directly): bio_blockdev (wrong thread, no rump
 *    CPU held, curlwp NULL).
 *  - bio errors returned by calling biodone twice / not at all for a bad
 *    descriptor: bio_errors (counts).
 *  - syncfd ignoring SYNC: iov_and_syncfd (no flush reached the device). */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/pci.h>
#include <adros/string.h>
#include <adros/vfs.h>

#include "rumpuser_fk.h"

/* ---- clocks ---- */

void clock_gettime_ids(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    int64_t s = 0, s2 = 0;
    long ns = -1, ns2 = -1;
    KT_EXPECT_EQ(t, rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &s, &ns), 0);
    uint64_t mono = clock_gettime_ns();
    uint64_t got = (uint64_t)s * NSEC_PER_SEC + (uint64_t)ns;
    KT_EXPECT_LE(t, got, mono);
    KT_EXPECT_LT(t, mono - got, 50 * NSEC_PER_MSEC);
    KT_EXPECT_TRUE(t, ns >= 0 && ns < 1000000000L);
    KT_EXPECT_EQ(t, rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &s2, &ns2), 0);
    KT_EXPECT_GE(t, (uint64_t)s2 * NSEC_PER_SEC + (uint64_t)ns2, got); /* never back */
    KT_EXPECT_EQ(t, rumpuser_clock_gettime(RUMPUSER_CLOCK_RELWALL, &s, &ns), 0);
    KT_EXPECT_GT(t, s, 1577836800); /* after 2020-01-01: wall time, not uptime */
    int64_t wall = (int64_t)(clock_wall_ns() / NSEC_PER_SEC);
    KT_EXPECT_LE(t, s, wall);
    KT_EXPECT_GE(t, s, wall - 2);
    KT_EXPECT_EQ(t, rumpuser_clock_gettime(7, &s, &ns), EINVAL);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void clock_sleep_relwall(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    uint64_t u0 = me->unsched;
    uint64_t t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 30 * NSEC_PER_MSEC), 0);
    uint64_t el = clock_gettime_ns() - t0;
    KT_EXPECT_GE(t, el, 30 * NSEC_PER_MSEC);
    KT_EXPECT_LT(t, el, 300 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, me->unsched, u0 + 1); /* sleeping let the CPU go */
    t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 1, 0), 0);
    el = clock_gettime_ns() - t0;
    KT_EXPECT_GE(t, el, NSEC_PER_SEC);
    KT_EXPECT_LT(t, el, NSEC_PER_SEC + 300 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, rumpuser_clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 2000000000L), EINVAL);
    KT_EXPECT_EQ(t, rumpuser_clock_sleep(9, 0, 1000), EINVAL);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void clock_sleep_absmono(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    /* One sleep to an absolute deadline 60 ms ahead. */
    uint64_t deadline = clock_gettime_ns() + 60 * NSEC_PER_MSEC;
    uint64_t u0 = me->unsched;
    KT_EXPECT_EQ(t, rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO, (int64_t)(deadline / NSEC_PER_SEC),
                                         (long)(deadline % NSEC_PER_SEC)),
                 0);
    uint64_t now = clock_gettime_ns();
    KT_EXPECT_GE(t, now, deadline);
    KT_EXPECT_LT(t, now - deadline, 200 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, me->unsched, u0 + 1);
    /* A tick chain, as the rump kernel's clock runs: deadlines 20 ms apart
     * from one start, so wake-up lateness does not accumulate. */
    uint64_t start = clock_gettime_ns();
    for (int i = 1; i <= 10; i++) {
        uint64_t d = start + (uint64_t)i * 20 * NSEC_PER_MSEC;
        rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO, (int64_t)(d / NSEC_PER_SEC), (long)(d % NSEC_PER_SEC));
        /* some work between ticks, which a relative sleep would add up */
        uint64_t w = clock_gettime_ns() + 3 * NSEC_PER_MSEC;
        while (clock_gettime_ns() < w)
            ;
    }
    uint64_t total = clock_gettime_ns() - start;
    ktest_log(t, "10 ABSMONO ticks of 20 ms took %u ms", (unsigned)(total / NSEC_PER_MSEC));
    KT_EXPECT_GE(t, total, 200 * NSEC_PER_MSEC);
    KT_EXPECT_LT(t, total, 228 * NSEC_PER_MSEC + 150 * NSEC_PER_MSEC);
    /* A deadline in the past: at once. */
    uint64_t t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, rumpuser_clock_sleep(RUMPUSER_CLOCK_ABSMONO, 0, 1000), 0);
    KT_EXPECT_LT(t, clock_gettime_ns() - t0, 20 * NSEC_PER_MSEC);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- a RAM block device for the I/O cases ---- */

#define RD_SECTORS 256
static struct rdisk {
    struct blkdev dev;
    uint8_t *data;
    volatile int flushes;
    volatile bool fail;
} rd;

static int rd_submit(struct blkdev *dev, struct blk_request *req)
{
    if (rd.fail) {
        blk_complete(req, -EIO, 0);
        return 0;
    }
    size_t off = (size_t)req->sector * 512, n = (size_t)req->count * 512;
    if (req->op == BLK_READ)
        memcpy(req->buf, rd.data + off, n);
    else if (req->op == BLK_WRITE)
        memcpy(rd.data + off, req->buf, n);
    else
        rd.flushes++;
    blk_complete(req, 0, n);
    return 0;
}
static const struct blkdev_ops rd_ops = { rd_submit };

/* Registers "rutest0" once (256 sectors of 512). */
struct blkdev *rumpuser_test_disk(void);
struct blkdev *rumpuser_test_disk(void)
{
    if (rd.data)
        return &rd.dev;
    rd.data = kzalloc(RD_SECTORS * 512);
    if (!rd.data)
        return NULL;
    strlcpy(rd.dev.name, "rutest0", sizeof(rd.dev.name));
    rd.dev.sector_size = 512;
    rd.dev.nsectors = RD_SECTORS;
    rd.dev.ops = &rd_ops;
    strlcpy(rd.dev.model, "rumpuser test RAM disk", sizeof(rd.dev.model));
    if (blk_register(&rd.dev) < 0) {
        kfree(rd.data);
        rd.data = NULL;
        return NULL;
    }
    return &rd.dev;
}

/* ---- bio completion records ---- */

struct biorec {
    volatile int calls;
    size_t done;
    int error;
    bool in_irq, cpu_held, lwp_set;
    struct thread *thread;
    ksem_t sem;
};

static void biodone(void *arg, size_t done, int error)
{
    struct biorec *r = arg;
    r->calls++;
    r->done = done;
    r->error = error;
    r->in_irq = in_interrupt();
    r->cpu_held = fk_holds_cpu();
    r->lwp_set = rumpuser_curlwp() != NULL;
    r->thread = thread_current();
    ksem_up(&r->sem);
}

static void bio_wait(struct ktest *t, struct biorec *r)
{
    fk_unschedule();
    int e = ksem_down_timeout(&r->sem, 3 * NSEC_PER_SEC);
    fk_schedule();
    if (e)
        ktest_fail(t, __FILE__, __LINE__, "bio: no completion callback within 3 s");
}

static void bio_expect(struct ktest *t, struct biorec *r, int error, size_t done)
{
    KT_EXPECT_EQ(t, r->calls, 1);
    KT_EXPECT_EQ(t, r->error, error);
    KT_EXPECT_EQ(t, r->done, done);
    KT_EXPECT_FALSE(t, r->in_irq);
    KT_EXPECT_TRUE(t, r->cpu_held);  /* the callback runs holding a rump CPU */
    KT_EXPECT_TRUE(t, r->lwp_set);   /* ... in a thread bound to the rump kernel */
    KT_EXPECT_TRUE(t, r->thread != thread_current());
    KT_EXPECT_STREQ(t, thread_name(r->thread), "rumpuser-bio");
}

static void rec_init(struct biorec *r)
{
    memset(r, 0, sizeof(*r));
    ksem_init(&r->sem, 0);
}

void files_and_info(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    KT_ASSERT_NOT_NULL(t, rumpuser_test_disk());
    uint64_t size = 0;
    int type = -1;
    KT_EXPECT_EQ(t, rumpuser_getfileinfo("rutest0", &size, &type), 0);
    KT_EXPECT_EQ(t, size, RD_SECTORS * 512);
    KT_EXPECT_EQ(t, type, RUMPUSER_FT_BLK);
    type = -1;
    KT_EXPECT_EQ(t, rumpuser_getfileinfo("/dev/rutest0", &size, &type), 0);
    KT_EXPECT_EQ(t, type, RUMPUSER_FT_BLK);
    KT_EXPECT_EQ(t, rumpuser_getfileinfo("/", NULL, &type), 0);
    KT_EXPECT_EQ(t, type, RUMPUSER_FT_DIR);
    KT_EXPECT_EQ(t, rumpuser_getfileinfo("/no/such/file", &size, &type), ENOENT);
    KT_EXPECT_EQ(t, rumpuser_getfileinfo("nosuchdisk9", &size, &type), ENOENT);
    int fd = -1, fd2 = -1;
    KT_EXPECT_EQ(t, rumpuser_open("nosuchdisk9", RUMPUSER_OPEN_RDONLY, &fd), ENOENT);
    KT_ASSERT_EQ(t, rumpuser_open("rutest0", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, &fd), 0);
    KT_ASSERT_EQ(t, rumpuser_open("/dev/rutest0", RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, &fd2), 0);
    KT_EXPECT_NE(t, fd, fd2);
    KT_EXPECT_EQ(t, rumpuser_close(fd2), 0);
    KT_EXPECT_EQ(t, rumpuser_close(fd2), EBADF);
    KT_EXPECT_EQ(t, rumpuser_close(-1), EBADF);
    KT_EXPECT_EQ(t, rumpuser_close(fd), 0);
    /* A regular file: created, then its size and type. */
    KT_EXPECT_EQ(t, rumpuser_open("/rumpuser-new.img", RUMPUSER_OPEN_RDWR, &fd), ENOENT);
    KT_ASSERT_EQ(t, rumpuser_open("/rumpuser-new.img", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE, &fd), 0);
    struct rumpuser_iovec iov = { (void *)"0123456789", 10 };
    size_t n = 0;
    KT_EXPECT_EQ(t, rumpuser_iovwrite(fd, &iov, 1, 0, &n), 0);
    KT_EXPECT_EQ(t, n, 10);
    KT_EXPECT_EQ(t, rumpuser_close(fd), 0);
    KT_EXPECT_EQ(t, rumpuser_getfileinfo("/rumpuser-new.img", &size, &type), 0);
    KT_EXPECT_EQ(t, size, 10);
    KT_EXPECT_EQ(t, type, RUMPUSER_FT_REG);
    KT_EXPECT_EQ(t, rumpuser_open("/rumpuser-new.img", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE |
                                                           RUMPUSER_OPEN_EXCL, &fd),
                 EEXIST);
    vfs_unlink("/rumpuser-new.img");
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void bio_blockdev(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    KT_ASSERT_NOT_NULL(t, rumpuser_test_disk());
    int fd = -1;
    KT_ASSERT_EQ(t, rumpuser_open("rutest0", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, &fd), 0);
    uint8_t *w = kmalloc(8192), *r = kzalloc(8192);
    KT_ASSERT_NOT_NULL(t, r);
    for (int i = 0; i < 8192; i++)
        w[i] = (uint8_t)(i * 13 + 5);
    static struct biorec rec;
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_WRITE, w, 8192, 4096, biodone, &rec);
    bio_wait(t, &rec);
    bio_expect(t, &rec, 0, 8192);
    KT_EXPECT_MEMEQ(t, rd.data + 4096, w, 8192);
    /* The write left its blocks in the block cache: the read completes
     * before rumpuser_bio returns, in this thread, holding the rump CPU. */
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_READ, r, 8192, 4096, biodone, &rec);
    KT_EXPECT_EQ(t, rec.calls, 1);
    KT_EXPECT_EQ(t, rec.error, 0);
    KT_EXPECT_EQ(t, rec.done, 8192);
    KT_EXPECT_TRUE(t, rec.cpu_held);
    KT_EXPECT_TRUE(t, rec.thread == thread_current());
    KT_EXPECT_MEMEQ(t, r, w, 8192);
    bio_wait(t, &rec); /* its ksem_up */
    /* Not cached: from the device, completed on the bio thread. */
    bcache_drop(NULL);
    memset(r, 0, 8192);
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_READ, r, 8192, 4096, biodone, &rec);
    bio_wait(t, &rec);
    bio_expect(t, &rec, 0, 8192);
    KT_EXPECT_MEMEQ(t, r, w, 8192);
    /* A synchronous write also flushes the device. */
    int f0 = rd.flushes;
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC, w, 512, 0, biodone, &rec);
    bio_wait(t, &rec);
    bio_expect(t, &rec, 0, 512);
    KT_EXPECT_GT(t, rd.flushes, f0);
    /* Exactly once: nothing more arrives later. */
    process_sleep(30 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, rec.calls, 1);
    KT_EXPECT_EQ(t, rumpuser_close(fd), 0);
    kfree(w);
    kfree(r);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void bio_errors(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    KT_ASSERT_NOT_NULL(t, rumpuser_test_disk());
    int fd = -1, rofd = -1;
    KT_ASSERT_EQ(t, rumpuser_open("rutest0", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, &fd), 0);
    KT_ASSERT_EQ(t, rumpuser_open("rutest0", RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, &rofd), 0);
    static uint8_t buf[4096];
    static struct biorec rec;
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_READ, buf, 512, 100, biodone, &rec); /* misaligned offset */
    bio_wait(t, &rec);
    bio_expect(t, &rec, EINVAL, 0);
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_READ, buf, 700, 0, biodone, &rec); /* misaligned length */
    bio_wait(t, &rec);
    bio_expect(t, &rec, EINVAL, 0);
    rec_init(&rec);
    rumpuser_bio(63, RUMPUSER_BIO_READ, buf, 512, 0, biodone, &rec); /* bad descriptor */
    bio_wait(t, &rec);
    bio_expect(t, &rec, EBADF, 0);
    rec_init(&rec);
    rumpuser_bio(rofd, RUMPUSER_BIO_WRITE, buf, 512, 0, biodone, &rec); /* read-only descriptor */
    bio_wait(t, &rec);
    bio_expect(t, &rec, EBADF, 0);
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_READ, buf, 1024, (RD_SECTORS - 1) * 512, biodone, &rec); /* past the end */
    bio_wait(t, &rec);
    bio_expect(t, &rec, EINVAL, 0);
    rd.fail = true;
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_READ, buf, 4096, 0, biodone, &rec); /* device error */
    bio_wait(t, &rec);
    rd.fail = false;
    bio_expect(t, &rec, EIO, 0);
    process_sleep(30 * NSEC_PER_MSEC);
    KT_EXPECT_EQ(t, rec.calls, 1);
    KT_EXPECT_EQ(t, rumpuser_close(rofd), 0);
    KT_EXPECT_EQ(t, rumpuser_close(fd), 0);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void iov_and_syncfd(struct ktest *t)
{
    FK_START(t, 1);
    struct lwp *me = fk_bind();
    KT_ASSERT_NOT_NULL(t, rumpuser_test_disk());
    int fd = -1;
    KT_ASSERT_EQ(t, rumpuser_open("rutest0", RUMPUSER_OPEN_RDWR, &fd), 0);
    static uint8_t a[1024], b[512], ra[1024], rb[512];
    for (int i = 0; i < 1024; i++)
        a[i] = (uint8_t)(i ^ 0x3c);
    for (int i = 0; i < 512; i++)
        b[i] = (uint8_t)(i * 3);
    struct rumpuser_iovec wv[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
    struct rumpuser_iovec rv[2] = { { ra, sizeof(ra) }, { rb, sizeof(rb) } };
    size_t n = 0;
    uint64_t u0 = me->unsched;
    KT_EXPECT_EQ(t, rumpuser_iovwrite(fd, wv, 2, 10 * 512, &n), 0);
    KT_EXPECT_EQ(t, n, 1536);
    KT_EXPECT_GT(t, me->unsched, u0); /* disk I/O without the CPU */
    KT_EXPECT_MEMEQ(t, rd.data + 10 * 512, a, 1024);
    KT_EXPECT_MEMEQ(t, rd.data + 12 * 512, b, 512);
    KT_EXPECT_EQ(t, rumpuser_iovread(fd, rv, 2, 10 * 512, &n), 0);
    KT_EXPECT_EQ(t, n, 1536);
    KT_EXPECT_MEMEQ(t, ra, a, 1024);
    KT_EXPECT_MEMEQ(t, rb, b, 512);
    KT_EXPECT_EQ(t, rumpuser_iovread(fd, rv, 2, 100, &n), EINVAL); /* misaligned on a block device */
    KT_EXPECT_EQ(t, rumpuser_iovread(fd, rv, 2, RUMPUSER_IOV_NOSEEK, &n), ESPIPE);
    KT_EXPECT_EQ(t, rumpuser_iovread(77, rv, 2, 0, &n), EBADF);
    int f0 = rd.flushes;
    KT_EXPECT_EQ(t, rumpuser_syncfd(fd, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0), 0);
    KT_EXPECT_GT(t, rd.flushes, f0);
    KT_EXPECT_EQ(t, rumpuser_syncfd(fd, RUMPUSER_SYNCFD_BOTH | RUMPUSER_SYNCFD_BARRIER, 0, 0), 0);
    KT_EXPECT_EQ(t, rumpuser_syncfd(fd, 0, 0, 0), EINVAL);
    KT_EXPECT_EQ(t, rumpuser_syncfd(55, RUMPUSER_SYNCFD_WRITE, 0, 0), EBADF);
    KT_EXPECT_EQ(t, rumpuser_close(fd), 0);
    /* A VFS file: positioned and NOSEEK (the file offset advances). */
    KT_ASSERT_EQ(t, rumpuser_open("/rumpuser-iov.txt", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE, &fd), 0);
    struct rumpuser_iovec s1[2] = { { (void *)"hello ", 6 }, { (void *)"world", 5 } };
    KT_EXPECT_EQ(t, rumpuser_iovwrite(fd, s1, 2, RUMPUSER_IOV_NOSEEK, &n), 0);
    KT_EXPECT_EQ(t, n, 11);
    struct rumpuser_iovec s2 = { (void *)"!!", 2 };
    KT_EXPECT_EQ(t, rumpuser_iovwrite(fd, &s2, 1, RUMPUSER_IOV_NOSEEK, &n), 0);
    char got[32] = { 0 };
    struct rumpuser_iovec g = { got, sizeof(got) - 1 };
    KT_EXPECT_EQ(t, rumpuser_iovread(fd, &g, 1, 0, &n), 0);
    KT_EXPECT_EQ(t, n, 13);
    KT_EXPECT_STREQ(t, got, "hello world!!");
    KT_EXPECT_EQ(t, rumpuser_syncfd(fd, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0), 0);
    KT_EXPECT_EQ(t, rumpuser_close(fd), 0);
    vfs_unlink("/rumpuser-iov.txt");
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

void bio_vfs_file(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    int fd = -1;
    KT_ASSERT_EQ(t, rumpuser_open("/rumpuser-bio.img", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE |
                                                           RUMPUSER_OPEN_BIO, &fd),
                 0);
    static uint8_t w[2048], r[2048];
    for (int i = 0; i < 2048; i++)
        w[i] = (uint8_t)(i * 29);
    static struct biorec rec;
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC, w, 2048, 1024, biodone, &rec);
    bio_wait(t, &rec);
    bio_expect(t, &rec, 0, 2048);
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_READ, r, 2048, 1024, biodone, &rec);
    bio_wait(t, &rec);
    bio_expect(t, &rec, 0, 2048);
    KT_EXPECT_MEMEQ(t, r, w, 2048);
    uint64_t size = 0;
    int type = -1;
    KT_EXPECT_EQ(t, rumpuser_getfileinfo("/rumpuser-bio.img", &size, &type), 0);
    KT_EXPECT_EQ(t, size, 3072);
    KT_EXPECT_EQ(t, rumpuser_close(fd), 0);
    vfs_unlink("/rumpuser-bio.img");
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* ---- PCI ---- */

static int dummy_intr(void *arg) { return 0; }

void pci_hypercalls(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    /* Config space: the host bridge at 0:0.0 (i440FX on QEMU's pc). */
    unsigned v = 0;
    KT_EXPECT_EQ(t, rumpcomp_pci_confread(0, 0, 0, 0, &v), 0);
    KT_EXPECT_EQ(t, v, pci_conf_read32(0, 0, 0, 0));
    KT_EXPECT_NE(t, v & 0xffff, 0xffff);
    KT_EXPECT_EQ(t, rumpcomp_pci_confread(0, 32, 0, 0, &v), EINVAL);
    KT_EXPECT_EQ(t, rumpcomp_pci_confread(0, 0, 0, 2, &v), EINVAL);
    KT_EXPECT_EQ(t, rumpcomp_pci_confwrite(0, 0, 8, 0, 0), EINVAL);
    /* A scratch register write and read back: the latency timer (0x0c
     * byte 1) of the host bridge is harmless; restore it after. */
    unsigned old = 0, nv = 0;
    rumpcomp_pci_confread(0, 0, 0, 0x0c, &old);
    KT_EXPECT_EQ(t, rumpcomp_pci_confwrite(0, 0, 0, 0x0c, old), 0);
    rumpcomp_pci_confread(0, 0, 0, 0x0c, &nv);
    KT_EXPECT_EQ(t, nv, old);
    /* A function one of AdrOS's drivers owns (the ATA driver's IDE
     * controller) is absent for the rump kernel, and writes do nothing. */
    struct pci_dev *ide = pci_find_device(0x8086, 0x7010, NULL);
    if (ide && ide->driver) {
        unsigned bar4 = pci_conf_read32(ide->bus, ide->dev, ide->func, 0x20);
        KT_EXPECT_EQ(t, rumpcomp_pci_confread(ide->bus, ide->dev, ide->func, 0, &v), 0);
        KT_EXPECT_EQ(t, v, 0xffffffffu);
        KT_EXPECT_EQ(t, rumpcomp_pci_confwrite(ide->bus, ide->dev, ide->func, 0x20, 0xffffffffu), 0);
        KT_EXPECT_EQ(t, pci_conf_read32(ide->bus, ide->dev, ide->func, 0x20), bar4);
    } else {
        ktest_log(t, "no IDE controller with a driver: the ownership check did not run");
    }
    KT_EXPECT_EQ(t, rumpcomp_pci_iospace_init(), 0);
    /* DMA memory: aligned, contiguous (identity mapped), freeable. */
    static const size_t aligns[] = { 16, 4096, 65536 };
    for (size_t i = 0; i < ARRAY_SIZE(aligns); i++) {
        unsigned long pa = 0, va = 0;
        KT_ASSERT_EQ(t, rumpcomp_pci_dmalloc(3 * 4096, aligns[i], &pa, &va), 0);
        KT_EXPECT_EQ(t, pa & (aligns[i] - 1), 0);
        KT_EXPECT_EQ(t, pa, va);
        KT_EXPECT_LT(t, (uint64_t)pa + 3 * 4096, (uint64_t)pmm_ram_top() + 1);
        KT_EXPECT_EQ(t, rumpcomp_pci_virt_to_mach((void *)va), pa);
        struct rumpcomp_pci_dmaseg seg = { pa, 3 * 4096, va };
        void *map = NULL;
        KT_EXPECT_EQ(t, rumpcomp_pci_dmamem_map(&seg, 1, 3 * 4096, &map), 0);
        KT_EXPECT_TRUE(t, map == (void *)va);
        memset(map, 0xa5, 3 * 4096);
        rumpcomp_pci_dmafree(va, 3 * 4096);
    }
    unsigned long pa, va;
    KT_EXPECT_EQ(t, rumpcomp_pci_dmalloc(4096, 48, &pa, &va), EINVAL);
    /* MMIO: map the VGA frame buffer window (always decoded on a PC). */
    KT_EXPECT_TRUE(t, rumpcomp_pci_map(0xa0000, 0x1000) != NULL);
    /* Interrupts: unknown cookie refused; a mapped one is established. */
    KT_EXPECT_NULL(t, rumpcomp_pci_irq_establish(31, dummy_intr, NULL));
    struct pci_dev *d = pci_find_class(0x02, PCI_ANY, NULL); /* a network card (QEMU: e1000, INTA) */
    if (!d || pci_irq(d) < 0)
        d = pci_find_class(0x01, PCI_ANY, NULL);
    if (d && pci_irq(d) >= 0) {
        KT_EXPECT_EQ(t, rumpcomp_pci_irq_map(d->bus, d->dev, d->func, pci_irq(d), 5), 0);
        KT_EXPECT_TRUE(t, rumpcomp_pci_irq_establish(5, dummy_intr, NULL) != NULL);
    } else {
        ktest_log(t, "no PCI device with an interrupt line: irq_establish not exercised");
    }
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}

/* The profile counters (rumpuser_adros_hypercall_counts, make bench's
 * rump_ext2 hypercall lines): one count per call of each counted
 * hypercall, a cached read counted as completed inline, its sectors. */
void hypercall_counts(struct ktest *t)
{
    FK_START(t, 1);
    fk_bind();
    KT_ASSERT_NOT_NULL(t, rumpuser_test_disk());
    struct rumpuser_mtx *m;
    struct rumpuser_cv *cv;
    rumpuser_mutex_init(&m, RUMPUSER_MTX_KMUTEX);
    rumpuser_cv_init(&cv);
    int fd = -1;
    KT_ASSERT_EQ(t, rumpuser_open("rutest0", RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, &fd), 0);
    uint8_t *buf = kzalloc(4096);
    KT_ASSERT_NOT_NULL(t, buf);
    static struct biorec rec;
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_WRITE, buf, 4096, 0, biodone, &rec); /* leaves the blocks cached */
    bio_wait(t, &rec);
    uint32_t c0[RUMPUSER_ADROS_NCOUNTS], c1[RUMPUSER_ADROS_NCOUNTS];
    rumpuser_adros_hypercall_counts(c0);
    void *p = NULL;
    KT_EXPECT_EQ(t, rumpuser_malloc(64, 0, &p), 0);
    rumpuser_free(p, 64);
    rumpuser_mutex_enter(m);
    rumpuser_mutex_exit(m);
    KT_EXPECT_EQ(t, rumpuser_mutex_tryenter(m), 0);
    rumpuser_mutex_exit(m);
    rumpuser_cv_signal(cv);
    rumpuser_cv_broadcast(cv);
    int64_t s;
    long ns;
    KT_EXPECT_EQ(t, rumpuser_clock_gettime(RUMPUSER_CLOCK_ABSMONO, &s, &ns), 0);
    rec_init(&rec);
    rumpuser_bio(fd, RUMPUSER_BIO_READ, buf, 4096, 0, biodone, &rec);
    bio_wait(t, &rec);
    rumpuser_adros_hypercall_counts(c1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_MALLOC] - c0[RUMPUSER_ADROS_C_MALLOC], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_FREE] - c0[RUMPUSER_ADROS_C_FREE], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_MUTEX_ENTER] - c0[RUMPUSER_ADROS_C_MUTEX_ENTER], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_MUTEX_BLOCKED] - c0[RUMPUSER_ADROS_C_MUTEX_BLOCKED], 0);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_MUTEX_TRYENTER] - c0[RUMPUSER_ADROS_C_MUTEX_TRYENTER], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_CV_SIGNAL] - c0[RUMPUSER_ADROS_C_CV_SIGNAL], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_CV_BROADCAST] - c0[RUMPUSER_ADROS_C_CV_BROADCAST], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_CLOCK_GETTIME] - c0[RUMPUSER_ADROS_C_CLOCK_GETTIME], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_BIO] - c0[RUMPUSER_ADROS_C_BIO], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_BIO_INLINE] - c0[RUMPUSER_ADROS_C_BIO_INLINE], 1);
    KT_EXPECT_EQ(t, c1[RUMPUSER_ADROS_C_BIO_SECTORS] - c0[RUMPUSER_ADROS_C_BIO_SECTORS], 8);
    KT_EXPECT_STREQ(t, rumpuser_adros_count_name(RUMPUSER_ADROS_C_BIO_SECTORS), "bio_sectors");
    KT_EXPECT_EQ(t, rumpuser_close(fd), 0);
    kfree(buf);
    rumpuser_cv_destroy(cv);
    rumpuser_mutex_destroy(m);
    FK_EXPECT_HOLDS(t);
    fk_unbind();
    KT_EXPECT_EQ(t, fk_violations(), 0);
}
