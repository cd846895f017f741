/* AdrOS's component glue for NetBSD's nvme and ld_nvme.
 *
 * ld's cfdriver is virtio_ld's (registered in the DEV phase), so ld_nvme's
 * attachment and the "ld at nvme" configuration entry are registered once
 * every component's DEV phase has run: in POSTINIT.  The nvme driver is
 * registered then too, after them; config_init_component rescans the PCI
 * bus, so nvme attaches with its ld children there and then.
 *
 * NetBSD 7.99's nvme offers every namespace id up to the controller's
 * count (QEMU's nvme says 256) to ld_nvme, which attaches an empty ld for
 * each inactive one.  AdrOS's attachment is ld_nvme's with a match that
 * first asks the controller whether the namespace is active (Identify
 * Namespace: a size of 0 means not).  Past INACTIVE_RUN inactive ids in a
 * row after the last active one it stops asking (namespaces are numbered
 * from 1 up; QEMU's 256 identify commands in a row also stopped its admin
 * queue at the 253rd). */
#include <sys/param.h>
#include <sys/conf.h>
#include <sys/device.h>
#include <sys/bus.h>

#include <rump-sys/kern.h>

#include <sys/kmem.h>

#include <dev/ic/nvmereg.h>
#include <dev/ic/nvmevar.h>

#include "ioconf.c"

extern struct cfattach ld_nvme_ca;
static struct cfattach ld_nvme_active_ca;

#define INACTIVE_RUN 16
#define MAX_CTRL 4
static struct {
	device_t dev;
	uint32_t last_active;
} ctrls[MAX_CTRL];

static int
ld_nvme_active_match(device_t parent, cfdata_t cf, void *aux)
{
	struct nvme_softc *sc = device_private(parent);
	struct nvme_attach_args *naa = aux;
	struct nvme_namespace *ns;
	uint64_t nsze = 0;
	int c;

	for (c = 0; c < MAX_CTRL; c++)
		if (ctrls[c].dev == parent || ctrls[c].dev == NULL)
			break;
	if (c < MAX_CTRL && ctrls[c].dev == NULL)
		ctrls[c].dev = parent;
	if (c < MAX_CTRL && naa->naa_nsid > ctrls[c].last_active + INACTIVE_RUN)
		return 0;
	if (naa->naa_nsid == 0 || nvme_ns_identify(sc, naa->naa_nsid) != 0)
		return 0;
	ns = nvme_ns_get(sc, naa->naa_nsid);
	if (ns != NULL && ns->ident != NULL) {
		nsze = lemtoh64(&ns->ident->nsze);
		/* ld_nvme_attach identifies it again. */
		kmem_free(ns->ident, sizeof(*ns->ident));
		ns->ident = NULL;
	}
	if (nsze == 0)
		return 0;
	if (c < MAX_CTRL)
		ctrls[c].last_active = naa->naa_nsid;
	return ld_nvme_ca.ca_match(parent, cf, aux);
}

static const struct cfparent ld_nvme_pspec = { "nvme", "nvme", DVUNIT_ANY };
static int ld_nvme_loc[] = { -1 }; /* nsid: any */
static struct cfdata ld_nvme_cfdata[] = {
	{ .cf_name = "ld", .cf_atname = "ld_nvme_active", .cf_unit = 0, .cf_fstate = FSTATE_STAR,
	  .cf_loc = ld_nvme_loc, .cf_flags = 0, .cf_pspec = &ld_nvme_pspec },
	{ .cf_name = NULL },
};

RUMP_COMPONENT(RUMP_COMPONENT_POSTINIT)
{
	int error;

	ld_nvme_active_ca = ld_nvme_ca;
	ld_nvme_active_ca.ca_name = "ld_nvme_active";
	ld_nvme_active_ca.ca_match = ld_nvme_active_match;
	if ((error = config_cfattach_attach("ld", &ld_nvme_active_ca)) != 0) {
		printf("nvme component: cannot attach ld_nvme (is virtio_ld linked?): %d\n", error);
		return;
	}
	if ((error = config_cfdata_attach(ld_nvme_cfdata, 0)) != 0) {
		printf("nvme component: cannot add ld at nvme: %d\n", error);
		return;
	}
	error = config_init_component(cfdriver_ioconf_pci_nvme,
	    cfattach_ioconf_pci_nvme, cfdata_ioconf_pci_nvme);
	if (error != 0)
		printf("nvme component: cannot register nvme: %d\n", error);
}
