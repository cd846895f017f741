/* The boot CPU's local APIC, in xAPIC (MMIO) mode, as the receiving end of
 * I/O APIC interrupts: enabled with spurious vector 255, task priority 0,
 * LINT0 (the 8259's virtual-wire input) masked, and the EOI register.
 *
 * One CPU: there is no IPI traffic apart from the self-IPI that re-raises
 * an edge the 8259 had latched while the controllers were being switched. */
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <arch/apic.h>
#include <arch/cpu.h>

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_ENABLE (1u << 11)

#define LAPIC_ID 0x20
#define LAPIC_VER 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define ICR_SELF (1u << 18)
#define ICR_BUSY (1u << 12)
#define SPURIOUS_VECTOR 255

static volatile uint32_t *lapic; /* set once by lapic_init, then read-only */

static uint32_t rd(unsigned reg) { return lapic[reg / 4]; }
static void wr(unsigned reg, uint32_t v) { lapic[reg / 4] = v; }

int lapic_init(uint32_t phys)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (!(d & (1u << 9))) {
        klog(LOG_WARN, "lapic: the CPU has no local APIC\n");
        return -ENODEV;
    }
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if ((base & 0xfffff000u) != (phys & 0xfffff000u))
        klog(LOG_WARN, "lapic: MADT says 0x%x, IA32_APIC_BASE 0x%x; using the MSR\n", phys,
             (uint32_t)base & 0xfffff000u);
    phys = (uint32_t)base & 0xfffff000u;
    if (!(base & APIC_BASE_ENABLE))
        wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
    lapic = vmm_map_mmio(phys, 4096);
    if (!lapic)
        return -ENODEV;
    wr(LAPIC_TPR, 0);
    wr(LAPIC_LVT_TIMER, LVT_MASKED);
    wr(LAPIC_LVT_ERROR, LVT_MASKED);
    /* From here on the 8259 is not heard through the virtual wire. */
    wr(LAPIC_LVT_LINT0, LVT_MASKED);
    wr(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR);
    return 0;
}

uint8_t lapic_id(void) { return (uint8_t)(rd(LAPIC_ID) >> 24); }

void lapic_eoi(void) { wr(LAPIC_EOI, 0); }

void lapic_self_ipi(uint8_t vector)
{
    while (rd(LAPIC_ICR_LO) & ICR_BUSY)
        ;
    wr(LAPIC_ICR_HI, 0);
    wr(LAPIC_ICR_LO, ICR_SELF | vector); /* fixed delivery, edge */
}
