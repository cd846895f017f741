// SOURCES: src/lib/dhcp.c src/lib/string.c
/* Host tests of DHCP message building and parsing (src/lib/dhcp.c):
 * frames as a client sends them, and replies as good, broken and hostile
 * servers send them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>

#include <adros/dhcp.h>
#include <adros/errno.h>
#include <adros/string.h>

static const uint8_t MAC[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t SRV_MAC[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
#define XID 0x1234abcdu

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* ---- a server, for the replies ---- */

struct reply {
    uint8_t op, htype, hlen;
    uint32_t xid;
    uint8_t chaddr[6], yiaddr[4], src_ip[4], dst_mac[6];
    uint16_t sport, dport;
    const uint8_t *opts; /* after the cookie */
    size_t optlen;
    uint8_t file[128], sname[64];
};

static void defaults(struct reply *r, const uint8_t *opts, size_t optlen)
{
    memset(r, 0, sizeof(*r));
    r->op = 2;
    r->htype = 1;
    r->hlen = 6;
    r->xid = XID;
    memcpy(r->chaddr, MAC, 6);
    memcpy(r->yiaddr, "\x0a\x00\x02\x0f", 4);
    memcpy(r->src_ip, "\x0a\x00\x02\x02", 4);
    memcpy(r->dst_mac, BCAST, 6);
    r->sport = 67;
    r->dport = 68;
    r->opts = opts;
    r->optlen = optlen;
}

/* Recomputes the IP and UDP checksums of a frame (after tampering). */
static void fix_sums(uint8_t *f)
{
    uint8_t *ip = f + 14;
    size_t ihl = (size_t)(ip[0] & 0xf) * 4;
    ip[10] = ip[11] = 0;
    uint16_t s = dhcp_sum_fold(dhcp_sum(ip, ihl, 0));
    ip[10] = (uint8_t)(s >> 8);
    ip[11] = (uint8_t)s;
    uint8_t *udp = ip + ihl;
    uint16_t ulen = get16(udp + 4);
    udp[6] = udp[7] = 0;
    uint32_t acc = dhcp_sum(ip + 12, 8, 0) + 17 + ulen;
    s = dhcp_sum_fold(dhcp_sum(udp, ulen, acc));
    if (!s)
        s = 0xffff;
    udp[6] = (uint8_t)(s >> 8);
    udp[7] = (uint8_t)s;
}

static size_t build_reply(const struct reply *r, uint8_t *f)
{
    size_t bootp = 240 + r->optlen, ulen = 8 + bootp, tot = 20 + ulen;
    memset(f, 0, 14 + tot);
    memcpy(f, r->dst_mac, 6);
    memcpy(f + 6, SRV_MAC, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, r->src_ip, 4);
    memset(ip + 16, 0xff, 4);
    uint8_t *udp = ip + 20;
    udp[0] = (uint8_t)(r->sport >> 8);
    udp[1] = (uint8_t)r->sport;
    udp[2] = (uint8_t)(r->dport >> 8);
    udp[3] = (uint8_t)r->dport;
    udp[4] = (uint8_t)(ulen >> 8);
    udp[5] = (uint8_t)ulen;
    uint8_t *b = udp + 8;
    b[0] = r->op;
    b[1] = r->htype;
    b[2] = r->hlen;
    b[4] = (uint8_t)(r->xid >> 24);
    b[5] = (uint8_t)(r->xid >> 16);
    b[6] = (uint8_t)(r->xid >> 8);
    b[7] = (uint8_t)r->xid;
    memcpy(b + 16, r->yiaddr, 4);
    memcpy(b + 28, r->chaddr, 6);
    memcpy(b + 44, r->sname, 64);
    memcpy(b + 108, r->file, 128);
    memcpy(b + 236, "\x63\x82\x53\x63", 4);
    memcpy(b + 240, r->opts, r->optlen);
    fix_sums(f);
    return 14 + tot;
}

/* QEMU's OFFER, with a router and a name server added. */
static const uint8_t OFFER_OPTS[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 2, 2,
                                      6, 4, 10, 0, 2, 3, 51, 4, 0, 1, 0x51, 0x80, 255 };

static uint8_t frame[2048];

static int parse_opts(const uint8_t *opts, size_t n, struct dhcp_reply *out)
{
    struct reply r;
    defaults(&r, opts, n);
    size_t len = build_reply(&r, frame);
    return dhcp_parse(frame, len, MAC, XID, out);
}

/* ---- checksums ---- */

