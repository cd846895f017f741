/* AdrOS's stub resolver (<adros/net.h>: net_resolve): host names to IPv4
 * addresses for the network commands.
 *
 * A name is looked up, in order, as a numeric address, in the hosts file
 * (hosts=<path>, default /etc/hosts; read at each lookup so an edit counts
 * at once), in a small cache, and by asking the name servers: those of
 * resolv=<addr>[,<addr>...] (port 53 unless given), else those of the
 * interfaces' DHCP leases (option 6).  Each server is asked over UDP (two
 * tries, 1 s then 2 s); a truncated answer is asked again over TCP.  An
 * NXDOMAIN ends the search (cached for a short while); a server that says
 * nothing, or fails, sends the query to the next.  Messages are built and
 * parsed by src/lib/dns.c.  Every wait is interruptible (-EINTR, net.c).
 *
 * Locks: cache_lock protects the cache and is never held across a call
 * into the rump kernel.  Thread context only. */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/dns.h>
#include <adros/entropy.h>
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vfs.h>

KOPTION(resolv, "resolv", "resolv=<addr>[:port][,<addr>...]: name servers (default: the DHCP lease's)");
KOPTION(hosts, "hosts", "hosts=<path>: the static host names file (default /etc/hosts)");

#ifdef ADROS_RUMP_NET

#define MAX_SERVERS 4
#define HOSTS_MAX (32 * 1024)
#define CACHE_SLOTS 16
#define TTL_MAX_S 300          /* an answer is kept at most this long */
#define NEGATIVE_S 30          /* an NXDOMAIN */
#define TCP_MS 3000

struct cached {
    char name[DNS_NAME_MAX + 2];
    uint8_t addr[4];
    bool negative;
    uint64_t expires;          /* 0: free */
};

/* cache_lock must be held when using these. */
static kmutex_t cache_lock = KMUTEX_INIT(cache_lock, "dns-cache");
static struct cached cache[CACHE_SLOTS];
static unsigned cache_next;

static void lower_copy(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = src[i] >= 'A' && src[i] <= 'Z' ? (char)(src[i] - 'A' + 'a') : src[i];
    if (i && dst[i - 1] == '.')
        i--;
    dst[i] = '\0';
}

/* 1 found (address in *out), 0 not cached, -ENOENT cached as absent. */
static int cache_get(const char *name, struct net_addr *out)
{
    char key[DNS_NAME_MAX + 2];
    lower_copy(key, name, sizeof(key));
    uint64_t now = clock_gettime_ns();
    int r = 0;
    kmutex_lock(&cache_lock);
    for (int i = 0; i < CACHE_SLOTS; i++) {
        struct cached *c = &cache[i];
        if (c->expires > now && strcmp(c->name, key) == 0) {
            if (c->negative) {
                r = -ENOENT;
            } else {
                memset(out, 0, sizeof(*out));
                out->family = NET_AF_INET;
                memcpy(out->addr, c->addr, 4);
                r = 1;
            }
            break;
        }
    }
    kmutex_unlock(&cache_lock);
    return r;
}

static void cache_put(const char *name, const uint8_t *addr, uint32_t ttl_s)
{
    if (ttl_s == 0)
        return;
    struct cached c = { .negative = addr == NULL };
    lower_copy(c.name, name, sizeof(c.name));
    if (addr)
        memcpy(c.addr, addr, 4);
    c.expires = clock_gettime_ns() + (uint64_t)MIN(ttl_s, TTL_MAX_S) * NSEC_PER_SEC;
    kmutex_lock(&cache_lock);
    int slot = -1;
    for (int i = 0; i < CACHE_SLOTS && slot < 0; i++)
        if (strcmp(cache[i].name, c.name) == 0)
            slot = i;
    if (slot < 0)
        slot = (int)(cache_next++ % CACHE_SLOTS);
    cache[slot] = c;
    kmutex_unlock(&cache_lock);
}

void net_resolve_flush(void)
{
    kmutex_lock(&cache_lock);
    memset(cache, 0, sizeof(cache));
    kmutex_unlock(&cache_lock);
}

