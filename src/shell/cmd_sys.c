/* Shell commands about the system itself: ps, free, uptime, date, dmesg,
 * cmdline, echo, sleep, ktest, bench, reboot, poweroff. */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/power.h>
#include <adros/sched.h>
#include <adros/shell.h>
#include <adros/string.h>
#include "shell_internal.h"

extern const struct koption __start_koptions[], __stop_koptions[];
extern const struct ktest_suite __start_ktest_suites[], __stop_ktest_suites[];
extern const struct kbench __start_kbench[], __stop_kbench[];

/* --- ps --- */
struct ps_row {
    int tid, prio, state;
    char name[THREAD_NAME_MAX];
    uint64_t runtime_ns, switches, ready_wait_ns;
};
struct ps_snap {
    struct ps_row *rows;
    int n, max;
};

/* Runs with interrupts off: copy, nothing more. */
static void ps_collect(const struct thread *t, void *ctx)
{
    struct ps_snap *s = ctx;
    if (s->n >= s->max || t->state == T_DEAD) /* exited, not yet reaped: gone for a person */
        return;
    struct ps_row *r = &s->rows[s->n++];
    r->tid = t->tid;
    r->prio = t->prio;
    r->state = t->state;
    strlcpy(r->name, t->name, sizeof(r->name));
    r->runtime_ns = t->runtime_ns;
    r->switches = t->switches;
    r->ready_wait_ns = t->ready_wait_ns;
}

static int cmd_ps(int argc, char **argv)
{
    static const char *const states[] = { "ready", "run", "blocked", "sleep", "dead" };
    if (argc == 2 && strcmp(argv[1], "-k") == 0) {
        thread_dump();
        return 0;
    }
    if (argc != 1)
        return shell_usage(argv[0]);
    struct ps_snap s = { NULL, 0, thread_count() + 16 };
    s.rows = kcalloc((size_t)s.max, sizeof(*s.rows));
    if (!s.rows)
        return shell_error(argv[0], "out of memory");
    thread_foreach(ps_collect, &s);
    shell_printf("  TID PRI STATE      CPU-ms    WAIT-ms   SWITCHES NAME\n");
    for (int i = 0; i < s.n; i++) {
        const struct ps_row *r = &s.rows[i];
        const char *st = r->state >= 0 && r->state < (int)ARRAY_SIZE(states) ? states[r->state] : "?";
        shell_printf("%5d %3d %-7s %9llu %10llu %10llu %s\n", r->tid, r->prio, st,
                     (unsigned long long)(r->runtime_ns / NSEC_PER_MSEC),
                     (unsigned long long)(r->ready_wait_ns / NSEC_PER_MSEC), (unsigned long long)r->switches,
                     r->name);
    }
    shell_printf("%d threads, %llu context switches\n", s.n, (unsigned long long)sched_context_switches());
    kfree(s.rows);
    return 0;
}
SHELL_CMD_FLAGS(ps, cmd_ps, "ps [-k]", "list threads: id, priority, state, CPU time, time waiting for the CPU, switches; -k where each waits (also Ctrl-T)", SHELL_CMD_RESERVE);

