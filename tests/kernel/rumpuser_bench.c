/* Benchmark `rumpuser`: each hypercall next to the raw AdrOS primitive it
 * wraps, in the same run, reported as a ratio (goals from the issue):
 *   mutex   uncontended rumpuser_mutex_enter+exit vs kmutex_lock+unlock (<= 1.3x)
 *   cv      ping-pong between two threads, rumpuser cv vs kcond_t (<= 1.5x)
 *   curlwp  rumpuser_curlwp, cycles per call (<= 20)
 *   bio     sequential 64 KiB reads from a RAM block device, rumpuser_bio
 *           vs blk_submit with a callback (throughput >= 0.9x)
 * The stand-in rump kernel (rumpuser_fk.c) provides the upcalls. */
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>

#include "rumpuser_fk.h"

static void result_pair(const char *metric_raw, const char *metric_hyp, uint64_t raw_cyc, uint64_t hyp_cyc,
                        uint64_t n, const char *goal)
{
    char note[96];
    uint64_t ratio100 = raw_cyc ? hyp_cyc * 100 / raw_cyc : 0;
    kbench_result("rumpuser", metric_raw, raw_cyc / n, clock_cycles_to_ns(raw_cyc) / n, "raw AdrOS primitive");
    ksnprintf(note, sizeof(note), "%llu.%02llux raw (goal %s)", (unsigned long long)(ratio100 / 100),
              (unsigned long long)(ratio100 % 100), goal);
    kbench_result("rumpuser", metric_hyp, hyp_cyc / n, clock_cycles_to_ns(hyp_cyc) / n, note);
}

/* ---- mutex ---- */
static void bench_mutex(void)
{
    enum { N = 20000 };
    static kmutex_t km;
    kmutex_init(&km, "bench");
    struct rumpuser_mtx *m;
    rumpuser_mutex_init(&m, RUMPUSER_MTX_KMUTEX);
    uint64_t best_raw = ~0ull, best_hyp = ~0ull;
    for (int round = 0; round < 5; round++) {
        uint64_t t0 = clock_cycles();
        for (int i = 0; i < N; i++) {
            kmutex_lock(&km);
            kmutex_unlock(&km);
        }
        uint64_t t1 = clock_cycles();
        for (int i = 0; i < N; i++) {
            rumpuser_mutex_enter(m);
            rumpuser_mutex_exit(m);
        }
        uint64_t t2 = clock_cycles();
        best_raw = MIN(best_raw, t1 - t0);
        best_hyp = MIN(best_hyp, t2 - t1);
    }
    result_pair("kmutex_lock+unlock", "mutex_enter+exit", best_raw, best_hyp, N, "<= 1.3x");
    rumpuser_mutex_destroy(m);
}

/* ---- cv ping-pong ---- */
enum { PP_N = 2000 };
static struct {
    kmutex_t km;
    kcond_t kc;
    struct rumpuser_mtx *m;
    struct rumpuser_cv *cv;
    volatile int turn;
    bool hyp;
} pp;

static void *pong_main(void *arg)
{
    if (pp.hyp) {
        fk_bind();
        rumpuser_mutex_enter(pp.m);
        for (int i = 0; i < PP_N; i++) {
            while (pp.turn != 1)
                rumpuser_cv_wait(pp.cv, pp.m);
            pp.turn = 0;
            rumpuser_cv_signal(pp.cv);
        }
        rumpuser_mutex_exit(pp.m);
        fk_unbind();
    } else {
        kmutex_lock(&pp.km);
        for (int i = 0; i < PP_N; i++) {
            while (pp.turn != 1)
                kcond_wait(&pp.kc, &pp.km);
            pp.turn = 0;
            kcond_signal(&pp.kc);
        }
        kmutex_unlock(&pp.km);
    }
    return NULL;
}

static uint64_t pingpong(bool hyp)
{
    pp.hyp = hyp;
    pp.turn = 0;
    struct thread *th;
    struct thread_attr a = { .name = "bench-pong", .prio = PRIO_NORMAL, .stack_size = 16 * 1024,
                             .flags = PROCESS_FLAG_JOINABLE };
    if (thread_create(&a, pong_main, NULL, &th))
        return 0;
    uint64_t t0 = clock_cycles();
    if (hyp) {
        rumpuser_mutex_enter(pp.m);
        for (int i = 0; i < PP_N; i++) {
            pp.turn = 1;
            rumpuser_cv_signal(pp.cv);
            while (pp.turn != 0)
                rumpuser_cv_wait(pp.cv, pp.m);
        }
        rumpuser_mutex_exit(pp.m);
    } else {
        kmutex_lock(&pp.km);
        for (int i = 0; i < PP_N; i++) {
            pp.turn = 1;
            kcond_signal(&pp.kc);
            while (pp.turn != 0)
                kcond_wait(&pp.kc, &pp.km);
        }
        kmutex_unlock(&pp.km);
    }
    uint64_t c = clock_cycles() - t0;
    thread_join(th, NULL); /* pong has let its CPU go: nothing to wait for */
    return c;
}

/* ---- bio ---- */
#define BD_SECTORS 8192 /* 4 MiB */
static struct {
    struct blkdev dev;
    uint8_t *data;
} bd;

static int bd_submit(struct blkdev *dev, struct blk_request *req)
{
    size_t off = (size_t)req->sector * 512, n = (size_t)req->count * 512;
    if (req->op == BLK_READ)
        memcpy(req->buf, bd.data + off, n);
    else if (req->op == BLK_WRITE)
        memcpy(bd.data + off, req->buf, n);
    blk_complete(req, 0, n);
    return 0;
}
static const struct blkdev_ops bd_ops = { bd_submit };

