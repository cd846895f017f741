/* NetBSD's network ABI as the rump kernel (i386) sees it: the structures
 * and constants that cross its system-call boundary, under nb_ names so
 * this builds without NetBSD's headers.  Private to src/netbsd/.
 *
 * Layouts are checked at build time against the rump kernel as compiled:
 * tools/build/layoutcheck.py reads NetBSD's structures from the archives' debug
 * information and ours (every nb_<name>, see nb_layouts.c) from our object,
 * and compares sizes and the offsets of members of the same name.  The key
 * offsets are also asserted here.  Constants are NetBSD's values (sys/socket.h,
 * sys/sockio.h, net/if.h, net/route.h, netinet/in.h). */
#ifndef ADROS_NB_NET_H
#define ADROS_NB_NET_H

#include <adros/types.h>

#define NB_AF_UNSPEC 0
#define NB_AF_INET 2
#define NB_AF_LINK 18
#define NB_AF_INET6 24
#define NB_PF_ROUTE 34
#define NB_SOL_SOCKET 0xffff
#define NB_SO_REUSEADDR 0x0004
#define NB_SO_LINGER 0x0080
#define NB_SO_SNDBUF 0x1001
#define NB_SO_RCVBUF 0x1002
#define NB_SO_ERROR 0x1007
#define NB_MSG_DONTWAIT 0x0080
#define NB_MSG_NOSIGNAL 0x0400
#define NB_SOCK_NONBLOCK 0x20000000
#define NB_IPPROTO_IP 0
#define NB_IPPROTO_TCP 6
#define NB_IPPROTO_IPV6 41
#define NB_IP_TTL 4
#define NB_TCP_NODELAY 1
#define NB_O_RDWR 0x00000002
#define NB_O_NONBLOCK 0x00000004
#define NB_F_GETFL 3
#define NB_F_SETFL 4

/* sys/ioccom.h */
#define NB_IOC_OUT 0x40000000ul
#define NB_IOC_IN 0x80000000ul
#define NB_IOC(inout, g, n, len) ((inout) | (((unsigned long)(len) & 0x1fff) << 16) | ((g) << 8) | (n))
#define NB_IOR(g, n, len) NB_IOC(NB_IOC_OUT, (g), (n), (len))
#define NB_IOW(g, n, len) NB_IOC(NB_IOC_IN, (g), (n), (len))
#define NB_IOWR(g, n, len) NB_IOC(NB_IOC_IN | NB_IOC_OUT, (g), (n), (len))

struct nb_sockaddr {
    uint8_t sa_len;
    uint8_t sa_family;
    char sa_data[14];
};

struct nb_sockaddr_in {
    uint8_t sin_len;
    uint8_t sin_family;
    uint16_t sin_port; /* network order */
    uint32_t sin_addr; /* network order */
    int8_t sin_zero[8];
};

struct nb_sockaddr_in6 {
    uint8_t sin6_len;
    uint8_t sin6_family;
    uint16_t sin6_port;
    uint32_t sin6_flowinfo;
    uint8_t sin6_addr[16];
    uint32_t sin6_scope_id;
};

struct nb_sockaddr_dl {
    uint8_t sdl_len;
    uint8_t sdl_family;
    uint16_t sdl_index;
    uint8_t sdl_type;
    uint8_t sdl_nlen;
    uint8_t sdl_alen;
    uint8_t sdl_slen;
    char sdl_data[12]; /* name, then link-level address */
};

struct nb_sockaddr_storage {
    uint8_t ss_len;
    uint8_t ss_family;
    char __ss_pad1[6];
    int64_t __ss_align;
    char __ss_pad2[112];
};

