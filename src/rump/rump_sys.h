/* The rump kernel as AdrOS code calls it: NetBSD's entry points, the
 * macros every call goes through, and AdrOS's copies of NetBSD's i386 ABI
 * structures, in one header for src/rump/ and src/netbsd/ (nothing else
 * declares them).  Our own declarations, so AdrOS builds without NetBSD's
 * headers.
 *
 * Entry points are declared by the names the rump kernel exports:
 * rump___sysimpl_* are the system calls (the names NetBSD's
 * rump_syscalls.h maps rump_sys_* to).  A system call returns -1 and
 * leaves the error in the calling thread's rump errno
 * (rumpuser_seterrno); rump_sys_err() turns that into -errno.
 *
 * Structures are nb_<NetBSD's name>.  Every one is compared at build time
 * with the rump kernel as compiled: tools/build/layoutcheck.py reads NetBSD's
 * layouts from the archives' debug information and ours from
 * rump_layouts.c's object (which names each one below), and checks sizes
 * and the offsets of members of the same name; a new structure here gets a
 * KEEP line there and its name in layoutcheck.py's STRUCTS.  Key sizes and
 * offsets are also asserted here.  Constants are NetBSD's values. */
#ifndef ADROS_RUMP_SYS_H
#define ADROS_RUMP_SYS_H

#include <adros/errno.h>
#include <adros/types.h>

#include "../rumpuser/rumpuser_adros.h" /* rumpuser_adros_errno */

#define NB_OFF(t, m) __builtin_offsetof(t, m)

/* ==== Common: files, ioctl numbers, sysctl ==== */

#define NB_O_RDONLY 0x00000000
#define NB_O_WRONLY 0x00000001
#define NB_O_RDWR 0x00000002
#define NB_O_NONBLOCK 0x00000004
#define NB_O_CREAT 0x00000200

/* sys/ioccom.h */
#define NB_IOC_VOID 0x20000000ul
#define NB_IOC_OUT 0x40000000ul
#define NB_IOC_IN 0x80000000ul
#define NB_IOC_INOUT (NB_IOC_IN | NB_IOC_OUT)
#define NB_IOC(inout, g, n, len) \
    ((unsigned long)(inout) | (((unsigned long)(len) & 0x1fff) << 16) | ((unsigned long)(g) << 8) | (n))
#define NB_IOR(g, n, len) NB_IOC(NB_IOC_OUT, (g), (n), (len))
#define NB_IOW(g, n, len) NB_IOC(NB_IOC_IN, (g), (n), (len))
#define NB_IOWR(g, n, len) NB_IOC(NB_IOC_INOUT, (g), (n), (len))

/* sysctl's top-level names and the query that finds numbers by name. */
#define NB_CTL_KERN 1
#define NB_CTL_VM 2
#define NB_CTL_NET 4
#define NB_CTL_HW 6
#define NB_CTL_QUERY (-2)

/* ==== File systems (sys/stat.h, sys/dirent.h, sys/mount.h) ==== */

struct nb_timespec {
    int64_t tv_sec;
    int32_t tv_nsec;
};

/* <sys/statvfs.h>: struct statvfs (i386: longs of 4 bytes, 64-bit
 * counts 4-aligned). */
#define NB_ST_WAIT 1
struct nb_statvfs {
    uint32_t f_flag, f_bsize, f_frsize, f_iosize;
    uint64_t f_blocks, f_bfree, f_bavail, f_bresvd; /* in f_frsize units */
    uint64_t f_files, f_ffree, f_favail, f_fresvd;
    uint64_t f_syncreads, f_syncwrites, f_asyncreads, f_asyncwrites;
    int32_t f_fsidx[2];
    uint32_t f_fsid, f_namemax, f_owner;
    uint32_t f_spare[4];
    char f_fstypename[32], f_mntonname[1024], f_mntfromname[1024];
};

_Static_assert(sizeof(struct nb_statvfs) == 2228, "NetBSD i386's struct statvfs");

