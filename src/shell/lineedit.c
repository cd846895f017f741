/* Shell input: a reader thread that owns the console input, and the line
 * editor (echo, backspace, Ctrl-U, Ctrl-C, history on the arrow keys).
 *
 * The reader thread runs at high priority and moves every console byte into
 * the shell's own queue, except a Ctrl-C while a command runs: that one
 * interrupts the command (sh_interrupt_job) instead, so even a command that
 * computes without sleeping can be stopped.  The editor only echoes what it
 * keeps: printable ASCII.  Other bytes (binary garbage, unknown escape
 * sequences) are dropped, so nothing typed can disturb the shell.  Redrawing
 * uses only \r, \b and spaces, which both the serial terminal and the VGA
 * text console understand. */
#include <adros/console.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/sched.h>
#include <adros/string.h>
#include "shell_internal.h"

/* --- the input queue: reader thread -> line editor ---
 * Keys typed while a command runs wait here for the next prompt.  When bytes
 * are lost (this queue or the console's buffer full), a LOST mark takes the
 * place of the last byte kept, so the editor can refuse the line they
 * belonged to instead of running what is left of it (or two lines run
 * together after a lost Enter). */
#define QSIZE 4096
#define Q_LOST 0x100
static uint16_t q[QSIZE];
static unsigned q_head, q_tail; /* interrupts off while touching these */
static uint64_t q_dropped;
static struct waitq q_wq = WAITQ_INIT(q_wq);

static void q_push(int c)
{
    irqflags_t f = irq_save();
    if (q_head - q_tail < QSIZE) {
        q[q_head++ % QSIZE] = (uint16_t)c;
    } else {
        q_dropped++;
        q[(q_head - 1) % QSIZE] = Q_LOST;
    }
    waitq_wake_one(&q_wq);
    irq_restore(f);
}

static int q_pop(void)
{
    irqflags_t f = irq_save();
    while (q_head == q_tail)
        waitq_wait(&q_wq, 0, false);
    int c = q[q_tail++ % QSIZE];
    irq_restore(f);
    return c;
}

int sh_input_getc(uint64_t timeout_ns)
{
    uint64_t deadline = sched_deadline_after(timeout_ns);
    irqflags_t f = irq_save();
    int r = 0;
    for (;;) {
        while (q_head == q_tail && r == 0)
            r = timeout_ns ? waitq_wait(&q_wq, deadline, true) : -ETIMEDOUT;
        if (q_head == q_tail)
            break;
        int c = q[q_tail++ % QSIZE];
        if (c != Q_LOST) { /* a byte stream has no place for the mark */
            irq_restore(f);
            return c;
        }
    }
    irq_restore(f);
    return r;
}

void sh_input_flush(void)
{
    irqflags_t f = irq_save();
    q_tail = q_head;
    irq_restore(f);
}

uint64_t sh_input_dropped(void) { return q_dropped + console_input_dropped(); }

static void *reader_main(void *arg)
{
    klog_set_foreground(KLOG_FG_INPUT, thread_current());
    uint64_t console_lost = console_input_dropped();
    for (;;) {
        int c = console_getc(0);
        if (c < 0)
            continue;
        uint64_t lost = console_input_dropped();
        if (lost != console_lost) {
            console_lost = lost;
            q_push(Q_LOST);
        }
        if (c == 3 && sh_interrupt_job()) {
            kputs_raw("^C\n", 3);
            continue;
        }
        if (c == 20) { /* Ctrl-T: what every thread is doing (a hang's first clue) */
            kputs_raw("^T\n", 3);
            thread_dump();
            continue;
        }
        q_push(c & 0xff);
    }
    return NULL;
}

int sh_input_start(void)
{
    struct thread_attr a = { .name = "shell-input", .prio = PRIO_HIGH, .stack_size = THREAD_STACK_DEFAULT, .flags = 0 };
    return thread_create(&a, reader_main, NULL, NULL);
}

/* --- history: the last HIST_N lines, oldest overwritten --- */
#define HIST_N 32
static char hist[HIST_N][SHELL_LINE_MAX];
static unsigned hist_count; /* lines ever added; hist[i % HIST_N] */

void sh_history_add(const char *line)
{
    if (!*line)
        return;
    if (hist_count && strcmp(hist[(hist_count - 1) % HIST_N], line) == 0)
        return;
    strlcpy(hist[hist_count % HIST_N], line, SHELL_LINE_MAX);
    hist_count++;
}

int sh_history_print(void)
{
    unsigned first = hist_count > HIST_N ? hist_count - HIST_N : 0;
    for (unsigned i = first; i < hist_count; i++)
        shell_printf("%5u  %s\n", i + 1, hist[i % HIST_N]);
    return 0;
}

/* --- the line editor --- */
struct editor {
    const char *prompt;
    char *buf;
    size_t len;
    unsigned hpos;              /* history index being shown; hist_count = the new line */
    char saved[SHELL_LINE_MAX]; /* the new line while browsing history */
    size_t excess;   /* characters typed past SHELL_LINE_MAX - 1: echoed, not kept */
    bool lost;       /* input bytes were lost while this line was typed */
    int esc, esc_len; /* an escape sequence being read */
    bool after_cr;
};

static void out(const char *s, size_t n) { kputs_raw(s, n); }

static void out_repeat(char c, size_t n)
{
    char tmp[32];
    memset(tmp, c, sizeof(tmp));
    while (n) {
        size_t k = MIN(n, sizeof(tmp));
        out(tmp, k);
        n -= k;
    }
}

