/* Late start-up and the interactive loop.  Later layers (devices, storage,
 * rump) hook in here; the shell is the boot thread's last act (KERNEL_MAIN). */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/console.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/power.h>
#include <adros/sched.h>
#include <adros/errno.h>
#include <adros/string.h>
#include "boot.h"

extern const struct initcall __start_initcalls[], __stop_initcalls[];

KOPTION(initcalls, "initcalls", "initcalls=off: start no devices or subsystems (core test boots)");

void run_initcalls(void)
{
    if (!cmdline_get_bool("initcalls", true)) {
        kprintf("init: initcalls=off: no devices or subsystems started\n");
        return;
    }
    for (const struct initcall *c = __start_initcalls; c < __stop_initcalls; c++) {
        uint64_t t0 = clock_gettime_ns();
        int r = c->fn();
        uint64_t us = (clock_gettime_ns() - t0) / 1000;
        if (r < 0)
            kprintf(KERN_ERR "init: %s failed (%s); continuing without it\n", c->name, strerror(r));
        else
            kprintf(KERN_DEBUG "init: %s done in %llu us\n", c->name, (unsigned long long)us);
    }
}

void kernel_late_init(void) { run_initcalls(); }

static volatile int overflow_sink;
static volatile int overflow_limit = 1 << 30;
static int recurse(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    overflow_sink += pad[0];
    if (n >= overflow_limit) /* never true: keeps the compiler from objecting */
        return 0;
    return recurse(n + 1) + pad[0];
}

static void *overflow_thread(void *arg)
{
    overflow_sink = recurse(0);
    return NULL;
}

/* In a thread of its own: that stack has a guard page below it. */
void crash_stack_overflow(void)
{
    struct thread_attr a = { .name = "overflow", .prio = PRIO_NORMAL, .stack_size = 16384,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *t;
    if (thread_create(&a, overflow_thread, NULL, &t) == 0)
        thread_join(t, NULL);
}

extern const struct kernel_main __start_kernel_main[], __stop_kernel_main[];

/* The shell (KERNEL_MAIN in src/shell/): script mode (run=, init=) or the
 * interactive prompt. */
void kernel_main_loop(void)
{
    const struct kernel_main *m = __start_kernel_main;
    if (m < __stop_kernel_main)
        m->fn();
    kprintf(KERN_ERR "init: nothing to run after boot (no shell linked); idling\n");
    for (;;)
        process_sleep(3600 * NSEC_PER_SEC);
}
