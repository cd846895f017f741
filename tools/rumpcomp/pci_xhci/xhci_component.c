/* AdrOS's component glue for NetBSD's xhci.
 *
 * usb's cfdriver and its attachment are the usb component's (registered in
 * the DEV phase); the "usb at xhci" configuration entry is added once every
 * component's DEV phase has run, in POSTINIT, and the xhci driver after it:
 * config_init_component rescans the PCI bus, so xhci attaches there and
 * then, with its usb bus. */
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

RUMP_COMPONENT(RUMP_COMPONENT_POSTINIT)
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
