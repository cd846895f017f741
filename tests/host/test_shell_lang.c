// SOURCES: src/shell/cmdlang.c
/* Host tests of the shell's command language (src/shell/cmdlang.c): lines
 * into pipelines with ; && || &, pipelines into commands with quoting,
 * redirections, variables, '~' and globs against a fake directory tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/shell/cmdlang.h"

/* --- a fake tree and variables --- */
static const struct {
    const char *dir, *name;
    bool is_dir;
} tree[] = {
    { ".", "a.c", false },     { ".", "b.c", false },      { ".", "b.h", false },
    { ".", ".hidden.c", false }, { ".", "sub", true },     { ".", "x1", false },
    { ".", "x2", false },      { ".", "xa", false },       { "sub", "one.c", false },
    { "sub", "two.txt", false }, { "sub", "deep", true },  { "sub/deep", "z.c", false },
    { "/", "mnt", true },      { "/", "dev", true },       { "/mnt", "README", false },
    { "/mnt", "data", true },  { "/mnt/data", "f.c", false }, { ".", "star*", false },
};

static int listed;

static int fake_list(void *ctx, const char *dir, sh_each_fn each, void *arg)
{
    listed++;
    /* Entries in a scrambled order: results must come out sorted. */
    for (size_t i = sizeof(tree) / sizeof(tree[0]); i-- > 0;)
        if (strcmp(tree[i].dir, dir) == 0 && each(arg, tree[i].name, tree[i].is_dir))
            break;
    return 0;
}

static const char *fake_var(void *ctx, const char *name)
{
    if (strcmp(name, "?") == 0)
        return "3";
    if (strcmp(name, "HOME") == 0)
        return "/home";
    if (strcmp(name, "SP") == 0)
        return "a b*";
    return NULL;
}

static const struct sh_env env = { fake_var, fake_list, NULL };
static struct sh_pipeline pl;

static struct sh_pipeline *parse(const char *src)
{
    const char *err = "unset";
    int r = sh_parse_pipeline(src, &env, &pl, &err);
    if (r != 0)
        fail_msg("parse of \"%s\" failed: %s", src, err);
    assert_null(err);
    return &pl;
}

static const char *parse_err(const char *src)
{
    const char *err = NULL;
    assert_int_equal(sh_parse_pipeline(src, &env, &pl, &err), -1);
    assert_non_null(err);
    return err;
}

static void expect_argv(const struct sh_cmd *c, const char *const *want)
{
    int n = 0;
    while (want[n])
        n++;
    assert_int_equal(c->argc, n);
    for (int i = 0; i < n; i++)
        assert_string_equal(c->argv[i], want[i]);
    assert_null(c->argv[n]);
}
#define ARGV(c, ...) expect_argv((c), (const char *const[]){ __VA_ARGS__, NULL })

/* --- lines into pipelines --- */
struct piece {
    char text[64];
    enum sh_op op;
};

static int split_line(const char *line, struct piece *out, int max, const char **err)
{
    int n = 0;
    const char *s = line;
    do {
        assert_true(n < max);
        s = sh_next_pipeline(s, out[n].text, sizeof(out[n].text), &out[n].op, err);
        if (*err)
            return -1;
        n++;
    } while (s);
    return n;
}

static void test_operators(void **state)
{
    struct piece p[8];
    const char *err;
    assert_int_equal(split_line("a; b && c || d & e", p, 8, &err), 5);
    assert_string_equal(p[0].text, "a");
    assert_int_equal(p[0].op, SH_OP_SEQ);
    assert_string_equal(p[1].text, " b ");
    assert_int_equal(p[1].op, SH_OP_AND);
    assert_string_equal(p[2].text, " c ");
    assert_int_equal(p[2].op, SH_OP_OR);
    assert_string_equal(p[3].text, " d ");
    assert_int_equal(p[3].op, SH_OP_BG);
    assert_string_equal(p[4].text, " e");
    assert_int_equal(p[4].op, SH_OP_END);
    /* Quotes, escapes, pipes and 2>&1 are not operators. */
    assert_int_equal(split_line("echo 'a;b' \"c&&d\" e\\;f | x 2>&1 >>g", p, 8, &err), 1);
    assert_string_equal(p[0].text, "echo 'a;b' \"c&&d\" e\\;f | x 2>&1 >>g");
    /* Comments end the line; a '#' inside a word does not. */
    assert_int_equal(split_line("echo a#b # c; d", p, 8, &err), 1);
    assert_string_equal(p[0].text, "echo a#b ");
    assert_int_equal(split_line("sleep 1 &", p, 8, &err), 2);
    assert_int_equal(p[0].op, SH_OP_BG);
    assert_string_equal(p[1].text, "");
    assert_int_equal(split_line("", p, 8, &err), 1);
    assert_int_equal(p[0].op, SH_OP_END);
}