struct nb_stat {
    uint64_t st_dev;
    uint32_t st_mode;
    uint64_t st_ino;
    uint32_t st_nlink;
    uint32_t st_uid, st_gid;
    uint64_t st_rdev;
    struct nb_timespec st_atim, st_mtim, st_ctim, st_birthtim;
    int64_t st_size;
    int64_t st_blocks;
    uint32_t st_blksize;
    uint32_t st_flags;
    uint32_t st_gen;
    uint32_t st_spare[2];
};
_Static_assert(sizeof(struct nb_stat) == 124, "NetBSD/i386 struct stat is 124 bytes");

#define NB_S_IFMT 0170000u
#define NB_S_IFIFO 0010000u
#define NB_S_IFCHR 0020000u
#define NB_S_IFDIR 0040000u
#define NB_S_IFBLK 0060000u
#define NB_S_IFREG 0100000u
#define NB_S_IFLNK 0120000u

struct nb_dirent {
    uint64_t d_fileno;
    uint16_t d_reclen;
    uint16_t d_namlen;
    uint8_t d_type;
    char d_name[512];
};
#define NB_DT_CHR 2
#define NB_DT_DIR 4
#define NB_DT_BLK 6
#define NB_DT_REG 8
#define NB_DT_LNK 10

#define NB_MNT_RDONLY 0x00000001
#define NB_MNT_FORCE 0x00080000
#define NB_MNT_WAIT 1 /* VFS_SYNC: wait for the writes */

/* Mount arguments, one structure per NetBSD file system (mount(2)'s data);
 * fspec names the block device inside the rump kernel.  Their layouts are
 * compared with the archives' DWARF at build time (tools/build/layoutcheck.py,
 * through rump_layouts.c), besides the sizes asserted here. */

/* ext2fs and ffs: struct ufs_args. */
struct nb_ufs_args {
    char *fspec;
};
_Static_assert(sizeof(struct nb_ufs_args) == 4, "NetBSD/i386 struct ufs_args is 4 bytes");

/* struct export_args30 (NFS export data kept in msdosfs_args and iso_args
 * for old mount programs): unused by a local mount, zero. */
#define NB_EXPORT_ARGS30_SIZE 108

/* msdosfs: struct msdosfs_args (sys/fs/msdosfs/msdosfsmount.h), version 3. */
struct nb_msdosfs_args {
    char *fspec;
    uint8_t _pad1[NB_EXPORT_ARGS30_SIZE];
    uint32_t uid;     /* owner of every file */
    uint32_t gid;
    uint32_t mask;    /* permission bits of files */
    int32_t flags;    /* NB_MSDOSFSMNT_* */
    int32_t version;  /* NB_MSDOSFSMNT_VERSION, with NB_MSDOSFSMNT_VERSIONED */
    uint32_t dirmask; /* permission bits of directories */
    int32_t gmtoff;   /* seconds east of UTC of the on-disk local times */
};
_Static_assert(sizeof(struct nb_msdosfs_args) == 140, "NetBSD/i386 struct msdosfs_args is 140 bytes");
#define NB_MSDOSFSMNT_LONGNAME 2   /* Windows 95 long names */
#define NB_MSDOSFSMNT_VERSIONED 16 /* version, dirmask and gmtoff are valid */
#define NB_MSDOSFSMNT_UTF8 32      /* long names as UTF-8 */
#define NB_MSDOSFSMNT_VERSION 3

/* cd9660: struct iso_args (sys/fs/cd9660/cd9660_mount.h).  flags 0: Rock
 * Ridge and Joliet used when present. */
struct nb_iso_args {
    const char *fspec;
    uint8_t _pad1[NB_EXPORT_ARGS30_SIZE];
    int32_t flags;
};
_Static_assert(sizeof(struct nb_iso_args) == 116, "NetBSD/i386 struct iso_args is 116 bytes");

/* ==== Network (sys/socket.h, sys/sockio.h, net/if.h, net/route.h,
 * netinet/in.h, net/bpf.h) and sysctl nodes ==== */

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
#define NB_F_GETFL 3
#define NB_F_SETFL 4

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
#define NB_LINK_STATE_UNKNOWN 0
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
#define NB_NET_RT_DUMP 1
#define NB_NET_RT_IFLIST 5
#define NB_IPCTL_FORWARDING 1
#define NB_IPCTL_DAD_COUNT 25
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

