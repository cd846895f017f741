/* Makes the compiler describe every NetBSD structure copy of nb_net.h in
 * this object's debug information, used or not, so tools/build/layoutcheck.py can
 * compare each with NetBSD's (the Makefile runs it when the network stage
 * is linked), and likewise the mount argument structures of rump_sys.h.
 * Costs one pointer per structure. */
#include "nb_net.h"
#include "../rump/rump_sys.h"

#define KEEP(s) const struct nb_##s *nb__layout_##s
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
KEEP(sysctlnode);
KEEP(kinfo_pcb);
KEEP(pollfd);
KEEP(linger);
KEEP(bpf_hdr);
KEEP(bpf_insn);
KEEP(bpf_program);
/* The mount arguments of src/rump/rump_sys.h. */
KEEP(ufs_args);
KEEP(msdosfs_args);
KEEP(iso_args);
