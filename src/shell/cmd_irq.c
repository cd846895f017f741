/* The shell's lsirq: interrupt lines, their handlers and counters. */
#include <adros/irq.h>
#include <adros/shell.h>
#include <adros/string.h>

static int cmd_lsirq(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    shell_printf("%-4s %10s %10s %9s  %s\n", "IRQ", "count", "unhandled", "spurious", "handlers");
    for (unsigned l = 0; l < IRQ_LINES; l++) {
        struct irq_stats st;
        char names[96];
        irq_get_stats(l, &st);
        int n = irq_handler_names(l, names, sizeof(names));
        if (n <= 0 && !st.count && !st.spurious)
            continue;
        shell_printf("%-4u %10llu %10llu %9llu  %s\n", l, (unsigned long long)st.count,
                     (unsigned long long)st.unhandled, (unsigned long long)st.spurious, names);
    }
    return SHELL_OK;
}
SHELL_CMD(lsirq, cmd_lsirq, "lsirq", "interrupt lines: counts, unclaimed and spurious interrupts, handlers");
