/* churn: threads that keep creating, writing, appending, renaming,
 * deleting, fsyncing and reading back small files, with a manifest kept in
 * memory of what every file must hold; at the end every file is read back
 * and compared.  For tools/test/soak.py and tools/test/plan_reliability.py: load on a
 * file system (NetBSD's ext2fs through `mount -t rump`, or any other) that
 * proves nothing was lost.
 *
 *   churn [-b] [-t threads] [-s seconds] <dir>
 *                    start (at most one churn at a time); each thread works
 *                    in <dir>/w<k>/ (created; must not hold other files).
 *                    Without -b the command runs until the time is up (or
 *                    Ctrl-C) and then verifies; with -b it returns at once
 *                    and `churn wait` / `churn stop` finish it
 *   churn            counters so far
 *   churn wait       wait for the end, then verify
 *   churn stop       stop now, then verify
 *
 * The content of a file is a function of a seed and the offset (gen_byte),
 * so the manifest needs only (seed, length) per file, and an append
 * continues the same sequence.  A file's name is f<slot>.<generation>: a
 * rename moves it to the next generation.  An operation that fails (the
 * caller gets an error: ENOMEM, ENOSPC, EIO) is counted and its file marked
 * uncertain: the verification removes it instead of checking it, since
 * the caller was told.  Every other file must be intact, and no other name
 * may exist: the verdict line says "intact", or counts what is LOST
 * (missing or wrong length), CORRUPT (wrong bytes) or STRAY (unexpected).
 *
 * Assumes one churn at a time (a mutex guards starting and finishing); the
 * workers share nothing but the counters, updated with interrupts off. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/cmd.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vfs.h>

#define CH_MAX_THREADS 16
#define CH_FILES 24            /* slots per thread */
#define CH_MAX_LEN (48 * 1024) /* longest file */
#define CH_BUF 8192
#define CH_STACK (16 * 1024)
#define CH_REPORT_ERRORS 4     /* errors printed per thread; the rest only counted */

enum { OP_CREATE, OP_APPEND, OP_RENAME, OP_DELETE, OP_FSYNC, OP_REWRITE, OP_READ, OP_N };
static const char *const op_names[OP_N] = { "create", "append", "rename", "delete", "fsync", "rewrite",
                                            "read" };

struct ch_file {
    bool used, unsure;
    uint32_t seed, len, gen;
};

struct ch_worker {
    int id;
    struct thread *thread;
    uint32_t rng;
    uint8_t *buf;
    int reported;
    char dir[VFS_PATH_MAX];
    struct ch_file f[CH_FILES];
};

static struct {
    kmutex_t lock;      /* starting, finishing */
    bool running;
    volatile bool stop;
    int nthreads;
    uint64_t deadline_ns, started_ns;
    struct ch_worker *w;
    /* counters: atomic adds by the workers */
    uint64_t ops[OP_N], bytes_written, bytes_read, errors, mismatches_live;
} ch = { .lock = KMUTEX_INIT(ch.lock, "churn") };

/* 64-bit counters on i386: no lock-free atomics, so interrupts off (one
 * CPU), as rumpuser_mem.c does. */
static inline void count(uint64_t *c, uint64_t n)
{
    irqflags_t f = irq_save();
    *c += n;
    irq_restore(f);
}

static inline uint64_t get(const uint64_t *c)
{
    irqflags_t f = irq_save();
    uint64_t v = *c;
    irq_restore(f);
    return v;
}

static uint32_t rnd(struct ch_worker *w)
{
    uint32_t x = w->rng; /* xorshift32: reproducible per seed, cheap */
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return w->rng = x;
}

static inline uint8_t gen_byte(uint32_t seed, uint32_t off)
{
    uint32_t x = (seed ^ (off >> 2)) * 0x9e3779b1u;
    x ^= x >> 15;
    return (uint8_t)(x >> (8 * (off & 3)));
}

static void gen_fill(uint8_t *buf, uint32_t seed, uint32_t off, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        buf[i] = gen_byte(seed, off + i);
}

static void path_of(const struct ch_worker *w, int slot, uint32_t gen, char *out, size_t n)
{
    ksnprintf(out, n, "%s/f%d.%u", w->dir, slot, gen);
}

static void report(struct ch_worker *w, int op, const char *path, int err)
{
    count(&ch.errors, 1);
    if (w->reported++ < CH_REPORT_ERRORS)
        kprintf("churn: w%d: %s %s: %s\n", w->id, op_names[op], path, shell_strerror(err));
}

