/* Spinlocks on one CPU: interrupts off for the critical section, with
 * checks for recursion and unlocking a lock that is not held. */
#include <adros/kprintf.h>
#include <adros/spinlock.h>

static int depth; /* spinlocks held now (one CPU) */
int spin_depth(void) { return depth; }

void spin_init(spinlock_t *l, const char *name)
{
    l->locked = 0;
    l->name = name;
}

irqflags_t spin_lock_irqsave(spinlock_t *l)
{
    irqflags_t f = irq_save();
    if (unlikely(l->locked) && !panic_in_progress())
        panic("spinlock %s: recursive acquire", l->name ? l->name : "?");
    l->locked = 1;
    depth++;
    return f;
}

void spin_unlock_irqrestore(spinlock_t *l, irqflags_t flags)
{
    if (unlikely(!l->locked) && !panic_in_progress())
        panic("spinlock %s: released while not held", l->name ? l->name : "?");
    l->locked = 0;
    depth--;
    irq_restore(flags);
}

bool spin_held(const spinlock_t *l) { return l->locked != 0; }
