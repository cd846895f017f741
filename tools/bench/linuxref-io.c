/* lrio: the timing helper of the Linux reference boot (tools/bench/linuxref.py).
 *
 * A static i386 Linux program with no C library, built on the host with
 * `gcc -m32 -static -nostdlib` and put in the guest's initramfs.  Busybox's
 * dd prints no time, and /proc/uptime ticks in 10 ms steps, so the guest
 * times its workloads with this: CLOCK_MONOTONIC around a plain read or
 * write loop, nothing else in the loop (dd would add a write to /dev/null
 * per block).
 *
 *   lrio read FILE BS           read FILE to the end with BS-byte reads
 *   lrio write FILE BS TOTAL    create FILE, write TOTAL bytes with BS-byte
 *                               writes, then fsync it (timed)
 *   lrio rawread DEV BS OFFSET TOTAL
 *                               read TOTAL bytes of the block device DEV
 *                               from byte OFFSET with BS-byte reads,
 *                               O_DIRECT (no page cache: each read is
 *                               one request to the driver, or the pieces
 *                               the driver's limits cut it into)
 *   lrio rawwrite DEV BS OFFSET TOTAL
 *                               write TOTAL bytes to DEV from OFFSET with
 *                               BS-byte O_DIRECT writes, then fsync() it
 *                               (a cache flush to the disk; timed)
 *   lrio send A.B.C.D PORT TOTAL BS
 *                               connect, send TOTAL bytes with BS-byte
 *                               writes, then wait for the peer's one-line
 *                               acknowledgement (timed to its arrival)
 *   lrio recv PORT BS           listen on PORT, accept one connection,
 *                               receive to its end with BS-byte reads
 *                               (timed from the first byte)
 *
 * The network modes are the Linux side of make bench's TCP workloads
 * (tools/bench/netbench.py): busybox nc moves 1 KiB per system call, which would
 * measure nc, not Linux.
 * Prints "BYTES NS" (bytes moved, nanoseconds from after open() to the end
 * of the loop, or of fsync()) and exits 0; on an error prints a line to
 * stderr and exits 1.  BS is at most 1 MiB, BYTES under 4 GiB, raw
 * OFFSET + TOTAL under 2 GiB (plain lseek).
 * Assumes i386 (int $0x80, 32-bit time_t in struct timespec).
 */

#define SYS_READ 3
#define SYS_WRITE 4
#define SYS_OPEN 5
#define SYS_CLOSE 6
#define SYS_LSEEK 19
#define SYS_FSYNC 118
#define SYS_CLOCK_GETTIME 265
#define O_RDONLY 0
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define O_DIRECT 040000
#define CLOCK_MONOTONIC 1
#define SYS_SOCKET 359
#define SYS_BIND 361
#define SYS_CONNECT 362
#define SYS_LISTEN 363
#define SYS_ACCEPT4 364
#define SYS_SETSOCKOPT 366
#define AF_INET 2
#define SOCK_STREAM 1
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define MAXBS (1024 * 1024)

struct ts {
    long sec, nsec;
};

static unsigned char buf[MAXBS] __attribute__((aligned(4096)));

static long sys3(long n, long a, long b, long c)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c) : "memory");
    return r;
}

static unsigned long slen(const char *s)
{
    unsigned long n = 0;
    while (s[n])
        n++;
    return n;
}

static void puts_fd(int fd, const char *s)
{
    sys3(SYS_WRITE, fd, (long)s, (long)slen(s));
}

/* Decimal of v into p (at least 11 bytes), zero-padded to width; returns p. */
static char *utoa(unsigned long v, char *p, int width)
{
    char t[11];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width)
        t[n++] = '0';
    for (int i = 0; i < n; i++)
        p[i] = t[n - 1 - i];
    p[n] = 0;
    return p;
}

static unsigned long atou(const char *s)
{
    unsigned long v = 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (unsigned long)(*s++ - '0');
    return v;
}

static int fail(const char *what, long err)
{
    char n[12];
    puts_fd(2, "lrio: ");
    puts_fd(2, what);
    puts_fd(2, " failed, errno ");
    puts_fd(2, utoa((unsigned long)-err, n, 0));
    puts_fd(2, "\n");
    return 1;
}

/* Prints "BYTES NS"; ns = (t1 - t0) without 64-bit arithmetic: seconds,
 * then the nanoseconds zero-padded to 9 digits. */