/* The hosts file's text (kfree it), its length in *n; NULL if none. */
static char *hosts_text(ssize_t *n)
{
    const char *path = cmdline_get("hosts");
    struct file *f;
    if (vfs_open(path ? path : "/etc/hosts", O_RDONLY, 0, &f) < 0)
        return NULL;
    char *buf = kmalloc(HOSTS_MAX);
    *n = buf ? vfs_read(f, buf, HOSTS_MAX) : -ENOMEM;
    vfs_close(f);
    if (*n <= 0) {
        kfree(buf);
        return NULL;
    }
    return buf;
}

static int hosts_lookup(const char *name, struct net_addr *out)
{
    ssize_t n;
    char *buf = hosts_text(&n);
    int r = buf ? dns_hosts_lookup(buf, (size_t)n, name, out) : -ENOENT;
    kfree(buf);
    return r;
}

int net_name_of(const struct net_addr *a, char *name, size_t size)
{
    ssize_t n;
    char *buf = hosts_text(&n);
    int r = buf ? dns_hosts_reverse(buf, (size_t)n, a, name, size) : -ENOENT;
    kfree(buf);
    return r;
}

/* The name servers: resolv=, else the leases'.  How many. */
int net_resolv_servers(struct net_addr *srv, int max)
{
    int n = 0;
    const char *opt = cmdline_get("resolv");
    if (opt && *opt) {
        while (*opt && n < max) {
            const char *comma = strchr(opt, ',');
            size_t l = comma ? (size_t)(comma - opt) : strlen(opt);
            char one[NET_ADDRSTRLEN];
            if (l < sizeof(one)) {
                memcpy(one, opt, l);
                one[l] = '\0';
                if (net_parse_addr(one, &srv[n]) == 0) {
                    if (!srv[n].port)
                        srv[n].port = DNS_PORT;
                    n++;
                }
            }
            opt += l + (comma ? 1 : 0);
        }
        return n;
    }
    struct net_ifinfo ifs[4];
    int nif = net_if_list(ifs, 4);
    for (int i = 0; i < MIN(nif, 4); i++) {
        struct net_lease l;
        if (net_lease_get(ifs[i].name, &l) < 0 || l.state == NET_LEASE_EXPIRED)
            continue;
        for (int k = 0; k < l.ndns && n < max; k++) {
            srv[n] = l.dns[k];
            srv[n++].port = DNS_PORT;
        }
    }
    return n;
}

/* One query over UDP: 0 with *ans, -ETIMEDOUT, -EINTR, or an error. */
static int ask_udp(const struct net_addr *srv, const char *name, struct dns_answer *ans)
{
    uint8_t q[DNS_QUERY_MAX], m[DNS_UDP_MAX];
    int s = net_socket(srv->family, NET_SOCK_DGRAM, NET_PROTO_UDP);
    if (s < 0)
        return s;
    int r = -ETIMEDOUT;
    for (int attempt = 0; attempt < 2 && r == -ETIMEDOUT; attempt++) {
        uint16_t id = (uint16_t)krand32();
        int qn = dns_build_query(id, name, q, sizeof(q));
        if (qn < 0) {
            r = qn;
            break;
        }
        ssize_t w = net_sendto(s, q, (size_t)qn, srv);
        if (w < 0) {
            r = (int)w;
            break;
        }
        uint64_t deadline = clock_gettime_ns() + (uint64_t)(1000 << attempt) * NSEC_PER_MSEC;
        for (;;) {
            uint64_t now = clock_gettime_ns();
            if (now >= deadline)
                break;
            struct net_addr from;
            ssize_t got = net_recvfrom(s, m, sizeof(m), &from, (uint32_t)((deadline - now) / NSEC_PER_MSEC + 1));
            if (got == -ETIMEDOUT)
                break;
            if (got < 0) {
                r = (int)got;
                break;
            }
            /* Only the server's answer to this query counts (RFC 5452). */
            if (net_addr_equal(&from, srv) && from.port == srv->port &&
                dns_parse_reply(m, (size_t)got, id, name, ans) == 0) {
                r = 0;
                break;
            }
        }
    }
    net_close(s);
    return r;
}

static int recv_all(int s, uint8_t *buf, size_t n, uint64_t deadline)
{
    size_t done = 0;
    while (done < n) {
        uint64_t now = clock_gettime_ns();
        if (now >= deadline)
            return -ETIMEDOUT;
        ssize_t r = net_recv(s, buf + done, n - done, (uint32_t)((deadline - now) / NSEC_PER_MSEC + 1));
        if (r < 0)
            return (int)r;
        if (r == 0)
            return -ECONNRESET;
        done += (size_t)r;
    }
    return 0;
}

