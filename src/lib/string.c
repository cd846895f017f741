/* Freestanding memory and string routines.  gcc may emit calls to memcpy,
 * memset, memmove and memcmp on its own, so these are the real thing. */
#include <adros/string.h>

/* Bulk copies are a loop of plain 32-bit loads and stores, 64 bytes per
 * pass, rather than `rep movsl`: under QEMU TCG (how AdrOS runs in CI and in
 * every benchmark) that moves 1.2-1.9x as many bytes per second from 4 KiB
 * up (bench=copy, tests/kernel/copy.c, which runs the old `rep movsl`
 * routine next to these; docs/PERFORMANCE.md section 1).  The emulated
 * disk's DMA is a host memcpy, so guest copies on the block paths cost as
 * much as the I/O.  The loop uses no FPU/MMX/SSE register: the kernel saves
 * no FPU state of its own.
 *
 * The 64-byte blocks load two words, then store them, in address order for
 * copy_up and in reverse for copy_down: each load happens before any store
 * that could overwrite it when dst and src overlap in that direction, which
 * memmove relies on. */
#define LD(o) "movl " #o "(%1),%%eax\n\tmovl " #o "+4(%1),%%edx\n\t"
#define ST(o) "movl %%eax," #o "(%0)\n\tmovl %%edx," #o "+4(%0)\n\t"
#define PAIR(o) LD(o) ST(o)

typedef uint32_t __attribute__((may_alias, aligned(1))) uword;

/* Short copies and the tail of long ones, upward: `rep movsl` then `rep
 * movsb`.  For a few iterations that is cheaper under TCG than the block
 * loop's setup or a chain of tests on n (each conditional branch ends a
 * translation block): bench=copy's 64 B row. */
static inline void tail_up(unsigned char *d, const unsigned char *s, size_t n)
{
    size_t words = n >> 2, bytes = n & 3;
    __asm__ volatile("rep movsl" : "+D"(d), "+S"(s), "+c"(words) : : "memory");
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(bytes) : : "memory");
}

/* The same downward: d and s point just past the n < 64 bytes. */
static inline void tail_down(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n & 32) {
        d -= 32, s -= 32;
        uword a = ((const uword *)s)[7], b = ((const uword *)s)[6], c = ((const uword *)s)[5],
              e = ((const uword *)s)[4];
        ((uword *)d)[7] = a, ((uword *)d)[6] = b, ((uword *)d)[5] = c, ((uword *)d)[4] = e;
        a = ((const uword *)s)[3], b = ((const uword *)s)[2], c = ((const uword *)s)[1], e = ((const uword *)s)[0];
        ((uword *)d)[3] = a, ((uword *)d)[2] = b, ((uword *)d)[1] = c, ((uword *)d)[0] = e;
    }
    if (n & 16) {
        d -= 16, s -= 16;
        uword a = ((const uword *)s)[3], b = ((const uword *)s)[2], c = ((const uword *)s)[1],
              e = ((const uword *)s)[0];
        ((uword *)d)[3] = a, ((uword *)d)[2] = b, ((uword *)d)[1] = c, ((uword *)d)[0] = e;
    }
    if (n & 8) {
        d -= 8, s -= 8;
        uword a = ((const uword *)s)[1], b = ((const uword *)s)[0];
        ((uword *)d)[1] = a, ((uword *)d)[0] = b;
    }
    if (n & 4) {
        d -= 4, s -= 4;
        *(uword *)d = *(const uword *)s;
    }
    if (n & 2) {
        d -= 2, s -= 2;
        unsigned char a = s[1], b = s[0];
        d[1] = a, d[0] = b;
    }
    if (n & 1)
        d[-1] = s[-1];
}

