/* USB devices from NetBSD's USB stack in the rump kernel; the interface
 * and its contract are in <adros/usb.h>.  USB disks are NetBSD's sd, made
 * AdrOS block devices by disk.c with every other NetBSD disk.
 *
 * Layering.  NetBSD's ehci/uhci/ohci, usb, uhub, umass, scsibus and sd run
 * in the rump kernel; AdrOS talks to them only through the rump kernel's
 * system calls on its device nodes (/dev/usbN), as a NetBSD program would:
 * no structure of NetBSD's kernel is touched.  One thing the rump
 * components leave out is done here, once, when the rump kernel has
 * started: the character device of usb(4) is attached to a major
 * (NetBSD's USB component configures the drivers but, unlike the disk
 * components, registers no device switch).
 *
 * Threads.  One ("usb-watch") reads NetBSD's USB event queue (/dev/usb,
 * as usbd(8) does). */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/usb.h>

const char *usb_speed_name(int speed)
{
    static const char *const names[] = { "?", "low", "full", "high", "super", "super+" };
    return speed >= 0 && speed <= 5 ? names[speed] : "?";
}


#ifdef ADROS_RUMP_USB
#include "usb_int.h"

volatile bool usb__up;
static int32_t usb_cmajor = -1;

/* NetBSD queues an event for every controller, device and driver that
 * comes or goes (usb_add_event), up to 100 of about 1.3 KiB each, for a
 * reader of /dev/usb; with none they pile up to that bound (a hot-plug
 * cycle adds four).  The watcher is that reader: it logs and drops them. */
static int events_fd = -1;

static void events_read(void)
{
    static bool failed;
    int r;
    if (events_fd < 0) {
        if (failed)
            return;
        /* NetBSD sets up the queue's lock when its first USB bus attaches,
         * and reading /dev/usb without one dereferences the unset lock: no
         * bus 0 (no controller), no reader.  Controllers come only at start. */
        USBCALL(r, rump___sysimpl_open("/dev/usb0", NB_O_RDONLY));
        if (r < 0) {
            failed = true;
            return;
        }
        int e;
        USBCALL(e, rump___sysimpl_close(r));
        (void)e;
        USBCALL(r, rump___sysimpl_open("/dev/usb", NB_O_RDONLY | NB_O_NONBLOCK));
        if (r < 0) {
            failed = true;
            klog(LOG_WARN, "usb: cannot open NetBSD's USB event device (%s): its event queue is not read\n",
                 strerror(r));
            return;
        }
        events_fd = r;
    }
    struct nb_usb_event *ev = kmalloc(sizeof(*ev));
    if (!ev)
        return;
    for (;;) {
        ssize_t n;
        USBCALL(n, rump___sysimpl_read(events_fd, ev, sizeof(*ev)));
        if (n != (ssize_t)sizeof(*ev))
            break; /* EWOULDBLOCK: none left */
        const struct nb_usb_device_info *di = &ev->u.ue_device;
        switch (ev->ue_type) {
        case NB_USB_EVENT_DEVICE_ATTACH:
        case NB_USB_EVENT_DEVICE_DETACH:
            klog(LOG_INFO, "usb: device %04x:%04x (%.40s) on bus %u address %u %s\n", di->udi_vendorNo,
                 di->udi_productNo, di->udi_product, di->udi_bus, di->udi_addr,
                 ev->ue_type == NB_USB_EVENT_DEVICE_ATTACH ? "attached" : "detached");
            break;
        case NB_USB_EVENT_DRIVER_ATTACH:
        case NB_USB_EVENT_DRIVER_DETACH:
            klog(LOG_INFO, "usb: driver %.16s %s\n", ev->u.ue_driver.ue_devname,
                 ev->ue_type == NB_USB_EVENT_DRIVER_ATTACH ? "attached" : "detached");
            break;
        default: /* controllers: attached at start only */
            break;
        }
    }
    kfree(ev);
}

static void *usb_watch(void *arg)
{
    for (;;) {
        process_sleep((uint64_t)USB_POLL_MS * NSEC_PER_MSEC);
        if (rump__crashed)
            return NULL;
        events_read();
    }
    return NULL;
}

static int devices(struct usb_devinfo *out, int max);

static bool names_ohci(const char *s)
{
    for (; *s; s++)
        if (strncmp(s, "OHCI", 4) == 0)
            return true;
    return false;
}

/* NetBSD's devsw_attach of usb(4)'s character device, on a rump CPU. */
static int attach_usb_devsw(int32_t *bmaj, int32_t *cmaj)
{
    rump_schedule();
    int e = rumpns_devsw_attach("usb", NULL, bmaj, rumpns_usb_cdevsw, cmaj);
    rump_unschedule();
    return e;
}

