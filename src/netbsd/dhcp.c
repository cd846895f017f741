/* AdrOS's DHCP client (<adros/net.h>: net_dhcp, net_lease_get) over the
 * rump kernel's packet filter device.
 *
 * Messages are built and checked by src/lib/dhcp.c; this file moves them.
 * A /dev/bpf descriptor on the interface (bpf.c), whose filter passes only
 * unfragmented IPv4 UDP to port 68, carries whole Ethernet frames both
 * ways, so the exchange works before the interface has an address.  Each
 * message is retransmitted with exponential backoff (1 s, 2 s, 4 s ...
 * +-1/8) within a fixed budget.  (Quicker first retries, 0.25 s, were
 * measured: no faster lease under QEMU's e1000, whose replies received in
 * the first second after the interface comes up are held back, not lost,
 * and all arrive together; docs/PERFORMANCE.md.)
 *
 * The lease is applied with net_if_addr and net_route_default, once our
 * own conflict check has found no other host with the address (else it is
 * declined), and kept in a table.  The check is RFC 5227's ARP probe made
 * quick: two probes 100 ms apart, answered within 200 ms in all, where the
 * stack's own detection (ip_dad_count 3: PROBE_WAIT, three probes 1-2 s
 * apart, ANNOUNCE_WAIT) held a new address back for 4 to 7 s, and again at
 * every link-up; it is off (netif.c).  A host on the link answers an ARP
 * request within milliseconds; one slower than 200 ms is missed (the
 * stack's detection gave it seconds), but NetBSD still notices and logs a
 * conflict it sees later in ARP traffic.  The stack announces the address
 * with a gratuitous ARP.
 *
 * A thread per interface renews the lease at T1 (unicast to the server,
 * from our address), rebinds from T2 (broadcast), and when it expires, or
 * a server refuses it, removes the address and the default route it put
 * there and starts over.  Exchanges under way are counted (net__dhcp_hold)
 * so that network commands can wait for them (net_dhcp_pending).
 *
 * Locks: dhcp_lock serialises exchanges and configuration changes (the
 * boot's, the shell's, the renewal threads'); lease_lock protects the
 * table and is never held across a call into the rump kernel.  Thread
 * context only. */
#include <adros/clock.h>
#include <adros/dhcp.h>
#include <adros/entropy.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/sync.h>

#ifdef ADROS_RUMP_NET
#include "../rump/rump_sys.h"
#include "net_int.h"

_Static_assert(DHCP_INFINITE == NET_LEASE_INFINITE && DHCP_MAX_DNS == NET_LEASE_MAX_DNS, "lease constants");

#define BUDGET_NS (10 * NSEC_PER_SEC)       /* a whole exchange */
#define RETRY_MIN_NS (60 * NSEC_PER_SEC)    /* renewal retries, RFC 2131 4.4.5 */
#define MAX_LEASES 4
#define HOSTNAME "adros"

/* Accepts unfragmented IPv4 UDP to port 68, whole; drops the rest. */
static const struct nb_bpf_insn filter[] = {
    { NB_BPF_LD_H_ABS, 0, 0, 12 },  /* Ethernet type */
    { NB_BPF_JEQ_K, 0, 8, 0x0800 },
    { NB_BPF_LD_B_ABS, 0, 0, 23 },  /* IP protocol */
    { NB_BPF_JEQ_K, 0, 6, 17 },
    { NB_BPF_LD_H_ABS, 0, 0, 20 },  /* more fragments, fragment offset */
    { NB_BPF_JSET_K, 4, 0, 0x3fff },
    { NB_BPF_LDX_B_MSH, 0, 0, 14 }, /* X = IP header length */
    { NB_BPF_LD_H_IND, 0, 0, 16 },  /* UDP destination port */
    { NB_BPF_JEQ_K, 0, 1, DHCP_CLIENT_PORT },
    { NB_BPF_RET_K, 0, 0, 0xffffffffu },
    { NB_BPF_RET_K, 0, 0, 0 },
};

