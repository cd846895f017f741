/* printf-style formatting, independent of where the output goes.  Portable:
 * also built into the host unit tests.
 *
 * Conversions: %c %s %d %i %u %o %x %X %p %%; flags '-' (left justify) and '0'
 * (zero pad); a width (digits or '*'); a precision for %s and the integer
 * conversions ('.N' or '.*'); sizes 'hh', 'h', 'l', 'll', 'z'.  Anything
 * else is copied to the output literally so a bad format is visible, never
 * fatal. */
#ifndef ADROS_FORMAT_H
#define ADROS_FORMAT_H

#include <adros/types.h>

typedef void (*format_put_fn)(void *ctx, const char *s, size_t n);

/* Formats into put(); returns the number of characters produced. */
int kvformat(format_put_fn put, void *ctx, const char *fmt, va_list ap);

/* snprintf semantics: writes at most size-1 characters plus a terminator
 * (nothing when size is 0) and returns the length the full output has. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