static void report(unsigned long bytes, const struct ts *t0, const struct ts *t1)
{
    long sec = t1->sec - t0->sec, nsec = t1->nsec - t0->nsec;
    char n[12];
    if (nsec < 0) {
        nsec += 1000000000;
        sec--;
    }
    puts_fd(1, utoa(bytes, n, 0));
    puts_fd(1, " ");
    if (sec > 0) {
        puts_fd(1, utoa((unsigned long)sec, n, 0));
        puts_fd(1, utoa((unsigned long)nsec, n, 9));
    } else {
        puts_fd(1, utoa((unsigned long)nsec, n, 0));
    }
    puts_fd(1, "\n");
}

static int do_read(const char *path, unsigned long bs)
{
    long fd = sys3(SYS_OPEN, (long)path, O_RDONLY, 0);
    if (fd < 0)
        return fail("open", fd);
    struct ts t0, t1;
    unsigned long total = 0;
    long n;
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t0, 0);
    while ((n = sys3(SYS_READ, fd, (long)buf, (long)bs)) > 0)
        total += (unsigned long)n;
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t1, 0);
    if (n < 0)
        return fail("read", n);
    sys3(SYS_CLOSE, fd, 0, 0);
    report(total, &t0, &t1);
    return 0;
}

static long sys5(long n, long a, long b, long c, long d, long e)
{
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(n), "b"(a), "c"(b), "d"(c), "S"(d), "D"(e) : "memory");
    return r;
}

struct sockaddr_in4 {
    unsigned short family, port; /* port in network order */
    unsigned char addr[4];
    unsigned char zero[8];
};

static int parse_ip(const char *s, unsigned char out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned long v = atou(s);
        if (v > 255 || *s < '0' || *s > '9')
            return -1;
        out[i] = (unsigned char)v;
        while (*s >= '0' && *s <= '9')
            s++;
        if (i < 3 && *s++ != '.')
            return -1;
    }
    return *s ? -1 : 0;
}

static int do_send(const char *ip, unsigned long port, unsigned long total, unsigned long bs)
{
    struct sockaddr_in4 a = { AF_INET, (unsigned short)((port >> 8) | (port & 255) << 8), { 0 }, { 0 } };
    if (parse_ip(ip, a.addr) < 0)
        return fail("parsing the address", -22);
    for (unsigned long i = 0; i < bs; i++)
        buf[i] = (unsigned char)(i * 131 + (i >> 10));
    long s = sys3(SYS_SOCKET, AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return fail("socket", s);
    long r = sys3(SYS_CONNECT, s, (long)&a, sizeof(a));
    if (r < 0)
        return fail("connect", r);
    struct ts t0, t1;
    unsigned long done = 0;
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t0, 0);
    while (done < total) {
        unsigned long want = total - done < bs ? total - done : bs;
        long n = sys3(SYS_WRITE, s, (long)buf, (long)want);
        if (n <= 0)
            return fail("send", n ? n : -32);
        done += (unsigned long)n;
    }
    /* The peer's acknowledgement: one line once it has every byte. */
    char c = 0;
    long n;
    while ((n = sys3(SYS_READ, s, (long)&c, 1)) == 1 && c != '\n')
        ;
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t1, 0);
    if (c != '\n')
        return fail("waiting for the acknowledgement", n < 0 ? n : -5);
    sys3(SYS_CLOSE, s, 0, 0);
    report(done, &t0, &t1);
    return 0;
}

static int do_recv(unsigned long port, unsigned long bs)
{
    struct sockaddr_in4 a = { AF_INET, (unsigned short)((port >> 8) | (port & 255) << 8), { 0 }, { 0 } };
    long s = sys3(SYS_SOCKET, AF_INET, SOCK_STREAM, 0);
    if (s < 0)
        return fail("socket", s);
    int one = 1;
    sys5(SYS_SETSOCKOPT, s, SOL_SOCKET, SO_REUSEADDR, (long)&one, sizeof(one));
    long r = sys3(SYS_BIND, s, (long)&a, sizeof(a));
    if (r < 0)
        return fail("bind", r);
    if ((r = sys3(SYS_LISTEN, s, 1, 0)) < 0)
        return fail("listen", r);
    long c = sys5(SYS_ACCEPT4, s, 0, 0, 0, 0);
    if (c < 0)
        return fail("accept", c);
    struct ts t0, t1;
    unsigned long total = 0;
    long n = sys3(SYS_READ, c, (long)buf, (long)bs);
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t0, 0);
    while (n > 0) {
        total += (unsigned long)n;
        n = sys3(SYS_READ, c, (long)buf, (long)bs);
    }
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t1, 0);
    if (n < 0)
        return fail("recv", n);
    sys3(SYS_CLOSE, c, 0, 0);
    report(total, &t0, &t1);
    return 0;
}

