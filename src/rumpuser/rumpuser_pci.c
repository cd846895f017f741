/* librumpuser_adros, PCI hypercalls (rumpcomp_pci_*) for NetBSD's PCI
 * device components (rumpdev_pci), built with the user features "DMA
 * free" and "I/O space".
 *
 * - configuration space by bus/device/function, 32-bit registers;
 * - BARs: memory mapped uncached through vmm_map_mmio; I/O space needs no
 *   set-up (ring 0 reaches every port);
 * - interrupts: one AdrOS handler per line (shared between devices, and
 *   with AdrOS's own drivers) only masks the line and wakes the line's
 *   interrupt threads (one for handlers that need the big lock, one for
 *   those that do not); each, bound to the rump kernel once, runs its
 *   rump handlers holding a rump CPU, then unmasks the line.  No rump
 *   code ever runs in an interrupt handler.  The threads run at
 *   RUMPUSER_INTR_PRIO, and so does any thread while it holds one of
 *   NetBSD's spin mutexes (rumpuser_sync.c, the priority ceiling): a
 *   handler never preempts the holder of a lock it needs;
 * - DMA memory: RAM is identity mapped below 4 GiB, so a kmalloc_aligned
 *   block is physically contiguous and its address is its bus address. */

#include "rumpuser_int.h"

static bool conf_ok(unsigned bus, unsigned dev, unsigned fun, int reg)
{
    return bus < 256 && dev < 32 && fun < 8 && reg >= 0 && reg < 256 && (reg & 3) == 0;
}

/* A function driven by one of AdrOS's own drivers (the IDE controller of
 * the ATA driver) is not the rump kernel's: it reads as absent and cannot
 * be written.  Two drivers must never drive one device, and NetBSD's bus
 * scan sizes every BAR by writing all ones to it, which, while AdrOS's
 * driver is doing bus-master DMA through that BAR, loses the transfer
 * (seen: an ATA DMA read timing out while the rump kernel started). */
static bool adros_owns(unsigned bus, unsigned dev, unsigned fun)
{
    struct pci_dev *d = pci_get(bus, dev, fun);
    return d && d->driver;
}

/* 0, or EINVAL for an address outside configuration space. */
int rumpcomp_pci_confread(unsigned bus, unsigned dev, unsigned fun, int reg, unsigned int *value)
{
    if (!conf_ok(bus, dev, fun, reg)) {
        *value = 0xffffffffu;
        return EINVAL;
    }
    *value = adros_owns(bus, dev, fun) ? 0xffffffffu : pci_conf_read32(bus, dev, fun, (unsigned)reg);
    return 0;
}

int rumpcomp_pci_confwrite(unsigned bus, unsigned dev, unsigned fun, int reg, unsigned int value)
{
    if (!conf_ok(bus, dev, fun, reg))
        return EINVAL;
    if (adros_owns(bus, dev, fun))
        return 0; /* absent for the rump kernel */
    pci_conf_write32(bus, dev, fun, (unsigned)reg, value);
    return 0;
}

static rumpuser_adros_pci_map_fn map_hook;
void rumpuser_adros_set_pci_map_hook(rumpuser_adros_pci_map_fn fn) { map_hook = fn; }

/* Memory BAR at physical addr: its uncached mapping, or NULL. */
void *rumpcomp_pci_map(unsigned long addr, unsigned long len)
{
    void *va = vmm_map_mmio((paddr_t)addr, (size_t)len);
    if (!va)
        kprintf(KERN_ERR "rumpuser: cannot map PCI memory %#lx+%#lx\n", addr, len);
    else if (map_hook)
        map_hook(addr, len, va); /* device quirks of the layer above */
    return va;
}

/* x86 port I/O works from ring 0 as is. */
int rumpcomp_pci_iospace_init(void) { return 0; }

/* ---- interrupts ---- */

#define MAX_COOKIES 32
#define MAX_HANDLERS 32

/* Handlers run in one of two groups per line, each with its own thread:
 * GROUP_GIANT holds the rump kernel's big lock, as NetBSD's x86 interrupt
 * code runs every handler not established MPSAFE (the rump PCI glue passes
 * no flags: scsipi_done, called from vioscsi's handler, asserts it);
 * GROUP_MP holds only a rump CPU, for the drivers whose handlers take
 * their own locks (mp_safe_class()).  A thread that holds the big lock
 * while it busy-waits (wm_init: mii_phy_auto polls the PHY for 500 ms with
 * DELAY, holding the lock and wm's spin mutex) then holds back only the
 * GROUP_GIANT handlers: measured before the split, the sound card's
 * handler, on wm's line 11, waited 553-572 ms for the lock in the boot's
 * DHCP start, longer than the card's 371 ms ring, which QEMU replayed. */
