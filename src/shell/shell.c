/* The shell's core: command lookup in the shell_cmds linker set, script
 * mode (run=, init=), the interactive loop, and the built-ins help and
 * history.  Running a line (pipelines, jobs, redirections) is exec.c's.
 *
 * One shell runs, in the boot thread (kernel_main_loop). */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/power.h>
#include <adros/sched.h>
#include <adros/string.h>
#include "shell_internal.h"

KOPTION(run, "run", "run=\"<cmd>;<cmd>;...\": run shell commands at boot, then power off");
KOPTION(init, "init", "init=<path>: run the shell script at <path> at boot, then power off");

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

static const char PROMPT[] = "adros> ";

const char *shell_strerror(int err)
{
    static const struct {
        int err;
        const char *text;
    } texts[] = {
        { ENOENT, "no such file or directory (ENOENT)" }, { ENOTDIR, "not a directory (ENOTDIR)" },
        { EISDIR, "is a directory (EISDIR)" },            { EACCES, "permission denied (EACCES)" },
        { EROFS, "read-only file system (EROFS)" },       { EBUSY, "busy (EBUSY)" },
        { ENODEV, "no such device or file system type (ENODEV)" },
        { ENXIO, "no such device (ENXIO)" },              { EINVAL, "invalid argument (EINVAL)" },
        { EIO, "I/O error (EIO)" },                       { ELOOP, "too many symbolic links (ELOOP)" },
        { ENAMETOOLONG, "name too long (ENAMETOOLONG)" }, { ENOMEM, "out of memory (ENOMEM)" },
        { EEXIST, "already exists (EEXIST)" },            { ENOSPC, "no space left (ENOSPC)" },
        { ENOTEMPTY, "directory not empty (ENOTEMPTY)" }, { EFTYPE, "bad file system image (EFTYPE)" },
        { ENOTBLK, "not a block device (ENOTBLK)" },      { ENOSYS, "not implemented (ENOSYS)" },
        { EOPNOTSUPP, "operation not supported (EOPNOTSUPP)" },
        { EINTR, "interrupted (EINTR)" },                 { EFBIG, "file too large (EFBIG)" },
    };
    if (err < 0)
        err = -err;
    for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
        if (texts[i].err == err)
            return texts[i].text;
    return strerror(-err);
}

