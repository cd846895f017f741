/* Shell commands for the network (NetBSD's stack, through <adros/net.h>):
 * ifconfig, route, dhcp (AdrOS's client, src/netbsd/dhcp.c), ping,
 * netstat. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/netcmd.h>
#include <adros/shell.h>
#include <adros/string.h>

static int net_needed(const char *argv0)
{
    if (net_available())
        return 0;
    return shell_error(argv0, "the network is not available (%s)", net_boot_status());
}

static const char *lease_state(int st)
{
    static const char *const names[] = { "bound", "renewing", "rebinding", "expired" };
    return st >= 0 && st < (int)ARRAY_SIZE(names) ? names[st] : "?";
}

/* "86400 s", "forever" */
static const char *secs(uint32_t s, char *buf, size_t n)
{
    if (s == NET_LEASE_INFINITE)
        return "forever";
    ksnprintf(buf, n, "%u s", s);
    return buf;
}

static const char *in_s(uint64_t at, uint64_t now, char *buf, size_t n)
{
    if (at == UINT64_MAX)
        return "never";
    ksnprintf(buf, n, "in %llu s", (unsigned long long)(at > now ? (at - now) / NSEC_PER_SEC : 0));
    return buf;
}

static void print_if(const struct net_ifinfo *f)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } flags[] = { { NET_IFF_UP, "UP" }, { NET_IFF_BROADCAST, "BROADCAST" }, { NET_IFF_LOOPBACK, "LOOPBACK" },
                  { NET_IFF_RUNNING, "RUNNING" }, { NET_IFF_MULTICAST, "MULTICAST" } };
    shell_printf("%s: flags=%x<", f->name, f->flags);
    bool first = true;
    for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
        if (f->flags & flags[i].bit) {
            shell_printf("%s%s", first ? "" : ",", flags[i].name);
            first = false;
        }
    shell_printf("> mtu %u\n", f->mtu);
    if (f->has_mac)
        shell_printf("\taddress: %02x:%02x:%02x:%02x:%02x:%02x\n", f->mac[0], f->mac[1], f->mac[2], f->mac[3],
                     f->mac[4], f->mac[5]);
    if (!(f->flags & NET_IFF_LOOPBACK))
        if (f->link_known) /* as NetBSD's ifconfig, no status line for a driver without one */
            shell_printf("\tstatus: %s\n", f->link_up ? "active" : "no carrier");
    for (int i = 0; i < f->naddrs; i++) {
        char a[NET_ADDRSTRLEN];
        shell_printf("\t%s %s/%d\n", f->addrs[i].addr.family == NET_AF_INET ? "inet" : "inet6",
                     net_format_addr(&f->addrs[i].addr, a, sizeof(a)), f->addrs[i].prefix);
    }
    struct net_lease l;
    if (net_lease_get(f->name, &l) == 0) {
        char a[NET_ADDRSTRLEN], s[NET_ADDRSTRLEN], b[32], c[32];
        shell_printf("\tdhcp: %s/%d from %s, lease %s (%s, expires %s)\n", net_format_addr(&l.addr, a, sizeof(a)),
                     l.prefix, net_format_addr(&l.server, s, sizeof(s)), secs(l.lease_s, b, sizeof(b)),
                     lease_state(l.state), in_s(l.expires_ns, clock_gettime_ns(), c, sizeof(c)));
    }
    shell_printf("\tinput: %llu packets, %llu bytes, %llu errors, %llu dropped\n", (unsigned long long)f->ipackets,
                 (unsigned long long)f->ibytes, (unsigned long long)f->ierrors, (unsigned long long)f->iqdrops);
    shell_printf("\toutput: %llu packets, %llu bytes, %llu errors\n", (unsigned long long)f->opackets,
                 (unsigned long long)f->obytes, (unsigned long long)f->oerrors);
}

