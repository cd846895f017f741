/* Private to NetBSD's disks as AdrOS block devices (src/netbsd/disk.c)
 * and the services whose disks they are (usb.c). */
#ifndef ADROS_NETBSD_DISK_INT_H
#define ADROS_NETBSD_DISK_INT_H

#include <adros/types.h>
#include <adros/usb.h>

#include "../rump/rump_sys.h"

#define NBDISK__DRIVERS 3 /* sd, ld, wd */
#define NBDISK__MAX_UNITS 16
#define NBDISK__POLL_MS USB_POLL_MS

static inline uint64_t nb_makedev(uint32_t maj, uint32_t min)
{
    return ((maj << 8) & 0x000fff00u) | ((min << 12) & 0xfff00000u) | (min & 0xffu);
}
static inline uint32_t nb_major(uint64_t d) { return (uint32_t)((d & 0x000fff00u) >> 8); }

/* The largest transfer handed to NetBSD at once (see max_xfer in disk.c);
 * usb.c lowers it when an OHCI controller is present. */
void nbdisk__set_max_xfer(uint32_t bytes);
/* Disks attached, detached and present since boot (waits for the rump
 * kernel's start). */
void nbdisk__stats(struct usb_disk_stats *out);

#endif