static void test_operator_errors(void **state)
{
    struct piece p[8];
    const char *err;
    assert_int_equal(split_line("&& a", p, 8, &err), -1);
    assert_string_equal(err, "syntax error: nothing before '&&'");
    assert_int_equal(split_line("a ||", p, 8, &err), -1);
    assert_string_equal(err, "syntax error: nothing after '||'");
    assert_int_equal(split_line("a && ;", p, 8, &err), -1);
    assert_int_equal(split_line(" & a", p, 8, &err), -1);
    assert_int_equal(split_line("echo \"open; x", p, 8, &err), -1);
    assert_string_equal(err, "unterminated quote");
    char small[8];
    enum sh_op op;
    assert_null(sh_next_pipeline("0123456789", small, sizeof(small), &op, &err));
    assert_string_equal(err, "command too long");
}

/* --- words, quoting, redirections --- */
static void test_words(void **state)
{
    struct sh_pipeline *p = parse("  echo \"a b\"  'c  $HOME' e\\ f x\"y\"z \"\" ");
    assert_int_equal(p->ncmds, 1);
    ARGV(&p->cmd[0], "echo", "a b", "c  $HOME", "e f", "xyz", "");
    p = parse("echo \"q\\\"r\" 'p\\q' \"\\$HOME\" a\\");
    ARGV(&p->cmd[0], "echo", "q\"r", "p\\q", "$HOME", "a\\");
    p = parse("   ");
    assert_int_equal(p->ncmds, 0);
}

static void test_pipes_and_redirections(void **state)
{
    struct sh_pipeline *p = parse("cat < in.txt | grep -v x 2>&1|sort -n > out >> app");
    assert_int_equal(p->ncmds, 3);
    ARGV(&p->cmd[0], "cat");
    assert_string_equal(p->cmd[0].in, "in.txt");
    assert_null(p->cmd[0].out);
    ARGV(&p->cmd[1], "grep", "-v", "x");
    assert_true(p->cmd[1].err_to_out);
    ARGV(&p->cmd[2], "sort", "-n");
    assert_string_equal(p->cmd[2].out, "app"); /* the last one wins */
    assert_true(p->cmd[2].append);
    p = parse("ls>o 2>e");
    ARGV(&p->cmd[0], "ls");
    assert_string_equal(p->cmd[0].out, "o");
    assert_false(p->cmd[0].append);
    assert_string_equal(p->cmd[0].err, "e");
    /* Quoted operators are words; 2 alone is a word. */
    p = parse("echo '|' \">\" 2 x2>y");
    ARGV(&p->cmd[0], "echo", "|", ">", "2", "x2");
    assert_string_equal(p->cmd[0].out, "y");
}

static void test_syntax_errors(void **state)
{
    assert_string_equal(parse_err("| a"), "syntax error: empty command in a pipeline");
    assert_string_equal(parse_err("a |"), "syntax error: empty command in a pipeline");
    assert_string_equal(parse_err("a | | b"), "syntax error: empty command in a pipeline");
    assert_string_equal(parse_err("cat >"), "missing file name after a redirection");
    assert_string_equal(parse_err("cat < | x"), "missing file name after a redirection");
    assert_string_equal(parse_err("cat >&2"), "unsupported redirection (only 2>&1)");
    assert_string_equal(parse_err("echo 'x"), "unterminated quote");
    assert_string_equal(parse_err("> f"), "redirection without a command");
    assert_string_equal(parse_err("a|b|c|d|e|f|g|h|i"), "too many commands in a pipeline");
    assert_string_equal(parse_err("echo ${HOME"), "bad ${...}");
    assert_string_equal(parse_err("cat > $NOPE"), "empty file name after a redirection");
}

