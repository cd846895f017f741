// SOURCES: src/shell/cmdlang.c
/* libFuzzer target: the shell's command language (src/shell/cmdlang.c):
 * a line split into pipelines, each parsed and expanded against a small
 * fake tree and variables.  Any crash or sanitizer report is a bug; results
 * are checked for cmdlang.h's promises (progress, limits, words inside the
 * store, argv NULL-terminated). */
#include "../../src/shell/cmdlang.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int fake_list(void *ctx, const char *dir, sh_each_fn each, void *arg)
{
    static const char *const names[] = { "a", "b.c", ".h", "dir", "x[1]", "*", "long-name-0123456789" };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (each(arg, names[i], i == 3 || i == 5))
            break;
    return 0;
}

static const char *fake_var(void *ctx, const char *name)
{
    return name[0] == '?' ? "0" : name[0] == 'A' ? "* $B ~ \"" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct sh_pipeline p;
    static const struct sh_env env = { fake_var, fake_list, NULL };
    char *line = malloc(size + 1);
    memcpy(line, data, size);
    line[size] = '\0';
    char out[512];
    const char *s = line, *err;
    enum sh_op op;
    for (int guard = 0; s; guard++) {
        if (guard > (int)size + 1)
            abort();
        const char *next = sh_next_pipeline(s, out, sizeof(out), &op, &err);
        if (strnlen(out, sizeof(out)) == sizeof(out) || (next && next <= s))
            abort();
        if (err)
            break;
        if (sh_parse_pipeline(out, &env, &p, &err) == 0) {
            if (err || p.ncmds < 0 || p.ncmds > SH_PIPE_MAX || p.used > SH_STORE)
                abort();
            for (int c = 0; c < p.ncmds; c++) {
                const struct sh_cmd *cmd = &p.cmd[c];
                if (cmd->argv[cmd->argc] != NULL)
                    abort();
                for (int i = 0; i < cmd->argc; i++)
                    if (cmd->argv[i] < p.store || cmd->argv[i] >= p.store + p.used)
                        abort();
            }
        } else if (!err) {
            abort();
        }
        s = next;
    }
    free(line);
    return 0;
}