static inline __attribute__((always_inline)) void copy_up(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n >= 128) {
        /* Align the destination to a word (stores matter more than loads
         * on real CPUs; TCG does not care). */
        while ((uintptr_t)d & 3) {
            *d++ = *s++;
            n--;
        }
        size_t blocks = n >> 6; /* at least 61 bytes are left: maybe 0 blocks */
        if (blocks)
            __asm__ volatile("1:\n\t" PAIR(0) PAIR(8) PAIR(16) PAIR(24) PAIR(32) PAIR(40) PAIR(48) PAIR(56)
                             "add $64,%1\n\tadd $64,%0\n\tdec %2\n\tjnz 1b"
                             : "+D"(d), "+S"(s), "+c"(blocks)
                             :
                             : "eax", "edx", "memory", "cc");
        n &= 63;
    }
    tail_up(d, s, n);
}

#define LDD(o) "movl " #o "+4(%1),%%eax\n\tmovl " #o "(%1),%%edx\n\t"
#define STD(o) "movl %%eax," #o "+4(%0)\n\tmovl %%edx," #o "(%0)\n\t"
#define PAIRD(o) LDD(o) STD(o)

/* Downward, for memmove with dst above src: d and s point past the end. */
static void copy_down(unsigned char *d, const unsigned char *s, size_t n)
{
    if (n >= 64) {
        while ((uintptr_t)d & 3) {
            *--d = *--s;
            n--;
        }
        size_t blocks = n >> 6; /* at least 61 bytes are left: maybe 0 blocks */
        if (blocks)
            __asm__ volatile("1:\n\tsub $64,%1\n\tsub $64,%0\n\t" PAIRD(56) PAIRD(48) PAIRD(40) PAIRD(32)
                             PAIRD(24) PAIRD(16) PAIRD(8) PAIRD(0) "dec %2\n\tjnz 1b"
                             : "+D"(d), "+S"(s), "+c"(blocks)
                             :
                             : "eax", "edx", "memory", "cc");
        n &= 63;
    }
    tail_down(d, s, n);
}

void *memcpy(void *dst, const void *src, size_t n)
{
    copy_up(dst, src, n);
    return dst;
}

/* Overlap-safe: upward when dst is below src (each word is read before the
 * store that could overwrite it), downward when above. */
void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s || d >= s + n)
        copy_up(d, s, n);
    else
        copy_down(d + n, s + n, n);
    return dst;
}

#define ST4(o) "movl %2," #o "(%0)\n\tmovl %2," #o "+4(%0)\n\tmovl %2," #o "+8(%0)\n\t" \
               "movl %2," #o "+12(%0)\n\t"

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint32_t v = (uint8_t)c;
    v |= v << 8;
    v |= v << 16;
    if (n >= 64) {
        while ((uintptr_t)d & 3) {
            *d++ = (unsigned char)v;
            n--;
        }
        size_t blocks = n >> 6; /* at least 61 bytes are left: maybe 0 blocks */
        if (blocks)
            __asm__ volatile("1:\n\t" ST4(0) ST4(16) ST4(32) ST4(48) "add $64,%0\n\tdec %1\n\tjnz 1b"
                             : "+D"(d), "+c"(blocks)
                             : "a"(v)
                             : "memory", "cc");
        n &= 63;
    }
    if (n & 32) { /* volatile: gcc would make this loop a call to memset */
        for (int i = 0; i < 8; i++)
            ((volatile uword *)d)[i] = v;
        d += 32;
    }
    if (n & 16) {
        ((uword *)d)[0] = v, ((uword *)d)[1] = v, ((uword *)d)[2] = v, ((uword *)d)[3] = v;
        d += 16;
    }
    if (n & 8) {
        ((uword *)d)[0] = v, ((uword *)d)[1] = v;
        d += 8;
    }
    if (n & 4) {
        *(uword *)d = v;
        d += 4;
    }
    if (n & 2) {
        d[0] = (unsigned char)v, d[1] = (unsigned char)v;
        d += 2;
    }
    if (n & 1)
        *d = (unsigned char)v;
    return dst;
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
