/* Built-ins of the shell itself: the working directory (cd, pwd), variables
 * (export, unset, set), jobs (jobs, fg, wait, kill %N), and true/false.
 * cd, export, unset, fg and wait run in the shell's own thread (exec.c's
 * is_inline), since they change the shell. */
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/kprintf.h>
#include <adros/string.h>
#include "shell_internal.h"

static int cmd_cd(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    const char *to = argc == 2 ? argv[1] : "/";
    if (strcmp(to, "-") == 0) {
        to = sh_getvar("OLDPWD");
        if (!to)
            return shell_error(argv[0], "no previous directory");
    }
    char old[256];
    strlcpy(old, shell_cwd(), sizeof(old));
    int r = sh_chdir(to);
    if (r < 0)
        return shell_error(argv[0], "%s: %s", to, shell_strerror(r));
    char assign[8 + sizeof(old)];
    ksnprintf(assign, sizeof(assign), "OLDPWD=%s", old);
    sh_setvar(assign, false);
    return 0;
}
SHELL_CMD(cd, cmd_cd, "cd [dir|-]", "change the working directory (relative paths start there)");

static int cmd_pwd(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    shell_printf("%s\n", shell_cwd());
    return 0;
}
SHELL_CMD(pwd, cmd_pwd, "pwd", "print the working directory");

/* Kernel options that can change while the system runs: export sets them
 * too (export loglevel=7). */
static int export_option(const char *argv0, const char *assign)
{
    if (strncmp(assign, "loglevel=", 9) == 0) {
        uint64_t v;
        if (!shell_parse_u64(assign + 9, &v) || v > 7)
            return shell_error(argv0, "loglevel: 0..7");
        klog_set_console_level((int)v);
    }
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    if (argc == 1) {
        sh_printvars(true);
        return 0;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (export_option(argv[0], argv[i])) {
            status = SHELL_FAIL;
            continue;
        }
        int r = sh_setvar(argv[i], true);
        if (r < 0)
            status = shell_error(argv[0], "%s: %s", argv[i],
                                 r == -EINVAL ? "bad name" : r == -ENOSPC ? "too many variables" : "value too long");
    }
    return status;
}
SHELL_CMD(export, cmd_export, "export [NAME[=value]...]",
          "set shell variables ($NAME), or list the exported ones; loglevel=0..7 also sets the console's log level");

static int cmd_unset(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage(argv[0]);
    for (int i = 1; i < argc; i++)
        sh_unsetvar(argv[i]);
    return 0;
}
SHELL_CMD(unset, cmd_unset, "unset NAME...", "forget shell variables");

static int cmd_set(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    sh_printvars(false);
    return 0;
}
SHELL_CMD(set, cmd_set, "set", "list the shell variables (NAME=value sets one)");

static int cmd_true(int argc, char **argv) { return 0; }
SHELL_CMD(true, cmd_true, "true", "do nothing, successfully");

static int cmd_false(int argc, char **argv) { return SHELL_FAIL; }
SHELL_CMD(false, cmd_false, "false", "do nothing, unsuccessfully (status 1)");

static int cmd_jobs(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    return sh_jobs_list();
}
SHELL_CMD(jobs, cmd_jobs, "jobs", "list the background jobs (cmd &)");

static int job_error(const char *argv0, const char *spec, int r)
{
    if (r == -ESRCH)
        return shell_error(argv0, "%s: no such job", spec ? spec : "current");
    return r;
}

static int cmd_fg(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    return job_error(argv[0], argv[1], sh_job_fg(argc == 2 ? argv[1] : NULL));
}
SHELL_CMD(fg, cmd_fg, "fg [%N]", "bring a background job to the foreground (Ctrl-C stops it)");

static int cmd_wait(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    return job_error(argv[0], argv[1], sh_job_wait(argc == 2 ? argv[1] : NULL));
}
SHELL_CMD(wait, cmd_wait, "wait [%N]", "wait for the background jobs (or one) to end");

static int cmd_kill(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] != '%')
        return shell_usage(argv[0]);
    int r = sh_job_kill(argv[1]);
    return r < 0 ? job_error(argv[0], argv[1], r) : 0;
}
SHELL_CMD(kill, cmd_kill, "kill %N", "stop a background job, as Ctrl-C would");
