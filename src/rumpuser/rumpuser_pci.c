/* librumpuser_adros, PCI hypercalls (rumpcomp_pci_*) for NetBSD's PCI
 * device components (rumpdev_pci), built with the user features "DMA
 * free" and "I/O space".
 *
 * - configuration space by bus/device/function, 32-bit registers;
 * - BARs: memory mapped uncached through vmm_map_mmio; I/O space needs no
 *   set-up (ring 0 reaches every port);
 * - interrupts: one AdrOS handler per line (shared between devices, and
 *   with AdrOS's own drivers) only masks the line and wakes the line's
 *   interrupt thread; that thread, bound to the rump kernel once, runs the
 *   rump handlers holding a rump CPU, then unmasks the line.  No rump
 *   code ever runs in an interrupt handler;
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

struct pci_handler {
    int (*fn)(void *);
    void *arg;
    struct pci_handler *next;
    struct irq_line *line;
};

/* One per interrupt line in use by the rump kernel.  handlers is changed
 * only under irq_lock; the thread walks it without the lock, holding a rump
 * CPU, with busy set, so a handler that is unlinked is freed only once busy
 * is seen clear (rumpcomp_pci_irq_disestablish).  action is registered
 * while the line has handlers. */
struct irq_line {
    unsigned line;
    struct irq_action *action;
    struct thread *thread;
    struct pci_handler *volatile handlers;
    volatile bool pending;     /* set by the AdrOS handler */
    volatile bool busy;        /* the thread is running handlers */
    struct waitq wq;
    struct waitq idle;         /* woken when busy goes false */
    uint64_t count;
};

static kmutex_t irq_lock = KMUTEX_INIT(irq_lock, "rumpuser-pci-irq");
static int cookie_line[MAX_COOKIES]; /* cookie -> line + 1 (0: unmapped) */
static struct irq_line *lines[IRQ_LINES];

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
    return 0;
}

/* Interrupt context: mask the line until the thread has run the rump
 * handlers (a level-triggered line would fire again at once). */
static bool line_irq(void *arg)
{
    struct irq_line *l = arg;
    l->pending = true;
    irqchip_mask(l->line);
    waitq_wake_one(&l->wq);
    /* Taken over (the thread handles it); the other handlers on a shared
     * line are called all the same. */
    return true;
}

static void *line_thread(void *arg)
{
    struct irq_line *l = arg;
    rumpuser__hyp.hyp_schedule();
    rumpuser__hyp.hyp_lwproc_newlwp(0);
    rumpuser__hyp.hyp_unschedule();
    for (;;) {
        irqflags_t f = irq_save();
        while (!l->pending)
            waitq_wait(&l->wq, 0, false);
        l->pending = false;
        irq_restore(f);
        l->count++;
        /* With the big kernel lock, as NetBSD's x86 interrupt code runs
         * every handler not established MPSAFE (the rump PCI glue passes
         * no flags): scsipi_done, called from vioscsi's handler, asserts
         * it. */
        int nlocks;
        rumpuser__sched(1, NULL);
        l->busy = true;
        for (struct pci_handler *h = l->handlers; h; h = h->next)
            h->fn(h->arg);
        l->busy = false;
        rumpuser__unsched(&nlocks, NULL);
        waitq_wake_all(&l->idle);
        irqchip_unmask(l->line);
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

static struct irq_line *line_get(unsigned line)
{
    if (lines[line])
        return line_hook(lines[line]) ? lines[line] : NULL;
    struct irq_line *l = kzalloc(sizeof(*l));
    if (!l)
        return NULL;
    l->line = line;
    waitq_init(&l->wq);
    waitq_init(&l->idle);
    /* The line first: an interrupt arriving before the thread runs is
     * remembered in l->pending, and a line that cannot be had leaves
     * nothing behind. */
    int err;
    l->action = irq_register(line, line_irq, l, "rump-pci", &err);
    if (!l->action) {
        kprintf(KERN_ERR "rumpuser: cannot register IRQ %u: %d\n", line, err);
        kfree(l);
        return NULL;
    }
    struct thread_attr a = { .name = "rump-intr", .prio = PRIO_HIGH, .stack_size = 64 * 1024 };
    if (thread_create(&a, line_thread, l, &l->thread) < 0) {
        irq_unregister(l->action);
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
    void *ret = NULL;
    RUMPUSER_BLOCKING({
        kmutex_lock(&irq_lock);
        struct irq_line *l = line_get((unsigned)(cookie_line[cookie] - 1));
        if (l) {
            struct pci_handler *volatile *pp = &l->handlers;
            while (*pp)
                pp = &(*pp)->next;
            h->line = l;
            *pp = h;
            ret = h;
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
 * handler, so a device left asserting its line does not keep the line
 * thread busy.  Blocks without the rump CPU. */
void rumpcomp_pci_irq_disestablish(void *cookie)
{
    struct pci_handler *h = cookie;
    if (!h)
        return;
    struct irq_line *l = h->line;
    RUMPUSER_BLOCKING({
        kmutex_lock(&irq_lock);
        struct pci_handler *volatile *pp = &l->handlers;
        while (*pp && *pp != h)
            pp = &(*pp)->next;
        if (*pp == h)
            *pp = h->next;
        if (!l->handlers && l->action) {
            irq_unregister(l->action);
            l->action = NULL;
        }
        kmutex_unlock(&irq_lock);
        /* The thread may be past the unlink point, running h. */
        irqflags_t f = irq_save();
        while (l->busy)
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

unsigned long rumpcomp_pci_virt_to_mach(void *va) { return (unsigned long)(uintptr_t)va; }
