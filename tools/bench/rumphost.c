/* rumphost: the rump-host reference of `make bench` (issue 24).
 *
 * NetBSD's rump kernel (the same librump, librumpvfs and librumpfs_ext2fs
 * archives AdrOS links) hosted by NetBSD's own POSIX hypercall library
 * (librumpuser) as an ordinary Linux process, statically linked by
 * tools/bench/rumphost-build.sh and run in the Linux reference boot's
 * initramfs (tools/bench/linuxref.py, workload rump_host) on the disk that
 * AdrOS's rump_ext2 boot reads (tests/kernel/rump_bench.c), doing the same:
 *
 *   cold sequential reads of FILE with 4 KiB, 64 KiB and 1 MiB reads, each
 *   on a fresh read-only mount with Linux's page cache dropped (the POSIX
 *   host's rumpuser_bio reads the block device through it);
 *   FILE deleted, then 32 MiB written to a new file with 4 KiB, 64 KiB and
 *   1 MiB writes, timed from open to the end of fsync, the file deleted.
 *
 *   rumphost [-n] DEVICE FILE   e.g. rumphost /dev/sda /big.bin
 *
 *   -n   leave Linux's caches alone (the host test, tools/test/plan_rumphost.py,
 *        on a machine shared with others): the reads are then not cold
 *
 * The disk is registered with rump_pub_etfs_register() as a block device
 * and mounted as NetBSD's ext2fs.  Prints AdrOS's BENCH format (bench
 * linux_rumphost) and, per workload, the hypercalls the rump kernel made:
 * the build wraps the rumpuser_* calls that matter for I/O with the
 * linker's --wrap (counted here, then passed on to NetBSD's library,
 * which is not changed).  Exits 1 with a message when a step fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include <rump/rumpdefs.h>

/* From NetBSD's sys/rump/include/rump/rumpuser.h, which refuses
 * non-kernel consumers: the types of the wrapped hypercalls. */
struct rumpuser_mtx;
struct rumpuser_cv;
typedef void (*rump_biodone_fn)(void *, size_t, int);

#define BENCH "linux_rumphost"
#define KEY "/dev/hostdisk"
#define MNT "/mnt"
#define WRITE_TOTAL (32u << 20)

/* ---- hypercall counters (the build links with --wrap=rumpuser_X) ---- */

/* The counted hypercalls; the index of each is its counter. */
enum { H_BIO, H_MALLOC, H_FREE, H_MUTEX_ENTER, H_MUTEX_TRYENTER, H_CV_WAIT, H_CV_TIMEDWAIT, H_CV_SIGNAL,
       H_CV_BROADCAST, H_CLOCK_GETTIME, H_CLOCK_SLEEP, H_N };
static const char *const hname[H_N] = { "bio", "malloc", "free", "mutex_enter", "mutex_tryenter", "cv_wait",
                                        "cv_timedwait", "cv_signal", "cv_broadcast", "clock_gettime",
                                        "clock_sleep" };
static unsigned long hcount[H_N];
static uint64_t bio_bytes;
/* Where a request's time goes (nanoseconds, summed over requests, which
 * may overlap): in Linux's pread/pwrite/fsync (librumpuser's bio thread
 * doing the I/O), from rumpuser_bio to its callback (queueing, the I/O,
 * the thread hand-over), and in the rump kernel's callback (biodone). */
static uint64_t host_io_ns, bio_wait_ns, biodone_ns;

static uint64_t now_ns(void);

#define COUNT(i) __atomic_fetch_add(&hcount[i], 1, __ATOMIC_RELAXED)

#define ADD_NS(v, t0) __atomic_fetch_add(&(v), now_ns() - (t0), __ATOMIC_RELAXED)

/* A request's callback and argument, and when it was made. */
struct timed_bio {
    rump_biodone_fn fn;
    void *arg;
    uint64_t t0;
};

static void timed_biodone(void *a, size_t done, int error)
{
    struct timed_bio tb = *(struct timed_bio *)a;
    free(a);
    ADD_NS(bio_wait_ns, tb.t0);
    uint64_t t1 = now_ns();
    tb.fn(tb.arg, done, error);
    ADD_NS(biodone_ns, t1);
}

void __real_rumpuser_bio(int, int, void *, size_t, int64_t, rump_biodone_fn, void *);
void __wrap_rumpuser_bio(int fd, int op, void *data, size_t len, int64_t off, rump_biodone_fn fn, void *arg);
void __wrap_rumpuser_bio(int fd, int op, void *data, size_t len, int64_t off, rump_biodone_fn fn, void *arg)
{
    COUNT(H_BIO);
    __atomic_fetch_add(&bio_bytes, len, __ATOMIC_RELAXED);
    struct timed_bio *tb = malloc(sizeof(*tb));
    if (!tb) {
        __real_rumpuser_bio(fd, op, data, len, off, fn, arg);
        return;
    }
    *tb = (struct timed_bio){ fn, arg, now_ns() };
    __real_rumpuser_bio(fd, op, data, len, off, timed_biodone, tb);
}

