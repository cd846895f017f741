/* The shell: an interactive command line on the console (COM1, and VGA with
 * the PS/2 keyboard), and a script mode for automated boots.
 *
 * Commands are registered through <adros/cmd.h> (SHELL_CMD), which also
 * gives them their output, errors and Ctrl-C; this header adds the shell
 * itself.
 *
 * Kernel options: run="<cmd>;<cmd>;..." runs the commands at boot and powers
 * off; init=<path> does the same with a script file (one command a line, '#'
 * comments).  Each failing command is reported as "[exit N] <command line>",
 * the end as "script: N commands, M failed"; QEMU's exit status says whether
 * any failed. */
#ifndef ADROS_SHELL_H
#define ADROS_SHELL_H

#include <adros/cmd.h>

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

#endif