/* Accepts ARP; drops the rest. */
static const struct nb_bpf_insn arp_filter[] = {
    { NB_BPF_LD_H_ABS, 0, 0, 12 },
    { NB_BPF_JEQ_K, 0, 1, 0x0806 },
    { NB_BPF_RET_K, 0, 0, 0xffffffffu },
    { NB_BPF_RET_K, 0, 0, 0 },
};

#define PROBES 2
#define PROBE_NS (200 * NSEC_PER_MSEC) /* the whole check */

/* ---- exchanges ---- */

struct client {
    const char *ifname;
    uint8_t mac[6];
    struct net__bpf bpf;
    uint32_t xid;
    uint64_t start;    /* of the exchange: the messages' secs */
    unsigned ignored;  /* replies refused: malformed, or for someone else */
};

typedef bool (*reply_ok_fn)(const struct dhcp_reply *r, const uint8_t *arg);

static bool is_offer(const struct dhcp_reply *r, const uint8_t *arg) { return r->type == DHCP_OFFER; }

/* REQUESTING: the answer of the server whose offer we took. */
static bool answer_of(const struct dhcp_reply *r, const uint8_t *server)
{
    return (r->type == DHCP_ACK || r->type == DHCP_NAK) && memcmp(r->server_id, server, 4) == 0;
}

/* RENEWING/REBINDING: an ACK of our address (want[0..3]), or a NAK; from
 * our server (want[4..7]) when renewing, from any when rebinding (0.0.0.0). */
static bool renewal_of(const struct dhcp_reply *r, const uint8_t *want)
{
    static const uint8_t any[4];
    if (memcmp(want + 4, any, 4) != 0 && memcmp(r->server_id, want + 4, 4) != 0)
        return false;
    return r->type == DHCP_NAK || (r->type == DHCP_ACK && memcmp(r->yiaddr, want, 4) == 0);
}

static uint64_t backoff_ns(unsigned attempt)
{
    uint32_t ms = 1000u << MIN(attempt, 4u);
    return (uint64_t)(ms - ms / 8 + krand32() % (ms / 4 + 1)) * NSEC_PER_MSEC;
}

static void new_exchange(struct client *c)
{
    c->xid = krand32();
    c->start = clock_gettime_ns();
}

static void request_init(const struct client *c, struct dhcp_request *rq, uint8_t type)
{
    memset(rq, 0, sizeof(*rq));
    rq->type = type;
    rq->xid = c->xid;
    memcpy(rq->mac, c->mac, 6);
    memset(rq->dst_mac, 0xff, 6);
    memset(rq->dst_ip, 0xff, 4);
    rq->hostname = HOSTNAME;
}

/* Sends rq until a reply that ok() takes arrives or deadline passes: 0
 * (the reply in *out), -ETIMEDOUT, or an error of the device. */
static int transact(struct client *c, struct dhcp_request *rq, reply_ok_fn ok, const uint8_t *arg,
                    uint64_t deadline, struct dhcp_reply *out)
{
    uint8_t frame[DHCP_FRAME_MAX];
    for (unsigned attempt = 0;; attempt++) {
        uint64_t now = clock_gettime_ns();
        if (now >= deadline)
            return -ETIMEDOUT;
        rq->secs = (uint16_t)MIN((now - c->start) / NSEC_PER_SEC, 0xffffu);
        int n = dhcp_build(rq, frame, sizeof(frame));
        if (n < 0)
            return n;
        int r = net__bpf_send(&c->bpf, frame, (size_t)n);
        if (r < 0)
            return r;
        uint64_t until = MIN(deadline, now + backoff_ns(attempt));
        for (;;) {
            const uint8_t *f;
            size_t len;
            r = net__bpf_next(&c->bpf, &f, &len, until);
            if (r == -ETIMEDOUT)
                break;
            if (r < 0)
                return r;
            if (dhcp_parse(f, len, c->mac, c->xid, out) == 0 && ok(out, arg))
                return 0;
            c->ignored++;
        }
    }
}