/* ifconfig [if [addr/prefix] [up|down]] */
static int cmd_ifconfig(int argc, char **argv)
{
    if (net_needed(argv[0]))
        return SHELL_FAIL;
    if (argc == 1) {
        struct net_ifinfo ifs[8];
        int n = net_if_list(ifs, 8);
        if (n < 0)
            return shell_error(argv[0], "%s", shell_strerror(n));
        for (int i = 0; i < MIN(n, 8); i++)
            print_if(&ifs[i]);
        return SHELL_OK;
    }
    struct net_ifinfo f;
    int r = net_if_get(argv[1], &f);
    if (r < 0)
        return shell_error(argv[0], "%s: %s", argv[1], r == -ENXIO ? "no such interface" : shell_strerror(r));
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "up") == 0 || strcmp(argv[i], "down") == 0) {
            r = net_if_up(argv[1], argv[i][0] == 'u');
        } else {
            struct net_addr a;
            int prefix;
            if (net_parse_cidr(argv[i], &a, &prefix) < 0 || a.family != NET_AF_INET)
                return shell_error(argv[0], "%s: expected an IPv4 address/prefix, up or down", argv[i]);
            r = net_if_addr(argv[1], &a, prefix);
        }
        if (r < 0)
            return shell_error(argv[0], "%s %s: %s", argv[1], argv[i], shell_strerror(r));
    }
    if (net_if_get(argv[1], &f) == 0)
        print_if(&f);
    return SHELL_OK;
}
SHELL_CMD(ifconfig, cmd_ifconfig, "ifconfig [if [addr/prefix] [up|down]]",
          "network interfaces: addresses, MAC, MTU, flags, counters; configure one");

/* route [add|del default <gw>] */
static int cmd_route(int argc, char **argv)
{
    if (net_needed(argv[0]))
        return SHELL_FAIL;
    if (argc == 4 && strcmp(argv[2], "default") == 0 &&
        (strcmp(argv[1], "add") == 0 || strcmp(argv[1], "del") == 0)) {
        struct net_addr gw;
        if (net_parse_addr(argv[3], &gw) < 0 || gw.family != NET_AF_INET || gw.port)
            return shell_error(argv[0], "%s: not an IPv4 address", argv[3]);
        int r = net_route_default(&gw, argv[1][0] == 'a');
        return r < 0 ? shell_error(argv[0], "%s default: %s", argv[1], shell_strerror(r)) : SHELL_OK;
    }
    if (argc != 1)
        return shell_usage(argv[0]);
    struct net_route rt[32];
    int n = net_route_list(rt, 32);
    if (n < 0)
        return shell_error(argv[0], "%s", shell_strerror(n));
    shell_printf("%-24s %-24s %-6s %s\n", "Destination", "Gateway", "Flags", "Interface");
    for (int i = 0; i < MIN(n, 32); i++) {
        char d[NET_ADDRSTRLEN + 4], g[NET_ADDRSTRLEN], fl[4];
        int k = 0;
        net_format_addr(&rt[i].dst, d, sizeof(d));
        size_t dl = strlen(d);
        bool deflt = rt[i].prefix == 0 && rt[i].dst.family == NET_AF_INET;
        if (deflt)
            strlcpy(d, "default", sizeof(d));
        else if (!(rt[i].flags & NET_RTF_HOST))
            ksnprintf(d + dl, sizeof(d) - dl, "/%d", rt[i].prefix);
        if (rt[i].gateway.family)
            net_format_addr(&rt[i].gateway, g, sizeof(g));
        else
            strlcpy(g, "link", sizeof(g));
        if (rt[i].flags & NET_RTF_UP)
            fl[k++] = 'U';
        if (rt[i].flags & NET_RTF_GATEWAY)
            fl[k++] = 'G';
        if (rt[i].flags & NET_RTF_HOST)
            fl[k++] = 'H';
        fl[k] = '\0';
        shell_printf("%-24s %-24s %-6s %s\n", d, g, fl, rt[i].ifname);
    }
    return SHELL_OK;
}
SHELL_CMD(route, cmd_route, "route [add|del default <gw>]", "the routing table; set or remove the default route");

