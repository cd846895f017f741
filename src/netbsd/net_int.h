/* Private to the network service (src/netbsd/). */
#ifndef ADROS_NET_INT_H
#define ADROS_NET_INT_H

#include <adros/net.h>

static inline uint16_t htons(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }
static inline uint16_t ntohs(uint16_t v) { return htons(v); }

/* NetBSD sockaddr <-> net_addr; to_ returns the sockaddr's length (sa must
 * hold a sockaddr_in6). */
uint32_t net__to_sockaddr(const struct net_addr *a, void *sa);
bool net__from_sockaddr(const void *sa, struct net_addr *a);
/* Raw system calls, -errno on failure. */
int net__sysctl(const int *mib, unsigned n, void *old, size_t *oldlen, const void *new, size_t newlen);
int net__ioctl(int s, unsigned long cmd, void *arg);
ssize_t net__write(int s, const void *buf, size_t n);
ssize_t net__read(int s, void *buf, size_t n);
/* A file of the rump kernel (e.g. /dev/bpf), NetBSD's O_ flags. */
int net__open(const char *path, int flags);
int net__socket_route(void);

/* Counts an exchange as pending (net_dhcp_pending) from before its thread
 * starts (on) until it ends (off) (dhcp.c). */
void net__dhcp_hold(const char *ifname, bool on);

/* IPv4 addresses and the default route (ifaddr.c). */
int net__if_del_addr(const char *ifname, const struct net_addr *a);
bool net__if_has_addr(const char *ifname, const struct net_addr *a, int prefix);
/* The IPv4 default route's gateway: 1 (in *gw), 0 (none) or -errno. */
int net__default_gw(struct net_addr *gw);
/* Removes the default route if it goes through gw (family 0: never). */
void net__drop_default(const struct net_addr *gw);

/* A packet filter descriptor bound to an interface (bpf.c). */
struct nb_bpf_insn;
struct net__bpf {
    int fd;
    uint8_t *buf;
    uint32_t size;     /* the device's buffer: reads must ask for exactly this */
    uint32_t len, off; /* the records read, and the next one */
};
/* Opens /dev/bpf on ifname with the filter prog[n] (it must outlive the
 * call only).  0 or -errno. */
int net__bpf_open(struct net__bpf *b, const char *ifname, const struct nb_bpf_insn *prog, unsigned n);
void net__bpf_close(struct net__bpf *b);
/* Sends a whole frame, link-level header included. */
int net__bpf_send(struct net__bpf *b, const uint8_t *frame, size_t len);
/* The next frame received, waiting until deadline (monotonic ns): 0,
 * -ETIMEDOUT or an error of the device.  The frame stays valid until the
 * next call. */
int net__bpf_next(struct net__bpf *b, const uint8_t **frame, size_t *len, uint64_t deadline);
/* Waits (at most 10 s) until the boot's network configuration (net=) has
 * been applied; DHCP may still be running. */
void net__boot_wait(void);

#endif
