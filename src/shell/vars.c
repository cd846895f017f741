/* Shell variables: NAME=value, $NAME, export, unset, set.  A fixed table
 * (VARS_MAX names of up to 31 characters, values of up to 127); used by the
 * shell thread only ($? and $PWD are exec.c's). */
#include <adros/errno.h>
#include <adros/string.h>
#include "shell_internal.h"

#define VARS_MAX 32
static struct {
    char name[32];
    char value[128];
    bool exported;
} vars[VARS_MAX];

const char *sh_getvar(const char *name)
{
    for (int i = 0; i < VARS_MAX; i++)
        if (vars[i].name[0] && strcmp(vars[i].name, name) == 0)
            return vars[i].value;
    return NULL;
}

int sh_setvar(const char *assign, bool exported)
{
    const char *eq = strchr(assign, '=');
    size_t nl = eq ? (size_t)(eq - assign) : strlen(assign);
    int free_slot = -1;
    if (nl == 0 || nl >= sizeof(vars[0].name))
        return -EINVAL;
    if (eq && strlen(eq + 1) >= sizeof(vars[0].value))
        return -ENAMETOOLONG;
    for (int i = 0; i < VARS_MAX; i++) {
        if (!vars[i].name[0]) {
            if (free_slot < 0)
                free_slot = i;
            continue;
        }
        if (strncmp(vars[i].name, assign, nl) == 0 && vars[i].name[nl] == '\0') {
            if (eq)
                strlcpy(vars[i].value, eq + 1, sizeof(vars[i].value));
            vars[i].exported |= exported;
            return 0;
        }
    }
    if (free_slot < 0)
        return -ENOSPC;
    memcpy(vars[free_slot].name, assign, nl);
    vars[free_slot].name[nl] = '\0';
    strlcpy(vars[free_slot].value, eq ? eq + 1 : "", sizeof(vars[free_slot].value));
    vars[free_slot].exported = exported;
    return 0;
}

int sh_unsetvar(const char *name)
{
    for (int i = 0; i < VARS_MAX; i++)
        if (vars[i].name[0] && strcmp(vars[i].name, name) == 0) {
            vars[i].name[0] = '\0';
            return 0;
        }
    return -ENOENT;
}

void sh_printvars(bool exported_only)
{
    for (int i = 0; i < VARS_MAX; i++)
        if (vars[i].name[0] && (!exported_only || vars[i].exported))
            shell_printf("%s%s=%s\n", exported_only ? "export " : "", vars[i].name, vars[i].value);
}

