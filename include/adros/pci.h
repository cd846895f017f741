/* The PCI bus: configuration space, enumeration, BARs, capabilities,
 * interrupt lines, and a driver registry.
 *
 * Configuration mechanism #1 (ports 0xcf8/0xcfc).  At INIT_BUS every bus
 * reachable from bus 0 through PCI-PCI bridges is scanned, every device and
 * function recorded as a struct pci_dev (never freed), and listed in the
 * boot log like lspci.  At INIT_DRIVER each device is offered to the drivers
 * declared with PCI_DRIVER(), in link order, until one attaches.
 *
 * Config-space accessors take bus/dev/func directly (the rump PCI hypercalls
 * need exactly that); out-of-range addresses read as all ones and writes to
 * them are ignored.  All functions may be called from thread context; the
 * config accessors also from interrupt handlers. */
#ifndef ADROS_PCI_H
#define ADROS_PCI_H

#include <adros/list.h>
#include <adros/types.h>

/* Configuration header offsets. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION 0x08
#define PCI_PROG_IF 0x09
#define PCI_SUBCLASS 0x0a
#define PCI_CLASS 0x0b
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_SUBSYS_VENDOR 0x2c
#define PCI_SUBSYS_ID 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_CMD_IO 0x0001
#define PCI_CMD_MEM 0x0002
#define PCI_CMD_MASTER 0x0004
#define PCI_CMD_INTX_DISABLE 0x0400
#define PCI_STATUS_INTR 0x0008
#define PCI_STATUS_CAPS 0x0010

#define PCI_CAP_PM 0x01
#define PCI_CAP_MSI 0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_PCIE 0x10
#define PCI_CAP_MSIX 0x11

#define PCI_ANY 0xffff
#define PCI_NUM_BARS 6
#define PCI_MAX_CAPS 16

enum pci_bar_type { PCI_BAR_NONE, PCI_BAR_IO, PCI_BAR_MEM32, PCI_BAR_MEM64 };

struct pci_bar {
    enum pci_bar_type type;
    bool prefetchable;
    uint64_t base;  /* bus address (== physical on the PC) or I/O port */
    uint64_t size;  /* bytes; 0 when the BAR is not implemented */
};

struct pci_driver;

struct pci_dev {
    uint8_t bus, dev, func;
    uint16_t vendor, device;
    uint8_t class, subclass, prog_if, revision;
    uint8_t header_type;       /* without the multi-function bit */
    uint16_t subsys_vendor, subsys_id;
    struct pci_bar bar[PCI_NUM_BARS]; /* a 64-bit BAR fills i; i+1 stays NONE */
    uint8_t irq_line;          /* 0xff: none (as the firmware left it) */
    uint8_t irq_pin;           /* 0: none, 1..4: INTA..INTD */
    uint8_t secondary_bus;     /* bridges */
    uint8_t ncaps;
    uint8_t cap_id[PCI_MAX_CAPS], cap_off[PCI_MAX_CAPS];
    const struct pci_driver *driver; /* the driver attached, or NULL */
    void *drvdata;             /* the driver's */
    struct list_node node;
};

/* A match: vendor/device (PCI_ANY for any), and/or class: the 24-bit
 * class << 16 | subclass << 8 | prog_if, compared under class_mask
 * (0: class ignored). */
struct pci_match {
    uint16_t vendor, device;
    uint32_t class, class_mask;
};
#define PCI_MATCH_ID(v, d) { (v), (d), 0, 0 }
#define PCI_MATCH_CLASS(c, s) { PCI_ANY, PCI_ANY, ((uint32_t)(c) << 16) | ((uint32_t)(s) << 8), 0xffff00 }

struct pci_driver {
    const char *name;
    const struct pci_match *ids;
    size_t nids;
    /* Optional: 0 to take the device, a negative errno to decline it. */
    int (*probe)(struct pci_dev *d, const struct pci_match *m);
    /* Sets the device up; 0 or a negative errno (the device stays free). */
    int (*attach)(struct pci_dev *d);
};
/* Declares a driver: PCI_DRIVER(ata, .name = "ata", .ids = ..., ...). */
#define PCI_DRIVER(id, ...) \
    static const struct pci_driver __pci_driver_##id __used \
        __attribute__((section("pci_drivers"), aligned(4))) = { __VA_ARGS__ }

/* Config space of any bus/dev/func (offsets aligned to the access size). */
uint8_t pci_conf_read8(unsigned bus, unsigned dev, unsigned func, unsigned off);
uint16_t pci_conf_read16(unsigned bus, unsigned dev, unsigned func, unsigned off);
uint32_t pci_conf_read32(unsigned bus, unsigned dev, unsigned func, unsigned off);
void pci_conf_write8(unsigned bus, unsigned dev, unsigned func, unsigned off, uint8_t v);
void pci_conf_write16(unsigned bus, unsigned dev, unsigned func, unsigned off, uint16_t v);
void pci_conf_write32(unsigned bus, unsigned dev, unsigned func, unsigned off, uint32_t v);
/* The same for a known device. */
uint32_t pci_read32(const struct pci_dev *d, unsigned off);
void pci_write32(const struct pci_dev *d, unsigned off, uint32_t v);
uint16_t pci_read16(const struct pci_dev *d, unsigned off);
void pci_write16(const struct pci_dev *d, unsigned off, uint16_t v);

/* Lookups over the enumerated devices; `from` continues a search (NULL:
 * from the start).  Return NULL when there is no (further) match. */
struct pci_dev *pci_get(unsigned bus, unsigned dev, unsigned func);
struct pci_dev *pci_find_device(uint16_t vendor, uint16_t device, struct pci_dev *from);
/* subclass PCI_ANY (0xffff): any subclass. */
struct pci_dev *pci_find_class(uint8_t class, unsigned subclass, struct pci_dev *from);
void pci_foreach(void (*fn)(struct pci_dev *d, void *ctx), void *ctx);
int pci_device_count(void);

/* Turns on the command-register bits given (PCI_CMD_IO/MEM/MASTER). */
void pci_enable(struct pci_dev *d, uint16_t cmd_bits);
/* Maps memory BAR i (uncached); returns its virtual address or NULL (not a
 * memory BAR, above 4 GiB, or the mapping failed). */
void *pci_map_bar(struct pci_dev *d, int i);
/* The device's legacy interrupt line for irq_register, or -ENXIO when it
 * uses no interrupt (pin 0) or the firmware routed none. */
int pci_irq(const struct pci_dev *d);
/* Config-space offset of capability `id`, or 0 if the device lacks it. */
unsigned pci_find_cap(const struct pci_dev *d, uint8_t id);
/* Human-readable name of a class, "?" when unknown. */
const char *pci_class_name(uint8_t class, uint8_t subclass);

/* Interrupt routing (pci_irq.c): whether a legacy line is level-triggered
 * (PIIX ELCR), and making it so. */
bool pci_irq_is_level(unsigned line);
void pci_irq_set_level(unsigned line);
void pci_irq_route_init(void);
/* The bus 0 slot and pin (1-4) that pin (1-4) of bus:dev reaches through
 * the PCI-PCI bridges above it (the standard swizzle); false when no
 * bridge leads to the bus. */
bool pci_irq_root_pin(unsigned bus, unsigned dev, unsigned pin, unsigned *root_dev, unsigned *root_pin);

#endif