/* ==== Memory: NetBSD's pool statistics (sys/pool.h, kern.pool) ==== */

/* struct pool_sysctl of NetBSD's sys/pool.h: one per pool.  Checked against
 * the rump kernel's debug information by tools/build/layoutcheck.py. */
struct nb_pool_sysctl {
    char pr_wchan[16];
    uint64_t pr_flags, pr_size, pr_pagesize, pr_itemsperpage, pr_nitems, pr_nout, pr_hardlimit, pr_npages,
        pr_minpages, pr_maxpages;
    uint64_t pr_nget, pr_nfail, pr_nput, pr_npagealloc, pr_npagefree, pr_hiwat, pr_nidle;
    uint64_t pr_cache_meta_size, pr_cache_nfull, pr_cache_npartial, pr_cache_nempty, pr_cache_ncontended,
        pr_cache_nmiss_global, pr_cache_nhit_global, pr_cache_nmiss_pcpu, pr_cache_nhit_pcpu;
};
_Static_assert(sizeof(struct nb_pool_sysctl) == 224, "pool_sysctl");

/* ==== USB and disks (dev/usb/usb.h, sys/scsiio.h, sys/dkio.h) ==== */


struct nb_usb_device_info {
    uint8_t udi_bus;
    uint8_t udi_addr;
    uint32_t udi_cookie;
    char udi_product[384];
    char udi_vendor[384];
    char udi_release[8];
    char udi_serial[384];
    uint16_t udi_productNo;
    uint16_t udi_vendorNo;
    uint16_t udi_releaseNo;
    uint8_t udi_class;
    uint8_t udi_subclass;
    uint8_t udi_protocol;
    uint8_t udi_config;
    uint8_t udi_speed;
    int32_t udi_power;
    int32_t udi_nports;
    char udi_devnames[4][16];
    uint8_t udi_ports[16];
};
_Static_assert(sizeof(struct nb_usb_device_info) == 1268, "NetBSD/i386 struct usb_device_info");

/* struct usb_event: what /dev/usb (usb(4)'s minor 255) hands its one
 * reader, usbd(8) on NetBSD, per read of exactly this size. */
struct nb_usb_event {
    int32_t ue_type;
    struct nb_timespec ue_time;
    union {
        struct {
            int32_t ue_bus;
        } ue_ctrlr;
        struct nb_usb_device_info ue_device;
        struct {
            uint32_t ue_cookie;
            char ue_devname[16];
        } ue_driver;
    } u;
};
_Static_assert(sizeof(struct nb_usb_event) == 1284, "NetBSD/i386 struct usb_event");
#define NB_USB_EVENT_DEVICE_ATTACH 3
#define NB_USB_EVENT_DEVICE_DETACH 4
#define NB_USB_EVENT_DRIVER_ATTACH 5
#define NB_USB_EVENT_DRIVER_DETACH 6
#define NB_USB_DEV_MINOR 255

struct nb_scsireq {
    uint32_t flags;
    uint32_t timeout;
    uint8_t cmd[16];
    uint8_t cmdlen;
    void *databuf;
    uint32_t datalen;
    uint32_t datalen_used;
    uint8_t sense[48];
    uint8_t senselen;
    uint8_t senselen_used;
    uint8_t status;
    uint8_t retsts;
    int32_t error;
};
_Static_assert(sizeof(struct nb_scsireq) == 96, "NetBSD/i386 scsireq_t");

#define NB_USB_DEVICEINFO NB_IOC(NB_IOC_IN | NB_IOC_OUT, 'U', 4, sizeof(struct nb_usb_device_info))
#define NB_DIOCGSECTORSIZE NB_IOC(NB_IOC_OUT, 'd', 133, sizeof(uint32_t))
#define NB_DIOCGMEDIASIZE NB_IOC(NB_IOC_OUT, 'd', 132, sizeof(int64_t))
#define NB_DIOCCACHESYNC NB_IOC(NB_IOC_IN, 'd', 118, sizeof(int))
#define NB_SCIOCCOMMAND NB_IOC(NB_IOC_IN | NB_IOC_OUT, 'Q', 1, sizeof(struct nb_scsireq))
#define NB_SCCMD_READ 0x1
#define NB_HW_DISKNAMES 8
#define NB_S_IFCHR_MODE 0020600u
#define NB_RAW_PART 3 /* i386: the whole disk is partition d */
#define NB_PARTS_PER_UNIT 8 /* i386 DISKMINOR: unit * 8 + part (part < 8) */

