/* KTAP suite "apic": the I/O APIC routing chosen by ioapic=on
 * (src/arch/x86/ioapic.c).  Every case SKIPs when the 8259 is in use.
 *
 * The expected routing is worked out again here from the MADT (re-read
 * with acpi_find_madt) and from the PCI devices, then compared with the
 * redirection entries the hardware holds. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/pci.h>
#include <adros/sched.h>
#include <arch/acpi.h>
#include <arch/apic.h>
#include <arch/cpu.h>

#define SKIP_UNLESS_IOAPIC(t) \
    do { \
        struct ioapic_route r_; \
        if (!ioapic_active()) { \
            KT_EXPECT_EQ(t, ioapic_get_route(0, &r_), -ENODEV); \
            KT_SKIP(t, "the 8259 PIC is in use (boot with ioapic=on)"); \
        } \
    } while (0)

static const struct acpi_override *find_override(const struct acpi_madt_info *m, unsigned irq)
{
    for (int i = 0; i < m->n_overrides; i++)
        if (m->ovr[i].bus == 0 && m->ovr[i].irq == irq)
            return &m->ovr[i];
    return NULL;
}

/* The timer (line 0) follows the MADT's override, is open and reaches us:
 * its count grows while we sleep, with the 8259 entirely masked. */
static void apic_timer_line(struct ktest *t)
{
    SKIP_UNLESS_IOAPIC(t);
    struct acpi_madt_info m;
    KT_ASSERT_EQ(t, acpi_find_madt(&m), 0);
    const struct acpi_override *o = find_override(&m, 0);
    struct ioapic_route r;
    KT_ASSERT_EQ(t, ioapic_get_route(0, &r), 0);
    KT_EXPECT_EQ(t, r.gsi, o ? o->gsi : 0u);
    KT_EXPECT_EQ(t, r.vector, 32);
    KT_EXPECT_FALSE(t, r.masked);
    KT_EXPECT_FALSE(t, r.level);
    KT_EXPECT_FALSE(t, r.active_low);
    KT_EXPECT_EQ(t, r.dest, lapic_id());
    if (o && o->gsi != 0 && o->gsi < 16) {
        /* The ISA line whose GSI the timer took has no entry of its own. */
        struct ioapic_route r2;
        KT_EXPECT_EQ(t, ioapic_get_route(o->gsi, &r2), -ENOENT);
    }
    KT_EXPECT_EQ(t, inb(0x21), 0xff);
    KT_EXPECT_EQ(t, inb(0xa1), 0xff);
    struct irq_stats a, b;
    irq_get_stats(0, &a);
    process_sleep(50 * NSEC_PER_MSEC);
    irq_get_stats(0, &b);
    KT_EXPECT_GT(t, b.count, a.count);
    KT_EXPECT_FALSE(t, irqchip_spurious(7));
    KT_EXPECT_GE(t, ioapic_lines(), 16u);
}

/* Lines nobody registered are masked; mask/unmask flip only the mask bit. */
static void apic_mask_unmask(struct ktest *t)
{
    SKIP_UNLESS_IOAPIC(t);
    unsigned tested = 0;
    for (unsigned l = 3; l < 16 && tested < 2; l++) {
        struct irq_stats st;
        struct ioapic_route r;
        irq_get_stats(l, &st);
        if (st.handlers || ioapic_get_route(l, &r) < 0 || l == 9)
            continue;
        KT_EXPECT_TRUE(t, r.masked);
        irqflags_t f = irq_save(); /* nothing may arrive on a line with no handler */
        irqchip_unmask(l);
        KT_EXPECT_EQ(t, ioapic_get_route(l, &r), 0);
        bool open = !r.masked;
        uint8_t vec = r.vector;
        irqchip_mask(l);
        irq_restore(f);
        KT_EXPECT_TRUE(t, open);
        KT_EXPECT_EQ(t, vec, 32 + l);
        KT_EXPECT_EQ(t, ioapic_get_route(l, &r), 0);
        KT_EXPECT_TRUE(t, r.masked);
        tested++;
    }
    KT_EXPECT_EQ(t, tested, 2u);
}

struct pci_lines {
    uint32_t mask;
};

static void collect(struct pci_dev *d, void *arg)
{
    struct pci_lines *p = arg;
    int line = pci_irq(d);
    /* The south bridge's own functions (ACPI SCI) are not PCI-routed. */
    if (line >= 0 && line < IRQ_LINES && !(d->bus == 0 && d->dev == 1))
        p->mask |= 1u << line;
}

static bool never_mine(void *arg) { return false; }

/* Every line carrying PCI interrupts is level-triggered, active-low unless
 * the MADT says otherwise, and delivered as 32+line once it has a handler. */
static void apic_pci_lines(struct ktest *t)
{
    SKIP_UNLESS_IOAPIC(t);
    struct pci_lines p = { 0 };
    pci_foreach(collect, &p);
    if (!p.mask)
        KT_SKIP(t, "no PCI device with an interrupt line (initcalls=off?)");
    struct acpi_madt_info m;
    KT_ASSERT_EQ(t, acpi_find_madt(&m), 0);
    for (unsigned l = 0; l < IRQ_LINES; l++) {
        if (!((p.mask >> l) & 1))
            continue;
        int err;
        struct irq_action *a = irq_register(l, never_mine, NULL, "apic-test", &err);
        KT_ASSERT_NOT_NULL(t, a);
        struct ioapic_route r;
        int rc = ioapic_get_route(l, &r);
        irq_unregister(a);
        KT_ASSERT_EQ(t, rc, 0);
        const struct acpi_override *o = l < 16 ? find_override(&m, l) : NULL;
        bool want_low = !(o && (o->flags & ACPI_POL_MASK)) || (o->flags & ACPI_POL_MASK) == ACPI_POL_LOW;
        ktest_log(t, "line %u: GSI %u, %s, active-%s", l, r.gsi, r.level ? "level" : "edge",
                  r.active_low ? "low" : "high");
        KT_EXPECT_TRUE(t, r.level);
        KT_EXPECT_EQ(t, r.active_low, want_low);
        KT_EXPECT_FALSE(t, r.masked);
        KT_EXPECT_EQ(t, r.vector, 32 + l);
        KT_EXPECT_EQ(t, ioapic_get_route(l, &r), 0);
        struct irq_stats st;
        irq_get_stats(l, &st);
        KT_EXPECT_EQ(t, r.masked, st.handlers == 0);
    }
}

/* An ISA device line in use (COM1 on 4, the disks on 14/15) is edge,
 * active-high and open. */
static void apic_isa_lines(struct ktest *t)
{
    SKIP_UNLESS_IOAPIC(t);
    static const unsigned isa[] = { 1, 4, 14, 15 };
    int seen = 0;
    for (size_t i = 0; i < ARRAY_SIZE(isa); i++) {
        struct irq_stats st;
        struct ioapic_route r;
        irq_get_stats(isa[i], &st);
        if (!st.handlers)
            continue;
        KT_ASSERT_EQ(t, ioapic_get_route(isa[i], &r), 0);
        KT_EXPECT_FALSE(t, r.level);
        KT_EXPECT_FALSE(t, r.active_low);
        KT_EXPECT_FALSE(t, r.masked);
        seen++;
    }
    if (!seen)
        KT_SKIP(t, "no ISA device line in use");
}

KTEST_SUITE(apic, KTEST_CASE(apic_timer_line), KTEST_CASE(apic_mask_unmask), KTEST_CASE(apic_pci_lines),
            KTEST_CASE(apic_isa_lines));
