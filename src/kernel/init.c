/* Late start-up and the interactive loop.  Later layers (devices, storage,
 * rump, the shell) hook in here. */
#include <adros/clock.h>
#include <adros/console.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/power.h>
#include <adros/errno.h>
#include <adros/string.h>
#include "boot.h"

extern const struct initcall __start_initcalls[], __stop_initcalls[];

void run_initcalls(void)
{
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

void crash_stack_overflow(void) { overflow_sink = recurse(0); }

/* A minimal line-oriented prompt until the shell exists. */
void kernel_main_loop(void)
{
    char line[128];
    for (;;) {
        kprintf("adros> ");
        size_t n = 0;
        for (;;) {
            int c = console_getc(0);
            if (c < 0)
                continue;
            if (c == '\r' || c == '\n') {
                kprintf("\n");
                break;
            }
            if ((c == 8 || c == 127) && n > 0) {
                n--;
                kprintf("\b \b");
                continue;
            }
            if (c >= 32 && c < 127 && n < sizeof(line) - 1) {
                line[n++] = (char)c;
                kprintf("%c", c);
            }
        }
        line[n] = '\0';
        if (strcmp(line, "poweroff") == 0)
            machine_poweroff(POWEROFF_OK);
        else if (n)
            kprintf("unknown command: %s\n", line);
    }
}
