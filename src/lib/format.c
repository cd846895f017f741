/* The formatting engine behind kprintf and ksnprintf.  Portable C with no
 * kernel dependencies: the host unit tests compile this very file. */
#include <adros/format.h>
#include <adros/string.h>

struct spec {
    bool left, zero;
    int width;
    int prec; /* -1: none */
};

static int put_repeat(format_put_fn put, void *ctx, const char *chunk16, int count)
{
    int done = 0;
    while (count - done > 0) {
        int k = MIN(count - done, 16);
        put(ctx, chunk16, (size_t)k);
        done += k;
    }
    return done;
}

static int emit_padded(format_put_fn put, void *ctx, const struct spec *sp, const char *prefix,
                       const char *body, int bodylen, int zeros)
{
    static const char spaces[] = "                ";
    static const char zerobuf[] = "0000000000000000";
    int plen = (int)strlen(prefix);
    int total = plen + zeros + bodylen;
    int pad = sp->width > total ? sp->width - total : 0;
    int n = 0;

    if (!sp->left && !sp->zero)
        n += put_repeat(put, ctx, spaces, pad);
    if (plen) {
        put(ctx, prefix, (size_t)plen);
        n += plen;
    }
    if (!sp->left && sp->zero)
        n += put_repeat(put, ctx, zerobuf, pad);
    n += put_repeat(put, ctx, zerobuf, zeros);
    if (bodylen) {
        put(ctx, body, (size_t)bodylen);
        n += bodylen;
    }
    if (sp->left)
        n += put_repeat(put, ctx, spaces, pad);
    return n;
}

static int emit_number(format_put_fn put, void *ctx, struct spec *sp, uint64_t v, bool neg,
                       unsigned base, bool upper, const char *prefix)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char buf[24];
    int i = (int)sizeof(buf);
    int zeros = 0;

    if (v == 0 && sp->prec != 0)
        buf[--i] = '0';
    while (v) {
        buf[--i] = digits[v % base];
        v /= base;
    }
    int len = (int)sizeof(buf) - i;
    if (sp->prec >= 0) {
        if (sp->prec > len)
            zeros = sp->prec - len;
        sp->zero = false; /* C: a precision disables the '0' flag */
    }
    return emit_padded(put, ctx, sp, neg ? "-" : prefix, buf + i, len, zeros);
}

int kvformat(format_put_fn put, void *ctx, const char *fmt, va_list ap)
{
    int n = 0;

    while (*fmt) {
        const char *start = fmt;
        while (*fmt && *fmt != '%')
            fmt++;
        if (fmt != start) {
            put(ctx, start, (size_t)(fmt - start));
            n += (int)(fmt - start);
        }
        if (!*fmt)
            break;

        const char *conv_start = fmt++;
        struct spec sp = { false, false, 0, -1 };
        for (;; fmt++) {
            if (*fmt == '-')
                sp.left = true;
            else if (*fmt == '0')
                sp.zero = true;
            else
                break;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) {
                sp.left = true;
                sp.width = -sp.width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                sp.width = sp.width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            sp.prec = 0;
            if (*fmt == '*') {
                sp.prec = va_arg(ap, int);
                if (sp.prec < 0)
                    sp.prec = -1;
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    sp.prec = sp.prec * 10 + (*fmt++ - '0');
            }
        }
        if (sp.width > 4096)
            sp.width = 4096;

        int size = 0; /* -2 hh, -1 h, 0 int, 1 long, 2 long long, 3 size_t */
        if (*fmt == 'h') {
            size = -1;
            if (*++fmt == 'h') {
                size = -2;
                fmt++;
            }
        } else if (*fmt == 'l') {
            size = 1;
            if (*++fmt == 'l') {
                size = 2;
                fmt++;
            }
        } else if (*fmt == 'z') {
            size = 3;
            fmt++;
        }

        char c = *fmt;
        if (c)
            fmt++;
        switch (c) {
        case 'c': {
            char ch = (char)va_arg(ap, int);
            sp.zero = false;
            n += emit_padded(put, ctx, &sp, "", &ch, 1, 0);
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = sp.prec >= 0 ? (int)strnlen(s, (size_t)sp.prec) : (int)strlen(s);
            sp.zero = false;
            n += emit_padded(put, ctx, &sp, "", s, len, 0);
            break;
        }
        case 'd':
        case 'i': {
            int64_t v;
            if (size == 2)
                v = va_arg(ap, long long);
            else if (size == 1)
                v = va_arg(ap, long);
            else if (size == 3)
                v = (int64_t)va_arg(ap, ssize_t);
            else
                v = va_arg(ap, int);
            if (size == -1)
                v = (short)v;
            else if (size == -2)
                v = (signed char)v;
            bool neg = v < 0;
            uint64_t mag = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            n += emit_number(put, ctx, &sp, mag, neg, 10, false, "");
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X': {
            uint64_t v;
            if (size == 2)
                v = va_arg(ap, unsigned long long);
            else if (size == 1)
                v = va_arg(ap, unsigned long);
            else if (size == 3)
                v = va_arg(ap, size_t);
            else
                v = va_arg(ap, unsigned int);
            if (size == -1)
                v = (unsigned short)v;
            else if (size == -2)
                v = (unsigned char)v;
            n += emit_number(put, ctx, &sp, v, false, c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X', "");
            break;
        }
        case 'p': {
            uintptr_t v = (uintptr_t)va_arg(ap, void *);
            if (sp.prec < 0)
                sp.prec = (int)(2 * sizeof(void *));
            n += emit_number(put, ctx, &sp, v, false, 16, false, "0x");
            break;
        }
        case '%':
            put(ctx, "%", 1);
            n++;
            break;
        default:
            /* Unknown conversion: show it as written. */
            put(ctx, conv_start, (size_t)(fmt - conv_start));
            n += (int)(fmt - conv_start);
            break;
        }
    }
    return n;
}

struct snbuf {
    char *buf;
    size_t size, pos;
};

static void snput(void *ctx, const char *s, size_t n)
{
    struct snbuf *b = ctx;
    if (b->size && b->pos < b->size - 1) {
        size_t room = b->size - 1 - b->pos;
        memcpy(b->buf + b->pos, s, n < room ? n : room);
    }
    b->pos += n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct snbuf b = { buf, size, 0 };
    int n = kvformat(snput, &b, fmt, ap);
    if (size)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
