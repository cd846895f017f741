/* Filters: commands that read files or standard input and write standard
 * output, so that they compose in pipelines (netstat | grep tcp | wc -l):
 * grep, head, tail, wc, tee, more (sort and uniq: cmd_sort.c).  They behave as their
 * POSIX namesakes in the C locale, for the options they take. */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/vfs.h>
#include "cmdlang.h"
#include "filter.h"
#include "shell_internal.h"

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* --- grep: a basic regular expression (^ $ . * [...] \x) --- */
struct re {
    const char *pat;
    bool icase;
};

/* The atom at p: its length, and whether c matches it. */
static size_t atom(const struct re *re, const char *p, char c, bool *hit)
{
    if (*p == '\\' && p[1]) {
        *hit = re->icase ? lower(p[1]) == lower(c) : p[1] == c;
        return 2;
    }
    if (*p == '.') {
        *hit = true;
        return 1;
    }
    if (*p == '[') {
        size_t n = sh_bracket(p, c, re->icase, hit);
        if (n)
            return n;
    }
    *hit = re->icase ? lower(*p) == lower(c) : *p == c;
    return 1;
}

static bool match_here(const struct re *re, const char *p, const char *t);

static bool match_star(const struct re *re, const char *a, const char *rest, const char *t)
{
    for (;;) {
        if (match_here(re, rest, t))
            return true;
        bool hit = false;
        if (!*t)
            return false;
        atom(re, a, *t, &hit);
        if (!hit)
            return false;
        t++;
    }
}

static bool match_here(const struct re *re, const char *p, const char *t)
{
    for (;;) {
        if (!*p)
            return true;
        if (p[0] == '$' && !p[1])
            return !*t;
        bool hit = false;
        size_t n = atom(re, p, *t ? *t : '\0', &hit);
        if (p[n] == '*')
            return match_star(re, p, p + n + 1, t);
        if (!*t || !hit)
            return false;
        p += n;
        t++;
    }
}

static bool re_match(const struct re *re, const char *t)
{
    if (re->pat[0] == '^')
        return match_here(re, re->pat + 1, t);
    do {
        if (match_here(re, re->pat, t))
            return true;
    } while (*t++);
    return false;
}

static int cmd_grep(int argc, char **argv)
{
    bool inv = false, count = false, num = false;
    struct re re = { NULL, false };
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'i')
                re.icase = true;
            else if (*o == 'v')
                inv = true;
            else if (*o == 'c')
                count = true;
            else if (*o == 'n')
                num = true;
            else
                return shell_usage(argv[0]);
        }
    if (i >= argc)
        return shell_usage(argv[0]);
    re.pat = argv[i++];
    int nfiles = argc - i, status = 1; /* 1: nothing matched, as grep */
    char *buf = kmalloc(1024);
    struct input *in = kmalloc(sizeof(*in));
    if (!buf || !in) {
        kfree(buf);
        kfree(in);
        return shell_error(argv[0], "out of memory");
    }
    for (int f = 0; f < (nfiles ? nfiles : 1); f++) {
        const char *path = nfiles ? argv[i + f] : NULL;
        if (sh_in_open(in, argv[0], path) < 0) {
            status = 2;
            continue;
        }
        long matched = 0, lineno = 0;
        ssize_t n;
        while ((n = sh_in_line(in, buf, 1024)) > 0 && !shell_interrupted()) {
            lineno++;
            bool nl = buf[n - 1] == '\n';
            if (nl)
                buf[n - 1] = '\0';
            if (re_match(&re, buf) == inv)
                continue;
            matched++;
            if (count)
                continue;
            if (nfiles > 1)
                shell_printf("%s:", path);
            if (num)
                shell_printf("%ld:", lineno);
            shell_printf("%s\n", buf);
        }
        if (count && !shell_interrupted())
            shell_printf(nfiles > 1 ? "%s:%ld\n" : "%.0s%ld\n", path ? path : "", matched);
        if (matched && status == 1)
            status = 0;
        sh_in_close(in);
    }
    kfree(buf);
    kfree(in);
    return shell_interrupted() ? SHELL_INTERRUPTED : status;
}
SHELL_CMD(grep, cmd_grep, "grep [-i -v -c -n] <regex> [file...]",
          "print lines matching a basic regular expression (^ $ . * [...])");

