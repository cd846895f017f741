/* KTAP suite "pci": enumeration (host bridge, PIIX IDE, devices behind a
 * PCI-PCI bridge), BAR decoding and sanity, config-space access, the
 * capability list, the driver registry, interrupt lines and ELCR, and a
 * shared level-triggered line with two handlers (an e1000 made to raise its
 * interrupt through its Interrupt Cause Set register).
 *
 * The "pci" boot adds a pci-bridge with a virtio-rng behind it (64-bit BAR,
 * capabilities) besides QEMU's default e1000. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/pci.h>
#include <adros/sched.h>
#include <adros/string.h>

/* --- test drivers: one that attaches to QEMU's PCI-PCI bridge (by id),
 * one that matches a class and declines in probe --- */
static int bridge_probes, bridge_attaches, decline_probes;
static int bridge_probe(struct pci_dev *d, const struct pci_match *m)
{
    (void)d;
    (void)m;
    bridge_probes++;
    return 0;
}
static int bridge_attach(struct pci_dev *d)
{
    bridge_attaches++;
    d->drvdata = &bridge_attaches;
    return 0;
}
static const struct pci_match bridge_ids[] = { PCI_MATCH_ID(0x1b36, 0x0001) };
PCI_DRIVER(ktest_bridge, .name = "ktest-bridge", .ids = bridge_ids, .nids = 1, .probe = bridge_probe,
           .attach = bridge_attach);

static int decline_probe(struct pci_dev *d, const struct pci_match *m)
{
    (void)d;
    (void)m;
    decline_probes++;
    return -ENODEV;
}
static int decline_attach(struct pci_dev *d)
{
    (void)d;
    return -EIO;
}
static const struct pci_match decline_ids[] = { PCI_MATCH_CLASS(0x06, 0x80) };
PCI_DRIVER(ktest_decline, .name = "ktest-decline", .ids = decline_ids, .nids = 1, .probe = decline_probe,
           .attach = decline_attach);

/* --- cases --- */

static void pci_host_bridge_and_ide(struct ktest *t)
{
    struct pci_dev *hb = pci_get(0, 0, 0);
    KT_ASSERT_NOT_NULL(t, hb);
    KT_EXPECT_EQ(t, hb->vendor, 0x8086);
    KT_EXPECT_EQ(t, hb->device, 0x1237); /* i440FX */
    KT_EXPECT_EQ(t, hb->class, 0x06);
    KT_EXPECT_EQ(t, hb->subclass, 0x00);
    for (int i = 0; i < PCI_NUM_BARS; i++)
        KT_EXPECT_EQ(t, hb->bar[i].type, PCI_BAR_NONE);
    struct pci_dev *ide = pci_find_class(0x01, 0x01, NULL);
    KT_ASSERT_NOT_NULL(t, ide);
    KT_EXPECT_EQ(t, ide->vendor, 0x8086);
    KT_EXPECT_EQ(t, ide->device, 0x7010); /* PIIX3 IDE */
    KT_EXPECT_TRUE(t, ide->prog_if & 0x80); /* bus-master capable */
    /* BAR4: the bus-master registers, 16 ports of I/O space. */
    KT_EXPECT_EQ(t, ide->bar[4].type, PCI_BAR_IO);
    KT_EXPECT_EQ(t, ide->bar[4].size, 16);
    KT_EXPECT_NE(t, ide->bar[4].base, 0);
    KT_EXPECT_EQ(t, ide->bar[4].base & 15, 0);
    KT_EXPECT_EQ(t, ide->bar[4].base, pci_read32(ide, PCI_BAR0 + 16) & ~3u);
    KT_EXPECT_NULL(t, pci_find_class(0x01, 0x01, ide)); /* only one */
    KT_EXPECT_TRUE(t, pci_find_device(0x8086, 0x7010, NULL) == ide);
    KT_EXPECT_TRUE(t, pci_find_device(0x8086, PCI_ANY, NULL) == hb);
}

struct sanity {
    struct ktest *t;
    int devices, bars, bad;
};