/* ==== Audio (sys/audioio.h) ==== */

struct nb_audio_prinfo {
    uint32_t sample_rate, channels, precision, encoding, gain, port, seek, avail_ports, buffer_size;
    uint32_t ispare[1];
    uint32_t samples, eof;
    uint8_t pause, error, waiting, balance, cspare[2], open, active;
};
struct nb_audio_info {
    struct nb_audio_prinfo play, record;
    uint32_t monitor_gain, blocksize, hiwat, lowat, ispare1, mode;
};
struct nb_audio_device {
    char name[16], version[16], config[16];
};
struct nb_audio_encoding {
    int32_t index;
    char name[16];
    int32_t encoding, precision, flags;
};
struct nb_mixer_devinfo {
    int32_t index;
    char label[16 + 4]; /* audio_mixer_name_t: name[MAX_AUDIO_DEV_LEN], msg_id */
    int32_t type, mixer_class, next, prev;
    union {
        struct {
            int32_t num_mem;
            struct {
                char label[20];
                int32_t ord;
            } member[32];
        } e;
        struct {
            int32_t num_mem;
            struct {
                char label[20];
                int32_t mask;
            } member[32];
        } s;
        struct {
            char units[20];
            int32_t num_channels, delta;
        } v;
    } un;
};
struct nb_mixer_ctrl {
    int32_t dev, type;
    union {
        int32_t ord, mask;
        struct {
            int32_t num_channels;
            uint8_t level[8];
        } value;
    } un;
};
_Static_assert(sizeof(struct nb_audio_prinfo) == 56, "NetBSD audio_prinfo is 56 bytes");
_Static_assert(sizeof(struct nb_audio_info) == 136, "NetBSD audio_info is 136 bytes");
_Static_assert(__builtin_offsetof(struct nb_audio_info, mode) == 132, "audio_info.mode at 132");
_Static_assert(__builtin_offsetof(struct nb_audio_prinfo, error) == 49, "audio_prinfo.error at 49");
_Static_assert(sizeof(struct nb_audio_device) == 48, "NetBSD audio_device is 48 bytes");
_Static_assert(sizeof(struct nb_audio_encoding) == 32, "NetBSD audio_encoding is 32 bytes");
_Static_assert(sizeof(struct nb_mixer_devinfo) == 812, "NetBSD mixer_devinfo is 812 bytes");
_Static_assert(__builtin_offsetof(struct nb_mixer_devinfo, un) == 40, "mixer_devinfo.un at 40");
_Static_assert(sizeof(struct nb_mixer_ctrl) == 20, "NetBSD mixer_ctrl is 20 bytes");

#define NB_AUDIO_GETINFO NB_IOC(NB_IOC_OUT, 'A', 21, sizeof(struct nb_audio_info))
#define NB_AUDIO_SETINFO NB_IOC(NB_IOC_INOUT, 'A', 22, sizeof(struct nb_audio_info))
#define NB_AUDIO_DRAIN NB_IOC(NB_IOC_VOID, 'A', 23, 0)
#define NB_AUDIO_FLUSH NB_IOC(NB_IOC_VOID, 'A', 24, 0)
#define NB_AUDIO_GETDEV NB_IOC(NB_IOC_OUT, 'A', 27, sizeof(struct nb_audio_device))
#define NB_AUDIO_GETENC NB_IOC(NB_IOC_INOUT, 'A', 28, sizeof(struct nb_audio_encoding))
#define NB_AUDIO_PERROR NB_IOC(NB_IOC_OUT, 'A', 31, sizeof(int))
/* struct audio_offset (sys/audioio.h): samples is the bytes audio(4) has
 * counted as played (one block per device interrupt). */
