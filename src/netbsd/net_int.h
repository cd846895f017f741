/* Private to the network service (src/netbsd/net*.c). */
#ifndef ADROS_NET_INT_H
#define ADROS_NET_INT_H

#include <adros/net.h>

static inline uint16_t htons(uint16_t v) { return (uint16_t)(v << 8 | v >> 8); }
static inline uint16_t ntohs(uint16_t v) { return htons(v); }

/* NetBSD sockaddr <-> net_addr; to_ returns the sockaddr's length (sa must
 * hold a sockaddr_in6). */
uint32_t net__to_sockaddr(const struct net_addr *a, void *sa);
bool net__from_sockaddr(const void *sa, struct net_addr *a);
/* Raw system calls, -errno on failure. */
int net__sysctl(const int *mib, unsigned n, void *old, size_t *oldlen, const void *new, size_t newlen);
int net__ioctl(int s, unsigned long cmd, void *arg);
ssize_t net__write(int s, const void *buf, size_t n);
int net__socket_route(void);

#endif
