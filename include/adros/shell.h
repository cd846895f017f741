/* The shell: an interactive command line on the console (COM1, and VGA with
 * the PS/2 keyboard), and a script mode for automated boots.
 *
 * Commands live in the "shell_cmds" linker section, so any subsystem adds its
 * own without touching the shell:
 *
 *   static int cmd_hello(int argc, char **argv) { shell_printf("hi\n"); return 0; }
 *   SHELL_CMD(hello, cmd_hello, "hello", "say hello");
 *
 * A command runs in a thread of its own (64 KiB stack) and returns an exit
 * status: 0 for success, SHELL_FAIL for an error, SHELL_USAGE for bad
 * arguments, SHELL_INTERRUPTED when the user pressed Ctrl-C.  A command that
 * takes a while polls shell_interrupted() and returns SHELL_INTERRUPTED when
 * it turns true; Ctrl-C also kills the thread (process_kill), so its
 * process_sleep() calls return -EINTR at once.  Errors are one line:
 * "<cmd>: <what went wrong>".  Output goes through shell_printf(), straight
 * to the consoles (not into the kernel log, which dmesg shows).
 *
 * Kernel options: run="<cmd>;<cmd>;..." runs the commands at boot and powers
 * off; init=<path> does the same with a script file (one command a line, '#'
 * comments).  Each failing command is reported as "[exit N] <command line>",
 * the end as "script: N commands, M failed"; QEMU's exit status says whether
 * any failed. */
#ifndef ADROS_SHELL_H
#define ADROS_SHELL_H

#include <adros/types.h>

enum { SHELL_OK = 0, SHELL_FAIL = 1, SHELL_USAGE = 2, SHELL_INTERRUPTED = 130 };

#define SHELL_LINE_MAX 512 /* bytes in a command line, terminator included */
#define SHELL_ARGV_MAX 32

typedef int (*shell_cmd_fn)(int argc, char **argv);

struct shell_cmd {
    const char *name;
    shell_cmd_fn fn;
    const char *usage; /* "ls [path]" */
    const char *help;  /* one line */
};

#define SHELL_CMD(nm, func, usg, hlp) \
    static const struct shell_cmd __shell_cmd_##nm __used \
        __attribute__((section("shell_cmds"), aligned(4))) = { #nm, func, usg, hlp }

/* --- for commands --- */
int shell_printf(const char *fmt, ...) __printf(1, 2);
void shell_write(const char *s, size_t n);
/* Prints "<argv0>: <message>" and returns SHELL_FAIL. */
int shell_error(const char *argv0, const char *fmt, ...) __printf(2, 3);
/* Prints "usage: <the command's usage>" and returns SHELL_USAGE. */
int shell_usage(const char *argv0);
/* A negative (or positive) errno for people: "no such file or directory
 * (ENOENT)". */
const char *shell_strerror(int err);
/* True once the user pressed Ctrl-C during the running command. */
bool shell_interrupted(void);
/* Sleeps ns, waking early on Ctrl-C: returns 0 or SHELL_INTERRUPTED. */
int shell_sleep(uint64_t ns);

/* --- the shell itself --- */
const struct shell_cmd *shell_find(const char *name);
/* Parses and runs one command line (in a thread of its own); returns its exit
 * status.  Empty lines and comments return 0. */
int shell_run_line(const char *line);
/* Runs a script: commands separated by ';' or newlines, each echoed as
 * "adros# <cmd>"; returns the number that failed. */
int shell_run_script(const char *text);
/* The kernel's last act: script mode (run=, init=) or the interactive loop. */
__noreturn void shell_main(void);

/* --- portable helpers (src/shell/parse.c, host-tested) --- */
/* Splits line in place into argv (whitespace separated; "..." and '...'
 * quote, backslash escapes the next character outside single quotes).
 * Returns argc (0 for an empty line or a '#' comment), or -1 with *err set
 * (unterminated quote, too many arguments). */
int shell_split_args(char *line, char **argv, int max, const char **err);
/* Copies the next command of a script (up to an unquoted ';' or a newline)
 * into out (truncated to outsz-1) and returns where the following one
 * starts, or NULL at the end of the text.  *truncated tells whether the
 * command did not fit. */
const char *shell_next_command(const char *s, char *out, size_t outsz, bool *truncated);
/* Parses a decimal or 0x number with an optional K/M/G (binary) suffix;
 * false on anything else or overflow. */
bool shell_parse_u64(const char *s, uint64_t *out);
/* Parses "1", "2.5", "0.1" seconds into nanoseconds (at most 10^6 s). */
bool shell_parse_seconds(const char *s, uint64_t *ns);
/* Formats a byte count for people: "512B", "1.5K", "64.0M", "2.0G", "1.0T"
 * (binary units, one decimal, rounded down). */
void shell_format_size(uint64_t bytes, char *buf, size_t size);

#endif
