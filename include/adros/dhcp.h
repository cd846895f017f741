/* DHCPv4 client messages (RFC 2131, options RFC 2132) as whole Ethernet
 * frames: the client's DISCOVER and REQUEST with their IPv4 and UDP
 * headers and checksums (and DECLINE, for an address found in use), and
 * a server's OFFER, ACK or NAK taken apart.
 *
 * Portable (src/lib/dhcp.c), host-tested in tests/host/test_dhcp.c; the
 * kernel's client (src/netbsd/dhcp.c) sends and receives the frames.  The
 * parser takes any bytes: what a broken or hostile server sends is either
 * a well-formed reply for this client or refused with an error, and never
 * read outside the buffer.  Addresses are 4 bytes in network order;
 * 0.0.0.0 means "none". */
#ifndef ADROS_DHCP_H
#define ADROS_DHCP_H

#include <adros/types.h>

#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67
#define DHCP_FRAME_MAX 600           /* room for any frame dhcp_build makes */
#define DHCP_INFINITE 0xffffffffu    /* a lease that never ends */
#define DHCP_MIN_LEASE 10            /* shorter leases are taken as this (s) */
#define DHCP_MAX_DNS 3
#define DHCP_HOSTNAME_MAX 63

enum dhcp_type {
    DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE, DHCP_ACK, DHCP_NAK, DHCP_RELEASE, DHCP_INFORM
};

/* What the client sends. */
struct dhcp_request {
    uint8_t type;            /* DHCP_DISCOVER, DHCP_REQUEST or DHCP_DECLINE */
    uint32_t xid;
    uint16_t secs;           /* seconds since the exchange began */
    uint8_t mac[6];          /* ours: the Ethernet source and chaddr */
    uint8_t ciaddr[4];       /* renewing or rebinding: our address, also the IP source */
    uint8_t requested[4];    /* option 50 (after an OFFER; a DECLINE's address) */
    uint8_t server_id[4];    /* option 54 (after an OFFER, and in a DECLINE) */
    uint8_t dst_mac[6];      /* ff:ff:ff:ff:ff:ff, or the server's when renewing */
    uint8_t dst_ip[4];       /* 255.255.255.255, or the server's when renewing */
    const char *hostname;    /* option 12 (at most DHCP_HOSTNAME_MAX), NULL: none; not
                                in a DECLINE */
};

/* What a server's reply says, checked and normalised. */
struct dhcp_reply {
    uint8_t type;            /* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
    uint32_t xid;
    uint8_t yiaddr[4];       /* OFFER/ACK: a usable unicast address */
    uint8_t server_id[4];    /* option 54; else the IP source */
    uint8_t server_mac[6];   /* the frame's Ethernet source */
    int prefix;              /* the subnet mask's (option 1); the address class's when
                                the mask is absent or not contiguous */
    uint8_t router[4];       /* the first router (option 3) inside the subnet */
    uint8_t dns[DHCP_MAX_DNS][4];
    int ndns;
    uint32_t lease, t1, t2;  /* seconds: T1 < T2 < lease, or all DHCP_INFINITE */
    char message[64];        /* option 56 (a NAK's reason), "" if none */
};

/* Builds the frame for rq into frame[size].  Returns its length, -EINVAL
 * (bad type or host name) or -ENOSPC. */
int dhcp_build(const struct dhcp_request *rq, uint8_t *frame, size_t size);

/* Takes apart a received Ethernet frame.  0: a well-formed OFFER, ACK or
 * NAK for this client (chaddr == mac) and exchange (xid) in *out;
 * -ESRCH: well-formed, but for another client or exchange; -EBADMSG: an
 * IP or UDP checksum is wrong; -EINVAL: anything else (not IPv4/UDP from
 * port 67 to 68, fragments, bad lengths, malformed or missing options, an
 * unusable address). */
int dhcp_parse(const uint8_t *frame, size_t len, const uint8_t mac[6], uint32_t xid, struct dhcp_reply *out);

/* The BOOTP message alone (the UDP payload): the same checks but xid and
 * chaddr, which are left in out->xid and chaddr[6]; server_id stays 0.0.0.0
 * when option 54 is absent.  0 or -EINVAL. */
int dhcp_parse_bootp(const uint8_t *msg, size_t len, struct dhcp_reply *out, uint8_t chaddr[6]);

/* The Internet checksum (RFC 1071): dhcp_sum accumulates 16-bit words
 * (only the last piece may have an odd length), dhcp_sum_fold returns the
 * one's complement of the folded sum (0 when a packet with its checksum
 * field included is intact). */
uint32_t dhcp_sum(const void *data, size_t len, uint32_t acc);
uint16_t dhcp_sum_fold(uint32_t acc);

/* The prefix length of a contiguous netmask, -1 if it is not contiguous. */
int dhcp_mask_prefix(const uint8_t mask[4]);

#endif
