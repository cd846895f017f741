/* IPv4 addresses and the default route of NetBSD's stack, as the DHCP
 * client (dhcp.c) changes them: what <adros/net.h> has no call for.
 * Private to src/netbsd/ (declared in net_int.h); -errno on failure. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/sched.h>
#include <adros/string.h>

#ifdef ADROS_RUMP_NET
#include "../rump/rump_sys.h"
#include "net_int.h"

int net__default_gw(struct net_addr *gw)
{
    enum { MAXRT = 64 };
    struct net_route *rt = kmalloc(sizeof(*rt) * MAXRT);
    if (!rt)
        return -ENOMEM;
    int n = net_route_list(rt, MAXRT), found = 0;
    for (int i = 0; i < MIN(n, MAXRT) && !found; i++)
        if (rt[i].dst.family == NET_AF_INET && rt[i].prefix == 0 && (rt[i].flags & NET_RTF_GATEWAY)) {
            *gw = rt[i].gateway;
            found = 1;
        }
    kfree(rt);
    return n < 0 ? n : found;
}

void net__drop_default(const struct net_addr *gw)
{
    struct net_addr cur;
    if (gw->family && net__default_gw(&cur) > 0 && net_addr_equal(&cur, gw))
        net_route_default(NULL, false);
}

/* An address ioctl (SIOCDIFADDR) on an AF_INET socket;
 * the request's address is a's. */
static int addr_ioctl(const char *ifname, const struct net_addr *a, unsigned long cmd, struct nb_ifreq *ifr)
{
    int s = net_socket(NET_AF_INET, NET_SOCK_DGRAM, 0);
    if (s < 0)
        return s;
    memset(ifr, 0, sizeof(*ifr));
    strlcpy(ifr->ifr_name, ifname, sizeof(ifr->ifr_name));
    net__to_sockaddr(a, &ifr->ifr_ifru.ifru_addr);
    int r = net__ioctl(s, cmd, ifr);
    net_close(s);
    return r;
}

int net__if_del_addr(const char *ifname, const struct net_addr *a)
{
    struct nb_ifreq ifr;
    return addr_ioctl(ifname, a, NB_SIOCDIFADDR, &ifr);
}

bool net__if_has_addr(const char *ifname, const struct net_addr *a, int prefix)
{
    struct net_ifinfo f;
    if (net_if_get(ifname, &f) < 0)
        return false;
    for (int i = 0; i < f.naddrs; i++)
        if (net_addr_equal(&f.addrs[i].addr, a) && f.addrs[i].prefix == prefix)
            return true;
    return false;
}
#endif