/* One query over TCP (RFC 1035 4.2.2: a 2-byte length before each message). */
static int ask_tcp(const struct net_addr *srv, const char *name, struct dns_answer *ans)
{
    uint8_t q[2 + DNS_QUERY_MAX];
    uint16_t id = (uint16_t)krand32();
    int qn = dns_build_query(id, name, q + 2, sizeof(q) - 2);
    if (qn < 0)
        return qn;
    q[0] = (uint8_t)(qn >> 8);
    q[1] = (uint8_t)qn;
    uint64_t deadline = clock_gettime_ns() + (uint64_t)TCP_MS * NSEC_PER_MSEC;
    int s = net_socket(srv->family, NET_SOCK_STREAM, NET_PROTO_TCP);
    if (s < 0)
        return s;
    uint8_t *m = NULL;
    int r = net_connect(s, srv, TCP_MS);
    if (r == 0) {
        ssize_t w = net_send(s, q, (size_t)qn + 2, TCP_MS);
        r = w < 0 ? (int)w : 0;
    }
    uint8_t lb[2] = { 0, 0 };
    if (r == 0)
        r = recv_all(s, lb, 2, deadline);
    size_t len = (size_t)lb[0] << 8 | lb[1];
    if (r == 0 && !(m = kmalloc(len ? len : 1)))
        r = -ENOMEM;
    if (r == 0)
        r = recv_all(s, m, len, deadline);
    if (r == 0 && dns_parse_reply(m, len, id, name, ans) < 0)
        r = -EPROTO;
    kfree(m);
    net_close(s);
    return r;
}

int net_resolve(const char *name, struct net_addr *out)
{
    if (net_parse_addr(name, out) == 0)
        return 0;
    if (!dns_name_ok(name))
        return -EINVAL;
    if (hosts_lookup(name, out) == 0)
        return 0;
    int c = cache_get(name, out);
    if (c)
        return c > 0 ? 0 : -ENOENT;
    struct net_addr srv[MAX_SERVERS];
    int ns = net_resolv_servers(srv, MAX_SERVERS);
    if (ns == 0)
        return -EDESTADDRREQ;
    int r = -ETIMEDOUT;
    for (int i = 0; i < ns; i++) {
        struct dns_answer a;
        r = ask_udp(&srv[i], name, &a);
        if (r == 0 && a.truncated)
            r = ask_tcp(&srv[i], name, &a);
        if (r == -EINTR)
            return r;
        if (r < 0)
            continue;
        if (a.rcode == DNS_NXDOMAIN || (a.rcode == DNS_NOERROR && a.naddr == 0)) {
            cache_put(name, NULL, NEGATIVE_S);
            return -ENOENT;
        }
        if (a.rcode != DNS_NOERROR) {
            r = -EAGAIN; /* SERVFAIL, REFUSED...: the next server */
            continue;
        }
        memset(out, 0, sizeof(*out));
        out->family = NET_AF_INET;
        memcpy(out->addr, a.addr[0], 4);
        cache_put(name, a.addr[0], a.ttl);
        return 0;
    }
    return r;
}

#else /* no network components */

int net_resolve(const char *name, struct net_addr *out)
{
    return net_parse_addr(name, out) == 0 ? 0 : -ENETDOWN;
}
int net_resolv_servers(struct net_addr *srv, int max) { return 0; }
void net_resolve_flush(void) {}
int net_name_of(const struct net_addr *a, char *name, size_t size) { return -ENOENT; }
#endif

const char *net_resolve_error(int r)
{
    switch (r) {
    case -ENOENT: return "no such host";
    case -EINVAL: return "not a valid host name";
    case -ETIMEDOUT: return "no answer from the name servers";
    case -EDESTADDRREQ: return "no name server (no DHCP lease names one, no resolv=)";
    case -EAGAIN: return "the name servers failed (SERVFAIL or REFUSED)";
    case -EPROTO: return "a malformed answer from the name server";
    case -EINTR: return "interrupted";
    case -ENETDOWN: return "the network is not available";
    default: return strerror(r);
    }
}
