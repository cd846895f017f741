/* Legacy PCI interrupt routing on the PC (8259 PICs, PIIX south bridge).
 *
 * A PCI device's INTx pin reaches the PICs through the PIIX's PIRQ router
 * (config registers 0x60-0x63 of the ISA bridge), which the firmware sets
 * up and mirrors into each device's interrupt-line register.  PCI
 * interrupts are level-triggered and shareable; the 8259 learns that a line
 * is level-sensitive from the ELCR (ports 0x4d0/0x4d1).  A level line stays
 * asserted until every device on it is quiet, so the irq layer's order --
 * run every handler on the chain, then EOI -- is what a shared level line
 * needs: a handler that does not silence its device gets the interrupt
 * again right after the EOI.
 *
 * Here we check what the firmware left: each device's line against the
 * PIRQ router, and that every line carrying PCI interrupts is marked level
 * (we mark it if not). */
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/pci.h>
#include <arch/cpu.h>

#define ELCR1 0x4d0
#define ELCR2 0x4d1

static uint16_t elcr_read(void) { return (uint16_t)(inb(ELCR1) | inb(ELCR2) << 8); }

bool pci_irq_is_level(unsigned line) { return line < 16 && (elcr_read() >> line) & 1; }

void pci_irq_set_level(unsigned line)
{
    /* Lines 0, 1, 2, 8 and 13 are the system's own, always edge. */
    if (line >= 16 || line == 0 || line == 1 || line == 2 || line == 8 || line == 13)
        return;
    irqflags_t f = irq_save();
    uint16_t e = elcr_read() | (uint16_t)(1u << line);
    outb(ELCR1, (uint8_t)e);
    outb(ELCR2, (uint8_t)(e >> 8));
    irq_restore(f);
}

static struct pci_dev *find_router(void)
{
    static const uint16_t ids[] = { 0x7000 /* PIIX3 */, 0x7110 /* PIIX4 */, 0x122e /* PIIX */ };
    for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
        struct pci_dev *d = pci_find_device(0x8086, ids[i], NULL);
        if (d && d->bus == 0)
            return d;
    }
    return NULL;
}

struct route_ctx {
    struct pci_dev *router;
    uint8_t pirq[4];
    uint16_t lines; /* lines with PCI devices on them */
};

static void route_one(struct pci_dev *d, void *arg)
{
    struct route_ctx *c = arg;
    if (!d->irq_pin)
        return;
    /* The south bridge's own functions (ACPI's SCI, USB) are wired inside
     * the chip, not through the PIRQ router, and not always level. */
    if (c->router && d->bus == c->router->bus && d->dev == c->router->dev)
        return;
    if (c->router && d->bus == 0) {
        /* The PIIX wiring on the PC board: slot s, pin p (1-based) is on
         * PIRQ[(s + p - 2) mod 4]. */
        unsigned idx = (d->dev + d->irq_pin - 2u) & 3;
        uint8_t r = c->pirq[idx];
        if (r & 0x80) {
            klog(LOG_WARN, "pci: %02x:%02x.%u INT%c: PIRQ%c not routed\n", d->bus, d->dev, d->func,
                 'A' + d->irq_pin - 1, 'A' + idx);
        } else if ((r & 0x0f) != d->irq_line) {
            klog(LOG_WARN, "pci: %02x:%02x.%u: interrupt line %u, but PIRQ%c goes to %u; using %u\n", d->bus,
                 d->dev, d->func, d->irq_line, 'A' + idx, r & 0x0f, r & 0x0f);
            d->irq_line = r & 0x0f;
        }
    }
    if (pci_irq(d) >= 0)
        c->lines |= (uint16_t)(1u << d->irq_line);
}

void pci_irq_route_init(void)
{
    struct route_ctx c = { find_router(), { 0x80, 0x80, 0x80, 0x80 }, 0 };
    if (c.router)
        for (int i = 0; i < 4; i++)
            c.pirq[i] = pci_conf_read8(c.router->bus, c.router->dev, c.router->func, 0x60 + (unsigned)i);
    pci_foreach(route_one, &c);
    uint16_t before = elcr_read();
    for (unsigned l = 0; l < 16; l++)
        if ((c.lines >> l) & 1)
            pci_irq_set_level(l);
    kprintf("pci: PIRQ A-D -> %d %d %d %d; PCI lines %04x; ELCR %04x -> %04x (1 = level)\n",
            c.pirq[0] & 0x80 ? -1 : c.pirq[0] & 15, c.pirq[1] & 0x80 ? -1 : c.pirq[1] & 15,
            c.pirq[2] & 0x80 ? -1 : c.pirq[2] & 15, c.pirq[3] & 0x80 ? -1 : c.pirq[3] & 15, c.lines, before,
            elcr_read());
}
