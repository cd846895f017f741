/* DNS messages (<adros/dns.h>): queries built, replies and hosts files
 * parsed.  Pure functions over buffers; no allocation. */
#include <adros/dns.h>
#include <adros/errno.h>
#include <adros/string.h>

#define HDR 12
#define MAX_JUMPS 32   /* compression pointers followed while reading one name */
#define MAX_CNAMES 8

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool label_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

bool dns_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len && name[len - 1] == '.')
        len--;
    if (len == 0 || len > DNS_NAME_MAX)
        return false;
    size_t label = 0;
    bool digits = true; /* the last label all digits: a mistyped address */
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '.') {
            if (label == 0)
                return false;
            label = 0;
            digits = true;
        } else if (!label_char(name[i]) || ++label > 63) {
            return false;
        } else if (name[i] < '0' || name[i] > '9') {
            digits = false;
        }
    }
    return label > 0 && !digits;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

int dns_build_query(uint16_t id, const char *name, uint8_t *buf, size_t n)
{
    if (!dns_name_ok(name))
        return -EINVAL;
    size_t len = strlen(name);
    if (name[len - 1] == '.')
        len--;
    size_t need = HDR + len + 2 + 4;
    if (n < need)
        return -ENOSPC;
    memset(buf, 0, HDR);
    put16(buf, id);
    buf[2] = 0x01; /* RD */
    put16(buf + 4, 1); /* QDCOUNT */
    uint8_t *p = buf + HDR;
    const char *s = name;
    while (s < name + len) {
        const char *dot = memchr(s, '.', (size_t)(name + len - s));
        size_t l = dot ? (size_t)(dot - s) : (size_t)(name + len - s);
        *p++ = (uint8_t)l;
        memcpy(p, s, l);
        p += l;
        s += l + 1;
    }
    *p++ = 0;
    put16(p, DNS_TYPE_A);
    put16(p + 2, 1); /* IN */
    return (int)need;
}

/* Reads the (possibly compressed) name at *off into out as dotted text,
 * lower case; advances *off past it in the message.  0 or -EINVAL. */
static int read_name(const uint8_t *m, size_t n, size_t *off, char out[DNS_NAME_MAX + 2])
{
    size_t p = *off, o = 0;
    bool jumped = false;
    for (int jumps = 0;;) {
        if (p >= n)
            return -EINVAL;
        uint8_t l = m[p];
        if ((l & 0xc0) == 0xc0) {
            if (p + 1 >= n || ++jumps > MAX_JUMPS)
                return -EINVAL;
            if (!jumped)
                *off = p + 2;
            jumped = true;
            p = (size_t)(l & 0x3f) << 8 | m[p + 1];
            continue;
        }
        if (l & 0xc0)
            return -EINVAL;
        if (l == 0) {
            if (!jumped)
                *off = p + 1;
            out[o] = '\0';
            return 0;
        }
        if (p + 1 + l > n || o + l + 1 > DNS_NAME_MAX + 1)
            return -EINVAL;
        if (o)
            out[o++] = '.';
        for (size_t i = 0; i < l; i++)
            out[o++] = lower((char)m[p + 1 + i]);
        p += 1 + l;
    }
}

static bool name_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la && a[la - 1] == '.')
        la--;
    if (lb && b[lb - 1] == '.')
        lb--;
    if (la != lb)
        return false;
    for (size_t i = 0; i < la; i++)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