static void test_sum(void **st)
{
    /* RFC 1071's example: the sum of these words is ddf2, its complement 220d. */
    static const uint8_t w[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
    assert_int_equal(dhcp_sum_fold(dhcp_sum(w, sizeof(w), 0)), 0x220d);
    /* In pieces (even lengths first), and an odd tail padded with zero. */
    assert_int_equal(dhcp_sum_fold(dhcp_sum(w + 4, 4, dhcp_sum(w, 4, 0))), 0x220d);
    static const uint8_t odd[] = { 0x12, 0x34, 0x56 };
    assert_int_equal(dhcp_sum_fold(dhcp_sum(odd, 3, 0)), (uint16_t)~(0x1234 + 0x5600));
    /* Carries fold around; a large buffer does not overflow. */
    static uint8_t ff[70000];
    memset(ff, 0xff, sizeof(ff));
    assert_int_equal(dhcp_sum_fold(dhcp_sum(ff, sizeof(ff), 0)), 0);
    assert_int_equal(dhcp_sum_fold(0), 0xffff);
}

static void test_mask(void **st)
{
    assert_int_equal(dhcp_mask_prefix((const uint8_t *)"\xff\xff\xff\x00"), 24);
    assert_int_equal(dhcp_mask_prefix((const uint8_t *)"\xff\xff\xff\xff"), 32);
    assert_int_equal(dhcp_mask_prefix((const uint8_t *)"\x00\x00\x00\x00"), 0);
    assert_int_equal(dhcp_mask_prefix((const uint8_t *)"\xff\xff\xfe\x00"), 23);
    assert_int_equal(dhcp_mask_prefix((const uint8_t *)"\xff\x00\xff\x00"), -1);
    assert_int_equal(dhcp_mask_prefix((const uint8_t *)"\x00\x00\x00\x01"), -1);
}

/* ---- building ---- */

static struct dhcp_request discover(void)
{
    struct dhcp_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.type = DHCP_DISCOVER;
    rq.xid = XID;
    rq.secs = 3;
    memcpy(rq.mac, MAC, 6);
    memcpy(rq.dst_mac, BCAST, 6);
    memset(rq.dst_ip, 0xff, 4);
    return rq;
}

/* The option with this code in a built frame's options, or NULL. */
static const uint8_t *find_opt(const uint8_t *f, size_t len, uint8_t code)
{
    for (size_t i = 42 + 240; i < len;) {
        if (f[i] == 0) {
            i++;
            continue;
        }
        if (f[i] == 255)
            return NULL;
        if (f[i] == code)
            return f + i;
        i += 2 + f[i + 1];
    }
    return NULL;
}

static void check_sums(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + 14, *udp = f + 34;
    assert_int_equal(dhcp_sum_fold(dhcp_sum(ip, 20, 0)), 0);
    uint16_t ulen = get16(udp + 4);
    assert_int_equal(len, 14 + 20 + ulen);
    assert_int_not_equal(get16(udp + 6), 0);
    assert_int_equal(dhcp_sum_fold(dhcp_sum(udp, ulen, dhcp_sum(ip + 12, 8, 0) + 17 + ulen)), 0);
}

static void test_build_discover(void **st)
{
    struct dhcp_request rq = discover();
    rq.hostname = "adros";
    int n = dhcp_build(&rq, frame, sizeof(frame));
    assert_true(n >= 14 + 20 + 8 + 300 && n <= DHCP_FRAME_MAX);
    assert_memory_equal(frame, BCAST, 6);
    assert_memory_equal(frame + 6, MAC, 6);
    assert_int_equal(get16(frame + 12), 0x0800);
    const uint8_t *ip = frame + 14, *udp = frame + 34, *b = frame + 42;
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(get16(ip + 2), n - 14);
    assert_int_equal(get16(ip + 6), 0); /* not a fragment */
    assert_int_equal(ip[9], 17);
    assert_memory_equal(ip + 12, "\0\0\0\0", 4);
    assert_memory_equal(ip + 16, "\xff\xff\xff\xff", 4);
    assert_int_equal(get16(udp), 68);
    assert_int_equal(get16(udp + 2), 67);
    check_sums(frame, (size_t)n);
    assert_int_equal(b[0], 1);
    assert_int_equal(b[1], 1);
    assert_int_equal(b[2], 6);
    assert_memory_equal(b + 4, "\x12\x34\xab\xcd", 4);
    assert_int_equal(get16(b + 8), 3);
    assert_memory_equal(b + 28, MAC, 6);
    assert_memory_equal(b + 236, "\x63\x82\x53\x63", 4);
    const uint8_t *o = find_opt(frame, (size_t)n, 53);
    assert_non_null(o);
    assert_int_equal(o[1], 1);
    assert_int_equal(o[2], DHCP_DISCOVER);
    o = find_opt(frame, (size_t)n, 61);
    assert_non_null(o);
    assert_memory_equal(o + 1, "\x07\x01\x52\x54\x00\x12\x34\x56", 8);
    o = find_opt(frame, (size_t)n, 12);
    assert_non_null(o);
    assert_memory_equal(o + 1, "\x05" "adros", 6);
    o = find_opt(frame, (size_t)n, 55);
    assert_non_null(o);
    assert_non_null(memchr(o + 2, 3, o[1])); /* asks for the router */
    assert_null(find_opt(frame, (size_t)n, 50));
    assert_null(find_opt(frame, (size_t)n, 54));
}

static void test_build_request(void **st)
{
    struct dhcp_request rq = discover();
    rq.type = DHCP_REQUEST;
    memcpy(rq.requested, "\x0a\x00\x02\x0f", 4);
    memcpy(rq.server_id, "\x0a\x00\x02\x02", 4);
    int n = dhcp_build(&rq, frame, sizeof(frame));
    assert_true(n > 0);
    check_sums(frame, (size_t)n);
    const uint8_t *o = find_opt(frame, (size_t)n, 50);
    assert_non_null(o);
    assert_memory_equal(o + 1, "\x04\x0a\x00\x02\x0f", 5);
    o = find_opt(frame, (size_t)n, 54);
    assert_non_null(o);
    assert_memory_equal(o + 1, "\x04\x0a\x00\x02\x02", 5);
    assert_int_equal(find_opt(frame, (size_t)n, 53)[2], DHCP_REQUEST);

    /* Renewing: from our address, to the server, ciaddr set. */
    rq = discover();
    rq.type = DHCP_REQUEST;
    memcpy(rq.ciaddr, "\x0a\x00\x02\x0f", 4);
    memcpy(rq.dst_ip, "\x0a\x00\x02\x02", 4);
    memcpy(rq.dst_mac, SRV_MAC, 6);
    n = dhcp_build(&rq, frame, sizeof(frame));
    assert_true(n > 0);
    check_sums(frame, (size_t)n);
    assert_memory_equal(frame, SRV_MAC, 6);
    assert_memory_equal(frame + 14 + 12, "\x0a\x00\x02\x0f\x0a\x00\x02\x02", 8);
    assert_memory_equal(frame + 42 + 12, "\x0a\x00\x02\x0f", 4);
    assert_null(find_opt(frame, (size_t)n, 50));
    assert_null(find_opt(frame, (size_t)n, 54));
}

static void test_build_decline(void **st)
{
    struct dhcp_request rq = discover();
    rq.type = DHCP_DECLINE;
    rq.hostname = "adros";
    memcpy(rq.requested, "\x0a\x00\x02\x0f", 4);
    memcpy(rq.server_id, "\x0a\x00\x02\x02", 4);
    int n = dhcp_build(&rq, frame, sizeof(frame));
    assert_true(n > 0);
    check_sums(frame, (size_t)n);
    assert_int_equal(find_opt(frame, (size_t)n, 53)[2], DHCP_DECLINE);
    assert_non_null(find_opt(frame, (size_t)n, 50));
    assert_non_null(find_opt(frame, (size_t)n, 54));
    /* no parameter request, maximum size or host name */
    assert_null(find_opt(frame, (size_t)n, 55));
    assert_null(find_opt(frame, (size_t)n, 57));
    assert_null(find_opt(frame, (size_t)n, 12));
}

static void test_build_errors(void **st)
{
    struct dhcp_request rq = discover();
    rq.type = DHCP_OFFER;
    assert_int_equal(dhcp_build(&rq, frame, sizeof(frame)), -EINVAL);
    rq.type = DHCP_RELEASE;
    assert_int_equal(dhcp_build(&rq, frame, sizeof(frame)), -EINVAL);
    rq.type = 0;
    assert_int_equal(dhcp_build(&rq, frame, sizeof(frame)), -EINVAL);
    rq = discover();
    char longname[100];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    rq.hostname = longname;
    assert_int_equal(dhcp_build(&rq, frame, sizeof(frame)), -EINVAL);
    longname[DHCP_HOSTNAME_MAX] = '\0';
    int n = dhcp_build(&rq, frame, sizeof(frame));
    assert_true(n > 0 && n <= DHCP_FRAME_MAX);
    rq.hostname = NULL;
    n = dhcp_build(&rq, frame, sizeof(frame));
    assert_int_equal(dhcp_build(&rq, frame, (size_t)n - 1), -ENOSPC);
    assert_int_equal(dhcp_build(&rq, frame, 0), -ENOSPC);
    assert_int_equal(dhcp_build(&rq, frame, (size_t)n), n);
}

/* What we build is what a server would read. */
static void test_build_parse_own(void **st)
{
    struct dhcp_request rq = discover();
    int n = dhcp_build(&rq, frame, sizeof(frame));
    struct dhcp_reply out;
    /* A request is not a reply: refused (op 1, ports 68 -> 67). */
    assert_int_equal(dhcp_parse(frame, (size_t)n, MAC, XID, &out), -EINVAL);
    uint8_t ch[6];
    assert_int_equal(dhcp_parse_bootp(frame + 42, (size_t)n - 42, &out, ch), -EINVAL);
}

/* ---- parsing good replies ---- */

static void test_parse_offer(void **st)
{
    struct dhcp_reply out;
    assert_int_equal(parse_opts(OFFER_OPTS, sizeof(OFFER_OPTS), &out), 0);
    assert_int_equal(out.type, DHCP_OFFER);
    assert_int_equal(out.xid, XID);
    assert_memory_equal(out.yiaddr, "\x0a\x00\x02\x0f", 4);
    assert_memory_equal(out.server_id, "\x0a\x00\x02\x02", 4);
    assert_memory_equal(out.server_mac, SRV_MAC, 6);
    assert_int_equal(out.prefix, 24);
    assert_memory_equal(out.router, "\x0a\x00\x02\x02", 4);
    assert_int_equal(out.ndns, 1);
    assert_memory_equal(out.dns[0], "\x0a\x00\x02\x03", 4);
    assert_int_equal(out.lease, 86400);
    assert_int_equal(out.t1, 43200);
    assert_int_equal(out.t2, 75600);
    assert_string_equal(out.message, "");
}

/* QEMU with restrict=on: no router, no name server. */
static void test_parse_qemu_restricted(void **st)
{
    static const uint8_t o[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 51, 4, 0, 1, 0x51, 0x80, 255 };
    struct dhcp_reply out;
    assert_int_equal(parse_opts(o, sizeof(o), &out), 0);
    assert_int_equal(out.type, DHCP_ACK);
    assert_memory_equal(out.router, "\0\0\0\0", 4);
    assert_int_equal(out.ndns, 0);
}

static void test_parse_unicast_and_nochecksum(void **st)
{
    struct reply r;
    defaults(&r, OFFER_OPTS, sizeof(OFFER_OPTS));
    memcpy(r.dst_mac, MAC, 6);
    size_t len = build_reply(&r, frame);
    struct dhcp_reply out;
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), 0);
    frame[14 + 20 + 6] = frame[14 + 20 + 7] = 0; /* UDP checksum 0: none */
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), 0);
    /* Ethernet padding after the datagram is ignored. */
    memset(frame + len, 0xee, 60);
    assert_int_equal(dhcp_parse(frame, len + 60, MAC, XID, &out), 0);
    /* IP options are skipped. */
    static uint8_t g[2048];
    memcpy(g, frame, 34);
    memcpy(g + 38, frame + 34, len - 34);
    g[14] = 0x46;
    g[14 + 20] = g[14 + 21] = g[14 + 22] = g[14 + 23] = 1; /* NOPs */
    uint16_t tot = (uint16_t)(get16(frame + 16) + 4);
    g[16] = (uint8_t)(tot >> 8);
    g[17] = (uint8_t)tot;
    fix_sums(g);
    assert_int_equal(dhcp_parse(g, len + 4, MAC, XID, &out), 0);
    assert_memory_equal(out.yiaddr, "\x0a\x00\x02\x0f", 4);
}

