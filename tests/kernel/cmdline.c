/* Command-line parsing: key=value, bare keys, quotes, overrides, and the
 * malformed cases that must be reported and skipped, never fatal. */
#include <adros/cmdline.h>
#include <adros/format.h>
#include <adros/ktest.h>
#include <adros/string.h>

static int warnings;
static void count_warn(void *ctx, const char *what, const char *tok, size_t len) { warnings++; }

static struct cmdline cl;

static void basic(struct ktest *t)
{
    warnings = 0;
    int bad = cmdline_parse(&cl, "a=1 flag  b=two\tc=", count_warn, NULL);
    KT_EXPECT_EQ(t, bad, 0);
    KT_EXPECT_EQ(t, cl.count, 4);
    KT_EXPECT_STREQ(t, cmdline_lookup(&cl, "a"), "1");
    KT_EXPECT_STREQ(t, cmdline_lookup(&cl, "flag"), "");
    KT_EXPECT_STREQ(t, cmdline_lookup(&cl, "b"), "two");
    KT_EXPECT_STREQ(t, cmdline_lookup(&cl, "c"), "");
    KT_EXPECT_NULL(t, cmdline_lookup(&cl, "d"));
}

static void quotes_and_overrides(struct ktest *t)
{
    int bad = cmdline_parse(&cl, "run=\"ls /; cat /x\" k=1 k=2 rump.RUMP_VERBOSE=1", count_warn, NULL);
    KT_EXPECT_EQ(t, bad, 0);
    KT_EXPECT_STREQ(t, cmdline_lookup(&cl, "run"), "ls /; cat /x");
    KT_EXPECT_STREQ(t, cmdline_lookup(&cl, "k"), "2");
    KT_EXPECT_STREQ(t, cmdline_lookup(&cl, "rump.RUMP_VERBOSE"), "1");
    KT_EXPECT_EQ(t, cl.count, 3);
}

static void malformed(struct ktest *t)
{
    warnings = 0;
    int bad = cmdline_parse(&cl, "=x good=1 b@d=2 q=\"open k2=3", count_warn, NULL);
    /* "=x" (empty key), "b@d" (bad char), q="open k2=3 (unterminated) */
    KT_EXPECT_EQ(t, bad, 3);
    KT_EXPECT_EQ(t, warnings, 3);
    KT_EXPECT_STREQ(t, cmdline_lookup(&cl, "good"), "1");
    KT_EXPECT_NULL(t, cmdline_lookup(&cl, "q"));
}

static void too_many_and_too_long(struct ktest *t)
{
    static char big[4000];
    size_t pos = 0;
    for (int i = 0; i < CMDLINE_MAX_OPTS + 10; i++)
        pos += (size_t)ksnprintf(big + pos, sizeof(big) - pos, "o%d=%d ", i, i);
    warnings = 0;
    int bad = cmdline_parse(&cl, big, count_warn, NULL);
    KT_EXPECT_EQ(t, cl.count, CMDLINE_MAX_OPTS);
    KT_EXPECT_EQ(t, bad, 10);
    char longkey[CMDLINE_KEY_MAX + 8];
    memset(longkey, 'k', sizeof(longkey) - 1);
    longkey[sizeof(longkey) - 1] = '\0';
    bad = cmdline_parse(&cl, longkey, count_warn, NULL);
    KT_EXPECT_EQ(t, bad, 1);
    KT_EXPECT_EQ(t, cl.count, 0);
}

static void kernel_options(struct ktest *t)
{
    /* The boot that runs this suite was given ktest=...: it must be visible. */
    KT_EXPECT_TRUE(t, cmdline_has("ktest"));
    KT_EXPECT_EQ(t, cmdline_get_int("no-such-option", 17), 17);
    KT_EXPECT_TRUE(t, cmdline_get_bool("no-such-option", true));
}

KTEST_SUITE(cmdline, KTEST_CASE(basic), KTEST_CASE(quotes_and_overrides), KTEST_CASE(malformed),
            KTEST_CASE(too_many_and_too_long), KTEST_CASE(kernel_options));
