/* Filters: commands that read files or standard input and write standard
 * output, so that they compose in pipelines (netstat | grep tcp | wc -l):
 * grep, head, tail, wc, sort, uniq, tee, more.  They behave as their
 * POSIX namesakes in the C locale, for the options they take. */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/vfs.h>
#include "cmdlang.h"
#include "shell_internal.h"

/* --- input: a file, or standard input ("-" or no file) --- */
struct input {
    struct file *f; /* NULL: standard input */
    size_t pos, len;
    bool eof;
    char buf[1024];
};

static int in_open(struct input *in, const char *argv0, const char *path)
{
    in->pos = in->len = 0;
    in->eof = false;
    in->f = NULL;
    if (!path || strcmp(path, "-") == 0)
        return 0;
    int r = vfs_open(path, O_RDONLY, 0, &in->f);
    if (r == 0 && vfs_file_type(in->f) == VDIR) {
        vfs_close(in->f);
        r = -EISDIR;
    }
    if (r < 0) {
        in->f = NULL;
        shell_error(argv0, "%s: %s", path, shell_strerror(r));
        return r;
    }
    return 0;
}

static void in_close(struct input *in)
{
    if (in->f)
        vfs_close(in->f);
    in->f = NULL;
}

static ssize_t in_fill(struct input *in)
{
    if (in->eof)
        return 0;
    ssize_t n = in->f ? vfs_read(in->f, in->buf, sizeof(in->buf)) : shell_read(in->buf, sizeof(in->buf));
    if (n <= 0) {
        in->eof = true;
        return n;
    }
    in->pos = 0;
    in->len = (size_t)n;
    return n;
}

/* The next line into line (at most size-1 bytes, longer lines come in
 * pieces), with its '\n' if it had one: its length, 0 at the end, or a
 * negative errno. */
static ssize_t in_line(struct input *in, char *line, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        if (in->pos == in->len) {
            ssize_t r = in_fill(in);
            if (r < 0)
                return n ? (ssize_t)n : r;
            if (r == 0)
                break;
        }
        char c = in->buf[in->pos++];
        line[n++] = c;
        if (c == '\n')
            break;
    }
    line[n] = '\0';
    return (ssize_t)n;
}

/* Reads the whole input into a kmalloc'd buffer (at most 16 MiB). */
#define SLURP_MAX (16u << 20)
static char *slurp(struct input *in, size_t *len, int *err)
{
    size_t cap = 4096, n = 0;
    char *b = kmalloc(cap);
    *err = 0;
    if (!b) {
        *err = -ENOMEM;
        return NULL;
    }
    for (;;) {
        if (shell_interrupted()) {
            *err = -EINTR;
            break;
        }
        if (in->pos == in->len) {
            ssize_t r = in_fill(in);
            if (r < 0)
                *err = (int)r;
            if (r <= 0)
                break;
        }
        size_t k = in->len - in->pos;
        if (n + k + 1 > cap) {
            size_t ncap = cap * 2;
            while (ncap < n + k + 1)
                ncap *= 2;
            char *nb = ncap <= SLURP_MAX ? kmalloc(ncap) : NULL;
            if (!nb) {
                *err = ncap <= SLURP_MAX ? -ENOMEM : -EFBIG;
                break;
            }
            memcpy(nb, b, n);
            kfree(b);
            b = nb;
            cap = ncap;
        }
        memcpy(b + n, in->buf + in->pos, k);
        n += k;
        in->pos = in->len;
    }
    if (*err) {
        kfree(b);
        return NULL;
    }
    b[n] = '\0';
    *len = n;
    return b;
}

/* Splits text into lines (the '\n's become NULs); a kmalloc'd array. */
static char **split_lines(char *text, size_t len, size_t *count)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            n++;
    if (len && text[len - 1] != '\n')
        n++;
    char **v = kmalloc((n + 1) * sizeof(char *));
    if (!v)
        return NULL;
    size_t k = 0;
    char *s = text;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n') {
            text[i] = '\0';
            v[k++] = s;
            s = text + i + 1;
        }
    if (k < n)
        v[k++] = s;
    *count = n;
    return v;
}

