/* Network interfaces, routes and sockets of NetBSD's stack as AdrOS sees
 * them (<adros/net.h>), and the boot-time configuration.
 *
 * Interfaces and routes are read with sysctl (NET_RT_IFLIST, NET_RT_DUMP:
 * routing messages, parsed here), configured with librumpnet_config
 * (address, gateway) and a routing socket (deleting a route).  DHCP is
 * AdrOS's own client (dhcp.c).
 *
 * Kernel option net=: "dhcp" (the first interface; the default when a NIC
 * is present), "<if>:<addr>/<len>[,gw=<addr>]" (static), "off".  The boot
 * never waits for it: DHCP runs in a thread of its own. */
#include <adros/cmdline.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/init.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/rump.h>
#include <adros/sched.h>
#include <adros/string.h>

KOPTION(net, "net", "net=dhcp|off|<if>:<addr>/<len>[,gw=<addr>]: configure the network at boot (default: DHCP)");

static const char *const tcp_states[] = { "CLOSED", "LISTEN", "SYN_SENT", "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT",
                                          "FIN_WAIT_1", "CLOSING", "LAST_ACK", "FIN_WAIT_2", "TIME_WAIT" };

const char *net_tcp_state_name(int state)
{
    return state >= 0 && state < (int)ARRAY_SIZE(tcp_states) ? tcp_states[state] : "?";
}

#ifdef ADROS_RUMP_NET
#include "../rump/rump_sys.h"
#include "net_int.h"

/* A sysctl whose result size is not known: grown until it fits.  Returns
 * a kmalloc'd buffer (caller frees) and its length, or NULL with *err. */
static void *sysctl_all(const int *mib, unsigned n, size_t *len, int *err)
{
    for (int tries = 0; tries < 4; tries++) {
        size_t need = 0;
        int r = net__sysctl(mib, n, NULL, &need, NULL, 0);
        if (r < 0) {
            *err = r;
            return NULL;
        }
        need += need / 4 + 512; /* room for what appears meanwhile */
        void *buf = kmalloc(need);
        if (!buf) {
            *err = -ENOMEM;
            return NULL;
        }
        size_t got = need;
        r = net__sysctl(mib, n, buf, &got, NULL, 0);
        if (r == 0) {
            *len = got;
            return buf;
        }
        kfree(buf);
        if (r != -ENOMEM) {
            *err = r;
            return NULL;
        }
    }
    *err = -ENOMEM;
    return NULL;
}

/* The sockaddrs following a routing message header, by RTA_ index. */
static void split_addrs(const uint8_t *p, const uint8_t *end, int addrs, const struct nb_sockaddr *sa[NB_RTAX_MAX])
{
    for (int i = 0; i < NB_RTAX_MAX; i++) {
        sa[i] = NULL;
        if (!(addrs & (1 << i)))
            continue;
        if (p >= end)
            break;
        const struct nb_sockaddr *s = (const void *)p;
        if (p + (s->sa_len ? s->sa_len : 1) > end)
            break;
        sa[i] = s;
        p += NB_RT_ROUNDUP(s->sa_len);
    }
}

/* Prefix length of a netmask sockaddr (possibly shortened: NetBSD trims
 * trailing zero bytes). */
static int mask_len(const struct nb_sockaddr *m, int family)
{
    if (!m)
        return family == NB_AF_INET ? 32 : 128;
    int off = family == NB_AF_INET ? 4 : 8, bytes = family == NB_AF_INET ? 4 : 16, n = 0;
    const uint8_t *b = (const uint8_t *)m;
    for (int i = 0; i < bytes && off + i < m->sa_len; i++) {
        uint8_t v = b[off + i];
        while (v & 0x80) {
            n++;
            v = (uint8_t)(v << 1);
        }
        if (b[off + i] != 0xff)
            break;
    }
    return n;
}