static void test_parse_nak(void **st)
{
    static const uint8_t o[] = { 53, 1, 6, 54, 4, 10, 0, 2, 2, 56, 9, 'b', 'a', 'd', 0x1b, '[', '2', 'J', '\n', 'x', 255 };
    struct reply r;
    defaults(&r, o, sizeof(o));
    memset(r.yiaddr, 0, 4);
    size_t len = build_reply(&r, frame);
    struct dhcp_reply out;
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), 0);
    assert_int_equal(out.type, DHCP_NAK);
    assert_string_equal(out.message, "bad?[2J?x"); /* no escape sequences reach the console */
}

static void test_parse_lease_times(void **st)
{
    struct dhcp_reply out;
    /* no lease time: infinite */
    static const uint8_t none[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 255 };
    assert_int_equal(parse_opts(none, sizeof(none), &out), 0);
    assert_int_equal(out.lease, DHCP_INFINITE);
    assert_int_equal(out.t1, DHCP_INFINITE);
    assert_int_equal(out.t2, DHCP_INFINITE);
    static const uint8_t inf[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0xff, 0xff, 0xff, 0xff, 255 };
    assert_int_equal(parse_opts(inf, sizeof(inf), &out), 0);
    assert_int_equal(out.t1, DHCP_INFINITE);
    /* explicit T1/T2 */
    static const uint8_t t[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, 12, 58, 4, 0, 0, 0, 3, 59, 4, 0, 0, 0, 9, 255 };
    assert_int_equal(parse_opts(t, sizeof(t), &out), 0);
    assert_int_equal(out.lease, 12);
    assert_int_equal(out.t1, 3);
    assert_int_equal(out.t2, 9);
    /* nonsense T1/T2 (T1 > lease, T2 < T1, T1 = 0): defaults */
    static const uint8_t bad[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, 100, 58, 4, 0, 0, 1, 0, 59, 4, 0, 0, 0, 1, 255 };
    assert_int_equal(parse_opts(bad, sizeof(bad), &out), 0);
    assert_int_equal(out.t1, 50);
    assert_int_equal(out.t2, 87);
    static const uint8_t zero[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, 100, 58, 4, 0, 0, 0, 0, 59, 4, 0, 0, 0, 60, 255 };
    assert_int_equal(parse_opts(zero, sizeof(zero), &out), 0);
    assert_int_equal(out.t1, 50);
    assert_int_equal(out.t2, 60);
    /* T1 just under the lease, T2 absent: both defaults */
    static const uint8_t late[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, 100, 58, 4, 0, 0, 0, 99, 255 };
    assert_int_equal(parse_opts(late, sizeof(late), &out), 0);
    assert_true(out.t1 < out.t2 && out.t2 < out.lease);
    /* a lease of 1 s or 0 s: the minimum */
    static const uint8_t one[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0, 0, 0, 0, 255 };
    assert_int_equal(parse_opts(one, sizeof(one), &out), 0);
    assert_int_equal(out.lease, DHCP_MIN_LEASE);
    assert_true(out.t1 >= 1 && out.t1 < out.t2 && out.t2 < out.lease);
    /* the largest finite lease: no overflow */
    static const uint8_t big[] = { 53, 1, 5, 54, 4, 10, 0, 2, 2, 51, 4, 0xff, 0xff, 0xff, 0xfe, 255 };
    assert_int_equal(parse_opts(big, sizeof(big), &out), 0);
    assert_true(out.t1 < out.t2 && out.t2 < out.lease);
}