static void ip_str(const uint8_t ip[4], char *buf, size_t n)
{
    ksnprintf(buf, n, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
}

/* INIT -> SELECTING -> REQUESTING -> BOUND, starting over after a NAK,
 * until deadline: 0 with the ACK in *ack. */
static int obtain(struct client *c, uint64_t deadline, struct dhcp_reply *ack)
{
    for (;;) {
        struct dhcp_request rq;
        struct dhcp_reply offer;
        new_exchange(c);
        request_init(c, &rq, DHCP_DISCOVER);
        int r = transact(c, &rq, is_offer, NULL, deadline, &offer);
        if (r < 0)
            return r;
        request_init(c, &rq, DHCP_REQUEST);
        memcpy(rq.requested, offer.yiaddr, 4);
        memcpy(rq.server_id, offer.server_id, 4);
        r = transact(c, &rq, answer_of, offer.server_id, deadline, ack);
        if (r < 0)
            return r;
        if (ack->type == DHCP_ACK)
            return 0;
        char s[16], a[16];
        ip_str(ack->server_id, s, sizeof(s));
        ip_str(offer.yiaddr, a, sizeof(a));
        kprintf("dhcp: %s: %s refused %s (NAK%s%s), starting over\n", c->ifname, s, a, ack->message[0] ? ": " : "",
                ack->message);
        /* A server that refuses in a loop is not flooded. */
        uint64_t now = clock_gettime_ns();
        if (now < deadline)
            process_sleep(MIN(deadline - now, NSEC_PER_SEC));
    }
}

/* ---- applying a lease ---- */

/* True for an ARP frame saying another host has ip: its reply or request
 * from ip, or its own probe for ip (RFC 5227 2.1.1). */
static bool arp_conflict(const uint8_t *f, size_t len, const uint8_t mac[6], const uint8_t ip[4])
{
    static const uint8_t zero[4];
    if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || f[16] != 0x08 || f[17] != 0x00 || f[18] != 6 || f[19] != 4)
        return false;
    const uint8_t *sha = f + 22, *spa = f + 28, *tpa = f + 38;
    if (memcmp(sha, mac, 6) == 0)
        return false; /* ours */
    return memcmp(spa, ip, 4) == 0 || (memcmp(spa, zero, 4) == 0 && memcmp(tpa, ip, 4) == 0);
}

/* Asks the link whether another host has ip: 0 (no answer within
 * PROBE_NS), -EADDRINUSE, -EINTR or an error of the device. */
static int probe(const char *ifname, const uint8_t mac[6], const uint8_t ip[4])
{
    struct net__bpf b;
    int r = net__bpf_open(&b, ifname, arp_filter, ARRAY_SIZE(arp_filter));
    if (r < 0)
        return r;
    uint8_t f[42] = { 0 };
    memset(f, 0xff, 6);
    memcpy(f + 6, mac, 6);
    static const uint8_t head[] = { 0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1 };
    memcpy(f + 12, head, sizeof(head));
    memcpy(f + 22, mac, 6); /* sender: us, from 0.0.0.0; target: ip */
    memcpy(f + 38, ip, 4);
    uint64_t start = clock_gettime_ns();
    for (int i = 0; i < PROBES && r == 0; i++) {
        r = net__bpf_send(&b, f, sizeof(f));
        uint64_t until = start + PROBE_NS * (uint64_t)(i + 1) / PROBES;
        while (r == 0) {
            const uint8_t *in;
            size_t len;
            int n = net__bpf_next(&b, &in, &len, until);
            if (n == -ETIMEDOUT)
                break;
            if (n < 0)
                r = n;
            else if (arp_conflict(in, len, mac, ip))
                r = -EADDRINUSE;
        }
    }
    net__bpf_close(&b);
    return r;
}

static void to_addr(struct net_addr *a, const uint8_t ip[4])
{
    memset(a, 0, sizeof(*a));
    if (ip[0] | ip[1] | ip[2] | ip[3]) {
        a->family = NET_AF_INET;
        memcpy(a->addr, ip, 4);
    }
}

/* Puts the lease on the interface.  old: what the previous lease put
 * there (NULL: none), replaced. */