static void copy_counters(struct net_ifinfo *f, const struct nb_if_data *d)
{
    f->mtu = (uint32_t)d->ifi_mtu;
    f->link_up = d->ifi_link_state == NB_LINK_STATE_UP;
    f->link_known = d->ifi_link_state != NB_LINK_STATE_UNKNOWN;
    f->ipackets = d->ifi_ipackets;
    f->ierrors = d->ifi_ierrors;
    f->opackets = d->ifi_opackets;
    f->oerrors = d->ifi_oerrors;
    f->ibytes = d->ifi_ibytes;
    f->obytes = d->ifi_obytes;
    f->iqdrops = d->ifi_iqdrops;
}

/* Interface index -> name, from a list. */
static const char *if_name(const struct net_ifinfo *ifs, const int *idx, int n, int index)
{
    for (int i = 0; i < n; i++)
        if (idx[i] == index)
            return ifs[i].name;
    return "?";
}

#define MAXIF 8
static int list_ifs(struct net_ifinfo *ifs, int *idx, int max)
{
    static const int mib[6] = { NB_CTL_NET, NB_PF_ROUTE, 0, 0, NB_NET_RT_IFLIST, 0 };
    size_t len;
    int err;
    uint8_t *buf = sysctl_all(mib, 6, &len, &err);
    if (!buf)
        return err;
    int n = 0;
    struct net_ifinfo *cur = NULL;
    for (size_t off = 0; off + 4 <= len;) {
        const struct nb_if_msghdr *h = (const void *)(buf + off);
        if (h->ifm_msglen < 4 || off + h->ifm_msglen > len)
            break;
        const uint8_t *end = buf + off + h->ifm_msglen;
        const struct nb_sockaddr *sa[NB_RTAX_MAX];
        if (h->ifm_type == NB_RTM_IFINFO && h->ifm_msglen >= sizeof(*h)) {
            cur = NULL;
            if (n < max) {
                cur = &ifs[n];
                memset(cur, 0, sizeof(*cur));
                idx[n] = h->ifm_index;
                cur->flags = (uint32_t)h->ifm_flags & 0xffff; /* a short in the kernel */
                copy_counters(cur, &h->ifm_data);
                split_addrs(buf + off + sizeof(*h), end, h->ifm_addrs, sa);
                const struct nb_sockaddr_dl *dl = (const void *)sa[4]; /* RTAX_IFP */
                if (dl && dl->sdl_family == NB_AF_LINK) {
                    size_t nl = MIN((size_t)dl->sdl_nlen, sizeof(cur->name) - 1);
                    memcpy(cur->name, dl->sdl_data, nl);
                    if (dl->sdl_alen == 6 && 8 + dl->sdl_nlen + 6 <= dl->sdl_len) {
                        memcpy(cur->mac, (const uint8_t *)dl->sdl_data + dl->sdl_nlen, 6);
                        cur->has_mac = true;
                    }
                }
            }
            n++;
        } else if (h->ifm_type == NB_RTM_NEWADDR && cur) {
            const struct nb_ifa_msghdr *a = (const void *)h;
            split_addrs(buf + off + sizeof(*a), end, a->ifam_addrs, sa);
            const struct nb_sockaddr *ifa = sa[5]; /* RTAX_IFA */
            if (ifa && cur->naddrs < (int)ARRAY_SIZE(cur->addrs) &&
                net__from_sockaddr(ifa, &cur->addrs[cur->naddrs].addr)) {
                cur->addrs[cur->naddrs].prefix = mask_len(sa[2], ifa->sa_family);
                cur->naddrs++;
            }
        }
        off += h->ifm_msglen;
    }
    kfree(buf);
    return n;
}

int net_if_list(struct net_ifinfo *ifs, int max)
{
    int idx[MAXIF];
    struct net_ifinfo tmp[MAXIF];
    int n = list_ifs(tmp, idx, MAXIF);
    if (n < 0)
        return n;
    for (int i = 0; i < MIN(n, MIN(max, MAXIF)); i++)
        ifs[i] = tmp[i];
    return n;
}

int net_if_get(const char *name, struct net_ifinfo *out)
{
    struct net_ifinfo ifs[MAXIF];
    int n = net_if_list(ifs, MAXIF);
    if (n < 0)
        return n;
    for (int i = 0; i < MIN(n, MAXIF); i++)
        if (strcmp(ifs[i].name, name) == 0) {
            *out = ifs[i];
            return 0;
        }
    return -ENXIO;
}

