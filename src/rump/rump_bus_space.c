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
 * xHCI (NetBSD 7.99's xhci against the xHCI specification, 4.6.6): the
 * input context of a Configure Endpoint command must have the slot
 * context's Add flag (A0) set; NetBSD sets it only when it configures the
 * default control endpoint, and QEMU (hw/usb/hcd-xhci.c) fails every other
 * Configure Endpoint with a TRB error, so no bulk pipe opens (umass:
 * "cannot open 2-out pipe").  Before each write of the command ring's
 * doorbell we set A0 in the input context of each Configure Endpoint
 * command queued since the last one (the ring's address is what NetBSD
 * wrote to CRCR; DMA memory is identity-mapped).
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
    void (*fn)(uintptr_t base, uintptr_t off);                /* after a write, or NULL */
    void (*pre)(uintptr_t base, uintptr_t off, uint32_t val); /* before a 32-bit write, or NULL */
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
            if (a - quirks[i].base < quirks[i].len && quirks[i].fn)
                quirks[i].fn(quirks[i].base, a - quirks[i].base);
    }
}

static inline void quirk_pre(uintptr_t a, uint32_t v)
{
    if (__builtin_expect(a - q_lo < q_hi - q_lo, 0)) {
        for (unsigned i = 0; i < nquirks; i++)
            if (a - quirks[i].base < quirks[i].len && quirks[i].pre)
                quirks[i].pre(quirks[i].base, a - quirks[i].base, v);
    }
}

/* xHCI registers and command ring TRBs. */
#define XHCI_CAPLENGTH 0x00
#define XHCI_DBOFF 0x14
#define XHCI_OP_CRCR_LO 0x18
#define XHCI_OP_CRCR_HI 0x1c
#define XHCI_TRB_TYPE(c) (((c) >> 10) & 0x3f)
#define XHCI_TRB_LINK 6
#define XHCI_TRB_CONFIGURE_EP 12
#define XHCI_TRB_NONE 0
#define XHCI_RING_MAX 256 /* NetBSD's command ring: XHCI_COMMAND_RING_TRBS (its Link TRB the last) */
#define XHCI_MAX 2

static struct xhci_q {
    uintptr_t base;
    uint32_t ring;  /* physical, from CRCR */
    unsigned next;  /* the next TRB not looked at */
    uint32_t cycle; /* the producer's cycle bit for it */
} xhcis[XHCI_MAX];

static void xhci_pre(uintptr_t base, uintptr_t off, uint32_t v)
{
    struct xhci_q *x = NULL;
    for (unsigned i = 0; i < XHCI_MAX; i++)
        if (xhcis[i].base == base)
            x = &xhcis[i];
    if (!x)
        return;
    uintptr_t op = *reg8(base, XHCI_CAPLENGTH);
    uintptr_t db = *(volatile uint32_t *)(base + XHCI_DBOFF) & ~(uintptr_t)3;
    if (off == op + XHCI_OP_CRCR_LO) {
        if (v & ~0x3fu) { /* a (new) ring; not an abort or stop */
            x->ring = v & ~0x3fu;
            x->next = 0;
            x->cycle = v & 1u; /* RCS */
        }
        return;
    }
    if (off == op + XHCI_OP_CRCR_HI || off != db || !x->ring)
        return; /* not the command ring's doorbell (doorbell 0) */
    /* The TRBs NetBSD queued since the last doorbell: from x->next while
     * their cycle bit is the producer's (one not yet written this pass has
     * the other, or is still zero); a Link TRB sends us back to the start
     * with the cycle toggled.  Never past the ring's 256 TRBs (what follows
     * is another allocation, or a guard page), and never an old command,
     * whose input context may have been freed with its slot. */
    for (unsigned n = 0; n < XHCI_RING_MAX; n++) {
        if (x->next >= XHCI_RING_MAX) {
            x->next = 0;
            continue;
        }
        volatile uint32_t *trb = (volatile uint32_t *)(uintptr_t)x->ring + 4 * x->next;
        uint32_t c = trb[3], type = XHCI_TRB_TYPE(c);
        if (type == XHCI_TRB_NONE || (c & 1u) != x->cycle)
            break;
        if (type == XHCI_TRB_LINK) {
            if (c & 2u) /* Toggle Cycle */
                x->cycle ^= 1u;
            x->next = 0;
            continue;
        }
        if (type == XHCI_TRB_CONFIGURE_EP && trb[0] && !trb[1]) {
            volatile uint32_t *ictl = (volatile uint32_t *)(uintptr_t)trb[0];
            ictl[1] |= 1u; /* A0 */
        }
        x->next++;
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
    quirk_pre(h + off, v);
    *(volatile uint32_t *)(h + off) = v;
    quirk_check(h + off);
}

static void quirk_add(uintptr_t base, uintptr_t len, void (*fn)(uintptr_t, uintptr_t),
                      void (*pre)(uintptr_t, uintptr_t, uint32_t))
{
    for (unsigned i = 0; i < nquirks; i++)
        if (quirks[i].base == base)
            return; /* mapped again (idempotent mapping): registered */
    if (nquirks == MAX_QUIRKS) {
        kprintf(KERN_WARN "rump: no room for a device quirk at %#lx\n", (unsigned long)base);
        return;
    }
    quirks[nquirks++] = (struct quirk_range){ base, len, fn, pre };
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

/* The xHCI controller (class 0c/03/30) whose memory BAR 0 is at pa, or
 * NULL. */
static struct pci_dev *xhci_at(unsigned long pa)
{
    for (struct pci_dev *d = pci_find_class(0x0c, 0x03, NULL); d; d = pci_find_class(0x0c, 0x03, d))
        if (d->prog_if == 0x30 && d->bar[0].type != PCI_BAR_IO && d->bar[0].base == pa)
            return d;
    return NULL;
}

static void xhci_mapped(struct pci_dev *d, uintptr_t base, unsigned long len)
{
    for (unsigned i = 0; i < XHCI_MAX; i++) {
        if (xhcis[i].base == base)
            return; /* mapped again */
        if (!xhcis[i].base) {
            xhcis[i].base = base;
            quirk_add(base, len, NULL, xhci_pre);
            kprintf(KERN_INFO "rump: xHCI %02x:%02x.%u: Configure Endpoint commands get the slot context's "
                              "Add flag\n", d->bus, d->dev, d->func);
            return;
        }
    }
}

/* Called by rumpcomp_pci_map (rumpuser_pci.c) for every memory BAR. */
static void bus_space_mapped(unsigned long pa, unsigned long len, void *va)
{
    struct pci_dev *x = xhci_at(pa);
    if (x && va) {
        xhci_mapped(x, (uintptr_t)va, len);
        return;
    }
    struct pci_dev *d = hda_at(pa);
    if (!d || !va || len < HDA_MMIO_SIZE)
        return;
    uintptr_t base = (uintptr_t)va;
    quirk_add(base, len, hda_quirk, NULL);
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