/* librumpuser's I/O system calls (its bio thread's). */
ssize_t __real_pread64(int, void *, size_t, int64_t);
ssize_t __wrap_pread64(int fd, void *buf, size_t n, int64_t off);
ssize_t __wrap_pread64(int fd, void *buf, size_t n, int64_t off)
{
    uint64_t t0 = now_ns();
    ssize_t r = __real_pread64(fd, buf, n, off);
    ADD_NS(host_io_ns, t0);
    return r;
}

ssize_t __real_pwrite64(int, const void *, size_t, int64_t);
ssize_t __wrap_pwrite64(int fd, const void *buf, size_t n, int64_t off);
ssize_t __wrap_pwrite64(int fd, const void *buf, size_t n, int64_t off)
{
    uint64_t t0 = now_ns();
    ssize_t r = __real_pwrite64(fd, buf, n, off);
    ADD_NS(host_io_ns, t0);
    return r;
}

int __real_fsync(int);
int __wrap_fsync(int fd);
int __wrap_fsync(int fd)
{
    uint64_t t0 = now_ns();
    int r = __real_fsync(fd);
    ADD_NS(host_io_ns, t0);
    return r;
}

int __real_rumpuser_malloc(size_t, int, void **);
int __wrap_rumpuser_malloc(size_t len, int align, void **p);
int __wrap_rumpuser_malloc(size_t len, int align, void **p)
{
    COUNT(H_MALLOC);
    return __real_rumpuser_malloc(len, align, p);
}

void __real_rumpuser_free(void *, size_t);
void __wrap_rumpuser_free(void *p, size_t len);
void __wrap_rumpuser_free(void *p, size_t len)
{
    COUNT(H_FREE);
    __real_rumpuser_free(p, len);
}

void __real_rumpuser_mutex_enter(struct rumpuser_mtx *);
void __wrap_rumpuser_mutex_enter(struct rumpuser_mtx *m);
void __wrap_rumpuser_mutex_enter(struct rumpuser_mtx *m)
{
    COUNT(H_MUTEX_ENTER);
    __real_rumpuser_mutex_enter(m);
}

void __real_rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *);
void __wrap_rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *m);
void __wrap_rumpuser_mutex_enter_nowrap(struct rumpuser_mtx *m)
{
    COUNT(H_MUTEX_ENTER);
    __real_rumpuser_mutex_enter_nowrap(m);
}

int __real_rumpuser_mutex_tryenter(struct rumpuser_mtx *);
int __wrap_rumpuser_mutex_tryenter(struct rumpuser_mtx *m);
int __wrap_rumpuser_mutex_tryenter(struct rumpuser_mtx *m)
{
    COUNT(H_MUTEX_TRYENTER);
    return __real_rumpuser_mutex_tryenter(m);
}

void __real_rumpuser_cv_wait(struct rumpuser_cv *, struct rumpuser_mtx *);
void __wrap_rumpuser_cv_wait(struct rumpuser_cv *c, struct rumpuser_mtx *m);
void __wrap_rumpuser_cv_wait(struct rumpuser_cv *c, struct rumpuser_mtx *m)
{
    COUNT(H_CV_WAIT);
    __real_rumpuser_cv_wait(c, m);
}

void __real_rumpuser_cv_wait_nowrap(struct rumpuser_cv *, struct rumpuser_mtx *);
void __wrap_rumpuser_cv_wait_nowrap(struct rumpuser_cv *c, struct rumpuser_mtx *m);
void __wrap_rumpuser_cv_wait_nowrap(struct rumpuser_cv *c, struct rumpuser_mtx *m)
{
    COUNT(H_CV_WAIT);
    __real_rumpuser_cv_wait_nowrap(c, m);
}

int __real_rumpuser_cv_timedwait(struct rumpuser_cv *, struct rumpuser_mtx *, int64_t, int64_t);
int __wrap_rumpuser_cv_timedwait(struct rumpuser_cv *c, struct rumpuser_mtx *m, int64_t s, int64_t ns);
int __wrap_rumpuser_cv_timedwait(struct rumpuser_cv *c, struct rumpuser_mtx *m, int64_t s, int64_t ns)
{
    COUNT(H_CV_TIMEDWAIT);
    return __real_rumpuser_cv_timedwait(c, m, s, ns);
}