const char *net_if_first(void)
{
    static char first[16];
    struct net_ifinfo ifs[MAXIF];
    int n = net_if_list(ifs, MAXIF);
    first[0] = '\0';
    for (int i = 0; i < MIN(n, MAXIF); i++)
        if (!(ifs[i].flags & NET_IFF_LOOPBACK) && ifs[i].has_mac) {
            strlcpy(first, ifs[i].name, sizeof(first));
            break;
        }
    return first;
}

/* librumpnet_config's calls return a positive errno. */
#define CONFIG(ret, call) \
    do { \
        if (!net_available()) { \
            (ret) = -ENETDOWN; \
            break; \
        } \
        RUMP_SYSCALL(ret, -EIO, -(call)); \
    } while (0)

static int check_if(const char *name)
{
    struct net_ifinfo f;
    return net_if_get(name, &f);
}

int net_if_up(const char *name, bool up)
{
    int r = check_if(name);
    if (r < 0)
        return r;
    CONFIG(r, up ? rump_pub_netconfig_ifup(name) : rump_pub_netconfig_ifdown(name));
    return r;
}

int net_if_addr(const char *name, const struct net_addr *a, int prefix)
{
    if (a->family != NET_AF_INET || prefix < 0 || prefix > 32)
        return -EINVAL;
    int r = check_if(name);
    if (r < 0)
        return r;
    char s[NET_ADDRSTRLEN];
    struct net_addr noport = *a;
    noport.port = 0;
    net_format_addr(&noport, s, sizeof(s));
    CONFIG(r, rump_pub_netconfig_ipv4_ifaddr_cidr(name, s, prefix));
    if (r == 0)
        CONFIG(r, rump_pub_netconfig_ifup(name));
    return r;
}

int net_route_list(struct net_route *routes, int max)
{
    static const int mib[6] = { NB_CTL_NET, NB_PF_ROUTE, 0, 0, NB_NET_RT_DUMP, 0 };
    struct net_ifinfo ifs[MAXIF];
    int idx[MAXIF];
    int nif = list_ifs(ifs, idx, MAXIF);
    if (nif < 0)
        return nif;
    size_t len;
    int err;
    uint8_t *buf = sysctl_all(mib, 6, &len, &err);
    if (!buf)
        return err;
    int n = 0;
    for (size_t off = 0; off + 4 <= len;) {
        const struct nb_rt_msghdr *h = (const void *)(buf + off);
        if (h->rtm_msglen < 4 || off + h->rtm_msglen > len)
            break;
        const struct nb_sockaddr *sa[NB_RTAX_MAX];
        if (h->rtm_msglen >= sizeof(*h)) {
            split_addrs(buf + off + sizeof(*h), buf + off + h->rtm_msglen, h->rtm_addrs, sa);
            struct net_route rt;
            memset(&rt, 0, sizeof(rt));
            if (sa[0] && net__from_sockaddr(sa[0], &rt.dst)) {
                if (sa[1])
                    net__from_sockaddr(sa[1], &rt.gateway); /* AF_LINK: direct */
                rt.flags = (uint32_t)h->rtm_flags & (NET_RTF_UP | NET_RTF_GATEWAY | NET_RTF_HOST);
                rt.prefix = (h->rtm_flags & NB_RTF_HOST) ? (rt.dst.family == NET_AF_INET ? 32 : 128)
                                                         : mask_len(sa[2], sa[0]->sa_family);
                if (!sa[2] && !(h->rtm_flags & NB_RTF_HOST) && (h->rtm_flags & NB_RTF_GATEWAY))
                    rt.prefix = 0;
                strlcpy(rt.ifname, if_name(ifs, idx, MIN(nif, MAXIF), h->rtm_index), sizeof(rt.ifname));
                if (n < max)
                    routes[n] = rt;
                n++;
            }
        }
        off += h->rtm_msglen;
    }
    kfree(buf);
    return n;
}

