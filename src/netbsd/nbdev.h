/* NetBSD's devices in the rump kernel, for AdrOS's views of them
 * (src/netbsd/pcidrv.c). */
#ifndef ADROS_NETBSD_NBDEV_H
#define ADROS_NETBSD_NBDEV_H

#include <adros/types.h>

/* "netbsd:<xname>@<controller>": NetBSD's device xname and the device on
 * the PCI bus it hangs from ("netbsd:wd0@ahcisata0").  0, -ENOENT (no
 * such device, or not under PCI) or -EIO.  Call with no rump CPU held. */
int nbdev__controller(const char *xname, char *out, size_t size);

#endif
