/* PCI: configuration mechanism #1, bus enumeration through bridges, BAR and
 * capability decoding, the boot-log listing, and driver binding.  See
 * include/adros/pci.h.
 *
 * Locking: the 0xcf8/0xcfc pair is one shared register window, so each
 * access runs with interrupts off (one CPU).  The device list is built once
 * at INIT_BUS by one thread and only read afterwards, so it needs no lock;
 * driver binding runs once at INIT_DRIVER. */
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/pci.h>
#include <adros/string.h>
#include <arch/cpu.h>

#define CONF_ADDR 0xcf8
#define CONF_DATA 0xcfc

KOPTION(pci, "pci", "pci=off: do not scan the PCI bus");

extern const struct pci_driver __start_pci_drivers[], __stop_pci_drivers[];

static struct list_node devices = LIST_INIT(devices);
static int ndevices;
static bool present;

/* ---- configuration space ---- */

static bool addr_ok(unsigned bus, unsigned dev, unsigned func, unsigned off)
{
    return present && bus < 256 && dev < 32 && func < 8 && off < 256;
}

static uint32_t conf_addr(unsigned bus, unsigned dev, unsigned func, unsigned off)
{
    return 0x80000000u | bus << 16 | dev << 11 | func << 8 | (off & 0xfc);
}

uint32_t pci_conf_read32(unsigned bus, unsigned dev, unsigned func, unsigned off)
{
    if (!addr_ok(bus, dev, func, off) || (off & 3))
        return 0xffffffffu;
    irqflags_t f = irq_save();
    outl(CONF_ADDR, conf_addr(bus, dev, func, off));
    uint32_t v = inl(CONF_DATA);
    irq_restore(f);
    return v;
}

uint16_t pci_conf_read16(unsigned bus, unsigned dev, unsigned func, unsigned off)
{
    if (!addr_ok(bus, dev, func, off) || (off & 1))
        return 0xffff;
    irqflags_t f = irq_save();
    outl(CONF_ADDR, conf_addr(bus, dev, func, off));
    uint16_t v = inw((uint16_t)(CONF_DATA + (off & 2)));
    irq_restore(f);
    return v;
}

uint8_t pci_conf_read8(unsigned bus, unsigned dev, unsigned func, unsigned off)
{
    if (!addr_ok(bus, dev, func, off))
        return 0xff;
    irqflags_t f = irq_save();
    outl(CONF_ADDR, conf_addr(bus, dev, func, off));
    uint8_t v = inb((uint16_t)(CONF_DATA + (off & 3)));
    irq_restore(f);
    return v;
}

void pci_conf_write32(unsigned bus, unsigned dev, unsigned func, unsigned off, uint32_t v)
{
    if (!addr_ok(bus, dev, func, off) || (off & 3))
        return;
    irqflags_t f = irq_save();
    outl(CONF_ADDR, conf_addr(bus, dev, func, off));
    outl(CONF_DATA, v);
    irq_restore(f);
}

void pci_conf_write16(unsigned bus, unsigned dev, unsigned func, unsigned off, uint16_t v)
{
    if (!addr_ok(bus, dev, func, off) || (off & 1))
        return;
    irqflags_t f = irq_save();
    outl(CONF_ADDR, conf_addr(bus, dev, func, off));
    outw((uint16_t)(CONF_DATA + (off & 2)), v);
    irq_restore(f);
}

void pci_conf_write8(unsigned bus, unsigned dev, unsigned func, unsigned off, uint8_t v)
{
    if (!addr_ok(bus, dev, func, off))
        return;
    irqflags_t f = irq_save();
    outl(CONF_ADDR, conf_addr(bus, dev, func, off));
    outb((uint16_t)(CONF_DATA + (off & 3)), v);
    irq_restore(f);
}

uint32_t pci_read32(const struct pci_dev *d, unsigned off) { return pci_conf_read32(d->bus, d->dev, d->func, off); }
uint16_t pci_read16(const struct pci_dev *d, unsigned off) { return pci_conf_read16(d->bus, d->dev, d->func, off); }
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v) { pci_conf_write32(d->bus, d->dev, d->func, off, v); }
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v) { pci_conf_write16(d->bus, d->dev, d->func, off, v); }

static bool mech1_present(void)
{
    irqflags_t f = irq_save();
    uint32_t old = inl(CONF_ADDR);
    outl(CONF_ADDR, 0x80000000u);
    bool ok = inl(CONF_ADDR) == 0x80000000u;
    outl(CONF_ADDR, old);
    irq_restore(f);
    return ok;
}

/* ---- BARs and capabilities ---- */

/* Sizes the BARs by writing all ones and reading back.  Decoding is off
 * meanwhile (and interrupts, so nothing touches the device), since a BAR
 * briefly holding all ones would otherwise claim random addresses. */