/* Writes [off, off+n) of the file's sequence; 0 or a negative errno. */
static int put(struct ch_worker *w, struct file *fp, uint32_t seed, uint32_t off, uint32_t n)
{
    while (n) {
        uint32_t k = MIN(n, (uint32_t)CH_BUF);
        gen_fill(w->buf, seed, off, k);
        ssize_t r = vfs_pwrite(fp, w->buf, k, off);
        if (r != (ssize_t)k)
            return r < 0 ? (int)r : -EIO;
        count(&ch.bytes_written, k);
        off += k;
        n -= k;
    }
    return 0;
}

/* Reads the file back and compares: 0 intact, 1 wrong length, 2 wrong
 * bytes, or a negative errno from opening/reading. */
static int check(struct ch_worker *w, const char *path, const struct ch_file *cf)
{
    struct file *fp;
    int r = vfs_open(path, O_RDONLY, 0, &fp);
    if (r < 0)
        return r;
    uint32_t off = 0;
    int verdict = 0;
    for (;;) {
        ssize_t n = vfs_pread(fp, w->buf, CH_BUF, off);
        if (n < 0) {
            verdict = (int)n;
            break;
        }
        if (n == 0)
            break;
        count(&ch.bytes_read, (uint64_t)n);
        for (ssize_t i = 0; i < n && verdict == 0; i++)
            if (off + (uint32_t)i >= cf->len || w->buf[i] != gen_byte(cf->seed, off + (uint32_t)i))
                verdict = off + (uint32_t)i >= cf->len ? 1 : 2;
        off += (uint32_t)n;
        if (verdict)
            break;
    }
    if (verdict == 0 && off != cf->len)
        verdict = 1;
    vfs_close(fp);
    return verdict;
}

static void one_op(struct ch_worker *w)
{
    int slot = (int)(rnd(w) % CH_FILES);
    struct ch_file *cf = &w->f[slot];
    char path[VFS_PATH_MAX], to[VFS_PATH_MAX];
    struct file *fp;
    int op, r;
    if (!cf->used) {
        op = OP_CREATE;
    } else {
        uint32_t p = rnd(w) % 100;
        op = p < 30 ? OP_APPEND : p < 45 ? OP_RENAME : p < 57 ? OP_DELETE : p < 67 ? OP_FSYNC
           : p < 77 ? OP_REWRITE : OP_READ;
        if (cf->unsure && op != OP_DELETE)
            op = OP_DELETE; /* an uncertain file is only ever removed */
    }
    path_of(w, slot, cf->gen, path, sizeof(path));
    count(&ch.ops[op], 1);
    switch (op) {
    case OP_CREATE:
    case OP_REWRITE: {
        uint32_t len = 1 + rnd(w) % (CH_MAX_LEN / 2);
        uint32_t seed = rnd(w);
        r = vfs_open(path, O_WRONLY | O_CREAT | O_TRUNC | (op == OP_CREATE ? O_EXCL : 0), 0644, &fp);
        if (r < 0) {
            /* a create that fails may or may not have left a name */
            cf->used = cf->unsure = true;
            report(w, op, path, r);
            return;
        }
        cf->used = true;
        cf->unsure = true; /* until the data is all written */
        r = put(w, fp, seed, 0, len);
        vfs_close(fp);
        if (r < 0) {
            report(w, op, path, r);
            return;
        }
        cf->seed = seed;
        cf->len = len;
        cf->unsure = false;
        return;
    }
    case OP_APPEND: {
        uint32_t add = 1 + rnd(w) % 8192;
        if (cf->len + add > CH_MAX_LEN)
            add = CH_MAX_LEN - cf->len;
        if (add == 0)
            return;
        r = vfs_open(path, O_WRONLY, 0, &fp);
        if (r == 0) {
            r = put(w, fp, cf->seed, cf->len, add);
            vfs_close(fp);
        }
        if (r < 0) {
            cf->unsure = true;
            report(w, op, path, r);
            return;
        }
        cf->len += add;
        return;
    }
    case OP_RENAME:
        path_of(w, slot, cf->gen + 1, to, sizeof(to));
        r = vfs_rename(path, to);
        if (r < 0) {
            cf->unsure = true; /* which name it has is not known */
            report(w, op, path, r);
            return;
        }
        cf->gen++;
        return;
    case OP_DELETE:
        r = vfs_unlink(path);
        if (r < 0 && !(cf->unsure && r == -ENOENT)) {
            report(w, op, path, r);
            cf->unsure = true;
            return;
        }
        cf->used = cf->unsure = false;
        cf->gen++; /* a new file in this slot gets a new name */
        return;
    case OP_FSYNC:
        r = vfs_open(path, O_WRONLY, 0, &fp);
        if (r == 0) {
            r = vfs_fsync(fp);
            vfs_close(fp);
        }
        if (r < 0) {
            cf->unsure = true;
            report(w, op, path, r);
        }
        return;
    case OP_READ:
        r = check(w, path, cf);
        if (r < 0) {
            report(w, op, path, r);
        } else if (r > 0) {
            count(&ch.mismatches_live, 1);
            kprintf("churn: w%d: %s %s while running: %s\n", w->id, path, r == 1 ? "LOST" : "CORRUPT",
                    r == 1 ? "wrong length" : "wrong bytes");
        }
        return;
    default:
        return;
    }
}

