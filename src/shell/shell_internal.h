/* Private interface between the shell's files (src/shell/). */
#ifndef SHELL_INTERNAL_H
#define SHELL_INTERNAL_H

#include <adros/shell.h>

/* lineedit.c: the input reader thread, line editing and history. */
int sh_input_start(void);
/* Reads one line with echo and editing into buf (size SHELL_LINE_MAX).
 * Returns its length, or -1 when the user cancelled it with Ctrl-C. */
int sh_readline(const char *prompt, char *buf);
void sh_history_add(const char *line);
int sh_history_print(void);
/* For a running command that reads the console itself (nc): the next
 * input byte, waiting up to timeout_ns (0: not at all).  -ETIMEDOUT, or
 * -EINTR when the command is interrupted.  Ctrl-C never arrives here: it
 * interrupts the command. */
int sh_input_getc(uint64_t timeout_ns);
/* Writes a background job's output to the terminal, redrawing the line
 * being typed after it. */
void sh_async_write(const char *s, size_t n);
/* Drops type-ahead (after Ctrl-C interrupted a command, as a tty does). */
void sh_input_flush(void);
uint64_t sh_input_dropped(void);

/* cmd_mount.c: mounts asked for with mount= (before the shell starts), and
 * the init= script read whole (kmalloc'd, NUL-terminated; NULL after
 * printing why not). */
void sh_boot_mounts(void);
char *sh_read_script(const char *path);

/* shell.c: called by the reader thread for a Ctrl-C.  Returns true if a
 * command was running (and is now asked to stop), false if the byte should
 * go to the line editor instead. */
bool sh_interrupt_job(void);

/* pipe.c: a pipe made with one reader and one writer; close each end
 * once (the last close frees it).  Writes all of buf or fails: -EPIPE (no
 * reader), -EINTR (killed); reads what is there, 0 at EOF, or -EINTR. */
struct sh_pipe;
struct sh_pipe *sh_pipe_new(void);
void sh_pipe_close(struct sh_pipe *p, bool writer);
ssize_t sh_pipe_write(struct sh_pipe *p, const char *buf, size_t n);
ssize_t sh_pipe_read(struct sh_pipe *p, char *buf, size_t n);
/* A second writer of p (2>&1 into a pipe). */
void sh_pipe_add_writer(struct sh_pipe *p);

/* shell.c: calls add(ctx, name, false) for each command starting with prefix. */
void sh_complete_commands(const char *prefix, void (*add)(void *ctx, const char *name, bool dir), void *ctx);

/* exec.c: running lines, jobs, the working directory, variables. */
void sh_exec_init(void);
/* shell_run_line for a typed line: a Ctrl-C from its Enter on stops it. */
int sh_run_typed(const char *line);
/* Prints the background jobs that ended since the last prompt. */
void sh_jobs_report(void);
int sh_jobs_list(void);
/* A job named by "%N" or "N" (NULL: the newest): -ESRCH if none. */
int sh_job_fg(const char *spec);
int sh_job_wait(const char *spec);
int sh_job_kill(const char *spec);
int sh_chdir(const char *path);
/* vars.c */
const char *sh_getvar(const char *name);
/* "NAME=value" (or "NAME" to only mark it exported). */
int sh_setvar(const char *assign, bool exported);
int sh_unsetvar(const char *name);
void sh_printvars(bool exported_only);

#endif