/* Replaces the shown line with text, erasing leftovers of a longer one. */
static void replace_line(struct editor *e, const char *text)
{
    size_t old = e->len + e->excess;
    size_t n = strnlen(text, SHELL_LINE_MAX - 1);
    e->excess = 0;
    memmove(e->buf, text, n);
    e->buf[n] = '\0';
    e->len = n;
    out("\r", 1);
    out(e->prompt, strlen(e->prompt));
    out(e->buf, n);
    if (old > n) {
        out_repeat(' ', old - n);
        out_repeat('\b', old - n);
    }
}

static void history_move(struct editor *e, int dir)
{
    unsigned oldest = hist_count > HIST_N ? hist_count - HIST_N : 0;
    if (e->excess || e->lost)
        return; /* the line cannot be saved whole */
    if (dir < 0) {
        if (e->hpos <= oldest)
            return;
        if (e->hpos == hist_count) {
            e->buf[e->len] = '\0';
            strlcpy(e->saved, e->buf, sizeof(e->saved));
        }
        e->hpos--;
        replace_line(e, hist[e->hpos % HIST_N]);
    } else {
        if (e->hpos >= hist_count)
            return;
        e->hpos++;
        replace_line(e, e->hpos == hist_count ? e->saved : hist[e->hpos % HIST_N]);
    }
}

enum { ESC_NONE, ESC_START, ESC_CSI };

/* The editor on the screen, for the kernel log's redraw (called with the
 * prompt lock held, which the editor holds whenever it changes e). */
static struct editor *shown;

static void redraw_shown(void)
{
    if (shown) {
        out(shown->prompt, strlen(shown->prompt));
        out(shown->buf, shown->len);
    }
}

/* The line is done: log lines are held from here until the next prompt. */
static int finish(uint32_t f, const char *echo, int result)
{
    shown = NULL;
    klog_prompt_unlock(f);
    klog_hold();
    out(echo, strlen(echo));
    return result;
}

/* One key on the line being edited (prompt lock held): KEY_MORE, or the
 * line's end: its length, -1 when Ctrl-C cancelled it, KEY_REFUSED when it
 * is too long or lost bytes (it is never run, not even in part). */
#define KEY_MORE (-2)
#define KEY_REFUSED (-3)
static int edit_key(struct editor *e, int c)
{
    if (e->esc == ESC_START) {
        e->esc = (c == '[' || c == 'O') ? ESC_CSI : ESC_NONE;
        e->esc_len = 0;
        if (e->esc == ESC_CSI || c == 27)
            return KEY_MORE;
        if (c >= 32 && c < 127)
            return KEY_MORE; /* ESC x (Alt-x): not ours */
    } else if (e->esc == ESC_CSI) {
        if (c >= 0x20 && c <= 0x3f && ++e->esc_len < 16)
            return KEY_MORE; /* parameters, intermediates */
        e->esc = ESC_NONE;
        if (c >= 0x40 && c <= 0x7e) {
            if (c == 'A')
                history_move(e, -1);
            else if (c == 'B')
                history_move(e, +1);
            return KEY_MORE;
        }
        /* Not a sequence after all: handle the byte on its own. */
    }
    bool was_cr = e->after_cr;
    e->after_cr = c == '\r';
    switch (c) {
    case '\n':
        if (was_cr)
            break; /* the \n of a \r\n pair */
        /* fall through */
    case '\r':
        e->buf[e->len] = '\0';
        return e->excess || e->lost ? KEY_REFUSED : (int)e->len;
    case 3: /* Ctrl-C */
        e->buf[0] = '\0';
        return -1;
    case 8:
    case 127:
        if (e->excess) {
            e->excess--;
            out("\b \b", 3);
        } else if (e->len) {
            e->len--;
            out("\b \b", 3);
        }
        break;
    case 21: /* Ctrl-U */
        e->buf[0] = '\0';
        e->lost = false;
        replace_line(e, "");
        break;
    case Q_LOST:
        e->lost = true;
        break;
    case 27:
        e->esc = ESC_START;
        break;
    case '\t':
        c = ' ';
        /* fall through */
    default:
        if (c < 32 || c >= 127)
            break; /* not printable ASCII: dropped */
        if (e->len + e->excess >= SHELL_LINE_MAX - 1) {
            /* Kept on the screen so that Backspace and Ctrl-U work as
             * expected; Enter refuses the line while any is left. */
            e->buf[e->len] = '\0';
            if (!e->excess++)
                shell_printf("\nshell: line over %u characters: Enter will not run it "
                             "(Backspace or Ctrl-U to shorten it)\n%s%s",
                             (unsigned)(SHELL_LINE_MAX - 1), e->prompt, e->buf);
            char ch = (char)c;
            out(&ch, 1);
            break;
        }
        e->buf[e->len++] = (char)c;
        char ch = (char)c;
        out(&ch, 1);
        break;
    }
    return KEY_MORE;
}

int sh_readline(const char *prompt, char *buf)
{
    struct editor e = { .prompt = prompt, .buf = buf, .len = 0, .hpos = hist_count };
    e.saved[0] = '\0';
    uint32_t f = klog_prompt_lock();
    shown = &e;
    klog_prompt_unlock(f);
    klog_prompt(redraw_shown); /* shows the prompt, then what was held */
    for (;;) {
        int c = q_pop();
        f = klog_prompt_lock();
        int r = edit_key(&e, c);
        if (r == KEY_REFUSED) {
            finish(f, "\n", 0);
            if (e.lost)
                shell_printf("shell: input was lost while this line was typed: not run\n");
            else
                shell_printf("shell: line too long (%u characters, at most %u): not run\n",
                             (unsigned)(e.len + e.excess), (unsigned)(SHELL_LINE_MAX - 1));
            buf[0] = '\0';
            return 0;
        }
        if (r != KEY_MORE)
            return finish(f, r >= 0 ? "\n" : "^C\n", r);
        klog_prompt_unlock(f);
    }
}
