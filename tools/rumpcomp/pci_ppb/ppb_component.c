/* AdrOS's component glue for NetBSD's ppb.
 *
 * pci's cfdriver and its attachment are the pci component's; the "pci at
 * ppb" configuration entry (a bus behind a bridge, any bus number) is
 * added here beside ppb's own.  Both in the DEV phase, before the pci
 * component attaches bus 0 (DEV_AFTERMAINBUS): a bridge found on bus 0
 * attaches its secondary bus at once, and the drivers registered later
 * (POSTINIT, nvme) find their devices there too, since registering a
 * driver rescans every pci bus attached. */
#include <sys/param.h>
#include <sys/conf.h>
#include <sys/device.h>
#include <sys/bus.h>

#include <rump-sys/kern.h>

#include "ioconf.c"

static const struct cfparent pci_ppb_pspec = { "pcibus", "ppb", DVUNIT_ANY };
static int pci_ppb_loc[] = { -1 }; /* bus: any */
static struct cfdata pci_ppb_cfdata[] = {
	{ .cf_name = "pci", .cf_atname = "pci", .cf_unit = 0, .cf_fstate = FSTATE_STAR,
	  .cf_loc = pci_ppb_loc, .cf_flags = 0, .cf_pspec = &pci_ppb_pspec },
	{ .cf_name = NULL },
};

RUMP_COMPONENT(RUMP_COMPONENT_DEV)
{
	int error;

	if ((error = config_cfdata_attach(pci_ppb_cfdata, 0)) != 0) {
		printf("ppb component: cannot add pci at ppb: %d\n", error);
		return;
	}
	error = config_init_component(cfdriver_ioconf_pci_ppb,
	    cfattach_ioconf_pci_ppb, cfdata_ioconf_pci_ppb);
	if (error != 0)
		printf("ppb component: cannot register ppb: %d\n", error);
}
