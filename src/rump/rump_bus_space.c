/* bus_space_write_{1,2,4} and bus_space_read_4 for NetBSD's rump PCI
 * drivers, supplied by AdrOS in place of librumpdev_pci's
 * (rumpdev_bus_space.c; the build links a copy of the archive in which
 * those are weak, mk/rump.mk), with hooks for platform quirks of emulated
 * devices.
 *
 * The accesses are those of NetBSD's: tag 0 is I/O space (the handle is the
 * port), any other tag memory space (the handle is the virtual address
 * rumpcomp_pci_map returned).  A memory access that lands in a range
 * registered here goes through the range's quirk (before or after a write,
 * after a 32-bit read); any other access costs one compare against the
 * union of the ranges.
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
 * QEMU's e1000 (hw/net/e1000.c, set_rx_control, checked on QEMU 7.2):
 * every write of the receive control register, even one that changes
 * nothing, arms a one-second timer during which the device takes no
 * received frame (they queue in QEMU, and arrive together when it
 * expires).  NetBSD's wm rewrites RCTL with the same value on each change
 * of its multicast filter (wm_set_filter), so the 224.0.0.1 join that
 * comes with a new IPv4 address held the first reply after a DHCP lease
 * for about 950 ms (docs/PERFORMANCE.md).  On the hardware a write of the
 * value the register holds does nothing, so here it is not made: RCTL is
 * read first, and an equal value skipped (counted for `rump status`).  A
 * write that changes the register goes through, and QEMU's hold with it.
 *
 * QEMU's e1000e (hw/net/e1000e_core.c, set_eerd): its NVM has 64 words,
 * and a read through EERD of a word beyond them never completes (DONE
 * stays clear).  NetBSD's wm reads four such words of the 82574's NVM at
 * attach, only to print versions (the image's unique ID, the option ROM's
 * version: wm_nvm_version), and polls each for 100,000 x DELAY(5): 2.1 of
 * rump_init's 2.4 s with an e1000e.  A real 82574 completes every read in
 * microseconds.  So on QEMU's e1000e (8086:10d3 with the subsystem QEMU
 * gives it, 8086:0000), a read of a word beyond the 64 that is still not
 * done 1 ms after it was started is answered done, with an erased word
 * (0xffff, what NetBSD takes for "not programmed"), by every read of EERD
 * until the next read is started (NetBSD polls for DONE, then reads the
 * register again for the data).  This needs bus_space_read_4 to be
 * AdrOS's too (weak in the copy of librumpdev_pci, as the writes).
 * NetBSD's bus_space_read_multi_4 and write_multi_4 make their accesses
 * inline and pass no quirk; no quirk here needs them.
 *
 * Accesses come from rump kernel threads holding a rump CPU; registration
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
uint32_t rumpns_bus_space_read_4(unsigned long tag, unsigned long h, unsigned long off);

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

/* What a device's quirk does; each may be NULL. */
struct quirk_ops {
    void (*written)(uintptr_t base, uintptr_t off);                /* after a write */
    bool (*pre)(uintptr_t base, uintptr_t off, uint32_t val);      /* before a 32-bit write: false
                                                                      to leave it out */
    uint32_t (*read)(uintptr_t base, uintptr_t off, uint32_t val); /* a 32-bit read's answer */
};

struct quirk_range {
    uintptr_t base, len;
    const struct quirk_ops *ops;
};

#define MAX_QUIRKS 8
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

static inline bool in_quirks(uintptr_t a) { return __builtin_expect(a - q_lo < q_hi - q_lo, 0); }

static void quirk_written(uintptr_t a)
{
    for (unsigned i = 0; i < nquirks; i++)
        if (a - quirks[i].base < quirks[i].len && quirks[i].ops->written)
            quirks[i].ops->written(quirks[i].base, a - quirks[i].base);
}

