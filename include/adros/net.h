/* Networking for AdrOS code: sockets and interfaces, served by NetBSD's
 * TCP/IP stack and drivers in the rump kernel (src/netbsd/net*.c).
 *
 * Descriptors are small integers valid in every AdrOS thread (one
 * descriptor table is shared by all of AdrOS).  Every call may block; none
 * may be made from an interrupt handler.  Each returns a negative errno
 * (NetBSD numbering, <adros/errno.h>) on failure: -ENETDOWN when the
 * network components are not linked or the rump kernel is not running,
 * -ETIMEDOUT when a timeout expires.  Timeouts are in milliseconds;
 * NET_FOREVER waits without limit.  Calls are safe while other threads use
 * the network and the disks. */
#ifndef ADROS_NET_H
#define ADROS_NET_H

#include <adros/inet.h>
#include <adros/types.h>

#define NET_FOREVER 0xffffffffu

/* True when the network components are linked and the rump kernel runs. */
bool net_available(void);

/* ---- sockets ---- */
int net_socket(int family, int type, int proto); /* a descriptor */
int net_bind(int s, const struct net_addr *a);
int net_listen(int s, int backlog);
/* A connected descriptor; the peer's address in *peer if not NULL. */
int net_accept(int s, struct net_addr *peer, uint32_t timeout_ms);
int net_connect(int s, const struct net_addr *a, uint32_t timeout_ms);
/* Sends all n bytes (or fails: what was sent is lost to the caller, so a
 * failure ends the connection).  Returns n. */
ssize_t net_send(int s, const void *buf, size_t n, uint32_t timeout_ms);
/* Up to n bytes, at least 1; 0 at end of stream. */
ssize_t net_recv(int s, void *buf, size_t n, uint32_t timeout_ms);
ssize_t net_sendto(int s, const void *buf, size_t n, const struct net_addr *to);
ssize_t net_recvfrom(int s, void *buf, size_t n, struct net_addr *from, uint32_t timeout_ms);
int net_shutdown(int s, int how); /* 0 read, 1 write, 2 both */
int net_close(int s);
int net_sockname(int s, struct net_addr *a);
int net_peername(int s, struct net_addr *a);

enum net_opt {
    NET_OPT_REUSEADDR, /* int 0/1 */
    NET_OPT_NODELAY,   /* TCP */
    NET_OPT_RCVBUF,    /* bytes */
    NET_OPT_SNDBUF,
    NET_OPT_TTL,       /* IPv4 */
    NET_OPT_LINGER0,   /* 1: close resets the connection */
};
int net_setopt(int s, enum net_opt opt, int value);

#define NET_POLLIN 0x0001
#define NET_POLLOUT 0x0004
#define NET_POLLERR 0x0008
#define NET_POLLHUP 0x0010
#define NET_POLLNVAL 0x0020
struct net_pollfd {
    int fd;
    short events;
    short revents;
};
/* Waits until one descriptor is ready; returns how many are (0: timeout). */
int net_poll(struct net_pollfd *fds, int n, uint32_t timeout_ms);

/* ---- names (src/netbsd/dns.c) ---- */
/* The IPv4 address of name: numeric, from the hosts file (hosts=, default
 * /etc/hosts), cached, or asked of the name servers (resolv=, else the
 * DHCP leases').  0 with *out (port 0 unless name gives one), -ENOENT (no
 * such host), -EINVAL (not a host name), -ETIMEDOUT (no server answered),
 * -EDESTADDRREQ (no server known), -EAGAIN (the servers failed), -EPROTO,
 * -EINTR (the thread was asked to stop), -ENETDOWN. */
int net_resolve(const char *name, struct net_addr *out);
/* A message for net_resolve's errors ("no such host", ...). */
const char *net_resolve_error(int r);
/* The name servers net_resolve asks, in order (port set); how many. */
int net_resolv_servers(struct net_addr *srv, int max);
void net_resolve_flush(void);
/* The name the hosts file gives address a (the first on its line), in
 * name[0..size); -ENOENT when it names none.  No query is sent (no PTR). */
int net_name_of(const struct net_addr *a, char *name, size_t size);

