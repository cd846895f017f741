/* bus_space_write_{1,2,4} for NetBSD's rump PCI drivers, supplied by AdrOS
 * in place of librumpdev_pci's (rumpdev_bus_space.c; the build links a copy
 * of the archive in which those are weak, mk/rump.mk), with a hook for
 * platform quirks of emulated devices.
 *
 * The accesses are those of NetBSD's: tag 0 is I/O space (the handle is the
 * port), any other tag memory space (the handle is the virtual address
 * rumpcomp_pci_map returned).  After a memory write that lands in a range
 * registered here, the range's quirk runs; any other write costs one
 * compare against the union of the ranges.
 *
 * QEMU quirks of intel-hda (hw/audio/intel-hda.c, checked on QEMU 7.2),
 * worked around here without touching NetBSD's hdaudio:
 *  - codec presence (STATESTS) is latched only when the controller *enters*
 *    reset.  PC firmware leaves the controller out of reset (GCTL.CRST=1);
 *    QEMU's does not, so NetBSD, which clears STATESTS and only leaves a
 *    controller that is in reset, finds "no codecs".  When the registers
 *    are mapped we leave reset, as the firmware would: NetBSD then enters
 *    and leaves reset itself and QEMU latches the codecs.
 *  - the CORB is processed only while the responses counted since the
 *    last RIRBSTS.RINTFL acknowledge are below RINTCNT, which resets to 0
 *    (real controllers read 0 as 256) and which NetBSD 2016 never writes:
 *    every command times out ("rirb count reached" in the debug=2 trace).
 *    After a write that leaves reset or starts the rings we set RINTCNT
 *    to 0xff; and since NetBSD polls the RIRB with interrupts off during
 *    attach (nobody acknowledges RINTFL, so the count would stick at 255),
 *    before each command (a CORBWP write) a pending RINTFL is acknowledged,
 *    which restarts QEMU's count.  An interrupt handler that finds RINTFL
 *    already clear finds any unsolicited response with the next command.
 *
 * Writes come from rump kernel threads holding a rump CPU; registration
 * (bus_space_mapped) from rumpcomp_pci_map, before the driver uses the
 * registers: the hypercall library calls it through the hook that
 * rump__bus_space_init installs (rumpuser_adros_set_pci_map_hook). */
#ifdef ADROS_RUMP_PCI
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/pci.h>
#include <arch/cpu.h>

#include "../rumpuser/rumpuser_adros.h"
#include "rump_int.h"

void rumpns_bus_space_write_1(unsigned long tag, unsigned long h, unsigned long off, uint8_t v);
void rumpns_bus_space_write_2(unsigned long tag, unsigned long h, unsigned long off, uint16_t v);
void rumpns_bus_space_write_4(unsigned long tag, unsigned long h, unsigned long off, uint32_t v);

/* Intel HD Audio controller registers. */
#define HDA_GCTL 0x08
#define HDA_GCTL_CRST 0x1u
#define HDA_CORBWP 0x48
#define HDA_CORBCTL 0x4c
#define HDA_RINTCNT 0x5a
#define HDA_RIRBCTL 0x5c
#define HDA_RIRBSTS 0x5d
#define HDA_RIRBSTS_RINTFL 0x1u
#define HDA_MMIO_SIZE 0x4000

struct quirk_range {
    uintptr_t base, len;
    void (*fn)(uintptr_t base, uintptr_t off);
};

#define MAX_QUIRKS 4
static struct quirk_range quirks[MAX_QUIRKS];
static unsigned nquirks;
static uintptr_t q_lo = ~(uintptr_t)0, q_hi; /* the union of the ranges */

static inline volatile uint8_t *reg8(uintptr_t b, uintptr_t o) { return (volatile uint8_t *)(b + o); }
static inline volatile uint16_t *reg16(uintptr_t b, uintptr_t o) { return (volatile uint16_t *)(b + o); }