int net_route_default(const struct net_addr *gw, bool add)
{
    int r;
    if (add) {
        if (!gw || gw->family != NET_AF_INET)
            return -EINVAL;
        char s[NET_ADDRSTRLEN];
        struct net_addr g = *gw;
        g.port = 0;
        CONFIG(r, rump_pub_netconfig_ipv4_gw(net_format_addr(&g, s, sizeof(s))));
        return r;
    }
    /* RTM_DELETE of 0.0.0.0/0 through a routing socket. */
    struct {
        struct nb_rt_msghdr h;
        struct nb_sockaddr_in dst;
        struct nb_sockaddr_in mask;
    } __attribute__((packed)) m;
    _Static_assert(sizeof(m) == sizeof(struct nb_rt_msghdr) + 32, "rt message");
    memset(&m, 0, sizeof(m));
    m.h.rtm_msglen = sizeof(m);
    m.h.rtm_version = NB_RTM_VERSION;
    m.h.rtm_type = NB_RTM_DELETE;
    m.h.rtm_flags = NB_RTF_UP | NB_RTF_GATEWAY | NB_RTF_STATIC;
    m.h.rtm_addrs = NB_RTA_DST | NB_RTA_NETMASK;
    m.h.rtm_seq = 1;
    m.dst.sin_len = m.mask.sin_len = sizeof(m.dst);
    m.dst.sin_family = m.mask.sin_family = NB_AF_INET;
    int s = net__socket_route();
    if (s < 0)
        return s;
    ssize_t w = net__write(s, &m, sizeof(m));
    net_close(s);
    return w < 0 ? (int)w : 0;
}

/* The number of the node name under mib[0..depth-1], found by name
 * (CTL_QUERY): the dynamic nodes (net.inet.tcp.pcblist, sendspace...)
 * have no fixed number.  Fills mib[depth]. */
static int sysctl_node(int *mib, unsigned depth, const char *name)
{
    mib[depth] = NB_CTL_QUERY;
    struct nb_sysctlnode q;
    memset(&q, 0, sizeof(q));
    q.sysctl_flags = NB_SYSCTL_VERSION;
    size_t len;
    int err;
    size_t need = 0;
    int r = net__sysctl(mib, depth + 1, NULL, &need, &q, sizeof(q));
    if (r < 0)
        return r;
    struct nb_sysctlnode *nodes = kmalloc(need + sizeof(q));
    if (!nodes)
        return -ENOMEM;
    len = need + sizeof(q);
    r = net__sysctl(mib, depth + 1, nodes, &len, &q, sizeof(q));
    err = -ENOENT;
    for (size_t i = 0; r == 0 && i < len / sizeof(*nodes); i++)
        if (strncmp(nodes[i].sysctl_name, name, sizeof(nodes[i].sysctl_name)) == 0) {
            mib[depth] = nodes[i].sysctl_num;
            err = 0;
        }
    kfree(nodes);
    return r < 0 ? r : err;
}

/* net.inet.<proto>.<name>: fills mib[0..3]. */
static int inet_node(int proto, const char *name, int mib[4])
{
    mib[0] = NB_CTL_NET;
    mib[1] = NB_AF_INET;
    mib[2] = proto;
    return sysctl_node(mib, 3, name);
}

/* TCP and UDP protocol control blocks: net.inet.{tcp,udp}.pcblist. */
static int pcblist_mib(int proto, int mib[8])
{
    int err = inet_node(proto, "pcblist", mib);
    if (err < 0)
        return err;
    mib[4] = 0; /* PCB_ALL */
    mib[5] = 0;
    mib[6] = sizeof(struct nb_kinfo_pcb);
    mib[7] = 0x7fffffff;
    return err;
}