/* --- free --- */
static int cmd_free(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    struct pmm_stats p;
    struct kmalloc_stats k;
    pmm_get_stats(&p);
    kmalloc_get_stats(&k);
    uint32_t kib = PAGE_SIZE / 1024;
    shell_printf("pages:  total %u KiB, used %u KiB, free %u KiB (%u pages of %u free)\n",
                 p.total_pages * kib, (p.total_pages - p.free_pages) * kib, p.free_pages * kib, p.free_pages,
                 p.total_pages);
    shell_printf("reserve: %u KiB for the shell, rm, sync, poweroff, DHCP renewal; %llu allocations refused to keep it\n",
                 p.reserve_pages * kib, (unsigned long long)p.reserve_refused);
    shell_printf("heap:   in use %zu bytes in %zu allocations, peak %zu bytes, %zu slab + %zu large pages\n",
                 k.bytes_in_use, k.allocations, k.peak_bytes, k.slab_pages, k.large_pages);
    shell_printf("counts: %llu page allocs, %llu frees, %llu failures; %llu kmallocs, %llu kfrees, %llu failures\n",
                 (unsigned long long)p.allocs, (unsigned long long)p.frees, (unsigned long long)p.failures,
                 (unsigned long long)k.total_allocs, (unsigned long long)k.total_frees,
                 (unsigned long long)k.failures);
    struct kmalloc_fail_site fs[KMALLOC_FAIL_SITES];
    uint64_t other;
    int n = kmalloc_get_fail_sites(fs, KMALLOC_FAIL_SITES, &other);
    for (int i = 0; i < n; i++) {
        uintptr_t off;
        const char *fn = ksym_lookup(fs[i].site - 1, &off);
        shell_printf("refused: %llu kmallocs from %s+0x%x\n", (unsigned long long)fs[i].count, fn ? fn : "?",
                     (unsigned)(off + 1));
    }
    if (other)
        shell_printf("refused: %llu kmallocs from other callers\n", (unsigned long long)other);
    return 0;
}
SHELL_CMD_FLAGS(free, cmd_free, "free", "memory: page frames and the kernel heap", SHELL_CMD_RESERVE);

/* --- uptime, date --- */
static int cmd_uptime(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    uint64_t ns = clock_gettime_ns();
    uint64_t s = ns / NSEC_PER_SEC;
    shell_printf("up %llu:%02u:%02u.%03u (%llu.%03u s), %d threads, %llu context switches\n",
                 (unsigned long long)(s / 3600), (unsigned)(s / 60 % 60), (unsigned)(s % 60),
                 (unsigned)(ns / NSEC_PER_MSEC % 1000), (unsigned long long)s, (unsigned)(ns / NSEC_PER_MSEC % 1000),
                 thread_count(), (unsigned long long)sched_context_switches());
    return 0;
}
SHELL_CMD(uptime, cmd_uptime, "uptime", "time since boot");

static int cmd_date(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    uint64_t ns = clock_wall_ns();
    struct rtc_time t;
    epoch_to_rtc(ns / NSEC_PER_SEC, &t);
    shell_printf("%04d-%02d-%02d %02d:%02d:%02d UTC (%llu)\n", t.year, t.month, t.day, t.hour, t.min, t.sec,
                 (unsigned long long)(ns / NSEC_PER_SEC));
    return 0;
}
SHELL_CMD(date, cmd_date, "date", "wall-clock time (from the RTC at boot)");

/* --- dmesg --- */
static int parse_level(const char *s)
{
    static const char *const names[] = { "emerg", "alert", "crit", "err", "warn", "notice", "info", "debug" };
    if (s[0] >= '0' && s[0] <= '7' && !s[1])
        return s[0] - '0';
    for (int i = 0; i < 8; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static int cmd_dmesg(int argc, char **argv)
{
    int level = LOG_DEBUG;
    uint64_t tail = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
            level = parse_level(argv[++i]);
            if (level < 0)
                return shell_error(argv[0], "bad level \"%s\" (0..7 or err, warn, info, ...)", argv[i]);
        } else if (!shell_parse_u64(argv[i], &tail) || tail == 0) {
            return shell_usage(argv[0]);
        }
    }
    size_t size = klog_size() + 4096; /* room for lines logged meanwhile */
    char *buf = kmalloc(size);
    if (!buf)
        return shell_error(argv[0], "out of memory");
    size_t len = MIN(klog_read(buf, size, level), size - 1);
    const char *p = buf, *end = buf + len;
    if (tail) {
        /* Start after the (tail+1)-th newline from the end. */
        uint64_t nl = 0;
        for (const char *q = end; q > buf; q--)
            if (q[-1] == '\n' && q != end && ++nl == tail) {
                p = q;
                break;
            }
    }
    int r = 0;
    while (p < end) {
        if (shell_interrupted()) {
            r = SHELL_INTERRUPTED;
            break;
        }
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        shell_write(p, n);
        p += n;
    }
    kfree(buf);
    return r;
}
SHELL_CMD(dmesg, cmd_dmesg, "dmesg [-l <level>] [<last N lines>]", "the kernel log ([sec.usec] level text)");