static void hda_quirk(uintptr_t base, uintptr_t off)
{
    switch (off) {
    case HDA_GCTL:
    case HDA_CORBCTL:
    case HDA_RIRBCTL:
        if ((*(volatile uint32_t *)(base + HDA_GCTL) & HDA_GCTL_CRST) && (*reg16(base, HDA_RINTCNT) & 0xff) == 0)
            *reg16(base, HDA_RINTCNT) = 0xff;
        break;
    case HDA_CORBWP:
        if (*reg8(base, HDA_RIRBSTS) & HDA_RIRBSTS_RINTFL) {
            /* Acknowledge, then resubmit: QEMU restarts its count on the
             * acknowledge and runs the ring again at the new write pointer. */
            *reg8(base, HDA_RIRBSTS) = HDA_RIRBSTS_RINTFL;
        }
        break;
    }
}

static inline void quirk_check(uintptr_t a)
{
    if (__builtin_expect(a - q_lo < q_hi - q_lo, 0)) {
        for (unsigned i = 0; i < nquirks; i++)
            if (a - quirks[i].base < quirks[i].len)
                quirks[i].fn(quirks[i].base, a - quirks[i].base);
    }
}

void rumpns_bus_space_write_1(unsigned long tag, unsigned long h, unsigned long off, uint8_t v)
{
    if (tag == 0) {
        outb((uint16_t)(h + off), v);
        return;
    }
    *(volatile uint8_t *)(h + off) = v;
    quirk_check(h + off);
}

void rumpns_bus_space_write_2(unsigned long tag, unsigned long h, unsigned long off, uint16_t v)
{
    if (tag == 0) {
        outw((uint16_t)(h + off), v);
        return;
    }
    *(volatile uint16_t *)(h + off) = v;
    quirk_check(h + off);
}

void rumpns_bus_space_write_4(unsigned long tag, unsigned long h, unsigned long off, uint32_t v)
{
    if (tag == 0) {
        outl((uint16_t)(h + off), v);
        return;
    }
    *(volatile uint32_t *)(h + off) = v;
    quirk_check(h + off);
}

static void quirk_add(uintptr_t base, uintptr_t len, void (*fn)(uintptr_t, uintptr_t))
{
    for (unsigned i = 0; i < nquirks; i++)
        if (quirks[i].base == base)
            return; /* mapped again (idempotent mapping): registered */
    if (nquirks == MAX_QUIRKS) {
        kprintf(KERN_WARN "rump: no room for a device quirk at %#lx\n", (unsigned long)base);
        return;
    }
    quirks[nquirks++] = (struct quirk_range){ base, len, fn };
    if (base < q_lo)
        q_lo = base;
    if (base + len > q_hi)
        q_hi = base + len;
}

/* The Intel HDA controller (class 04/03, vendor 8086) whose memory BAR 0
 * is at pa, or NULL. */
static struct pci_dev *hda_at(unsigned long pa)
{
    for (struct pci_dev *d = pci_find_class(0x04, 0x03, NULL); d; d = pci_find_class(0x04, 0x03, d))
        if (d->vendor == 0x8086 && d->bar[0].type != PCI_BAR_IO && d->bar[0].base == pa)
            return d;
    return NULL;
}

/* Called by rumpcomp_pci_map (rumpuser_pci.c) for every memory BAR. */
static void bus_space_mapped(unsigned long pa, unsigned long len, void *va)
{
    struct pci_dev *d = hda_at(pa);
    if (!d || !va || len < HDA_MMIO_SIZE)
        return;
    uintptr_t base = (uintptr_t)va;
    quirk_add(base, len, hda_quirk);
    /* Leave reset as PC firmware does (see the top of the file). */
    pci_enable(d, PCI_CMD_MEM);
    volatile uint32_t *gctl = (volatile uint32_t *)(base + HDA_GCTL);
    if (!(*gctl & HDA_GCTL_CRST)) {
        *gctl |= HDA_GCTL_CRST;
        uint64_t end = clock_gettime_ns() + 1000000;
        while (!(*gctl & HDA_GCTL_CRST) && clock_gettime_ns() < end)
            cpu_pause();
    }
    kprintf(KERN_INFO "rump: HD audio %02x:%02x.%u: QEMU intel-hda quirks on (GCTL.CRST %u)\n", d->bus, d->dev,
            d->func, (unsigned)(*gctl & HDA_GCTL_CRST));
}

void rump__bus_space_init(void) { rumpuser_adros_set_pci_map_hook(bus_space_mapped); }
#else /* no PCI component: nothing to fix up */
#include "rump_int.h"
void rump__bus_space_init(void) {}
#endif
