/* Internet addresses as text: parsing and formatting for <adros/net.h>
 * (portable; host-tested in tests/host/test_inet.c).
 *
 * Accepted: dotted-quad IPv4 ("10.0.2.15", each part 0..255, no leading
 * garbage), IPv6 in RFC 4291 text form with one "::" and an optional
 * trailing dotted quad, an optional "%<number>" scope, and ports as
 * "v4:port" or "[v6]:port" (1..65535).  Formatting writes RFC 5952 text
 * (lower case, the longest run of zero groups as "::"). */
#include <adros/errno.h>
#include <adros/inet.h>
#include <adros/string.h>

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A decimal number of at most max, from s[0..n).  -1 if malformed. */
static long decimal(const char *s, size_t n, long max)
{
    if (n == 0 || n > 10)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
        if (v > max)
            return -1;
    }
    return v;
}

static bool parse_v4(const char *s, size_t n, uint8_t out[4])
{
    int part = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (part == 4)
                return false;
            long v = decimal(s + start, i - start, 255);
            if (v < 0)
                return false;
            out[part++] = (uint8_t)v;
            start = i + 1;
        }
    }
    return part == 4;
}

static bool parse_v6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t g[8];
    int ng = 0, gap = -1;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
        if (n == 2)
            goto done;
    } else if (n == 0 || s[0] == ':') {
        return false;
    }
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != ':')
            j++;
        if (j == i)
            return false;
        /* A dotted quad ends the address. */
        bool dotted = false;
        for (size_t k = i; k < j; k++)
            dotted |= s[k] == '.';
        if (dotted) {
            uint8_t q[4];
            if (j != n || ng > 6 || !parse_v4(s + i, j - i, q))
                return false;
            g[ng++] = (uint16_t)(q[0] << 8 | q[1]);
            g[ng++] = (uint16_t)(q[2] << 8 | q[3]);
            break;
        }
        if (j - i > 4 || ng == 8)
            return false;
        unsigned v = 0;
        for (size_t k = i; k < j; k++) {
            int h = hexval(s[k]);
            if (h < 0)
                return false;
            v = v << 4 | (unsigned)h;
        }
        g[ng++] = (uint16_t)v;
        if (j == n)
            break;
        i = j + 1; /* past ':' */
        if (i < n && s[i] == ':') {
            if (gap >= 0)
                return false; /* two "::" */
            gap = ng;
            i++;
            if (i == n)
                break;
        } else if (i == n) {
            return false; /* trailing single ':' */
        }
    }
done:
    if (gap < 0 && ng != 8)
        return false;
    if (gap >= 0 && ng > 7)
        return false;
    memset(out, 0, 16);
    int tail = gap < 0 ? 0 : ng - gap;
    int head = ng - tail;
    for (int k = 0; k < head; k++) {
        out[2 * k] = (uint8_t)(g[k] >> 8);
        out[2 * k + 1] = (uint8_t)g[k];
    }
    for (int k = 0; k < tail; k++) {
        int pos = 8 - tail + k;
        out[2 * pos] = (uint8_t)(g[head + k] >> 8);
        out[2 * pos + 1] = (uint8_t)g[head + k];
    }
    return true;
}

/* An address without port: v4, or v6 with optional %scope. */
static bool parse_host(const char *s, size_t n, struct net_addr *a)
{
    memset(a, 0, sizeof(*a));
    if (parse_v4(s, n, a->addr)) {
        a->family = NET_AF_INET;
        return true;
    }
    size_t pct = n;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '%') {
            pct = i;
            break;
        }
    if (!parse_v6(s, pct, a->addr))
        return false;
    if (pct < n) {
        long sc = decimal(s + pct + 1, n - pct - 1, 0x7fffffff);
        if (sc < 0)
            return false;
        a->scope = (uint32_t)sc;
    }
    a->family = NET_AF_INET6;
    return true;
}

