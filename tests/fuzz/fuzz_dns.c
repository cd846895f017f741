// SOURCES: src/lib/dns.c src/lib/inet.c src/lib/string.c src/lib/strings.c
/* libFuzzer target: DNS replies and hosts files (src/lib/dns.c).  Any crash
 * or sanitizer report is a bug; a parsed reply never claims more addresses
 * than it holds. */
#include <adros/dns.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_answer a;
    uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
    if (dns_parse_reply(data, size, id, "www.example.test", &a) == 0 && (a.naddr < 0 || a.naddr > DNS_MAX_ADDRS))
        abort();
    struct net_addr h;
    dns_hosts_lookup((const char *)data, size, "www.example.test", &h);
    return 0;
}
