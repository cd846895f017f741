// SOURCES: src/lib/cmdline_parse.c
/* Host tests of the kernel command-line parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <adros/cmdline.h>

static int nwarn;
static char last_warn[128];
static void warn(void *ctx, const char *what, const char *tok, size_t len)
{
    nwarn++;
    snprintf(last_warn, sizeof(last_warn), "%s: %.*s", what, (int)len, tok);
}

static struct cmdline cl;

static void options(void **state)
{
    nwarn = 0;
    assert_int_equal(cmdline_parse(&cl, "  a=1 b  c=x=y d=\"two words\"  ", warn, NULL), 0);
    assert_int_equal(cl.count, 4);
    assert_string_equal(cmdline_lookup(&cl, "a"), "1");
    assert_string_equal(cmdline_lookup(&cl, "b"), "");
    assert_string_equal(cmdline_lookup(&cl, "c"), "x=y");
    assert_string_equal(cmdline_lookup(&cl, "d"), "two words");
    assert_null(cmdline_lookup(&cl, "e"));
    assert_int_equal(nwarn, 0);
}

static void empty_and_null(void **state)
{
    assert_int_equal(cmdline_parse(&cl, "", warn, NULL), 0);
    assert_int_equal(cl.count, 0);
    assert_int_equal(cmdline_parse(&cl, NULL, warn, NULL), 0);
    assert_int_equal(cl.count, 0);
    assert_int_equal(cmdline_parse(&cl, "   \t\n ", warn, NULL), 0);
    assert_int_equal(cl.count, 0);
}

static void malformed(void **state)
{
    nwarn = 0;
    assert_int_equal(cmdline_parse(&cl, "=v", warn, NULL), 1);
    assert_string_equal(last_warn, "empty option name: =v");
    assert_int_equal(cmdline_parse(&cl, "a*b=1 ok=1", warn, NULL), 1);
    assert_string_equal(cmdline_lookup(&cl, "ok"), "1");
    assert_int_equal(cmdline_parse(&cl, "q=\"open", warn, NULL), 1);
    assert_int_equal(cmdline_parse(&cl, "q=\"x\"junk ok=2", warn, NULL), 1);
    assert_string_equal(cmdline_lookup(&cl, "ok"), "2");
    assert_int_equal(cl.count, 1);
    /* Fuzz-ish: every byte value in a key, never a crash. */
    char s[4];
    for (int c = 1; c < 256; c++) {
        s[0] = 'k';
        s[1] = (char)c;
        s[2] = '\0';
        cmdline_parse(&cl, s, NULL, NULL);
        assert_true(cl.count <= 1);
    }
}

static void limits(void **state)
{
    static char big[20000];
    size_t pos = 0;
    for (int i = 0; i < 100; i++)
        pos += (size_t)snprintf(big + pos, sizeof(big) - pos, "k%d=%d ", i, i);
    nwarn = 0;
    assert_int_equal(cmdline_parse(&cl, big, warn, NULL), 100 - CMDLINE_MAX_OPTS);
    assert_int_equal(cl.count, CMDLINE_MAX_OPTS);
    /* Values that do not fit the store are refused, not overflowed. */
    memset(big, 'v', sizeof(big));
    memcpy(big, "k=", 2);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(cmdline_parse(&cl, big, warn, NULL), 1);
    assert_int_equal(cl.count, 0);
    /* Overriding an existing key at the limit still works. */
    pos = 0;
    for (int i = 0; i < CMDLINE_MAX_OPTS; i++)
        pos += (size_t)snprintf(big + pos, sizeof(big) - pos, "k%d=%d ", i, i);
    snprintf(big + pos, sizeof(big) - pos, "k0=last");
    assert_int_equal(cmdline_parse(&cl, big, warn, NULL), 0);
    assert_string_equal(cmdline_lookup(&cl, "k0"), "last");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options),
        cmocka_unit_test(empty_and_null),
        cmocka_unit_test(malformed),
        cmocka_unit_test(limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
