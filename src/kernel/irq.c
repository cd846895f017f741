/* IRQ lines with shared handler chains.
 *
 * Chain nodes come from a fixed pool (no allocation in interrupt context).
 * The chain of a line is walked with interrupts off; registration and removal
 * also run with interrupts off, so on one CPU a handler removed by
 * irq_unregister() can never be running afterwards. */
#include <adros/entropy.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/sched.h>
#include <arch/cpu.h>

struct irq_action {
    irq_handler_t fn;
    void *arg;
    const char *name;
    unsigned line;
    struct irq_action *next;
    bool used;
};

static struct irq_action pool[IRQ_CHAIN_POOL];
static struct irq_action *chains[IRQ_LINES];
static struct irq_stats stats[IRQ_LINES];
static uint64_t spurious_total;
static int nesting;

irqflags_t irq_save(void)
{
    irqflags_t f = read_eflags() & EFLAGS_IF;
    cpu_cli();
    return f;
}

void irq_restore(irqflags_t flags)
{
    if (flags & EFLAGS_IF) {
        cpu_sti();
        /* Turning interrupts back on is a preemption point: a wakeup made
         * while they were off (need_resched) is acted on now, as an
         * interrupt arriving right after sti would. */
        sched_preempt_check();
    }
}

bool irqs_enabled(void) { return (read_eflags() & EFLAGS_IF) != 0; }
void irq_enable(void) { cpu_sti(); }
bool in_interrupt(void) { return nesting > 0; }

struct irq_action *irq_register(unsigned line, irq_handler_t fn, void *arg, const char *name, int *err)
{
    if (line >= IRQ_LINES || !fn || line == 2) {
        if (err)
            *err = -EINVAL;
        return NULL;
    }
    irqflags_t f = irq_save();
    struct irq_action *a = NULL;
    for (int i = 0; i < IRQ_CHAIN_POOL; i++) {
        if (!pool[i].used) {
            a = &pool[i];
            break;
        }
    }
    if (!a) {
        irq_restore(f);
        if (err)
            *err = -ENOSPC;
        return NULL;
    }
    a->used = true;
    a->fn = fn;
    a->arg = arg;
    a->name = name;
    a->line = line;
    a->next = NULL;
    struct irq_action **pp = &chains[line];
    while (*pp)
        pp = &(*pp)->next;
    *pp = a;
    stats[line].handlers++;
    irqchip_unmask(line);
    irq_restore(f);
    return a;
}

void irq_unregister(struct irq_action *a)
{
    if (!a)
        return;
    irqflags_t f = irq_save();
    KASSERT(a->used);
    struct irq_action **pp = &chains[a->line];
    while (*pp && *pp != a)
        pp = &(*pp)->next;
    KASSERT(*pp == a);
    *pp = a->next;
    stats[a->line].handlers--;
    if (!chains[a->line])
        irqchip_mask(a->line);
    a->used = false;
    irq_restore(f);
}

void irq_get_stats(unsigned line, struct irq_stats *st)
{
    if (line >= IRQ_LINES) {
        *st = (struct irq_stats){ 0 };
        return;
    }
    irqflags_t f = irq_save();
    *st = stats[line];
    irq_restore(f);
}

uint64_t irq_total_spurious(void) { return spurious_total; }

int irq_handler_names(unsigned line, char *buf, size_t n)
{
    if (line >= IRQ_LINES || n == 0)
        return -EINVAL;
    size_t at = 0;
    int count = 0;
    buf[0] = '\0';
    irqflags_t f = irq_save();
    for (struct irq_action *a = chains[line]; a; a = a->next, count++)
        for (const char *p = count ? "," : "", *q = a->name; *p || *q;) {
            char c = *p ? *p++ : *q++;
            if (at + 1 < n)
                buf[at++] = c;
        }
    buf[at] = '\0';
    irq_restore(f);
    return count;
}

int irq_pool_free(void)
{
    int n = 0;
    irqflags_t f = irq_save();
    for (int i = 0; i < IRQ_CHAIN_POOL; i++)
        n += !pool[i].used;
    irq_restore(f);
    return n;
}

void irq_dispatch(unsigned line)
{
    if (irqchip_spurious(line)) {
        stats[line].spurious++;
        spurious_total++;
        return;
    }
    nesting++;
    stats[line].count++;
    bool handled = false;
    for (struct irq_action *a = chains[line]; a; a = a->next)
        handled |= a->fn(a->arg);
    if (!handled)
        stats[line].unhandled++;
    entropy_add_event(line);
    irqchip_eoi(line);
    nesting--;
    if (nesting == 0)
        sched_irq_exit();
}