const struct shell_cmd *shell_find(const char *name)
{
    for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

void sh_complete_commands(const char *prefix, void (*add)(void *ctx, const char *name, bool dir), void *ctx)
{
    size_t n = strlen(prefix);
    for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
        if (strncmp(c->name, prefix, n) == 0)
            add(ctx, c->name, false);
}

int shell_usage(const char *argv0)
{
    const struct shell_cmd *c = shell_find(argv0);
    shell_printf("usage: %s\n", c ? c->usage : argv0);
    return SHELL_USAGE;
}

int shell_sleep(uint64_t ns)
{
    uint64_t deadline = clock_gettime_ns() + ns;
    while (clock_gettime_ns() < deadline) {
        if (shell_interrupted())
            return SHELL_INTERRUPTED;
        /* Slices, in case the sleeper is not the killable job thread. */
        uint64_t next = MIN(deadline, clock_gettime_ns() + 100 * NSEC_PER_MSEC);
        process_sleep_until(next);
    }
    return shell_interrupted() ? SHELL_INTERRUPTED : 0;
}

int shell_run_script(const char *text)
{
    static char cmd[SHELL_LINE_MAX];
    int n = 0, failed = 0;
    const char *s = text;
    while (s) {
        bool trunc;
        s = shell_next_command(s, cmd, sizeof(cmd), &trunc);
        char *p = cmd;
        while (*p == ' ' || *p == '\t' || *p == '\r')
            p++;
        size_t len = strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
            p[--len] = '\0';
        if (!*p || *p == '#')
            continue;
        n++;
        sh_jobs_report(); /* background jobs of earlier commands that ended */
        /* The echo, the output and the status stay together. */
        klog_hold();
        shell_printf("adros# %s\n", p);
        if (trunc) {
            shell_printf("shell: command too long (over %u characters)\n[exit %d] %s\n",
                         (unsigned)(sizeof(cmd) - 1), SHELL_USAGE, p);
            failed++;
        } else if (shell_run_line(p) != 0) {
            failed++;
        }
        klog_release();
    }
    shell_printf("script: %d commands, %d failed\n", n, failed);
    return failed;
}

/* --- built-ins --- */
static int cmd_help(int argc, char **argv)
{
    if (argc > 2)
        return shell_usage(argv[0]);
    if (argc == 2) {
        const struct shell_cmd *c = shell_find(argv[1]);
        if (!c)
            return shell_error(argv[0], "no command \"%s\"", argv[1]);
        shell_printf("usage: %s\n  %s\n", c->usage, c->help);
        return 0;
    }
    /* Sorted by name: the linker set is in link order. */
    const struct shell_cmd *list[128];
    size_t n = 0;
    for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds && n < ARRAY_SIZE(list); c++) {
        size_t i = n++;
        while (i > 0 && strcmp(list[i - 1]->name, c->name) > 0) {
            list[i] = list[i - 1];
            i--;
        }
        list[i] = c;
    }
    shell_printf("Commands (help <command> for its usage):\n");
    for (size_t i = 0; i < n; i++)
        shell_printf("  %-10s %s\n", list[i]->name, list[i]->help);
    shell_printf("Keys: Left/Right, Home/End (Ctrl-A/E), Backspace, Delete, Ctrl-K/W/U erase to the end, a word,\n"
                 "  the line; Ctrl-L clears the screen; Tab completes (twice: lists); Up/Down history;\n"
                 "  Ctrl-C cancels or interrupts.  Lines: a | b, > f, >> f, < f, 2>&1, ;, &&, ||, cmd &,\n"
                 "  $NAME, NAME=value, *.c, ~.\n");
    return 0;
}
SHELL_CMD(help, cmd_help, "help [command]", "list the commands, or show one's usage");

static int cmd_history(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    return sh_history_print();
}
SHELL_CMD(history, cmd_history, "history", "show the command history (Up/Down recall it)");

/* --- entry point --- */
static __noreturn void script_mode(const char *what, const char *text)
{
    shell_printf("script: running %s\n", what);
    int failed = shell_run_script(text);
    machine_poweroff(failed ? POWEROFF_FAIL : POWEROFF_OK);
}

void shell_main(void)
{
    static char line[SHELL_LINE_MAX];
    thread_current()->flags |= PROCESS_FLAG_MEMRESERVE; /* commands always start */
    klog_set_foreground(KLOG_FG_SHELL, thread_current());
    sh_exec_init();
    int r = sh_input_start();
    if (r < 0)
        kprintf(KERN_ERR "shell: cannot start the input thread: %s\n", strerror(r));
    sh_boot_mounts();
    const char *run = cmdline_get("run");
    if (run)
        script_mode("run=", run);
    const char *init = cmdline_get("init");
    if (init) {
        char *text = sh_read_script(init);
        if (!text) {
            shell_printf("script: 0 commands, 1 failed\n");
            machine_poweroff(POWEROFF_FAIL);
        }
        char what[80];
        ksnprintf(what, sizeof(what), "init=%s", init);
        script_mode(what, text);
    }
    shell_printf("AdrOS shell: type help for the commands; Ctrl-C interrupts; under QEMU Ctrl-A X quits.\n");
    for (;;) {
        sh_jobs_report();
        int n = sh_readline(PROMPT, line);
        if (n <= 0)
            continue;
        /* Log lines are held from the Enter (sh_readline) to the next prompt. */
        sh_history_add(line);
        sh_run_typed(line);
    }
}