/* --- expansion --- */
static void test_variables(void **state)
{
    struct sh_pipeline *p = parse("echo $HOME ${HOME}x \"$HOME/y\" '$HOME' $? $NOPE \"$NOPE\" $ a$ $1");
    ARGV(&p->cmd[0], "echo", "/home", "/homex", "/home/y", "$HOME", "3", "", "$", "a$", "$1");
    /* A value's spaces and globs are not split or expanded. */
    p = parse("echo $SP");
    ARGV(&p->cmd[0], "echo", "a b*");
    p = parse("A=1 B=\"x y\" C=$HOME");
    assert_int_equal(p->cmd[0].nassign, 3);
    assert_int_equal(p->cmd[0].argc, 0);
    assert_string_equal(p->cmd[0].assign[0], "A=1");
    assert_string_equal(p->cmd[0].assign[1], "B=x y");
    assert_string_equal(p->cmd[0].assign[2], "C=/home");
    /* Only leading words are assignments; globs in them are not expanded. */
    p = parse("X=*.c echo Y=2");
    assert_int_equal(p->cmd[0].nassign, 1);
    assert_string_equal(p->cmd[0].assign[0], "X=*.c");
    ARGV(&p->cmd[0], "echo", "Y=2");
    p = parse("echo ~ ~/mnt a~ '~'");
    ARGV(&p->cmd[0], "echo", "/", "/mnt", "a~", "~");
}

static void test_globs(void **state)
{
    struct sh_pipeline *p = parse("ls *.c");
    ARGV(&p->cmd[0], "ls", "a.c", "b.c"); /* sorted, no hidden file */
    p = parse("ls b.? x[12] x[!1] x[a-z] .*.c");
    ARGV(&p->cmd[0], "ls", "b.c", "b.h", "x1", "x2", "x2", "xa", "xa", ".hidden.c");
    p = parse("ls sub/*.c */deep/* /mnt/*/*.c /m*/README");
    ARGV(&p->cmd[0], "ls", "sub/one.c", "sub/deep/z.c", "/mnt/data/f.c", "/mnt/README");
    p = parse("ls */ /*/");
    ARGV(&p->cmd[0], "ls", "sub/", "/dev/", "/mnt/");
    /* Nothing matches: the word stays; quoted or escaped globs are literal. */
    p = parse("ls *.zz \"*.c\" \\*.c star\\* 'star'*");
    ARGV(&p->cmd[0], "ls", "*.zz", "*.c", "*.c", "star*", "star*");
    /* Redirection targets are not globbed. */
    listed = 0;
    p = parse("echo x > *.c");
    assert_string_equal(p->cmd[0].out, "*.c");
    assert_int_equal(listed, 0);
}

static void test_match(void **state)
{
    assert_true(sh_glob_match("*", "abc"));
    assert_true(sh_glob_match("a*c", "abbbc"));
    assert_true(sh_glob_match("a*b*c", "aXbYbZc"));
    assert_false(sh_glob_match("a*b*c", "aXbYbZ"));
    assert_true(sh_glob_match("[]x]", "]"));
    assert_true(sh_glob_match("[a-c][!a-c]", "bz"));
    assert_false(sh_glob_match("[a-c][!a-c]", "bb"));
    assert_true(sh_glob_match("[ab", "[ab")); /* no closing ']' */
    bool hit = false;
    assert_int_equal(sh_bracket("[a-cX]rest", 'B', true, &hit), 6);
    assert_true(hit);
    assert_int_equal(sh_bracket("[a-cX]", 'B', false, &hit), 6);
    assert_false(hit);
    assert_int_equal(sh_bracket("[^x]", 'X', true, &hit), 4);
    assert_false(hit);
    assert_int_equal(sh_bracket("[abc", 'a', false, &hit), 0);
    assert_false(sh_glob_match("*", ".x"));
    assert_true(sh_glob_match(".*", ".x"));
    assert_true(sh_glob_match("\\*", "*"));
    assert_false(sh_glob_match("\\*", "a"));
    assert_true(sh_glob_match("", ""));
    assert_false(sh_glob_match("?", ""));
}