/* Whether the 32-bit write of v at a is to be made. */
static bool quirk_pre(uintptr_t a, uint32_t v)
{
    bool write = true;
    for (unsigned i = 0; i < nquirks; i++)
        if (a - quirks[i].base < quirks[i].len && quirks[i].ops->pre &&
            !quirks[i].ops->pre(quirks[i].base, a - quirks[i].base, v))
            write = false;
    return write;
}

static uint32_t quirk_read(uintptr_t a, uint32_t v)
{
    for (unsigned i = 0; i < nquirks; i++)
        if (a - quirks[i].base < quirks[i].len && quirks[i].ops->read)
            v = quirks[i].ops->read(quirks[i].base, a - quirks[i].base, v);
    return v;
}

static const struct quirk_ops hda_ops = { .written = hda_quirk };

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

static bool xhci_pre(uintptr_t base, uintptr_t off, uint32_t v)
{
    struct xhci_q *x = NULL;
    for (unsigned i = 0; i < XHCI_MAX; i++)
        if (xhcis[i].base == base)
            x = &xhcis[i];
    if (!x)
        return true;
    uintptr_t op = *reg8(base, XHCI_CAPLENGTH);
    uintptr_t db = *(volatile uint32_t *)(base + XHCI_DBOFF) & ~(uintptr_t)3;
    if (off == op + XHCI_OP_CRCR_LO) {
        if (v & ~0x3fu) { /* a (new) ring; not an abort or stop */
            x->ring = v & ~0x3fu;
            x->next = 0;
            x->cycle = v & 1u; /* RCS */
        }
        return true;
    }
    if (off == op + XHCI_OP_CRCR_HI || off != db || !x->ring)
        return true; /* not the command ring's doorbell (doorbell 0) */
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
    return true;
}

static const struct quirk_ops xhci_ops = { .pre = xhci_pre };

/* QEMU's e1000: the receive control register. */
#define E1000_RCTL 0x100

static volatile unsigned long rctl_skipped;
static bool have_e1000;

static bool e1000_pre(uintptr_t base, uintptr_t off, uint32_t v)
{
    if (off != E1000_RCTL || *(volatile uint32_t *)(base + off) != v)
        return true;
    __atomic_add_fetch(&rctl_skipped, 1, __ATOMIC_RELAXED);
    return false;
}

static const struct quirk_ops e1000_ops = { .pre = e1000_pre };

bool rump__e1000_rctl_skipped(unsigned long *n)
{
    *n = rctl_skipped;
    return have_e1000;
}

/* QEMU's e1000e: the NVM read register (82574: start bit 0, done bit 1,
 * the word's address from bit 2, its data from bit 16). */
#define E1000E_EERD 0x14
#define EERD_START 0x1u
#define EERD_DONE 0x2u
#define EERD_ADDR_SHIFT 2
#define EERD_ADDR_MASK 0x3fffu
#define EERD_DATA_SHIFT 16
#define QEMU_E1000E_NVM_WORDS 64
#define E1000E_MAX 2

static struct e1000e_q {
    uintptr_t base;
    bool beyond;       /* the read started is of a word QEMU does not have */
    bool answered;     /* and has been answered (counted once) */
    uint32_t addr;     /* its address */
    uint64_t start_ns; /* when it was started */
} e1000es[E1000E_MAX];
static volatile unsigned long nvm_answered;

static struct e1000e_q *e1000e_of(uintptr_t base)
{
    for (unsigned i = 0; i < E1000E_MAX; i++)
        if (e1000es[i].base == base)
            return &e1000es[i];
    return NULL;
}

/* NetBSD reads the NVM from one thread at a time (at attach, and under
 * wm's core lock after it): no lock here. */
static bool e1000e_pre(uintptr_t base, uintptr_t off, uint32_t v)
{
    struct e1000e_q *q = off == E1000E_EERD ? e1000e_of(base) : NULL;
    if (q) {
        q->addr = (v >> EERD_ADDR_SHIFT) & EERD_ADDR_MASK;
        q->beyond = (v & EERD_START) && q->addr >= QEMU_E1000E_NVM_WORDS;
        q->answered = false;
        q->start_ns = clock_gettime_ns();
    }
    return true;
}

