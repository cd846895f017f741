/* The shell's parsing: command lines into arguments, scripts into commands,
 * numbers and durations.  Portable (the host tests compile this file): no
 * kernel calls, bounded loops, every input accepted or refused cleanly. */
#include <adros/format.h>
#include <adros/shell.h>
#include <adros/string.h>

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

int shell_split_args(char *line, char **argv, int max, const char **err)
{
    char *r = line, *w = line;
    int argc = 0;
    *err = NULL;
    for (;;) {
        while (is_space(*r))
            r++;
        if (!*r || (*r == '#' && argc == 0))
            break;
        if (argc >= max) {
            *err = "too many arguments";
            return -1;
        }
        /* Unquote in place: w never runs ahead of r. */
        argv[argc++] = w;
        char quote = 0;
        for (; *r; r++) {
            char c = *r;
            if (quote) {
                if (c == quote)
                    quote = 0;
                else if (c == '\\' && quote == '"' && (r[1] == '"' || r[1] == '\\'))
                    *w++ = *++r;
                else
                    *w++ = c;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '\\' && r[1]) {
                *w++ = *++r;
            } else if (is_space(c)) {
                break;
            } else {
                *w++ = c;
            }
        }
        if (quote) {
            *err = "unterminated quote";
            return -1;
        }
        bool more = *r != '\0';
        if (more)
            r++;
        *w++ = '\0';
        if (!more)
            break;
    }
    return argc;
}

const char *shell_next_command(const char *s, char *out, size_t outsz, bool *truncated)
{
    size_t n = 0;
    char quote = 0;
    *truncated = false;
    if (!s || !*s) {
        if (outsz)
            out[0] = '\0';
        return NULL;
    }
    /* A '#' first on a line makes the whole line a comment, ';' included. */
    const char *t = s;
    while (*t == ' ' || *t == '\t')
        t++;
    if (*t == '#') {
        while (*t && *t != '\n')
            t++;
        s = t;
    }
    for (; *s; s++) {
        char c = *s;
        if (!quote && (c == ';' || c == '\n'))
            break;
        if (quote && c == quote)
            quote = 0;
        else if (!quote && (c == '"' || c == '\''))
            quote = c;
        else if (c == '\\' && s[1] && quote != '\'') {
            /* Keep the escape and what it protects together. */
            if (n + 1 < outsz)
                out[n++] = c;
            else
                *truncated = true;
            c = *++s;
        }
        if (n + 1 < outsz)
            out[n++] = c;
        else
            *truncated = true;
    }
    if (outsz)
        out[n] = '\0';
    if (!*s || !s[1])
        return NULL; /* nothing after the separator either */
    return s + 1;
}

bool shell_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (!s || !*s)
        return false;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return false;
    }
    const char *start = s;
    for (; *s; s++) {
        unsigned d;
        char c = *s;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    if (s == start)
        return false;
    unsigned shift = 0;
    if (*s == 'K' || *s == 'k')
        shift = 10;
    else if (*s == 'M' || *s == 'm')
        shift = 20;
    else if (*s == 'G' || *s == 'g')
        shift = 30;
    if (shift) {
        if (v > (UINT64_MAX >> shift))
            return false;
        v <<= shift;
        s++;
    }
    if (*s)
        return false;
    *out = v;
    return true;
}

bool shell_parse_seconds(const char *s, uint64_t *ns)
{
    uint64_t whole = 0, frac = 0, scale = 1000000000ull;
    bool digits = false;
    if (!s || !*s)
        return false;
    for (; *s >= '0' && *s <= '9'; s++) {
        whole = whole * 10 + (uint64_t)(*s - '0');
        digits = true;
        if (whole > 1000000)
            return false;
    }
    if (*s == '.') {
        s++;
        for (; *s >= '0' && *s <= '9'; s++) {
            digits = true;
            if (scale > 1) {
                scale /= 10;
                frac += (uint64_t)(*s - '0') * scale;
            }
        }
    }
    if (*s || !digits)
        return false;
    *ns = whole * 1000000000ull + frac;
    return true;
}

void shell_format_size(uint64_t bytes, char *buf, size_t size)
{
    static const char units[] = "BKMGTPE";
    unsigned u = 0;
    uint64_t whole = bytes, tenths = 0;
    while (whole >= 1024 && u < sizeof(units) - 2) {
        tenths = (whole % 1024) * 10 / 1024;
        whole /= 1024;
        u++;
    }
    if (u == 0)
        ksnprintf(buf, size, "%lluB", (unsigned long long)whole);
    else
        ksnprintf(buf, size, "%llu.%llu%c", (unsigned long long)whole, (unsigned long long)tenths, units[u]);
}