enum { GROUP_GIANT, GROUP_MP, NGROUPS };

/* While the line is held masked for a GROUP_GIANT pass, the GROUP_MP
 * handlers are called every POLL_NS all the same (a handler on a shared
 * line checks its device's status first, as it must for any interrupt of
 * the line's other devices): measured, the boot's DHCP start holds wm's
 * handler 558-575 ms behind the big lock while wm's device asserts the
 * line it shares with the sound card (QEMU's e1000 and intel-hda both on
 * IRQ 11 with the 8259), whose ring lasts 371 ms and whose blocks 46 ms. */
#define POLL_NS 4000000ull

struct irq_line;

struct pci_handler {
    int (*fn)(void *);
    void *arg;
    struct pci_handler *next;
    struct irq_line *line;
    int group;
};

/* A group's thread and handlers.  handlers is changed only under
 * irq_lock; the thread walks it without the lock, holding a rump CPU,
 * with busy set, so a handler that is unlinked is freed only once busy is
 * seen clear (rumpcomp_pci_irq_disestablish). */
struct irq_group {
    struct irq_line *line;
    int group;
    struct thread *thread;
    struct pci_handler *volatile handlers;
    volatile bool pending;     /* set by the AdrOS handler */
    volatile bool busy;        /* the thread is running handlers */
    struct waitq wq;
};

/* One per interrupt line in use by the rump kernel.  action is
 * registered while the line has handlers.  The line is masked from the
 * interrupt until every group with handlers has run them (waiting, in
 * bits), except that a GROUP_MP pass whose handlers claimed the
 * interrupt unmasks it at once: the device was theirs, and a GROUP_GIANT
 * handler waiting for the big lock must not keep it from the next one.
 * If the line fires again and no GROUP_MP handler claims it, it stays
 * masked until the GROUP_GIANT pass ends (a device of that group may be
 * asserting a level-triggered line): one extra pass, never a storm; the
 * GROUP_MP handlers are polled meanwhile (POLL_NS).
 * waiting and masked change with interrupts off. */
struct irq_line {
    unsigned line;
    struct irq_action *action;
    struct irq_group grp[NGROUPS];
    volatile unsigned waiting; /* bit per group whose pass the mask waits for */
    volatile bool masked;
    uint64_t unhandled;        /* interrupts that came before any handler */
    struct waitq idle;         /* woken when a group's busy goes false */
    uint64_t count;
};

static kmutex_t irq_lock = KMUTEX_INIT(irq_lock, "rumpuser-pci-irq");
static int cookie_line[MAX_COOKIES]; /* cookie -> line + 1 (0: unmapped) */
static int cookie_group[MAX_COOKIES];
static struct irq_line *lines[IRQ_LINES];

/* Sound cards (PCI class 04, subclass 01 audio, 03 HD audio): every
 * NetBSD audio driver's handler runs under its own sc_intr_lock, the
 * lock audio(4) requires of it (checked in this tree for hdaudio_intr/
 * hdafg_stream_intr, auich_intr, eap_intr), never under the big lock. */
static bool mp_safe_class(unsigned bus, unsigned dev, unsigned fun)
{
    uint32_t cls = pci_conf_read32(bus, dev, fun, 0x08) >> 16;
    return cls == 0x0401 || cls == 0x0403;
}

/* Records which line the rump kernel's cookie stands for: the line the
 * firmware routed for the device, else the one the rump kernel read. */
int rumpcomp_pci_irq_map(unsigned bus, unsigned dev, unsigned fun, int intrline, unsigned cookie)
{
    if (cookie >= MAX_COOKIES)
        return EINVAL;
    int line = intrline;
    struct pci_dev *d = pci_get(bus, dev, fun);
    if (d) {
        int l = pci_irq(d);
        if (l >= 0)
            line = l;
    }
    if (line < 0 || line >= IRQ_LINES)
        return ENXIO;
    cookie_line[cookie] = line + 1;
    cookie_group[cookie] = mp_safe_class(bus, dev, fun) ? GROUP_MP : GROUP_GIANT;
    return 0;
}

/* Interrupt context: mask the line until the groups have run their
 * handlers (a level-triggered line would fire again at once). */