struct nb_audio_offset {
    uint32_t samples, deltablks, offset;
};
#define NB_AUDIO_GETOOFFS NB_IOC(NB_IOC_OUT, 'A', 33, sizeof(struct nb_audio_offset))
#define NB_AUDIO_MIXER_READ NB_IOC(NB_IOC_INOUT, 'M', 0, sizeof(struct nb_mixer_ctrl))
#define NB_AUDIO_MIXER_WRITE NB_IOC(NB_IOC_INOUT, 'M', 1, sizeof(struct nb_mixer_ctrl))
#define NB_AUDIO_MIXER_DEVINFO NB_IOC(NB_IOC_INOUT, 'M', 2, sizeof(struct nb_mixer_devinfo))

#define NB_AUMODE_PLAY 0x01
#define NB_AUMODE_PLAY_ALL 0x04 /* every sample written is played */
#define NB_ENC_SLINEAR_LE 6
#define NB_ENC_ULINEAR_LE 8
#define NB_ENC_ULINEAR 11
#define NB_ENCFLAG_EMULATED 1
#define NB_MIXER_CLASS 0
#define NB_MIXER_ENUM 1
#define NB_MIXER_SET 2
#define NB_MIXER_VALUE 3

/* ==== ZFS (pool version 23: librumpfs_zfs, librumpkern_solaris) ==== */

/* /dev/zfs's ioctls are "UNIX-style" (sys/fs/zfs.h): no size or direction
 * bits, the argument is the address of a struct zfs_cmd, which ZFS copies
 * in and out itself. */
#define NB_ZFS_IOC(n) (('Z' << 8) + (n))
enum {
    NB_ZFS_IOC_POOL_CREATE = NB_ZFS_IOC(0),
    NB_ZFS_IOC_POOL_DESTROY = NB_ZFS_IOC(1),
    NB_ZFS_IOC_POOL_IMPORT = NB_ZFS_IOC(2),
    NB_ZFS_IOC_POOL_EXPORT = NB_ZFS_IOC(3),
    NB_ZFS_IOC_POOL_CONFIGS = NB_ZFS_IOC(4),
    NB_ZFS_IOC_POOL_STATS = NB_ZFS_IOC(5),
    NB_ZFS_IOC_POOL_TRYIMPORT = NB_ZFS_IOC(6),
    NB_ZFS_IOC_OBJSET_STATS = NB_ZFS_IOC(18),
    NB_ZFS_IOC_DATASET_LIST_NEXT = NB_ZFS_IOC(20),
    NB_ZFS_IOC_SNAPSHOT_LIST_NEXT = NB_ZFS_IOC(21),
    NB_ZFS_IOC_SET_PROP = NB_ZFS_IOC(22),
    NB_ZFS_IOC_CREATE = NB_ZFS_IOC(23),
    NB_ZFS_IOC_DESTROY = NB_ZFS_IOC(24),
    NB_ZFS_IOC_ROLLBACK = NB_ZFS_IOC(25),
    NB_ZFS_IOC_SNAPSHOT = NB_ZFS_IOC(36),
};

/* dmu_objset_stats_t */
struct nb_dmu_objset_stats {
    uint64_t dds_num_clones;
    uint64_t dds_creation_txg;
    uint64_t dds_guid;
    int32_t dds_type;
    uint8_t dds_is_snapshot;
    uint8_t dds_inconsistent;
    char dds_origin[256];
};
_Static_assert(sizeof(struct nb_dmu_objset_stats) == 288, "NetBSD/i386 dmu_objset_stats_t is 288 bytes");

/* zfs_cmd_t (sys/fs/zfs/sys/zfs_ioctl.h); the nvlists are addresses of
 * packed nvlists with their sizes.  What follows zc_objset_stats
 * (zc_begin_record, zc_inject_record, two flags) is not used by AdrOS. */
