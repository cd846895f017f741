/* The profiler's timer (include/adros/prof.h): the CMOS RTC's periodic
 * interrupt on IRQ 8, which nothing else uses, at 2..8192 Hz (powers of
 * two).  With the I/O APIC (ioapic=on) the line is delivered as an NMI, so
 * a sample lands where the CPU is even while interrupts are off; through
 * the 8259 it is an ordinary interrupt, and time with interrupts off is
 * counted at the instruction that turns them back on.  The handler reads
 * the interrupted frame and acknowledges by reading register C, or the RTC
 * raises no more.  Register
 * selection through port 0x70 is not locked against rtc_read: a profile
 * running while the clock is read may make that read retry (rtc_read reads
 * until two agree); the profiler itself writes registers only while no
 * NMI can come. */
#include <adros/irq.h>
#include <adros/mm.h>
#include <adros/prof.h>
#include <arch/apic.h>
#include <arch/x86.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static struct irq_action *action;
static bool nmi;

static uint8_t cmos_rd(uint8_t reg)
{
    outb(CMOS_INDEX, reg); /* bit 7 clear: NMIs stay enabled */
    return inb(CMOS_DATA);
}

static void cmos_wr(uint8_t reg, uint8_t v)
{
    outb(CMOS_INDEX, reg); /* bit 7 clear: NMIs stay enabled */
    outb(CMOS_DATA, v);
}

static void sample(const struct trapframe *tf)
{
    uintptr_t caller = 0;
    /* The return address above the frame pointer, when ebp points into
     * mapped memory (code built without frame pointers leaves anything
     * there: then the caller is noise, never a fault). */
    if (tf->ebp >= 4096 && !(tf->ebp & 3) && mm_kernel_readable(tf->ebp, 8))
        caller = ((const uint32_t *)tf->ebp)[1];
    prof_sample(tf->eip, caller);
}

static bool rtc_tick(void *arg)
{
    (void)arg;
    uint8_t c = cmos_rd(0x0c);
    if (!(c & 0x40))
        return false; /* not the periodic flag */
    const struct trapframe *tf = trap_current_frame();
    if (tf)
        sample(tf);
    return true;
}

/* Vector 2.  Only the RTC is routed as an NMI here; any other NMI (a
 * hardware error) is not ours and goes to the panic report. */
static bool nmi_tick(struct trapframe *tf)
{
    if (!nmi)
        return false;
    (void)cmos_rd(0x0c);
    sample(tf);
    return true;
}

unsigned arch_prof_timer_start(unsigned hz)
{
    if (hz < 2 || hz > 8192)
        return 0;
    /* Rate r gives 32768 >> (r - 1) Hz; the nearest power of two not above hz. */
    unsigned rate = 15, got = 2;
    while (rate > 3 && (32768u >> (rate - 2)) <= hz) {
        rate--;
        got = 32768u >> (rate - 1);
    }
    int err;
    action = irq_register(8, rtc_tick, NULL, "prof", &err);
    if (!action)
        return 0;
    irqflags_t f = irq_save();
    cmos_wr(0x0a, (uint8_t)((cmos_rd(0x0a) & 0xf0) | rate));
    cmos_wr(0x0b, cmos_rd(0x0b) | 0x40);
    (void)cmos_rd(0x0c);
    /* The NMI route last: from here on the handler may select register C
     * between any selection and access of ours. */
    exception_set_handler(2, nmi_tick);
    nmi = ioapic_route_nmi(8);
    irq_restore(f);
    return got;
}

bool arch_prof_timer_nmi(void) { return nmi; }

void arch_prof_timer_stop(void)
{
    if (!action)
        return;
    irqflags_t f = irq_save();
    if (nmi)
        ioapic_mask(8); /* first: no NMI between our selection and access */
    nmi = false;
    cmos_wr(0x0b, cmos_rd(0x0b) & (uint8_t)~0x40);
    (void)cmos_rd(0x0c);
    irq_restore(f);
    irq_unregister(action);
    action = NULL;
}