static bool line_irq(void *arg)
{
    struct irq_line *l = arg;
    irqchip_mask(l->line);
    l->masked = true;
    for (int g = 0; g < NGROUPS; g++) {
        struct irq_group *gr = &l->grp[g];
        if (!gr->thread || !gr->handlers)
            continue;
        l->waiting |= 1u << g;
        gr->pending = true;
        waitq_wake_one(&gr->wq);
    }
    /* No group can take it yet: the line's AdrOS handler goes live in
     * rumpcomp_pci_irq_establish before the handler is linked, and a device
     * may already assert its line then (virtio's ISR bit, set before its
     * driver reads it).  Unmasking would take the same level-triggered
     * interrupt again at once, for ever, the establishing thread never
     * running again (seen: virtio-scsi boots hanging in rump_init, 5 of 10).
     * The line stays masked; the establishment hands it to the new handler. */
    if (!l->waiting)
        l->unhandled++;
    /* Taken over (the threads handle it); the other handlers on a shared
     * line are called all the same. */
    return true;
}

static void *group_thread(void *arg)
{
    struct irq_group *gr = arg;
    struct irq_line *l = gr->line;
    rumpuser__hyp.hyp_schedule();
    rumpuser__hyp.hyp_lwproc_newlwp(0);
    rumpuser__hyp.hyp_unschedule();
    for (;;) {
        irqflags_t f = irq_save();
        while (!gr->pending) {
            /* The line held masked for a GROUP_GIANT pass: poll. */
            bool poll = gr->group == GROUP_MP && l->masked && (l->waiting & (1u << GROUP_GIANT));
            if (waitq_wait(&gr->wq, poll ? clock_gettime_ns() + POLL_NS : 0, false) == -ETIMEDOUT)
                break;
        }
        gr->pending = false;
        irq_restore(f);
        if (gr->group == GROUP_GIANT)
            l->count++;
        int nlocks, claimed = 0;
        rumpuser__sched(gr->group == GROUP_GIANT ? 1 : 0, NULL);
        gr->busy = true;
        for (struct pci_handler *h = gr->handlers; h; h = h->next)
            claimed |= h->fn(h->arg);
        gr->busy = false;
        rumpuser__unsched(&nlocks, NULL);
        waitq_wake_all(&l->idle);
        f = irq_save();
        if (!gr->pending) /* else the next pass answers the newer interrupt */
            l->waiting &= ~(1u << gr->group);
        if (l->masked && (!l->waiting || (gr->group == GROUP_MP && claimed))) {
            l->masked = false;
            irqchip_unmask(l->line);
        }
        irq_restore(f);
    }
    return NULL;
}

/* The line's AdrOS handler, registered again after its last handler went
 * (rumpcomp_pci_irq_disestablish).  Caller holds irq_lock. */
static bool line_hook(struct irq_line *l)
{
    if (l->action)
        return true;
    int err;
    l->action = irq_register(l->line, line_irq, l, "rump-pci", &err);
    if (!l->action)
        kprintf(KERN_ERR "rumpuser: cannot register IRQ %u: %d\n", l->line, err);
    return l->action != NULL;
}

/* The group's thread, started on its first handler.  Caller holds
 * irq_lock. */
static bool group_start(struct irq_line *l, int g)
{
    struct irq_group *gr = &l->grp[g];
    if (gr->thread)
        return true;
    struct thread_attr a = { .name = g == GROUP_MP ? "rump-intr-mp" : "rump-intr", .prio = RUMPUSER_INTR_PRIO,
                             .stack_size = 64 * 1024 };
    return thread_create(&a, group_thread, gr, &gr->thread) >= 0;
}

static struct irq_line *line_get(unsigned line)
{
    if (lines[line])
        return line_hook(lines[line]) ? lines[line] : NULL;
    struct irq_line *l = kzalloc(sizeof(*l));
    if (!l)
        return NULL;
    l->line = line;
    waitq_init(&l->idle);
    for (int g = 0; g < NGROUPS; g++) {
        l->grp[g].line = l;
        l->grp[g].group = g;
        waitq_init(&l->grp[g].wq);
    }
    /* An interrupt arriving before a group's thread runs is remembered
     * in its pending flag. */
    if (!line_hook(l)) {
        kfree(l);
        return NULL;
    }
    lines[line] = l;
    return l;
}

