/* DHCPv4 client messages as Ethernet frames (<adros/dhcp.h>): building
 * DISCOVER and REQUEST, taking apart OFFER, ACK and NAK.  Portable;
 * host-tested in tests/host/test_dhcp.c, hostile inputs included.
 *
 * Options are read from the options field, then (option 52, "overload")
 * from the file and sname fields.  Every option must fit in its field (an
 * option running past it refuses the message); pads are skipped; a
 * missing END is tolerated.  The first well-formed occurrence of a
 * single-valued option counts (one of the wrong length is ignored);
 * routers and name servers are gathered from every occurrence whose
 * length is a multiple of 4 (RFC 3396 concatenation, at address
 * boundaries).  A NAK's message is kept as printable ASCII only: it ends
 * up on the console. */
#include <adros/dhcp.h>
#include <adros/errno.h>
#include <adros/string.h>

#define ETH_HLEN 14
#define IP_HLEN 20
#define UDP_HLEN 8
#define HDRS (ETH_HLEN + IP_HLEN + UDP_HLEN)
#define BOOTP_FIXED 236               /* op .. file */
#define BOOTP_OPTS (BOOTP_FIXED + 4)  /* after the magic cookie */
#define BOOTP_MIN 300                 /* what BOOTP relays and servers expect at least */
#define OFF_SNAME 44
#define OFF_FILE 108

enum {
    OPT_PAD = 0, OPT_MASK = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_HOSTNAME = 12, OPT_REQUESTED = 50,
    OPT_LEASE = 51, OPT_OVERLOAD = 52, OPT_TYPE = 53, OPT_SERVER = 54, OPT_PARAMS = 55, OPT_MESSAGE = 56,
    OPT_MAXSIZE = 57, OPT_T1 = 58, OPT_T2 = 59, OPT_CLIENT_ID = 61, OPT_END = 255
};

static const uint8_t cookie[4] = { 99, 130, 83, 99 };
static const uint8_t params[] = { OPT_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE, OPT_SERVER, OPT_T1, OPT_T2 };

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

uint32_t dhcp_sum(const void *data, size_t len, uint32_t acc)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < len; i += 2) {
        acc += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
        if (acc & 0x80000000u)
            acc = (acc & 0xffff) + (acc >> 16);
    }
    return acc;
}

