/* The kernel's own command line: parsed once at boot; options nobody
 * declared (KOPTION) are reported once and ignored. */
#include <adros/cmdline.h>
#include <adros/kprintf.h>
#include <adros/string.h>

extern const struct koption __start_koptions[], __stop_koptions[];

static struct cmdline kcl;
static char raw[CMDLINE_STORE];

static void warn(void *ctx, const char *what, const char *tok, size_t len)
{
    kprintf(KERN_WARN "cmdline: ignoring \"%.*s\": %s\n", (int)MIN(len, (size_t)80), tok, what);
}

static bool declared(const char *key)
{
    for (const struct koption *o = __start_koptions; o < __stop_koptions; o++) {
        size_t n = strlen(o->name);
        if (n && o->name[n - 1] == '.' ? strncmp(key, o->name, n) == 0 : strcmp(key, o->name) == 0)
            return true;
    }
    return false;
}

void cmdline_init(const char *s)
{
    s = s ? s : "";
    /* Loaders (QEMU, GRUB) put the kernel's path first: drop it. */
    const char *end = s;
    while (*end && *end != ' ')
        end++;
    bool has_eq = memchr(s, '=', (size_t)(end - s)) != NULL;
    if (!has_eq && memchr(s, '/', (size_t)(end - s)))
        s = *end ? end + 1 : end;
    strlcpy(raw, s, sizeof(raw));
    cmdline_parse(&kcl, raw, warn, NULL);
    for (int i = 0; i < kcl.count; i++)
        if (!declared(kcl.opt[i].key))
            kprintf(KERN_WARN "cmdline: unknown option \"%s\" ignored\n", kcl.opt[i].key);
}

const char *cmdline_raw(void) { return raw; }
const struct cmdline *cmdline_kernel(void) { return &kcl; }
const char *cmdline_get(const char *key) { return cmdline_lookup(&kcl, key); }
bool cmdline_has(const char *key) { return cmdline_get(key) != NULL; }

long cmdline_get_int(const char *key, long def)
{
    const char *v = cmdline_get(key);
    if (!v || !*v)
        return def;
    long n = 0;
    bool neg = *v == '-';
    if (neg)
        v++;
    if (!*v)
        return def;
    for (; *v; v++) {
        if (*v < '0' || *v > '9')
            return def;
        n = n * 10 + (*v - '0');
    }
    return neg ? -n : n;
}

bool cmdline_get_bool(const char *key, bool def)
{
    const char *v = cmdline_get(key);
    if (!v)
        return def;
    if (!*v || !strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true"))
        return true;
    if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false"))
        return false;
    return def;
}