int dns_parse_reply(const uint8_t *m, size_t n, uint16_t id, const char *name, struct dns_answer *out)
{
    memset(out, 0, sizeof(*out));
    if (n < HDR || get16(m) != id || !(m[2] & 0x80) || (m[2] & 0x78) != 0)
        return -EINVAL; /* not a reply to a standard query of ours */
    out->truncated = (m[2] & 0x02) != 0;
    out->rcode = m[3] & 0x0f;
    out->ttl = 0xffffffffu;
    uint16_t qd = get16(m + 4), an = get16(m + 6);
    if (qd != 1)
        return out->truncated || out->rcode ? 0 : -EINVAL;
    size_t off = HDR;
    char owner[DNS_NAME_MAX + 2];
    if (read_name(m, n, &off, owner) < 0 || off + 4 > n || !name_eq(owner, name) ||
        get16(m + off) != DNS_TYPE_A || get16(m + off + 2) != 1)
        return -EINVAL;
    off += 4;
    /* The names whose A records answer us: the name and its CNAMEs'
     * targets (a server gives a chain in order). */
    char names[MAX_CNAMES + 1][DNS_NAME_MAX + 2];
    int nnames = 1;
    strlcpy(names[0], name, sizeof(names[0]));
    for (uint16_t i = 0; i < an; i++) {
        if (read_name(m, n, &off, owner) < 0 || off + 10 > n)
            return out->truncated ? 0 : -EINVAL;
        uint16_t type = get16(m + off), cls = get16(m + off + 2), rdlen = get16(m + off + 8);
        uint32_t ttl = get32(m + off + 4);
        off += 10;
        if (off + rdlen > n)
            return out->truncated ? 0 : -EINVAL;
        bool ours = false;
        for (int k = 0; k < nnames && !ours; k++)
            ours = name_eq(owner, names[k]);
        if (ours && cls == 1 && type == DNS_TYPE_CNAME && nnames <= MAX_CNAMES) {
            size_t t = off;
            if (read_name(m, off + rdlen, &t, names[nnames]) < 0)
                return -EINVAL;
            nnames++;
        } else if (ours && cls == 1 && type == DNS_TYPE_A) {
            if (rdlen != 4)
                return -EINVAL;
            if (out->naddr < DNS_MAX_ADDRS) {
                memcpy(out->addr[out->naddr++], m + off, 4);
                if (ttl < out->ttl)
                    out->ttl = ttl;
            }
        }
        off += rdlen;
    }
    if (out->ttl == 0xffffffffu)
        out->ttl = 0;
    return 0;
}

static bool space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* Calls fn(addr text, name, ctx) for each name of each line of a hosts
 * file until fn returns true; true then. */
static bool hosts_each(const char *text, size_t n, bool (*fn)(const char *addr, const char *name, void *ctx), void *ctx)
{
    size_t i = 0;
    while (i < n) {
        size_t end = i;
        while (end < n && text[end] != '\n')
            end++;
        size_t lim = i;
        while (lim < end && text[lim] != '#')
            lim++;
        /* Fields of [i, lim): the address, then names. */
        char addr[NET_ADDRSTRLEN] = "";
        bool first = true;
        size_t p = i;
        while (p < lim) {
            while (p < lim && space(text[p]))
                p++;
            size_t s = p;
            while (p < lim && !space(text[p]))
                p++;
            size_t l = p - s;
            if (l == 0)
                break;
            if (first) {
                if (l >= sizeof(addr))
                    break;
                memcpy(addr, text + s, l);
                addr[l] = '\0';
                first = false;
            } else if (l <= DNS_NAME_MAX) {
                char f[DNS_NAME_MAX + 1];
                memcpy(f, text + s, l);
                f[l] = '\0';
                if (fn(addr, f, ctx))
                    return true;
            }
        }
        i = end + 1;
    }
    return false;
}

struct by_name {
    const char *name;
    struct net_addr *out;
};

static bool match_name(const char *addr, const char *name, void *ctx)
{
    struct by_name *b = ctx;
    struct net_addr x;
    if (!name_eq(name, b->name) || net_parse_addr(addr, &x) != 0 || x.port != 0)
        return false;
    *b->out = x;
    return true;
}

int dns_hosts_lookup(const char *text, size_t n, const char *name, struct net_addr *out)
{
    struct by_name b = { name, out };
    return hosts_each(text, n, match_name, &b) ? 0 : -ENOENT;
}

struct by_addr {
    const struct net_addr *a;
    char *name;
    size_t size;
};

static bool match_addr(const char *addr, const char *name, void *ctx)
{
    struct by_addr *b = ctx;
    struct net_addr x;
    if (net_parse_addr(addr, &x) != 0 || x.port != 0 || x.family != b->a->family ||
        memcmp(x.addr, b->a->addr, x.family == NET_AF_INET ? 4 : 16) != 0 || strlen(name) >= b->size)
        return false;
    strlcpy(b->name, name, b->size);
    return true;
}

int dns_hosts_reverse(const char *text, size_t n, const struct net_addr *a, char *name, size_t size)
{
    struct by_addr b = { a, name, size };
    return hosts_each(text, n, match_addr, &b) ? 0 : -ENOENT;
}
