/* The sampling profiler (include/adros/prof.h).  Samples go into a static
 * buffer from interrupt context; the report sorts them by function with
 * the kernel's symbol table (ksym_lookup), in thread context, after
 * prof_stop.  One CPU: the buffer's fields are written by the interrupt
 * only while `running`, and read only after it is cleared. */
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/prof.h>
#include <adros/string.h>

KOPTION(prof, "prof", "prof=<Hz>: sampling profiler rate for benchmarks that profile (tests/kernel/rump_bench.c)");

static struct {
    uint32_t pc, caller;
} samples[PROF_MAX_SAMPLES];
static volatile unsigned nsamples, dropped;
static volatile bool running;
static unsigned rate;

unsigned prof_option_hz(void)
{
    long hz = cmdline_get_int("prof", 0);
    return hz > 0 ? (unsigned)hz : 0;
}

void prof_sample(uintptr_t pc, uintptr_t caller)
{
    if (!running)
        return;
    if (nsamples >= PROF_MAX_SAMPLES) {
        dropped++;
        return;
    }
    samples[nsamples].pc = (uint32_t)pc;
    samples[nsamples].caller = (uint32_t)caller;
    nsamples++;
}

int prof_start(unsigned hz)
{
    if (running)
        return -EBUSY;
    nsamples = dropped = 0;
    running = true;
    rate = arch_prof_timer_start(hz);
    if (!rate) {
        running = false;
        return hz < 2 || hz > 8192 ? -EINVAL : -ENODEV;
    }
    return 0;
}

unsigned prof_stop(void)
{
    if (running)
        arch_prof_timer_stop();
    running = false;
    return nsamples;
}

unsigned prof_samples(void) { return nsamples; }

bool prof_sees_irqs_off(void) { return running && arch_prof_timer_nmi(); }

unsigned prof_samples_in(const char *name)
{
    unsigned n = 0;
    for (unsigned i = 0; i < nsamples; i++) {
        const char *s = ksym_lookup(samples[i].pc, NULL);
        n += s && strcmp(s, name) == 0;
    }
    return n;
}

/* Counting by name: the names are pointers into the symbol table, one per
 * function, so a pointer identifies a function. */
#define SLOTS 2048
struct slot {
    const char *name, *caller; /* caller NULL: a self count */
    unsigned n;
};
static struct slot table[SLOTS];

static void count(const char *name, const char *caller)
{
    uint32_t h = ((uint32_t)(uintptr_t)name * 2654435761u) ^ ((uint32_t)(uintptr_t)caller * 40503u);
    for (unsigned i = 0; i < SLOTS; i++) {
        struct slot *s = &table[(h + i) % SLOTS];
        if (!s->name) {
            s->name = name;
            s->caller = caller;
        }
        if (s->name == name && s->caller == caller) {
            s->n++;
            return;
        }
    }
}

/* Functions that many callers use: their time is also shown per caller. */
static bool shared_helper(const char *name)
{
    static const char *const helpers[] = { "memcpy", "memmove", "memset", "kmalloc", "kfree", "kmutex_lock",
                                           "kmutex_unlock", "kmutex_trylock", "irq_save", "irq_restore",
                                           "waitq_wake_one", "waitq_wake_all", "schedule" };
    for (size_t i = 0; i < ARRAY_SIZE(helpers); i++)
        if (strcmp(name, helpers[i]) == 0)
            return true;
    return false;
}

/* The address where most of name's samples fell (a hot loop, or the
 * instruction after the one that re-enabled interrupts: an interrupt that
 * arrives while they are off is taken there, so time with interrupts off
 * shows up at the point that turns them back on). */
static uint32_t hottest_pc(const char *name, unsigned *hits)
{
    static struct {
        uint32_t pc;
        unsigned n;
    } pcs[64];
    unsigned used = 0;
    for (unsigned i = 0; i < nsamples; i++) {
        if (ksym_lookup(samples[i].pc, NULL) != name)
            continue;
        unsigned j = 0;
        while (j < used && pcs[j].pc != samples[i].pc)
            j++;
        if (j == used && used < ARRAY_SIZE(pcs))
            pcs[used++] = (typeof(pcs[0])) { samples[i].pc, 0 };
        if (j < used)
            pcs[j].n++;
    }
    unsigned best = 0;
    for (unsigned j = 1; j < used; j++)
        if (pcs[j].n > pcs[best].n)
            best = j;
    *hits = used ? pcs[best].n : 0;
    return used ? pcs[best].pc : 0;
}

static void print_top(const char *label, const char *what, bool pairs, int top, unsigned total)
{
    for (int k = 0; k < top; k++) {
        struct slot *best = NULL;
        for (unsigned i = 0; i < SLOTS; i++) {
            struct slot *s = &table[i];
            if (s->name && s->n && (s->caller != NULL) == pairs && (!best || s->n > best->n))
                best = s;
        }
        if (!best)
            break;
        unsigned pm = best->n * 1000u / total;
        if (pairs) {
            kprintf("# prof %s: %s %5u %3u.%u%% %s <- %s\n", label, what, best->n, pm / 10, pm % 10, best->name,
                    best->caller);
        } else {
            unsigned hits = 0;
            uint32_t pc = k < 10 ? hottest_pc(best->name, &hits) : 0;
            if (pc)
                kprintf("# prof %s: %s %5u %3u.%u%% %s (%u at 0x%x)\n", label, what, best->n, pm / 10, pm % 10,
                        best->name, hits, pc);
            else
                kprintf("# prof %s: %s %5u %3u.%u%% %s\n", label, what, best->n, pm / 10, pm % 10, best->name);
        }
        best->n = 0; /* printed */
    }
}

void prof_report(const char *label, int top)
{
    unsigned n = nsamples;
    kprintf("# prof %s: %u samples at %u Hz, %u dropped\n", label, n, rate, dropped);
    if (!n)
        return;
    memset(table, 0, sizeof(table));
    for (unsigned i = 0; i < n; i++) {
        const char *name = ksym_lookup(samples[i].pc, NULL);
        if (!name)
            name = "(outside the kernel's text)";
        count(name, NULL);
        if (shared_helper(name)) {
            const char *caller = ksym_lookup(samples[i].caller, NULL);
            count(name, caller ? caller : "?");
        }
    }
    print_top(label, "self", false, top, n);
    print_top(label, "from", true, top < 20 ? top : 20, n);
}
