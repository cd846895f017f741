// SOURCES: src/lib/dns.c src/lib/inet.c src/lib/string.c src/lib/strings.c
/* Host tests of DNS messages and hosts files (src/lib/dns.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <adros/dns.h>
#include <adros/errno.h>
#include <adros/string.h>
#include <stdlib.h>

static void test_names(void **st)
{
    assert_true(dns_name_ok("example.test"));
    assert_true(dns_name_ok("a."));
    assert_true(dns_name_ok("x-y_z.q1"));
    assert_true(dns_name_ok("9.example.test"));
    const char *bad[] = { "", ".", "a..b", ".a", "a b", "a/b", "a.b..", "10.0.2.2:80", "10.0.2", "1.2.3.4.5", "a.9" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(dns_name_ok(bad[i]));
    char l[70];
    memset(l, 'a', 64);
    l[64] = '\0';
    assert_false(dns_name_ok(l)); /* a 64-byte label */
    l[63] = '\0';
    assert_true(dns_name_ok(l));
}

static void test_query(void **st)
{
    uint8_t q[DNS_QUERY_MAX];
    int n = dns_build_query(0x1234, "www.Example.test.", q, sizeof(q));
    static const uint8_t want[] = { 0x12, 0x34, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 7, 'E', 'x',
                                    'a', 'm', 'p', 'l', 'e', 4, 't', 'e', 's', 't', 0, 0, 1, 0, 1 };
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(q, want, sizeof(want));
    assert_int_equal(dns_build_query(1, "a..b", q, sizeof(q)), -EINVAL);
    assert_int_equal(dns_build_query(1, "abc", q, 10), -ENOSPC);
}

/* A reply to the query in q (n bytes): header flags, then records. */
static size_t reply(uint8_t *m, const uint8_t *q, int n, uint8_t flags2, uint8_t rcode, int an, const uint8_t *rr,
                    size_t rrlen)
{
    memcpy(m, q, (size_t)n);
    m[2] = (uint8_t)(0x80 | 0x01 | flags2);
    m[3] = (uint8_t)(0x80 | rcode);
    m[7] = (uint8_t)an;
    if (rrlen)
        memcpy(m + n, rr, rrlen);
    return (size_t)n + rrlen;
}

static void test_answers(void **st)
{
    uint8_t q[DNS_QUERY_MAX], m[512];
    int n = dns_build_query(7, "www.example.test", q, sizeof(q));
    /* www -> CNAME web (pointer into the question) -> A 192.0.2.7, A 192.0.2.8;
     * then an A record of another name, not taken. */
    static const uint8_t rr[] = {
        0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6, 3, 'w', 'e', 'b', 0xc0, 16,          /* CNAME web.example.test */
        3, 'w', 'e', 'b', 0xc0, 16, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 7,       /* A */
        0xc0, 46, 0, 1, 0, 1, 0, 0, 0, 90, 0, 4, 192, 0, 2, 8,                         /* A, name by pointer */
        5, 'o', 't', 'h', 'e', 'r', 0, 0, 1, 0, 1, 0, 0, 0, 9, 0, 4, 6, 6, 6, 6,       /* someone else */
    };
    size_t len = reply(m, q, n, 0, 0, 4, rr, sizeof(rr));
    struct dns_answer a;
    assert_int_equal(dns_parse_reply(m, len, 7, "WWW.example.test.", &a), 0);
    assert_int_equal(a.rcode, DNS_NOERROR);
    assert_false(a.truncated);
    assert_int_equal(a.naddr, 2);
    assert_memory_equal(a.addr[0], "\xc0\x00\x02\x07", 4);
    assert_memory_equal(a.addr[1], "\xc0\x00\x02\x08", 4);
    assert_int_equal(a.ttl, 30);
    /* Another id, another name, a query not a reply: refused. */
    assert_int_equal(dns_parse_reply(m, len, 8, "www.example.test", &a), -EINVAL);
    assert_int_equal(dns_parse_reply(m, len, 7, "ww.example.test", &a), -EINVAL);
    assert_int_equal(dns_parse_reply(q, (size_t)n, 7, "www.example.test", &a), -EINVAL);
    /* Every truncation of the message is refused or parsed, never overread
     * (ASan watches). */
    for (size_t k = 0; k < len; k++) {
        uint8_t *c = malloc(k ? k : 1);
        memcpy(c, m, k);
        dns_parse_reply(c, k, 7, "www.example.test", &a);
        free(c);
    }
}