int net_parse_addr(const char *s, struct net_addr *a)
{
    if (!s || !a)
        return -EINVAL;
    size_t n = strlen(s);
    struct net_addr r;
    if (n > 0 && s[0] == '[') {
        const char *end = memchr(s, ']', n);
        if (!end || end[1] != ':' || !parse_host(s + 1, (size_t)(end - s - 1), &r) ||
            r.family != NET_AF_INET6)
            return -EINVAL;
        long p = decimal(end + 2, strlen(end + 2), 65535);
        if (p <= 0)
            return -EINVAL;
        r.port = (uint16_t)p;
        *a = r;
        return 0;
    }
    if (parse_host(s, n, &r)) {
        *a = r;
        return 0;
    }
    const char *colon = memchr(s, ':', n);
    if (!colon || memchr(colon + 1, ':', n - (size_t)(colon + 1 - s)))
        return -EINVAL;
    if (!parse_host(s, (size_t)(colon - s), &r) || r.family != NET_AF_INET)
        return -EINVAL;
    long p = decimal(colon + 1, strlen(colon + 1), 65535);
    if (p <= 0)
        return -EINVAL;
    r.port = (uint16_t)p;
    *a = r;
    return 0;
}

int net_parse_cidr(const char *s, struct net_addr *a, int *prefix)
{
    if (!s || !a || !prefix)
        return -EINVAL;
    size_t n = strlen(s);
    const char *slash = memchr(s, '/', n);
    if (!slash || !parse_host(s, (size_t)(slash - s), a))
        return -EINVAL;
    long p = decimal(slash + 1, strlen(slash + 1), a->family == NET_AF_INET ? 32 : 128);
    if (p < 0)
        return -EINVAL;
    *prefix = (int)p;
    return 0;
}

/* Appends to buf[*at..n); always terminated. */
static void put(char *buf, size_t n, size_t *at, const char *s)
{
    while (*s && *at + 1 < n)
        buf[(*at)++] = *s++;
    buf[*at < n ? *at : n - 1] = '\0';
}

static void put_uint(char *buf, size_t n, size_t *at, unsigned long v, bool hex)
{
    char tmp[12];
    int i = (int)sizeof(tmp) - 1;
    tmp[i] = '\0';
    do {
        tmp[--i] = "0123456789abcdef"[v % (hex ? 16 : 10)];
        v /= hex ? 16 : 10;
    } while (v && i > 0);
    put(buf, n, at, tmp + i);
}

char *net_format_addr(const struct net_addr *a, char *buf, size_t n)
{
    size_t at = 0;
    if (!buf || n == 0)
        return buf;
    buf[0] = '\0';
    if (a->family == NET_AF_INET) {
        for (int i = 0; i < 4; i++) {
            if (i)
                put(buf, n, &at, ".");
            put_uint(buf, n, &at, a->addr[i], false);
        }
        if (a->port) {
            put(buf, n, &at, ":");
            put_uint(buf, n, &at, a->port, false);
        }
        return buf;
    }
    if (a->family != NET_AF_INET6) {
        put(buf, n, &at, "?");
        return buf;
    }
    if (a->port)
        put(buf, n, &at, "[");
    uint16_t g[8];
    for (int i = 0; i < 8; i++)
        g[i] = (uint16_t)(a->addr[2 * i] << 8 | a->addr[2 * i + 1]);
    /* RFC 5952: the longest run (>= 2) of zero groups, the first if tied. */
    int best = -1, bestlen = 1;
    for (int i = 0; i < 8;) {
        if (g[i]) {
            i++;
            continue;
        }
        int j = i;
        while (j < 8 && !g[j])
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            put(buf, n, &at, "::");
            i += bestlen - 1;
            continue;
        }
        if (i && i != best + bestlen)
            put(buf, n, &at, ":");
        put_uint(buf, n, &at, g[i], true);
    }
    if (a->scope) {
        put(buf, n, &at, "%");
        put_uint(buf, n, &at, a->scope, false);
    }
    if (a->port) {
        put(buf, n, &at, "]:");
        put_uint(buf, n, &at, a->port, false);
    }
    return buf;
}

bool net_addr_equal(const struct net_addr *a, const struct net_addr *b)
{
    if (a->family != b->family || a->port != b->port)
        return false;
    return memcmp(a->addr, b->addr, a->family == NET_AF_INET ? 4 : 16) == 0;
}
