/* Freestanding memory and string routines.  gcc may emit calls to memcpy,
 * memset, memmove and memcmp on its own, so these are the real thing. */
#include <adros/string.h>

void *memcpy(void *dst, const void *src, size_t n)
{
    void *ret = dst;
    /* rep movsl for the bulk, then the tail: fast enough under QEMU TCG. */
    size_t words = n >> 2;
    __asm__ volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
    size_t tail = n & 3;
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(tail) : : "memory");
    return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    void *ret = dst;
    uint32_t v = (uint8_t)c;
    v |= v << 8;
    v |= v << 16;
    size_t words = n >> 2;
    __asm__ volatile("rep stosl" : "+D"(dst), "+c"(words) : "a"(v) : "memory");
    size_t tail = n & 3;
    __asm__ volatile("rep stosb" : "+D"(dst), "+c"(tail) : "a"(v) : "memory");
    return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n; i++)
        if (p[i] == (unsigned char)c)
            return (void *)(p + i);
    return NULL;
}
