/* The filters' input (src/shell/filter_in.c): a file or standard input,
 * read by lines or whole.  Private to the shell's filter commands. */
#ifndef SHELL_FILTER_H
#define SHELL_FILTER_H

#include <adros/cmd.h>

struct input {
    struct file *f; /* NULL: standard input */
    size_t pos, len;
    bool eof;
    char buf[1024];
};

/* Opens path (NULL or "-": standard input); an error is printed as
 * "<argv0>: <path>: <why>" and returned. */
int sh_in_open(struct input *in, const char *argv0, const char *path);
void sh_in_close(struct input *in);
/* sh_in_open on a kmalloc'd input: NULL after printing why; sh_in_free
 * closes and frees it. */
struct input *sh_in_new(const char *argv0, const char *path);
void sh_in_free(struct input *in);
/* Refills in->buf: bytes read, 0 at the end, or a negative errno. */
ssize_t sh_in_fill(struct input *in);
/* The next line into line (at most size-1 bytes, longer lines come in
 * pieces), with its '\n' if it had one: its length, 0 at the end, or a
 * negative errno. */
ssize_t sh_in_line(struct input *in, char *line, size_t size);
/* The whole input in a kmalloc'd, NUL-terminated buffer (at most 16 MiB),
 * or NULL with *err (-EINTR on Ctrl-C). */
char *sh_slurp(struct input *in, size_t *len, int *err);
/* Splits text into lines (the '\n's become NULs): a kmalloc'd array. */
char **sh_split_lines(char *text, size_t len, size_t *count);
/* A count option at argv[*i]: "-n 5", "-n5" or "-5" (advancing *i past a
 * separate value). */
bool sh_count_arg(int argc, char **argv, int *i, long *out);

#endif