#define NB_ZFS_CMD_REST (304 + 336 + 8) /* struct drr_begin, zinject_record_t, two boolean_t */
struct nb_zfs_cmd {
    char zc_name[1024];
    char zc_value[2048];
    char zc_string[256];
    char zc_top_ds[1024];
    uint64_t zc_guid;
    uint64_t zc_nvlist_conf;
    uint64_t zc_nvlist_conf_size;
    uint64_t zc_nvlist_src;
    uint64_t zc_nvlist_src_size;
    uint64_t zc_nvlist_dst;
    uint64_t zc_nvlist_dst_size;
    uint64_t zc_cookie;
    uint64_t zc_objset_type;
    uint64_t zc_perm_action;
    uint64_t zc_history;
    uint64_t zc_history_len;
    uint64_t zc_history_offset;
    uint64_t zc_obj;
    uint64_t zc_iflags;
    uint64_t zc_share[4];
    struct nb_dmu_objset_stats zc_objset_stats;
    uint8_t zc_rest[NB_ZFS_CMD_REST];
};
_Static_assert(sizeof(struct nb_zfs_cmd) == 5440, "NetBSD/i386 zfs_cmd_t is 5440 bytes");
_Static_assert(NB_OFF(struct nb_zfs_cmd, zc_objset_stats) == 4504, "zc_objset_stats at 4504");
#define NB_DMU_OST_ZFS 2

/* struct mounta (the Solaris layer's sys/vfs.h): ZFS's mount(2) data; only
 * fspec, the dataset, is read. */
struct nb_mounta {
    char fspec[255];
    char dataptr[1024];
    char optptr[1024];
    char *fstype;
    int32_t mflag;
    int32_t datalen;
    int32_t optlen;
    int32_t flags;
};
_Static_assert(sizeof(struct nb_mounta) == 2324, "NetBSD/i386 struct mounta (Solaris layer) is 2324 bytes");

/* What AdrOS reads of zio_t and vdev_t (sys/zio.h, sys/vdev_impl.h): the
 * vdev an I/O goes to, its error, and the vdev's private data (NULL when
 * the vdev failed to open); the rest is opaque.  Checked against the
 * archive's debug information like every nb_ structure. */
struct nb_zio {
    uint8_t _pad0[0x1ac];
    struct nb_vdev *io_vd;
    uint8_t _pad1[0x204 - 0x1b0];
    int32_t io_error;
    uint8_t _pad2[664 - 0x208];
};
_Static_assert(sizeof(struct nb_zio) == 664, "NetBSD/i386 zio_t is 664 bytes");
struct nb_vdev {
    uint8_t _pad0[0x50];
    void *vdev_tsd;
    uint8_t _pad1[1168 - 0x54];
};
_Static_assert(sizeof(struct nb_vdev) == 1168, "NetBSD/i386 vdev_t is 1168 bytes");
/* vdev_ops_t: a vdev type's operations (vdev_disk_ops: disks). */
struct nb_vdev_ops {
    void *vdev_op_open, *vdev_op_close, *vdev_op_asize;
    int (*vdev_op_io_start)(struct nb_zio *zio);
    void *vdev_op_io_done, *vdev_op_state_change;
    char vdev_op_type[16];
    int32_t vdev_op_leaf;
};
_Static_assert(sizeof(struct nb_vdev_ops) == 44, "NetBSD/i386 vdev_ops_t is 44 bytes");
extern struct nb_vdev_ops rumpns_vdev_disk_ops;
#define NB_ZIO_PIPELINE_CONTINUE 0x100

/* The Solaris layer's nvlists (libnvpair), called on a rump CPU
 * (rump_schedule).  KM_SLEEP is NetBSD's (sys/kmem.h). */
