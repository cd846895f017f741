/* The shell's command language (src/shell/cmdlang.c): a line is a list of
 * pipelines joined by ';', '&&', '||' and '&'; a pipeline is commands joined
 * by '|', each with its words and redirections ('< f', '> f', '>> f',
 * '2> f', '2>> f', '2>&1').  Words are quoted with "..." and '...' and
 * backslash; unquoted '#' at a word's start begins a comment.  Expansion:
 * $NAME, ${NAME}, $? (through env->getvar), '~' at a word's start is '/',
 * unquoted '*', '?', '[...]' are globs matched against directories listed
 * through env->list_dir (a word matching nothing stays as written).  Leading
 * NAME=value words are assignments.
 *
 * Portable: no kernel calls (the host tests and the fuzzer compile it),
 * bounded by the sizes below; every input is accepted or refused with a
 * message, never read or written out of bounds. */
#ifndef SHELL_CMDLANG_H
#define SHELL_CMDLANG_H

#include <adros/types.h>

enum sh_op {
    SH_OP_END, /* the line ends after this pipeline */
    SH_OP_SEQ, /* ';' */
    SH_OP_AND, /* '&&' */
    SH_OP_OR,  /* '||' */
    SH_OP_BG,  /* '&': run in the background, go on at once */
};

/* Copies the next pipeline of a line (up to an unquoted ';', '&&', '||' or
 * a lone '&', or a comment) into out and sets *op to the operator after it.
 * Returns where the rest of the line starts, or NULL at its end.  On a
 * syntax error (an operator with nothing before it, '&&' or '||' with
 * nothing after, an unterminated quote, a pipeline over outsz-1 bytes)
 * returns NULL with *err set; *err is NULL otherwise.  An empty line gives
 * out "" and SH_OP_END. */
const char *sh_next_pipeline(const char *s, char *out, size_t outsz, enum sh_op *op, const char **err);

typedef int (*sh_each_fn)(void *arg, const char *name, bool is_dir);

struct sh_env {
    /* The value of variable name ("?" for the last status), NULL if unset. */
    const char *(*getvar)(void *ctx, const char *name);
    /* Calls each(arg, name, is_dir) for every entry of directory dir ("."
     * for the working directory) except "." and ".."; stops when each
     * returns nonzero.  Returns 0 or a negative errno.  NULL: no globbing. */
    int (*list_dir)(void *ctx, const char *dir, sh_each_fn each, void *arg);
    void *ctx;
};

#define SH_PIPE_MAX 8    /* commands in a pipeline */
#define SH_WORDS_MAX 160 /* words in a pipeline, after glob expansion */
#define SH_STORE 8192    /* bytes of expanded text in a pipeline */
#define SH_PATH_MAX 256  /* a path built while globbing */

struct sh_cmd {
    int nassign;
    char **assign; /* "NAME=value" words before the command */
    int argc;
    char **argv;   /* NULL-terminated; argc 0: assignments only */
    char *in;      /* '<' file, or NULL */
    char *out;     /* '>' or '>>' file, or NULL */
    bool append;
    char *err;     /* '2>' or '2>>' file, or NULL */
    bool err_append;
    bool err_to_out; /* 2>&1 */
};

struct sh_pipeline {
    int ncmds;
    struct sh_cmd cmd[SH_PIPE_MAX];
    int nwords;
    char *words[SH_WORDS_MAX + SH_PIPE_MAX]; /* argv slices and their NULLs */
    size_t used;
    char store[SH_STORE];
};

/* Parses and expands one pipeline (as sh_next_pipeline gives it) into p.
 * Returns 0, or -1 with *err set (empty command around '|', missing file
 * after a redirection, unterminated quote, too many commands or words, too
 * long).  An empty pipeline gives ncmds 0. */
int sh_parse_pipeline(const char *src, const struct sh_env *env, struct sh_pipeline *p, const char **err);

/* A bracket expression at p (p[0] == '['): its length, with *hit telling
 * whether c is in it ('!' or '^' first negates, a ']' first is literal,
 * a-z ranges; icase: either case matches).  0 if there is no closing ']'
 * (the '[' is then a plain character). */
size_t sh_bracket(const char *p, char c, bool icase, bool *hit);

/* Glob matching of one name: '*', '?', '[abc]', '[a-z]', '[!x]', and '\'
 * escaping the next character.  '*' and '?' do not match a leading '.'. */
bool sh_glob_match(const char *pattern, const char *name);

/* cwd (absolute) and path joined and normalised into out: absolute, no
 * ".", "..", or repeated '/' ("/.." is "/").  0, or -ENAMETOOLONG if it
 * does not fit in size bytes. */
int sh_path_join(const char *cwd, const char *path, char *out, size_t size);

#endif