uint16_t dhcp_sum_fold(uint32_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

/* The UDP pseudo-header's contribution. */
static uint32_t pseudo_sum(const uint8_t src[4], const uint8_t dst[4], uint16_t udp_len)
{
    uint32_t acc = dhcp_sum(src, 4, 0);
    acc = dhcp_sum(dst, 4, acc);
    return acc + 17 + udp_len;
}

int dhcp_mask_prefix(const uint8_t mask[4])
{
    uint32_t m = be32(mask);
    int n = 0;
    while (n < 32 && (m & (0x80000000u >> n)))
        n++;
    uint32_t want = n ? ~0u << (32 - n) : 0;
    return m == want ? n : -1;
}

/* ---- building ---- */

static uint8_t *opt(uint8_t *p, uint8_t code, const void *val, uint8_t len)
{
    *p++ = code;
    *p++ = len;
    memcpy(p, val, len);
    return p + len;
}

static bool is_zero(const uint8_t a[4]) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

int dhcp_build(const struct dhcp_request *rq, uint8_t *frame, size_t size)
{
    if (rq->type != DHCP_DISCOVER && rq->type != DHCP_REQUEST && rq->type != DHCP_DECLINE)
        return -EINVAL;
    size_t hn = rq->hostname ? strnlen(rq->hostname, DHCP_HOSTNAME_MAX + 1) : 0;
    if (hn > DHCP_HOSTNAME_MAX)
        return -EINVAL;
    /* A DECLINE asks for nothing (RFC 2131, table 5). */
    bool asks = rq->type != DHCP_DECLINE;
    if (!asks)
        hn = 0;
    size_t optlen = 3 + 9 + (asks ? 4 + 2 + sizeof(params) : 0) + 1 + (hn ? 2 + hn : 0) +
                    (is_zero(rq->requested) ? 0 : 6) + (is_zero(rq->server_id) ? 0 : 6);
    size_t bootp = MAX((size_t)BOOTP_OPTS + optlen, (size_t)BOOTP_MIN);
    if (size < HDRS + bootp)
        return -ENOSPC;
    memset(frame, 0, HDRS + bootp);

    uint8_t *b = frame + HDRS;
    b[0] = 1; /* BOOTREQUEST */
    b[1] = 1; /* Ethernet */
    b[2] = 6;
    put32(b + 4, rq->xid);
    put16(b + 8, rq->secs);
    memcpy(b + 12, rq->ciaddr, 4);
    memcpy(b + 28, rq->mac, 6);
    memcpy(b + BOOTP_FIXED, cookie, 4);
    uint8_t *p = b + BOOTP_OPTS;
    p = opt(p, OPT_TYPE, &rq->type, 1);
    uint8_t cid[7] = { 1 };
    memcpy(cid + 1, rq->mac, 6);
    p = opt(p, OPT_CLIENT_ID, cid, sizeof(cid));
    if (!is_zero(rq->requested))
        p = opt(p, OPT_REQUESTED, rq->requested, 4);
    if (!is_zero(rq->server_id))
        p = opt(p, OPT_SERVER, rq->server_id, 4);
    if (asks) {
        uint8_t maxsize[2] = { 1500 >> 8, 1500 & 0xff };
        p = opt(p, OPT_MAXSIZE, maxsize, 2);
        if (hn)
            p = opt(p, OPT_HOSTNAME, rq->hostname, (uint8_t)hn);
        p = opt(p, OPT_PARAMS, params, sizeof(params));
    }
    *p = OPT_END;

    uint8_t *udp = frame + ETH_HLEN + IP_HLEN;
    uint16_t ulen = (uint16_t)(UDP_HLEN + bootp);
    put16(udp, DHCP_CLIENT_PORT);
    put16(udp + 2, DHCP_SERVER_PORT);
    put16(udp + 4, ulen);
    uint16_t us = dhcp_sum_fold(dhcp_sum(udp, ulen, pseudo_sum(rq->ciaddr, rq->dst_ip, ulen)));
    put16(udp + 6, us ? us : 0xffff); /* 0 would mean "no checksum" */

    uint8_t *ip = frame + ETH_HLEN;
    ip[0] = 0x45;
    ip[1] = 0x10; /* low delay, as other clients */
    put16(ip + 2, (uint16_t)(IP_HLEN + ulen));
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, rq->ciaddr, 4);
    memcpy(ip + 16, rq->dst_ip, 4);
    put16(ip + 10, dhcp_sum_fold(dhcp_sum(ip, IP_HLEN, 0)));

    memcpy(frame, rq->dst_mac, 6);
    memcpy(frame + 6, rq->mac, 6);
    put16(frame + 12, 0x0800);
    return (int)(HDRS + bootp);
}

/* ---- parsing ---- */

struct opts {
    int type; /* -1: none yet */
    int overload;
    bool has_mask, has_server, has_lease, has_t1, has_t2;
    uint8_t mask[4], server[4];
    uint32_t lease, t1, t2;
    uint8_t routers[8][4];
    int nrouters;
    uint8_t dns[8][4];
    int ndns;
    char message[64];
};

static int gather(uint8_t (*list)[4], int n, int max, const uint8_t *v, size_t len)
{
    if (len % 4)
        return n;
    for (size_t i = 0; i + 4 <= len && n < max; i += 4)
        memcpy(list[n++], v + i, 4);
    return n;
}

static void take_u32(bool *has, uint32_t *dst, const uint8_t *v, size_t len)
{
    if (len == 4 && !*has) {
        *dst = be32(v);
        *has = true;
    }
}

