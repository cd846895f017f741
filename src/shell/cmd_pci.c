/* Shell command lspci: the devices found on the PCI bus, their class, the
 * driver attached, and with -v their BARs and interrupt line. */
#include <adros/format.h>
#include <adros/pci.h>
#include <adros/rump.h>
#include <adros/shell.h>
#include <adros/string.h>

static void lspci_one(struct pci_dev *d, void *arg)
{
    bool verbose = *(bool *)arg;
    int irq = pci_irq(d);
    char irqs[8] = "-";
    if (irq >= 0)
        ksnprintf(irqs, sizeof(irqs), "%d", irq);
    /* AdrOS's driver, else NetBSD's in the rump kernel ("netbsd:wm0"). */
    char drv[32] = "-";
    char nb[24];
    if (d->driver)
        strlcpy(drv, d->driver->name, sizeof(drv));
    else if (rump_pci_owner(d->bus, d->dev, d->func, nb, sizeof(nb)) == 0)
        ksnprintf(drv, sizeof(drv), "netbsd:%s", nb);
    shell_printf("%02x:%02x.%x %04x:%04x %02x%02x %-22s %02x  %-4s %s\n", d->bus, d->dev, d->func, d->vendor,
                 d->device, d->class, d->subclass, pci_class_name(d->class, d->subclass), d->revision, irqs, drv);
    if (!verbose)
        return;
    for (int i = 0; i < PCI_NUM_BARS; i++) {
        const struct pci_bar *b = &d->bar[i];
        if (b->type == PCI_BAR_NONE || b->size == 0)
            continue;
        char size[16];
        shell_format_size(b->size, size, sizeof(size));
        shell_printf("        BAR%d %-5s 0x%08llx size %s%s\n", i,
                     b->type == PCI_BAR_IO ? "io" : b->type == PCI_BAR_MEM64 ? "mem64" : "mem32",
                     (unsigned long long)b->base, size, b->prefetchable ? " prefetchable" : "");
    }
    if (d->ncaps) {
        shell_printf("        capabilities:");
        for (int i = 0; i < d->ncaps && i < PCI_MAX_CAPS; i++)
            shell_printf(" %02x@%02x", d->cap_id[i], d->cap_off[i]);
        shell_printf("\n");
    }
}

static int cmd_lspci(int argc, char **argv)
{
    bool verbose = false;
    if (argc == 2 && strcmp(argv[1], "-v") == 0)
        verbose = true;
    else if (argc != 1)
        return shell_usage(argv[0]);
    if (pci_device_count() == 0) {
        shell_printf("no PCI devices (not scanned, or pci=off)\n");
        return 0;
    }
    shell_printf("%-7s %-9s %-27s %-3s %-4s %s\n", "ADDR", "ID", "CLASS", "REV", "IRQ", "DRIVER");
    pci_foreach(lspci_one, &verbose);
    return 0;
}
SHELL_CMD(lspci, cmd_lspci, "lspci [-v]", "PCI devices: address, vendor:device, class, driver (AdrOS's, or netbsd:<device>); -v adds BARs");
