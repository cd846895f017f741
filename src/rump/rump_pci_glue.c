/* What NetBSD's rump PCI glue (rumpdev_pci.c and rumpdev_bus_space.c in
 * librumpdev_pci) leaves unimplemented, supplied by AdrOS.
 *
 * Those stubs panic, so any PCI driver whose attach fails after it mapped
 * its registers and established its interrupt (hdaudio finding no codec,
 * for one) takes the whole rump kernel down.  The build links a copy of
 * librumpdev_pci.a in which these stubs are weak symbols (mk/rump.mk,
 * objcopy --weaken-symbol); the strong definitions here win.  NetBSD's code
 * itself is unchanged. */
#ifdef ADROS_RUMP_PCI
#include "../rumpuser/rumpuser_adros.h"

void rumpns_pci_intr_disestablish(void *pc, void *cookie);
void rumpns_pciide_machdep_compat_intr_disestablish(void *pc, void *cookie);
void rumpns_bus_space_unmap(unsigned long tag, unsigned long handle, unsigned long size);
unsigned long rumpns_bus_space_mmap(unsigned long tag, unsigned long addr, int64_t off, int prot, int flags);

/* The cookie is what pci_intr_establish returned: the handle of
 * rumpcomp_pci_irq_establish. */
void rumpns_pci_intr_disestablish(void *pc, void *cookie) { rumpcomp_pci_irq_disestablish(cookie); }

void rumpns_pciide_machdep_compat_intr_disestablish(void *pc, void *cookie)
{
    rumpcomp_pci_irq_disestablish(cookie);
}
/* Tag 0 is I/O space (nothing was mapped).  Memory space was mapped by
 * rumpcomp_pci_map, identity and idempotently (device registers share no
 * page with RAM): the mapping stays for the next bus_space_map of the same
 * registers, by this driver or another, so there is nothing to undo. */
void rumpns_bus_space_unmap(unsigned long tag, unsigned long handle, unsigned long size) {}

/* The page frame of device memory for mmap: identity mapped, so the
 * physical page; I/O space cannot be mapped (-1, as NetBSD's x86 does). */
unsigned long rumpns_bus_space_mmap(unsigned long tag, unsigned long addr, int64_t off, int prot, int flags)
{
    if (tag == 0)
        return (unsigned long)-1;
    return (unsigned long)((addr + (uint64_t)off) >> 12);
}
#else
typedef int rump_pci_glue_unused_t;
#endif