static int do_write(const char *path, unsigned long bs, unsigned long total)
{
    /* Not zeros, so that nothing on the way could treat the data as holes. */
    for (unsigned long i = 0; i < bs; i++)
        buf[i] = (unsigned char)(i * 131 + (i >> 10));
    long fd = sys3(SYS_OPEN, (long)path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return fail("open", fd);
    struct ts t0, t1;
    unsigned long done = 0;
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t0, 0);
    while (done < total) {
        unsigned long want = total - done < bs ? total - done : bs;
        long n = sys3(SYS_WRITE, fd, (long)buf, (long)want);
        if (n <= 0)
            return fail("write", n ? n : -28);
        done += (unsigned long)n;
    }
    long r = sys3(SYS_FSYNC, fd, 0, 0);
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t1, 0);
    if (r < 0)
        return fail("fsync", r);
    sys3(SYS_CLOSE, fd, 0, 0);
    report(done, &t0, &t1);
    return 0;
}

/* The raw block device workloads of the usb_seq mirror: the same requests
 * as tests/kernel/usb_bench.c makes through AdrOS's block layer. */
static int do_raw(const char *dev, int write, unsigned long bs, unsigned long off, unsigned long total)
{
    for (unsigned long i = 0; i < bs; i++)
        buf[i] = (unsigned char)(i * 131 + (i >> 10));
    long fd = sys3(SYS_OPEN, (long)dev, (write ? O_WRONLY : O_RDONLY) | O_DIRECT, 0);
    if (fd < 0)
        return fail("open", fd);
    long r = sys3(SYS_LSEEK, fd, (long)off, 0);
    if (r < 0 || (unsigned long)r != off)
        return fail("lseek", r < 0 ? r : -22);
    struct ts t0, t1;
    unsigned long done = 0;
    r = 0;
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t0, 0);
    while (done < total) {
        unsigned long want = total - done < bs ? total - done : bs;
        long n = sys3(write ? SYS_WRITE : SYS_READ, fd, (long)buf, (long)want);
        if (n <= 0)
            return fail(write ? "write" : "read", n ? n : -5);
        done += (unsigned long)n;
    }
    if (write)
        r = sys3(SYS_FSYNC, fd, 0, 0);
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t1, 0);
    if (r < 0)
        return fail("fsync", r);
    sys3(SYS_CLOSE, fd, 0, 0);
    report(done, &t0, &t1);
    return 0;
}

static int streq(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* "lrio now": prints "0 NS", NS the monotonic clock (the DHCP workload's
 * timestamps: busybox's own clocks have 10 ms steps). */
static int do_now(void)
{
    struct ts zero = { 0, 0 }, t;
    sys3(SYS_CLOCK_GETTIME, CLOCK_MONOTONIC, (long)&t, 0);
    report(0, &zero, &t);
    return 0;
}

int lrio_main(long *sp);
int lrio_main(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    if (argc == 2 && streq(argv[1], "now"))
        return do_now();
    unsigned long bs = argc > 3 ? atou(argv[3]) : 0;
    if (bs == 0 || bs > MAXBS)
        argc = 0;
    if (argc == 4 && streq(argv[1], "read"))
        return do_read(argv[2], bs);
    if (argc == 5 && streq(argv[1], "write"))
        return do_write(argv[2], bs, atou(argv[4]));
    if (argc == 6 && (streq(argv[1], "rawread") || streq(argv[1], "rawwrite")) && atou(argv[5]) > 0)
        return do_raw(argv[2], streq(argv[1], "rawwrite"), bs, atou(argv[4]), atou(argv[5]));
    if (argc == 6 && streq(argv[1], "send") && atou(argv[5]) > 0 && atou(argv[5]) <= MAXBS)
        return do_send(argv[2], atou(argv[3]), atou(argv[4]), atou(argv[5]));
    if (argc == 4 && streq(argv[1], "recv") && atou(argv[3]) > 0 && atou(argv[3]) <= MAXBS)
        return do_recv(atou(argv[2]), atou(argv[3]));
    puts_fd(2, "usage: lrio read FILE BS | lrio write FILE BS TOTAL |"
               " lrio rawread|rawwrite DEV BS OFFSET TOTAL | lrio send A.B.C.D PORT TOTAL BS |"
               " lrio recv PORT BS (BS <= 1 MiB) | lrio now\n");
    return 2;
}

/* The kernel starts us with argc at (%esp); the C code wants an aligned stack. */
__asm__(".globl _start\n"
        "_start:\n"
        "  xorl %ebp, %ebp\n"
        "  movl %esp, %eax\n"
        "  andl $-16, %esp\n"
        "  subl $12, %esp\n"
        "  pushl %eax\n"
        "  call lrio_main\n"
        "  movl %eax, %ebx\n"
        "  movl $1, %eax\n"
        "  int $0x80\n");
