/* USB through NetBSD's USB stack in the rump kernel (src/netbsd/usb.c):
 * host controllers (EHCI, UHCI, OHCI on PCI), hubs, and mass storage
 * (umass + sd), the way GNU Hurd's rumpdisk serves its host's disks.
 *
 * Disks.  Every disk NetBSD's sd driver attaches (a USB stick, whatever
 * the bus) becomes an AdrOS block device named after NetBSD's unit: "sd0",
 * "sd1", ...; its MBR partitions are "sd0p1", "sd0p2", ... (the block
 * layer's rule for names ending in a digit).  Reads and writes go to the
 * rump kernel's raw disk device /dev/rsdNd on one worker thread per disk
 * (requests are asynchronous to their submitter, as for ATA); the sector
 * size and capacity are NetBSD's (DIOCGSECTORSIZE, DIOCGMEDIASIZE), a
 * flush is NetBSD's DIOCCACHESYNC.  A watcher thread compares NetBSD's
 * disk list (sysctl hw.disknames) with AdrOS's every USB_POLL_MS: a new
 * disk is registered, a vanished one unregistered (blk_unregister: every
 * later request, and every request NetBSD fails meanwhile, ends in -EIO),
 * each with a log line.  Disks present when the rump kernel starts are
 * registered before rump_running() returns, so boot options that name
 * them (manifest=sd0, rumpmount=sd0:/u) find them.
 *
 * Devices.  usb_devices() lists every USB device of every bus (NetBSD's
 * USB_DEVICEINFO on the rump kernel's /dev/usbN), for `lsusb`.
 *
 * Without the rump kernel's USB components everything here reports
 * -ENODEV.  Thread context only. */
#ifndef ADROS_USB_H
#define ADROS_USB_H

#include <adros/types.h>

#define USB_POLL_MS 100
#define USB_MAX_BUSES 8

enum usb_speed { USB_SPEED_UNKNOWN, USB_SPEED_LOW, USB_SPEED_FULL, USB_SPEED_HIGH, USB_SPEED_SUPER };

struct usb_devinfo {
    uint8_t bus, addr;
    uint16_t vendor_id, product_id, release; /* release: BCD */
    uint8_t cls, subcls, proto;
    uint8_t speed;              /* enum usb_speed */
    int power_ma;               /* 0: self-powered */
    int nports;                 /* hubs: ports, else 0 */
    uint8_t ports[16];          /* hubs: per port the address on it (1..127) or USB_PORT_* */
    char vendor[64], product[64], serial[64];
    char drivers[4][16];        /* NetBSD's drivers on it: "uhub0", "umass0" */
};
#define USB_PORT_ENABLED 0xff
#define USB_PORT_SUSPENDED 0xfe
#define USB_PORT_POWERED 0xfd
#define USB_PORT_DISABLED 0xfc

/* Fills out[0..max) with the USB devices, bus by bus in address order;
 * returns how many there are (may exceed max) or -ENODEV. */
int usb_devices(struct usb_devinfo *out, int max);
/* Counters of the disk watcher, for tests and `lsusb -s`. */
struct usb_disk_stats {
    unsigned attached, detached; /* since boot */
    unsigned present;
};
void usb_disk_stats(struct usb_disk_stats *out);
/* "low", "full", "high", "super" */
const char *usb_speed_name(int speed);

#endif
