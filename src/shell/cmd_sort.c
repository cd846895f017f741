/* sort [-n -r] and uniq [-c]: as their POSIX namesakes in the C locale
 * (sort -n compares the leading numbers, then whole lines byte by byte,
 * as GNU sort's last resort does). */
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/string.h>
#include "filter.h"

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
    struct input *in = sh_in_new(argv[0], i < argc ? argv[i] : NULL);
    if (!in)
        return SHELL_FAIL;
    size_t len, n = 0;
    int err, status = 0;
    char *text = sh_slurp(in, &len, &err);
    sh_in_free(in);
    if (!text)
        return err == -EINTR ? SHELL_INTERRUPTED : shell_error(argv[0], "%s", shell_strerror(err));
    char **v = sh_split_lines(text, len, &n);
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
static void uniq_print(bool cnt, long count, const char *line)
{
    if (cnt)
        shell_printf("%7ld ", count);
    shell_printf("%s\n", line);
}

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
    if (sh_in_open(in, argv[0], i < argc ? argv[i] : NULL) < 0) {
        status = SHELL_FAIL;
        goto out;
    }
    long count = 0;
    ssize_t n;
    while ((n = sh_in_line(in, cur, 1024)) > 0 && !shell_interrupted()) {
        if (cur[n - 1] == '\n')
            cur[n - 1] = '\0';
        if (count && strcmp(cur, prev) == 0) {
            count++;
            continue;
        }
        if (count)
            uniq_print(cnt, count, prev);
        char *t = prev;
        prev = cur;
        cur = t;
        count = 1;
    }
    if (count && !shell_interrupted())
        uniq_print(cnt, count, prev);
    sh_in_close(in);
out:
    kfree(in);
    kfree(prev);
    kfree(cur);
    return status ? status : shell_interrupted() ? SHELL_INTERRUPTED : 0;
}
SHELL_CMD(uniq, cmd_uniq, "uniq [-c] [file]", "drop repeated adjacent lines (-c: count them)");

