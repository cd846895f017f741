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

/* Channel 2's count, latched (lo/hi access, as programmed below). */
static uint16_t pit2_count(void)
{
    outb(PIT_CMD, 0x80); /* latch channel 2 */
    uint8_t lo = inb(PIT_CH2);
    uint8_t hi = inb(PIT_CH2);
    return (uint16_t)(lo | hi << 8);
}

/* One reading of channel 2 bracketed by the TSC before and after. */
struct pit_sample {
    uint64_t tsc_before, tsc_after;
    uint16_t count;
};

static void pit2_sample(struct pit_sample *s)
{
    s->tsc_before = rdtsc();
    s->count = pit2_count();
    s->tsc_after = rdtsc();
}

/* The TSC against `ms` milliseconds (at most 50) of PIT channel 2, counting
 * down from 0xffff in mode 0: *pit_ticks elapsed between two readings, and
 * the TSC advanced by at least *tsc_lo and at most *tsc_hi meanwhile.  The
 * readings are bracketed, not the PIT's expiry waited for: a host stalling
 * the emulated CPU while it reads widens the bracket (the caller rejects a
 * wide one) instead of silently lengthening the measurement. */
void pit_measure_tsc(unsigned ms, uint64_t *tsc_lo, uint64_t *tsc_hi, uint32_t *pit_ticks)
{
    uint32_t want = PIT_HZ / 1000 * MIN(ms, 50u);
    struct pit_sample a, b;
    irqflags_t f = irq_save();
    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate on, speaker off */
    outb(PIT_CMD, 0xb0);                    /* channel 2, lo/hi, mode 0 */
    outb(PIT_CH2, 0xff);
    outb(PIT_CH2, 0xff);
    pit2_sample(&a);
    /* Bounded: a PIT that does not count gives 0 ticks, not a hang. */
    unsigned reads = 0;
    do
        pit2_sample(&b);
    while ((uint32_t)(a.count - b.count) < want && b.count <= a.count && ++reads < 10000000);
    irq_restore(f);
    *pit_ticks = b.count <= a.count ? (uint32_t)(a.count - b.count) : 0; /* 0: it wrapped, unusable */
    *tsc_lo = b.tsc_before > a.tsc_after ? b.tsc_before - a.tsc_after : 0;
    *tsc_hi = b.tsc_after - a.tsc_before;
}