static void check_bars(struct pci_dev *d, void *arg)
{
    struct sanity *s = arg;
    s->devices++;
    /* The decode bits must be as the firmware left them after probing. */
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        struct pci_bar *b = &d->bar[i];
        if (b->type == PCI_BAR_NONE)
            continue;
        s->bars++;
        bool ok = IS_POW2(b->size) && (b->base & (b->size - 1)) == 0 && b->base != 0;
        if (b->type == PCI_BAR_IO)
            ok = ok && b->size >= 4 && b->size <= 256 && b->base + b->size <= 0x10000;
        else
            ok = ok && b->size >= 16;
        if (b->type == PCI_BAR_MEM32)
            ok = ok && b->base + b->size <= 0x100000000ull;
        if (b->type == PCI_BAR_MEM64)
            ok = ok && i < 5 && d->bar[i + 1].type == PCI_BAR_NONE;
        /* The register still holds the base (probing restored it). */
        uint32_t reg = pci_read32(d, PCI_BAR0 + 4 * (unsigned)i);
        ok = ok && (uint32_t)b->base == (reg & (b->type == PCI_BAR_IO ? ~3u : ~15u));
        if (!ok) {
            s->bad++;
            ktest_log(s->t, "%02x:%02x.%u BAR%d type %d base %llx size %llx looks wrong", d->bus, d->dev, d->func,
                      i, b->type, (unsigned long long)b->base, (unsigned long long)b->size);
        }
    }
}

static void pci_bars_sane(struct ktest *t)
{
    struct sanity s = { t, 0, 0, 0 };
    pci_foreach(check_bars, &s);
    KT_EXPECT_EQ(t, s.devices, pci_device_count());
    KT_EXPECT_GE(t, s.devices, 5);
    KT_EXPECT_GE(t, s.bars, 4); /* IDE BAR4, VGA BAR0/2, e1000 BAR0/1 at least */
    KT_EXPECT_EQ(t, s.bad, 0);
    struct pci_dev *vga = pci_find_class(0x03, 0x00, NULL);
    KT_ASSERT_NOT_NULL(t, vga);
    KT_EXPECT_TRUE(t, vga->bar[0].prefetchable);
    KT_EXPECT_GE(t, vga->bar[0].size, 4 * MiB);
}

static void pci_config_access(struct ktest *t)
{
    struct pci_dev *d = pci_find_class(0x02, 0x00, NULL);
    KT_ASSERT_NOT_NULL(t, d);
    uint32_t id = pci_conf_read32(d->bus, d->dev, d->func, 0);
    KT_EXPECT_EQ(t, id & 0xffff, d->vendor);
    KT_EXPECT_EQ(t, id >> 16, d->device);
    KT_EXPECT_EQ(t, pci_conf_read16(d->bus, d->dev, d->func, 2), d->device);
    KT_EXPECT_EQ(t, pci_conf_read8(d->bus, d->dev, d->func, 1), d->vendor >> 8);
    KT_EXPECT_EQ(t, pci_conf_read8(d->bus, d->dev, d->func, 3), d->device >> 8);
    /* A writable scratch register: the interrupt line.  8/16/32-bit writes
     * land in the right byte; the original is put back. */
    uint8_t line = pci_conf_read8(d->bus, d->dev, d->func, PCI_INTERRUPT_LINE);
    pci_conf_write8(d->bus, d->dev, d->func, PCI_INTERRUPT_LINE, 0x5a);
    KT_EXPECT_EQ(t, pci_conf_read8(d->bus, d->dev, d->func, PCI_INTERRUPT_LINE), 0x5a);
    KT_EXPECT_EQ(t, pci_conf_read32(d->bus, d->dev, d->func, 0x3c) & 0xff, 0x5a);
    pci_conf_write16(d->bus, d->dev, d->func, 0x3c, (uint16_t)(0x0100 | 0xa5)); /* pin is read-only */
    KT_EXPECT_EQ(t, pci_conf_read8(d->bus, d->dev, d->func, PCI_INTERRUPT_LINE), 0xa5);
    KT_EXPECT_EQ(t, pci_conf_read8(d->bus, d->dev, d->func, PCI_INTERRUPT_PIN), d->irq_pin);
    pci_conf_write8(d->bus, d->dev, d->func, PCI_INTERRUPT_LINE, line);
    KT_EXPECT_EQ(t, pci_conf_read8(d->bus, d->dev, d->func, PCI_INTERRUPT_LINE), line);
    /* Absent devices and bad addresses read as all ones. */
    KT_EXPECT_EQ(t, pci_conf_read16(0, 31, 0, 0), 0xffff);
    KT_EXPECT_EQ(t, pci_conf_read32(0, 32, 0, 0), 0xffffffffu);
    KT_EXPECT_EQ(t, pci_conf_read32(0, 0, 8, 0), 0xffffffffu);
    KT_EXPECT_EQ(t, pci_conf_read32(0, 0, 0, 256), 0xffffffffu);
    KT_EXPECT_EQ(t, pci_conf_read32(0, 0, 0, 2), 0xffffffffu); /* misaligned */
    KT_EXPECT_NULL(t, pci_get(0, 31, 7));
}