static int apply(const char *ifname, const struct dhcp_reply *ack, const struct net_lease *old)
{
    struct net_addr a, gw;
    to_addr(&a, ack->yiaddr);
    to_addr(&gw, ack->router);
    if (old && old->addr.family && !net_addr_equal(&old->addr, &a)) {
        net__drop_default(&old->router);
        net__if_del_addr(ifname, &old->addr);
    }
    /* Checked by probe() already, and the stack's own detection is off
     * (netif.c): usable at once. */
    if (!net__if_has_addr(ifname, &a, ack->prefix)) {
        int r = net_if_addr(ifname, &a, ack->prefix);
        if (r < 0)
            return r;
    }
    if (!gw.family) {
        if (old)
            net__drop_default(&old->router); /* the old router is no longer ours */
        return 0;
    }
    struct net_addr cur;
    int have = net__default_gw(&cur);
    if (have > 0 && net_addr_equal(&cur, &gw))
        return 0;
    if (have > 0)
        net_route_default(NULL, false);
    return net_route_default(&gw, true);
}

/* Takes the lease off the interface (expired, or refused). */
static void unapply(const struct net_lease *l)
{
    net__drop_default(&l->router);
    if (l->addr.family)
        net__if_del_addr(l->ifname, &l->addr);
}

/* ---- the lease table ---- */

struct slot {
    bool used;
    struct net_lease l;
    uint8_t server_mac[6];
    uint64_t t2_at;
    uint64_t next_at;        /* when the renewer acts next: T1, a retry, never */
    struct thread *renewer;
    ksem_t kick;             /* the lease changed: look again */
};

/* lease_lock must be held when using these. */
static kmutex_t lease_lock = KMUTEX_INIT(lease_lock, "dhcp-leases");
static struct slot slots[MAX_LEASES];
/* Exchanges and configuration changes. */
static kmutex_t dhcp_lock = KMUTEX_INIT(dhcp_lock, "net-dhcp");

static struct slot *slot_of(const char *ifname)
{
    for (int i = 0; i < MAX_LEASES; i++)
        if (slots[i].used && strcmp(slots[i].l.ifname, ifname) == 0)
            return &slots[i];
    return NULL;
}

static uint64_t after_s(uint64_t now, uint32_t s)
{
    return s == DHCP_INFINITE ? UINT64_MAX : now + (uint64_t)s * NSEC_PER_SEC;
}

/* Records a lease just applied; its times count from since, when the
 * exchange began (RFC 2131 4.4.1).  0 or -ENOSPC (table full). */
static int record(const char *ifname, const struct dhcp_reply *ack, bool renewal, uint64_t since,
                  struct slot **out)
{
    uint64_t now = since;
    kmutex_lock(&lease_lock);
    struct slot *s = slot_of(ifname);
    for (int i = 0; !s && i < MAX_LEASES; i++)
        if (!slots[i].used) {
            s = &slots[i];
            memset(s, 0, sizeof(*s));
            ksem_init(&s->kick, 0);
            s->used = true;
        }
    if (!s) {
        kmutex_unlock(&lease_lock);
        return -ENOSPC;
    }
    struct net_lease *l = &s->l;
    unsigned renewals = renewal ? l->renewals + 1 : 0;
    memset(l, 0, sizeof(*l));
    strlcpy(l->ifname, ifname, sizeof(l->ifname));
    to_addr(&l->addr, ack->yiaddr);
    l->prefix = ack->prefix;
    to_addr(&l->router, ack->router);
    to_addr(&l->server, ack->server_id);
    for (int i = 0; i < ack->ndns; i++)
        to_addr(&l->dns[i], ack->dns[i]);
    l->ndns = ack->ndns;
    l->lease_s = ack->lease;
    l->t1_s = ack->t1;
    l->t2_s = ack->t2;
    l->bound_ns = now;
    l->expires_ns = after_s(now, ack->lease);
    l->renewals = renewals;
    l->state = NET_LEASE_BOUND;
    memcpy(s->server_mac, ack->server_mac, 6);
    s->t2_at = after_s(now, ack->t2);
    s->next_at = after_s(now, ack->t1);
    kmutex_unlock(&lease_lock);
    *out = s;
    return 0;
}

