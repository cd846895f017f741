/* The filters' input: a file or standard input, by lines or whole (see
 * filter.h). */
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/vfs.h>
#include "filter.h"

int sh_in_open(struct input *in, const char *argv0, const char *path)
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

struct input *sh_in_new(const char *argv0, const char *path)
{
    struct input *in = kmalloc(sizeof(*in));
    if (!in) {
        shell_error(argv0, "out of memory");
        return NULL;
    }
    if (sh_in_open(in, argv0, path) < 0) {
        kfree(in);
        return NULL;
    }
    return in;
}

void sh_in_free(struct input *in)
{
    sh_in_close(in);
    kfree(in);
}

void sh_in_close(struct input *in)
{
    if (in->f)
        vfs_close(in->f);
    in->f = NULL;
}

ssize_t sh_in_fill(struct input *in)
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
ssize_t sh_in_line(struct input *in, char *line, size_t size)
{
    size_t n = 0;
    while (n + 1 < size) {
        if (in->pos == in->len) {
            ssize_t r = sh_in_fill(in);
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
char *sh_slurp(struct input *in, size_t *len, int *err)
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
            ssize_t r = sh_in_fill(in);
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
char **sh_split_lines(char *text, size_t len, size_t *count)
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
bool sh_count_arg(int argc, char **argv, int *i, long *out)
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

