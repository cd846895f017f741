/* I/O APIC interrupt routing (opt-in with ioapic=on; include/arch/apic.h).
 *
 * Line N of the irq layer is delivered as vector 32+N, fixed, to the boot
 * CPU's local APIC (physical destination), exactly as the 8259 delivered
 * it, so nothing above irqchip_* notices the switch.  An ISA IRQ keeps its
 * number as its line even when the MADT moves it to another GSI (QEMU's
 * timer: ISA IRQ 0 on GSI 2); the GSI it displaces (line 2 there, the
 * cascade, never registered) gets no entry.  Lines 16-23 are GSIs 16-23.
 *
 * Trigger and polarity: an override's explicit flags win; otherwise an ISA
 * line the ELCR marks level (pci_irq.c marks every line carrying PCI
 * interrupts, before their drivers register) is a PCI line: level,
 * active-low; other ISA lines are edge, active-high; lines 16-23 (PCI by
 * nature) are level, active-low.  The ELCR is read again at every unmask,
 * so a line becomes level as soon as the PCI router setup says so.
 *
 * End of interrupt is the local APIC's EOI, which the local APIC broadcasts
 * to the I/O APICs (we never set "suppress EOI broadcast"), clearing a
 * level entry's remote IRR whatever the I/O APIC version (0x11, or 0x20
 * with its own EOI register, as in QEMU).  A level line still asserted
 * after the EOI is delivered again -- what a shared level line needs, as
 * with the 8259.
 *
 * One CPU: register select/window pairs are made atomic by disabling
 * interrupts. */
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/x86.h>

KOPTION(ioapic, "ioapic", "ioapic=on: deliver interrupts through the I/O APIC (ACPI MADT) instead of the 8259 PIC");

#define IOREGSEL 0
#define IOWIN 4 /* in 32-bit words: offset 0x10 */
#define IOAPIC_REG_ID 0
#define IOAPIC_REG_VER 1
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))

#define RTE_POLARITY_LOW (1u << 13)
#define RTE_REMOTE_IRR (1u << 14)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

#define ELCR1 0x4d0
#define ELCR2 0x4d1

struct ioapic {
    volatile uint32_t *regs;
    uint32_t phys;
    uint32_t gsi_base;
    unsigned n; /* redirection entries */
    uint8_t id, version;
};

/* Where each line goes; filled by apic_init, read-only afterwards. */
struct line_route {
    struct ioapic *chip; /* NULL: the line has no GSI */
    unsigned pin;        /* entry on chip */
    uint32_t gsi;
    uint16_t flags;      /* override's ACPI_POL_* | ACPI_TRIG_*, 0 if none */
};

static struct ioapic chips[ACPI_MAX_IOAPICS];
static int nchips;
static struct line_route routes[IRQ_LINES];
static uint8_t dest_apic;
static bool active;

bool ioapic_active(void) { return active; }

static uint32_t io_read(struct ioapic *c, unsigned reg)
{
    c->regs[IOREGSEL] = reg;
    return c->regs[IOWIN];
}

static void io_write(struct ioapic *c, unsigned reg, uint32_t v)
{
    c->regs[IOREGSEL] = reg;
    c->regs[IOWIN] = v;
}

static struct ioapic *chip_for(uint32_t gsi)
{
    for (int i = 0; i < nchips; i++)
        if (gsi >= chips[i].gsi_base && gsi - chips[i].gsi_base < chips[i].n)
            return &chips[i];
    return NULL;
}

/* Trigger and polarity bits of the line's redirection entry. */
static uint32_t line_mode(unsigned line)
{
    uint16_t f = routes[line].flags;
    bool level, low;
    if (line < 16) {
        bool elcr = ((inb(ELCR1) | inb(ELCR2) << 8) >> line) & 1;
        level = (f & ACPI_TRIG_MASK) ? (f & ACPI_TRIG_MASK) == ACPI_TRIG_LEVEL : elcr;
        low = (f & ACPI_POL_MASK) ? (f & ACPI_POL_MASK) == ACPI_POL_LOW : elcr;
    } else {
        level = (f & ACPI_TRIG_MASK) ? (f & ACPI_TRIG_MASK) == ACPI_TRIG_LEVEL : true;
        low = (f & ACPI_POL_MASK) ? (f & ACPI_POL_MASK) == ACPI_POL_LOW : true;
    }
    return (level ? RTE_LEVEL : 0) | (low ? RTE_POLARITY_LOW : 0);
}