static void test_parse_prefix_and_router(void **st)
{
    struct dhcp_reply out;
    /* no mask: the class's (10/8); a non-contiguous or zero mask too */
    static const uint8_t nomask[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 255 };
    assert_int_equal(parse_opts(nomask, sizeof(nomask), &out), 0);
    assert_int_equal(out.prefix, 8);
    static const uint8_t holes[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 0, 255, 0, 255 };
    assert_int_equal(parse_opts(holes, sizeof(holes), &out), 0);
    assert_int_equal(out.prefix, 8);
    static const uint8_t zero[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 0, 0, 0, 0, 255 };
    assert_int_equal(parse_opts(zero, sizeof(zero), &out), 0);
    assert_int_equal(out.prefix, 8);
    /* a mask of the wrong length is ignored; the first good one counts */
    static const uint8_t twice[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 3, 255, 255, 255, 1, 4, 255, 255, 0, 0,
                                     1, 4, 255, 255, 255, 252, 255 };
    assert_int_equal(parse_opts(twice, sizeof(twice), &out), 0);
    assert_int_equal(out.prefix, 16);
    /* routers: outside the subnet, the address itself, the subnet's
     * broadcast or a multicast one are skipped; the first good one counts */
    static const uint8_t rt[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0,
                                  3, 20, 10, 0, 3, 1, 10, 0, 2, 15, 10, 0, 2, 255, 224, 0, 0, 1, 10, 0, 2, 9,
                                  3, 4, 10, 0, 2, 8, 255 };
    assert_int_equal(parse_opts(rt, sizeof(rt), &out), 0);
    assert_memory_equal(out.router, "\x0a\x00\x02\x09", 4);
    /* concatenated router options (RFC 3396) */
    static const uint8_t cat[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 4, 10, 0, 3, 1,
                                   3, 4, 10, 0, 2, 7, 255 };
    assert_int_equal(parse_opts(cat, sizeof(cat), &out), 0);
    assert_memory_equal(out.router, "\x0a\x00\x02\x07", 4);
    /* a router list whose length is not a multiple of 4 is ignored */
    static const uint8_t odd[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 0, 3, 5, 10, 0, 2, 2, 9, 255 };
    assert_int_equal(parse_opts(odd, sizeof(odd), &out), 0);
    assert_memory_equal(out.router, "\0\0\0\0", 4);
    /* name servers: 0.0.0.0 and broadcast skipped, at most DHCP_MAX_DNS */
    static const uint8_t dns[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 6, 24, 0, 0, 0, 0, 255, 255, 255, 255, 1, 1, 1, 1,
                                   2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 255 };
    assert_int_equal(parse_opts(dns, sizeof(dns), &out), 0);
    assert_int_equal(out.ndns, 3);
    assert_memory_equal(out.dns[0], "\x01\x01\x01\x01", 4);
    assert_memory_equal(out.dns[2], "\x03\x03\x03\x03", 4);
    /* a /32: no router can be inside it */
    static const uint8_t host[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 1, 4, 255, 255, 255, 255, 3, 4, 10, 0, 2, 2, 255 };
    assert_int_equal(parse_opts(host, sizeof(host), &out), 0);
    assert_int_equal(out.prefix, 32);
    assert_memory_equal(out.router, "\0\0\0\0", 4);
}

