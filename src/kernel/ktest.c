/* The in-kernel test runner: KTAP version 1 on the console.  Each case runs
 * in a joinable thread of its own (64 KiB stack), so a fatal assertion just
 * ends that thread. */
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>

extern const struct ktest_suite __start_ktest_suites[], __stop_ktest_suites[];
extern const struct kbench __start_kbench[], __stop_kbench[];

struct ktest {
    const struct ktest_case *c;
    int failures;
    int checks;
    bool skipped;
    char skip_reason[96];
};

void ktest_pass(struct ktest *t) { t->checks++; }
bool ktest_failed(const struct ktest *t) { return t->failures > 0; }

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
    t->checks++;
    t->failures++;
    kprintf("        # %s:%d: ", file, line);
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
    kprintf("\n");
}

void ktest_abort(struct ktest *t)
{
    kprintf("        # aborting %s after a failed assertion\n", t->c->name);
    thread_exit(NULL);
}

void ktest_skip(struct ktest *t, const char *reason)
{
    t->skipped = true;
    strlcpy(t->skip_reason, reason, sizeof(t->skip_reason));
}

void ktest_log(struct ktest *t, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    kprintf("        # %s\n", buf);
}

static void *case_thread(void *arg)
{
    struct ktest *t = arg;
    t->c->fn(t);
    return NULL;
}

static bool wanted(const char *spec, const char *name)
{
    if (strcmp(spec, "all") == 0)
        return true;
    size_t n = strlen(name);
    for (const char *p = spec; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return true;
        p += len + (e ? 1 : 0);
    }
    return false;
}

static const struct ktest_suite *find_suite(const char *name, size_t len)
{
    for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
        if (strlen(s->name) == len && strncmp(s->name, name, len) == 0)
            return s;
    return NULL;
}

/* Returns 1 if the case failed. */
static int run_case(const struct ktest_case *c, int num)
{
    struct ktest t = { .c = c };
    struct thread_attr a = { .name = c->name, .prio = PRIO_NORMAL, .stack_size = 64 * 1024,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *th;
    uint64_t t0 = clock_gettime_ns();
    int err = thread_create(&a, case_thread, &t, &th);
    if (err) {
        kprintf("        # cannot start the test thread: %d\n", err);
        t.failures++;
    } else {
        thread_join(th, NULL);
    }
    uint64_t ms = (clock_gettime_ns() - t0) / NSEC_PER_MSEC;
    if (t.skipped && t.failures == 0) {
        kprintf("    ok %d %s # SKIP %s\n", num, c->name, t.skip_reason);
        return 0;
    }
    if (t.failures == 0 && t.checks == 0) {
        kprintf("        # the case checked nothing (no assertions)\n");
        t.failures++;
    }
    kprintf("    %s %d %s # time=%llums checks=%d\n", t.failures ? "not ok" : "ok", num, c->name,
            (unsigned long long)ms, t.checks);
    return t.failures ? 1 : 0;
}

int ktest_run(const char *spec)
{
    /* Suites in the order asked (all: link order); unknown names fail. */
    const struct ktest_suite *list[128];
    const char *unknown[16];
    size_t nlist = 0, nunknown = 0;
    if (strcmp(spec, "all") == 0) {
        for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites && nlist < 128; s++)
            list[nlist++] = s;
    } else {
        for (const char *p = spec; *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            const struct ktest_suite *s = find_suite(p, len);
            if (s && nlist < 128)
                list[nlist++] = s;
            else if (!s && len && nunknown < 16)
                unknown[nunknown++] = p;
            p += len + (e ? 1 : 0);
        }
    }
    (void)wanted;
    int total_fail = 0, num = 0;
    kprintf("KTAP version 1\n1..%u\n", (unsigned)(nlist + nunknown));
    for (size_t i = 0; i < nlist; i++) {
        const struct ktest_suite *s = list[i];
        int fails = 0;
        kprintf("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", s->name, (unsigned)s->ncases);
        for (size_t j = 0; j < s->ncases; j++)
            fails += run_case(&s->cases[j], (int)j + 1);
        kprintf("%s %d %s\n", fails ? "not ok" : "ok", ++num, s->name);
        total_fail += fails;
    }
    for (size_t i = 0; i < nunknown; i++) {
        const char *e = strchr(unknown[i], ',');
        int len = e ? (int)(e - unknown[i]) : (int)strlen(unknown[i]);
        kprintf("# no test suite named \"%.*s\"\nnot ok %d %.*s\n", len, unknown[i], ++num, len, unknown[i]);
        total_fail++;
    }
    return total_fail;
}

void kbench_sort64(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j] < v[j - 1]; j--) {
            uint64_t x = v[j];
            v[j] = v[j - 1];
            v[j - 1] = x;
        }
}

void kbench_result(const char *bench, const char *metric, uint64_t cycles, uint64_t ns, const char *note)
{
    kprintf("BENCH {\"bench\":\"%s\",\"metric\":\"%s\",\"cycles\":%llu,\"ns\":%llu,\"note\":\"%s\"}\n", bench,
            metric, (unsigned long long)cycles, (unsigned long long)ns, note ? note : "");
}

int kbench_run(const char *spec)
{
    int n = 0;
    for (const struct kbench *b = __start_kbench; b < __stop_kbench; b++) {
        if (!wanted(spec, b->name))
            continue;
        kprintf("# bench %s\n", b->name);
        b->fn();
        n++;
    }
    kprintf("# bench done: %d benchmarks\n", n);
    return n;
}