void ioapic_mask(unsigned line)
{
    if (line >= IRQ_LINES || !routes[line].chip)
        return;
    struct line_route *r = &routes[line];
    irqflags_t f = irq_save();
    uint32_t lo = io_read(r->chip, IOAPIC_REDTBL(r->pin));
    io_write(r->chip, IOAPIC_REDTBL(r->pin), lo | RTE_MASKED);
    irq_restore(f);
}

void ioapic_unmask(unsigned line)
{
    if (line >= IRQ_LINES || !routes[line].chip)
        return;
    struct line_route *r = &routes[line];
    irqflags_t f = irq_save();
    io_write(r->chip, IOAPIC_REDTBL(r->pin) + 1, (uint32_t)dest_apic << 24);
    io_write(r->chip, IOAPIC_REDTBL(r->pin), (IRQ_VECTOR_BASE + line) | line_mode(line));
    irq_restore(f);
}

/* Delivers the line as an NMI (the profiler's timer: samples land where
 * the CPU is even with interrupts off).  Edge-triggered lines only. */
bool ioapic_route_nmi(unsigned line)
{
    if (!active || line >= IRQ_LINES || !routes[line].chip || (line_mode(line) & RTE_LEVEL))
        return false;
    struct line_route *r = &routes[line];
    irqflags_t f = irq_save();
    io_write(r->chip, IOAPIC_REDTBL(r->pin) + 1, (uint32_t)dest_apic << 24);
    io_write(r->chip, IOAPIC_REDTBL(r->pin), (4u << 8) | line_mode(line)); /* delivery mode NMI */
    irq_restore(f);
    return true;
}

int ioapic_get_route(unsigned line, struct ioapic_route *out)
{
    if (!active)
        return -ENODEV;
    if (line >= IRQ_LINES || !routes[line].chip)
        return -ENOENT;
    struct line_route *r = &routes[line];
    irqflags_t f = irq_save();
    uint32_t lo = io_read(r->chip, IOAPIC_REDTBL(r->pin));
    uint32_t hi = io_read(r->chip, IOAPIC_REDTBL(r->pin) + 1);
    irq_restore(f);
    *out = (struct ioapic_route){ .gsi = r->gsi,
                                  .vector = (uint8_t)lo,
                                  .dest = (uint8_t)(hi >> 24),
                                  .masked = (lo & RTE_MASKED) != 0,
                                  .level = (lo & RTE_LEVEL) != 0,
                                  .active_low = (lo & RTE_POLARITY_LOW) != 0,
                                  .remote_irr = (lo & RTE_REMOTE_IRR) != 0 };
    return 0;
}

unsigned ioapic_lines(void)
{
    struct ioapic *c = active ? chip_for(0) : NULL;
    return c ? c->n : 0;
}

/* Maps and identifies the MADT's I/O APICs; returns how many work. */
static int probe_chips(const struct acpi_madt_info *m)
{
    nchips = 0;
    for (int i = 0; i < m->n_ioapics; i++) {
        const struct acpi_ioapic *a = &m->ioapic[i];
        volatile uint32_t *regs = a->addr ? vmm_map_mmio(a->addr, 0x20) : NULL;
        if (!regs) {
            klog(LOG_WARN, "ioapic: id %u at 0x%x cannot be mapped\n", a->id, a->addr);
            continue;
        }
        struct ioapic *c = &chips[nchips];
        *c = (struct ioapic){ regs, a->addr, a->gsi_base, 0, a->id, 0 };
        uint32_t ver = io_read(c, IOAPIC_REG_VER);
        if (ver == 0xffffffffu || ((ver >> 16) & 0xff) == 0) {
            klog(LOG_WARN, "ioapic: id %u at 0x%x does not answer (version register 0x%x)\n", a->id, a->addr,
                 ver);
            continue;
        }
        c->n = ((ver >> 16) & 0xff) + 1;
        c->version = (uint8_t)ver;
        for (unsigned p = 0; p < c->n; p++)
            io_write(c, IOAPIC_REDTBL(p), RTE_MASKED);
        nchips++;
    }
    return nchips;
}

