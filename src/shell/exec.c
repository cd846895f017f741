/* Running command lines: pipelines of commands, each in a thread of its own,
 * joined by pipes (pipe.c); redirections to files; background jobs; the
 * working directory; and each command's standard input, output and error
 * (the <adros/cmd.h> I/O functions).
 *
 * One shell, in the boot thread.  Every command thread is found through
 * the process table (procs[]), which maps a thread to its streams; a thread
 * not in it (a command's own helper threads, the rest of the kernel) writes
 * to the console.  procs[], the jobs and the pipes change only with
 * interrupts off (one CPU); a pipe's data is copied with them off too (at
 * most PIPE_SIZE bytes). */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/vfs.h>
#include "cmdlang.h"
#include "shell_internal.h"

#define JOB_STACK (64u * 1024u)
#define PROCS_MAX 48
#define JOBS_MAX 8

/* --- streams, processes, jobs --- */
enum { ST_CONSOLE, ST_NULL, ST_PIPE, ST_FILE };
struct stream {
    int kind;
    struct sh_pipe *pipe;
    struct file *file;
};

struct job;
struct proc {
    struct thread *t; /* while it runs; interrupts off */
    struct job *job;
    const struct shell_cmd *cmd;
    int argc;
    char **argv;
    struct stream in, out, err;
    bool epipe;       /* its output's reader is gone */
    int status;
};

struct job {
    int id;           /* 1..JOBS_MAX while in jobs[], 0 for a foreground one */
    bool bg;
    volatile bool intr;
    int nprocs, running;
    struct waitq done;
    struct proc proc[SH_PIPE_MAX];
    char text[80];
    struct sh_pipeline pl; /* the argv strings */
};

static struct proc *procs[PROCS_MAX];
static struct job *jobs[JOBS_MAX];
static struct job *fg_job;           /* Ctrl-C's target */
static volatile bool fg_intr;        /* Ctrl-C since the line's Enter */
static volatile bool line_running;
static struct proc shell_proc;       /* built-ins run by the shell thread */
static struct thread *shell_thread;
static int last_status;

static struct proc *cur_proc(void)
{
    struct thread *me = thread_current();
    irqflags_t f = irq_save();
    struct proc *p = NULL;
    for (int i = 0; i < PROCS_MAX && !p; i++)
        if (procs[i] && procs[i]->t == me)
            p = procs[i];
    irq_restore(f);
    if (!p && me && me == shell_thread)
        p = &shell_proc;
    return p;
}

static void stream_close(struct stream *s, bool writer)
{
    if (s->kind == ST_PIPE)
        sh_pipe_close(s->pipe, writer);
    else if (s->kind == ST_FILE)
        vfs_close(s->file);
    s->kind = ST_CONSOLE;
}

static void stream_write(struct proc *p, struct stream *s, const char *buf, size_t n)
{
    if (!n)
        return;
    if (!p || s->kind == ST_CONSOLE) {
        if (p && p->job && p->job->bg)
            sh_async_write(buf, n);
        else
            kputs_raw(buf, n);
    } else if (s->kind == ST_PIPE) {
        if (!p->epipe && sh_pipe_write(s->pipe, buf, n) == -EPIPE)
            p->epipe = true; /* shell_interrupted() turns true: the writer stops */
    } else if (s->kind == ST_FILE) {
        vfs_write(s->file, buf, n);
    }
}

/* --- the command interface: output --- */
struct outbuf {
    struct proc *p;
    struct stream *s;
    char b[128];
    size_t n;
};

static void out_put(void *ctx, const char *s, size_t n)
{
    struct outbuf *o = ctx;
    while (n) {
        size_t k = MIN(n, sizeof(o->b) - o->n);
        memcpy(o->b + o->n, s, k);
        o->n += k;
        s += k;
        n -= k;
        if (o->n == sizeof(o->b)) {
            stream_write(o->p, o->s, o->b, o->n);
            o->n = 0;
        }
    }
}

static int out_vprintf(bool err, const char *fmt, va_list ap)
{
    struct proc *p = cur_proc();
    struct outbuf o = { .p = p, .s = p ? (err ? &p->err : &p->out) : NULL, .n = 0 };
    int n = kvformat(out_put, &o, fmt, ap);
    stream_write(o.p, o.s, o.b, o.n);
    return n;
}