typedef struct nb_nvlist nb_nvlist_t;
typedef struct nb_nvpair nb_nvpair_t;
#define NB_NV_UNIQUE_NAME 1
#define NB_NV_ENCODE_NATIVE 0
#define NB_KM_SLEEP 1
int rumpns_nvlist_alloc(nb_nvlist_t **nvl, unsigned nvflag, int kmflag);
void rumpns_nvlist_free(nb_nvlist_t *nvl);
int rumpns_nvlist_add_string(nb_nvlist_t *nvl, const char *name, const char *val);
int rumpns_nvlist_add_uint64(nb_nvlist_t *nvl, const char *name, uint64_t val);
int rumpns_nvlist_add_nvlist(nb_nvlist_t *nvl, const char *name, nb_nvlist_t *val);
int rumpns_nvlist_add_nvlist_array(nb_nvlist_t *nvl, const char *name, nb_nvlist_t **val, unsigned n);
int rumpns_nvlist_size(nb_nvlist_t *nvl, size_t *size, int encoding);
int rumpns_nvlist_pack(nb_nvlist_t *nvl, char **buf, size_t *len, int encoding, int kmflag);
int rumpns_nvlist_unpack(char *buf, size_t len, nb_nvlist_t **nvl, int kmflag);
int rumpns_nvlist_lookup_nvlist(nb_nvlist_t *nvl, const char *name, nb_nvlist_t **val);
int rumpns_nvlist_lookup_string(nb_nvlist_t *nvl, const char *name, char **val);
int rumpns_nvlist_lookup_uint64(nb_nvlist_t *nvl, const char *name, uint64_t *val);
int rumpns_nvlist_lookup_nvlist_array(nb_nvlist_t *nvl, const char *name, nb_nvlist_t ***val, unsigned *n);
int rumpns_nvlist_lookup_uint64_array(nb_nvlist_t *nvl, const char *name, uint64_t **val, unsigned *n);
int rumpns_nvlist_remove_all(nb_nvlist_t *nvl, const char *name);
nb_nvpair_t *rumpns_nvlist_next_nvpair(nb_nvlist_t *nvl, nb_nvpair_t *prev);
char *rumpns_nvpair_name(nb_nvpair_t *p);
int rumpns_nvpair_value_nvlist(nb_nvpair_t *p, nb_nvlist_t **val);
/* ZFS's DSL: a property of a dataset (dsl_prop.c); a positive errno. */
#define NB_ZPROP_SRC_LOCAL 0x8
/* Pools (spa.c) and scrubs (dsl_scrub.c): positive errnos. */
#define NB_SCRUB_FUNC_CLEAN 1
int rumpns_spa_open(const char *pool, void **spa, const void *tag);
void rumpns_spa_close(void *spa, const void *tag);
void *rumpns_spa_get_dsl(void *spa);
int rumpns_dsl_pool_scrub_setup(void *dp, int func);
int rumpns_dsl_prop_set(const char *dsname, const char *propname, int source, int intsz, int numints,
                        const void *buf);

/* ==== Entry points ==== */

enum { NB_RUMP_ETFS_REG, NB_RUMP_ETFS_BLK, NB_RUMP_ETFS_CHR, NB_RUMP_ETFS_DIR, NB_RUMP_ETFS_DIR_SUBDIRS };

int rump_init(void);
int rump_pub_etfs_register(const char *key, const char *hostpath, int type);
int rump_pub_etfs_remove(const char *key);
int rump_pub_lwproc_newlwp(int32_t pid);
void rump_pub_lwproc_releaselwp(void);
int rump_pub_lwproc_rfork(int flags);
/* rumpkern and rumpvfs interfaces (rumpkern.ifspec, rumpvfs.ifspec): the
 * mount a path is on, and VFS_SYNC on it (opaque NetBSD structures). */
struct nb_mount;
struct nb_kauth_cred;
struct nb_kauth_cred *rump_pub_cred_create(uint32_t uid, uint32_t gid, size_t ngroups, uint32_t *groups);
int rump_pub_vfs_getmp(const char *path, struct nb_mount **mpp);
int rump_pub_vfs_sync(struct nb_mount *mp, int wait, struct nb_kauth_cred *cred);

int rump___sysimpl_open(const char *path, int flags, ...);
int rump___sysimpl_close(int fd);
ssize_t rump___sysimpl_read(int fd, void *buf, size_t n);
ssize_t rump___sysimpl_write(int fd, const void *buf, size_t n);
ssize_t rump___sysimpl_pread(int fd, void *buf, size_t n, int64_t off);
ssize_t rump___sysimpl_pwrite(int fd, const void *buf, size_t n, int64_t off);
int64_t rump___sysimpl_lseek(int fd, int64_t off, int whence);
int rump___sysimpl_stat50(const char *path, struct nb_stat *st);
int rump___sysimpl_lstat50(const char *path, struct nb_stat *st);
int rump___sysimpl_fstat50(int fd, struct nb_stat *st);
int rump___sysimpl_getdents30(int fd, char *buf, size_t n);
int rump___sysimpl_mkdir(const char *path, uint32_t mode);
int rump___sysimpl_rmdir(const char *path);
int rump___sysimpl_unlink(const char *path);
int rump___sysimpl_rename(const char *from, const char *to);
int rump___sysimpl_symlink(const char *target, const char *path);
ssize_t rump___sysimpl_readlink(const char *path, char *buf, size_t n);
int rump___sysimpl_mount50(const char *type, const char *path, int flags, void *data, size_t len);
int rump___sysimpl_unmount(const char *path, int flags);
void rump___sysimpl_sync(void);
int rump___sysimpl_fsync(int fd);
int rump___sysimpl_ftruncate(int fd, int64_t len);
int rump___sysimpl_getpid(void);
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
int rump___sysimpl_mknod50(const char *path, uint32_t mode, uint64_t dev);
int rump___sysimpl_statvfs1(const char *path, struct nb_statvfs *buf, int flags);

