/* librumpuser_adros, parameter group: rumpuser_getparam.
 *
 * Every parameter can be set on the kernel command line as
 * rump.<NAME>=<value> (rump.RUMP_VERBOSE=1, rump._RUMPUSER_NCPU=2,
 * rump.RUMP_MEMLIMIT=64m ...).  The two mandatory ones always have an
 * answer: _RUMPUSER_NCPU (default 1: AdrOS runs on one CPU) and
 * _RUMPUSER_HOSTNAME (default "adros").  Any other name not set on the
 * command line answers ENOENT, and the rump kernel uses its own default.
 * Values are returned as NUL-terminated strings; a buffer too small for
 * the value and its NUL answers ERANGE and is left holding "" (never an
 * overflow, never a truncated value the kernel might misread). */
#include <adros/cmdline.h>
#include <adros/string.h>

#include "rumpuser_int.h"

KOPTION(rump_params, "rump.", "rump.<NAME>=<value>: a rump kernel parameter (rumpuser_getparam)");

#define PARAM_PREFIX "rump."

const char *rumpuser__param(const char *name)
{
    char key[CMDLINE_KEY_MAX];
    if (strlen(PARAM_PREFIX) + strlen(name) >= sizeof(key))
        return NULL;
    strlcpy(key, PARAM_PREFIX, sizeof(key));
    strlcat(key, name, sizeof(key));
    return cmdline_get(key);
}

int rumpuser_getparam(const char *name, void *buf, size_t buflen)
{
    if (!name || !buf)
        return EINVAL;
    const char *v = rumpuser__param(name);
    if (!v) {
        if (strcmp(name, RUMPUSER_PARAM_NCPU) == 0)
            v = "1";
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