static void probe_bars(struct pci_dev *d)
{
    int nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;
    irqflags_t f = irq_save();
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    pci_write16(d, PCI_COMMAND, cmd & (uint16_t)~(PCI_CMD_IO | PCI_CMD_MEM));
    for (int i = 0; i < nbars; i++) {
        unsigned off = PCI_BAR0 + 4 * (unsigned)i;
        uint32_t orig = pci_read32(d, off);
        pci_write32(d, off, 0xffffffffu);
        uint32_t sz = pci_read32(d, off);
        pci_write32(d, off, orig);
        struct pci_bar *b = &d->bar[i];
        if (sz == 0 || sz == 0xffffffffu)
            continue; /* not implemented */
        if (orig & 1) {
            uint32_t mask = sz & ~3u;
            if ((mask & 0xffff0000u) == 0)
                mask |= 0xffff0000u; /* a 16-bit-only decoder */
            b->type = PCI_BAR_IO;
            b->base = orig & ~3u;
            b->size = (uint32_t)(~mask + 1);
            continue;
        }
        b->prefetchable = (orig & 8) != 0;
        uint64_t mask = sz & ~0xfu;
        b->base = orig & ~0xfu;
        if (((orig >> 1) & 3) == 2 && i + 1 < nbars) {
            uint32_t orig_hi = pci_read32(d, off + 4);
            pci_write32(d, off + 4, 0xffffffffu);
            uint32_t sz_hi = pci_read32(d, off + 4);
            pci_write32(d, off + 4, orig_hi);
            b->type = PCI_BAR_MEM64;
            b->base |= (uint64_t)orig_hi << 32;
            mask |= (uint64_t)sz_hi << 32;
            b->size = ~mask + 1;
            i++; /* the upper half */
        } else {
            b->type = PCI_BAR_MEM32;
            b->size = (uint32_t)(~(uint32_t)mask + 1);
        }
        if (mask == 0)
            b->type = PCI_BAR_NONE;
    }
    pci_write16(d, PCI_COMMAND, cmd);
    irq_restore(f);
}

static void walk_caps(struct pci_dev *d)
{
    if (!(pci_read16(d, PCI_STATUS) & PCI_STATUS_CAPS) || d->header_type > 1)
        return;
    unsigned off = pci_conf_read8(d->bus, d->dev, d->func, PCI_CAP_PTR) & 0xfc;
    /* At most 48 entries fit in config space: a longer chain is a loop. */
    for (int n = 0; off >= 0x40 && n < 48; n++) {
        uint8_t id = pci_conf_read8(d->bus, d->dev, d->func, off);
        if (d->ncaps < PCI_MAX_CAPS) {
            d->cap_id[d->ncaps] = id;
            d->cap_off[d->ncaps] = (uint8_t)off;
            d->ncaps++;
        }
        off = pci_conf_read8(d->bus, d->dev, d->func, off + 1) & 0xfc;
    }
}

unsigned pci_find_cap(const struct pci_dev *d, uint8_t id)
{
    for (int i = 0; i < d->ncaps; i++)
        if (d->cap_id[i] == id)
            return d->cap_off[i];
    return 0;
}

/* ---- enumeration ---- */

static uint8_t bus_seen[256 / 8];

static void scan_bus(unsigned bus);

static void add_function(unsigned bus, unsigned dev, unsigned func)
{
    struct pci_dev *d = kzalloc(sizeof(*d));
    if (!d) {
        klog(LOG_ERR, "pci: out of memory at %02x:%02x.%u\n", bus, dev, func);
        return;
    }
    d->bus = (uint8_t)bus;
    d->dev = (uint8_t)dev;
    d->func = (uint8_t)func;
    uint32_t id = pci_read32(d, PCI_VENDOR_ID);
    d->vendor = (uint16_t)id;
    d->device = (uint16_t)(id >> 16);
    uint32_t cls = pci_read32(d, PCI_REVISION);
    d->revision = (uint8_t)cls;
    d->prog_if = (uint8_t)(cls >> 8);
    d->subclass = (uint8_t)(cls >> 16);
    d->class = (uint8_t)(cls >> 24);
    d->header_type = pci_conf_read8(bus, dev, func, PCI_HEADER_TYPE) & 0x7f;
    if (d->header_type == 0) {
        d->subsys_vendor = pci_read16(d, PCI_SUBSYS_VENDOR);
        d->subsys_id = pci_read16(d, PCI_SUBSYS_ID);
    }
    d->irq_line = pci_conf_read8(bus, dev, func, PCI_INTERRUPT_LINE);
    d->irq_pin = pci_conf_read8(bus, dev, func, PCI_INTERRUPT_PIN);
    if (d->irq_pin > 4)
        d->irq_pin = 0;
    probe_bars(d);
    walk_caps(d);
    list_init(&d->node);
    list_push_back(&devices, &d->node);
    ndevices++;
    if (d->header_type == 1) {
        d->secondary_bus = pci_conf_read8(bus, dev, func, PCI_SECONDARY_BUS);
        if (d->secondary_bus > bus)
            scan_bus(d->secondary_bus);
        else
            klog(LOG_WARN, "pci: bridge %02x:%02x.%u has no usable secondary bus (%u); not scanned\n", bus,
                 dev, func, d->secondary_bus);
    }
}