static void take(struct opts *o, uint8_t code, const uint8_t *v, size_t len, bool main_area)
{
    switch (code) {
    case OPT_TYPE:
        if (len == 1 && o->type < 0)
            o->type = v[0];
        break;
    case OPT_MASK:
        if (len == 4 && !o->has_mask) {
            memcpy(o->mask, v, 4);
            o->has_mask = true;
        }
        break;
    case OPT_SERVER:
        if (len == 4 && !o->has_server) {
            memcpy(o->server, v, 4);
            o->has_server = true;
        }
        break;
    case OPT_ROUTER: o->nrouters = gather(o->routers, o->nrouters, 8, v, len); break;
    case OPT_DNS: o->ndns = gather(o->dns, o->ndns, 8, v, len); break;
    case OPT_LEASE: take_u32(&o->has_lease, &o->lease, v, len); break;
    case OPT_T1: take_u32(&o->has_t1, &o->t1, v, len); break;
    case OPT_T2: take_u32(&o->has_t2, &o->t2, v, len); break;
    case OPT_OVERLOAD:
        if (main_area && len == 1 && v[0] >= 1 && v[0] <= 3 && !o->overload)
            o->overload = v[0];
        break;
    case OPT_MESSAGE:
        if (!o->message[0]) {
            size_t n = MIN(len, sizeof(o->message) - 1);
            for (size_t i = 0; i < n; i++)
                o->message[i] = v[i] >= 0x20 && v[i] < 0x7f ? (char)v[i] : '?';
            o->message[n] = '\0';
        }
        break;
    default: break;
    }
}

/* One option area; -EINVAL when an option does not fit in it. */
static int scan(const uint8_t *p, size_t n, struct opts *o, bool main_area)
{
    size_t i = 0;
    while (i < n) {
        uint8_t code = p[i];
        if (code == OPT_PAD) {
            i++;
            continue;
        }
        if (code == OPT_END)
            return 0;
        if (n - i < 2)
            return -EINVAL;
        size_t len = p[i + 1];
        if (len > n - i - 2)
            return -EINVAL;
        take(o, code, p + i + 2, len, main_area);
        i += 2 + len;
    }
    return 0;
}

/* Not 0/8, loopback, multicast, reserved or broadcast. */
static bool unicast(uint32_t a)
{
    uint32_t top = a >> 24;
    return top != 0 && top != 127 && top < 224;
}

static int class_prefix(uint32_t a) { return a < 0x80000000u ? 8 : a < 0xc0000000u ? 16 : 24; }

/* A host address of its subnet: neither the subnet's nor its broadcast. */
static bool host_of(uint32_t a, uint32_t net, uint32_t mask, int prefix)
{
    if (!unicast(a) || (a & mask) != net)
        return false;
    return prefix > 30 || ((a & ~mask) != 0 && (a & ~mask) != ~mask);
}

static void lease_times(const struct opts *o, struct dhcp_reply *r)
{
    if (!o->has_lease || o->lease == DHCP_INFINITE) {
        r->lease = r->t1 = r->t2 = DHCP_INFINITE;
        return;
    }
    uint32_t l = MAX(o->lease, (uint32_t)DHCP_MIN_LEASE);
    uint32_t t1 = (o->has_t1 && o->t1 >= 1 && o->t1 < l) ? o->t1 : l / 2;
    uint32_t t2 = (o->has_t2 && o->t2 > t1 && o->t2 < l) ? o->t2 : (uint32_t)((uint64_t)l * 7 / 8);
    if (t2 <= t1) {
        t1 = l / 2;
        t2 = (uint32_t)((uint64_t)l * 7 / 8);
    }
    r->lease = l;
    r->t1 = t1;
    r->t2 = t2;
}

/* An OFFER or ACK: the address must be usable, the rest is kept when it
 * makes sense for it. */
