/* Private to NetBSD's USB service (src/netbsd/usb.c); its disks are
 * disk.c's (disk_int.h). */
#ifndef ADROS_NETBSD_USB_INT_H
#define ADROS_NETBSD_USB_INT_H

#include <adros/types.h>

#include "../rump/rump_sys.h"
#include "disk_int.h"

/* Ready once the rump kernel has started and usb.c's start hook ran (the
 * hook runs before rump_running() returns to anyone, so it cannot ask it). */
extern volatile bool usb__up;
#define USBCALL(ret, call) RUMP_SERVICE_CALL(ret, usb__up, -ENODEV, call)

#endif