static void test_parse_server_id(void **st)
{
    struct dhcp_reply out;
    /* no option 54: the IP source */
    static const uint8_t o[] = { 53, 1, 2, 255 };
    struct reply r;
    defaults(&r, o, sizeof(o));
    memcpy(r.src_ip, "\x0a\x00\x02\x04", 4);
    size_t len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), 0);
    assert_memory_equal(out.server_id, "\x0a\x00\x02\x04", 4);
    /* ... and from 0.0.0.0 there is nobody to answer */
    memset(r.src_ip, 0, 4);
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), -EINVAL);
    /* a broadcast server id is ignored too */
    static const uint8_t b[] = { 53, 1, 2, 54, 4, 255, 255, 255, 255, 255 };
    assert_int_equal(parse_opts(b, sizeof(b), &out), 0);
    assert_memory_equal(out.server_id, "\x0a\x00\x02\x02", 4);
}

/* ---- option overload (52) ---- */

static void test_overload(void **st)
{
    struct reply r;
    struct dhcp_reply out;
    /* the router and lease are in the file field, the mask in sname */
    static const uint8_t o[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 52, 1, 3, 255 };
    defaults(&r, o, sizeof(o));
    static const uint8_t file[] = { 3, 4, 10, 0, 2, 1, 0, 0, 51, 4, 0, 0, 0, 100, 255 };
    static const uint8_t sname[] = { 1, 4, 255, 255, 255, 0, 255 };
    memcpy(r.file, file, sizeof(file));
    memcpy(r.sname, sname, sizeof(sname));
    size_t len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), 0);
    assert_memory_equal(out.router, "\x0a\x00\x02\x01", 4);
    assert_int_equal(out.lease, 100);
    assert_int_equal(out.prefix, 24);
    /* without option 52 those fields are not options */
    static const uint8_t plain[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 255 };
    defaults(&r, plain, sizeof(plain));
    memcpy(r.file, file, sizeof(file));
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), 0);
    assert_memory_equal(out.router, "\0\0\0\0", 4);
    /* an option overflowing the file field refuses the message */
    defaults(&r, o, sizeof(o));
    memset(r.file, 0, sizeof(r.file));
    r.file[124] = 3;
    r.file[125] = 4; /* 4 bytes announced, 2 left */
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), -EINVAL);
    /* an option whose value would lie past the file field, in the cookie */
    defaults(&r, o, sizeof(o));
    r.file[126] = 1;
    r.file[127] = 4;
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), -EINVAL);
    /* a length byte missing at the end of sname */
    defaults(&r, o, sizeof(o));
    r.sname[63] = 6;
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), -EINVAL);
    /* an overload option inside the overloaded fields is not followed (no loops) */
    static const uint8_t o1[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 52, 1, 1, 255 };
    defaults(&r, o1, sizeof(o1));
    static const uint8_t f2[] = { 52, 1, 2, 255 };
    memcpy(r.file, f2, sizeof(f2));
    r.sname[0] = 3;
    r.sname[1] = 200; /* would overflow if sname were read */
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), 0);
    /* an overload value out of range is ignored */
    static const uint8_t o4[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 52, 1, 4, 255 };
    defaults(&r, o4, sizeof(o4));
    r.file[0] = 3;
    r.file[1] = 200;
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), 0);
}