/* Option parsing shared by the filters: "-n 5", "-n5", "-5". */
static bool count_arg(int argc, char **argv, int *i, long *out)
{
    const char *a = argv[*i];
    const char *v = NULL;
    if (a[1] == 'n')
        v = a[2] ? a + 2 : (*i + 1 < argc ? argv[++*i] : NULL);
    else
        v = a + 1;
    uint64_t n;
    if (!v || !shell_parse_u64(v, &n) || n > 100000000)
        return false;
    *out = (long)n;
    return true;
}

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
        if (in_open(in, argv[0], path) < 0) {
            status = 2;
            continue;
        }
        long matched = 0, lineno = 0;
        ssize_t n;
        while ((n = in_line(in, buf, 1024)) > 0 && !shell_interrupted()) {
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
        in_close(in);
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
        if (!count_arg(argc, argv, &i, &n))
            return shell_usage(argv[0]);
        i++;
    }
    if (argc - i > 1)
        return shell_usage(argv[0]);
    struct input *in = kmalloc(sizeof(*in));
    if (!in)
        return shell_error(argv[0], "out of memory");
    if (in_open(in, argv[0], i < argc ? argv[i] : NULL) < 0) {
        kfree(in);
        return SHELL_FAIL;
    }
    int status = 0;
    if (!tail) {
        char buf[512];
        ssize_t k = 1;
        for (long done = 0; done < n && !shell_interrupted();) {
            k = in_line(in, buf, sizeof(buf));
            if (k <= 0)
                break;
            shell_write(buf, (size_t)k);
            if (buf[k - 1] == '\n')
                done++;
        }
    } else {
        size_t len;
        int err;
        char *text = slurp(in, &len, &err);
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
    in_close(in);
    kfree(in);
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
        if (in_open(in, argv[0], path) < 0) {
            status = SHELL_FAIL;
            continue;
        }
        uint64_t nl = 0, nw = 0, nc = 0;
        bool inword = false;
        while (!shell_interrupted()) {
            if (in->pos == in->len && in_fill(in) <= 0)
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
        in_close(in);
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

/* --- sort --- */
/* A number's parts, as sort -n reads it: blanks, '-', digits, '.', digits. */
struct num {
    bool neg;
    const char *ip, *fp; /* integer digits (no leading zeros), fraction digits */
    size_t il, fl;       /* fl: trailing zeros dropped */
};

static void num_parse(const char *s, struct num *n)
{
    while (*s == ' ' || *s == '\t')
        s++;
    n->neg = *s == '-';
    if (n->neg)
        s++;
    while (*s == '0')
        s++;
    n->ip = s;
    while (*s >= '0' && *s <= '9')
        s++;
    n->il = (size_t)(s - n->ip);
    n->fp = s;
    n->fl = 0;
    if (*s == '.') {
        n->fp = ++s;
        while (*s >= '0' && *s <= '9')
            s++;
        n->fl = (size_t)(s - n->fp);
        while (n->fl && n->fp[n->fl - 1] == '0')
            n->fl--;
    }
    if (!n->il && !n->fl)
        n->neg = false; /* -0 is 0 */
}

static int num_cmp(const char *a, const char *b)
{
    struct num x, y;
    num_parse(a, &x);
    num_parse(b, &y);
    if (x.neg != y.neg)
        return x.neg ? -1 : 1;
    int r = 0;
    if (x.il != y.il) {
        r = x.il < y.il ? -1 : 1;
    } else {
        r = strncmp(x.ip, y.ip, x.il);
        if (!r) {
            size_t m = MIN(x.fl, y.fl);
            r = strncmp(x.fp, y.fp, m);
            if (!r && x.fl != y.fl)
                r = x.fl < y.fl ? -1 : 1;
        }
    }
    if (r)
        r = r < 0 ? -1 : 1;
    return x.neg ? -r : r;
}

struct sortopt {
    bool numeric, reverse;
};

static int line_cmp(const struct sortopt *o, const char *a, const char *b)
{
    int r = o->numeric ? num_cmp(a, b) : 0;
    if (!r) /* the last resort: bytes, as sort does */
        r = strcmp(a, b);
    return o->reverse ? -r : r;
}

static void merge_sort(const struct sortopt *o, char **v, char **tmp, size_t n)
{
    if (n < 2)
        return;
    size_t h = n / 2;
    merge_sort(o, v, tmp, h);
    merge_sort(o, v + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = line_cmp(o, v[i], v[j]) <= 0 ? v[i++] : v[j++];
    while (i < h)
        tmp[k++] = v[i++];
    while (j < n)
        tmp[k++] = v[j++];
    memcpy(v, tmp, n * sizeof(char *));
}

static int cmd_sort(int argc, char **argv)
{
    struct sortopt o = { false, false };
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
        for (const char *p = argv[i] + 1; *p; p++) {
            if (*p == 'n')
                o.numeric = true;
            else if (*p == 'r')
                o.reverse = true;
            else
                return shell_usage(argv[0]);
        }
    if (argc - i > 1)
        return shell_usage(argv[0]);
    struct input *in = kmalloc(sizeof(*in));
    if (!in)
        return shell_error(argv[0], "out of memory");
    if (in_open(in, argv[0], i < argc ? argv[i] : NULL) < 0) {
        kfree(in);
        return SHELL_FAIL;
    }
    size_t len, n = 0;
    int err, status = 0;
    char *text = slurp(in, &len, &err);
    in_close(in);
    kfree(in);
    if (!text)
        return err == -EINTR ? SHELL_INTERRUPTED : shell_error(argv[0], "%s", shell_strerror(err));
    char **v = split_lines(text, len, &n);
    char **tmp = v ? kmalloc((n + 1) * sizeof(char *)) : NULL;
    if (!tmp) {
        status = shell_error(argv[0], "out of memory (%zu lines)", n);
    } else {
        merge_sort(&o, v, tmp, n);
        for (size_t k = 0; k < n && !shell_interrupted(); k++)
            shell_printf("%s\n", v[k]);
    }
    kfree(tmp);
    kfree(v);
    kfree(text);
    return status ? status : shell_interrupted() ? SHELL_INTERRUPTED : 0;
}
SHELL_CMD(sort, cmd_sort, "sort [-n -r] [file]", "print lines sorted (bytes; -n numbers; -r reversed)");

/* --- uniq --- */
static int cmd_uniq(int argc, char **argv)
{
    bool cnt = false;
    int i = 1;
    if (i < argc && strcmp(argv[i], "-c") == 0) {
        cnt = true;
        i++;
    }
    if (argc - i > 1 || (i < argc && argv[i][0] == '-' && argv[i][1]))
        return shell_usage(argv[0]);
    struct input *in = kmalloc(sizeof(*in));
    char *prev = kmalloc(1024), *cur = kmalloc(1024);
    int status = 0;
    if (!in || !prev || !cur) {
        status = shell_error(argv[0], "out of memory");
        goto out;
    }
    if (in_open(in, argv[0], i < argc ? argv[i] : NULL) < 0) {
        status = SHELL_FAIL;
        goto out;
    }
    long count = 0;
    ssize_t n;
    while ((n = in_line(in, cur, 1024)) > 0 && !shell_interrupted()) {
        if (cur[n - 1] == '\n')
            cur[n - 1] = '\0';
        if (count && strcmp(cur, prev) == 0) {
            count++;
            continue;
        }
        if (count) {
            if (cnt)
                shell_printf("%7ld ", count);
            shell_printf("%s\n", prev);
        }
        char *t = prev;
        prev = cur;
        cur = t;
        count = 1;
    }
    if (count && !shell_interrupted()) {
        if (cnt)
            shell_printf("%7ld ", count);
        shell_printf("%s\n", prev);
    }
    in_close(in);
out:
    kfree(in);
    kfree(prev);
    kfree(cur);
    return status ? status : shell_interrupted() ? SHELL_INTERRUPTED : 0;
}
SHELL_CMD(uniq, cmd_uniq, "uniq [-c] [file]", "drop repeated adjacent lines (-c: count them)");

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
    struct input *in = kmalloc(sizeof(*in));
    if (!in)
        return shell_error(argv[0], "out of memory");
    if (in_open(in, argv[0], argc == 2 ? argv[1] : NULL) < 0) {
        kfree(in);
        return SHELL_FAIL;
    }
    bool pager = shell_stdout_is_tty() && !(in->f == NULL && shell_stdin_is_tty());
    int page = pager ? term_rows() - 1 : 0, shown = 0, status = 0;
    char buf[256];
    ssize_t n;
    while (!shell_interrupted() && (n = in_line(in, buf, sizeof(buf))) > 0) {
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
    in_close(in);
    kfree(in);
    return status ? status : shell_interrupted() ? SHELL_INTERRUPTED : 0;
}
SHELL_CMD(more, cmd_more, "more [file]", "show a file or standard input a screen at a time");