void __real_rumpuser_cv_signal(struct rumpuser_cv *);
void __wrap_rumpuser_cv_signal(struct rumpuser_cv *c);
void __wrap_rumpuser_cv_signal(struct rumpuser_cv *c)
{
    COUNT(H_CV_SIGNAL);
    __real_rumpuser_cv_signal(c);
}

void __real_rumpuser_cv_broadcast(struct rumpuser_cv *);
void __wrap_rumpuser_cv_broadcast(struct rumpuser_cv *c);
void __wrap_rumpuser_cv_broadcast(struct rumpuser_cv *c)
{
    COUNT(H_CV_BROADCAST);
    __real_rumpuser_cv_broadcast(c);
}

int __real_rumpuser_clock_gettime(int, int64_t *, long *);
int __wrap_rumpuser_clock_gettime(int clk, int64_t *s, long *ns);
int __wrap_rumpuser_clock_gettime(int clk, int64_t *s, long *ns)
{
    COUNT(H_CLOCK_GETTIME);
    return __real_rumpuser_clock_gettime(clk, s, ns);
}

int __real_rumpuser_clock_sleep(int, int64_t, long);
int __wrap_rumpuser_clock_sleep(int clk, int64_t s, long ns);
int __wrap_rumpuser_clock_sleep(int clk, int64_t s, long ns)
{
    COUNT(H_CLOCK_SLEEP);
    return __real_rumpuser_clock_sleep(clk, s, ns);
}

/* ---- the workloads ---- */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int die(const char *what, int err)
{
    fprintf(stderr, "rumphost: %s: %s\n", what, strerror(err));
    return 1;
}

/* Linux's page cache and its dentries and inodes dropped, as the Linux
 * workloads do before each cold run (the POSIX host's disk reads go
 * through it). */
static int keep_host_caches;

static int drop_host_caches(void)
{
    if (keep_host_caches)
        return 0;
    sync();
    int fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (fd < 0)
        return errno;
    int r = write(fd, "3\n", 2) == 2 ? 0 : errno;
    close(fd);
    return r;
}

static void report(const char *metric, uint64_t bytes, uint64_t ns)
{
    printf("BENCH {\"bench\":\"" BENCH "\",\"metric\":\"%s\",\"cycles\":0,\"ns\":%llu,"
           "\"note\":\"%.2f MB/s over %llu MiB\"}\n",
           metric, (unsigned long long)ns, ns ? (double)bytes * 1000.0 / (double)ns : 0.0,
           (unsigned long long)(bytes >> 20));
}

/* One line of the hypercalls made since snap (and per MiB of bytes). */
/* The time counters at the start of a workload. */
struct snap {
    unsigned long h[H_N];
    uint64_t bio_bytes, host_io, bio_wait, biodone;
};

static void take(struct snap *s)
{
    memcpy(s->h, hcount, sizeof(s->h));
    s->bio_bytes = bio_bytes;
    s->host_io = host_io_ns;
    s->bio_wait = bio_wait_ns;
    s->biodone = biodone_ns;
}

static void hypercalls(const char *what, const struct snap *s, uint64_t bytes, uint64_t ns)
{
    const unsigned long *snap = s->h;
    uint64_t bio0 = s->bio_bytes;
    printf("# rumphost hypercalls %s:", what);
    double mib = (double)bytes / (1 << 20);
    for (int i = 0; i < H_N; i++) {
        unsigned long n = hcount[i] - snap[i];
        if (n)
            printf(" %s %lu (%.0f/MiB)", hname[i], n, mib > 0 ? n / mib : 0.0);
    }
    unsigned long nbio = hcount[H_BIO] - snap[H_BIO];
    printf("; bio average %llu KiB\n", nbio ? (unsigned long long)((bio_bytes - bio0) / nbio / 1024) : 0ull);
    printf("# rumphost time %s: %llu ms; requests %llu us each from rumpuser_bio to the callback,"
           " %llu us of it in Linux's pread/pwrite/fsync, %llu us in the callback\n", what,
           (unsigned long long)(ns / 1000000), (unsigned long long)(nbio ? (bio_wait_ns - s->bio_wait) / nbio / 1000 : 0),
           (unsigned long long)(nbio ? (host_io_ns - s->host_io) / nbio / 1000 : 0),
           (unsigned long long)(nbio ? (biodone_ns - s->biodone) / nbio / 1000 : 0));
}

static int mount_ext2(int rdonly)
{
    struct { char *fspec; } args = { (char *)KEY };
    if (rump_sys_mount(RUMP_MOUNT_EXT2FS, MNT, rdonly ? RUMP_MNT_RDONLY : 0, &args, sizeof(args)) == -1)
        return errno;
    return 0;
}