/* ---- malformed and hostile ---- */

static void test_bad_options(void **st)
{
    struct dhcp_reply out;
    struct {
        const char *what;
        uint8_t opts[24];
        size_t n;
    } bad[] = {
        { "no message type", { 54, 4, 10, 0, 2, 2, 255 }, 7 },
        { "type of length 2", { 53, 2, 2, 0, 54, 4, 10, 0, 2, 2, 255 }, 11 },
        { "a request type", { 53, 1, 1, 54, 4, 10, 0, 2, 2, 255 }, 10 },
        { "unknown type", { 53, 1, 99, 54, 4, 10, 0, 2, 2, 255 }, 10 },
        { "option past the end", { 53, 1, 2, 54, 4, 10, 0, 2, 2, 3, 200, 10, 0 }, 13 },
        { "length byte missing", { 53, 1, 2, 54, 4, 10, 0, 2, 2, 3 }, 10 },
        { "type after an overflow", { 3, 50, 53, 1, 2 }, 5 },
        { "empty options", { 255 }, 1 },
        { "only pads", { 0, 0, 0, 0 }, 4 },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = parse_opts(bad[i].opts, bad[i].n, &out);
        if (r != -EINVAL)
            fail_msg("%s: got %d", bad[i].what, r);
    }
    /* pads everywhere and no END are tolerated; a duplicate type: the first counts */
    static const uint8_t ok[] = { 0, 0, 53, 1, 2, 0, 53, 1, 6, 54, 4, 10, 0, 2, 2, 0, 0 };
    assert_int_equal(parse_opts(ok, sizeof(ok), &out), 0);
    assert_int_equal(out.type, DHCP_OFFER);
    /* options after END are not read */
    static const uint8_t after[] = { 53, 1, 2, 54, 4, 10, 0, 2, 2, 255, 3, 200 };
    assert_int_equal(parse_opts(after, sizeof(after), &out), 0);
}

