/* librumpuser_adros, core group: rumpuser_init (version check, upcalls
 * stored), console output, errno of rump system calls, termination, signals,
 * the host random pool, the dynamic-loader bootstrap and daemonising.
 *
 * The other groups live in rumpuser_mem.c, _param.c, _thread.c, _sync.c,
 * _clock.c, _file.c, _bio.c and _pci.c; rumpuser_int.h holds the context
 * wrapper they share. */

#include "rumpuser_int.h"

struct rumpuser_hyperup rumpuser__hyp;
uint32_t rumpuser__counts[RUMPUSER_ADROS_NCOUNTS];

/* The names are those tools/bench/rumphost.c prints for the POSIX host. */
static const char *const count_names[RUMPUSER_ADROS_NCOUNTS] = {
    "bio", "bio_inline", "bio_sectors", "malloc", "free", "mutex_enter", "mutex_blocked", "mutex_tryenter",
    "cv_wait", "cv_timedwait", "cv_signal", "cv_broadcast", "clock_gettime", "clock_sleep",
};

void rumpuser_adros_hypercall_counts(uint32_t *out)
{
    for (int i = 0; i < RUMPUSER_ADROS_NCOUNTS; i++)
        out[i] = __atomic_load_n(&rumpuser__counts[i], __ATOMIC_RELAXED);
}

const char *rumpuser_adros_count_name(int i)
{
    return i >= 0 && i < RUMPUSER_ADROS_NCOUNTS ? count_names[i] : "?";
}
int rumpuser__verbose;
static bool rumpuser_inited;
static volatile int rumpuser_exit_value = -2; /* -2: still running */

/* Returns 0, or EINVAL for a version other than 17 (the manual: "a
 * non-zero value") or no upcalls.  May be called again by a new rump
 * kernel instance (the conformance suite does); the upcalls are replaced. */
int rumpuser_init(int version, const struct rumpuser_hyperup *hyp)
{
    if (version != RUMPUSER_VERSION) {
        kprintf(KERN_ERR "rumpuser: rump kernel wants hypercall version %d, AdrOS provides %d\n", version,
                RUMPUSER_VERSION);
        return EINVAL;
    }
    if (!hyp || !hyp->hyp_backend_schedule || !hyp->hyp_backend_unschedule) {
        kprintf(KERN_ERR "rumpuser: rumpuser_init without the scheduling upcalls\n");
        return EINVAL;
    }
    /* The whole structure, spare slots included. */
    memcpy(&rumpuser__hyp, hyp, sizeof(rumpuser__hyp));
    rumpuser__mem_init();
    const char *v = rumpuser__param("RUMP_VERBOSE");
    rumpuser__verbose = v && *v && *v != '0';
    rumpuser_inited = true;
    rumpuser_exit_value = -2;
    if (rumpuser__verbose)
        kprintf("rumpuser: hypercall interface version %d initialised\n", version);
    return 0;
}

/* For the integration code and tests: the upcalls in use, NULL before
 * rumpuser_init; whether the rump kernel has called rumpuser_exit. */
const struct rumpuser_hyperup *rumpuser_adros_hyperup(void) { return rumpuser_inited ? &rumpuser__hyp : NULL; }
int rumpuser_adros_exit_value(void) { return rumpuser_exit_value; }

/* ---- console ---- */

void rumpuser_putchar(int ch)
{
    char c = (char)ch;
    kprintf("%c", c);
}

void rumpuser_dprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

/* ---- errno of rump system calls: one per AdrOS thread ---- */

static __thread int rumpuser_errno;

void rumpuser_seterrno(int error) { rumpuser_errno = error; }
int rumpuser_adros_errno(void) { return rumpuser_errno; }

/* ---- termination and signals ---- */

