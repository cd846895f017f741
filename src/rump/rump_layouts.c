/* Makes the compiler describe every NetBSD structure copied in rump_sys.h
 * in this object's debug information, used or not, so tools/build/layoutcheck.py
 * can compare each with NetBSD's (mk/rump.mk runs it after the first link,
 * on the archives of the stages linked).  Costs one pointer per structure.
 * A structure added to rump_sys.h gets a line here, under the stage whose
 * archives define it. */
#include "rump_aiodone.h"
#include "rump_preempt.h"
#include "rump_sys.h"

#define KEEP(s) const struct nb_##s *nb__layout_##s
#ifdef ADROS_HAVE_RUMP
/* The base: sysctl and the rump kernel's pools; the file systems' mount arguments
 * (checked when their archive is among the components). */
KEEP(pool_sysctl);
KEEP(sysctlnode);
KEEP(ufs_args);
KEEP(msdosfs_args);
KEEP(iso_args);
/* The page-write completion shim's (rump_aiodone.h). */
KEEP(uvm_object);
KEEP(vm_page);
KEEP(buf);
KEEP(uio);
#endif
#ifdef ADROS_RUMP_NET
KEEP(sockaddr);
KEEP(sockaddr_in);
KEEP(sockaddr_in6);
KEEP(sockaddr_dl);
KEEP(sockaddr_storage);
KEEP(ifreq);
KEEP(in_aliasreq);
KEEP(if_data);
KEEP(if_msghdr);
KEEP(ifa_msghdr);
KEEP(rt_msghdr);
KEEP(rt_metrics);
KEEP(kinfo_pcb);
KEEP(pollfd);
KEEP(linger);
KEEP(bpf_hdr);
KEEP(bpf_insn);
KEEP(bpf_program);
#endif
#ifdef ADROS_RUMP_USB
KEEP(usb_device_info);
KEEP(usb_event);
KEEP(scsireq);
#endif
#ifdef ADROS_RUMP_ZFS
KEEP(zfs_cmd);
KEEP(dmu_objset_stats);
KEEP(mounta);
KEEP(zio);
KEEP(vdev);
KEEP(vdev_ops);
#endif
#ifdef ADROS_RUMP_AUDIO
KEEP(audio_prinfo);
KEEP(audio_info);
KEEP(audio_device);
KEEP(audio_encoding);
KEEP(mixer_devinfo);
KEEP(mixer_ctrl);
#endif