int shell_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = out_vprintf(false, fmt, ap);
    va_end(ap);
    return n;
}

void shell_write(const char *s, size_t n)
{
    struct proc *p = cur_proc();
    stream_write(p, p ? &p->out : NULL, s, n);
}

int shell_eprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = out_vprintf(true, fmt, ap);
    va_end(ap);
    return n;
}

int shell_error(const char *argv0, const char *fmt, ...)
{
    va_list ap;
    shell_eprintf("%s: ", argv0);
    va_start(ap, fmt);
    out_vprintf(true, fmt, ap);
    va_end(ap);
    shell_eprintf("\n");
    return SHELL_FAIL;
}

/* --- input --- */
ssize_t shell_read(void *buf, size_t n)
{
    struct proc *p = cur_proc();
    if (!n)
        return 0;
    if (!p || p->in.kind == ST_NULL)
        return 0;
    if (p->in.kind == ST_PIPE)
        return sh_pipe_read(p->in.pipe, buf, n);
    if (p->in.kind == ST_FILE)
        return vfs_read(p->in.file, buf, n);
    /* The terminal: a line at a time, echoed; Ctrl-D ends the input. */
    char *b = buf;
    size_t k = 0;
    while (k < n) {
        int c = sh_input_getc(UINT64_MAX);
        if (c == -ETIMEDOUT)
            continue;
        if (c < 0)
            return k ? (ssize_t)k : c;
        if (c == 4) /* Ctrl-D */
            break;
        if (c == '\r')
            c = '\n';
        if (c == 8 || c == 127) {
            if (k) {
                k--;
                kputs_raw("\b \b", 3);
            }
            continue;
        }
        if (c != '\n' && (c < 32 || c >= 127))
            continue;
        char ch = (char)c;
        kputs_raw(&ch, 1);
        b[k++] = ch;
        if (c == '\n')
            break;
    }
    return (ssize_t)k;
}

static bool stream_is_tty(int which)
{
    struct proc *p = cur_proc();
    if (!p)
        return true;
    const struct stream *s = which == 0 ? &p->in : which == 1 ? &p->out : &p->err;
    return s->kind == ST_CONSOLE;
}

bool shell_stdin_is_tty(void) { return stream_is_tty(0); }
bool shell_stdout_is_tty(void) { return stream_is_tty(1); }

bool shell_interrupted(void)
{
    struct proc *p = cur_proc();
    if (p && p->job)
        return p->job->intr || p->epipe || thread_killed();
    return fg_intr || (p && p->epipe) || thread_killed();
}

/* --- Ctrl-C --- */
bool sh_interrupt_job(void)
{
    irqflags_t f = irq_save();
    struct job *j = fg_job;
    bool hit = j || line_running;
    if (hit)
        fg_intr = true;
    if (j) {
        j->intr = true;
        for (int i = 0; i < j->nprocs; i++)
            if (j->proc[i].t)
                process_kill(j->proc[i].t); /* wakes it from any wait */
    }
    irq_restore(f);
    if (hit)
        sh_input_flush();
    return hit;
}

/* --- the working directory --- */
static char cwd[VFS_PATH_MAX] = "/";

static const char *cwd_hook(void) { return cur_proc() ? cwd : NULL; }

const char *shell_cwd(void) { return cwd; }

int shell_abspath(const char *path, char *out, size_t size) { return sh_path_join(cwd, path, out, size); }

int sh_chdir(const char *path)
{
    char abs[VFS_PATH_MAX];
    struct vfs_stat st;
    int r = shell_abspath(path, abs, sizeof(abs));
    if (r == 0)
        r = vfs_stat(abs, &st);
    if (r == 0 && st.type != VDIR)
        r = -ENOTDIR;
    if (r == 0)
        strlcpy(cwd, abs, sizeof(cwd));
    return r;
}

/* --- the language's environment: variables and directory listings --- */
static const char *env_getvar(void *ctx, const char *name)
{
    static char status[12];
    if (strcmp(name, "?") == 0) {
        ksnprintf(status, sizeof(status), "%d", last_status);
        return status;
    }
    if (strcmp(name, "PWD") == 0)
        return cwd;
    return sh_getvar(name);
}

