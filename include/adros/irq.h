/* Interrupt lines and interrupt-flag control.
 *
 * Several handlers may share one line: they form a chain, taken from a fixed
 * pool of IRQ_CHAIN_POOL nodes, and each is called in registration order.  A
 * handler returns true when its device raised the interrupt.  Handlers run
 * with interrupts disabled, on the interrupted thread's stack: they record
 * the event and wake a thread; real work happens in thread context.
 *
 * irq_save()/irq_restore() nest: each restore puts back exactly the state its
 * save found. */
#ifndef ADROS_IRQ_H
#define ADROS_IRQ_H

#include <adros/types.h>

#define IRQ_LINES 24        /* legacy 0-15, I/O APIC up to 23 */
#define IRQ_CHAIN_POOL 32

typedef bool (*irq_handler_t)(void *arg);
struct irq_action;

/* Adds a handler to the line's chain and unmasks the line.  Returns the
 * handle for irq_unregister, or NULL with *err set (-EINVAL bad line,
 * -ENOSPC pool exhausted). */
struct irq_action *irq_register(unsigned line, irq_handler_t fn, void *arg, const char *name, int *err);
/* Removes a handler; the line is masked when its chain becomes empty.  When
 * this returns, the handler is not running and will not run again. */
void irq_unregister(struct irq_action *a);

struct irq_stats {
    uint64_t count;      /* interrupts taken on the line */
    uint64_t unhandled;  /* ... that no handler claimed */
    uint64_t spurious;   /* spurious (PIC) */
    int handlers;
};
void irq_get_stats(unsigned line, struct irq_stats *st);
uint64_t irq_total_spurious(void);
/* The names of the line's handlers, comma-separated, into buf (truncated to
 * n); returns how many there are, or -EINVAL. */
int irq_handler_names(unsigned line, char *buf, size_t n);
/* Number of free chain nodes left in the pool. */
int irq_pool_free(void);
/* True while running an interrupt handler. */
bool in_interrupt(void);

typedef uint32_t irqflags_t;
irqflags_t irq_save(void);               /* disable, return previous state */
void irq_restore(irqflags_t flags);
bool irqs_enabled(void);
void irq_enable(void);

/* Called by the arch layer with the line number of a hardware interrupt. */
void irq_dispatch(unsigned line);

/* Interrupt controller (arch): */
void irqchip_init(void);
void irqchip_mask(unsigned line);
void irqchip_unmask(unsigned line);
void irqchip_eoi(unsigned line);
bool irqchip_spurious(unsigned line); /* also does any EOI a spurious IRQ needs */

#endif
