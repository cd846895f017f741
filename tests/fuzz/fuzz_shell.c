// SOURCES: src/shell/parse.c src/lib/format.c
/* libFuzzer target: the shell's parsing (src/shell/parse.c): splitting a
 * line into arguments with quotes and escapes, splitting "cmd; cmd" script
 * lines, numbers, durations and sizes.  Any crash or sanitizer report is a
 * bug; results are checked for the promises of <adros/shell.h> (argument
 * count within max, arguments inside the line, outputs terminated). */
#include <adros/shell.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    memcpy(line, data, size);
    line[size] = '\0';
    char *copy = strdup(line);
    char *argv[SHELL_ARGV_MAX];
    const char *err = NULL;
    int n = shell_split_args(copy, argv, SHELL_ARGV_MAX, &err);
    if (n > SHELL_ARGV_MAX)
        abort();
    for (int i = 0; i < n; i++) {
        if (argv[i] < copy || argv[i] > copy + size)
            abort();
        (void)strlen(argv[i]);
        uint64_t v, ns;
        (void)shell_parse_u64(argv[i], &v);
        (void)shell_parse_seconds(argv[i], &ns);
    }
    /* "cmd; cmd" splitting: always makes progress, output terminated. */
    char out[SHELL_LINE_MAX];
    const char *p = line;
    for (int guard = 0; p && *p && guard <= (int)size + 1; guard++) {
        bool trunc = false;
        const char *next = shell_next_command(p, out, sizeof(out), &trunc);
        if (strnlen(out, sizeof(out)) == sizeof(out))
            abort();
        if (next && next <= p)
            abort();
        p = next;
    }
    uint64_t bytes = 0;
    memcpy(&bytes, data, size < 8 ? size : 8);
    char buf[32];
    shell_format_size(bytes, buf, sizeof(buf));
    if (strnlen(buf, sizeof(buf)) == sizeof(buf))
        abort();
    free(copy);
    free(line);
    return 0;
}