int net_sock_list(struct net_sockinfo *out, int max)
{
    int n = 0;
    static const int protos[2] = { NB_IPPROTO_TCP, 17 };
    for (int p = 0; p < 2; p++) {
        int mib[8];
        int r = pcblist_mib(protos[p], mib);
        if (r < 0)
            return r;
        size_t len;
        struct nb_kinfo_pcb *k = sysctl_all(mib, 8, &len, &r);
        if (!k)
            return r;
        for (size_t i = 0; i < len / sizeof(*k); i++) {
            struct net_sockinfo si;
            memset(&si, 0, sizeof(si));
            si.proto = protos[p];
            net__from_sockaddr(&k[i].ki_s._kis_src, &si.local);
            net__from_sockaddr(&k[i].ki_d._kid_dst, &si.remote);
            si.state = protos[p] == NB_IPPROTO_TCP ? k[i].ki_tstate : -1;
            si.rcvq = (uint32_t)k[i].ki_rcvq;
            si.sndq = (uint32_t)k[i].ki_sndq;
            if (n < max)
                out[n] = si;
            n++;
        }
        kfree(k);
    }
    return n;
}

/* ---- boot-time configuration (net=) ---- */

static char boot_status[160] = "not configured";

const char *net_boot_status(void) { return boot_status; }

static void *dhcp_thread(void *arg)
{
    const char *ifname = arg;
    uint64_t t0 = clock_gettime_ns();
    ksnprintf(boot_status, sizeof(boot_status), "%s: DHCP in progress", ifname);
    int r = net_dhcp(ifname);
    net__dhcp_hold(ifname, false);
    uint64_t ms = (clock_gettime_ns() - t0) / NSEC_PER_MSEC;
    struct net_lease l;
    if (r == 0)
        r = net_lease_get(ifname, &l);
    if (r == 0) {
        char a[NET_ADDRSTRLEN], g[NET_ADDRSTRLEN] = "none", s[NET_ADDRSTRLEN];
        net_format_addr(&l.addr, a, sizeof(a));
        net_format_addr(&l.server, s, sizeof(s));
        if (l.router.family)
            net_format_addr(&l.router, g, sizeof(g));
        /* "after boot": guest time from the kernel's start to the address
         * usable, the figure issue 24's goal names. */
        ksnprintf(boot_status, sizeof(boot_status), "%s: %s/%d by DHCP in %llu ms (router %s, server %s), %llu ms after boot",
                  ifname, a, l.prefix, (unsigned long long)ms, g, s,
                  (unsigned long long)(clock_gettime_ns() / NSEC_PER_MSEC));
    } else {
        ksnprintf(boot_status, sizeof(boot_status), "%s: DHCP failed: %s", ifname, strerror(r));
    }
    kprintf("net: %s\n", boot_status);
    return NULL;
}

/* "<if>:<addr>/<len>[,gw=<addr>]" */
static int net_static(const char *spec)
{
    char ifname[16], cidr[64], gw[64] = "";
    const char *colon = strchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(ifname))
        return -EINVAL;
    memcpy(ifname, spec, (size_t)(colon - spec));
    ifname[colon - spec] = '\0';
    const char *comma = strchr(colon + 1, ',');
    size_t cl = comma ? (size_t)(comma - colon - 1) : strlen(colon + 1);
    if (cl == 0 || cl >= sizeof(cidr))
        return -EINVAL;
    memcpy(cidr, colon + 1, cl);
    cidr[cl] = '\0';
    if (comma) {
        if (strncmp(comma + 1, "gw=", 3) != 0 || strlen(comma + 4) >= sizeof(gw))
            return -EINVAL;
        strlcpy(gw, comma + 4, sizeof(gw));
    }
    struct net_addr a, g;
    int prefix;
    if (net_parse_cidr(cidr, &a, &prefix) < 0 || (gw[0] && net_parse_addr(gw, &g) < 0))
        return -EINVAL;
    int r = net_if_addr(ifname, &a, prefix);
    if (r == 0 && gw[0])
        r = net_route_default(&g, true);
    ksnprintf(boot_status, sizeof(boot_status), "%s: %s%s%s%s%s", ifname, cidr, gw[0] ? " gateway " : "", gw,
              r ? ": " : " (static)", r ? strerror(r) : "");
    kprintf("net: %s\n", boot_status);
    return r;
}

/* The rump kernel is built with GATEWAY (IP forwarding on).  AdrOS is a
 * host: a packet it does not take as its own (say, for an address still
 * tentative during duplicate address detection) is dropped, not routed
 * back out through lo0 with a redirect to its sender at every hop. */
