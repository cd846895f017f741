// SOURCES: src/shell/parse.c src/lib/format.c
/* Host tests of the shell's parsing: argument splitting with quotes and
 * escapes, script splitting, numbers, durations, sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <adros/shell.h>

static int split(const char *in, char *buf, size_t bufsz, char **argv, int max, const char **err)
{
    strncpy(buf, in, bufsz - 1);
    buf[bufsz - 1] = '\0';
    return shell_split_args(buf, argv, max, err);
}

static void test_split_plain(void **state)
{
    char buf[256], *argv[8];
    const char *err;
    assert_int_equal(split("  ls   -l\t/mnt  ", buf, sizeof(buf), argv, 8, &err), 3);
    assert_string_equal(argv[0], "ls");
    assert_string_equal(argv[1], "-l");
    assert_string_equal(argv[2], "/mnt");
    assert_null(err);
    assert_int_equal(split("", buf, sizeof(buf), argv, 8, &err), 0);
    assert_int_equal(split("   \t ", buf, sizeof(buf), argv, 8, &err), 0);
    assert_int_equal(split("# a comment", buf, sizeof(buf), argv, 8, &err), 0);
    assert_int_equal(split("echo a#b # c", buf, sizeof(buf), argv, 8, &err), 4);
    assert_string_equal(argv[1], "a#b");
}

static void test_split_quotes(void **state)
{
    char buf[256], *argv[8];
    const char *err;
    assert_int_equal(split("echo \"a b\"  'c  d' e\\ f", buf, sizeof(buf), argv, 8, &err), 4);
    assert_string_equal(argv[1], "a b");
    assert_string_equal(argv[2], "c  d");
    assert_string_equal(argv[3], "e f");
    /* Quotes glue to neighbours; escapes inside double quotes; none in single. */
    assert_int_equal(split("x\"y z\"w \"q\\\"r\" 'p\\q' \"\"", buf, sizeof(buf), argv, 8, &err), 4);
    assert_string_equal(argv[0], "xy zw");
    assert_string_equal(argv[1], "q\"r");
    assert_string_equal(argv[2], "p\\q");
    assert_string_equal(argv[3], "");
}

static void test_split_errors(void **state)
{
    char buf[256], *argv[4];
    const char *err;
    assert_int_equal(split("echo \"open", buf, sizeof(buf), argv, 4, &err), -1);
    assert_string_equal(err, "unterminated quote");
    assert_int_equal(split("echo 'open", buf, sizeof(buf), argv, 4, &err), -1);
    assert_int_equal(split("a b c d", buf, sizeof(buf), argv, 4, &err), 4);
    assert_int_equal(split("a b c d e", buf, sizeof(buf), argv, 4, &err), -1);
    assert_string_equal(err, "too many arguments");
    /* A trailing backslash is kept literally. */
    assert_int_equal(split("a\\", buf, sizeof(buf), argv, 4, &err), 1);
    assert_string_equal(argv[0], "a\\");
}

/* Random bytes: never out of bounds (ASan watches), argc within limits. */
static void test_split_garbage(void **state)
{
    char buf[300], *argv[8];
    const char *err;
    srand(7);
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(rand() % 200);
        char *in = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            in[i] = (char)(1 + rand() % 255);
        in[n] = '\0';
        memcpy(buf, in, n + 1);
        int argc = shell_split_args(buf, argv, 8, &err);
        assert_true(argc >= -1 && argc <= 8);
        for (int i = 0; i < argc; i++)
            assert_true(argv[i] >= buf && argv[i] < buf + n + 1);
        free(in);
    }
}

