/* logtest: kernel log lines from another thread, on demand, so that tests
 * can check that asynchronous log lines never land inside a command's
 * output or the line being typed (src/kernel/klog.c, the shell's hold).
 *
 *   logtest <count> <interval-ms> <text>
 *
 * returns at once; a detached thread then logs "<text> <i>/<count>" every
 * interval, as a driver or DHCP would.
 *
 *   logtest wait
 *
 * returns when every such thread has logged its last line (Ctrl-C stops
 * the wait): a script's end waits for the event, not for a guessed time. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/mm.h>
#include <adros/kprintf.h>
#include <adros/sched.h>
#include <adros/shell.h>
#include <adros/string.h>

static int running; /* logging threads; interrupts off */
static struct waitq all_done = WAITQ_INIT(all_done);

struct logtest {
    uint64_t count, interval_ns;
    char text[64];
};

static void *logtest_main(void *arg)
{
    struct logtest *l = arg;
    for (uint64_t i = 1; i <= l->count; i++) {
        kprintf("%s %llu/%llu\n", l->text, (unsigned long long)i, (unsigned long long)l->count);
        process_sleep_until(clock_gettime_ns() + l->interval_ns);
    }
    kfree(l);
    irqflags_t f = irq_save();
    if (--running == 0)
        waitq_wake_all(&all_done);
    irq_restore(f);
    return NULL;
}

static int logtest_wait(void)
{
    int r = 0;
    irqflags_t f = irq_save();
    while (running > 0 && r == 0)
        r = waitq_wait(&all_done, 0, true);
    irq_restore(f);
    return r == -EINTR ? SHELL_INTERRUPTED : 0;
}

static int cmd_logtest(int argc, char **argv)
{
    uint64_t count, ms;
    if (argc == 2 && strcmp(argv[1], "wait") == 0)
        return logtest_wait();
    if (argc != 4 || !shell_parse_u64(argv[1], &count) || !shell_parse_u64(argv[2], &ms) || count == 0 ||
        count > 10000 || ms > 60000)
        return shell_usage(argv[0]);
    struct logtest *l = kmalloc(sizeof(*l));
    if (!l)
        return shell_error(argv[0], "out of memory");
    l->count = count;
    l->interval_ns = ms * NSEC_PER_MSEC;
    strlcpy(l->text, argv[3], sizeof(l->text));
    struct thread_attr a = { .name = "logtest", .prio = PRIO_NORMAL, .stack_size = THREAD_STACK_DEFAULT,
                             .flags = 0 };
    irqflags_t f = irq_save();
    int r = thread_create(&a, logtest_main, l, NULL);
    if (r == 0)
        running++;
    irq_restore(f);
    if (r < 0) {
        kfree(l);
        return shell_error(argv[0], "cannot start its thread: %s", shell_strerror(r));
    }
    return 0;
}
SHELL_CMD(logtest, cmd_logtest, "logtest <count> <interval-ms> <text> | logtest wait",
          "(tests) log <count> lines from another thread, one every <interval-ms>; wait: until all are logged");