/* --- cmdline --- */
static int cmd_cmdline(int argc, char **argv)
{
    if (argc == 1) {
        shell_printf("%s\n", cmdline_raw());
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "-o") == 0) {
        for (const struct koption *o = __start_koptions; o < __stop_koptions; o++) {
            const char *v = NULL;
            size_t n = strlen(o->name);
            if (n && o->name[n - 1] != '.')
                v = cmdline_get(o->name);
            shell_printf("  %-12s %s%s%s%s\n", o->name, o->help, v ? " [set: \"" : "", v ? v : "", v ? "\"]" : "");
        }
        return 0;
    }
    return shell_usage(argv[0]);
}
SHELL_CMD(cmdline, cmd_cmdline, "cmdline [-o]", "the kernel command line; -o lists every option the kernel knows");

/* --- echo, sleep --- */
static int cmd_echo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        shell_printf("%s%s", i > 1 ? " " : "", argv[i]);
    shell_printf("\n");
    return 0;
}
SHELL_CMD(echo, cmd_echo, "echo [text...]", "print the arguments");

static int cmd_sleep(int argc, char **argv)
{
    uint64_t ns;
    if (argc != 2)
        return shell_usage(argv[0]);
    if (!shell_parse_seconds(argv[1], &ns))
        return shell_error(argv[0], "bad duration \"%s\" (seconds, e.g. 2 or 0.5)", argv[1]);
    return shell_sleep(ns);
}
SHELL_CMD(sleep, cmd_sleep, "sleep <seconds>", "wait (Ctrl-C interrupts)");

/* --- ktest, bench --- */
static int cmd_ktest(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    if (strcmp(argv[1], "-l") == 0) {
        for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
            shell_printf("  %-16s %u cases\n", s->name, (unsigned)s->ncases);
        return 0;
    }
    int fails = ktest_run(argv[1]);
    shell_printf("ktest: %s (%d failed)\n", fails ? "FAILED" : "all passed", fails);
    return fails ? SHELL_FAIL : 0;
}
SHELL_CMD(ktest, cmd_ktest, "ktest all|<suite>[,<suite>...]|-l",
          "run in-kernel test suites (KTAP output); -l lists them");

static int cmd_bench(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    if (strcmp(argv[1], "-l") == 0) {
        for (const struct kbench *b = __start_kbench; b < __stop_kbench; b++)
            shell_printf("  %s\n", b->name);
        if ((uintptr_t)__start_kbench == (uintptr_t)__stop_kbench)
            shell_printf("no benchmarks in this kernel\n");
        return 0;
    }
    /* Check every name first: kbench_run skips unknown ones silently. */
    if (strcmp(argv[1], "all") != 0) {
        for (const char *p = argv[1]; *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            const struct kbench *b = __start_kbench;
            while (b < __stop_kbench && !(strlen(b->name) == len && strncmp(b->name, p, len) == 0))
                b++;
            if (b == __stop_kbench)
                return shell_error(argv[0], "no benchmark named \"%.*s\" (bench -l lists them)", (int)len, p);
            p += len + (e ? 1 : 0);
        }
    }
    kbench_run(argv[1]);
    return 0;
}
SHELL_CMD(bench, cmd_bench, "bench all|<name>[,<name>...]|-l", "run benchmarks (BENCH json lines); -l lists them");

/* --- reboot, poweroff --- */
static int cmd_reboot(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    shell_printf("rebooting\n");
    machine_reboot();
}
SHELL_CMD_FLAGS(reboot, cmd_reboot, "reboot", "restart the machine (disks are synced first)", SHELL_CMD_RESERVE);

static int cmd_poweroff(int argc, char **argv)
{
    uint64_t status = POWEROFF_OK;
    if (argc > 2 || (argc == 2 && (!shell_parse_u64(argv[1], &status) || status > 1)))
        return shell_usage(argv[0]);
    shell_printf("powering off\n");
    machine_poweroff((int)status);
}
SHELL_CMD_FLAGS(poweroff, cmd_poweroff, "poweroff [0|1]",
          "sync disks and power off (QEMU exits; 1 reports failure to a test runner)", SHELL_CMD_RESERVE);
