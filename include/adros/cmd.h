/* The command interface: what a program run from the shell (src/apps/)
 * or a built-in (src/shell/) is given.  A program registers itself in the
 * "shell_cmds" linker section, so adding one touches nothing else:
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
 * "<cmd>: <what went wrong>".
 *
 * Every command has a standard input, output and error, as a C program
 * does: the console, a pipe to the next command of a pipeline ("a | b"),
 * or a file ("> f", "< f", "2>&1").  shell_printf() and shell_write() go
 * to standard output, shell_error() and shell_eprintf() to standard error,
 * shell_read() reads standard input; none of them goes into the kernel log
 * (which dmesg shows).  When the command reading a pipe is gone, writing to
 * it makes shell_interrupted() true, so a producer stops as on Ctrl-C.
 * Relative paths given to the VFS by a command resolve against the shell's
 * working directory (cd). 
 *
 * The functions are the shell's (src/shell/): this header is the contract
 * a program is written against, as a C program is written against its C
 * library, and the only shell header outside src/shell/ may include
 * (docs/ARCHITECTURE.md). */
#ifndef ADROS_CMD_H
#define ADROS_CMD_H

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
    unsigned flags;    /* SHELL_CMD_RESERVE */
};

/* The command runs on the memory reserve (<adros/mm.h>): it must work when
 * something else took all memory (rm, sync, df, poweroff...).  Only for
 * commands whose own use of memory is small and bounded. */
#define SHELL_CMD_RESERVE 0x1u

/* The name is stringified here, at the first expansion: passed on to
 * another macro, a name that is also a macro (false, true) would expand. */
#define SHELL_CMD(nm, func, usg, hlp) SHELL_CMD__(__shell_cmd_##nm, #nm, func, usg, hlp, 0)
#define SHELL_CMD_FLAGS(nm, func, usg, hlp, fl) SHELL_CMD__(__shell_cmd_##nm, #nm, func, usg, hlp, fl)
#define SHELL_CMD__(var, name, func, usg, hlp, fl) \
    static const struct shell_cmd var __used \
        __attribute__((section("shell_cmds"), aligned(4))) = { name, func, usg, hlp, fl }

int shell_printf(const char *fmt, ...) __printf(1, 2);
void shell_write(const char *s, size_t n);
/* Prints "<argv0>: <message>" and returns SHELL_FAIL. */
int shell_error(const char *argv0, const char *fmt, ...) __printf(2, 3);
/* Prints "usage: <the command's usage>" and returns SHELL_USAGE. */
int shell_usage(const char *argv0);
/* A negative (or positive) errno for people: "no such file or directory
 * (ENOENT)". */
const char *shell_strerror(int err);
/* Formats to standard error. */
int shell_eprintf(const char *fmt, ...) __printf(1, 2);
/* Reads up to n bytes of standard input: as soon as any are there (from the
 * terminal: a line, echoed; Ctrl-D ends it).  0 at its end, or a negative
 * errno (-EINTR on Ctrl-C). */
ssize_t shell_read(void *buf, size_t n);
/* Whether standard input / output is the terminal (not a pipe or file). */
bool shell_stdin_is_tty(void);
bool shell_stdout_is_tty(void);
/* The working directory, and path made absolute against it (".", ".." and
 * repeated '/' removed): 0 or -ENAMETOOLONG. */
const char *shell_cwd(void);
int shell_abspath(const char *path, char *out, size_t size);
/* True once the user pressed Ctrl-C during the running command (or the
 * pipe it writes to lost its reader). */
bool shell_interrupted(void);
/* Sleeps ns, waking early on Ctrl-C: returns 0 or SHELL_INTERRUPTED. */
int shell_sleep(uint64_t ns);

/* Portable helpers (src/shell/parse.c, host-tested). */
/* Parses a decimal or 0x number with an optional K/M/G (binary) suffix;
 * false on anything else or overflow. */
bool shell_parse_u64(const char *s, uint64_t *out);
/* Parses "1", "2.5", "0.1" seconds into nanoseconds (at most 10^6 s). */
bool shell_parse_seconds(const char *s, uint64_t *ns);
/* Formats a byte count for people: "512B", "1.5K", "64.0M", "2.0G", "1.0T"
 * (binary units, one decimal, rounded down). */
void shell_format_size(uint64_t bytes, char *buf, size_t size);

#endif