/* Device switch and nodes for usb(4): /dev/usb0..N, /dev/usb (events). */
static void usb_nodes(void)
{
    int r;
    int32_t bmaj = -1, cmaj = -1;
    int e;
    RUMP_GUARDED(e, EIO, attach_usb_devsw(&bmaj, &cmaj));
    if (e != 0) {
        klog(LOG_WARN, "usb: cannot attach usb(4)'s device switch (error %d): lsusb unavailable\n", e);
        return;
    }
    for (int b = 0; b < USB_MAX_BUSES; b++) {
        char path[16];
        ksnprintf(path, sizeof(path), "/dev/usb%d", b);
        USBCALL(r, rump___sysimpl_mknod50(path, NB_S_IFCHR_MODE, nb_makedev((uint32_t)cmaj, (uint32_t)b)));
    }
    USBCALL(r, rump___sysimpl_mknod50("/dev/usb", NB_S_IFCHR_MODE, nb_makedev((uint32_t)cmaj, NB_USB_DEV_MINOR)));
    usb_cmajor = cmaj;
    /* An OHCI bus (its root hub says so): see max_xfer in disk.c. */
    struct usb_devinfo *v = kmalloc(USB_MAX_BUSES * 8 * sizeof(*v));
    int n = v ? devices(v, USB_MAX_BUSES * 8) : 0;
    for (int i = 0; i < MIN(n, USB_MAX_BUSES * 8); i++) {
        if (v[i].addr == 1 && names_ohci(v[i].product)) {
            nbdisk__set_max_xfer(4096);
            kprintf("usb: OHCI present: transfers of at most 4 KiB (NetBSD 7's OHCI mishandles longer ones)\n");
            break;
        }
    }
    kfree(v);
}

/* Runs in the rump kernel's start thread, after rump_init succeeded and
 * before rump_running() answers anyone: disks present at boot are AdrOS
 * block devices by the time boot options look for them. */
static void usb_start(void)
{
    int r;
    RUMP_GUARDED(r, -EIO, rump__bind());
    if (r < 0)
        return;
    usb__up = true;
    usb_nodes();
    /* The boot's events logged now, before any USB disk exists for the
     * shell to use, not amid its first commands' output. */
    events_read();
    struct thread_attr a = { .name = "usb-watch", .prio = PRIO_NORMAL, .stack_size = 16 * 1024 };
    struct thread *t;
    if (thread_create(&a, usb_watch, NULL, &t) < 0)
        klog(LOG_ERR, "usb: cannot start the event reader: NetBSD's USB events are not logged\n");
}
static struct rump_start_hook usb_hook = { "usb", usb_start, NULL };

static int usb_init(void)
{
    rump_start_hook_add(&usb_hook);
    return 0;
}
INITCALL(INIT_FS, usb_init);

int usb_devices(struct usb_devinfo *out, int max)
{
    if (!rump_running() || !usb__up) /* rump_running waits for the start */
        return -ENODEV;
    return devices(out, max);
}

static int devices(struct usb_devinfo *out, int max)
{
    if (usb_cmajor < 0)
        return -ENODEV;
    int n = 0;
    struct nb_usb_device_info *di = kmalloc(sizeof(*di));
    if (!di)
        return -ENOMEM;
    for (int b = 0; b < USB_MAX_BUSES; b++) {
        char path[16];
        ksnprintf(path, sizeof(path), "/dev/usb%d", b);
        int fd;
        USBCALL(fd, rump___sysimpl_open(path, NB_O_RDONLY));
        if (fd < 0)
            continue; /* no such bus */
        /* From 0: xHCI's root hub has address 0 (EHCI's, UHCI's, OHCI's 1). */
        for (int a = 0; a < 128; a++) {
            memset(di, 0, sizeof(*di));
            di->udi_addr = (uint8_t)a;
            int r;
            USBCALL(r, rump___sysimpl_ioctl(fd, NB_USB_DEVICEINFO, di));
            if (r < 0)
                continue;
            if (n < max) {
                struct usb_devinfo *o = &out[n];
                memset(o, 0, sizeof(*o));
                o->bus = di->udi_bus;
                o->addr = di->udi_addr;
                o->vendor_id = di->udi_vendorNo;
                o->product_id = di->udi_productNo;
                o->release = di->udi_releaseNo;
                o->cls = di->udi_class;
                o->subcls = di->udi_subclass;
                o->proto = di->udi_protocol;
                o->speed = di->udi_speed;
                o->power_ma = di->udi_power;
                o->nports = MIN(di->udi_nports, 16);
                memcpy(o->ports, di->udi_ports, sizeof(o->ports));
                strlcpy(o->vendor, di->udi_vendor, sizeof(o->vendor));
                strlcpy(o->product, di->udi_product, sizeof(o->product));
                strlcpy(o->serial, di->udi_serial, sizeof(o->serial));
                for (int i = 0; i < 4; i++) {
                    memcpy(o->drivers[i], di->udi_devnames[i], 15);
                    o->drivers[i][15] = 0;
                }
            }
            n++;
        }
        int r;
        USBCALL(r, rump___sysimpl_close(fd));
    }
    kfree(di);
    return n;
}


void usb_disk_stats(struct usb_disk_stats *out) { nbdisk__stats(out); }

#else /* no USB components */

void usb_disk_stats(struct usb_disk_stats *out) { memset(out, 0, sizeof(*out)); }

int usb_devices(struct usb_devinfo *out, int max) { return -ENODEV; }

#endif
