/* Network addresses for AdrOS code, portable (src/lib/inet.c, host-tested
 * and fuzzed): the address type of the socket interface (<adros/net.h>),
 * parsing and formatting. */
#ifndef ADROS_INET_H
#define ADROS_INET_H

#include <adros/types.h>

enum { NET_AF_INET = 2, NET_AF_INET6 = 24 };
enum { NET_SOCK_STREAM = 1, NET_SOCK_DGRAM = 2, NET_SOCK_RAW = 3 };
enum { NET_PROTO_ICMP = 1, NET_PROTO_TCP = 6, NET_PROTO_UDP = 17, NET_PROTO_ICMPV6 = 58 };

/* An address and port.  addr holds 4 bytes (IPv4) or 16 (IPv6) in network
 * order; port is in host order (0: none). */
struct net_addr {
    uint8_t family;
    uint16_t port;
    uint8_t addr[16];
    uint32_t scope; /* IPv6 scope (interface index) */
};

/* "10.0.2.2", "10.0.2.2:80", "::1", "[fe80::1%1]:80".  0 or -EINVAL. */
int net_parse_addr(const char *s, struct net_addr *a);
/* "a.b.c.d/len" -> address and prefix length (0..32 / 0..128). */
int net_parse_cidr(const char *s, struct net_addr *a, int *prefix);
/* The address, with ":port" (IPv4) or "[..]:port" (IPv6) when port != 0.
 * Returns buf. */
char *net_format_addr(const struct net_addr *a, char *buf, size_t n);
#define NET_ADDRSTRLEN 64
bool net_addr_equal(const struct net_addr *a, const struct net_addr *b);

#endif