static int env_list(void *ctx, const char *dir, sh_each_fn each, void *arg)
{
    struct file *f;
    static struct vfs_dirent de; /* the shell thread only */
    int r = vfs_open(dir, O_RDONLY, 0, &f);
    if (r < 0)
        return r;
    while ((r = vfs_readdir(f, &de)) > 0)
        if (each(arg, de.name, de.type == VDIR))
            break;
    vfs_close(f);
    return r < 0 ? r : 0;
}

static const struct sh_env env = { env_getvar, env_list, NULL };

/* --- running a pipeline --- */
static void *proc_main(void *arg)
{
    struct proc *p = arg;
    struct job *j = p->job;
    p->status = p->cmd->fn(p->argc, p->argv);
    /* Close now, so the next command sees EOF (or the previous EPIPE). */
    stream_close(&p->in, false);
    stream_close(&p->out, true);
    stream_close(&p->err, true);
    irqflags_t f = irq_save();
    p->t = NULL;
    for (int i = 0; i < PROCS_MAX; i++)
        if (procs[i] == p)
            procs[i] = NULL;
    j->running--;
    waitq_wake_all(&j->done);
    irq_restore(f);
    return NULL; /* j may be freed from here on */
}

static int open_redir(const char *path, int flags, struct stream *s)
{
    int r = vfs_open(path, flags, 0644, &s->file);
    if (r < 0) {
        shell_eprintf("shell: %s: %s\n", path, shell_strerror(r));
        return r;
    }
    s->kind = ST_FILE;
    return 0;
}

static void job_free_streams(struct job *j)
{
    for (int i = 0; i < j->nprocs; i++) {
        struct proc *p = &j->proc[i];
        stream_close(&p->in, false);
        stream_close(&p->out, true);
        stream_close(&p->err, true);
    }
}

/* Sets up every command's streams (pipes, files).  0, or the status to
 * return (the files' errors printed). */
static int job_streams(struct job *j)
{
    for (int i = 0; i < j->nprocs; i++) {
        struct proc *p = &j->proc[i];
        p->in.kind = p->out.kind = p->err.kind = ST_CONSOLE;
        if (j->bg)
            p->in.kind = ST_NULL;
    }
    for (int i = 0; i < j->nprocs; i++) {
        struct proc *p = &j->proc[i];
        struct sh_cmd *c = &j->pl.cmd[i];
        if (i + 1 < j->nprocs) {
            struct sh_pipe *pp = sh_pipe_new();
            if (!pp) {
                shell_eprintf("shell: cannot make a pipe: %s\n", shell_strerror(-ENOMEM));
                return SHELL_FAIL;
            }
            p->out.kind = ST_PIPE;
            p->out.pipe = pp;
            j->proc[i + 1].in.kind = ST_PIPE;
            j->proc[i + 1].in.pipe = pp;
        }
        if (c->in) {
            stream_close(&p->in, false);
            if (open_redir(c->in, O_RDONLY, &p->in) < 0)
                return SHELL_FAIL;
        }
        if (c->out) {
            stream_close(&p->out, true);
            if (open_redir(c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC), &p->out) < 0)
                return SHELL_FAIL;
        }
        if (c->err) {
            if (open_redir(c->err, O_WRONLY | O_CREAT | (c->err_append ? O_APPEND : O_TRUNC), &p->err) < 0)
                return SHELL_FAIL;
        } else if (c->err_to_out) {
            p->err = p->out;
            if (p->out.kind == ST_PIPE)
                sh_pipe_add_writer(p->out.pipe);
            else if (p->out.kind == ST_FILE) {
                p->err.file = vfs_file_dup(p->out.file);
            }
        }
    }
    return 0;
}

static void job_text(struct job *j, const char *src)
{
    while (*src == ' ' || *src == '\t')
        src++;
    strlcpy(j->text, src, sizeof(j->text));
    size_t n = strlen(j->text);
    while (n && (j->text[n - 1] == ' ' || j->text[n - 1] == '\t'))
        j->text[--n] = '\0';
}