static void pci_behind_bridge(struct ktest *t)
{
    struct pci_dev *br = pci_find_class(0x06, 0x04, NULL);
    if (!br)
        KT_SKIP(t, "no PCI-PCI bridge in this machine");
    KT_EXPECT_GT(t, br->secondary_bus, br->bus);
    struct pci_dev *d = NULL;
    int behind = 0;
    while ((d = pci_find_device(PCI_ANY, PCI_ANY, d)))
        behind += d->bus == br->secondary_bus;
    KT_EXPECT_GE(t, behind, 1);
    /* The virtio-rng the boot puts there: a 64-bit BAR and capabilities. */
    struct pci_dev *rng = pci_find_device(0x1af4, 0x1005, NULL);
    KT_ASSERT_NOT_NULL(t, rng);
    KT_EXPECT_EQ(t, rng->bus, br->secondary_bus);
    int mem64 = 0;
    for (int i = 0; i < PCI_NUM_BARS; i++)
        mem64 += rng->bar[i].type == PCI_BAR_MEM64;
    KT_EXPECT_EQ(t, mem64, 1);
    KT_EXPECT_TRUE(t, pci_find_cap(rng, PCI_CAP_MSIX) != 0);
    KT_EXPECT_TRUE(t, pci_find_cap(rng, PCI_CAP_VENDOR) != 0);
    KT_EXPECT_EQ(t, pci_find_cap(rng, 0x42), 0);
    for (int i = 0; i < rng->ncaps; i++) {
        KT_EXPECT_GE(t, rng->cap_off[i], 0x40);
        KT_EXPECT_EQ(t, pci_conf_read8(rng->bus, rng->dev, rng->func, rng->cap_off[i]), rng->cap_id[i]);
    }
    /* The registry: our test driver got the bridge, exactly once. */
    KT_EXPECT_EQ(t, bridge_probes, 1);
    KT_EXPECT_EQ(t, bridge_attaches, 1);
    KT_EXPECT_TRUE(t, br->drvdata == &bridge_attaches);
    KT_EXPECT_STREQ(t, br->driver ? br->driver->name : "none", "ktest-bridge");
}

static void pci_driver_decline(struct ktest *t)
{
    struct pci_dev *d = pci_find_class(0x06, 0x80, NULL);
    KT_ASSERT_NOT_NULL(t, d);
    KT_EXPECT_GE(t, decline_probes, 1);
    KT_EXPECT_TRUE(t, d->driver == NULL);
    /* The IDE controller is bound by the ATA driver (class match). */
    struct pci_dev *ide = pci_find_class(0x01, 0x01, NULL);
    KT_ASSERT_NOT_NULL(t, ide);
    KT_EXPECT_STREQ(t, ide->driver ? ide->driver->name : "none", "ata");
}

static void pci_irq_lines(struct ktest *t)
{
    struct pci_dev *nic = pci_find_class(0x02, 0x00, NULL);
    KT_ASSERT_NOT_NULL(t, nic);
    KT_EXPECT_EQ(t, nic->irq_pin, 1);
    int line = pci_irq(nic);
    KT_EXPECT_GE(t, line, 3);
    KT_EXPECT_LT(t, line, 16);
    KT_EXPECT_TRUE(t, pci_irq_is_level((unsigned)line));
    /* Devices without an interrupt pin have no line. */
    struct pci_dev *hb = pci_get(0, 0, 0);
    KT_ASSERT_NOT_NULL(t, hb);
    KT_EXPECT_EQ(t, pci_irq(hb), -ENXIO);
    /* System lines stay edge-triggered. */
    KT_EXPECT_FALSE(t, pci_irq_is_level(0));
    KT_EXPECT_FALSE(t, pci_irq_is_level(14));
}

