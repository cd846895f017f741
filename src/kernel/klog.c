/* The kernel log: kprintf/klog format into the consoles and into a ring of
 * line records (timestamp, level, text) that dmesg reads back. */
#include <adros/clock.h>
#include <adros/console.h>
#include <adros/kprintf.h>
#include <adros/spinlock.h>
#include <adros/string.h>

#define NREC 512
#define RECTEXT 150

struct rec {
    uint64_t t_ns;
    uint8_t level;
    uint8_t len;
    char text[RECTEXT];
};

static struct rec ring[NREC];
static unsigned rec_next; /* total records started */
static struct rec cur;    /* the line being assembled */
static bool cur_open;
static int console_level = LOG_INFO;
static spinlock_t log_lock = SPINLOCK_INIT("klog");

void klog_set_console_level(int level) { console_level = level; }

static void commit_line(void)
{
    ring[rec_next % NREC] = cur;
    rec_next++;
    cur_open = false;
}

static void log_text(int level, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!cur_open) {
            cur.t_ns = clock_ready() ? clock_gettime_ns() : 0;
            cur.level = (uint8_t)level;
            cur.len = 0;
            cur_open = true;
        }
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
    char buf[128];
    size_t n;
};

static void flush(struct out_ctx *o)
{
    if (o->to_console)
        console_write(o->buf, o->n);
    if (!panic_in_progress()) {
        irqflags_t f = spin_lock_irqsave(&log_lock);
        log_text(o->level, o->buf, o->n);
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