/* The read is answered once it has stayed undone for NVM_GIVE_UP_NS (a
 * real 82574 completes one in microseconds; QEMU never does), and then
 * every read of EERD answers it, as the register keeps a completed read
 * until the next: NetBSD polls for DONE and reads the data again after. */
#define NVM_GIVE_UP_NS (1000 * 1000)

static uint32_t e1000e_read(uintptr_t base, uintptr_t off, uint32_t v)
{
    struct e1000e_q *q = off == E1000E_EERD ? e1000e_of(base) : NULL;
    if (!q || !q->beyond || (v & EERD_DONE))
        return v;
    if (!q->answered) {
        if (clock_gettime_ns() - q->start_ns < NVM_GIVE_UP_NS)
            return v;
        q->answered = true;
        __atomic_add_fetch(&nvm_answered, 1, __ATOMIC_RELAXED);
    }
    return 0xffffu << EERD_DATA_SHIFT | q->addr << EERD_ADDR_SHIFT | EERD_DONE;
}

static const struct quirk_ops e1000e_ops = { .pre = e1000e_pre, .read = e1000e_read };

bool rump__e1000e_nvm_answered(unsigned long *n)
{
    *n = nvm_answered;
    return e1000es[0].base != 0;
}

void rumpns_bus_space_write_1(unsigned long tag, unsigned long h, unsigned long off, uint8_t v)
{
    if (tag == 0) {
        outb((uint16_t)(h + off), v);
        return;
    }
    *(volatile uint8_t *)(h + off) = v;
    if (in_quirks(h + off))
        quirk_written(h + off);
}

void rumpns_bus_space_write_2(unsigned long tag, unsigned long h, unsigned long off, uint16_t v)
{
    if (tag == 0) {
        outw((uint16_t)(h + off), v);
        return;
    }
    *(volatile uint16_t *)(h + off) = v;
    if (in_quirks(h + off))
        quirk_written(h + off);
}

void rumpns_bus_space_write_4(unsigned long tag, unsigned long h, unsigned long off, uint32_t v)
{
    if (tag == 0) {
        outl((uint16_t)(h + off), v);
        return;
    }
    if (!in_quirks(h + off)) {
        *(volatile uint32_t *)(h + off) = v;
        return;
    }
    if (quirk_pre(h + off, v))
        *(volatile uint32_t *)(h + off) = v;
    quirk_written(h + off);
}

uint32_t rumpns_bus_space_read_4(unsigned long tag, unsigned long h, unsigned long off)
{
    if (tag == 0)
        return inl((uint16_t)(h + off));
    uint32_t v = *(volatile uint32_t *)(h + off);
    return in_quirks(h + off) ? quirk_read(h + off, v) : v;
}

static void quirk_add(uintptr_t base, uintptr_t len, const struct quirk_ops *ops)
{
    for (unsigned i = 0; i < nquirks; i++)
        if (quirks[i].base == base)
            return; /* mapped again (idempotent mapping): registered */
    if (nquirks == MAX_QUIRKS) {
        kprintf(KERN_WARN "rump: no room for a device quirk at %#lx\n", (unsigned long)base);
        return;
    }
    quirks[nquirks++] = (struct quirk_range){ base, len, ops };
    if (base < q_lo)
        q_lo = base;
    if (base + len > q_hi)
        q_hi = base + len;
}

static void e1000e_mapped(struct pci_dev *d, uintptr_t base, unsigned long len)
{
    for (unsigned i = 0; i < E1000E_MAX; i++) {
        if (e1000es[i].base == base)
            return; /* mapped again */
        if (!e1000es[i].base) {
            e1000es[i].base = base;
            quirk_add(base, len, &e1000e_ops);
            kprintf(KERN_INFO "rump: e1000e %02x:%02x.%u: NVM reads beyond QEMU's 64 words answered as erased\n",
                    d->bus, d->dev, d->func);
            return;
        }
    }
}

