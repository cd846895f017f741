/* Which of NetBSD's drivers in the rump kernel owns a PCI function: lspci's
 * DRIVER column for the devices AdrOS's own drivers leave to NetBSD.
 *
 * NetBSD's PCI bus attaches a driver's device with the locators dev and
 * function (config_found_sm_loc in pci_probe_device), so the answer is the
 * device, among the known PCI drivers' units, whose parent is a pci bus and
 * whose locators are the function's.  The rump kernel's pci0 is bus 0; a
 * pci bus behind a bridge (ppb, AdrOS's pci_ppb component) is the bridge's
 * secondary bus, read from the bridge the ppb device's locators name. */
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/pci.h>
#include <adros/rump.h>
#include <adros/string.h>

#include "nbdev.h"

#ifdef ADROS_RUMP_PCI
#include "../rump/rump_sys.h"

void *rumpns_device_find_by_xname(const char *name);
void *rumpns_device_parent(void *dev);
int rumpns_device_locator(void *dev, unsigned int i);
bool rumpns_device_is_a(void *dev, const char *name);
const char *rumpns_device_xname(void *dev);

/* NetBSD's PCI drivers AdrOS links (mk/rump.mk's stages) and their units
 * looked at; pcilocs' order: dev, function. */
static const char *const drivers[] = { "ahcisata", "nvme", "xhci", "ehci", "ohci", "uhci",  "wm",
                                       "hdaudio",  "auich", "eap", "virtio", "ppb" };
#define MAX_UNITS 8
#define PCICF_DEV 0
#define PCICF_FUNCTION 1

static volatile bool up;

struct owner_q {
    unsigned bus, dev, func;
    char *name;
    size_t size;
};

/* The bus number of NetBSD's pci bus device pci, or -1: 0 at the
 * mainbus, else the secondary bus of the bridge it hangs under (at most 8
 * bridges deep).  Called with a rump CPU. */
static int bus_of(void *pci, int depth)
{
    void *br = rumpns_device_parent(pci);
    if (!br || depth > 8)
        return -1;
    if (!rumpns_device_is_a(br, "ppb"))
        return rumpns_device_is_a(br, "mainbus") ? 0 : -1;
    void *up_bus = rumpns_device_parent(br);
    int b = up_bus ? bus_of(up_bus, depth + 1) : -1;
    if (b < 0)
        return -1;
    struct pci_dev *d = pci_get((unsigned)b, (unsigned)rumpns_device_locator(br, PCICF_DEV),
                                (unsigned)rumpns_device_locator(br, PCICF_FUNCTION));
    return d && d->header_type == 1 ? d->secondary_bus : -1;
}

static int lookup(struct owner_q *q)
{
    int found = -ENOENT;
    rump_schedule();
    for (size_t i = 0; i < ARRAY_SIZE(drivers) && found < 0; i++) {
        for (int u = 0; u < MAX_UNITS && found < 0; u++) {
            char xname[16];
            ksnprintf(xname, sizeof(xname), "%s%d", drivers[i], u);
            void *d = rumpns_device_find_by_xname(xname);
            if (!d)
                continue;
            void *p = rumpns_device_parent(d);
            if (!p || !rumpns_device_is_a(p, "pci") || bus_of(p, 0) != (int)q->bus)
                continue;
            if ((unsigned)rumpns_device_locator(d, PCICF_DEV) == q->dev &&
                (unsigned)rumpns_device_locator(d, PCICF_FUNCTION) == q->func) {
                strlcpy(q->name, xname, q->size);
                found = 0;
            }
        }
    }
    rump_unschedule();
    return found;
}

struct ctrl_q {
    const char *xname;
    char *out;
    size_t size;
};

static int controller(struct ctrl_q *q)
{
    int r = -ENOENT;
    rump_schedule();
    void *d = rumpns_device_find_by_xname(q->xname);
    /* Up from the disk to the device on the PCI bus (at most 8 levels:
     * sd0 < scsibus0 < umass0 < uhub0 < usb0 < xhci0). */
    for (int depth = 0; d && depth < 8; depth++) {
        void *p = rumpns_device_parent(d);
        if (p && rumpns_device_is_a(p, "pci")) {
            ksnprintf(q->out, q->size, "netbsd:%s@%s", q->xname, rumpns_device_xname(d));
            r = 0;
            break;
        }
        d = p;
    }
    rump_unschedule();
    return r;
}

int nbdev__controller(const char *xname, char *out, size_t size)
{
    struct ctrl_q q = { xname, out, size };
    int r;
    RUMP_SYSCALL(r, -EIO, controller(&q));
    return r;
}

int rump_pci_owner(unsigned bus, unsigned dev, unsigned func, char *name, size_t size)
{
    if (!up)
        return -ENODEV;
    struct owner_q q = { bus, dev, func, name, size };
    int r;
    RUMP_SYSCALL(r, -EIO, lookup(&q));
    return r;
}

static void pcidrv_start(void) { up = true; }
static struct rump_start_hook pcidrv_hook = { "pci-owners", pcidrv_start, NULL };

static int pcidrv_init(void)
{
    rump_start_hook_add(&pcidrv_hook);
    return 0;
}
INITCALL(INIT_FS, pcidrv_init);

#else
int rump_pci_owner(unsigned bus, unsigned dev, unsigned func, char *name, size_t size) { return -ENODEV; }
#endif