struct nb_ifreq {
    char ifr_name[16];
    union {
        struct nb_sockaddr ifru_addr;
        struct nb_sockaddr_storage ifru_space;
        short ifru_flags;
        int ifru_mtu;
        int ifru_addrflags;
    } ifr_ifru;
};
#define NB_SIOCSIFFLAGS NB_IOW('i', 16, sizeof(struct nb_ifreq))
#define NB_SIOCGIFFLAGS NB_IOWR('i', 17, sizeof(struct nb_ifreq))
#define NB_SIOCDIFADDR NB_IOW('i', 25, sizeof(struct nb_ifreq))
#define NB_SIOCGIFAFLAG_IN NB_IOWR('i', 39, sizeof(struct nb_ifreq))
/* An IPv4 address's flags (netinet/in_var.h): duplicate address detection. */
#define NB_IN_IFF_TENTATIVE 0x01
#define NB_IN_IFF_DUPLICATED 0x02
#define NB_IN_IFF_TRYTENTATIVE 0x08
#define NB_SIOCGIFMTU NB_IOWR('i', 126, sizeof(struct nb_ifreq))

struct nb_in_aliasreq {
    char ifra_name[16];
    struct nb_sockaddr_in ifra_addr;
    struct nb_sockaddr_in ifra_dstaddr;
    struct nb_sockaddr_in ifra_mask;
};

struct nb_timespec64 {
    int64_t tv_sec;
    int32_t tv_nsec;
};

struct nb_if_data {
    uint8_t ifi_type;
    uint8_t ifi_addrlen;
    uint8_t ifi_hdrlen;
    int ifi_link_state;
    uint64_t ifi_mtu, ifi_metric, ifi_baudrate;
    uint64_t ifi_ipackets, ifi_ierrors, ifi_opackets, ifi_oerrors, ifi_collisions;
    uint64_t ifi_ibytes, ifi_obytes, ifi_imcasts, ifi_omcasts, ifi_iqdrops, ifi_noproto;
    struct nb_timespec64 ifi_lastchange;
};
#define NB_LINK_STATE_UP 2

/* Routing messages (net/route.h): a header, then sockaddrs for each RTA_
 * bit in order, each padded to 8 bytes (RT_ROUNDUP). */
struct nb_rt_metrics {
    uint64_t rmx_locks, rmx_mtu, rmx_hopcount, rmx_recvpipe, rmx_sendpipe, rmx_ssthresh, rmx_rtt,
        rmx_rttvar;
    int64_t rmx_expire, rmx_pksent;
} __attribute__((aligned(8)));

struct nb_rt_msghdr {
    uint16_t rtm_msglen;
    uint8_t rtm_version;
    uint8_t rtm_type;
    uint16_t rtm_index;
    int rtm_flags;
    int rtm_addrs;
    int32_t rtm_pid;
    int rtm_seq;
    int rtm_errno;
    int rtm_use;
    int rtm_inits;
    struct nb_rt_metrics rtm_rmx;
};

struct nb_if_msghdr {
    uint16_t ifm_msglen;
    uint8_t ifm_version;
    uint8_t ifm_type;
    int ifm_addrs;
    int ifm_flags;
    uint16_t ifm_index;
    struct nb_if_data ifm_data;
} __attribute__((aligned(8))); /* NetBSD's __align64 (the kernel's compat copy has none) */

struct nb_ifa_msghdr {
    uint16_t ifam_msglen;
    uint8_t ifam_version;
    uint8_t ifam_type;
    int ifam_addrs;
    int ifam_flags;
    int ifam_metric;
    uint16_t ifam_index;
} __attribute__((aligned(8)));

#define NB_RTM_VERSION 4
#define NB_RTM_ADD 0x1
#define NB_RTM_DELETE 0x2
#define NB_RTM_NEWADDR 0xc
#define NB_RTM_IFINFO 0x14
#define NB_RTA_DST 0x1
#define NB_RTA_GATEWAY 0x2
#define NB_RTA_NETMASK 0x4
#define NB_RTA_IFP 0x10
#define NB_RTA_IFA 0x20
#define NB_RTAX_MAX 9
#define NB_RTF_UP 0x1
#define NB_RTF_GATEWAY 0x2
#define NB_RTF_HOST 0x4
#define NB_RTF_STATIC 0x800
#define NB_RT_ROUNDUP(a) ((a) > 0 ? (1 + (((a) - 1) | 7)) : 8)

/* sysctl */
#define NB_CTL_NET 4
#define NB_CTL_QUERY (-2)
#define NB_NET_RT_DUMP 1
#define NB_NET_RT_IFLIST 5
#define NB_IPCTL_FORWARDING 1
#define NB_SYSCTL_VERSION 0x01000000