/* The lease's details, one item a line. */
static void print_lease(const struct net_lease *l, const char *indent)
{
    char a[NET_ADDRSTRLEN], b[32], c[32];
    uint64_t now = clock_gettime_ns();
    if (l->router.family)
        shell_printf("%srouter: %s\n", indent, net_format_addr(&l->router, a, sizeof(a)));
    else
        shell_printf("%srouter: none offered\n", indent);
    shell_printf("%sserver: %s\n", indent, net_format_addr(&l->server, a, sizeof(a)));
    shell_printf("%slease time: %s (%s, expires %s; renewed %u times)\n", indent, secs(l->lease_s, b, sizeof(b)),
                 lease_state(l->state), in_s(l->expires_ns, now, c, sizeof(c)), l->renewals);
    for (int i = 0; i < l->ndns; i++)
        shell_printf("%sdns: %s\n", indent, net_format_addr(&l->dns[i], a, sizeof(a)));
}

static void print_lease_head(const struct net_lease *l)
{
    char a[NET_ADDRSTRLEN];
    shell_printf("%s: %s/%d\n", l->ifname, net_format_addr(&l->addr, a, sizeof(a)), l->prefix);
}

/* dhcp [if]: configure it, or show the leases */
static int cmd_dhcp(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    if (net_needed(argv[0]))
        return SHELL_FAIL;
    struct net_lease l;
    if (argc == 1) {
        struct net_ifinfo ifs[8];
        int n = net_if_list(ifs, 8), shown = 0;
        for (int i = 0; i < MIN(n, 8); i++)
            if (net_lease_get(ifs[i].name, &l) == 0) {
                print_lease_head(&l);
                print_lease(&l, "\t");
                shown++;
            }
        if (!shown)
            shell_printf("no DHCP leases (%s)\n", net_boot_status());
        return SHELL_OK;
    }
    uint64_t t0 = clock_gettime_ns();
    int r = net_dhcp(argv[1]);
    if (r == 0)
        r = net_lease_get(argv[1], &l);
    if (r == -EINTR)
        return SHELL_INTERRUPTED;
    if (r < 0)
        return shell_error(argv[0], "%s: %s", argv[1],
                           r == -ENXIO          ? "no such interface"
                           : r == -ETIMEDOUT   ? "no answer from a DHCP server"
                           : r == -EADDRINUSE  ? "the address offered is in use by another host (declined)"
                           : r == -EOPNOTSUPP  ? "not an Ethernet interface"
                                                : shell_strerror(r));
    char a[NET_ADDRSTRLEN];
    shell_printf("%s: %s/%d (%llu ms)\n", argv[1], net_format_addr(&l.addr, a, sizeof(a)), l.prefix,
                 (unsigned long long)((clock_gettime_ns() - t0) / NSEC_PER_MSEC));
    print_lease(&l, "\t");
    return SHELL_OK;
}
SHELL_CMD(dhcp, cmd_dhcp, "dhcp [if]", "configure an interface by DHCP (waits for the lease); alone: the leases");

/* ---- ping ---- */