/* The line -> GSI table: identity, moved by the ISA overrides. */
static void build_routes(const struct acpi_madt_info *m)
{
    uint32_t gsi[IRQ_LINES];
    uint16_t flags[IRQ_LINES] = { 0 };
    bool has_gsi[IRQ_LINES];
    for (unsigned l = 0; l < IRQ_LINES; l++) {
        gsi[l] = l;
        has_gsi[l] = true;
    }
    for (int i = 0; i < m->n_overrides; i++) {
        const struct acpi_override *o = &m->ovr[i];
        if (o->bus != 0 || o->irq >= 16)
            continue;
        gsi[o->irq] = o->gsi;
        flags[o->irq] = o->flags;
        /* The line whose identity GSI this was loses it (unless its own
         * override sends it elsewhere, handled when that one is seen). */
        for (unsigned l = 0; l < IRQ_LINES; l++)
            if (l != o->irq && gsi[l] == o->gsi)
                has_gsi[l] = false;
    }
    for (unsigned l = 0; l < IRQ_LINES; l++) {
        struct ioapic *c = has_gsi[l] ? chip_for(gsi[l]) : NULL;
        routes[l] = (struct line_route){ c, c ? gsi[l] - c->gsi_base : 0, gsi[l], flags[l] };
    }
}

void apic_init(void)
{
    if (!cmdline_get_bool("ioapic", false)) {
        kprintf("irq: 8259 PIC (ioapic=on selects the I/O APIC)\n");
        return;
    }
    struct acpi_madt_info *m = kzalloc(sizeof(*m));
    int r = m ? acpi_find_madt(m) : -ENOMEM;
    if (r < 0 || probe_chips(m) == 0) {
        klog(LOG_WARN, "irq: no usable I/O APIC (%s); using the 8259 PIC\n", r < 0 ? strerror(r) : "none answers");
        kfree(m);
        return;
    }
    irqflags_t f = irq_save();
    if (lapic_init(m->lapic_addr) < 0) {
        irq_restore(f);
        klog(LOG_WARN, "irq: no local APIC; using the 8259 PIC\n");
        kfree(m);
        return;
    }
    dest_apic = lapic_id();
    build_routes(m);
    /* Open the lines on the I/O APIC before closing the 8259, then re-raise
     * what the 8259 latched meanwhile: an edge may be seen twice (handlers
     * cope with a call that finds nothing), never lost. */
    active = true;
    uint16_t open = pic_disable();
    for (unsigned l = 0; l < 16; l++)
        if ((open >> l) & 1)
            ioapic_unmask(l);
    uint16_t pending = pic_pending() & open;
    for (unsigned l = 0; l < 16; l++)
        if ((pending >> l) & 1 && !(line_mode(l) & RTE_LEVEL))
            lapic_self_ipi((uint8_t)(IRQ_VECTOR_BASE + l));
    irq_restore(f);

    struct ioapic *c0 = chip_for(0) ? chip_for(0) : &chips[0];
    char moved[96] = "";
    size_t used = 0;
    for (unsigned l = 0; l < 16; l++)
        if (routes[l].chip && routes[l].gsi != l && used < sizeof(moved))
            used += (size_t)ksnprintf(moved + used, sizeof(moved) - used, "; ISA IRQ %u -> GSI %u", l,
                                      routes[l].gsi);
    kprintf("irq: I/O APIC at 0x%x (%u lines, version 0x%x), LAPIC %u at 0x%x%s\n", c0->phys, c0->n,
            c0->version, dest_apic, m->lapic_addr, moved);
    for (int i = 0; i < m->n_overrides; i++)
        klog(LOG_DEBUG, "irq: MADT override bus %u IRQ %u -> GSI %u flags 0x%x\n", m->ovr[i].bus, m->ovr[i].irq,
             m->ovr[i].gsi, m->ovr[i].flags);
    for (int i = 1; i < nchips; i++)
        kprintf("irq: I/O APIC at 0x%x (%u lines from GSI %u)\n", chips[i].phys, chips[i].n, chips[i].gsi_base);
    kfree(m);
}
