/* The kernel log: kprintf/klog format into the consoles and into a ring of
 * line records (timestamp, level, text) that dmesg reads back.
 *
 * While the shell holds the console (klog_hold), lines written by threads
 * other than the foreground ones are kept in the ring, marked, and written
 * to the console at klog_release or at the next prompt (klog_prompt):
 * asynchronous messages (a driver attaching, DHCP) never land inside a
 * command's output.  At a prompt, a log line first erases the line being
 * typed and then has the shell redraw it below, so the two never mix. */
#include <adros/clock.h>
#include <adros/console.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/sched.h>
#include <adros/spinlock.h>
#include <adros/string.h>

#define NREC 512
#define RECTEXT 150

struct rec {
    uint64_t t_ns;
    uint8_t level;
    uint8_t len;
    bool held; /* still owed to the console (written while it was held) */
    char text[RECTEXT];
};

/* log_lock protects the ring, cur, and the hold counters. */
static struct rec ring[NREC];
static unsigned rec_next; /* total records started */
static struct rec cur;    /* the line being assembled */
static bool cur_open;
static int console_level = LOG_INFO;
static spinlock_t log_lock = SPINLOCK_INIT("klog");
static unsigned held_recs, held_shown; /* records held / given to the console since klog_hold */
static unsigned hold_from;             /* rec_next at klog_hold */
/* Set by their own threads or the shell; read without the lock (a stale
 * value only moves one line to or from the console a little early). */
static volatile bool holding;
static struct thread *volatile fg[KLOG_FG_N];
/* prompt_lock orders what the line editor shows against log lines. */
static spinlock_t prompt_lock = SPINLOCK_INIT("prompt");
static void (*prompt_redraw)(void); /* a prompt is shown; protected by prompt_lock */
static bool log_mid_line;           /* the console shows part of a log line; prompt_lock */

/* A log line's text to the console, around the prompt if one is shown.
 * Shows s, unless may_hold and a hold is on: returns whether it showed it.
 * The hold is looked at under the prompt lock, which klog_hold takes too,
 * so a hold that began after the message did (the shell's Enter while
 * another thread was in the middle of logging) still holds it. */
static bool console_log(const char *s, size_t n, bool may_hold)
{
    if (panic_in_progress()) {
        console_write(s, n);
        return true;
    }
    irqflags_t f = spin_lock_irqsave(&prompt_lock);
    if (may_hold && holding) {
        spin_unlock_irqrestore(&prompt_lock, f);
        return false;
    }
    if (prompt_redraw && !log_mid_line)
        console_write("\r\033[K", 4);
    console_write(s, n);
    log_mid_line = n && s[n - 1] != '\n';
    /* At column 0, after a \r: the redrawn prompt is not a new one. */
    if (prompt_redraw && !log_mid_line) {
        console_write("\r", 1);
        prompt_redraw();
    }
    spin_unlock_irqrestore(&prompt_lock, f);
    return true;
}

irqflags_t klog_prompt_lock(void) { return spin_lock_irqsave(&prompt_lock); }
void klog_prompt_unlock(irqflags_t f) { spin_unlock_irqrestore(&prompt_lock, f); }

void klog_set_console_level(int level) { console_level = level; }

void klog_set_foreground(unsigned slot, struct thread *t)
{
    KASSERT(slot < KLOG_FG_N);
    fg[slot] = t;
}

static volatile bool irq_fg;
void klog_irq_foreground(bool on) { irq_fg = on; }

static bool is_foreground(void)
{
    if (irq_fg && in_interrupt())
        return true;
    struct thread *me = thread_current();
    for (unsigned i = 0; i < KLOG_FG_N; i++)
        if (fg[i] == me)
            return true;
    return false;
}

static void commit_line(void)
{
    if (cur.held)
        held_recs++;
    ring[rec_next % NREC] = cur;
    rec_next++;
    cur_open = false;
}

static void log_text(int level, const char *s, size_t n, bool held)
{
    for (size_t i = 0; i < n; i++) {
        if (!cur_open) {
            cur.t_ns = clock_ready() ? clock_gettime_ns() : 0;
            cur.level = (uint8_t)level;
            cur.len = 0;
            cur.held = false;
            cur_open = true;
        }
        cur.held |= held;
        if (s[i] == '\n') {
            commit_line();
            continue;
        }
        if (cur.len == RECTEXT)
            commit_line(), i--; /* continue this text in a new record */
        else
            cur.text[cur.len++] = s[i];
    }
}

struct out_ctx {
    int level;
    bool to_console;
    bool held; /* for the console, but it is held */
    bool may_hold; /* not the foreground's, nor a panic's */
    bool shown;    /* part of it is on the console */
    char buf[128];
    size_t n;
};

static void flush(struct out_ctx *o)
{
    if (o->to_console && !o->held) /* a message begun on the console ends there */
        o->held = !console_log(o->buf, o->n, o->may_hold && !o->shown);
    o->shown |= !o->held;
    if (!panic_in_progress()) {
        irqflags_t f = spin_lock_irqsave(&log_lock);
        log_text(o->level, o->buf, o->n, o->held);
        spin_unlock_irqrestore(&log_lock, f);
    }
    o->n = 0;
}