struct nb_sysctlnode {
    uint32_t sysctl_flags;
    int32_t sysctl_num;
    char sysctl_name[32];
    uint32_t sysctl_ver;
    uint32_t __rsvd;
    uint8_t sysctl_un[16];
    uint64_t _sysctl_size, _sysctl_func, _sysctl_parent, _sysctl_desc;
};

/* struct kinfo_pcb (sys/sysctl.h), from net.inet.{tcp,udp}.pcblist */
struct nb_kinfo_pcb {
    uint64_t ki_pcbaddr, ki_ppcbaddr, ki_sockaddr;
    uint32_t ki_family, ki_type, ki_protocol, ki_pflags, ki_sostate, ki_prstate;
    int32_t ki_tstate;
    uint32_t ki_tflags;
    uint64_t ki_rcvq, ki_sndq;
    union {
        struct nb_sockaddr _kis_src;
        char _kis_pad[264];
    } ki_s;
    union {
        struct nb_sockaddr _kid_dst;
        char _kid_pad[264];
    } ki_d;
    uint64_t ki_inode, ki_vnode, ki_conn, ki_refs, ki_nextref;
};

/* The packet filter device, /dev/bpf (net/bpf.h).  A read returns whole
 * records: a bpf_hdr, the packet from bh_hdrlen on, the next record at
 * BPF_WORDALIGN(bh_hdrlen + bh_caplen).  bh_hdrlen is what counts: the
 * kernel pads it so the packet's network header is aligned (22 for
 * Ethernet, where sizeof(struct bpf_hdr) is 20). */
struct nb_bpf_timeval {
    int32_t tv_sec; /* long */
    int32_t tv_usec;
};

struct nb_bpf_hdr {
    struct nb_bpf_timeval bh_tstamp;
    uint32_t bh_caplen;
    uint32_t bh_datalen;
    uint16_t bh_hdrlen;
};
#define NB_BPF_HDR_FIELDS 18 /* the fields' bytes, without the tail padding */
#define NB_BPF_WORDALIGN(x) (((x) + 3u) & ~3u) /* sizeof(long) */

struct nb_bpf_insn {
    uint16_t code;
    uint8_t jt;
    uint8_t jf;
    uint32_t k;
};

struct nb_bpf_program {
    uint32_t bf_len;
    const struct nb_bpf_insn *bf_insns;
};

/* Instruction codes: class | size | mode, class | op | source. */
#define NB_BPF_LD_H_ABS 0x28
#define NB_BPF_LD_B_ABS 0x30
#define NB_BPF_LD_H_IND 0x48
#define NB_BPF_LDX_B_MSH 0xb1
#define NB_BPF_JEQ_K 0x15
#define NB_BPF_JSET_K 0x45
#define NB_BPF_RET_K 0x06

#define NB_BIOCGBLEN NB_IOR('B', 102, sizeof(uint32_t))
#define NB_BIOCSETF NB_IOW('B', 103, sizeof(struct nb_bpf_program))
#define NB_BIOCSETIF NB_IOW('B', 108, sizeof(struct nb_ifreq))
#define NB_BIOCIMMEDIATE NB_IOW('B', 112, sizeof(uint32_t))
#define NB_BIOCSSEESENT NB_IOW('B', 121, sizeof(uint32_t))

struct nb_pollfd {
    int fd;
    short events;
    short revents;
};

struct nb_linger {
    int l_onoff;
    int l_linger;
};

#define NB_OFF(t, m) __builtin_offsetof(t, m)
_Static_assert(sizeof(struct nb_sockaddr_in) == 16 && NB_OFF(struct nb_sockaddr_in, sin_addr) == 4, "sockaddr_in");
_Static_assert(sizeof(struct nb_sockaddr_in6) == 28 && NB_OFF(struct nb_sockaddr_in6, sin6_scope_id) == 24,
               "sockaddr_in6");