static ksem_t bio_sem;
static void raw_done(struct blk_request *req) { ksem_up(&bio_sem); }
static void hyp_done(void *arg, size_t n, int err) { ksem_up(&bio_sem); }

static void bench_bio(void)
{
    if (!bd.data) {
        bd.data = kzalloc(BD_SECTORS * 512);
        if (!bd.data)
            return;
        strlcpy(bd.dev.name, "rubench0", sizeof(bd.dev.name));
        bd.dev.sector_size = 512;
        bd.dev.nsectors = BD_SECTORS;
        bd.dev.ops = &bd_ops;
        if (blk_register(&bd.dev) < 0)
            return;
    }
    enum { CHUNK = 64 * 1024, PASSES = 4 };
    uint8_t *buf = kmalloc(CHUNK);
    int fd;
    if (!buf || rumpuser_open("rubench0", RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, &fd) != 0)
        return;
    ksem_init(&bio_sem, 0);
    uint64_t best_raw = ~0ull, best_hyp = ~0ull;
    for (int p = 0; p < PASSES; p++) {
        uint64_t t0 = clock_cycles();
        for (uint64_t off = 0; off < BD_SECTORS * 512ull; off += CHUNK) {
            struct blk_request r = { .dev = &bd.dev, .op = BLK_READ, .sector = off / 512, .count = CHUNK / 512,
                                     .buf = buf, .done = raw_done };
            if (blk_submit(&r) == 0)
                ksem_down(&bio_sem);
        }
        uint64_t t1 = clock_cycles();
        for (uint64_t off = 0; off < BD_SECTORS * 512ull; off += CHUNK) {
            rumpuser_bio(fd, RUMPUSER_BIO_READ, buf, CHUNK, (int64_t)off, hyp_done, NULL);
            fk_unschedule(); /* the rump kernel would sleep without its CPU */
            ksem_down(&bio_sem);
            fk_schedule();
        }
        uint64_t t2 = clock_cycles();
        best_raw = MIN(best_raw, t1 - t0);
        best_hyp = MIN(best_hyp, t2 - t1);
    }
    uint64_t bytes = BD_SECTORS * 512ull;
    char note[96];
    uint64_t raw_mbs = bytes * 1000 / MAX(clock_cycles_to_ns(best_raw), 1) ; /* MB/s */
    uint64_t hyp_mbs = bytes * 1000 / MAX(clock_cycles_to_ns(best_hyp), 1);
    ksnprintf(note, sizeof(note), "%llu MB/s, block layer's own", (unsigned long long)raw_mbs);
    kbench_result("rumpuser", "blk_submit 64K seq read", best_raw / (bytes / CHUNK),
                  clock_cycles_to_ns(best_raw) / (bytes / CHUNK), note);
    uint64_t r100 = raw_mbs ? hyp_mbs * 100 / raw_mbs : 0;
    ksnprintf(note, sizeof(note), "%llu MB/s, %llu.%02llux raw throughput (goal >= 0.9x)", (unsigned long long)hyp_mbs,
              (unsigned long long)(r100 / 100), (unsigned long long)(r100 % 100));
    kbench_result("rumpuser", "bio 64K seq read", best_hyp / (bytes / CHUNK),
                  clock_cycles_to_ns(best_hyp) / (bytes / CHUNK), note);
    rumpuser_close(fd);
    kfree(buf);
}

static void bench_rumpuser(void)
{
    if (!fk_init(2)) {
        kprintf("# rumpuser bench: a real rump kernel runs in this boot (use rump=off)\n");
        return;
    }
    fk_bind();
    bench_mutex();

    kmutex_init(&pp.km, "pp");
    kcond_init(&pp.kc);
    rumpuser_mutex_init(&pp.m, RUMPUSER_MTX_KMUTEX);
    rumpuser_cv_init(&pp.cv);
    uint64_t best_raw = ~0ull, best_hyp = ~0ull, best_model = ~0ull;
    for (int r = 0; r < 3; r++) {
        best_raw = MIN(best_raw, pingpong(false));
        fk_set_fast(true);
        best_hyp = MIN(best_hyp, pingpong(true));
        fk_set_fast(false);
        best_model = MIN(best_model, pingpong(true));
    }
    result_pair("kcond ping-pong round trip", "cv ping-pong round trip", best_raw, best_hyp, PP_N,
                "<= 1.5x; null scheduler upcalls");
    kbench_result("rumpuser", "cv ping-pong, model scheduler", best_model / PP_N, clock_cycles_to_ns(best_model) / PP_N,
                  "with the stand-in's virtual-CPU bookkeeping in every wait");

    enum { N = 100000 };
    volatile uintptr_t sink = 0;
    /* Against an empty loop; a function call's own cost is in it. */
    uint64_t best = ~0ull, empty = ~0ull;
    for (int r = 0; r < 5; r++) {
        uint64_t t0 = clock_cycles();
        for (int i = 0; i < N; i++)
            sink += (uintptr_t)rumpuser_curlwp();
        uint64_t t1 = clock_cycles();
        for (int i = 0; i < N; i++)
            sink += (uintptr_t)i;
        uint64_t t2 = clock_cycles();
        best = MIN(best, t1 - t0);
        empty = MIN(empty, t2 - t1);
    }
    uint64_t net = best > empty ? best - empty : 0;
    char note[64];
    ksnprintf(note, sizeof(note), "%llu cycles/call (loop overhead removed; goal <= 20)",
              (unsigned long long)(net / N));
    kbench_result("rumpuser", "curlwp", net / N, clock_cycles_to_ns(net) / N, note);

    bench_bio();
    fk_unbind();
}
KBENCH(rumpuser, bench_rumpuser);