static void *worker_main(void *arg)
{
    struct ch_worker *w = arg;
    while (!ch.stop && clock_gettime_ns() < ch.deadline_ns)
        one_op(w);
    return NULL;
}

struct verdict {
    uint64_t files, bytes, lost, corrupt, stray, uncertain;
};

/* Every file of the manifest intact, nothing else in the directory. */
static void verify_worker(struct ch_worker *w, struct verdict *v)
{
    char path[VFS_PATH_MAX];
    for (int s = 0; s < CH_FILES; s++) {
        struct ch_file *cf = &w->f[s];
        if (!cf->used)
            continue;
        path_of(w, s, cf->gen, path, sizeof(path));
        if (cf->unsure) {
            v->uncertain++;
            vfs_unlink(path); /* whatever is there, if anything, under */
            path_of(w, s, cf->gen + 1, path, sizeof(path));
            vfs_unlink(path); /* either name a failed rename may have left */
            cf->used = cf->unsure = false;
            cf->gen++;
            continue;
        }
        int r = check(w, path, cf);
        if (r == 0) {
            v->files++;
            v->bytes += cf->len;
            continue;
        }
        if (r == 2)
            v->corrupt++;
        else
            v->lost++;
        kprintf("churn: verify: %s (%u bytes, seed %08x): %s\n", path, cf->len, cf->seed,
                r == 2 ? "CORRUPT" : r == 1 ? "LOST (wrong length)" : shell_strerror(r));
    }
    /* Names that should not exist: stale generations, half-done renames. */
    struct file *d;
    if (vfs_open(w->dir, O_RDONLY | O_DIRECTORY, 0, &d) < 0) {
        v->lost++;
        kprintf("churn: verify: %s: cannot open\n", w->dir);
        return;
    }
    struct vfs_dirent de;
    while (vfs_readdir(d, &de) == 1) {
        unsigned slot = 0, gen = 0;
        const char *p = de.name;
        bool ok = *p++ == 'f';
        while (ok && *p >= '0' && *p <= '9')
            slot = slot * 10 + (unsigned)(*p++ - '0');
        ok = ok && *p++ == '.';
        while (ok && *p >= '0' && *p <= '9')
            gen = gen * 10 + (unsigned)(*p++ - '0');
        ok = ok && !*p && slot < CH_FILES && w->f[slot].used && w->f[slot].gen == gen;
        if (!ok) {
            v->stray++;
            kprintf("churn: verify: %s/%s: STRAY (not in the manifest)\n", w->dir, de.name);
        }
    }
    vfs_close(d);
}

static void print_counters(const char *what)
{
    uint64_t total = 0;
    for (int i = 0; i < OP_N; i++)
        total += get(&ch.ops[i]);
    uint64_t ms = (clock_gettime_ns() - ch.started_ns) / NSEC_PER_MSEC;
    shell_printf("churn: %s%d threads, %llu.%03llu s, %llu ops (", what, ch.nthreads, (unsigned long long)(ms / 1000),
                 (unsigned long long)(ms % 1000), (unsigned long long)total);
    for (int i = 0; i < OP_N; i++)
        shell_printf("%s%llu %s", i ? ", " : "", (unsigned long long)get(&ch.ops[i]), op_names[i]);
    shell_printf("), %llu bytes written, %llu read, %llu errors\n", (unsigned long long)get(&ch.bytes_written),
                 (unsigned long long)get(&ch.bytes_read), (unsigned long long)get(&ch.errors));
}

/* Joins the workers, verifies, frees; caller holds ch.lock and ch.running. */
static int finish(const char *argv0)
{
    for (int i = 0; i < ch.nthreads; i++)
        if (ch.w[i].thread)
            thread_join(ch.w[i].thread, NULL);
    print_counters("done: ");
    struct verdict v = { 0 };
    for (int i = 0; i < ch.nthreads; i++)
        verify_worker(&ch.w[i], &v);
    bool good = !v.lost && !v.corrupt && !v.stray && !get(&ch.mismatches_live);
    shell_printf("churn: verify: %llu files, %llu bytes: %s (%llu lost, %llu corrupt, %llu stray, %llu bad reads "
                 "while running; %llu uncertain after errors removed)\n",
                 (unsigned long long)v.files, (unsigned long long)v.bytes, good ? "intact" : "DAMAGED",
                 (unsigned long long)v.lost, (unsigned long long)v.corrupt, (unsigned long long)v.stray,
                 (unsigned long long)get(&ch.mismatches_live), (unsigned long long)v.uncertain);
    for (int i = 0; i < ch.nthreads; i++)
        kfree(ch.w[i].buf);
    kfree(ch.w);
    ch.w = NULL;
    ch.running = false;
    return good ? 0 : shell_error(argv0, "files lost or damaged");
}

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    unsigned v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || (v = v * 10 + (unsigned)(*s - '0')) > max)
            return -1;
    }
    *out = v;
    return 0;
}

