// SOURCES: src/lib/cmdline_parse.c
/* libFuzzer target: the kernel command-line parser (src/lib/cmdline_parse.c)
 * on arbitrary text, and lookups of keys taken from the input.  Any crash
 * or sanitizer report is a bug; results are checked for the parser's
 * promises (at most CMDLINE_MAX_OPTS options, keys within their buffer,
 * values inside the store, every parsed key found again by lookup). */
#include <adros/cmdline.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void warn(void *ctx, const char *what, const char *token, size_t toklen)
{
    (*(int *)ctx)++;
    if (!what)
        abort();
    volatile char sink = 0;
    for (size_t i = 0; i < toklen; i++)
        sink ^= token[i]; /* the token must be readable */
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    static struct cmdline cl;
    int warnings = 0;
    int bad = cmdline_parse(&cl, s, warn, &warnings);
    if (bad != warnings || cl.count < 0 || cl.count > CMDLINE_MAX_OPTS || cl.used > CMDLINE_STORE)
        abort();
    for (int i = 0; i < cl.count; i++) {
        if (strnlen(cl.opt[i].key, CMDLINE_KEY_MAX) == CMDLINE_KEY_MAX)
            abort();
        const char *v = cl.opt[i].value;
        if (!v)
            abort();
        if (*v && (v < cl.store || v >= cl.store + CMDLINE_STORE))
            abort();
        if (!cmdline_lookup(&cl, cl.opt[i].key))
            abort();
    }
    /* Keys from the input itself. */
    char key[CMDLINE_KEY_MAX];
    size_t k = 0;
    for (size_t i = 0; i <= size; i++) {
        if (i == size || s[i] == ' ' || s[i] == '=' || k + 1 == sizeof(key)) {
            key[k] = '\0';
            (void)cmdline_lookup(&cl, key);
            k = 0;
        } else {
            key[k++] = s[i];
        }
    }
    free(s);
    return 0;
}