static void set_state(struct slot *s, int state, uint64_t next_at)
{
    kmutex_lock(&lease_lock);
    s->l.state = state;
    s->next_at = next_at;
    kmutex_unlock(&lease_lock);
}

int net_lease_get(const char *ifname, struct net_lease *out)
{
    kmutex_lock(&lease_lock);
    struct slot *s = slot_of(ifname);
    if (s)
        *out = s->l;
    kmutex_unlock(&lease_lock);
    return s ? 0 : -ENOENT;
}

static void *renew_thread(void *arg);

/* Another host answered for the address we were given: tell the server
 * (it marks the address as in use), once, and give up for now. */
static void decline(struct client *c, const struct dhcp_reply *ack)
{
    char a[16], srv[16];
    ip_str(ack->yiaddr, a, sizeof(a));
    ip_str(ack->server_id, srv, sizeof(srv));
    kprintf("dhcp: %s: %s from %s is in use by another host: declined\n", c->ifname, a, srv);
    struct dhcp_request rq;
    request_init(c, &rq, DHCP_DECLINE);
    memcpy(rq.requested, ack->yiaddr, 4);
    memcpy(rq.server_id, ack->server_id, 4);
    uint8_t frame[DHCP_FRAME_MAX];
    int n = dhcp_build(&rq, frame, sizeof(frame));
    if (n > 0)
        net__bpf_send(&c->bpf, frame, (size_t)n);
}

/* A whole exchange and its lease applied and recorded; dhcp_lock held. */
static int configure(const char *ifname, const uint8_t mac[6])
{
    struct client c = { .ifname = ifname };
    memcpy(c.mac, mac, 6);
    int r = net__bpf_open(&c.bpf, ifname, filter, ARRAY_SIZE(filter));
    if (r < 0)
        return r;
    struct dhcp_reply ack;
    r = obtain(&c, clock_gettime_ns() + BUDGET_NS, &ack);
    if (c.ignored)
        kprintf(KERN_DEBUG "dhcp: %s: %u replies ignored\n", ifname, c.ignored);
    struct net_lease old;
    bool had = net_lease_get(ifname, &old) == 0 && old.state != NET_LEASE_EXPIRED;
    struct net_addr offered;
    to_addr(&offered, ack.yiaddr);
    if (r == 0 && !net__if_has_addr(ifname, &offered, ack.prefix))
        r = probe(ifname, mac, ack.yiaddr);
    if (r == 0)
        r = apply(ifname, &ack, had ? &old : NULL);
    if (r == -EADDRINUSE)
        decline(&c, &ack);
    net__bpf_close(&c.bpf);
    struct slot *s = NULL;
    if (r == 0)
        r = record(ifname, &ack, false, c.start, &s);
    if (r < 0)
        return r;
    if (!s->renewer) {
        /* Renewal runs on the memory reserve (mm.h): a lease must not
         * lapse because something else took all memory. */
        struct thread_attr at = { .name = "dhcp-renew", .prio = PRIO_NORMAL, .stack_size = 64 * 1024,
                                  .flags = PROCESS_FLAG_MEMRESERVE };
        if (thread_create(&at, renew_thread, s, &s->renewer) < 0)
            kprintf(KERN_ERR "dhcp: %s: cannot start the renewal thread; the lease will not be renewed\n", ifname);
    }
    ksem_up(&s->kick);
    return 0;
}

/* Keeps the port-68 replies to our address (renewals are answered by
 * unicast) from making the stack answer "port unreachable". */
static int port68_socket(void)
{
    int s = net_socket(NET_AF_INET, NET_SOCK_DGRAM, 0);
    if (s < 0)
        return s;
    struct net_addr any = { .family = NET_AF_INET, .port = DHCP_CLIENT_PORT };
    net_setopt(s, NET_OPT_REUSEADDR, 1);
    if (net_bind(s, &any) < 0) {
        net_close(s);
        return -EADDRINUSE;
    }
    return s;
}

