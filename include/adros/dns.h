/* DNS messages for AdrOS's stub resolver (RFC 1035): a query for a name's
 * IPv4 addresses built, a server's reply taken apart, and /etc/hosts-style
 * text searched.
 *
 * Portable (src/lib/dns.c), host-tested in tests/host/test_dns.c and fuzzed
 * (tests/fuzz/fuzz_dns.c); the kernel's resolver (src/netbsd/dns.c) moves
 * the messages.  The parser takes any bytes: a reply is either a
 * well-formed answer to the query or refused with -EINVAL, and nothing is
 * read outside the buffer (compression pointers are followed a bounded
 * number of times). */
#ifndef ADROS_DNS_H
#define ADROS_DNS_H

#include <adros/inet.h>
#include <adros/types.h>

#define DNS_PORT 53
#define DNS_NAME_MAX 253       /* a name's text, without the final dot */
#define DNS_UDP_MAX 512        /* a reply over UDP without EDNS */
#define DNS_QUERY_MAX (12 + DNS_NAME_MAX + 2 + 4)
#define DNS_MAX_ADDRS 8
#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5

enum { DNS_NOERROR = 0, DNS_FORMERR = 1, DNS_SERVFAIL = 2, DNS_NXDOMAIN = 3, DNS_NOTIMP = 4, DNS_REFUSED = 5 };

struct dns_answer {
    int rcode;          /* DNS_* */
    bool truncated;     /* TC: ask again over TCP */
    int naddr;
    uint8_t addr[DNS_MAX_ADDRS][4];
    uint32_t ttl;       /* the smallest of the records taken (s) */
};

/* True for a name a query can carry: dot-separated labels of 1..63 bytes
 * of letters, digits, '-' and '_', 253 bytes at most, the last not all
 * digits (RFC 1123 2.1: "10.0.2" is a mistyped address); one final dot
 * allowed. */
bool dns_name_ok(const char *name);
/* A recursive query (RD) for name's A records with the given id, in buf;
 * its length, or -EINVAL (a bad name) / -ENOSPC. */
int dns_build_query(uint16_t id, const char *name, uint8_t *buf, size_t n);
/* Takes apart a reply to dns_build_query(id, name): 0 with *out filled (the
 * A records of the name and of the names its CNAMEs lead to), or -EINVAL
 * when the message is malformed or answers another query. */
int dns_parse_reply(const uint8_t *buf, size_t n, uint16_t id, const char *name, struct dns_answer *out);
/* Searches hosts-file text ("addr name alias... # comment" lines) for name,
 * case-insensitively: 0 with the first IPv4 or IPv6 address in *out, or
 * -ENOENT. */
int dns_hosts_lookup(const char *text, size_t n, const char *name, struct net_addr *out);
/* The other way: the first name given to address a (family and address
 * compared, the port ignored) in name[0..size), or -ENOENT (also when that
 * name does not fit). */
int dns_hosts_reverse(const char *text, size_t n, const struct net_addr *a, char *name, size_t size);

#endif
