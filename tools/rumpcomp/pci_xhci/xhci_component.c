/* AdrOS's component glue for NetBSD's xhci.
 *
 * usb's cfdriver and its attachment are the usb component's; the "usb at
 * xhci" configuration entry is added here beside xhci's own (a cfdata entry
 * names its driver, which is looked up only when a parent searches for
 * children: the order of the components' DEV phases does not matter).  All
 * in the DEV phase, before the PCI bus attaches: xhci and its usb bus
 * attach with the other controllers, and rump_init waits for the first
 * exploration of its ports (config_finalize), so sticks present at boot
 * are there when it returns. */
#include <sys/param.h>
#include <sys/conf.h>
#include <sys/device.h>
#include <sys/bus.h>

#include <rump-sys/kern.h>

#include "ioconf.c"

static const struct cfparent usb_xhci_pspec = { "usbus", "xhci", DVUNIT_ANY };
static struct cfdata usb_xhci_cfdata[] = {
	{ .cf_name = "usb", .cf_atname = "usb", .cf_unit = 0, .cf_fstate = FSTATE_STAR,
	  .cf_loc = NULL, .cf_flags = 0, .cf_pspec = &usb_xhci_pspec },
	{ .cf_name = NULL },
};

RUMP_COMPONENT(RUMP_COMPONENT_DEV)
{
	int error;

	if ((error = config_cfdata_attach(usb_xhci_cfdata, 0)) != 0) {
		printf("xhci component: cannot add usb at xhci: %d\n", error);
		return;
	}
	error = config_init_component(cfdriver_ioconf_pci_xhci,
	    cfattach_ioconf_pci_xhci, cfdata_ioconf_pci_xhci);
	if (error != 0)
		printf("xhci component: cannot register xhci: %d\n", error);
}