/* Too many matches or too much text: refused, never overflowing. */
static int many_list(void *ctx, const char *dir, sh_each_fn each, void *arg)
{
    char name[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "file-with-a-longish-name-%04d", i);
        if (each(arg, name, false))
            return 0;
    }
    return 0;
}

static void test_limits(void **state)
{
    struct sh_env e = { fake_var, many_list, NULL };
    const char *err = NULL;
    assert_int_equal(sh_parse_pipeline("ls *", &e, &pl, &err), -1);
    assert_non_null(err);
    assert_int_equal(sh_parse_pipeline("ls *-00[0-4]?", &e, &pl, &err), 0);
    assert_int_equal(pl.cmd[0].argc, 51);
    assert_string_equal(pl.cmd[0].argv[50], "file-with-a-longish-name-0049");
}

static void test_paths(void **state)
{
    char out[32];
    static const struct {
        const char *cwd, *path, *want;
    } cases[] = {
        { "/", "a", "/a" },           { "/mnt/docs", "..", "/mnt" },    { "/mnt/docs", "../x/./y", "/mnt/x/y" },
        { "/mnt", "/abs//p/", "/abs/p" }, { "/", "..", "/" },            { "/a/b", "../../..", "/" },
        { "/a", ".", "/a" },          { "/a", "b/../../c", "/c" },      { "//x//", "y", "/x/y" },
        { "/a", "", "/a" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(sh_path_join(cases[i].cwd, cases[i].path, out, sizeof(out)), 0);
        assert_string_equal(out, cases[i].want);
    }
    assert_int_equal(sh_path_join("/", "0123456789012345678901234567890123", out, sizeof(out)), -63); /* -ENAMETOOLONG */
    assert_int_equal(sh_path_join("/0123456789/0123456789", "0123456789", out, sizeof(out)), -63); /* -ENAMETOOLONG */
    assert_int_equal(sh_path_join("/0123456789/0123456789", "../0123456789", out, sizeof(out)), 0);
    assert_string_equal(out, "/0123456789/0123456789");
}

/* Random lines: never out of bounds (ASan), results within the limits. */
static void test_garbage(void **state)
{
    static const char alphabet[] = "ab*?[]!-/\\\"'$?{}~|<>&;#2 1=\t.cx";
    srand(11);
    for (int round = 0; round < 20000; round++) {
        char line[120];
        size_t n = (size_t)(rand() % (int)sizeof(line));
        for (size_t i = 0; i < n; i++)
            line[i] = rand() % 8 ? alphabet[rand() % (sizeof(alphabet) - 1)] : (char)(1 + rand() % 255);
        line[n] = '\0';
        char out[128];
        enum sh_op op;
        const char *err, *s = line;
        for (int guard = 0; s && guard < 200; guard++) {
            const char *next = sh_next_pipeline(s, out, sizeof(out), &op, &err);
            if (err)
                break;
            assert_true(!next || next > s);
            if (sh_parse_pipeline(out, &env, &pl, &err) == 0) {
                assert_true(pl.ncmds >= 0 && pl.ncmds <= SH_PIPE_MAX);
                assert_true(pl.used <= SH_STORE);
                for (int c = 0; c < pl.ncmds; c++)
                    for (int i = 0; i < pl.cmd[c].argc; i++)
                        assert_true(pl.cmd[c].argv[i] >= pl.store && pl.cmd[c].argv[i] < pl.store + pl.used);
            }
            s = next;
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators),  cmocka_unit_test(test_operator_errors),
        cmocka_unit_test(test_words),      cmocka_unit_test(test_pipes_and_redirections),
        cmocka_unit_test(test_syntax_errors), cmocka_unit_test(test_variables),
        cmocka_unit_test(test_globs),      cmocka_unit_test(test_match),
        cmocka_unit_test(test_limits),     cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