static int start(const char *argv0, const char *dir, unsigned threads, unsigned secs)
{
    struct vfs_stat st;
    int r = vfs_stat(dir, &st);
    if (r == -ENOENT)
        r = vfs_mkdir(dir, 0755);
    else if (r == 0 && st.type != VDIR)
        r = -ENOTDIR;
    if (r < 0)
        return shell_error(argv0, "%s: %s", dir, shell_strerror(r));
    ch.w = kcalloc(threads, sizeof(*ch.w));
    if (!ch.w)
        return shell_error(argv0, "out of memory");
    memset(ch.ops, 0, sizeof(ch.ops));
    ch.bytes_written = ch.bytes_read = ch.errors = ch.mismatches_live = 0;
    ch.stop = false;
    ch.nthreads = 0;
    ch.started_ns = clock_gettime_ns();
    ch.deadline_ns = ch.started_ns + (uint64_t)secs * NSEC_PER_SEC;
    uint32_t seed = (uint32_t)ch.started_ns | 1;
    char name[THREAD_NAME_MAX];
    struct thread_attr a = { .name = name, .prio = PRIO_NORMAL, .stack_size = CH_STACK,
                             .flags = PROCESS_FLAG_JOINABLE };
    for (unsigned i = 0; i < threads; i++) {
        struct ch_worker *w = &ch.w[i];
        w->id = (int)i;
        w->rng = seed * (2 * i + 1) | 1;
        ksnprintf(w->dir, sizeof(w->dir), "%s/w%u", dir, i);
        /* A directory left from an earlier run would hold names that are
         * not in this manifest: refuse rather than call them stray. */
        r = vfs_mkdir(w->dir, 0755);
        if (r == 0 && !(w->buf = kmalloc(CH_BUF)))
            r = -ENOMEM;
        if (r == 0) {
            ksnprintf(name, sizeof(name), "churn-%u", i);
            r = thread_create(&a, worker_main, w, &w->thread);
        }
        if (r < 0) {
            shell_error(argv0, "%s: %s", w->dir, shell_strerror(r));
            ch.stop = true;
            kfree(w->buf);
            w->buf = NULL;
            break;
        }
        ch.nthreads++;
    }
    if (ch.stop) {
        finish(argv0);
        return SHELL_FAIL;
    }
    shell_printf("churn: %u threads in %s for %u s\n", threads, dir, secs);
    return 0;
}

static int cmd_churn(int argc, char **argv)
{
    unsigned threads = 8, secs = 60;
    bool bg = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-b") == 0)
            bg = true;
        else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc && !parse_uint(argv[i + 1], CH_MAX_THREADS, &threads) &&
                 threads > 0)
            i++;
        else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc && !parse_uint(argv[i + 1], 7 * 24 * 3600, &secs))
            i++;
        else
            return shell_usage(argv[0]);
    }
    kmutex_lock(&ch.lock);
    int r = 0;
    if (i == argc && argc == 1) {
        if (ch.running)
            print_counters("");
        else
            shell_printf("churn: not running\n");
    } else if (i + 1 == argc && i == 1 && (strcmp(argv[1], "wait") == 0 || strcmp(argv[1], "stop") == 0)) {
        if (!ch.running) {
            r = shell_error(argv[0], "not running");
        } else {
            if (argv[1][0] == 's')
                ch.stop = true;
            while (!ch.stop && clock_gettime_ns() < ch.deadline_ns && !shell_interrupted())
                shell_sleep(NSEC_PER_SEC / 4);
            ch.stop = true;
            r = finish(argv[0]);
        }
    } else if (i + 1 == argc) {
        if (ch.running) {
            r = shell_error(argv[0], "already running (churn stop first)");
        } else if ((r = start(argv[0], argv[i], threads, secs)) == 0) {
            ch.running = true;
            if (!bg) {
                while (clock_gettime_ns() < ch.deadline_ns && !shell_interrupted())
                    shell_sleep(NSEC_PER_SEC / 4);
                ch.stop = true;
                r = finish(argv[0]);
            }
        }
    } else {
        r = shell_usage(argv[0]);
    }
    kmutex_unlock(&ch.lock);
    return r;
}
SHELL_CMD(churn, cmd_churn, "churn [-b] [-t threads] [-s seconds] <dir> | churn [wait|stop]",
          "threads churning files (create/write/append/rename/delete/fsync/read) then verified against a manifest");
