/* Private to NetBSD's USB service (src/netbsd/usb.c, the bus watcher,
 * and usb_disk.c, the disks). */
#ifndef ADROS_NETBSD_USB_INT_H
#define ADROS_NETBSD_USB_INT_H

#include <adros/types.h>

#include "../rump/rump_sys.h"

#define USB__MAX_DISKS 16

/* Ready once the rump kernel has started and usb.c's start hook ran (the
 * hook runs before rump_running() returns to anyone, so it cannot ask it). */
extern volatile bool usb__up;
#define USBCALL(ret, call) RUMP_SERVICE_CALL(ret, usb__up, -ENODEV, call)

static inline uint64_t nb_makedev(uint32_t maj, uint32_t min)
{
    return ((maj << 8) & 0x000fff00u) | ((min << 12) & 0xfff00000u) | (min & 0xffu);
}
static inline uint32_t nb_major(uint64_t d) { return (uint32_t)((d & 0x000fff00u) >> 8); }

/* usb_disk.c.  Set by the start hook before any disk attaches: NetBSD's
 * sd character major (-1: unknown), and the largest transfer handed to
 * NetBSD at once (see max_xfer there). */
extern int32_t usb__sd_cmajor;
void usb__disk_set_max_xfer(uint32_t bytes);
/* Reads usb.timeout (at boot). */
void usb__disk_init(void);
/* Makes AdrOS's disks match NetBSD's sd units: attaches sdN for every unit
 * in present[] not yet attached, detaches those no longer present.  Only
 * the watcher calls it (and the start hook, before the watcher runs). */
void usb__disks_update(const bool present[USB__MAX_DISKS]);
/* Fails every transfer NetBSD has not finished after usb.timeout (the
 * watcher, every poll). */
void usb__disks_check_stuck(void);

#endif