/* The device of class cls/sub whose memory BAR 0 is at pa and that is
 * the one the quirk is for, or NULL. */
static struct pci_dev *dev_at(uint8_t cls, uint8_t sub, unsigned long pa, bool (*is)(const struct pci_dev *))
{
    for (struct pci_dev *d = pci_find_class(cls, sub, NULL); d; d = pci_find_class(cls, sub, d))
        if (d->bar[0].type != PCI_BAR_IO && d->bar[0].base == pa && is(d))
            return d;
    return NULL;
}

/* Intel HD Audio controllers (class 04/03). */
static bool is_hda(const struct pci_dev *d) { return d->vendor == 0x8086; }
/* xHCI controllers (class 0c/03). */
static bool is_xhci(const struct pci_dev *d) { return d->prog_if == 0x30; }
/* QEMU's e1000 models (class 02/00): 82540EM, 82544GC, 82545EM, with the
 * subsystem vendor QEMU gives a device that names none (1af4). */
static bool is_qemu_e1000(const struct pci_dev *d)
{
    return d->vendor == 0x8086 && (d->device == 0x100e || d->device == 0x100c || d->device == 0x100f) &&
           d->subsys_vendor == 0x1af4;
}
/* QEMU's e1000e (class 02/00): an 82574L with QEMU's default subsystem,
 * 8086:0000. */
static bool is_qemu_e1000e(const struct pci_dev *d)
{
    return d->vendor == 0x8086 && d->device == 0x10d3 && d->subsys_vendor == 0x8086 && d->subsys_id == 0;
}

static void xhci_mapped(struct pci_dev *d, uintptr_t base, unsigned long len)
{
    for (unsigned i = 0; i < XHCI_MAX; i++) {
        if (xhcis[i].base == base)
            return; /* mapped again */
        if (!xhcis[i].base) {
            xhcis[i].base = base;
            quirk_add(base, len, &xhci_ops);
            kprintf(KERN_INFO "rump: xHCI %02x:%02x.%u: Configure Endpoint commands get the slot context's "
                              "Add flag\n", d->bus, d->dev, d->func);
            return;
        }
    }
}

/* Called by rumpcomp_pci_map (rumpuser_pci.c) for every memory BAR. */
static void bus_space_mapped(unsigned long pa, unsigned long len, void *va)
{
    struct pci_dev *x = dev_at(0x0c, 0x03, pa, is_xhci);
    if (x && va) {
        xhci_mapped(x, (uintptr_t)va, len);
        return;
    }
    struct pci_dev *e = dev_at(0x02, 0x00, pa, is_qemu_e1000e);
    if (e && va) {
        e1000e_mapped(e, (uintptr_t)va, len);
        return;
    }
    e = dev_at(0x02, 0x00, pa, is_qemu_e1000);
    if (e && va) {
        quirk_add((uintptr_t)va, len, &e1000_ops);
        have_e1000 = true;
        kprintf(KERN_INFO "rump: e1000 %02x:%02x.%u: RCTL rewrites that change nothing are skipped (QEMU "
                          "holds received frames for 1 s after each)\n", e->bus, e->dev, e->func);
        return;
    }
    struct pci_dev *d = dev_at(0x04, 0x03, pa, is_hda);
    if (!d || !va || len < HDA_MMIO_SIZE)
        return;
    uintptr_t base = (uintptr_t)va;
    quirk_add(base, len, &hda_ops);
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
bool rump__e1000_rctl_skipped(unsigned long *n)
{
    *n = 0;
    return false;
}
bool rump__e1000e_nvm_answered(unsigned long *n)
{
    *n = 0;
    return false;
}
#endif
