// SOURCES: src/lib/inet.c
/* libFuzzer target: address parsing and formatting (src/lib/inet.c).  Any
 * crash or sanitizer report is a bug; every address that parses must format
 * to text that parses back to the same address. */
#include <adros/net.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    struct net_addr a, b;
    int prefix;
    if (net_parse_addr(s, &a) == 0) {
        char text[NET_ADDRSTRLEN];
        net_format_addr(&a, text, sizeof(text));
        if (net_parse_addr(text, &b) != 0 || !net_addr_equal(&a, &b) || a.scope != b.scope)
            abort();
    }
    if (net_parse_cidr(s, &a, &prefix) == 0 && (prefix < 0 || prefix > 128))
        abort();
    char small[5];
    if (net_parse_addr(s, &a) == 0) {
        net_format_addr(&a, small, sizeof(small));
        if (strnlen(small, sizeof(small)) == sizeof(small))
            abort();
    }
    free(s);
    return 0;
}