static void test_bad_addresses(void **st)
{
    static const char *const bad[] = { "\0\0\0\0", "\x7f\0\0\1", "\xe0\0\0\1", "\xff\xff\xff\xff", "\xf0\0\0\1",
                                       "\x0a\x00\x02\x00" /* the subnet */, "\x0a\x00\x02\xff" /* its broadcast */,
                                       "\x00\x01\x02\x03" };
    struct reply r;
    struct dhcp_reply out;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        defaults(&r, OFFER_OPTS, sizeof(OFFER_OPTS));
        memcpy(r.yiaddr, bad[i], 4);
        size_t len = build_reply(&r, frame);
        int e = dhcp_parse(frame, len, MAC, XID, &out);
        if (e != -EINVAL)
            fail_msg("yiaddr %zu: got %d", i, e);
    }
}

static void test_not_for_us(void **st)
{
    struct reply r;
    struct dhcp_reply out;
    defaults(&r, OFFER_OPTS, sizeof(OFFER_OPTS));
    r.xid = XID + 1;
    size_t len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), -ESRCH);
    defaults(&r, OFFER_OPTS, sizeof(OFFER_OPTS));
    r.chaddr[5] ^= 1;
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), -ESRCH);
    defaults(&r, OFFER_OPTS, sizeof(OFFER_OPTS));
    memcpy(r.dst_mac, SRV_MAC, 6); /* unicast to another station */
    len = build_reply(&r, frame);
    assert_int_equal(dhcp_parse(frame, len, MAC, XID, &out), -ESRCH);
}

static void test_bad_headers(void **st)
{
    struct reply r;
    struct dhcp_reply out;
    defaults(&r, OFFER_OPTS, sizeof(OFFER_OPTS));
    size_t len = build_reply(&r, frame);
    static uint8_t g[2048];
#define TAMPER(stmt, fix, want) \
    do { \
        memcpy(g, frame, len); \
        stmt; \
        if (fix) \
            fix_sums(g); \
        assert_int_equal(dhcp_parse(g, len, MAC, XID, &out), (want)); \
    } while (0)
    TAMPER((void)0, false, 0);
    TAMPER(g[12] = 0x86, false, -EINVAL);                      /* IPv6 */
    TAMPER(g[14] = 0x65, true, -EINVAL);                       /* IP version 6 */
    TAMPER(g[14] = 0x44, false, -EINVAL);                      /* header shorter than 20 */
    TAMPER(g[14 + 10] ^= 1, false, -EBADMSG);                  /* IP checksum */
    TAMPER(g[14 + 9] = 6, true, -EINVAL);                      /* TCP */
    TAMPER(g[14 + 6] = 0x20, true, -EINVAL);                   /* more fragments */
    TAMPER(g[14 + 7] = 0x01, true, -EINVAL);                   /* a later fragment */
    TAMPER(g[14 + 6] = 0x40, true, 0);                         /* don't fragment is fine */
    TAMPER(g[34 + 20] ^= 1, false, -EBADMSG);                  /* payload vs UDP checksum */
    TAMPER(g[34 + 1] = 68, true, -EINVAL);                     /* from port 68 */
    TAMPER(g[34 + 3] = 69, true, -EINVAL);                     /* to port 69 */
    TAMPER((g[16] = 0xff, g[17] = 0xff), true, -EINVAL);       /* IP length past the frame */
    TAMPER((g[16] = 0, g[17] = 27), true, -EINVAL);            /* IP length shorter than UDP */
    TAMPER((g[34 + 4] = 0xff, g[34 + 5] = 0xff), false, -EINVAL); /* UDP length past IP */
    TAMPER((g[34 + 4] = 0, g[34 + 5] = 100), false, -EINVAL);  /* UDP length too short for BOOTP */
    TAMPER(g[42] = 1, true, -EINVAL);                          /* BOOTREQUEST */
    TAMPER(g[43] = 6, true, -EINVAL);                          /* not Ethernet */
    TAMPER(g[44] = 16, true, -EINVAL);                         /* hardware address length */
    TAMPER(g[42 + 236] = 0, true, -EINVAL);                    /* magic cookie */
#undef TAMPER
    /* every truncation is refused, none is read past */
    for (size_t n = 0; n < len; n++) {
        uint8_t *t = malloc(n ? n : 1);
        memcpy(t, frame, n);
        int e = dhcp_parse(t, n, MAC, XID, &out);
        free(t);
        if (e != -EINVAL)
            fail_msg("truncated to %zu: got %d", n, e);
    }
}