/* RENEWING before T2 (to the server), REBINDING after (to everyone): one
 * exchange; dhcp_lock held. */
static void renew(struct slot *s, const struct net_lease *l, const uint8_t server_mac[6], uint64_t t2_at)
{
    uint64_t now = clock_gettime_ns();
    bool rebinding = now >= t2_at;
    uint64_t phase_end = rebinding ? l->expires_ns : t2_at;
    set_state(s, rebinding ? NET_LEASE_REBINDING : NET_LEASE_RENEWING, phase_end);
    struct client c = { .ifname = l->ifname };
    struct net_ifinfo f;
    int r = net_if_get(l->ifname, &f);
    if (r == 0)
        memcpy(c.mac, f.mac, 6);
    if (r == 0)
        r = net__bpf_open(&c.bpf, l->ifname, filter, ARRAY_SIZE(filter));
    struct dhcp_reply ack;
    if (r == 0) {
        int sock = port68_socket();
        struct dhcp_request rq;
        new_exchange(&c);
        request_init(&c, &rq, DHCP_REQUEST);
        memcpy(rq.ciaddr, l->addr.addr, 4);
        uint8_t want[8] = { 0 };
        memcpy(want, l->addr.addr, 4);
        if (!rebinding) {
            memcpy(rq.dst_mac, server_mac, 6);
            memcpy(rq.dst_ip, l->server.addr, 4);
            memcpy(want + 4, l->server.addr, 4);
        }
        r = transact(&c, &rq, renewal_of, want, MIN(phase_end, now + BUDGET_NS), &ack);
        net__bpf_close(&c.bpf);
        if (sock >= 0) {
            /* The packet filter sees the answer before the stack has taken
             * it: closed now, the socket would be gone when it does. */
            uint8_t drain[64];
            if (r == 0)
                net_recv(sock, drain, sizeof(drain), 200);
            net_close(sock);
        }
    }
    now = clock_gettime_ns();
    char a[NET_ADDRSTRLEN];
    net_format_addr(&l->addr, a, sizeof(a));
    if (r == 0 && ack.type == DHCP_ACK) {
        struct slot *same;
        r = apply(l->ifname, &ack, l);
        if (r == 0)
            r = record(l->ifname, &ack, true, c.start, &same);
        if (r == 0) {
            kprintf(KERN_DEBUG "dhcp: %s: lease of %s renewed for %u s\n", l->ifname, a, ack.lease);
            return;
        }
    }
    if (r == 0) { /* NAK */
        kprintf("dhcp: %s: the server refused to renew %s (NAK%s%s): address removed\n", l->ifname, a,
                ack.message[0] ? ": " : "", ack.message);
        unapply(l);
        set_state(s, NET_LEASE_EXPIRED, now);
        return;
    }
    /* No answer: again after half the time left in this phase (at least a
     * minute), and at its end in any case. */
    uint64_t left = phase_end > now ? phase_end - now : 0;
    set_state(s, rebinding ? NET_LEASE_REBINDING : NET_LEASE_RENEWING, now + MIN(left, MAX(left / 2, RETRY_MIN_NS)));
    kprintf(KERN_DEBUG "dhcp: %s: %s of %s: %s\n", l->ifname, rebinding ? "rebinding" : "renewing", a, strerror(r));
}

/* What the renewer does when its time comes; dhcp_lock held. */
static void maintain(struct slot *s)
{
    kmutex_lock(&lease_lock);
    struct net_lease l = s->l;
    uint8_t server_mac[6];
    memcpy(server_mac, s->server_mac, 6);
    uint64_t t2_at = s->t2_at, next_at = s->next_at;
    kmutex_unlock(&lease_lock);
    uint64_t now = clock_gettime_ns();
    if (now < next_at)
        return; /* replaced meanwhile */
    if (l.state != NET_LEASE_EXPIRED && now < l.expires_ns) {
        renew(s, &l, server_mac, t2_at);
        return;
    }
    if (l.state != NET_LEASE_EXPIRED) {
        char a[NET_ADDRSTRLEN];
        kprintf("dhcp: %s: the lease of %s expired: address removed\n", l.ifname,
                net_format_addr(&l.addr, a, sizeof(a)));
        unapply(&l);
        set_state(s, NET_LEASE_EXPIRED, now);
    }
    struct net_ifinfo f;
    int r = net_if_get(l.ifname, &f);
    if (r == 0)
        r = configure(l.ifname, f.mac);
    if (r < 0)
        set_state(s, NET_LEASE_EXPIRED, clock_gettime_ns() + RETRY_MIN_NS);
    else
        kprintf("dhcp: %s: a new lease obtained\n", l.ifname);
}