/* --- head, tail --- */
static int head_tail(int argc, char **argv, bool tail)
{
    long n = 10;
    int i = 1;
    if (i < argc && argv[i][0] == '-' && argv[i][1]) {
        if (!sh_count_arg(argc, argv, &i, &n))
            return shell_usage(argv[0]);
        i++;
    }
    if (argc - i > 1)
        return shell_usage(argv[0]);
    struct input *in = sh_in_new(argv[0], i < argc ? argv[i] : NULL);
    if (!in)
        return SHELL_FAIL;
    int status = 0;
    if (!tail) {
        char buf[512];
        ssize_t k = 1;
        for (long done = 0; done < n && !shell_interrupted();) {
            k = sh_in_line(in, buf, sizeof(buf));
            if (k <= 0)
                break;
            shell_write(buf, (size_t)k);
            if (buf[k - 1] == '\n')
                done++;
        }
    } else {
        size_t len;
        int err;
        char *text = sh_slurp(in, &len, &err);
        if (!text) {
            status = err == -EINTR ? SHELL_INTERRUPTED : shell_error(argv[0], "%s", shell_strerror(err));
        } else {
            /* From the end, back over n line ends (a last line without one counts). */
            size_t start = len;
            long lines = 0;
            if (start && text[start - 1] == '\n')
                start--;
            while (start > 0) {
                if (text[start - 1] == '\n' && ++lines == n)
                    break;
                start--;
            }
            if (n > 0)
                shell_write(text + start, len - start);
            kfree(text);
        }
    }
    sh_in_free(in);
    return status ? status : shell_interrupted() ? SHELL_INTERRUPTED : 0;
}

static int cmd_head(int argc, char **argv) { return head_tail(argc, argv, false); }
SHELL_CMD(head, cmd_head, "head [-n N] [file]", "print the first N lines (10)");

static int cmd_tail(int argc, char **argv) { return head_tail(argc, argv, true); }
SHELL_CMD(tail, cmd_tail, "tail [-n N] [file]", "print the last N lines (10)");

/* --- wc --- */
static bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

/* The counts asked for (show[i]: lines, words, bytes), then the name. */
static void wc_print(const bool show[3], const uint64_t v[3], int width, const char *name)
{
    const char *sep = "";
    for (int i = 0; i < 3; i++)
        if (show[i]) {
            shell_printf("%s%*llu", sep, width, (unsigned long long)v[i]);
            sep = " ";
        }
    shell_printf(name ? " %s\n" : "%s\n", name ? name : "");
}

static int cmd_wc(int argc, char **argv)
{
    bool l = false, w = false, c = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *o = argv[i] + 1; *o; o++) {
            if (*o == 'l')
                l = true;
            else if (*o == 'w')
                w = true;
            else if (*o == 'c')
                c = true;
            else
                return shell_usage(argv[0]);
        }
    if (!l && !w && !c)
        l = w = c = true;
    const bool show[3] = { l, w, c };
    int nfiles = argc - i, status = 0, shown = (int)l + (int)w + (int)c;
    uint64_t tl = 0, tw = 0, tc = 0;
    struct input *in = kmalloc(sizeof(*in));
    if (!in)
        return shell_error(argv[0], "out of memory");
    /* One number alone is printed bare; several line up in columns. */
    int width = shown == 1 && nfiles <= 1 ? 1 : 7;
    for (int f = 0; f < (nfiles ? nfiles : 1) && !shell_interrupted(); f++) {
        const char *path = nfiles ? argv[i + f] : NULL;
        if (sh_in_open(in, argv[0], path) < 0) {
            status = SHELL_FAIL;
            continue;
        }
        uint64_t nl = 0, nw = 0, nc = 0;
        bool inword = false;
        while (!shell_interrupted()) {
            if (in->pos == in->len && sh_in_fill(in) <= 0)
                break;
            for (; in->pos < in->len; in->pos++) {
                char ch = in->buf[in->pos];
                nc++;
                if (ch == '\n')
                    nl++;
                if (is_blank(ch)) {
                    inword = false;
                } else if (!inword) {
                    inword = true;
                    nw++;
                }
            }
        }
        sh_in_close(in);
        if (shell_interrupted())
            break;
        tl += nl;
        tw += nw;
        tc += nc;
        const uint64_t v[3] = { nl, nw, nc };
        wc_print(show, v, width, path);
    }
    if (nfiles > 1 && !shell_interrupted()) {
        const uint64_t v[3] = { tl, tw, tc };
        wc_print(show, v, width, "total");
    }
    kfree(in);
    return shell_interrupted() ? SHELL_INTERRUPTED : status;
}
SHELL_CMD(wc, cmd_wc, "wc [-l -w -c] [file...]", "count lines, words and bytes");