/* ---- interfaces and routes (src/netbsd/netif.c) ---- */
struct net_ifinfo {
    char name[16];
    uint32_t flags;        /* NET_IFF_* */
    uint32_t mtu;
    uint8_t mac[6];
    bool has_mac;
    bool link_up;
    bool link_known;       /* false: the driver reports no link state (vioif) */
    int naddrs;
    struct {
        struct net_addr addr;
        int prefix;
    } addrs[4];
    uint64_t ipackets, ierrors, opackets, oerrors, ibytes, obytes, iqdrops;
};
#define NET_IFF_UP 0x0001
#define NET_IFF_BROADCAST 0x0002
#define NET_IFF_LOOPBACK 0x0008
#define NET_IFF_RUNNING 0x0040
#define NET_IFF_MULTICAST 0x8000
/* Fills up to max interfaces; returns how many there are. */
int net_if_list(struct net_ifinfo *ifs, int max);
int net_if_get(const char *name, struct net_ifinfo *out);
int net_if_up(const char *name, bool up);
/* Adds an IPv4 address with its prefix length. */
int net_if_addr(const char *name, const struct net_addr *a, int prefix);
/* Configures the interface by DHCP (src/netbsd/dhcp.c): brings it up,
 * obtains a lease (about 10 s at most: -ETIMEDOUT when no server answers)
 * and applies it: the address and prefix, once an ARP probe has found no
 * other host with it (200 ms; -EADDRINUSE, the address declined, when
 * another host has it), and the default route through the lease's router when it
 * names one (replacing another default route).  The lease is then renewed
 * in the background from T1.  Returns 0 or -errno; -EOPNOTSUPP for an
 * interface without a MAC address. */
int net_dhcp(const char *name);
/* How many net_dhcp exchanges are under way (the first one's interface in
 * ifname, if not NULL), and a wait for them to end: 0, -ETIMEDOUT at
 * deadline_ns, -EINTR when the thread is asked to stop. */
int net_dhcp_pending(char *ifname, size_t n);
int net_dhcp_wait(uint64_t deadline_ns);

/* A lease obtained by net_dhcp.  Addresses of family 0 are absent. */
#define NET_LEASE_INFINITE 0xffffffffu
#define NET_LEASE_MAX_DNS 3
enum { NET_LEASE_BOUND, NET_LEASE_RENEWING, NET_LEASE_REBINDING, NET_LEASE_EXPIRED };
struct net_lease {
    char ifname[16];
    struct net_addr addr;
    int prefix;
    struct net_addr router;           /* the default route's gateway, if offered */
    struct net_addr server;           /* the DHCP server */
    struct net_addr dns[NET_LEASE_MAX_DNS];
    int ndns;
    uint32_t lease_s, t1_s, t2_s;     /* seconds, or NET_LEASE_INFINITE */
    uint64_t bound_ns;                /* when the exchange of the last ACK began:
                                         the lease's times count from it */
    uint64_t expires_ns;              /* UINT64_MAX: never */
    unsigned renewals;                /* renewals acknowledged since the lease was obtained */
    int state;                        /* NET_LEASE_* */
};
/* The interface's lease: 0, -ENOENT (none), -ENETDOWN. */
int net_lease_get(const char *ifname, struct net_lease *out);
/* The first interface that is not a loopback, "" if none. */
const char *net_if_first(void);

struct net_route {
    struct net_addr dst, gateway;
    int prefix;
    uint32_t flags; /* NET_RTF_* */
    char ifname[16];
};
#define NET_RTF_UP 0x1
#define NET_RTF_GATEWAY 0x2
#define NET_RTF_HOST 0x4
/* The IPv4 and IPv6 routing table; returns how many routes there are. */
int net_route_list(struct net_route *r, int max);
int net_route_default(const struct net_addr *gw, bool add);

/* TCP and UDP sockets of the stack (netstat). */
struct net_sockinfo {
    int proto; /* NET_PROTO_TCP / _UDP */
    struct net_addr local, remote;
    int state; /* TCP state, NET_TCPS_* */
    uint32_t rcvq, sndq;
};
enum {
    NET_TCPS_CLOSED, NET_TCPS_LISTEN, NET_TCPS_SYN_SENT, NET_TCPS_SYN_RECEIVED, NET_TCPS_ESTABLISHED,
    NET_TCPS_CLOSE_WAIT, NET_TCPS_FIN_WAIT_1, NET_TCPS_CLOSING, NET_TCPS_LAST_ACK, NET_TCPS_FIN_WAIT_2,
    NET_TCPS_TIME_WAIT
};
const char *net_tcp_state_name(int state);
int net_sock_list(struct net_sockinfo *s, int max);

/* What the boot-time configuration did (net= option), for the shell. */
const char *net_boot_status(void);

#endif