int rump_pub_netconfig_ifup(const char *ifname);
int rump_pub_netconfig_ifdown(const char *ifname);
int rump_pub_netconfig_ipv4_ifaddr_cidr(const char *ifname, const char *addr, int mask);
int rump_pub_netconfig_ipv4_gw(const char *gw);
int rump_pub_netconfig_auto_ipv6(const char *ifname);

/* The rump kernel's own (not system calls): entering it as a CPU, and the
 * device switch registration of NetBSD's kernel (sys/kern/subr_devsw.c). */
void rump_schedule(void);
void rump_unschedule(void);
int rumpns_devsw_attach(const char *name, const void *bdev, int32_t *bmajor, const void *cdev, int32_t *cmajor);
extern const char rumpns_usb_cdevsw[];

/* ==== Calling it ==== */

/* Entering the rump kernel from AdrOS.  A panic of the rump kernel must not
 * take AdrOS down: every entry from an AdrOS thread goes through
 * RUMP_GUARDED(ret, errval, call), which fails with errval at once when the
 * rump kernel has crashed, and otherwise records a return point that the
 * panic handler (rump_integration.c) jumps back to, so the call returns
 * errval instead of never returning.  What the rump kernel held at that
 * moment (its locks, its memory) is abandoned with it. */
extern __thread void *rump__guard_jb;
extern volatile bool rump__crashed;
#define RUMP_GUARDED(ret, errval, call) \
    do { \
        if (rump__crashed) { \
            (ret) = (errval); \
            break; \
        } \
        void *rg_jb__[5]; \
        void *volatile rg_prev__ = rump__guard_jb; \
        if (__builtin_setjmp(rg_jb__) == 0) { \
            rump__guard_jb = rg_jb__; \
            (ret) = (call); \
        } else { \
            (ret) = (errval); \
        } \
        rump__guard_jb = rg_prev__; \
    } while (0)

/* Binds the calling AdrOS thread to an lwp of its own in the rump kernel,
 * once per thread (a thread-exit hook releases it).  Without it every system
 * call makes the rump kernel create and destroy a temporary lwp.  Threads
 * that already have an lwp (the rump kernel's own) are left alone. */
int rump__bind(void); /* 0 or a negative errno */
/* RUMP_GUARDED for system calls from AdrOS threads: bound first (a thread
 * that cannot be bound gets the error, not a call in the wrong process). */
#define RUMP_SYSCALL(ret, errval, call) \
    do { \
        int rb__; \
        RUMP_GUARDED(rb__, (errval), rump__bind()); \
        if (rb__ < 0) { \
            (ret) = rb__; \
            break; \
        } \
        RUMP_GUARDED(ret, errval, call); \
    } while (0)

static inline int rump_sys_err(void)
{
    int e = rumpuser_adros_errno();
    return e > 0 ? -e : -EIO /* the rump kernel said "failed" without a reason */;
}

/* A system call on behalf of an AdrOS service (network, audio): unavail
 * when ready is false (the service is not there), else the call through
 * RUMP_SYSCALL (above) with -1 turned into -errno. */
#define RUMP_SERVICE_CALL(ret, ready, unavail, call) \
    do { \
        if (!(ready)) { \
            (ret) = (unavail); \
            break; \
        } \
        RUMP_SYSCALL(ret, -EIO, call); \
        if ((ret) == -1) \
            (ret) = rump_sys_err(); \
    } while (0)

#endif
