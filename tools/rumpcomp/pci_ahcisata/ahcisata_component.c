/* AdrOS's component glue for NetBSD's ahcisata, atabus and wd: registers
 * the drivers of the generated ioconf, then wd's block and character
 * devices and the nodes of unit 0 (AdrOS makes the nodes of later units
 * from the majors: src/netbsd/disk.c). */
#include <sys/param.h>
#include <sys/conf.h>
#include <sys/device.h>
#include <sys/bus.h>
#include <sys/stat.h>

#include <rump-sys/kern.h>
#include <rump-sys/vfs.h>

#include "ioconf.c"

RUMP_COMPONENT(RUMP_COMPONENT_DEV)
{
	int error;

	error = config_init_component(cfdriver_ioconf_pci_ahcisata,
	    cfattach_ioconf_pci_ahcisata, cfdata_ioconf_pci_ahcisata);
	if (error != 0)
		printf("ahcisata component: cannot register its drivers: %d\n", error);
}

RUMP_COMPONENT(RUMP_COMPONENT_POSTINIT)
{
	extern const struct bdevsw wd_bdevsw;
	extern const struct cdevsw wd_cdevsw;
	devmajor_t bmaj = -1, cmaj = -1;
	int error;

	if ((error = devsw_attach("wd", &wd_bdevsw, &bmaj, &wd_cdevsw, &cmaj)) != 0) {
		printf("ahcisata component: cannot attach wd's devsw: %d\n", error);
		return;
	}
	if ((error = rump_vfs_makedevnodes(S_IFBLK, "/dev/wd0", 'a', bmaj, 0, 8)) != 0 ||
	    (error = rump_vfs_makedevnodes(S_IFCHR, "/dev/rwd0", 'a', cmaj, 0, 8)) != 0)
		printf("ahcisata component: cannot make wd0's nodes: %d\n", error);
}
