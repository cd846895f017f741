/* librumpuser_adros, parameter group: rumpuser_getparam.
 *
 * Every parameter can be set on the kernel command line as
 * rump.<NAME>=<value> (rump.RUMP_VERBOSE=1, rump._RUMPUSER_NCPU=2,
 * rump.RUMP_MEMLIMIT=64m ...).  The two mandatory ones always have an
 * answer: _RUMPUSER_NCPU (default 2, see below) and _RUMPUSER_HOSTNAME
 * (default "adros").  RUMP_MEMLIMIT defaults to half
 * of the machine's RAM (at least 8 MiB; rump.RUMP_MEMLIMIT=off for none):
 * without a limit NetBSD believes it has 512 MiB (PHYSMEM in its rump
 * emul.c), sizes its buffer cache from that (15 %: 77 MiB) and never runs
 * its pagedaemon, so its caches only ever grow, also on a 48 MiB machine.
 * Other hosts do the same (rumprun and the Xen platform give it half of
 * the memory, Genode its RAM quota).  Any other name not set on the
 * command line answers ENOENT, and the rump kernel uses its own default.
 * Values are returned as NUL-terminated strings; a buffer too small for
 * the value and its NUL answers ERANGE and is left holding "" (never an
 * overflow, never a truncated value the kernel might misread).
 *
 * The rump kernel panics on a malformed number in some parameters (an
 * empty or tiny RUMP_MEMLIMIT, a CPU count of 0), so the numeric ones it
 * reads are checked here first: a bad value is reported once and treated
 * as unset (the rump kernel's default).  An empty value means unset. */

#include "rumpuser_int.h"

KOPTION(rump_params, "rump.", "rump.<NAME>=<value>: a rump kernel parameter (rumpuser_getparam)");

#define PARAM_PREFIX "rump."

/* The rump kernel's virtual CPUs.  AdrOS has one CPU, but a rump CPU is
 * held, not just used: by a thread busy in NetBSD's DELAY (wm_init waits
 * 500 ms for the PHY so, rump_delay.c) or asleep in a hypercall that keeps
 * it.  With one, every other rump thread, the sound card's interrupt
 * thread included, waits for that holder (measured: 553-572 ms in the
 * boot's DHCP start, longer than the card's ring).  With two, AdrOS's
 * preemptive scheduler runs the second one's thread meanwhile; the
 * interrupt threads that need no big lock (rumpuser_pci.c) are the ones
 * that gain. */
#define RUMPUSER_ADROS_NCPU "2"

/* Numeric parameters: allowed range, and whether k/m/g suffixes apply. */
static const struct {
    const char *name;
    uint64_t min, max;
    bool size;
} numeric[] = {
    { "RUMP_MEMLIMIT", 1u << 20, 1ull << 40, true }, /* the rump kernel reserves 128 KiB */
    { RUMPUSER_PARAM_NCPU, 1, 32, false },
    { "RUMP_NCPU", 1, 32, false },
    { "RUMP_NVNODES", 1, 1u << 24, false },
    { "RUMP_THREADS", 0, 1, false },
    { "RUMP_VERBOSE", 0, 1u << 16, false },
    { "RUMP_BLKSECTSHIFT", 9, 16, false },
};

static bool numeric_ok(const char *v, uint64_t min, uint64_t max, bool size)
{
    uint64_t n = 0;
    const char *p = v;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (uint64_t)(*p - '0');
        if (n > max)
            return false;
    }
    if (size && *p) {
        unsigned shift = (*p == 'k' || *p == 'K') ? 10 : (*p == 'm' || *p == 'M') ? 20 : (*p == 'g' || *p == 'G') ? 30 : 0;
        if (!shift || p[1] || n > (max >> shift))
            return false;
        n <<= shift;
        p++;
    }
    return !*p && n >= min && n <= max;
}

/* The value of a parameter after those checks, or NULL. */
static const char *checked_param(const char *name, const char *v)
{
    if (!v || !*v)
        return NULL;
    for (size_t i = 0; i < ARRAY_SIZE(numeric); i++) {
        if (strcmp(name, numeric[i].name) != 0)
            continue;
        if (numeric_ok(v, numeric[i].min, numeric[i].max, numeric[i].size))
            return v;
        static uint32_t reported; /* one message per parameter */
        if (!(reported & (1u << i))) {
            reported |= 1u << i;
            kprintf(KERN_ERR "rumpuser: ignoring rump.%s=\"%s\": expected %s from %llu to %llu; using the default\n",
                    name, v, numeric[i].size ? "a size (k/m/g suffix)" : "a number",
                    (unsigned long long)numeric[i].min, (unsigned long long)numeric[i].max);
        }
        return NULL;
    }
    return v;
}

size_t rumpuser_adros_default_memlimit(void)
{
    struct pmm_stats st;
    pmm_get_stats(&st);
    size_t half = (size_t)st.total_pages / 2 * PAGE_SIZE;
    return MAX(half, (size_t)8 << 20);
}

const char *rumpuser__param(const char *name)
{
    char key[CMDLINE_KEY_MAX];
    if (strlen(PARAM_PREFIX) + strlen(name) >= sizeof(key))
        return NULL;
    strlcpy(key, PARAM_PREFIX, sizeof(key));
    strlcat(key, name, sizeof(key));
    const char *raw = cmdline_get(key);
    bool memlimit = strcmp(name, "RUMP_MEMLIMIT") == 0;
    if (memlimit && raw && strcmp(raw, "off") == 0)
        return NULL;
    const char *v = checked_param(name, raw);
    if (!v && memlimit) {
        static char def[24];
        ksnprintf(def, sizeof(def), "%zu", rumpuser_adros_default_memlimit());
        v = def;
    }
    return v;
}

int rumpuser_getparam(const char *name, void *buf, size_t buflen)
{
    if (!name || !buf)
        return EINVAL;
    const char *v = rumpuser__param(name);
    if (!v) {
        if (strcmp(name, RUMPUSER_PARAM_NCPU) == 0)
            v = RUMPUSER_ADROS_NCPU;
        else if (strcmp(name, RUMPUSER_PARAM_HOSTNAME) == 0)
            v = "adros";
        else
            return ENOENT;
    }
    size_t n = strlen(v);
    if (n + 1 > buflen) {
        if (buflen)
            *(char *)buf = '\0';
        return ERANGE;
    }
    memcpy(buf, v, n + 1);
    return 0;
}
