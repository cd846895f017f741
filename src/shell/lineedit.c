/* Shell input: a reader thread that owns the console input, and the line
 * editor (echo, cursor keys, Home/End, Delete, Backspace, Ctrl-A/E/K/W/U/L,
 * Ctrl-C, history on Up/Down, Tab completion of commands and paths).
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
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <adros/vfs.h>
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

/* --- the line editor ---
 * The line is buf[0..len) with the cursor at pos; the screen shows the
 * prompt and the line with the terminal's cursor at pos.  Moving uses only
 * \b and rewriting characters (plus \r to start over), which both the
 * serial terminal and the VGA console understand. */
struct editor {
    const char *prompt;
    char *buf;
    size_t len, pos;
    unsigned hpos;              /* history index being shown; hist_count = the new line */
    char saved[SHELL_LINE_MAX]; /* the new line while browsing history */
    size_t excess;   /* characters typed past SHELL_LINE_MAX - 1: echoed, not kept */
    bool lost;       /* input bytes were lost while this line was typed */
    int esc, esc_len, esc_param; /* an escape sequence being read */
    bool after_cr;
    int tabs;        /* Tabs in a row: the second lists the candidates */
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

/* Shows buf[from..len), then erases `extra` stale characters after it and
 * puts the cursor back at pos. */
static void show_tail(struct editor *e, size_t from, size_t extra)
{
    out(e->buf + from, e->len - from);
    out_repeat(' ', extra);
    out_repeat('\b', e->len - e->pos + extra);
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
    e->pos = n;
    out("\r", 1);
    out(e->prompt, strlen(e->prompt));
    show_tail(e, 0, old > n ? old - n : 0);
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

static void move_to(struct editor *e, size_t pos)
{
    if (pos < e->pos)
        out_repeat('\b', e->pos - pos);
    else if (pos > e->pos)
        out(e->buf + e->pos, pos - e->pos);
    e->pos = pos;
}

/* Inserts s[0..n) at the cursor; false (nothing done) if it does not fit. */
static bool insert(struct editor *e, const char *s, size_t n)
{
    if (e->len + n > SHELL_LINE_MAX - 1)
        return false;
    memmove(e->buf + e->pos + n, e->buf + e->pos, e->len - e->pos);
    memcpy(e->buf + e->pos, s, n);
    size_t from = e->pos;
    e->len += n;
    e->pos += n;
    show_tail(e, from, 0);
    return true;
}

/* Deletes buf[from..to) (the cursor at or after from), cursor to from. */
static void delete_range(struct editor *e, size_t from, size_t to)
{
    if (to <= from)
        return;
    move_to(e, from);
    memmove(e->buf + from, e->buf + to, e->len - to);
    e->len -= to - from;
    show_tail(e, from, to - from);
}

static void redraw_line(struct editor *e)
{
    out(e->prompt, strlen(e->prompt));
    out(e->buf, e->len);
    out_repeat('\b', e->len - e->pos);
}

enum { ESC_NONE, ESC_START, ESC_CSI };

/* The editor on the screen, for the kernel log's redraw (called with the
 * prompt lock held, which the editor holds whenever it changes e). */
static struct editor *shown;

static void redraw_shown(void)
{
    if (shown)
        redraw_line(shown);
}

/* A background job's output on the terminal: the line being typed is
 * erased first and redrawn after each complete line, as for log lines. */
static bool async_mid_line;

void sh_async_write(const char *s, size_t n)
{
    if (!n)
        return;
    uint32_t f = klog_prompt_lock();
    if (shown && !async_mid_line)
        out("\r\033[K", 4);
    out(s, n);
    async_mid_line = s[n - 1] != '\n';
    if (shown && !async_mid_line) {
        out("\r", 1);
        redraw_line(shown);
    }
    klog_prompt_unlock(f);
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

/* --- Tab completion: commands in a command's place, else paths --- */
#define COMP_MAX 64
struct completion {
    size_t start;           /* the word being completed: buf[start..pos) */
    int n;                  /* candidates */
    bool truncated;
    char names[COMP_MAX][48];
    bool dirs[COMP_MAX];
    size_t base;            /* where the name starts in the word (after its last '/') */
};

static bool is_sep(char c) { return c == '|' || c == ';' || c == '&'; }

static void comp_add(void *ctx, const char *name, bool dir)
{
    struct completion *c = ctx;
    if (c->n == COMP_MAX || strlen(name) >= sizeof(c->names[0])) {
        c->truncated = true;
        return;
    }
    strlcpy(c->names[c->n], name, sizeof(c->names[0]));
    c->dirs[c->n++] = dir;
}

static void comp_sort(struct completion *c)
{
    char tmp[sizeof(c->names[0])];
    for (int i = 1; i < c->n; i++)
        for (int j = i; j > 0 && strcmp(c->names[j - 1], c->names[j]) > 0; j--) {
            bool d = c->dirs[j];
            memcpy(tmp, c->names[j], sizeof(tmp));
            memcpy(c->names[j], c->names[j - 1], sizeof(tmp));
            memcpy(c->names[j - 1], tmp, sizeof(tmp));
            c->dirs[j] = c->dirs[j - 1];
            c->dirs[j - 1] = d;
        }
}

/* Finds the candidates for the word before the cursor.  Runs without the
 * prompt lock: listing a directory may wait for a disk. */
static void complete_find(const struct editor *e, struct completion *c)
{
    size_t s = e->pos;
    c->n = 0;
    c->truncated = false;
    while (s > 0 && e->buf[s - 1] != ' ' && !is_sep(e->buf[s - 1]) && e->buf[s - 1] != '<' &&
           e->buf[s - 1] != '>')
        s--;
    c->start = s;
    size_t k = s;
    while (k > 0 && e->buf[k - 1] == ' ')
        k--;
    bool command = k == 0 || is_sep(e->buf[k - 1]);
    char word[SHELL_LINE_MAX];
    size_t wl = e->pos - s;
    memcpy(word, e->buf + s, wl);
    word[wl] = '\0';
    if (command && !strchr(word, '/')) {
        c->base = 0;
        sh_complete_commands(word, comp_add, c);
        comp_sort(c);
        return;
    }
    char *slash = strrchr(word, '/');
    const char *dir = ".", *prefix = word;
    if (slash) {
        c->base = (size_t)(slash - word) + 1;
        prefix = slash + 1;
        if (slash == word) {
            dir = "/";
        } else {
            *slash = '\0';
            dir = word;
        }
    } else {
        c->base = 0;
    }
    struct file *f;
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    if (!de || vfs_open(dir[0] == '~' && !dir[1] ? "/" : dir, O_RDONLY, 0, &f) < 0) {
        kfree(de);
        return;
    }
    size_t pl = strlen(prefix);
    while (vfs_readdir(f, de) > 0)
        if (strncmp(de->name, prefix, pl) == 0 && (pl || de->name[0] != '.'))
            comp_add(c, de->name, de->type == VDIR);
    vfs_close(f);
    kfree(de);
    comp_sort(c);
}

/* Applies the candidates (prompt lock held): the one, or what they share;
 * on a second Tab with nothing to add, lists them and redraws. */
static void complete_apply(struct editor *e, struct completion *c)
{
    size_t have = e->pos - c->start - c->base; /* typed of the name */
    if (c->n == 0 || e->excess)
        return;
    size_t common = strlen(c->names[0]);
    for (int i = 1; i < c->n; i++) {
        size_t k = 0;
        while (k < common && c->names[i][k] == c->names[0][k])
            k++;
        common = k;
    }
    if (common > have || c->n == 1) {
        char add[64];
        size_t n = 0;
        for (size_t i = have; i < common && n + 2 < sizeof(add); i++) {
            if (c->names[0][i] == ' ')
                add[n++] = '\\';
            add[n++] = c->names[0][i];
        }
        if (c->n == 1 && !c->truncated)
            add[n++] = c->dirs[0] ? '/' : ' ';
        insert(e, add, n);
        e->tabs = 0;
        return;
    }
    if (e->tabs < 2)
        return;
    out("\n", 1);
    size_t col = 0;
    for (int i = 0; i < c->n; i++) {
        size_t w = strlen(c->names[i]) + (c->dirs[i] ? 1 : 0);
        if (col && col + w + 2 > 78) {
            out("\n", 1);
            col = 0;
        }
        out(c->names[i], strlen(c->names[i]));
        if (c->dirs[i])
            out("/", 1);
        out("  ", 2);
        col += w + 2;
    }
    if (c->truncated)
        out("...", 3);
    out("\n", 1);
    redraw_line(e);
    e->tabs = 0;
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
        e->esc_param = 0;
        if (e->esc == ESC_CSI || c == 27)
            return KEY_MORE;
        if (c >= 32 && c < 127)
            return KEY_MORE; /* ESC x (Alt-x): not ours */
    } else if (e->esc == ESC_CSI) {
        if (c >= 0x20 && c <= 0x3f && ++e->esc_len < 16) {
            if (c >= '0' && c <= '9' && e->esc_param < 1000)
                e->esc_param = e->esc_param * 10 + (c - '0');
            return KEY_MORE; /* parameters, intermediates */
        }
        e->esc = ESC_NONE;
        if (c >= 0x40 && c <= 0x7e) {
            bool ed = !e->excess; /* moving inside a line over the limit would lose track */
            if (c == 'A')
                history_move(e, -1);
            else if (c == 'B')
                history_move(e, +1);
            else if (c == 'C' && ed && e->pos < e->len)
                move_to(e, e->pos + 1);
            else if (c == 'D' && ed && e->pos > 0)
                move_to(e, e->pos - 1);
            else if (ed && (c == 'H' || (c == '~' && (e->esc_param == 1 || e->esc_param == 7))))
                move_to(e, 0);
            else if (ed && (c == 'F' || (c == '~' && (e->esc_param == 4 || e->esc_param == 8))))
                move_to(e, e->len);
            else if (ed && c == '~' && e->esc_param == 3 && e->pos < e->len)
                delete_range(e, e->pos, e->pos + 1);
            return KEY_MORE;
        }
        /* Not a sequence after all: handle the byte on its own. */
    }
    bool was_cr = e->after_cr;
    e->after_cr = c == '\r';
    if (c != '\t')
        e->tabs = 0;
    switch (c) {
    case '\n':
        if (was_cr)
            break; /* the \n of a \r\n pair */
        /* fall through */
    case '\r':
        e->buf[e->len] = '\0';
        move_to(e, e->len);
        return e->excess || e->lost ? KEY_REFUSED : (int)e->len;
    case 3: /* Ctrl-C */
        e->buf[0] = '\0';
        move_to(e, e->len);
        return -1;
    case 8:
    case 127:
        if (e->excess) {
            e->excess--;
            out("\b \b", 3);
        } else if (e->pos) {
            delete_range(e, e->pos - 1, e->pos);
        }
        break;
    case 21: /* Ctrl-U */
        e->buf[0] = '\0';
        e->lost = false;
        replace_line(e, "");
        break;
    case 1: /* Ctrl-A */
        if (!e->excess)
            move_to(e, 0);
        break;
    case 5: /* Ctrl-E */
        if (!e->excess)
            move_to(e, e->len);
        break;
    case 11: /* Ctrl-K */
        if (!e->excess)
            delete_range(e, e->pos, e->len);
        break;
    case 23: { /* Ctrl-W: the word before the cursor */
        if (e->excess)
            break;
        size_t p = e->pos;
        while (p > 0 && e->buf[p - 1] == ' ')
            p--;
        while (p > 0 && e->buf[p - 1] != ' ')
            p--;
        delete_range(e, p, e->pos);
        break;
    }
    case 12: /* Ctrl-L: clear the screen, the line at the top */
        out("\033[H\033[2J", 7);
        redraw_line(e);
        break;
    case Q_LOST:
        e->lost = true;
        break;
    case 27:
        e->esc = ESC_START;
        break;
    case '\t':
        break; /* completion: sh_readline */
    default:
        if (c < 32 || c >= 127)
            break; /* not printable ASCII: dropped */
        if (e->len + e->excess >= SHELL_LINE_MAX - 1) {
            if (e->pos != e->len)
                break; /* full: nothing is inserted in the middle */
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
        char ch = (char)c;
        insert(e, &ch, 1);
        break;
    }
    return KEY_MORE;
}

int sh_readline(const char *prompt, char *buf)
{
    struct editor e = { .prompt = prompt, .buf = buf, .len = 0, .pos = 0, .hpos = hist_count };
    static struct completion comp; /* one editor */
    e.saved[0] = '\0';
    uint32_t f = klog_prompt_lock();
    shown = &e;
    klog_prompt_unlock(f);
    klog_prompt(redraw_shown); /* shows the prompt, then what was held */
    for (;;) {
        int c = q_pop();
        bool tab = c == '\t' && e.esc == ESC_NONE && !e.excess;
        if (tab) {
            e.tabs++;
            complete_find(&e, &comp);
        }
        f = klog_prompt_lock();
        if (tab) {
            complete_apply(&e, &comp);
            klog_prompt_unlock(f);
            continue;
        }
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