/* --- tee --- */
#define TEE_FILES 8
static int cmd_tee(int argc, char **argv)
{
    bool append = false;
    int i = 1, status = 0, nf = 0;
    if (i < argc && strcmp(argv[i], "-a") == 0) {
        append = true;
        i++;
    }
    if (argc - i > TEE_FILES)
        return shell_usage(argv[0]);
    struct file *files[TEE_FILES];
    for (; i < argc; i++) {
        int r = vfs_open(argv[i], O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644, &files[nf]);
        if (r < 0)
            status = shell_error(argv[0], "%s: %s", argv[i], shell_strerror(r));
        else
            nf++;
    }
    char buf[512];
    ssize_t n;
    while (!shell_interrupted() && (n = shell_read(buf, sizeof(buf))) > 0) {
        shell_write(buf, (size_t)n);
        for (int k = 0; k < nf; k++) {
            ssize_t w = vfs_write(files[k], buf, (size_t)n);
            if (w != n && status == 0)
                status = shell_error(argv[0], "writing: %s", shell_strerror(w < 0 ? (int)w : -EIO));
        }
    }
    for (int k = 0; k < nf; k++)
        vfs_close(files[k]);
    return status ? status : shell_interrupted() ? SHELL_INTERRUPTED : 0;
}
SHELL_CMD(tee, cmd_tee, "tee [-a] [file...]", "copy standard input to standard output and files");

/* --- more --- */
KOPTION(rows, "rows", "rows=<n>: the terminal's height, for more (default: asked of the terminal, else 24)");

/* The terminal's height: asked of the terminal (cursor to the far corner,
 * then a cursor position report), else rows= or 24. */
static int term_rows(void)
{
    static int rows;
    if (rows)
        return rows;
    rows = (int)cmdline_get_int("rows", 0);
    if (rows >= 3)
        return rows;
    rows = 24;
    shell_eprintf("\0337\033[999;999H\033[6n\0338");
    /* ESC [ rows ; cols R, within a moment; anything else ends the wait. */
    int state = 0, v = 0;
    for (int k = 0; k < 16; k++) {
        int c = sh_input_getc(300 * NSEC_PER_MSEC);
        if (c < 0)
            break;
        if (state == 0 && c == 27)
            state = 1;
        else if (state == 1 && c == '[')
            state = 2;
        else if (state == 2 && c >= '0' && c <= '9')
            v = v * 10 + (c - '0');
        else if (state == 2 && c == ';') {
            if (v >= 3 && v < 1000)
                rows = v;
            break;
        } else
            break;
    }
    while (sh_input_getc(0) >= 0) /* the rest of the report */
        ;
    return rows;
}

static int cmd_more(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    struct input *in = sh_in_new(argv[0], argc == 2 ? argv[1] : NULL);
    if (!in)
        return SHELL_FAIL;
    bool pager = shell_stdout_is_tty() && !(in->f == NULL && shell_stdin_is_tty());
    int page = pager ? term_rows() - 1 : 0, shown = 0, status = 0;
    char buf[256];
    ssize_t n;
    while (!shell_interrupted() && (n = sh_in_line(in, buf, sizeof(buf))) > 0) {
        shell_write(buf, (size_t)n);
        if (!pager || buf[n - 1] != '\n' || ++shown < page)
            continue;
        shell_printf("--More-- (Space: page, Enter: line, q: quit)");
        int c;
        do
            c = sh_input_getc(UINT64_MAX);
        while (c == -ETIMEDOUT);
        shell_printf("\r\033[K");
        if (c < 0 || c == 'q' || c == 'Q')
            break;
        shown = c == '\r' || c == '\n' ? page - 1 : 0;
    }
    sh_in_free(in);
    return status ? status : shell_interrupted() ? SHELL_INTERRUPTED : 0;
}
SHELL_CMD(more, cmd_more, "more [file]", "show a file or standard input a screen at a time");
