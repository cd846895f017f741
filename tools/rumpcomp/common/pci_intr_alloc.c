/* AdrOS: the interrupt allocation interface of NetBSD's PCI code
 * (pci_intr_alloc(9)) for drivers written against it (xhci_pci, nvme_pci),
 * which the rump kernel's PCI component of NetBSD 7.99 lacks.  AdrOS's
 * hypercall layer routes legacy INTx lines only (no MSI/MSI-X), so every
 * allocation is one INTx handle made by pci_intr_map().
 *
 * Compiled into each component that needs it; the definitions are weak so
 * that two such components linked together (or a later PCI component that
 * has them) do not collide. */
#include <sys/param.h>
#include <sys/errno.h>
#include <sys/kmem.h>
#include <sys/systm.h>

#include <dev/pci/pcivar.h>

#define WEAK __attribute__((weak))

int pci_intr_alloc(const struct pci_attach_args *, pci_intr_handle_t **, int *, pci_intr_type_t) WEAK;
void pci_intr_release(pci_chipset_tag_t, pci_intr_handle_t *, int) WEAK;
pci_intr_type_t pci_intr_type(pci_chipset_tag_t, pci_intr_handle_t) WEAK;
void *pci_intr_establish_xname(pci_chipset_tag_t, pci_intr_handle_t, int, int (*)(void *), void *,
                               const char *) WEAK;
int interrupt_distribute(void *, const kcpuset_t *, kcpuset_t *) WEAK;

int
pci_intr_alloc(const struct pci_attach_args *pa, pci_intr_handle_t **ihps, int *counts,
               pci_intr_type_t max_type)
{
	pci_intr_handle_t *ih;

	/* counts NULL: one interrupt of any type.  Otherwise counts[type]
	 * asks for that many of each type up to max_type: only INTx can be
	 * given, and only one. */
	if (counts != NULL && counts[PCI_INTR_TYPE_INTX] < 1)
		return ENODEV;
	ih = kmem_zalloc(sizeof(*ih), KM_SLEEP);
	if (pci_intr_map(pa, ih) != 0) {
		kmem_free(ih, sizeof(*ih));
		return EINVAL;
	}
	if (counts != NULL) {
		counts[PCI_INTR_TYPE_INTX] = 1;
		if (max_type >= PCI_INTR_TYPE_MSI)
			counts[PCI_INTR_TYPE_MSI] = 0;
		if (max_type >= PCI_INTR_TYPE_MSIX)
			counts[PCI_INTR_TYPE_MSIX] = 0;
	}
	*ihps = ih;
	return 0;
}

void
pci_intr_release(pci_chipset_tag_t pc, pci_intr_handle_t *ihps, int count)
{
	if (ihps != NULL)
		kmem_free(ihps, sizeof(*ihps) * (count > 0 ? count : 1));
}

pci_intr_type_t
pci_intr_type(pci_chipset_tag_t pc, pci_intr_handle_t ih)
{
	return PCI_INTR_TYPE_INTX;
}

void *
pci_intr_establish_xname(pci_chipset_tag_t pc, pci_intr_handle_t ih, int level,
                         int (*func)(void *), void *arg, const char *xname)
{
	return pci_intr_establish(pc, ih, level, func, arg);
}

/* One CPU for interrupts under AdrOS's hypercall layer. */
int
interrupt_distribute(void *ih, const kcpuset_t *newset, kcpuset_t *oldset)
{
	return EOPNOTSUPP;
}