/* Waits for j's commands; Ctrl-C (fg_job) kills them.  Returns the last
 * command's status. */
static int job_wait(struct job *j)
{
    irqflags_t f = irq_save();
    fg_job = j;
    struct thread *last = j->proc[j->nprocs - 1].t;
    if (last)
        klog_set_foreground(KLOG_FG_JOB, last);
    if (fg_intr)
        j->intr = true;
    while (j->running)
        waitq_wait(&j->done, 0, false);
    fg_job = NULL;
    klog_set_foreground(KLOG_FG_JOB, NULL);
    irq_restore(f);
    int st = j->proc[j->nprocs - 1].status;
    if (j->intr && st == 0)
        st = SHELL_INTERRUPTED;
    return st;
}

static bool is_inline(const char *name)
{
    static const char *const names[] = { "cd", "export", "unset", "fg", "wait" };
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* A built-in that changes the shell (cd, fg...): run by the shell thread
 * itself, with the pipeline's redirections. */
static int run_inline(struct job *j)
{
    struct proc *p = &j->proc[0];
    shell_proc = *p;
    shell_proc.job = NULL;
    shell_proc.t = NULL;
    shell_proc.epipe = false;
    int st = p->cmd->fn(p->argc, p->argv);
    stream_close(&shell_proc.in, false);
    stream_close(&shell_proc.out, true);
    stream_close(&shell_proc.err, true);
    memset(&shell_proc, 0, sizeof(shell_proc));
    return st;
}

static int job_slot(void)
{
    for (int i = 0; i < JOBS_MAX; i++)
        if (!jobs[i])
            return i;
    return -1;
}

/* Parses, expands and runs one pipeline; its status, or -1 when it was
 * empty (the status stays). */
static int run_pipeline(const char *src, bool bg)
{
    struct job *j = kmalloc(sizeof(*j));
    const char *err;
    if (!j) {
        shell_eprintf("shell: %s\n", shell_strerror(-ENOMEM));
        return SHELL_FAIL;
    }
    memset(j, 0, offsetof(struct job, pl));
    waitq_init(&j->done);
    j->bg = bg;
    if (sh_parse_pipeline(src, &env, &j->pl, &err) < 0) {
        shell_eprintf("shell: %s\n", err);
        kfree(j);
        return SHELL_USAGE;
    }
    if (j->pl.ncmds == 0) {
        kfree(j);
        return -1;
    }
    j->nprocs = j->pl.ncmds;
    job_text(j, src);
    /* Assignments, and names looked up before anything starts. */
    int status = 0;
    for (int i = 0; i < j->nprocs && !status; i++) {
        struct sh_cmd *c = &j->pl.cmd[i];
        for (int k = 0; k < c->nassign; k++)
            if (sh_setvar(c->assign[k], false) < 0) {
                shell_eprintf("shell: cannot set %s\n", c->assign[k]);
                status = SHELL_FAIL;
            }
        if (c->argc == 0) {
            if (j->nprocs > 1) {
                shell_eprintf("shell: an assignment alone in a pipeline\n");
                status = SHELL_USAGE;
            }
            continue;
        }
        j->proc[i].cmd = shell_find(c->argv[0]);
        j->proc[i].argc = c->argc;
        j->proc[i].argv = c->argv;
        j->proc[i].job = j;
        if (!j->proc[i].cmd) {
            shell_eprintf("shell: unknown command \"%s\" (type help)\n", c->argv[0]);
            status = 127;
        }
    }
    if (status || j->pl.cmd[0].argc == 0) {
        kfree(j);
        return status;
    }
    status = job_streams(j);
    if (status) {
        job_free_streams(j);
        kfree(j);
        return status;
    }
    if (j->nprocs == 1 && !bg && is_inline(j->proc[0].cmd->name)) {
        status = run_inline(j);
        kfree(j);
        return status;
    }
    int slot = -1;
    if (bg && (slot = job_slot()) < 0) {
        shell_eprintf("shell: too many background jobs (at most %d)\n", JOBS_MAX);
        job_free_streams(j);
        kfree(j);
        return SHELL_FAIL;
    }
    /* Start them all with interrupts off: none runs before all are in
     * procs[], and a Ctrl-C finds every one. */
    irqflags_t f = irq_save();
    int started = 0, r = 0;
    for (int i = 0; i < j->nprocs; i++) {
        struct proc *p = &j->proc[i];
        int pi = 0;
        while (pi < PROCS_MAX && procs[pi])
            pi++;
        char name[THREAD_NAME_MAX];
        ksnprintf(name, sizeof(name), "sh:%s", p->cmd->name);
        /* The shell itself may take the memory reserve (shell_main), so a
         * command always starts; the command's own allocations use the
         * reserve only if it is marked so (rm, sync, cat, poweroff...) and
         * its output does not go to a file, which could fill the reserve
         * (cat /dev/zero > /x). */
        bool reserve = (p->cmd->flags & SHELL_CMD_RESERVE) && p->out.kind != ST_FILE && p->err.kind != ST_FILE;
        struct thread_attr a = { .name = name, .prio = PRIO_NORMAL, .stack_size = JOB_STACK,
                                 .flags = reserve ? PROCESS_FLAG_MEMRESERVE : 0 };
        r = pi == PROCS_MAX ? -EAGAIN : thread_create(&a, proc_main, p, &p->t);
        if (r < 0) {
            p->t = NULL;
            break;
        }
        procs[pi] = p;
        started++;
        j->running++;
        /* Its log lines are its output: shown at once, not held (the
         * last command's, as it is the one on the terminal). */
        if (!bg && i == j->nprocs - 1)
            klog_set_foreground(KLOG_FG_JOB, p->t);
    }
    if (r < 0) { /* what did start is stopped; what did not gives up its streams */
        j->intr = true;
        for (int i = 0; i < j->nprocs; i++)
            if (j->proc[i].t)
                process_kill(j->proc[i].t);
    }
    if (bg) {
        j->id = slot + 1;
        jobs[slot] = j;
    }
    irq_restore(f);
    if (r < 0) {
        for (int i = started; i < j->nprocs; i++) {
            stream_close(&j->proc[i].in, false);
            stream_close(&j->proc[i].out, true);
            stream_close(&j->proc[i].err, true);
        }
        shell_eprintf("shell: cannot start %s: %s\n", j->proc[started].cmd->name, strerror(r));
    }
    if (bg) {
        shell_printf("[%d] %s\n", j->id, j->text);
        return r < 0 ? SHELL_FAIL : 0;
    }
    status = started ? job_wait(j) : SHELL_FAIL;
    kfree(j);
    return r < 0 ? SHELL_FAIL : status;
}

int shell_run_line(const char *line)
{
    static char piece[SHELL_LINE_MAX];
    const char *err = NULL;
    enum sh_op op;
    if (strlen(line) >= SHELL_LINE_MAX) {
        shell_printf("shell: line too long (over %u characters)\n", (unsigned)(SHELL_LINE_MAX - 1));
        return SHELL_USAGE;
    }
    /* The whole line is checked before any of it runs. */
    for (const char *s = line; s && !err;)
        s = sh_next_pipeline(s, piece, sizeof(piece), &op, &err);
    int status = 0;
    bool any = false;
    if (err) {
        shell_eprintf("shell: %s\n", err);
        status = SHELL_USAGE;
        any = true;
    }
    enum sh_op prev = SH_OP_SEQ;
    for (const char *s = line; s && !err;) {
        s = sh_next_pipeline(s, piece, sizeof(piece), &op, &err);
        bool run = prev == SH_OP_SEQ || prev == SH_OP_BG || (prev == SH_OP_AND && status == 0) ||
                   (prev == SH_OP_OR && status != 0);
        prev = op;
        if (fg_intr) {
            status = SHELL_INTERRUPTED;
            break;
        }
        if (!run)
            continue;
        int st = run_pipeline(piece, op == SH_OP_BG);
        if (st >= 0) {
            status = st;
            last_status = st;
            any = true;
        }
    }
    if (!line_running)
        fg_intr = false; /* script mode: a Ctrl-C stops one command of the script */
    if (!any)
        return 0;
    last_status = status;
    if (status != 0)
        shell_printf("[exit %d] %s\n", status, line);
    return status;
}

/* The interactive loop's side of a line: Ctrl-C from Enter to the end. */
int sh_run_typed(const char *line)
{
    fg_intr = false;
    line_running = true;
    int st = shell_run_line(line);
    line_running = false;
    fg_intr = false;
    return st;
}

/* --- jobs --- */
static struct job *job_by_spec(const char *spec)
{
    int n = 0;
    if (!spec) { /* the newest */
        for (int i = 0; i < JOBS_MAX; i++)
            if (jobs[i] && (!n || jobs[i]->id > n))
                n = jobs[i]->id;
    } else {
        if (*spec == '%')
            spec++;
        uint64_t v;
        if (!shell_parse_u64(spec, &v) || v == 0 || v > JOBS_MAX)
            return NULL;
        n = (int)v;
    }
    return n ? jobs[n - 1] : NULL;
}

static void job_reap(struct job *j, bool report)
{
    int st = j->proc[j->nprocs - 1].status;
    if (j->intr && st == 0)
        st = SHELL_INTERRUPTED;
    if (report && st)
        shell_printf("[%d] done (exit %d) %s\n", j->id, st, j->text);
    else if (report)
        shell_printf("[%d] done %s\n", j->id, j->text);
    jobs[j->id - 1] = NULL;
    kfree(j);
}

void sh_jobs_report(void)
{
    for (int i = 0; i < JOBS_MAX; i++) {
        irqflags_t f = irq_save();
        struct job *j = jobs[i];
        bool done = j && j->running == 0;
        irq_restore(f);
        if (done)
            job_reap(j, true);
    }
}

int sh_jobs_list(void)
{
    for (int i = 0; i < JOBS_MAX; i++) {
        struct job *j = jobs[i];
        if (j)
            shell_printf("[%d] %-8s %s\n", j->id, j->running ? "running" : "done", j->text);
    }
    return 0;
}

/* fg: waits for the job in the foreground (Ctrl-C stops it). */
int sh_job_fg(const char *spec)
{
    struct job *j = job_by_spec(spec);
    if (!j)
        return -ESRCH;
    shell_printf("%s\n", j->text);
    int st = job_wait(j);
    jobs[j->id - 1] = NULL;
    kfree(j);
    return st;
}

/* wait: every background job (or one); Ctrl-C stops the waiting only. */
int sh_job_wait(const char *spec)
{
    struct job *one = spec ? job_by_spec(spec) : NULL;
    if (spec && !one)
        return -ESRCH;
    for (;;) {
        bool busy = false;
        irqflags_t f = irq_save();
        for (int i = 0; i < JOBS_MAX; i++)
            if (jobs[i] && jobs[i]->running && (!one || jobs[i] == one))
                busy = true;
        irq_restore(f);
        if (!busy)
            break;
        if (shell_interrupted())
            return SHELL_INTERRUPTED;
        process_sleep(20 * NSEC_PER_MSEC);
    }
    int st = 0;
    for (int i = 0; i < JOBS_MAX; i++) {
        struct job *j = jobs[i];
        if (j && (!one || j == one)) {
            if (one)
                st = j->proc[j->nprocs - 1].status;
            job_reap(j, one == NULL);
        }
    }
    return st;
}

int sh_job_kill(const char *spec)
{
    struct job *j = job_by_spec(spec);
    if (!j)
        return -ESRCH;
    irqflags_t f = irq_save();
    j->intr = true;
    for (int i = 0; i < j->nprocs; i++)
        if (j->proc[i].t)
            process_kill(j->proc[i].t);
    irq_restore(f);
    /* Its end is reported at the next prompt: give it the moment a killed
     * command takes to stop (one that does not within a second is
     * reported when it does). */
    for (int ms = 0; ms < 1000 && !shell_interrupted(); ms++) {
        f = irq_save();
        bool running = j->running != 0;
        irq_restore(f);
        if (!running)
            break;
        process_sleep(NSEC_PER_MSEC);
    }
    return 0;
}

void sh_exec_init(void)
{
    shell_thread = thread_current();
    vfs_set_cwd_hook(cwd_hook);
}
