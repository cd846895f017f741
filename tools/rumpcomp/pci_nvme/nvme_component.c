/* AdrOS's component glue for NetBSD's nvme and ld_nvme.
 *
 * ld's cfdriver is virtio_ld's (registered in the DEV phase), so ld_nvme's
 * attachment and the "ld at nvme" configuration entry are registered once
 * every component's DEV phase has run: in POSTINIT.  The nvme driver is
 * registered then too, after them; config_init_component rescans the PCI
 * bus, so nvme attaches with its ld children there and then. */
#include <sys/param.h>
#include <sys/conf.h>
#include <sys/device.h>
#include <sys/bus.h>

#include <rump-sys/kern.h>

#include "ioconf.c"

extern struct cfattach ld_nvme_ca;

static const struct cfparent ld_nvme_pspec = { "nvme", "nvme", DVUNIT_ANY };
static int ld_nvme_loc[] = { -1 }; /* nsid: any */
static struct cfdata ld_nvme_cfdata[] = {
	{ .cf_name = "ld", .cf_atname = "ld_nvme", .cf_unit = 0, .cf_fstate = FSTATE_STAR,
	  .cf_loc = ld_nvme_loc, .cf_flags = 0, .cf_pspec = &ld_nvme_pspec },
	{ .cf_name = NULL },
};

RUMP_COMPONENT(RUMP_COMPONENT_POSTINIT)
{
	int error;

	if ((error = config_cfattach_attach("ld", &ld_nvme_ca)) != 0) {
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