_Static_assert(sizeof(struct nb_sockaddr_dl) == 20, "sockaddr_dl");
_Static_assert(sizeof(struct nb_ifreq) == 144, "ifreq");
_Static_assert(sizeof(struct nb_in_aliasreq) == 64, "in_aliasreq");
_Static_assert(NB_OFF(struct nb_rt_msghdr, rtm_rmx) == 40 && sizeof(struct nb_rt_msghdr) == 120, "rt_msghdr");
_Static_assert(NB_OFF(struct nb_if_msghdr, ifm_data) == 16 && sizeof(struct nb_if_msghdr) == 152, "if_msghdr");
_Static_assert(NB_OFF(struct nb_if_data, ifi_mtu) == 8 && NB_OFF(struct nb_if_data, ifi_lastchange) == 120 &&
                   sizeof(struct nb_if_data) == 132,
               "if_data");
_Static_assert(sizeof(struct nb_ifa_msghdr) == 24, "ifa_msghdr");
_Static_assert(sizeof(struct nb_sysctlnode) == 96 && NB_OFF(struct nb_sysctlnode, _sysctl_size) == 64, "sysctlnode");
_Static_assert(sizeof(struct nb_kinfo_pcb) == 640 && NB_OFF(struct nb_kinfo_pcb, ki_d) == 336, "kinfo_pcb");
_Static_assert(sizeof(struct nb_bpf_hdr) == 20 && NB_OFF(struct nb_bpf_hdr, bh_caplen) == 8 &&
                   NB_OFF(struct nb_bpf_hdr, bh_datalen) == 12 && NB_OFF(struct nb_bpf_hdr, bh_hdrlen) == 16,
               "bpf_hdr");
_Static_assert(sizeof(struct nb_bpf_insn) == 8 && NB_OFF(struct nb_bpf_insn, k) == 4, "bpf_insn");
_Static_assert(sizeof(struct nb_bpf_program) == 8 && NB_OFF(struct nb_bpf_program, bf_insns) == 4, "bpf_program");
/* The ioctl numbers as NetBSD/i386 spells them (checked by hand against
 * net/bpf.h and sys/sockio.h). */
_Static_assert(NB_BIOCSETIF == 0x8090426cul && NB_BIOCGBLEN == 0x40044266ul && NB_BIOCSETF == 0x80084267ul &&
                   NB_BIOCIMMEDIATE == 0x80044270ul && NB_SIOCDIFADDR == 0x80906919ul &&
                   NB_SIOCGIFAFLAG_IN == 0xc0906927ul,
               "bpf ioctls");

/* The rump kernel's network system calls (rump_syscalls.h names). */
int rump___sysimpl_socket30(int domain, int type, int proto);
int rump___sysimpl_bind(int s, const void *name, uint32_t namelen);
int rump___sysimpl_listen(int s, int backlog);
int rump___sysimpl_accept(int s, void *name, uint32_t *anamelen);
int rump___sysimpl_connect(int s, const void *name, uint32_t namelen);
ssize_t rump___sysimpl_sendto(int s, const void *buf, size_t len, int flags, const void *to, uint32_t tolen);
ssize_t rump___sysimpl_recvfrom(int s, void *buf, size_t len, int flags, void *from, uint32_t *fromlen);
int rump___sysimpl_shutdown(int s, int how);
int rump___sysimpl_setsockopt(int s, int level, int name, const void *val, uint32_t valsize);
int rump___sysimpl_getsockopt(int s, int level, int name, void *val, uint32_t *avalsize);
int rump___sysimpl_getsockname(int s, void *asa, uint32_t *alen);
int rump___sysimpl_getpeername(int s, void *asa, uint32_t *alen);
int rump___sysimpl_poll(struct nb_pollfd *fds, uint32_t nfds, int timeout);
int rump___sysimpl_ioctl(int fd, unsigned long com, ...);
int rump___sysimpl_fcntl(int fd, int cmd, ...);
int rump___sysimpl___sysctl(const int *name, uint32_t namelen, void *old, size_t *oldlenp, const void *new,
                            size_t newlen);

int rump_pub_netconfig_ifup(const char *ifname);
int rump_pub_netconfig_ifdown(const char *ifname);
int rump_pub_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr, int mask);
int rump_pub_netconfig_ipv4_gw(const char *gw);
int rump_pub_netconfig_auto_ipv6(const char *ifname);

#endif