/* RUMPUSER_PANIC: the rump kernel hit a fatal error; AdrOS's panic report
 * (registers, backtrace through the rump kernel's frames) is our "core
 * dump".  With a panic handler installed (the integration does), the
 * report is printed and the handler stops the rump kernel while AdrOS goes
 * on; without one, AdrOS panics.  Any other value: the rump kernel has
 * halted (rump_sys_reboot).  AdrOS itself keeps running: the rump kernel is
 * recorded as stopped, the calling thread gives up its rump CPU and ends. */
static rumpuser_adros_panic_fn panic_handler;

void rumpuser_adros_set_panic_handler(rumpuser_adros_panic_fn fn) { panic_handler = fn; }

void rumpuser_exit(int value)
{
    if (value == RUMPUSER_PANIC) {
        if (!panic_handler)
            panic("rump kernel panic (rumpuser_exit(RUMPUSER_PANIC))");
        kprintf(KERN_ERR "\n*** RUMP KERNEL PANIC (thread %s) ***\n", thread_name(thread_current()));
        backtrace();
        panic_handler();
        panic("rump kernel panic: the panic handler returned");
    }
    kprintf(KERN_NOTICE "rumpuser: rump kernel halted, exit value %d\n", value);
    rumpuser_exit_value = value;
    int nlocks;
    rumpuser__unsched(&nlocks, NULL);
    thread_exit(NULL);
}

/* Advisory (the rump kernel ignores the result): AdrOS has no processes to
 * signal in the rump kernel's name, so the request is logged. */
int rumpuser_kill(int64_t pid, int sig)
{
    kprintf(KERN_NOTICE "rumpuser: rump kernel raises signal %d for %s%lld (no signal delivery on AdrOS)\n", sig,
            pid == RUMPUSER_PID_SELF ? "self " : "pid ", (long long)pid);
    return 0;
}

/* ---- randomness ---- */

/* HARD: only from a fully seeded generator (may wait for seeding);
 * NOWAIT: never wait, EAGAIN if that would be needed.  Waiting gives up
 * the rump CPU. */
int rumpuser_getrandom(void *buf, size_t buflen, int flags, size_t *retp)
{
    unsigned gflags = 0;
    if (flags & RUMPUSER_RANDOM_HARD)
        gflags |= GRND_HARD;
    if (flags & RUMPUSER_RANDOM_NOWAIT)
        gflags |= GRND_NONBLOCK;
    if (flags & ~(RUMPUSER_RANDOM_HARD | RUMPUSER_RANDOM_NOWAIT))
        return EINVAL;
    ssize_t r;
    if ((flags & RUMPUSER_RANDOM_HARD) && !(flags & RUMPUSER_RANDOM_NOWAIT) && !entropy_seeded())
        RUMPUSER_BLOCKING(r = getrandom(buf, buflen, gflags));
    else
        r = getrandom(buf, buflen, gflags);
    if (r < 0) {
        *retp = 0;
        return rumpuser__err((int)r);
    }
    *retp = (size_t)r;
    return 0;
}

/* ---- dynamic loading, daemonising ---- */

/* AdrOS links the rump components statically into the kernel image:
 * there is no dynamic linker and no loaded object to walk.  Components
 * register themselves through their linker sets (link_set_modules,
 * link_set_rump_components), which the rump kernel reads on its own, so
 * this has nothing to hand to the callbacks, as NetBSD's librumpuser does
 * for a static binary. */
void rumpuser_dl_bootstrap(rump_modinit_fn domodinit, rump_symload_fn symload, rump_compload_fn compload)
{
    if (rumpuser__verbose)
        kprintf("rumpuser: static kernel image: components come from linker sets\n");
}

/* The rump kernel runs inside AdrOS: there is no process to detach from
 * a terminal, so both steps succeed at once. */
int rumpuser_daemonize_begin(void) { return 0; }

int rumpuser_daemonize_done(int error)
{
    if (error && rumpuser__verbose)
        kprintf("rumpuser: rump kernel bootstrap reported error %d\n", error);
    return 0;
}
