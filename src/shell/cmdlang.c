/* The shell's command language: lines into pipelines, pipelines into
 * commands with their words expanded (variables, '~', globs) and their
 * redirections.  See cmdlang.h for the grammar.  Portable: the host tests
 * and the fuzzer compile this file; every loop is bounded by its input or
 * by the sizes in cmdlang.h. */
#include <adros/errno.h>
#include <adros/string.h>
#include "cmdlang.h"

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_name(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
static bool is_meta(char c) { return c == '*' || c == '?' || c == '['; }

/* --- lines into pipelines --- */
const char *sh_next_pipeline(const char *s, char *out, size_t outsz, enum sh_op *op, const char **err)
{
    size_t n = 0;
    char quote = 0, prev = 0;
    bool word_start = true, truncated = false;
    *err = NULL;
    *op = SH_OP_END;
    if (!outsz)
        return NULL;
    out[0] = '\0';
    if (!s)
        return NULL;
    const char *p = s;
#define PUT(ch)                   \
    do {                          \
        if (n + 1 < outsz)        \
            out[n++] = (ch);      \
        else                      \
            truncated = true;     \
    } while (0)
    for (; *p; p++) {
        char c = *p;
        if (quote) {
            if (c == '\\' && quote == '"' && p[1]) {
                PUT(c);
                c = *++p;
            } else if (c == quote) {
                quote = 0;
            }
            PUT(c);
            prev = c;
            continue;
        }
        if (c == '\\' && p[1]) {
            PUT(c);
            PUT(p[1]);
            prev = *++p;
            word_start = false;
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
            PUT(c);
            prev = c;
            word_start = false;
            continue;
        }
        if (c == '#' && word_start) { /* a comment runs to the end of the line */
            while (p[1] && p[1] != '\n')
                p++;
            continue;
        }
        if (c == ';' || c == '\n') {
            *op = SH_OP_SEQ;
            p++;
            break;
        }
        if (c == '&') {
            if (p[1] == '&') {
                *op = SH_OP_AND;
                p += 2;
                break;
            }
            if (prev != '>') {
                *op = SH_OP_BG;
                p++;
                break;
            }
            /* '>&': part of a redirection (2>&1) */
        }
        if (c == '|' && p[1] == '|') {
            *op = SH_OP_OR;
            p += 2;
            break;
        }
        PUT(c);
        prev = c;
        word_start = is_space(c) || c == '|' || c == '<' || c == '>';
    }
#undef PUT
    out[n] = '\0';
    if (quote) {
        *err = "unterminated quote";
        return NULL;
    }
    if (truncated) {
        *err = "command too long";
        return NULL;
    }
    bool empty = true;
    for (size_t i = 0; i < n; i++)
        if (!is_space(out[i]))
            empty = false;
    if (empty && (*op == SH_OP_AND || *op == SH_OP_OR || *op == SH_OP_BG)) {
        *err = *op == SH_OP_AND ? "syntax error: nothing before '&&'"
             : *op == SH_OP_OR  ? "syntax error: nothing before '||'"
                                : "syntax error: nothing before '&'";
        return NULL;
    }
    if (*op == SH_OP_AND || *op == SH_OP_OR) {
        const char *t = p;
        while (is_space(*t) || *t == ';')
            t++;
        if (!*t || *t == '#') {
            *err = *op == SH_OP_AND ? "syntax error: nothing after '&&'" : "syntax error: nothing after '||'";
            return NULL;
        }
    }
    if (*op == SH_OP_END)
        return NULL;
    return p;
}

/* --- glob matching --- */
static char fold(char c, int up)
{
    if (up && c >= 'a' && c <= 'z')
        return (char)(c - 'a' + 'A');
    if (!up && c >= 'A' && c <= 'Z')
        return (char)(c - 'A' + 'a');
    return c;
}

size_t sh_bracket(const char *p, char c, bool icase, bool *hit)
{
    const char *q = p + 1;
    bool neg = false, in = false;
    if (*q == '!' || *q == '^') {
        neg = true;
        q++;
    }
    const char *first = q;
    while (*q && (*q != ']' || q == first)) {
        unsigned char lo = (unsigned char)*q, hi = lo;
        if (q[1] == '-' && q[2] && q[2] != ']') {
            hi = (unsigned char)q[2];
            q += 3;
        } else {
            q++;
        }
        for (int k = 0; k < (icase ? 3 : 1); k++) {
            unsigned char x = (unsigned char)(k == 0 ? c : fold(c, k - 1));
            if (x >= lo && x <= hi)
                in = true;
        }
    }
    if (*q != ']')
        return 0;
    *hit = in != neg;
    return (size_t)(q + 1 - p);
}

/* One character of a pattern against c; advances *pp past what matched. */
static bool match_one(const char **pp, char c)
{
    const char *p = *pp;
    if (!*p)
        return false;
    if (*p == '?') {
        *pp = p + 1;
        return true;
    }
    if (*p == '\\' && p[1]) {
        *pp = p + 2;
        return p[1] == c;
    }
    if (*p == '[') {
        bool hit = false;
        size_t n = sh_bracket(p, c, false, &hit);
        if (n) {
            *pp = p + n;
            return hit;
        }
        /* No closing ']': a literal '['. */
    }
    *pp = p + 1;
    return *p == c;
}

bool sh_glob_match(const char *p, const char *n)
{
    if (*n == '.' && !(*p == '.' || (p[0] == '\\' && p[1] == '.')))
        return false;
    const char *star_p = NULL, *star_n = NULL;
    while (*n) {
        if (*p == '*') {
            star_p = ++p;
            star_n = n;
            continue;
        }
        const char *q = p;
        if (match_one(&q, *n)) {
            p = q;
            n++;
            continue;
        }
        if (!star_p)
            return false;
        p = star_p;
        n = ++star_n;
    }
    while (*p == '*')
        p++;
    return !*p;
}

/* --- pipelines into commands --- */
struct ps {
    const char *s;
    const struct sh_env *env;
    struct sh_pipeline *p;
    const char *err;
};

#define WORDS_TOTAL (SH_WORDS_MAX + SH_PIPE_MAX)

static bool store_put(struct ps *ps, char c)
{
    if (ps->p->used >= SH_STORE) {
        ps->err = "command too long after expansion";
        return false;
    }
    ps->p->store[ps->p->used++] = c;
    return true;
}

static bool add_word(struct ps *ps, char *w)
{
    if (ps->p->nwords + 2 > WORDS_TOTAL) {
        ps->err = "too many words in a pipeline";
        return false;
    }
    ps->p->words[ps->p->nwords++] = w;
    return true;
}

struct word {
    char *lit;              /* in the store */
    char pat[SH_PATH_MAX];  /* the word as a glob pattern: quoted metas escaped */
    size_t plen;
    bool pat_ok;            /* pat holds the whole word */
    bool glob;              /* an unquoted '*', '?' or '[' */
    bool assign;            /* NAME=value */
    bool keep;              /* quoted or literal text: kept even when empty */
};

static void pat_put(struct word *w, char c, bool quoted)
{
    size_t need = quoted && (is_meta(c) || c == '\\') ? 2 : 1;
    if (w->plen + need >= sizeof(w->pat)) {
        w->pat_ok = false;
        return;
    }
    if (need == 2)
        w->pat[w->plen++] = '\\';
    w->pat[w->plen++] = c;
}

static bool lit_put(struct ps *ps, struct word *w, char c, bool quoted)
{
    pat_put(w, c, quoted);
    return store_put(ps, c);
}

/* $NAME, ${NAME} or $? at ps->s (which points at the '$'). */
static bool expand_var(struct ps *ps, struct word *w)
{
    const char *s = ps->s + 1;
    char name[64];
    size_t n = 0;
    if (*s == '?') {
        name[n++] = '?';
        s++;
    } else if (*s == '{') {
        s++;
        while (*s && *s != '}' && n + 1 < sizeof(name) && is_name(*s))
            name[n++] = *s++;
        if (*s != '}' || n == 0) {
            ps->err = "bad ${...}";
            return false;
        }
        s++;
    } else if (is_name_start(*s)) {
        while (is_name(*s) && n + 1 < sizeof(name))
            name[n++] = *s++;
        if (is_name(*s)) {
            ps->err = "variable name too long";
            return false;
        }
    } else {
        ps->s++;
        w->keep = true;
        return lit_put(ps, w, '$', true);
    }
    name[n] = '\0';
    ps->s = s;
    const char *v = ps->env && ps->env->getvar ? ps->env->getvar(ps->env->ctx, name) : NULL;
    for (; v && *v; v++)
        if (!lit_put(ps, w, *v, true))
            return false;
    return true;
}

static bool word_end(char c) { return !c || is_space(c) || c == '|' || c == '<' || c == '>'; }

/* Reads one word at ps->s into the store (NUL-terminated at w->lit). */
static bool read_word(struct ps *ps, struct word *w, bool allow_assign)
{
    const char *s = ps->s;
    w->lit = ps->p->store + ps->p->used;
    w->plen = 0;
    w->pat_ok = true;
    w->glob = w->assign = w->keep = false;
    if (allow_assign && is_name_start(*s)) {
        const char *t = s;
        while (is_name(*t))
            t++;
        w->assign = *t == '=';
    }
    if (*s == '~' && (word_end(s[1]) || s[1] == '/')) {
        w->keep = true;
        if (s[1] != '/' && !lit_put(ps, w, '/', true))
            return false;
        s++;
    }
    char quote = 0;
    ps->s = s;
    for (;;) {
        char c = *ps->s;
        if (!c)
            break;
        if (!quote) {
            if (word_end(c))
                break;
            if (c == '"' || c == '\'') {
                quote = c;
                w->keep = true;
                ps->s++;
                continue;
            }
            if (c == '$') {
                if (!expand_var(ps, w))
                    return false;
                continue;
            }
            w->keep = true;
            if (c == '\\' && ps->s[1]) {
                ps->s++;
                c = *ps->s;
                if (!lit_put(ps, w, c, true))
                    return false;
            } else if (is_meta(c) && !w->assign) {
                w->glob = true;
                if (!lit_put(ps, w, c, false))
                    return false;
            } else if (!lit_put(ps, w, c, true)) {
                return false;
            }
            ps->s++;
        } else {
            if (c == quote) {
                quote = 0;
                ps->s++;
                continue;
            }
            if (quote == '"' && c == '$') {
                if (!expand_var(ps, w))
                    return false;
                continue;
            }
            if (quote == '"' && c == '\\' && (ps->s[1] == '"' || ps->s[1] == '\\' || ps->s[1] == '$')) {
                ps->s++;
                c = *ps->s;
            }
            if (!lit_put(ps, w, c, true))
                return false;
            ps->s++;
        }
    }
    if (quote) {
        ps->err = "unterminated quote";
        return false;
    }
    w->pat[w->plen] = '\0';
    return store_put(ps, '\0');
}

/* --- globbing: component by component through env->list_dir --- */
#define GLOB_DEPTH 16

struct glob {
    struct ps *ps;
    char path[SH_PATH_MAX]; /* what matched so far, ending in '/' or empty */
    size_t plen;
    const char *comp;       /* the component being matched (escaped) */
    size_t clen;
    const char *rest;       /* after its '/', or NULL: it is the last */
    bool want_dir;          /* the pattern ends with '/' */
    int depth;
    int found;
};

static int glob_from(struct glob *g, const char *pat, int depth);

static bool glob_emit(struct glob *g, const char *name, bool slash)
{
    struct ps *ps = g->ps;
    char *w = ps->p->store + ps->p->used;
    for (size_t i = 0; i < g->plen; i++)
        if (!store_put(ps, g->path[i]))
            return false;
    for (; *name; name++)
        if (!store_put(ps, *name))
            return false;
    if (slash && !store_put(ps, '/'))
        return false;
    if (!store_put(ps, '\0') || !add_word(ps, w))
        return false;
    g->found++;
    return true;
}

struct level {
    struct glob *g;
    char comp[SH_PATH_MAX];
    const char *rest;
    bool want_dir;
    int depth;
};

static int glob_each(void *arg, const char *name, bool is_dir)
{
    struct level *l = arg;
    struct glob *g = l->g;
    if (g->ps->err)
        return 1;
    if (!sh_glob_match(l->comp, name))
        return 0;
    if (!l->rest) {
        if (l->want_dir && !is_dir)
            return 0;
        return glob_emit(g, name, l->want_dir) ? 0 : 1;
    }
    if (!is_dir)
        return 0;
    size_t save = g->plen, n = strlen(name);
    if (g->plen + n + 2 > sizeof(g->path))
        return 0; /* too long to be a path we could open */
    memcpy(g->path + g->plen, name, n);
    g->plen += n;
    g->path[g->plen++] = '/';
    glob_from(g, l->rest, l->depth + 1);
    g->plen = save;
    return g->ps->err ? 1 : 0;
}

/* Matches pat (no leading '/') below g->path. */
static int glob_from(struct glob *g, const char *pat, int depth)
{
    if (depth >= GLOB_DEPTH)
        return 0;
    for (;;) {
        /* The next component and whether it has a glob in it. */
        const char *c = pat;
        bool meta = false;
        while (*c && *c != '/') {
            if (*c == '\\' && c[1])
                c++;
            else if (is_meta(*c))
                meta = true;
            c++;
        }
        size_t clen = (size_t)(c - pat);
        const char *rest = *c == '/' ? c + 1 : NULL;
        while (rest && *rest == '/')
            rest++;
        bool want_dir = rest && !*rest;
        if (want_dir)
            rest = NULL;
        if (!meta && rest) { /* a plain directory on the way: no listing */
            size_t k = 0;
            if (g->plen + clen + 2 > sizeof(g->path))
                return 0;
            for (size_t i = 0; i < clen; i++) {
                if (pat[i] == '\\' && i + 1 < clen)
                    i++;
                g->path[g->plen + k++] = pat[i];
            }
            g->plen += k;
            g->path[g->plen++] = '/';
            pat = rest;
            continue;
        }
        struct level l = { .g = g, .rest = rest, .want_dir = want_dir, .depth = depth };
        if (clen >= sizeof(l.comp))
            return 0;
        memcpy(l.comp, pat, clen);
        l.comp[clen] = '\0';
        char dir[SH_PATH_MAX];
        if (g->plen == 0) {
            dir[0] = '.';
            dir[1] = '\0';
        } else {
            memcpy(dir, g->path, g->plen);
            dir[g->plen > 1 ? g->plen - 1 : 1] = '\0';
        }
        g->ps->env->list_dir(g->ps->env->ctx, dir, glob_each, &l);
        return 0;
    }
}

static int cmp_words(const char *a, const char *b) { return strcmp(a, b); }

/* Adds the names matching w's pattern, sorted; false on an error.  *n is
 * how many matched (0: the caller keeps the word as written). */
static bool glob_word(struct ps *ps, struct word *w, int *n)
{
    struct glob *g = NULL;
    static struct glob gstore; /* one shell: not reentered */
    g = &gstore;
    memset(g, 0, sizeof(*g));
    g->ps = ps;
    int first = ps->p->nwords;
    const char *pat = w->pat;
    if (*pat == '/') {
        g->path[g->plen++] = '/';
        while (*pat == '/')
            pat++;
    }
    glob_from(g, pat, 0);
    if (ps->err)
        return false;
    /* Insertion sort: a listing is bounded by SH_WORDS_MAX. */
    char **v = ps->p->words + first;
    int k = ps->p->nwords - first;
    for (int i = 1; i < k; i++) {
        char *x = v[i];
        int j = i;
        while (j > 0 && cmp_words(v[j - 1], x) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
    *n = k;
    return true;
}

static bool end_command(struct ps *ps, struct sh_cmd *c, int first, bool has_redir)
{
    struct sh_pipeline *p = ps->p;
    c->argc = p->nwords - first - c->nassign;
    c->argv = p->words + first + c->nassign;
    if (p->nwords + 1 > WORDS_TOTAL) {
        ps->err = "too many words in a pipeline";
        return false;
    }
    p->words[p->nwords++] = NULL;
    if (c->argc == 0 && has_redir) {
        ps->err = "redirection without a command";
        return false;
    }
    return true;
}

int sh_parse_pipeline(const char *src, const struct sh_env *env, struct sh_pipeline *p, const char **err)
{
    struct ps ps = { .s = src, .env = env, .p = p, .err = NULL };
    static struct word w; /* big: kept off the stack (one shell) */
    p->ncmds = 0;
    p->nwords = 0;
    p->used = 0;
    struct sh_cmd *c = NULL;
    int first = 0;
    bool redir = false;
    *err = NULL;
    for (;;) {
        while (is_space(*ps.s))
            ps.s++;
        char ch = *ps.s;
        if (!c && (ch || p->ncmds)) {
            if (p->ncmds == SH_PIPE_MAX) {
                *err = "too many commands in a pipeline";
                return -1;
            }
            c = &p->cmd[p->ncmds++];
            memset(c, 0, sizeof(*c));
            first = p->nwords;
            c->assign = p->words + first;
            redir = false;
        }
        if (!ch || ch == '|') {
            if (!c)
                break; /* an empty pipeline */
            if (p->nwords == first && !redir && (ch == '|' || p->ncmds > 1)) {
                *err = "syntax error: empty command in a pipeline";
                return -1;
            }
            if (!end_command(&ps, c, first, redir)) {
                *err = ps.err;
                return -1;
            }
            c = NULL;
            if (!ch)
                break;
            ps.s++;
            continue;
        }
        /* Redirections. */
        char kind = 0;
        bool append = false;
        if (ch == '<' || ch == '>') {
            kind = ch;
            ps.s++;
        } else if (ch == '2' && ps.s[1] == '>') {
            if (ps.s[2] == '&' && ps.s[3] == '1' && word_end(ps.s[4])) {
                c->err_to_out = true;
                c->err = NULL;
                redir = true;
                ps.s += 4;
                continue;
            }
            kind = '2';
            ps.s += 2;
        }
        if (kind) {
            if (kind != '<' && *ps.s == '>') {
                append = true;
                ps.s++;
            }
            while (is_space(*ps.s))
                ps.s++;
            if (word_end(*ps.s) || *ps.s == '&') {
                *err = *ps.s == '&' ? "unsupported redirection (only 2>&1)" : "missing file name after a redirection";
                return -1;
            }
            if (!read_word(&ps, &w, false)) {
                *err = ps.err;
                return -1;
            }
            if (!*w.lit) {
                *err = "empty file name after a redirection";
                return -1;
            }
            redir = true;
            if (kind == '<') {
                c->in = w.lit;
            } else if (kind == '>') {
                c->out = w.lit;
                c->append = append;
            } else {
                c->err = w.lit;
                c->err_append = append;
                c->err_to_out = false;
            }
            continue;
        }
        /* A word. */
        bool allow_assign = p->nwords - first == c->nassign;
        size_t mark = p->used;
        if (!read_word(&ps, &w, allow_assign)) {
            *err = ps.err;
            return -1;
        }
        if (!*w.lit && !w.keep) { /* an unset variable alone: no word */
            p->used = mark;
            continue;
        }
        if (w.assign && allow_assign) {
            if (!add_word(&ps, w.lit)) {
                *err = ps.err;
                return -1;
            }
            c->nassign++;
            continue;
        }
        if (w.glob && w.pat_ok && env && env->list_dir) {
            int n = 0;
            /* Matches go after the literal; keep it only if none. */
            if (!glob_word(&ps, &w, &n)) {
                *err = ps.err;
                return -1;
            }
            if (n > 0)
                continue;
        }
        if (!add_word(&ps, w.lit)) {
            *err = ps.err;
            return -1;
        }
    }
    return 0;
}

/* --- paths --- */
int sh_path_join(const char *cwd, const char *path, char *out, size_t size)
{
    size_t o = 0;
    if (size < 2)
        return -ENAMETOOLONG;
    out[o++] = '/';
    /* Two passes: the directory (unless path is absolute), then path. */
    for (int pass = path[0] == '/' ? 1 : 0; pass < 2; pass++) {
        const char *s = pass == 0 ? cwd : path;
        while (*s) {
            while (*s == '/')
                s++;
            const char *e = s;
            while (*e && *e != '/')
                e++;
            size_t len = (size_t)(e - s);
            if (len == 0)
                break;
            if (len == 2 && s[0] == '.' && s[1] == '.') {
                while (o > 1 && out[o - 1] != '/')
                    o--;
                if (o > 1)
                    o--; /* the '/' before the component */
            } else if (len != 1 || s[0] != '.') {
                if (o + len + 2 > size)
                    return -ENAMETOOLONG;
                if (out[o - 1] != '/')
                    out[o++] = '/';
                memcpy(out + o, s, len);
                o += len;
            }
            s = e;
        }
    }
    out[o] = '\0';
    return 0;
}