static void test_nxdomain_tc_loop(void **st)
{
    uint8_t q[DNS_QUERY_MAX], m[512];
    int n = dns_build_query(9, "nope.test", q, sizeof(q));
    struct dns_answer a;
    size_t len = reply(m, q, n, 0, DNS_NXDOMAIN, 0, NULL, 0);
    assert_int_equal(dns_parse_reply(m, len, 9, "nope.test", &a), 0);
    assert_int_equal(a.rcode, DNS_NXDOMAIN);
    assert_int_equal(a.naddr, 0);
    len = reply(m, q, n, 0x02, 0, 0, NULL, 0);
    assert_int_equal(dns_parse_reply(m, len, 9, "nope.test", &a), 0);
    assert_true(a.truncated);
    /* A pointer to itself: refused, no endless loop. */
    static const uint8_t loop[] = { 0xc0, 34, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 1, 2, 3, 4 };
    len = reply(m, q, n, 0, 0, 1, loop, sizeof(loop));
    assert_int_equal(n, 27);
    m[27] = 0xc0;
    m[28] = 27;
    assert_int_equal(dns_parse_reply(m, len, 9, "nope.test", &a), -EINVAL);
}

static void test_hosts(void **st)
{
    const char *h = "# static names\n127.0.0.1 localhost\n\n10.0.2.2\tgateway gw  # the router\n"
                    "::1 localhost6\n192.0.2.9 Files.Example.test files\n  #10.9.9.9 commented\nbad-line\n";
    struct net_addr a = { 0 };
    size_t n = strlen(h);
    assert_int_equal(dns_hosts_lookup(h, n, "gw", &a), 0);
    assert_memory_equal(a.addr, "\x0a\x00\x02\x02", 4);
    assert_int_equal(dns_hosts_lookup(h, n, "files.example.TEST", &a), 0);
    assert_memory_equal(a.addr, "\xc0\x00\x02\x09", 4);
    assert_int_equal(dns_hosts_lookup(h, n, "localhost6", &a), 0);
    assert_int_equal(a.family, NET_AF_INET6);
    assert_int_equal(dns_hosts_lookup(h, n, "commented", &a), -ENOENT);
    assert_int_equal(dns_hosts_lookup(h, n, "the", &a), -ENOENT);
    assert_int_equal(dns_hosts_lookup(h, n, "bad-line", &a), -ENOENT);
    assert_int_equal(dns_hosts_lookup(h, 20, "gateway", &a), -ENOENT); /* beyond n */
}

static void test_hosts_reverse(void **st)
{
    const char *h = "127.0.0.1 localhost\n#10.0.2.9 commented\n10.0.2.2\tgateway gw  # the router\n"
                    "::1 localhost6\n10.0.2.2 second-line\n";
    size_t n = strlen(h);
    struct net_addr a = { 0 };
    char name[16];
    assert_int_equal(net_parse_addr("10.0.2.2:80", &a), 0); /* the port does not matter */
    assert_int_equal(dns_hosts_reverse(h, n, &a, name, sizeof(name)), 0);
    assert_string_equal(name, "gateway");
    assert_int_equal(net_parse_addr("::1", &a), 0);
    assert_int_equal(dns_hosts_reverse(h, n, &a, name, sizeof(name)), 0);
    assert_string_equal(name, "localhost6");
    assert_int_equal(net_parse_addr("10.0.2.9", &a), 0);
    assert_int_equal(dns_hosts_reverse(h, n, &a, name, sizeof(name)), -ENOENT);
    assert_int_equal(net_parse_addr("127.0.0.1", &a), 0);
    assert_int_equal(dns_hosts_reverse(h, n, &a, name, 9), -ENOENT); /* "localhost" does not fit */
    assert_int_equal(dns_hosts_reverse(h, n, &a, name, 10), 0);
    assert_string_equal(name, "localhost");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),         cmocka_unit_test(test_query), cmocka_unit_test(test_answers),
        cmocka_unit_test(test_nxdomain_tc_loop), cmocka_unit_test(test_hosts), cmocka_unit_test(test_hosts_reverse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