static int cold_read(const char *file, size_t bs, const char *name)
{
    char path[256], metric[64], what[64];
    int e;
    if ((e = drop_host_caches()) != 0)
        return die("dropping Linux's caches (/proc/sys/vm/drop_caches)", e);
    if ((e = mount_ext2(1)) != 0)
        return die("read-only mount of " KEY " as ext2fs", e);
    snprintf(path, sizeof(path), MNT "%s", file);
    static char buf[1 << 20];
    struct snap snap;
    take(&snap);
    uint64_t t0 = now_ns(), total = 0;
    int fd = rump_sys_open(path, RUMP_O_RDONLY);
    if (fd < 0)
        return die(path, errno);
    for (;;) {
        ssize_t n = rump_sys_read(fd, buf, bs);
        if (n < 0)
            return die("read", errno);
        if (n == 0)
            break;
        total += (uint64_t)n;
    }
    uint64_t ns = now_ns() - t0;
    rump_sys_close(fd);
    snprintf(what, sizeof(what), "cold read %s", name);
    hypercalls(what, &snap, total, ns);
    if (rump_sys_unmount(MNT, 0) == -1)
        return die("unmount", errno);
    snprintf(metric, sizeof(metric), "cold seq read %s", name);
    report(metric, total, ns);
    return 0;
}

static int write_32m(size_t bs, const char *name)
{
    static char buf[1 << 20];
    char metric[64], what[64];
    int e;
    for (size_t i = 0; i < bs; i++)
        buf[i] = (char)(i * 31 + 7);
    if ((e = drop_host_caches()) != 0)
        return die("dropping Linux's caches", e);
    struct snap snap;
    take(&snap);
    uint64_t t0 = now_ns();
    int fd = rump_sys_open(MNT "/write.bin", RUMP_O_WRONLY | RUMP_O_CREAT | RUMP_O_TRUNC, 0644);
    if (fd < 0)
        return die(MNT "/write.bin", errno);
    for (uint32_t total = 0; total < WRITE_TOTAL; total += bs)
        if (rump_sys_write(fd, buf, bs) != (ssize_t)bs)
            return die("write", errno);
    if (rump_sys_fsync(fd) == -1)
        return die("fsync", errno);
    uint64_t ns = now_ns() - t0;
    rump_sys_close(fd);
    if (rump_sys_unlink(MNT "/write.bin") == -1)
        return die("unlink write.bin", errno);
    /* Counted to here, as AdrOS's benchmark counts (it deletes the file in
     * write_32m()). */
    snprintf(what, sizeof(what), "write %s", name);
    hypercalls(what, &snap, WRITE_TOTAL, ns);
    snprintf(metric, sizeof(metric), "seq write 32MiB %s fsync", name);
    report(metric, WRITE_TOTAL, ns);
    return 0;
}

int main(int argc, char **argv)
{
    static const size_t sizes[] = { 4096, 65536, 1 << 20 };
    static const char *const names[] = { "4KiB", "64KiB", "1MiB" };
    int e;
    if (argc == 4 && strcmp(argv[1], "-n") == 0) {
        keep_host_caches = 1;
        argc--;
        argv++;
    }
    if (argc != 3 || argv[2][0] != '/') {
        fprintf(stderr, "usage: rumphost [-n] DEVICE /FILE\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    uint64_t t0 = now_ns();
    if ((e = rump_init()) != 0)
        return die("rump_init", e);
    printf("# rumphost: rump_init %llu ms\n", (unsigned long long)((now_ns() - t0) / 1000000));
    if ((e = rump_pub_etfs_register(KEY, argv[1], RUMP_ETFS_BLK)) != 0)
        return die("rump_pub_etfs_register", e);
    if (rump_sys_mkdir(MNT, 0755) == -1)
        return die("mkdir " MNT, errno);
    for (int i = 0; i < 3; i++)
        if (cold_read(argv[2], sizes[i], names[i]))
            return 1;
    if ((e = mount_ext2(0)) != 0)
        return die("read-write mount", e);
    char path[256];
    snprintf(path, sizeof(path), MNT "%s", argv[2]);
    if (rump_sys_unlink(path) == -1) /* room for 32 MiB, as AdrOS's benchmark */
        return die(path, errno);
    for (int i = 0; i < 3; i++)
        if (write_32m(sizes[i], names[i]))
            return 1;
    if (rump_sys_unmount(MNT, 0) == -1)
        return die("unmount", errno);
    printf("# rumphost: done\n");
    return 0;
}