static void test_next_command(void **state)
{
    char out[32];
    bool trunc;
    const char *s = "echo a; ls '/x;y' ;\nsleep 1;";
    s = shell_next_command(s, out, sizeof(out), &trunc);
    assert_string_equal(out, "echo a");
    s = shell_next_command(s, out, sizeof(out), &trunc);
    assert_string_equal(out, " ls '/x;y' ");
    s = shell_next_command(s, out, sizeof(out), &trunc);
    assert_string_equal(out, "");
    s = shell_next_command(s, out, sizeof(out), &trunc);
    assert_string_equal(out, "sleep 1");
    assert_null(s);
    /* An escaped ';' stays in the command. */
    s = shell_next_command("echo a\\;b;x", out, sizeof(out), &trunc);
    assert_string_equal(out, "echo a\\;b");
    assert_string_equal(s, "x");
    /* Too long: truncated and flagged, and the next command still found. */
    s = shell_next_command("0123456789abcdefghij;next", out, 8, &trunc);
    assert_true(trunc);
    assert_string_equal(out, "0123456");
    assert_string_equal(s, "next");
    assert_null(shell_next_command("", out, sizeof(out), &trunc));
    /* A comment line swallows its ';'; a '#' later in a command does not. */
    s = shell_next_command("  # a; b\necho x # y; z", out, sizeof(out), &trunc);
    assert_string_equal(out, "");
    s = shell_next_command(s, out, sizeof(out), &trunc);
    assert_string_equal(out, "echo x # y");
    assert_string_equal(s, " z");
}

static void test_numbers(void **state)
{
    uint64_t v;
    assert_true(shell_parse_u64("0", &v) && v == 0);
    assert_true(shell_parse_u64("4096", &v) && v == 4096);
    assert_true(shell_parse_u64("0x1F", &v) && v == 31);
    assert_true(shell_parse_u64("4K", &v) && v == 4096);
    assert_true(shell_parse_u64("2m", &v) && v == 2u << 20);
    assert_true(shell_parse_u64("18446744073709551615", &v) && v == UINT64_MAX);
    assert_false(shell_parse_u64("18446744073709551616", &v));
    assert_false(shell_parse_u64("", &v));
    assert_false(shell_parse_u64("0x", &v));
    assert_false(shell_parse_u64("-1", &v));
    assert_false(shell_parse_u64("12z", &v));
    assert_false(shell_parse_u64("4KK", &v));
    assert_false(shell_parse_u64("17179869184G", &v));
}

static void test_seconds(void **state)
{
    uint64_t ns;
    assert_true(shell_parse_seconds("2", &ns) && ns == 2000000000ull);
    assert_true(shell_parse_seconds("0.5", &ns) && ns == 500000000ull);
    assert_true(shell_parse_seconds(".25", &ns) && ns == 250000000ull);
    assert_true(shell_parse_seconds("1.0000000019", &ns) && ns == 1000000001ull);
    assert_false(shell_parse_seconds("", &ns));
    assert_false(shell_parse_seconds(".", &ns));
    assert_false(shell_parse_seconds("-1", &ns));
    assert_false(shell_parse_seconds("1s", &ns));
    assert_false(shell_parse_seconds("99999999999", &ns));
}

static void test_sizes(void **state)
{
    char b[16];
    shell_format_size(0, b, sizeof(b));
    assert_string_equal(b, "0B");
    shell_format_size(1023, b, sizeof(b));
    assert_string_equal(b, "1023B");
    shell_format_size(1536, b, sizeof(b));
    assert_string_equal(b, "1.5K");
    shell_format_size(64ull << 20, b, sizeof(b));
    assert_string_equal(b, "64.0M");
    shell_format_size((3ull << 30) + (900ull << 20), b, sizeof(b));
    assert_string_equal(b, "3.8G");
    shell_format_size(UINT64_MAX, b, sizeof(b));
    assert_string_equal(b, "15.9E");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_plain),   cmocka_unit_test(test_split_quotes),
        cmocka_unit_test(test_split_errors),  cmocka_unit_test(test_split_garbage),
        cmocka_unit_test(test_next_command),  cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_seconds),       cmocka_unit_test(test_sizes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
