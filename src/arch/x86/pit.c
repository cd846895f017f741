/* The 8254 PIT: channel 2 calibrates the TSC at boot; channel 0 in mode 0
 * (interrupt on terminal count) is the scheduler's one-shot timer on IRQ 0.
 * One shot lasts at most 65535 ticks (about 55 ms); the scheduler re-arms. */
#include <adros/clock.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <arch/x86.h>

#define PIT_HZ 1193182u
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43

static bool pit_irq(void *arg)
{
    sched_timer_event();
    return true;
}

void timer_init(void)
{
    int err;
    outb(PIT_CMD, 0x30); /* channel 0, lo/hi, mode 0 */
    outb(PIT_CH0, 0xff);
    outb(PIT_CH0, 0xff);
    if (!irq_register(0, pit_irq, NULL, "timer", &err))
        panic("timer: cannot register IRQ 0 (%d)", err);
}

void timer_oneshot(uint64_t ns)
{
    uint64_t ticks = (ns * PIT_HZ + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
    if (ticks < 2)
        ticks = 2;
    if (ticks > 0xffff)
        ticks = 0xffff;
    irqflags_t f = irq_save();
    outb(PIT_CMD, 0x30);
    outb(PIT_CH0, ticks & 0xff);
    outb(PIT_CH0, (ticks >> 8) & 0xff);
    irq_restore(f);
}

/* TSC ticks during `ms` milliseconds measured on PIT channel 2. */
uint64_t pit_measure_tsc(unsigned ms)
{
    uint32_t count = PIT_HZ * ms / 1000;
    irqflags_t f = irq_save();
    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(PIT_CMD, 0xb0);                    /* channel 2, lo/hi, mode 0 */
    outb(PIT_CH2, count & 0xff);
    outb(PIT_CH2, (count >> 8) & 0xff);
    /* Restart the count by toggling the gate. */
    uint8_t v = inb(0x61);
    outb(0x61, v & ~0x01);
    outb(0x61, v | 0x01);
    uint64_t t0 = rdtsc();
    while (!(inb(0x61) & 0x20))
        ;
    uint64_t t1 = rdtsc();
    irq_restore(f);
    return t1 - t0;
}