static void *renew_thread(void *arg)
{
    struct slot *s = arg;
    for (;;) {
        kmutex_lock(&lease_lock);
        uint64_t at = s->next_at;
        kmutex_unlock(&lease_lock);
        if (at == UINT64_MAX) {
            ksem_down(&s->kick);
            continue;
        }
        if (ksem_down_until(&s->kick, at) == 0)
            continue; /* the lease changed: its new times */
        kmutex_lock(&dhcp_lock);
        maintain(s);
        kmutex_unlock(&dhcp_lock);
    }
    return NULL;
}

/* The link comes up a moment after the interface: frames sent before are
 * lost.  (Measured with QEMU's e1000: for about a second after that the
 * first frames received are late, so a first DISCOVER's answer often
 * arrives after the retransmission.) */
static void wait_link(const char *ifname)
{
    uint64_t until = clock_gettime_ns() + 3 * NSEC_PER_SEC;
    struct net_ifinfo f;
    /* A driver that reports no link state (NetBSD 7's vioif) is not waited for. */
    while (net_if_get(ifname, &f) == 0 && f.link_known && !f.link_up && clock_gettime_ns() < until &&
           !thread_killed())
        process_sleep(20 * NSEC_PER_MSEC);
}

/* Exchanges under way in net_dhcp (the boot's, the shell's), for the
 * commands that wait for an address (net_dhcp_pending). */
static volatile int pending;
static char pending_if[16];

int net_dhcp_pending(char *ifname, size_t n)
{
    int p = pending;
    if (p && ifname)
        strlcpy(ifname, pending_if, n);
    return p;
}

int net_dhcp_wait(uint64_t deadline_ns)
{
    while (pending) {
        if (clock_gettime_ns() >= deadline_ns)
            return -ETIMEDOUT;
        if (process_sleep_until(MIN(deadline_ns, clock_gettime_ns() + 20 * NSEC_PER_MSEC)) == -EINTR)
            return -EINTR;
    }
    return 0;
}

void net__dhcp_hold(const char *ifname, bool on)
{
    irqflags_t fl = irq_save();
    if (!on)
        pending--;
    else if (pending++ == 0)
        strlcpy(pending_if, ifname, sizeof(pending_if));
    irq_restore(fl);
}

static int dhcp_exchange(const char *name);

int net_dhcp(const char *name)
{
    net__dhcp_hold(name, true);
    int r = dhcp_exchange(name);
    net__dhcp_hold(name, false);
    return r;
}

static int dhcp_exchange(const char *name)
{
    struct net_ifinfo f;
    int r = net_if_get(name, &f);
    if (r < 0)
        return r;
    if (!f.has_mac || (f.flags & NET_IFF_LOOPBACK))
        return -EOPNOTSUPP;
    r = net_if_up(name, true);
    if (r < 0)
        return r;
    wait_link(name);
    if (thread_killed())
        return -EINTR; /* the shell's dhcp, stopped by Ctrl-C */
    kmutex_lock(&dhcp_lock);
    r = configure(f.name, f.mac);
    kmutex_unlock(&dhcp_lock);
    return r;
}

#else /* no network components */

int net_dhcp(const char *name) { return -ENETDOWN; }
int net_dhcp_pending(char *ifname, size_t n) { return 0; }
int net_dhcp_wait(uint64_t deadline_ns) { return 0; }
int net_lease_get(const char *ifname, struct net_lease *out) { return -ENETDOWN; }
#endif