static void host_not_router(void)
{
    static const int mib[4] = { NB_CTL_NET, NB_AF_INET, NB_IPPROTO_IP, NB_IPCTL_FORWARDING };
    int off = 0;
    int r = net__sysctl(mib, 4, NULL, NULL, &off, sizeof(off));
    if (r < 0)
        kprintf(KERN_ERR "net: cannot turn IP forwarding off: %s\n", strerror(r));
}

/* TCP's socket buffers: net.tcpbuf=<bytes> sets net.inet.tcp.sendspace
 * and recvspace, the buffers a new TCP socket starts with, and raises
 * kern.sbmax (NetBSD's ceiling on any socket buffer, 256 KiB) when they
 * need it; 0 leaves NetBSD's 32 KiB (grown by its autosizing, which the
 * bulk transfers here hardly trigger).  The default, 128 KiB (Linux's
 * initial tcp_rmem), offers slirp a 4 times larger window: host->guest
 * 64 KiB-call TCP rose 30-50 % on vioif and e1000e, 10-25 % on e1000, and
 * the receive interrupts per MB fell about 3 times; guest->host did not
 * change beyond the noise (docs/PERFORMANCE.md, section 2). */
KOPTION(net_tcpbuf, "net.tcpbuf", "net.tcpbuf=<bytes>: TCP socket buffers to start with (default 131072, at most 16 MiB; 0: NetBSD's 32 KiB)");
#define TCPBUF_DEFAULT (128 * 1024)
#define TCPBUF_MAX (16 << 20)

static void sysctl_set_int(int *mib, unsigned depth, const char *what, int v)
{
    int r = net__sysctl(mib, depth, NULL, NULL, &v, sizeof(v));
    if (r < 0)
        kprintf(KERN_ERR "net: %s = %d: %s\n", what, v, strerror(r));
}

/* NetBSD's own IPv4 duplicate address detection is off (net.inet.ip.
 * dad_count 0; Linux has none).  With RFC 5227's timings it held an
 * address back for 4 to 7 s: one added while the link is up, and then at
 * every link-up (`ifconfig down` and `up`, a cable put back) again, which
 * for a DHCP lease meant 6.6 s without a reply after `ifconfig wm0 down;
 * ifconfig wm0 up` (docs/PERFORMANCE.md).  The DHCP client checks a lease
 * itself, in 200 ms (dhcp.c).  NetBSD announces an address added while the
 * link is up with a gratuitous ARP, then and at every later link-up, and
 * logs a conflict that it sees in ARP traffic. */
static void stack_dad_off(void)
{
    int mib[4] = { NB_CTL_NET, NB_AF_INET, NB_IPPROTO_IP, NB_IPCTL_DAD_COUNT };
    sysctl_set_int(mib, 4, "net.inet.ip.dad_count", 0);
}

static void tcp_buffers(void)
{
    const char *opt = cmdline_get("net.tcpbuf");
    long bytes = opt ? cmdline_get_int("net.tcpbuf", -1) : TCPBUF_DEFAULT; /* -1: not a number */
    if (bytes == 0)
        return;
    if (bytes < 4096 || bytes > TCPBUF_MAX) {
        kprintf(KERN_ERR "net: net.tcpbuf=%s: want 0 (NetBSD's buffers) or 4096 to %d bytes; NetBSD's kept\n",
                opt, TCPBUF_MAX);
        return;
    }
    int mib[4] = { NB_CTL_KERN };
    /* The mbufs' own overhead counts against sbmax: twice the data. */
    if (sysctl_node(mib, 1, "sbmax") == 0 && bytes * 2 > 256 * 1024)
        sysctl_set_int(mib, 2, "kern.sbmax", (int)bytes * 2);
    if (inet_node(NB_IPPROTO_TCP, "sendspace", mib) == 0)
        sysctl_set_int(mib, 4, "net.inet.tcp.sendspace", (int)bytes);
    if (inet_node(NB_IPPROTO_TCP, "recvspace", mib) == 0)
        sysctl_set_int(mib, 4, "net.inet.tcp.recvspace", (int)bytes);
}