static void scan_bus(unsigned bus)
{
    if (bus_seen[bus / 8] & (1u << (bus % 8)))
        return; /* a misconfigured bridge pointing at a bus already scanned */
    bus_seen[bus / 8] |= (uint8_t)(1u << (bus % 8));
    for (unsigned dev = 0; dev < 32; dev++) {
        if (pci_conf_read16(bus, dev, 0, PCI_VENDOR_ID) == 0xffff)
            continue;
        bool multi = pci_conf_read8(bus, dev, 0, PCI_HEADER_TYPE) & 0x80;
        for (unsigned func = 0; func < (multi ? 8u : 1u); func++) {
            if (pci_conf_read16(bus, dev, func, PCI_VENDOR_ID) == 0xffff)
                continue;
            add_function(bus, dev, func);
        }
    }
}

/* ---- lookups ---- */

struct pci_dev *pci_get(unsigned bus, unsigned dev, unsigned func)
{
    struct list_node *it;
    list_for_each(it, &devices) {
        struct pci_dev *d = list_entry(it, struct pci_dev, node);
        if (d->bus == bus && d->dev == dev && d->func == func)
            return d;
    }
    return NULL;
}

static struct list_node *first_after(struct pci_dev *from)
{
    return from ? from->node.next : devices.next;
}

struct pci_dev *pci_find_device(uint16_t vendor, uint16_t device, struct pci_dev *from)
{
    for (struct list_node *it = first_after(from); it != &devices; it = it->next) {
        struct pci_dev *d = list_entry(it, struct pci_dev, node);
        if ((vendor == PCI_ANY || d->vendor == vendor) && (device == PCI_ANY || d->device == device))
            return d;
    }
    return NULL;
}

struct pci_dev *pci_find_class(uint8_t class, unsigned subclass, struct pci_dev *from)
{
    for (struct list_node *it = first_after(from); it != &devices; it = it->next) {
        struct pci_dev *d = list_entry(it, struct pci_dev, node);
        if (d->class == class && (subclass == PCI_ANY || d->subclass == subclass))
            return d;
    }
    return NULL;
}

void pci_foreach(void (*fn)(struct pci_dev *d, void *ctx), void *ctx)
{
    struct list_node *it;
    list_for_each(it, &devices) fn(list_entry(it, struct pci_dev, node), ctx);
}

int pci_device_count(void) { return ndevices; }

void pci_enable(struct pci_dev *d, uint16_t cmd_bits)
{
    uint16_t cmd = pci_read16(d, PCI_COMMAND);
    if ((cmd & cmd_bits) != cmd_bits)
        pci_write16(d, PCI_COMMAND, cmd | cmd_bits);
}

void *pci_map_bar(struct pci_dev *d, int i)
{
    if (i < 0 || i >= PCI_NUM_BARS)
        return NULL;
    struct pci_bar *b = &d->bar[i];
    if ((b->type != PCI_BAR_MEM32 && b->type != PCI_BAR_MEM64) || b->size == 0 || b->base == 0 ||
        b->base + b->size > 0x100000000ull || b->size > 0x40000000ull)
        return NULL;
    return vmm_map_mmio((paddr_t)b->base, (size_t)b->size);
}

int pci_irq(const struct pci_dev *d)
{
    if (d->irq_pin == 0 || d->irq_line == 0 || d->irq_line >= 16 || d->irq_line == 2)
        return -ENXIO;
    return d->irq_line;
}

const char *pci_class_name(uint8_t class, uint8_t sub)
{
    static const struct {
        uint8_t c, s;
        const char *name;
    } names[] = {
        { 0x01, 0x01, "IDE controller" },      { 0x01, 0x06, "SATA controller" },
        { 0x01, 0x00, "SCSI controller" },     { 0x01, 0x08, "NVMe controller" },
        { 0x02, 0x00, "Ethernet controller" }, { 0x03, 0x00, "VGA controller" },
        { 0x04, 0x01, "Audio device" },        { 0x04, 0x03, "Audio device (HDA)" },
        { 0x06, 0x00, "Host bridge" },         { 0x06, 0x01, "ISA bridge" },
        { 0x06, 0x04, "PCI bridge" },          { 0x06, 0x80, "Bridge" },
        { 0x0c, 0x03, "USB controller" },      { 0x0c, 0x05, "SMBus" },
        { 0x00, 0x00, "Unclassified" },        { 0xff, 0xff, "?" },
    };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].c == class && names[i].s == sub)
            return names[i].name;
    if (class == 0x06 && sub == 0x80)
        return "Bridge";
    return class == 0x01 ? "Storage controller" : class == 0x06 ? "Bridge" : "Device";
}

