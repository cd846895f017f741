/* The kernel command line: "key=value key2 key3=\"a b\"".
 *
 * The parser (cmdline_parse) is portable and host-tested.  The kernel keeps
 * one parsed command line; code reads options with cmdline_get*().  Every
 * option a subsystem understands is declared with KOPTION() so that unknown
 * options can be reported (once) at boot; they are then ignored, never fatal. */
#ifndef ADROS_CMDLINE_H
#define ADROS_CMDLINE_H

#include <adros/types.h>

#define CMDLINE_MAX_OPTS 64
#define CMDLINE_KEY_MAX 48
#define CMDLINE_STORE 4096

struct cmdline_opt {
    char key[CMDLINE_KEY_MAX];
    const char *value; /* "" for a bare key */
};

struct cmdline {
    int count;
    struct cmdline_opt opt[CMDLINE_MAX_OPTS];
    char store[CMDLINE_STORE];
    size_t used;
};

typedef void (*cmdline_warn_fn)(void *ctx, const char *what, const char *token, size_t toklen);

/* Parses s into cl (replacing its contents).  Malformed tokens (empty key,
 * bad characters in the key, unterminated quote, too long, too many) are
 * passed to warn and skipped.  A later duplicate key overrides an earlier one.
 * Returns the number of malformed tokens. */
int cmdline_parse(struct cmdline *cl, const char *s, cmdline_warn_fn warn, void *ctx);
const char *cmdline_lookup(const struct cmdline *cl, const char *key);

/* Declared options, for the unknown-option report.  A name ending in '.'
 * declares a prefix ("rump." covers "rump.RUMP_VERBOSE"). */
struct koption {
    const char *name;
    const char *help;
};
#define KOPTION(id, nm, hlp) \
    static const struct koption __koption_##id __used __attribute__((section("koptions"), aligned(4))) = { nm, hlp }

/* The kernel's command line (kernel only). */
void cmdline_init(const char *raw);
const char *cmdline_raw(void);
const char *cmdline_get(const char *key);            /* NULL if absent */
bool cmdline_has(const char *key);
long cmdline_get_int(const char *key, long def);     /* def if absent or not a number */
bool cmdline_get_bool(const char *key, bool def);    /* on/off, yes/no, 1/0, true/false */
const struct cmdline *cmdline_kernel(void);

#endif