static void put(void *ctx, const char *s, size_t n)
{
    struct out_ctx *o = ctx;
    while (n) {
        size_t k = MIN(n, sizeof(o->buf) - o->n);
        memcpy(o->buf + o->n, s, k);
        o->n += k;
        s += k;
        n -= k;
        if (o->n == sizeof(o->buf))
            flush(o);
    }
}

static int vlog(int level, const char *fmt, va_list ap)
{
    if (fmt[0] == '\001' && fmt[1] >= '0' && fmt[1] <= '7') {
        level = fmt[1] - '0';
        fmt += 2;
    }
    struct out_ctx o = { .level = level, .to_console = level <= console_level, .n = 0 };
    o.may_hold = !panic_in_progress() && !is_foreground();
    o.held = o.to_console && holding && o.may_hold;
    int n = kvformat(put, &o, fmt, ap);
    if (o.n)
        flush(&o);
    return n;
}

int kvprintf(const char *fmt, va_list ap) { return vlog(LOG_INFO, fmt, ap); }

int kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vlog(LOG_INFO, fmt, ap);
    va_end(ap);
    return n;
}

int klog(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vlog(level, fmt, ap);
    va_end(ap);
    return n;
}

void kputs_raw(const char *s, size_t n) { console_write(s, n); }

/* emerg alert crit err warn notice info debug */
static const char level_char[8] = { '!', 'A', 'C', 'E', 'W', 'N', 'I', 'D' };

size_t klog_read(char *buf, size_t size, int max_level)
{
    size_t pos = 0, copied = 0; /* copied: the prefix of buf filled so far */
    irqflags_t f = spin_lock_irqsave(&log_lock);
    unsigned first = rec_next > NREC ? rec_next - NREC : 0;
    for (unsigned i = first; i < rec_next; i++) {
        const struct rec *r = &ring[i % NREC];
        if (r->level > max_level)
            continue;
        char line[RECTEXT + 40];
        uint32_t sec = (uint32_t)(r->t_ns / 1000000000ull);
        uint32_t usec = (uint32_t)((r->t_ns / 1000) % 1000000);
        int n = ksnprintf(line, sizeof(line), "[%5u.%06u] %c %.*s\n", sec, usec,
                          level_char[r->level & 7], r->len,
                          r->text);
        if (n > (int)sizeof(line) - 1)
            n = sizeof(line) - 1;
        if (pos == copied && pos + (size_t)n < size) {
            memcpy(buf + pos, line, (size_t)n);
            copied += (size_t)n;
        }
        pos += (size_t)n;
    }
    spin_unlock_irqrestore(&log_lock, f);
    if (size)
        buf[copied] = '\0';
    return pos;
}

size_t klog_size(void) { return klog_read(NULL, 0, LOG_DEBUG); }

void klog_hold(void)
{
    irqflags_t pf = spin_lock_irqsave(&prompt_lock);
    prompt_redraw = NULL;
    irqflags_t f = spin_lock_irqsave(&log_lock);
    if (!holding) { /* a second hold keeps what the first one holds */
        held_recs = held_shown = 0;
        hold_from = rec_next;
    }
    holding = true;
    spin_unlock_irqrestore(&log_lock, f);
    spin_unlock_irqrestore(&prompt_lock, pf);
}

void klog_prompt(void (*redraw)(void))
{
    irqflags_t f = spin_lock_irqsave(&prompt_lock);
    prompt_redraw = redraw;
    log_mid_line = false;
    redraw(); /* the prompt itself */
    spin_unlock_irqrestore(&prompt_lock, f);
    if (holding)
        klog_release();
}

/* The next held record at or after *i (clearing its mark) into line;
 * returns its length, 0 when there is none.  A line still being assembled
 * goes out as far as it is. */
static size_t next_held(unsigned *i, char *line)
{
    size_t n = 0;
    irqflags_t f = spin_lock_irqsave(&log_lock);
    unsigned first = rec_next > NREC ? rec_next - NREC : 0;
    if (*i < first)
        *i = first;
    for (; *i < rec_next; (*i)++) {
        struct rec *r = &ring[*i % NREC];
        if (r->held) {
            r->held = false;
            memcpy(line, r->text, r->len);
            n = r->len;
            line[n++] = '\n';
            held_shown++;
            (*i)++;
            break;
        }
    }
    if (!n && cur_open && cur.held) {
        cur.held = false;
        memcpy(line, cur.text, cur.len);
        n = cur.len;
    }
    spin_unlock_irqrestore(&log_lock, f);
    return n;
}

void klog_release(void)
{
    holding = false;
    /* New lines now go straight out; the held ones follow in order. */
    char line[RECTEXT + 1];
    unsigned i = hold_from;
    size_t n;
    while ((n = next_held(&i, line)) > 0)
        console_log(line, n, false);
    irqflags_t f = spin_lock_irqsave(&log_lock);
    unsigned lost = held_recs > held_shown ? held_recs - held_shown : 0;
    spin_unlock_irqrestore(&log_lock, f);
    if (lost)
        kprintf(KERN_WARN "klog: %u log lines written during the command are only in dmesg\n", lost);
}