/* ---- the listing ---- */

static void list_one(struct pci_dev *d, void *ctx)
{
    (void)ctx;
    char irq[24] = "";
    if (d->irq_pin)
        ksnprintf(irq, sizeof(irq), " irq %u (INT%c)", d->irq_line, 'A' + d->irq_pin - 1);
    kprintf("pci: %02x:%02x.%u %04x:%04x [%02x%02x%02x] %s rev %02x%s\n", d->bus, d->dev, d->func, d->vendor,
            d->device, d->class, d->subclass, d->prog_if, pci_class_name(d->class, d->subclass), d->revision, irq);
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        struct pci_bar *b = &d->bar[i];
        if (b->type == PCI_BAR_NONE)
            continue;
        if (b->type == PCI_BAR_IO)
            kprintf("pci:     BAR%d io   0x%04llx size %llu\n", i, (unsigned long long)b->base,
                    (unsigned long long)b->size);
        else
            kprintf("pci:     BAR%d mem%s 0x%08llx size %llu %s%s\n", i, b->type == PCI_BAR_MEM64 ? "64" : "32",
                    (unsigned long long)b->base,
                    (unsigned long long)(b->size >= 1024 ? b->size / 1024 : b->size),
                    b->size >= 1024 ? "KiB" : "bytes", b->prefetchable ? " prefetchable" : "");
    }
    if (d->ncaps) {
        char caps[3 * PCI_MAX_CAPS + 1] = "";
        for (int i = 0; i < d->ncaps; i++)
            ksnprintf(caps + 3 * i, sizeof(caps) - 3 * (size_t)i, " %02x", d->cap_id[i]);
        kprintf("pci:     capabilities:%s\n", caps);
    }
    if (d->header_type == 1)
        kprintf("pci:     bridge to bus %02x\n", d->secondary_bus);
}

static int pci_init(void)
{
    if (!cmdline_get_bool("pci", true))
        return 0;
    present = mech1_present();
    if (!present) {
        kprintf("pci: configuration mechanism #1 not present; no PCI\n");
        return -ENODEV;
    }
    /* A multi-function host bridge at 00:00 means one host controller per
     * function, each owning the bus with its function number. */
    if (pci_conf_read8(0, 0, 0, PCI_HEADER_TYPE) & 0x80) {
        for (unsigned f = 0; f < 8; f++)
            if (pci_conf_read16(0, 0, f, PCI_VENDOR_ID) != 0xffff)
                scan_bus(f);
    } else {
        scan_bus(0);
    }
    kprintf("pci: %d functions\n", ndevices);
    pci_foreach(list_one, NULL);
    pci_irq_route_init();
    return 0;
}
INITCALL(INIT_BUS, pci_init);

/* ---- drivers ---- */

static const struct pci_match *match(const struct pci_driver *drv, const struct pci_dev *d)
{
    uint32_t cls = (uint32_t)d->class << 16 | (uint32_t)d->subclass << 8 | d->prog_if;
    for (size_t i = 0; i < drv->nids; i++) {
        const struct pci_match *m = &drv->ids[i];
        if (m->vendor != PCI_ANY && m->vendor != d->vendor)
            continue;
        if (m->device != PCI_ANY && m->device != d->device)
            continue;
        if ((cls & m->class_mask) != (m->class & m->class_mask))
            continue;
        return m;
    }
    return NULL;
}

static void bind_one(struct pci_dev *d, void *ctx)
{
    (void)ctx;
    for (const struct pci_driver *drv = __start_pci_drivers; drv < __stop_pci_drivers && !d->driver; drv++) {
        const struct pci_match *m = match(drv, d);
        if (!m || !drv->attach || (drv->probe && drv->probe(d, m) != 0))
            continue;
        int err = drv->attach(d);
        if (err) {
            klog(LOG_WARN, "pci: %02x:%02x.%u: driver %s failed to attach: %d\n", d->bus, d->dev, d->func,
                 drv->name, err);
            continue;
        }
        d->driver = drv;
        kprintf("pci: %02x:%02x.%u: attached %s\n", d->bus, d->dev, d->func, drv->name);
    }
}

static int pci_bind_drivers(void)
{
    if (present)
        pci_foreach(bind_one, NULL);
    return 0;
}
INITCALL(INIT_DRIVER, pci_bind_drivers);