/* The boot's configuration runs in a thread of its own: it waits for the
 * rump kernel to start (rump_running), and the shell need not wait.  Users
 * of the network do wait for it (net__boot_wait): a static address is set
 * before any command sees the interface; DHCP goes on in its own thread. */
static struct thread *boot_thread;
static volatile bool boot_done;
static struct waitq boot_wq;

void net__boot_wait(void)
{
    if (boot_done || !boot_thread || thread_current() == boot_thread)
        return;
    uint64_t deadline = clock_gettime_ns() + 10 * NSEC_PER_SEC;
    irqflags_t f = irq_save();
    while (!boot_done && clock_gettime_ns() < deadline)
        waitq_wait(&boot_wq, deadline, false);
    irq_restore(f);
}

static void *net_boot_configure(void)
{
    const char *opt = cmdline_get("net");
    if (!rump_running()) {
        if (opt && strcmp(opt, "off") != 0)
            kprintf(KERN_ERR "net: net=%s ignored: the rump kernel is not running\n", opt);
        return NULL;
    }
    /* The stack's settings first, whatever net= says: users of the
     * network wait for this thread (net__boot_wait). */
    host_not_router();
    stack_dad_off();
    tcp_buffers();
    if (opt && strcmp(opt, "off") == 0) {
        strlcpy(boot_status, "off (net=off)", sizeof(boot_status));
        return NULL;
    }
    static char ifname[16];
    strlcpy(ifname, net_if_first(), sizeof(ifname));
    if (!opt || strcmp(opt, "dhcp") == 0) {
        if (!ifname[0]) {
            strlcpy(boot_status, "no network interface", sizeof(boot_status));
            if (opt)
                kprintf("net: net=dhcp: no network interface\n");
            return NULL;
        }
        struct thread_attr at = { .name = "dhcp", .prio = PRIO_NORMAL, .stack_size = 64 * 1024 };
        struct thread *t;
        net__dhcp_hold(ifname, true); /* pending from now: commands wait */
        if (thread_create(&at, dhcp_thread, ifname, &t) < 0) {
            net__dhcp_hold(ifname, false);
            kprintf(KERN_ERR "net: cannot start the DHCP thread\n");
        }
        return NULL;
    }
    if (net_static(opt) == -EINVAL)
        kprintf(KERN_ERR "net: expected net=dhcp|off|<if>:<addr>/<len>[,gw=<addr>], got \"%s\"\n", opt);
    return NULL;
}
static void *net_boot_thread(void *arg)
{
    net_boot_configure();
    irqflags_t f = irq_save();
    boot_done = true;
    waitq_wake_all(&boot_wq);
    irq_restore(f);
    return NULL;
}

static int net_boot(void)
{
    if (!rump_linked() || !cmdline_get_bool("rump", true))
        return 0;
    waitq_init(&boot_wq);
    struct thread_attr at = { .name = "net-boot", .prio = PRIO_NORMAL, .stack_size = 64 * 1024 };
    struct thread *t;
    if (thread_create(&at, net_boot_thread, NULL, &t) < 0) {
        kprintf(KERN_ERR "net: cannot start the configuration thread\n");
        return 0;
    }
    boot_thread = t;
    return 0;
}
INITCALL(INIT_LATE, net_boot);

#else /* no network components */

int net_if_list(struct net_ifinfo *ifs, int max) { return -ENETDOWN; }
int net_if_get(const char *name, struct net_ifinfo *out) { return -ENETDOWN; }
int net_if_up(const char *name, bool up) { return -ENETDOWN; }
int net_if_addr(const char *name, const struct net_addr *a, int prefix) { return -ENETDOWN; }
const char *net_if_first(void) { return ""; }
int net_route_list(struct net_route *r, int max) { return -ENETDOWN; }
int net_route_default(const struct net_addr *gw, bool add) { return -ENETDOWN; }
int net_sock_list(struct net_sockinfo *s, int max) { return -ENETDOWN; }
const char *net_boot_status(void) { return "the network components are not linked"; }
#endif