static int finish_lease(const struct opts *o, struct dhcp_reply *r)
{
    uint32_t y = be32(r->yiaddr);
    if (!unicast(y))
        return -EINVAL;
    int prefix = o->has_mask ? dhcp_mask_prefix(o->mask) : -1;
    if (prefix < 1)
        prefix = class_prefix(y);
    uint32_t mask = ~0u << (32 - prefix), net = y & mask;
    if (!host_of(y, net, mask, prefix))
        return -EINVAL;
    r->prefix = prefix;
    for (int i = 0; i < o->nrouters; i++) {
        uint32_t g = be32(o->routers[i]);
        if (g != y && host_of(g, net, mask, prefix)) {
            memcpy(r->router, o->routers[i], 4);
            break;
        }
    }
    for (int i = 0; i < o->ndns && r->ndns < DHCP_MAX_DNS; i++)
        if (unicast(be32(o->dns[i])))
            memcpy(r->dns[r->ndns++], o->dns[i], 4);
    lease_times(o, r);
    return 0;
}

int dhcp_parse_bootp(const uint8_t *msg, size_t len, struct dhcp_reply *out, uint8_t chaddr[6])
{
    memset(out, 0, sizeof(*out));
    memset(chaddr, 0, 6);
    if (len < BOOTP_OPTS || msg[0] != 2 || msg[1] != 1 || msg[2] != 6 || memcmp(msg + BOOTP_FIXED, cookie, 4))
        return -EINVAL;
    struct opts o;
    memset(&o, 0, sizeof(o));
    o.type = -1;
    if (scan(msg + BOOTP_OPTS, len - BOOTP_OPTS, &o, true) < 0)
        return -EINVAL;
    if ((o.overload & 1) && scan(msg + OFF_FILE, 128, &o, false) < 0)
        return -EINVAL;
    if ((o.overload & 2) && scan(msg + OFF_SNAME, 64, &o, false) < 0)
        return -EINVAL;
    if (o.type != DHCP_OFFER && o.type != DHCP_ACK && o.type != DHCP_NAK)
        return -EINVAL;
    out->type = (uint8_t)o.type;
    out->xid = be32(msg + 4);
    memcpy(chaddr, msg + 28, 6);
    if (o.has_server && unicast(be32(o.server)))
        memcpy(out->server_id, o.server, 4);
    memcpy(out->message, o.message, sizeof(out->message));
    if (o.type == DHCP_NAK)
        return 0;
    memcpy(out->yiaddr, msg + 16, 4);
    return finish_lease(&o, out);
}

int dhcp_parse(const uint8_t *f, size_t len, const uint8_t mac[6], uint32_t xid, struct dhcp_reply *out)
{
    static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
    memset(out, 0, sizeof(*out));
    if (len < HDRS + BOOTP_OPTS || be16(f + 12) != 0x0800)
        return -EINVAL;
    const uint8_t *ip = f + ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4, tot = be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < IP_HLEN || tot < ihl + UDP_HLEN || tot > len - ETH_HLEN)
        return -EINVAL;
    if (dhcp_sum_fold(dhcp_sum(ip, ihl, 0)) != 0)
        return -EBADMSG;
    if ((be16(ip + 6) & 0x3fff) || ip[9] != 17) /* a fragment, or not UDP */
        return -EINVAL;
    const uint8_t *udp = ip + ihl;
    size_t ulen = be16(udp + 4);
    if (ulen < UDP_HLEN + BOOTP_OPTS || ulen > tot - ihl || be16(udp) != DHCP_SERVER_PORT ||
        be16(udp + 2) != DHCP_CLIENT_PORT)
        return -EINVAL;
    if (be16(udp + 6) && dhcp_sum_fold(dhcp_sum(udp, ulen, pseudo_sum(ip + 12, ip + 16, (uint16_t)ulen))) != 0)
        return -EBADMSG;
    uint8_t chaddr[6];
    int r = dhcp_parse_bootp(udp + UDP_HLEN, ulen - UDP_HLEN, out, chaddr);
    if (r < 0)
        return r;
    if (out->xid != xid || memcmp(chaddr, mac, 6) != 0 || (memcmp(f, mac, 6) && memcmp(f, bcast, 6)))
        return -ESRCH;
    if (is_zero(out->server_id) && unicast(be32(ip + 12)))
        memcpy(out->server_id, ip + 12, 4);
    if (is_zero(out->server_id) && out->type != DHCP_NAK)
        return -EINVAL; /* nobody to send the REQUEST to */
    memcpy(out->server_mac, f + 6, 6);
    return 0;
}