/* Random option bytes and random mutations: no crash (ASan, UBSan), only
 * the documented results, and what is accepted is sane. */
static void check_sane(const struct dhcp_reply *o)
{
    assert_true(o->type == DHCP_OFFER || o->type == DHCP_ACK || o->type == DHCP_NAK);
    if (o->type == DHCP_NAK)
        return;
    assert_true(o->prefix >= 1 && o->prefix <= 32);
    assert_true(o->yiaddr[0] != 0 && o->yiaddr[0] != 127 && o->yiaddr[0] < 224);
    assert_true(o->ndns >= 0 && o->ndns <= DHCP_MAX_DNS);
    if (o->lease == DHCP_INFINITE)
        assert_true(o->t1 == DHCP_INFINITE && o->t2 == DHCP_INFINITE);
    else
        assert_true(o->lease >= DHCP_MIN_LEASE && o->t1 >= 1 && o->t1 < o->t2 && o->t2 < o->lease);
    assert_true(strlen(o->message) < sizeof(o->message));
    for (const char *c = o->message; *c; c++)
        assert_true(*c >= 0x20 && *c < 0x7f);
}

static void test_fuzz(void **st)
{
    srand(12345);
    static uint8_t opts[400];
    struct dhcp_reply out;
    int accepted = 0;
    for (int it = 0; it < 60000; it++) {
        /* a valid type and server first, then mostly well-formed options of
         * the kinds the parser knows, with random contents, and stray bytes */
        static const uint8_t codes[] = { 0, 1, 3, 6, 51, 52, 53, 54, 56, 58, 59, 255 };
        size_t n = 9 + (size_t)(rand() % 300);
        memcpy(opts, "\x35\x01\x02\x36\x04\x0a\x00\x02\x02", 9);
        opts[2] = (uint8_t)(rand() % 3 == 0 ? 6 : rand() % 2 ? 2 : 5);
        for (size_t i = 9; i < n;) {
            if (rand() % 16 == 0) {
                opts[i++] = (uint8_t)rand();
                continue;
            }
            opts[i++] = rand() % 4 ? codes[rand() % (int)sizeof(codes)] : (uint8_t)rand();
            size_t l = rand() % 3 ? 4 * (size_t)(rand() % 3) : (size_t)(rand() % 12);
            if (i < n)
                opts[i++] = (uint8_t)l;
            for (size_t k = 0; k < l && i < n; k++)
                opts[i++] = (uint8_t)rand();
        }
        struct reply r;
        defaults(&r, opts, n);
        for (size_t i = 0; i < sizeof(r.file); i++)
            r.file[i] = (uint8_t)(rand() % 4 ? rand() : 3);
        for (size_t i = 0; i < sizeof(r.sname); i++)
            r.sname[i] = (uint8_t)rand();
        r.yiaddr[3] = (uint8_t)rand();
        size_t len = build_reply(&r, frame);
        /* and sometimes a few random bytes anywhere, checksums fixed or not */
        if (rand() % 4 == 0) {
            bool fix = rand() % 2; /* then only the BOOTP message, which fix_sums trusts not */
            for (int k = 0; k < 3; k++)
                frame[fix ? 42 + rand() % (int)(len - 42) : rand() % (int)len] = (uint8_t)rand();
            if (fix)
                fix_sums(frame);
        }
        size_t cut = rand() % 8 == 0 ? (size_t)(rand() % (int)len) : len;
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, frame, cut);
        int e = dhcp_parse(copy, cut, MAC, XID, &out);
        free(copy);
        assert_true(e == 0 || e == -EINVAL || e == -ESRCH || e == -EBADMSG);
        if (e == 0) {
            check_sane(&out);
            accepted++;
        }
    }
    assert_true(accepted > 1000); /* the fuzzing reached the option parser */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sum),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_build_discover),
        cmocka_unit_test(test_build_request),
        cmocka_unit_test(test_build_decline),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_build_parse_own),
        cmocka_unit_test(test_parse_offer),
        cmocka_unit_test(test_parse_qemu_restricted),
        cmocka_unit_test(test_parse_unicast_and_nochecksum),
        cmocka_unit_test(test_parse_nak),
        cmocka_unit_test(test_parse_lease_times),
        cmocka_unit_test(test_parse_prefix_and_router),
        cmocka_unit_test(test_parse_server_id),
        cmocka_unit_test(test_overload),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_bad_addresses),
        cmocka_unit_test(test_not_for_us),
        cmocka_unit_test(test_bad_headers),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
