// SOURCES: src/lib/inet.c src/lib/string.c
/* Host tests of address parsing and formatting (src/lib/inet.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>


#include <adros/errno.h>
#include <adros/net.h>

static const char *roundtrip(const char *in)
{
    static char out[NET_ADDRSTRLEN];
    struct net_addr a;
    if (net_parse_addr(in, &a) != 0)
        return "(error)";
    return net_format_addr(&a, out, sizeof(out));
}

static void test_v4(void **st)
{
    struct net_addr a;
    assert_int_equal(net_parse_addr("10.0.2.15", &a), 0);
    assert_int_equal(a.family, NET_AF_INET);
    assert_memory_equal(a.addr, "\x0a\x00\x02\x0f", 4);
    assert_int_equal(a.port, 0);
    assert_string_equal(roundtrip("10.0.2.15"), "10.0.2.15");
    assert_string_equal(roundtrip("255.255.255.255:65535"), "255.255.255.255:65535");
    assert_int_equal(net_parse_addr("127.0.0.1:8080", &a), 0);
    assert_int_equal(a.port, 8080);
}

static void test_v4_bad(void **st)
{
    struct net_addr a;
    const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4:", "1.2.3.4:0",
                          "1.2.3.4:65536", "1.2.3.4:80x", " 1.2.3.4", "1.2.3.-4", "a.b.c.d",
                          "1.2.3.4:80:80", "99999999999.1.1.1" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(net_parse_addr(bad[i], &a), -EINVAL);
}

static void test_v6(void **st)
{
    assert_string_equal(roundtrip("::"), "::");
    assert_string_equal(roundtrip("::1"), "::1");
    assert_string_equal(roundtrip("fe80::5054:ff:fe12:3456"), "fe80::5054:ff:fe12:3456");
    assert_string_equal(roundtrip("2001:DB8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
    assert_string_equal(roundtrip("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
    assert_string_equal(roundtrip("::ffff:10.0.2.2"), "::ffff:a00:202");
    assert_string_equal(roundtrip("[fe80::1%2]:80"), "[fe80::1%2]:80");
    assert_string_equal(roundtrip("1::"), "1::");
}

static void test_v6_bad(void **st)
{
    struct net_addr a;
    const char *bad[] = { ":", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "1:2:3:4:5:6:7",
                          "fe80::1%", "fe80::1%x", "[::1]", "[::1]:", "[1.2.3.4]:80", "1:", ":1",
                          "::1:2:3:4:5:6:7:8", "g::1" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int r = net_parse_addr(bad[i], &a);
        if (r != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

static void test_cidr(void **st)
{
    struct net_addr a;
    int p;
    assert_int_equal(net_parse_cidr("10.0.2.15/24", &a, &p), 0);
    assert_int_equal(p, 24);
    assert_int_equal(net_parse_cidr("fe80::1/64", &a, &p), 0);
    assert_int_equal(p, 64);
    assert_int_equal(net_parse_cidr("10.0.2.15/33", &a, &p), -EINVAL);
    assert_int_equal(net_parse_cidr("10.0.2.15", &a, &p), -EINVAL);
    assert_int_equal(net_parse_cidr("10.0.2.15/", &a, &p), -EINVAL);
}

static void test_format_small_buffer(void **st)
{
    struct net_addr a;
    char buf[6];
    assert_int_equal(net_parse_addr("192.168.100.200:1234", &a), 0);
    net_format_addr(&a, buf, sizeof(buf));
    assert_string_equal(buf, "192.1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4), cmocka_unit_test(test_v4_bad), cmocka_unit_test(test_v6),
        cmocka_unit_test(test_v6_bad), cmocka_unit_test(test_cidr), cmocka_unit_test(test_format_small_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