/* --- a shared, level-triggered line --- */
#define E1000_ICR 0xc0
#define E1000_ICS 0xc8
#define E1000_IMS 0xd0
#define E1000_IMC 0xd8
#define E1000_STATUS 0x08

struct shared {
    volatile uint32_t *regs;
    volatile int other_calls, nic_calls, nic_claims;
    volatile uint32_t icr;
};

static bool other_handler(void *arg)
{
    struct shared *s = arg;
    s->other_calls++;
    return false; /* "not my device" */
}

static bool nic_handler(void *arg)
{
    struct shared *s = arg;
    s->nic_calls++;
    uint32_t icr = s->regs[E1000_ICR / 4]; /* reading acknowledges: the line drops */
    if (!icr)
        return false;
    s->icr |= icr;
    s->nic_claims++;
    return true;
}

static void pci_shared_level_irq(struct ktest *t)
{
    struct pci_dev *nic = pci_find_device(0x8086, 0x100e, NULL);
    if (!nic)
        KT_SKIP(t, "no e1000 in this machine");
    int line = pci_irq(nic);
    KT_ASSERT_GE(t, line, 0);
    pci_enable(nic, PCI_CMD_MEM);
    KT_EXPECT_TRUE(t, pci_read16(nic, PCI_COMMAND) & PCI_CMD_MEM);
    static struct shared s;
    s = (struct shared){ 0 };
    s.regs = pci_map_bar(nic, 0);
    KT_ASSERT_NOT_NULL(t, s.regs);
    KT_EXPECT_NE(t, s.regs[E1000_STATUS / 4], 0xffffffffu);
    s.regs[E1000_IMC / 4] = 0xffffffffu;
    (void)s.regs[E1000_ICR / 4];
    struct irq_stats before, after;
    int err;
    struct irq_action *a1 = irq_register((unsigned)line, other_handler, &s, "ktest-other", &err);
    struct irq_action *a2 = irq_register((unsigned)line, nic_handler, &s, "ktest-e1000", &err);
    KT_ASSERT_NOT_NULL(t, a1);
    KT_ASSERT_NOT_NULL(t, a2);
    irq_get_stats((unsigned)line, &before);
    KT_EXPECT_GE(t, before.handlers, 2);
    /* Three rounds: raise the interrupt (ICS with the cause enabled in
     * IMS), wait for the handler to claim it. */
    for (int round = 1; round <= 3; round++) {
        s.regs[E1000_IMS / 4] = 0x4; /* LSC */
        s.regs[E1000_ICS / 4] = 0x4;
        uint64_t deadline = clock_gettime_ns() + NSEC_PER_SEC;
        while (s.nic_claims < round && clock_gettime_ns() < deadline)
            process_sleep(NSEC_PER_MSEC);
        KT_EXPECT_EQ(t, s.nic_claims, round);
    }
    process_sleep(20 * NSEC_PER_MSEC); /* a line left asserted would storm now */
    s.regs[E1000_IMC / 4] = 0xffffffffu;
    irq_get_stats((unsigned)line, &after);
    irq_unregister(a1);
    irq_unregister(a2);
    KT_EXPECT_TRUE(t, s.icr & 0x4);
    /* Both handlers ran for each interrupt; each one was claimed. */
    KT_EXPECT_EQ(t, s.other_calls, s.nic_calls);
    KT_EXPECT_GE(t, s.nic_calls, 3);
    uint64_t taken = after.count - before.count;
    KT_EXPECT_GE(t, taken, 3);
    KT_EXPECT_LE(t, taken, 6);
    KT_EXPECT_EQ(t, after.unhandled - before.unhandled, taken - (uint64_t)s.nic_claims);
    ktest_log(t, "line %d: %llu interrupts, %d claimed", line, (unsigned long long)taken, s.nic_claims);
}

KTEST_SUITE(pci, KTEST_CASE(pci_host_bridge_and_ide), KTEST_CASE(pci_bars_sane), KTEST_CASE(pci_config_access),
            KTEST_CASE(pci_behind_bridge), KTEST_CASE(pci_driver_decline), KTEST_CASE(pci_irq_lines),
            KTEST_CASE(pci_shared_level_irq));
