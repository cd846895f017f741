/* Legacy PCI interrupt routing on the PC (8259 PICs; PIIX or ICH9 south
 * bridge).
 *
 * A PCI device's INTx pin reaches the PICs through the south bridge's PIRQ
 * router (config registers 0x60-0x63 of the ISA bridge, PIRQA-D, and on
 * ICH9 0x68-0x6b, PIRQE-H), which the firmware sets up and mirrors into
 * each device's interrupt-line register.  PCI interrupts are
 * level-triggered and shareable; the 8259 learns that a line is
 * level-sensitive from the ELCR (ports 0x4d0/0x4d1).  A level line stays
 * asserted until every device on it is quiet, so the irq layer's order --
 * run every handler on the chain, then EOI -- is what a shared level line
 * needs: a handler that does not silence its device gets the interrupt
 * again right after the EOI.  (With the I/O APIC, the ISA pin of the line
 * carries the same PIRQ: QEMU's PIIX and ICH9 drive both.)
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

/* The routers AdrOS knows, with the wiring of QEMU's boards around them. */
enum { ROUTER_PIIX, ROUTER_ICH9 };
static const struct {
    uint16_t id;
    uint8_t kind;
} routers[] = {
    { 0x7000, ROUTER_PIIX }, /* PIIX3 (QEMU's pc) */
    { 0x7110, ROUTER_PIIX }, /* PIIX4 */
    { 0x122e, ROUTER_PIIX }, /* PIIX */
    { 0x2918, ROUTER_ICH9 }, /* ICH9 LPC (QEMU's q35) */
};

struct route_ctx {
    struct pci_dev *router;
    int kind;
    unsigned npirq;  /* 4 (PIIX) or 8 (ICH9) */
    uint8_t pirq[8];
    uint16_t lines; /* lines with PCI devices on them */
};

static void find_router(struct route_ctx *c)
{
    for (size_t i = 0; i < ARRAY_SIZE(routers); i++) {
        struct pci_dev *d = pci_find_device(0x8086, routers[i].id, NULL);
        if (d && d->bus == 0) {
            c->router = d;
            c->kind = routers[i].kind;
            c->npirq = routers[i].kind == ROUTER_ICH9 ? 8 : 4;
            return;
        }
    }
}

/* The PIRQ (0-7 for A-H) the board wires bus 0's slot dev, pin (1-based)
 * to, or -1 when only the firmware's tables know. */
static int board_pirq(int kind, unsigned dev, unsigned pin)
{
    if (pin < 1 || pin > 4)
        return -1;
    if (kind == ROUTER_PIIX)
        /* The PIIX board: slot s, pin p is on PIRQ[(s + p - 2) mod 4]. */
        return (int)((dev + pin - 2u) & 3);
    /* ICH9 as QEMU's q35 wires it (and its ACPI _PRT says): slots 0-24
     * rotate over PIRQE-H, INTA of slot s on PIRQ[E + s mod 4]; slots 25-31
     * are the chipset's own functions, routed by its D25IR-D31IR registers
     * (reset: INTA-D on PIRQA-D; D30IR is fixed to the rotation). */
    if (dev <= 24 || dev == 30)
        return (int)(4 + ((dev + pin - 1u) & 3));
    return (int)(pin - 1);
}

struct bridge_q {
    unsigned bus;
    struct pci_dev *found;
};

static void bridge_to(struct pci_dev *d, void *arg)
{
    struct bridge_q *q = arg;
    if (!q->found && d->header_type == 1 && d->secondary_bus == q->bus && d->secondary_bus > d->bus)
        q->found = d;
}

/* The slot and pin (1-based) on bus 0 that INTx pin of the device at
 * bus:dev carries: behind each PCI-PCI bridge (PCIe root ports and
 * switch ports too) the standard swizzle, pin p of device s on the
 * secondary bus leaving the bridge as its pin (s + p - 1) mod 4 + 1.
 * False when a bus has no bridge leading to it. */
bool pci_irq_root_pin(unsigned bus, unsigned dev, unsigned pin, unsigned *root_dev, unsigned *root_pin)
{
    for (int depth = 0; bus != 0; depth++) {
        struct bridge_q q = { bus, NULL };
        if (depth >= 32 || pin < 1 || pin > 4)
            return false;
        pci_foreach(bridge_to, &q);
        if (!q.found)
            return false;
        pin = ((dev + pin - 1u) & 3) + 1;
        dev = q.found->dev;
        bus = q.found->bus;
    }
    *root_dev = dev;
    *root_pin = pin;
    return true;
}

static void route_one(struct pci_dev *d, void *arg)
{
    struct route_ctx *c = arg;
    if (!d->irq_pin)
        return;
    /* The PIIX's own functions (ACPI's SCI, USB) are wired inside the
     * chip, not through the PIRQ router, and not always level. */
    if (c->router && c->kind == ROUTER_PIIX && d->bus == c->router->bus && d->dev == c->router->dev)
        return;
    /* A device behind bridges interrupts through the bridge on bus 0 it
     * hangs under (q35's PCIe root ports). */
    unsigned slot, pin;
    int pirq = c->router && pci_irq_root_pin(d->bus, d->dev, d->irq_pin, &slot, &pin)
                   ? board_pirq(c->kind, slot, pin)
                   : -1;
    if (pirq >= 0 && d->bus != 0)
        kprintf("pci: %02x:%02x.%u INT%c reaches bus 0 as 00:%02x INT%c: PIRQ%c\n", d->bus, d->dev, d->func,
                'A' + d->irq_pin - 1, slot, 'A' + pin - 1, 'A' + pirq);
    if (pirq >= 0) {
        unsigned idx = (unsigned)pirq;
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
    struct route_ctx c = { NULL, ROUTER_PIIX, 4, { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 }, 0 };
    find_router(&c);
    if (c.router)
        for (unsigned i = 0; i < c.npirq; i++)
            c.pirq[i] = pci_conf_read8(c.router->bus, c.router->dev, c.router->func, i < 4 ? 0x60 + i : 0x64 + i);
    pci_foreach(route_one, &c);
    uint16_t before = elcr_read();
    for (unsigned l = 0; l < 16; l++)
        if ((c.lines >> l) & 1)
            pci_irq_set_level(l);
    char routes[40] = "";
    size_t o = 0;
    for (unsigned i = 0; i < c.npirq; i++)
        o += (size_t)ksnprintf(routes + o, sizeof(routes) - o, " %d", c.pirq[i] & 0x80 ? -1 : c.pirq[i] & 15);
    kprintf("pci: PIRQ A-%c ->%s%s; PCI lines %04x; ELCR %04x -> %04x (1 = level)\n", 'A' + c.npirq - 1, routes,
            c.router ? (c.kind == ROUTER_ICH9 ? " (ICH9)" : " (PIIX)") : " (no router)", c.lines, before, elcr_read());
}
