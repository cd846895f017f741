/* Shell command lsusb: the USB devices NetBSD's USB stack found
 * (<adros/usb.h>), as a list or as the hub tree. */
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/usb.h>

#define MAX_DEVS 64

static const char *class_name(uint8_t c)
{
    switch (c) {
    case 0x00: return "(per interface)";
    case 0x01: return "audio";
    case 0x02: return "communications";
    case 0x03: return "HID";
    case 0x07: return "printer";
    case 0x08: return "mass storage";
    case 0x09: return "hub";
    case 0x0a: return "CDC data";
    case 0x0e: return "video";
    case 0xe0: return "wireless";
    case 0xef: return "miscellaneous";
    case 0xff: return "vendor specific";
    default: return "other";
    }
}

static void drivers(const struct usb_devinfo *d, char *out, size_t n)
{
    out[0] = 0;
    for (int i = 0; i < 4; i++) {
        if (!d->drivers[i][0])
            continue;
        if (out[0])
            strlcat(out, ",", n);
        strlcat(out, d->drivers[i], n);
    }
    if (!out[0])
        strlcpy(out, "-", n);
}

static void print_dev(const struct usb_devinfo *d)
{
    char drv[72];
    drivers(d, drv, sizeof(drv));
    shell_printf("Bus %03u Device %03u: ID %04x:%04x %s %s\n", d->bus, d->addr, d->vendor_id, d->product_id,
                 d->vendor[0] ? d->vendor : "?", d->product[0] ? d->product : "?");
    shell_printf("    class %02x/%02x/%02x %s, %s speed, USB device %x.%02x, %s, driver %s\n", d->cls, d->subcls,
                 d->proto, class_name(d->cls), usb_speed_name(d->speed), d->release >> 8, d->release & 0xff,
                 d->power_ma ? "bus-powered" : "self-powered", drv);
}

static const struct usb_devinfo *find(const struct usb_devinfo *v, int n, int bus, int addr)
{
    for (int i = 0; i < n; i++)
        if (v[i].bus == bus && v[i].addr == addr)
            return &v[i];
    return NULL;
}

/* One hub and what hangs off its ports; depth bounds a (corrupt) cycle. */
static void print_tree(const struct usb_devinfo *v, int n, const struct usb_devinfo *d, int port, int depth)
{
    char drv[72];
    drivers(d, drv, sizeof(drv));
    shell_printf("%*s%s", depth * 4, "", depth ? "|__ " : "/:  ");
    if (depth)
        shell_printf("Port %d: ", port);
    else
        shell_printf("Bus %02u. ", d->bus);
    shell_printf("Dev %u, %s %s, class %s, driver %s, %s\n", d->addr, d->vendor[0] ? d->vendor : "?",
                 d->product[0] ? d->product : "?", class_name(d->cls), drv, usb_speed_name(d->speed));
    if (depth > 6)
        return;
    for (int p = 0; p < d->nports && p < 16; p++) {
        uint8_t a = d->ports[p];
        if (a == 0 || a >= 128)
            continue; /* empty, or a port state (enabled, powered...) */
        const struct usb_devinfo *c = find(v, n, d->bus, a);
        if (c)
            print_tree(v, n, c, p + 1, depth + 1);
    }
}

/* The root hub of its bus: on no other device's port (its address is 1
 * on EHCI, UHCI and OHCI, 0 on xHCI). */
static bool is_root(const struct usb_devinfo *v, int n, const struct usb_devinfo *d)
{
    for (int i = 0; i < n; i++) {
        if (&v[i] == d || v[i].bus != d->bus)
            continue;
        for (int p = 0; p < v[i].nports && p < 16; p++)
            if (v[i].ports[p] == d->addr)
                return false;
    }
    return true;
}

static int cmd_lsusb(int argc, char **argv)
{
    bool tree = false, stats = false;
    if (argc == 2 && strcmp(argv[1], "-t") == 0)
        tree = true;
    else if (argc == 2 && strcmp(argv[1], "-s") == 0)
        stats = true;
    else if (argc != 1)
        return shell_usage(argv[0]);
    if (stats) {
        struct usb_disk_stats s;
        usb_disk_stats(&s);
        shell_printf("USB disks: %u present, %u attached and %u removed since boot\n", s.present, s.attached,
                     s.detached);
        return SHELL_OK;
    }
    struct usb_devinfo *v = kmalloc(MAX_DEVS * sizeof(*v));
    if (!v)
        return shell_error(argv[0], "out of memory");
    int n = usb_devices(v, MAX_DEVS);
    if (n < 0) {
        kfree(v);
        return shell_error(argv[0], "%s", n == -ENODEV ? "no USB support (NetBSD's USB components are not linked or "
                                                         "the rump kernel is not running)"
                                                       : shell_strerror(n));
    }
    n = MIN(n, MAX_DEVS);
    if (n == 0)
        shell_printf("no USB host controller\n");
    for (int i = 0; i < n; i++) {
        if (!tree)
            print_dev(&v[i]);
        else if (is_root(v, n, &v[i]))
            print_tree(v, n, &v[i], 0, 0);
    }
    kfree(v);
    return SHELL_OK;
}
SHELL_CMD(lsusb, cmd_lsusb, "lsusb [-t | -s]",
          "list USB devices (NetBSD's USB stack); -t the hub tree, -s USB disk counters");
