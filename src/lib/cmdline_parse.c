/* Kernel command-line parsing (portable; the host tests compile this file). */
#include <adros/cmdline.h>
#include <adros/string.h>

static bool key_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void set_opt(struct cmdline *cl, const char *key, size_t klen, const char *value)
{
    for (int i = 0; i < cl->count; i++) {
        if (strlen(cl->opt[i].key) == klen && strncmp(cl->opt[i].key, key, klen) == 0) {
            cl->opt[i].value = value;
            return;
        }
    }
    memcpy(cl->opt[cl->count].key, key, klen);
    cl->opt[cl->count].key[klen] = '\0';
    cl->opt[cl->count].value = value;
    cl->count++;
}

int cmdline_parse(struct cmdline *cl, const char *s, cmdline_warn_fn warn, void *ctx)
{
    int bad = 0;
    cl->count = 0;
    cl->used = 0;
    if (!s)
        return 0;

    while (*s) {
        while (is_space(*s))
            s++;
        if (!*s)
            break;
        const char *tok = s;
        const char *key = s;
        while (*s && !is_space(*s) && *s != '=')
            s++;
        size_t klen = (size_t)(s - key);

        /* Find the end of the token (quotes may protect spaces in the value). */
        const char *val = NULL, *vend = NULL;
        bool unterminated = false, quoted = false;
        if (*s == '=') {
            s++;
            if (*s == '"') {
                quoted = true;
                val = ++s;
                while (*s && *s != '"')
                    s++;
                if (!*s)
                    unterminated = true;
                vend = s;
                if (*s)
                    s++;
                /* Anything glued after the closing quote belongs to this token. */
                while (*s && !is_space(*s))
                    s++, unterminated = true;
            } else {
                val = s;
                while (*s && !is_space(*s))
                    s++;
                vend = s;
            }
        }
        size_t toklen = (size_t)(s - tok);

        const char *why = NULL;
        if (klen == 0)
            why = "empty option name";
        else if (unterminated)
            why = quoted ? "unterminated or malformed quote" : "malformed value";
        else if (klen >= CMDLINE_KEY_MAX)
            why = "option name too long";
        else {
            for (size_t i = 0; i < klen; i++)
                if (!key_char_ok(key[i]))
                    why = "bad character in option name";
        }
        size_t vlen = val ? (size_t)(vend - val) : 0;
        if (!why && cl->used + vlen + 1 > sizeof(cl->store))
            why = "command line too long";
        if (!why && cl->count >= CMDLINE_MAX_OPTS) {
            /* Overriding an existing key needs no new slot. */
            bool exists = false;
            for (int i = 0; i < cl->count; i++)
                if (strlen(cl->opt[i].key) == klen && strncmp(cl->opt[i].key, key, klen) == 0)
                    exists = true;
            if (!exists)
                why = "too many options";
        }
        if (why) {
            bad++;
            if (warn)
                warn(ctx, why, tok, toklen);
            continue;
        }
        char *v = cl->store + cl->used;
        memcpy(v, val ? val : "", vlen);
        v[vlen] = '\0';
        cl->used += vlen + 1;
        set_opt(cl, key, klen, v);
    }
    return bad;
}

const char *cmdline_lookup(const struct cmdline *cl, const char *key)
{
    for (int i = 0; i < cl->count; i++)
        if (strcmp(cl->opt[i].key, key) == 0)
            return cl->opt[i].value;
    return NULL;
}
