/* The network commands' shared steps (<adros/netcmd.h>), and `host`, which
 * shows what a name resolves to, or alone, the hosts file and name servers
 * it would use. */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/cmd.h>
#include <adros/dns.h>
#include <adros/errno.h>
#include <adros/net.h>
#include <adros/netcmd.h>
#include <adros/string.h>

int netcmd_ready(const char *argv0)
{
    char ifname[16];
    struct net_lease l;
    if (!net_dhcp_pending(ifname, sizeof(ifname)))
        return 0;
    if (net_lease_get(ifname, &l) == 0 && l.state != NET_LEASE_EXPIRED)
        return 0; /* a new exchange (the shell's dhcp) while a lease holds */
    shell_printf("%s: waiting for %s's DHCP lease...\n", argv0, ifname);
    int r = net_dhcp_wait(clock_gettime_ns() + (uint64_t)NETCMD_DHCP_WAIT_MS * NSEC_PER_MSEC);
    if (r == -EINTR || shell_interrupted())
        return SHELL_INTERRUPTED;
    if (r == -ETIMEDOUT)
        return shell_error(argv0, "gave up waiting for %s's DHCP lease after %u s", ifname,
                           NETCMD_DHCP_WAIT_MS / 1000);
    if (net_lease_get(ifname, &l) < 0 || l.state == NET_LEASE_EXPIRED)
        return shell_error(argv0, "%s got no DHCP lease (%s)", ifname, net_boot_status());
    return 0;
}

/* Splits "name:port" (one colon, digits after it); false for anything else. */
static bool split_port(const char *s, char *name, size_t n, uint16_t *port)
{
    const char *c = strchr(s, ':');
    if (!c || strchr(c + 1, ':') || (size_t)(c - s) >= n || !c[1])
        return false;
    uint32_t p = 0;
    for (const char *d = c + 1; *d; d++) {
        if (*d < '0' || *d > '9' || (p = p * 10 + (uint32_t)(*d - '0')) > 65535)
            return false;
    }
    if (p == 0)
        return false;
    memcpy(name, s, (size_t)(c - s));
    name[c - s] = '\0';
    *port = (uint16_t)p;
    return true;
}

int netcmd_resolve(const char *argv0, const char *host, struct net_addr *a)
{
    if (net_parse_addr(host, a) == 0)
        return netcmd_ready(argv0);
    char name[256];
    uint16_t port = 0;
    if (!split_port(host, name, sizeof(name), &port))
        strlcpy(name, host, sizeof(name));
    if (!dns_name_ok(name))
        return shell_error(argv0, "%s: not a host name or address", host);
    int st = netcmd_ready(argv0);
    if (st)
        return st;
    int r = net_resolve(name, a);
    if (r == -EINTR || shell_interrupted())
        return SHELL_INTERRUPTED;
    if (r < 0)
        return shell_error(argv0, "%s: %s", name, net_resolve_error(r));
    if (port)
        a->port = port;
    return 0;
}

/* host alone: where names come from. */
static int list_servers(const char *argv0)
{
    int st = netcmd_ready(argv0);
    if (st)
        return st;
    struct net_addr srv[4];
    int n = net_resolv_servers(srv, 4);
    const char *hosts = cmdline_get("hosts");
    shell_printf("hosts file: %s\n", hosts ? hosts : "/etc/hosts");
    shell_printf("name servers (%s):%s\n", cmdline_get("resolv") ? "resolv=" : "DHCP", n ? "" : " none");
    for (int i = 0; i < n; i++) {
        char as[NET_ADDRSTRLEN];
        shell_printf("  %s\n", net_format_addr(&srv[i], as, sizeof(as)));
    }
    return 0;
}

static int cmd_host(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    if (!net_available())
        return shell_error(argv[0], "the network is not available (%s)", net_boot_status());
    if (argc == 1)
        return list_servers(argv[0]);
    struct net_addr a;
    int st = netcmd_resolve(argv[0], argv[1], &a);
    if (st)
        return st;
    char as[NET_ADDRSTRLEN];
    a.port = 0;
    shell_printf("%s has address %s\n", argv[1], net_format_addr(&a, as, sizeof(as)));
    return 0;
}
SHELL_CMD(host, cmd_host, "host [name]",
          "look a host name up: the hosts file (hosts=, /etc/hosts), then the name servers (resolv=, DHCP); "
          "alone: where names come from");
