/* Spinlocks.  AdrOS runs on one CPU, so a spinlock is "interrupts off" plus
 * an owner check that catches recursion and unbalanced unlocks.  Hold one
 * only for a few instructions; never sleep holding one.
 *
 *   irqflags_t f = spin_lock_irqsave(&l);  ...  spin_unlock_irqrestore(&l, f);
 */
#ifndef ADROS_SPINLOCK_H
#define ADROS_SPINLOCK_H

#include <adros/irq.h>

typedef struct spinlock {
    volatile uint32_t locked;
    const char *name;
} spinlock_t;

#define SPINLOCK_INIT(nm) { 0, nm }

void spin_init(spinlock_t *l, const char *name);
irqflags_t spin_lock_irqsave(spinlock_t *l);
void spin_unlock_irqrestore(spinlock_t *l, irqflags_t flags);
bool spin_held(const spinlock_t *l);
int spin_depth(void); /* spinlocks held now: blocking requires 0 */

#endif