/* Adds handler(arg) for the cookie's line; returns a handle, or NULL. */
void *rumpcomp_pci_irq_establish(unsigned cookie, int (*handler)(void *), void *arg)
{
    if (cookie >= MAX_COOKIES || !cookie_line[cookie] || !handler)
        return NULL;
    struct pci_handler *h = kzalloc(sizeof(*h));
    if (!h)
        return NULL;
    h->fn = handler;
    h->arg = arg;
    h->group = cookie_group[cookie];
    void *ret = NULL;
    RUMPUSER_BLOCKING({
        kmutex_lock(&irq_lock);
        struct irq_line *l = line_get((unsigned)(cookie_line[cookie] - 1));
        if (l && group_start(l, h->group)) {
            struct irq_group *gr = &l->grp[h->group];
            struct pci_handler *volatile *pp = &gr->handlers;
            while (*pp)
                pp = &(*pp)->next;
            h->line = l;
            *pp = h;
            ret = h;
            /* An interrupt that came before any handler left the line
             * masked (line_irq): this group's pass answers it and
             * unmasks. */
            irqflags_t f = irq_save();
            bool handed = l->masked && !l->waiting;
            if (handed) {
                l->waiting |= 1u << gr->group;
                gr->pending = true;
                waitq_wake_one(&gr->wq);
            }
            irq_restore(f);
            if (handed && rumpuser__verbose)
                kprintf("rumpuser: IRQ %u asserted before its handler (%llu times): held masked, handed to it\n",
                        l->line, (unsigned long long)l->unhandled);
        } else if (l && !l->grp[GROUP_GIANT].handlers && !l->grp[GROUP_MP].handlers && l->action) {
            /* Nothing established on the line: its AdrOS handler goes,
             * and a mask it left is lifted. */
            irq_unregister(l->action);
            l->action = NULL;
            irqflags_t f = irq_save();
            if (l->masked && !l->waiting) {
                l->masked = false;
                irqchip_unmask(l->line);
            }
            irq_restore(f);
        }
        kmutex_unlock(&irq_lock);
    });
    if (!ret)
        kfree(h);
    return ret;
}

/* Removes a handler rumpcomp_pci_irq_establish returned (NetBSD's PCI glue
 * has no such hypercall: src/rump/rump_pci_glue.c calls this for
 * pci_intr_disestablish).  When it returns, the handler is not running and
 * never runs again; the line's AdrOS handler goes with its last rump
 * handler, so a device left asserting its line does not keep the line's
 * threads busy.  Blocks without the rump CPU. */
void rumpcomp_pci_irq_disestablish(void *cookie)
{
    struct pci_handler *h = cookie;
    if (!h)
        return;
    struct irq_line *l = h->line;
    struct irq_group *gr = &l->grp[h->group];
    RUMPUSER_BLOCKING({
        kmutex_lock(&irq_lock);
        struct pci_handler *volatile *pp = &gr->handlers;
        while (*pp && *pp != h)
            pp = &(*pp)->next;
        if (*pp == h)
            *pp = h->next;
        if (!l->grp[GROUP_GIANT].handlers && !l->grp[GROUP_MP].handlers && l->action) {
            irq_unregister(l->action);
            l->action = NULL;
        }
        kmutex_unlock(&irq_lock);
        /* The thread may be past the unlink point, running h. */
        irqflags_t f = irq_save();
        while (gr->busy)
            waitq_wait(&l->idle, 0, false);
        irq_restore(f);
    });
    kfree(h);
}

/* ---- DMA memory ---- */

/* size bytes aligned to align (a power of two, at least 16), physically
 * contiguous, below 4 GiB, zeroed.  0 or ENOMEM/EINVAL. */
int rumpcomp_pci_dmalloc(size_t size, size_t align, unsigned long *pap, unsigned long *vap)
{
    if (align < 16)
        align = 16;
    if (!IS_POW2(align) || size == 0)
        return EINVAL;
    void *p = kmalloc_aligned(size, align);
    if (!p)
        return ENOMEM;
    memset(p, 0, size);
    *pap = (unsigned long)(uintptr_t)p;
    *vap = (unsigned long)(uintptr_t)p;
    return 0;
}

void rumpcomp_pci_dmafree(unsigned long va, size_t size) { kfree((void *)(uintptr_t)va); }

/* The segments come from rumpcomp_pci_dmalloc: identity mapped, so they
 * can be used as they are when they follow each other in memory; others
 * would need a remapping AdrOS does not do (EOPNOTSUPP). */
int rumpcomp_pci_dmamem_map(struct rumpcomp_pci_dmaseg *segs, size_t nseg, size_t totlen, void **vap)
{
    if (nseg == 0)
        return EINVAL;
    for (size_t i = 1; i < nseg; i++)
        if (segs[i].ds_pa != segs[i - 1].ds_pa + segs[i - 1].ds_len)
            return EOPNOTSUPP;
    *vap = (void *)(uintptr_t)segs[0].ds_pa;
    return 0;
}

/* NetBSD's bus_dma asks for a segment's bus address here, and for each page's
 * address through vtophys (wrapped in src/rump/rump_pager.c): a buffer of
 * NetBSD's pager may be a mapping window of scattered frames. */
unsigned long rumpcomp_pci_virt_to_mach(void *va) { return vmm_virt_to_phys((vaddr_t)(uintptr_t)va); }