static uint16_t icmp_sum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    unsigned long v = 0;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > max)
            return false;
    }
    *out = v;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void sort_u64(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && cmp_u64(&v[j - 1], &v[j]) > 0; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

/* ping [-c N] [-s size] [-i ms] <host> */
static int cmd_ping(int argc, char **argv)
{
    unsigned long count = 4, size = 56, interval = 1000;
    const char *host = NULL;
    for (int i = 1; i < argc; i++) {
        unsigned long *opt = strcmp(argv[i], "-c") == 0 ? &count
                             : strcmp(argv[i], "-s") == 0 ? &size
                             : strcmp(argv[i], "-i") == 0 ? &interval
                                                          : NULL;
        if (opt) {
            unsigned long max = opt == &size ? 1400 : opt == &count ? 100000 : 60000;
            if (i + 1 >= argc || !parse_uint(argv[i + 1], max, opt))
                return shell_error(argv[0], "%s needs a number up to %lu", argv[i], max);
            i++;
        } else if (!host && argv[i][0] != '-') {
            host = argv[i];
        } else {
            return shell_usage(argv[0]);
        }
    }
    if (!host || count == 0)
        return shell_usage(argv[0]);
    if (net_needed(argv[0]))
        return SHELL_FAIL;
    struct net_addr to;
    int st = netcmd_resolve(argv[0], host, &to);
    if (st)
        return st;
    if (to.family != NET_AF_INET || to.port)
        return shell_error(argv[0], "%s: not an IPv4 host", host);
    int s = net_socket(NET_AF_INET, NET_SOCK_RAW, NET_PROTO_ICMP);
    if (s < 0)
        return shell_error(argv[0], "socket: %s", shell_strerror(s));
    uint8_t *pkt = kmalloc(2 * 1500 + 64);
    uint64_t *rtts = kmalloc(sizeof(uint64_t) * MIN(count, 10000ul));
    if (!pkt || !rtts) {
        kfree(pkt);
        kfree(rtts);
        net_close(s);
        return shell_error(argv[0], "%s", shell_strerror(-ENOMEM));
    }
    uint8_t *in = pkt + 1500 + 32;
    uint16_t id = (uint16_t)(clock_gettime_ns() >> 10);
    char a[NET_ADDRSTRLEN];
    shell_printf("PING %s: %lu data bytes\n", net_format_addr(&to, a, sizeof(a)), size);
    unsigned long sent = 0, received = 0, dups = 0;
    int status = SHELL_OK, nrtt = 0;
    for (unsigned long seq = 0; seq < count; seq++) {
        uint64_t t0 = clock_gettime_ns();
        memset(pkt, 0, 8 + size);
        pkt[0] = 8; /* echo request */
        pkt[4] = (uint8_t)(id >> 8);
        pkt[5] = (uint8_t)id;
        pkt[6] = (uint8_t)(seq >> 8);
        pkt[7] = (uint8_t)seq;
        for (unsigned long k = 0; k < size; k++)
            pkt[8 + k] = (uint8_t)(k + seq);
        uint16_t sum = icmp_sum(pkt, 8 + size);
        pkt[2] = (uint8_t)(sum >> 8);
        pkt[3] = (uint8_t)sum;
        ssize_t w = net_sendto(s, pkt, 8 + size, &to);
        if (w < 0) {
            shell_printf("ping: sendto: %s\n", shell_strerror((int)w));
        } else {
            sent++;
        }
        /* Replies until the next send is due (or 2 s for the last). */
        uint64_t until = t0 + (seq + 1 < count ? interval : MAX(interval, 2000ul)) * NSEC_PER_MSEC;
        bool got = false;
        while (!shell_interrupted()) {
            uint64_t now = clock_gettime_ns();
            if (now >= until || (got && seq + 1 == count))
                break;
            struct net_addr from;
            ssize_t r = net_recvfrom(s, in, 1500, &from, (uint32_t)MIN((until - now) / NSEC_PER_MSEC + 1, 200));
            if (r == -ETIMEDOUT || r == -EINTR)
                continue; /* -EINTR: Ctrl-C, seen by the loop */
            if (r < 0) {
                status = shell_error(argv[0], "recvfrom: %s", shell_strerror((int)r));
                goto out;
            }
            /* An IPv4 header, then ICMP. */
            size_t hl = (size_t)(in[0] & 0xf) * 4;
            if ((size_t)r < hl + 8 || in[hl] != 0 || (in[hl + 4] << 8 | in[hl + 5]) != id)
                continue;
            unsigned rseq = (unsigned)(in[hl + 6] << 8 | in[hl + 7]);
            if (rseq != (seq & 0xffff)) {
                dups += rseq < (seq & 0xffff);
                continue;
            }
            if (got) {
                dups++;
                continue;
            }
            uint64_t rtt = clock_gettime_ns() - t0;
            got = true;
            received++;
            if (nrtt < 10000)
                rtts[nrtt++] = rtt;
            shell_printf("%u bytes from %s: icmp_seq=%u ttl=%u time=%llu.%03llu ms\n", (unsigned)((size_t)r - hl),
                         net_format_addr(&from, a, sizeof(a)), rseq, in[8], (unsigned long long)(rtt / 1000000),
                         (unsigned long long)(rtt / 1000 % 1000));
        }
        if (shell_interrupted()) {
            status = SHELL_INTERRUPTED;
            break;
        }
        uint64_t now = clock_gettime_ns();
        if (seq + 1 < count && now < until && shell_sleep(until - now) != 0) {
            status = SHELL_INTERRUPTED;
            break;
        }
    }
    shell_printf("--- %s ping statistics ---\n", net_format_addr(&to, a, sizeof(a)));
    shell_printf("%lu packets transmitted, %lu packets received, ", sent, received);
    if (dups)
        shell_printf("+%lu duplicates, ", dups);
    unsigned long loss10 = sent ? (sent - received) * 1000 / sent : 0;
    shell_printf("%lu.%lu%% packet loss\n", loss10 / 10, loss10 % 10);
    if (nrtt) {
        uint64_t sum = 0;
        for (int i = 0; i < nrtt; i++)
            sum += rtts[i];
        sort_u64(rtts, nrtt);
        uint64_t avg = sum / (uint64_t)nrtt, mn = rtts[0], mx = rtts[nrtt - 1];
        /* An even count's median is the mean of its two middle values. */
        uint64_t med = nrtt % 2 ? rtts[nrtt / 2] : (rtts[nrtt / 2 - 1] + rtts[nrtt / 2]) / 2;
        uint64_t p99 = rtts[MIN(nrtt - 1, (nrtt * 99) / 100)];
        shell_printf("round-trip min/avg/max = %llu.%03llu/%llu.%03llu/%llu.%03llu ms (median %llu.%03llu, p99 "
                     "%llu.%03llu)\n",
                     (unsigned long long)(mn / 1000000), (unsigned long long)(mn / 1000 % 1000),
                     (unsigned long long)(avg / 1000000), (unsigned long long)(avg / 1000 % 1000),
                     (unsigned long long)(mx / 1000000), (unsigned long long)(mx / 1000 % 1000),
                     (unsigned long long)(med / 1000000), (unsigned long long)(med / 1000 % 1000),
                     (unsigned long long)(p99 / 1000000), (unsigned long long)(p99 / 1000 % 1000));
    }
    if (status == SHELL_OK && received == 0)
        status = SHELL_FAIL;
out:
    kfree(pkt);
    kfree(rtts);
    net_close(s);
    return status;
}
SHELL_CMD(ping, cmd_ping, "ping [-c N] [-s size] [-i ms] <host>", "send ICMP echo requests (BSD-style summary)");

static int cmd_netstat(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    if (net_needed(argv[0]))
        return SHELL_FAIL;
    int max = 256;
    struct net_sockinfo *si = kmalloc(sizeof(*si) * (size_t)max);
    if (!si)
        return shell_error(argv[0], "%s", shell_strerror(-ENOMEM));
    int n = net_sock_list(si, max);
    if (n < 0) {
        kfree(si);
        return shell_error(argv[0], "%s", shell_strerror(n));
    }
    shell_printf("%-5s %6s %6s  %-22s %-22s %s\n", "Proto", "Recv-Q", "Send-Q", "Local Address", "Foreign Address",
                 "State");
    for (int i = 0; i < MIN(n, max); i++) {
        char l[NET_ADDRSTRLEN], r[NET_ADDRSTRLEN];
        struct net_addr la = si[i].local, ra = si[i].remote;
        net_format_addr(&la, l, sizeof(l));
        net_format_addr(&ra, r, sizeof(r));
        if (!la.port)
            strlcat(l, ":*", sizeof(l));
        if (!ra.port)
            strlcat(r, ":*", sizeof(r));
        shell_printf("%-5s %6u %6u  %-22s %-22s %s\n", si[i].proto == NET_PROTO_TCP ? "tcp" : "udp", si[i].rcvq,
                     si[i].sndq, l, r, si[i].proto == NET_PROTO_TCP ? net_tcp_state_name(si[i].state) : "");
    }
    if (n > max)
        shell_printf("(%d more)\n", n - max);
    kfree(si);
    return SHELL_OK;
}
SHELL_CMD(netstat, cmd_netstat, "netstat", "TCP and UDP sockets of the network stack and their states");
