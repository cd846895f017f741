/* ttcp: TCP bulk throughput through NetBSD's stack (<adros/net.h>), in the
 * manner of the classic ttcp.
 *
 *   ttcp -t [-s] [-l len] <addr[:port]> <MiB>
 *                          connect, send MiB mebibytes of the pattern, shut
 *                          our side down, wait for the receiver's
 *                          acknowledgement (it closes, or sends anything),
 *                          close
 *   ttcp -r [-n] [-s] [-l len] [-p port]
 *                          listen, accept one connection, receive to end of
 *                          stream checking the pattern (-n: do not check),
 *                          close
 *
 * -s (either side): also print the SHA-256 of the bytes sent or received,
 * so two machines can compare the stream as a whole
 * (tools/test/plan_reliability.py sends through a lossy relay).
 *
 * -l: the bytes handed to each send or asked of each receive (default
 * 64 KiB, at most 256 KiB), to compare with programs that use small
 * buffers.
 *
 * Both print bytes, seconds and MB/s (10^6 bytes/s), timed from the first
 * byte to the end: for -t until the acknowledgement, for -r until end of
 * stream.  The default port is 5001.
 *
 * The pattern, so that any receiver can check any byte of the stream: the
 * 32-bit little-endian word at byte offset 4k holds TTCP_SEED + k (mod
 * 2^32).  A lost, repeated or reordered piece shows at its offset.
 *
 * Timeouts: connecting 10 s, accepting 120 s, and a send or receive that
 * makes no progress for 30 s ends the transfer.  Ctrl-C is looked at
 * between sends and every quarter of a second while waiting to accept or
 * to receive (and it kills the command thread's sleeps). */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/netcmd.h>
#include <adros/sha256.h>
#include <adros/cmd.h>
#include <adros/string.h>

#define TTCP_PORT 5001
#define TTCP_SEED 0x74746370u /* "ttcp" */
#define TTCP_BUF (64 * 1024)
#define TTCP_BUF_MAX (256 * 1024)
#define TTCP_MAX_MIB 4096
#define TTCP_CONNECT_MS 10000
#define TTCP_ACCEPT_MS 120000
#define TTCP_STALL_MS 30000
#define TTCP_SLICE_MS 250 /* longest wait between two looks at Ctrl-C */

/* The pattern's byte at offset off. */
static inline uint8_t pattern_byte(uint64_t off)
{
    uint32_t w = TTCP_SEED + (uint32_t)(off >> 2);
    return (uint8_t)(w >> (8 * (off & 3)));
}

/* Fills buf (n bytes, n a multiple of 4) with the pattern from offset off
 * (a multiple of 4). */
static void pattern_fill(uint32_t *buf, size_t n, uint64_t off)
{
    uint32_t w = TTCP_SEED + (uint32_t)(off >> 2);
    for (size_t i = 0; i < n / 4; i++)
        buf[i] = w + (uint32_t)i;
}

/* The offset of the first byte of buf (n bytes from stream offset off) that
 * differs from the pattern, or UINT64_MAX when all match. */
static uint64_t pattern_check(const uint8_t *buf, size_t n, uint64_t off)
{
    size_t i = 0;
    for (; i < n && ((off + i) & 3); i++)
        if (buf[i] != pattern_byte(off + i))
            return off + i;
    uint32_t w = TTCP_SEED + (uint32_t)((off + i) >> 2);
    for (; i + 4 <= n; i += 4, w++) {
        uint32_t got;
        __builtin_memcpy(&got, buf + i, 4); /* one load (-ffreestanding would make memcpy a call) */
        if (got != w)
            break; /* the byte loop below finds which */
    }
    for (; i < n; i++)
        if (buf[i] != pattern_byte(off + i))
            return off + i;
    return UINT64_MAX;
}

/* "bytes in S.mmm s (X.xx MB/s)" */
static void print_rate(const char *what, uint64_t bytes, uint64_t ns)
{
    uint64_t centi = ns ? bytes * 100000 / ns : 0; /* 10^4 bytes/s: hundredths of MB/s */
    shell_printf("ttcp: %s %llu bytes in %llu.%03llu s (%llu.%02llu MB/s)\n", what, (unsigned long long)bytes,
                 (unsigned long long)(ns / NSEC_PER_SEC), (unsigned long long)(ns / NSEC_PER_MSEC % 1000),
                 (unsigned long long)(centi / 100), (unsigned long long)(centi % 100));
}

static int net_fail(const char *argv0, const char *what, int err)
{
    if (err == -EINTR || shell_interrupted()) {
        shell_printf("ttcp: interrupted %s\n", what);
        return SHELL_INTERRUPTED;
    }
    return shell_error(argv0, "%s: %s", what,
                       err == -ETIMEDOUT      ? "timed out"
                       : err == -ECONNRESET   ? "connection reset by the peer"
                       : err == -ECONNREFUSED ? "connection refused"
                       : err == -EPIPE        ? "the peer closed the connection"
                                              : shell_strerror(err));
}

/* Waits until s is readable: 0, SHELL_INTERRUPTED, -ETIMEDOUT after
 * timeout_ms, or an error. */
static int wait_readable(int s, uint32_t timeout_ms)
{
    uint64_t deadline = clock_gettime_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
    for (;;) {
        if (shell_interrupted())
            return SHELL_INTERRUPTED;
        struct net_pollfd p = { s, NET_POLLIN, 0 };
        int r = net_poll(&p, 1, TTCP_SLICE_MS);
        if (r == -EINTR)
            return SHELL_INTERRUPTED;
        if (r < 0)
            return r;
        if (r > 0)
            return 0; /* data, end of stream or an error: the next recv says */
        if (clock_gettime_ns() >= deadline)
            return -ETIMEDOUT;
    }
}

/* ---- -t: send ---- */

static void print_sha(struct sha256_ctx *c, uint64_t n)
{
    uint8_t d[SHA256_DIGEST_SIZE];
    char hex[65];
    sha256_final(c, d);
    sha256_hex(d, hex);
    shell_printf("ttcp: sha256 %s of %llu bytes\n", hex, (unsigned long long)n);
}

static int ttcp_send(const char *argv0, const struct net_addr *to, uint64_t total, size_t len, bool hash)
{
    struct sha256_ctx sc;
    sha256_init(&sc);
    char as[NET_ADDRSTRLEN];
    net_format_addr(to, as, sizeof(as));
    uint32_t *buf = kmalloc(((len + 3) & ~(size_t)3) + 4); /* + a word of skew */
    if (!buf)
        return shell_error(argv0, "%s", shell_strerror(-ENOMEM));
    int s = net_socket(to->family, NET_SOCK_STREAM, NET_PROTO_TCP);
    if (s < 0) {
        kfree(buf);
        return net_fail(argv0, "socket", s);
    }
    int status = SHELL_OK;
    int r = net_connect(s, to, TTCP_CONNECT_MS);
    if (r < 0) {
        char what[NET_ADDRSTRLEN + 16];
        ksnprintf(what, sizeof(what), "connecting to %s", as);
        status = net_fail(argv0, what, r);
        goto out;
    }
    shell_printf("ttcp: connected to %s, sending %llu bytes\n", as, (unsigned long long)total);
    uint64_t t0 = clock_gettime_ns(), sent = 0;
    while (sent < total) {
        if (shell_interrupted()) {
            shell_printf("ttcp: interrupted after %llu of %llu bytes\n", (unsigned long long)sent,
                         (unsigned long long)total);
            status = SHELL_INTERRUPTED;
            goto out;
        }
        size_t n = total - sent < len ? (size_t)(total - sent) : len;
        /* The pattern needs 4-byte steps: with a len that is not a
         * multiple of 4, fill from the word before and send from the right
         * byte. */
        size_t skew = (size_t)(sent & 3);
        pattern_fill(buf, (skew + n + 3) & ~(size_t)3, sent - skew);
        /* Ctrl-C is looked at between chunks (and kills the command
         * thread's sleeps).  A chunk not taken within TTCP_STALL_MS fails;
         * what part of it went is unknown (see net.h): the transfer ends. */
        if (hash)
            sha256_update(&sc, (uint8_t *)buf + skew, n);
        ssize_t w = net_send(s, (uint8_t *)buf + skew, n, TTCP_STALL_MS);
        if (w == -EINTR) {
            shell_printf("ttcp: interrupted after %llu of %llu bytes\n", (unsigned long long)sent,
                         (unsigned long long)total);
            status = SHELL_INTERRUPTED;
            goto out;
        }
        if (w < 0) {
            shell_printf("ttcp: %llu of %llu bytes sent\n", (unsigned long long)sent, (unsigned long long)total);
            status = net_fail(argv0, "send", (int)w);
            goto out;
        }
        sent += n;
    }
    uint64_t t_sent = clock_gettime_ns();
    /* The end: the receiver closes (end of stream) or answers anything. */
    net_shutdown(s, 1);
    r = wait_readable(s, TTCP_STALL_MS);
    if (r == 0) {
        char ack[64];
        ssize_t n = net_recv(s, ack, sizeof(ack), 0);
        r = n < 0 && n != -ECONNRESET ? (int)n : 0; /* a reset after our FIN is an end too */
    }
    uint64_t t1 = clock_gettime_ns();
    if (r == SHELL_INTERRUPTED) {
        shell_printf("ttcp: interrupted waiting for the receiver's acknowledgement\n");
        status = SHELL_INTERRUPTED;
        goto out;
    }
    if (r < 0) {
        status = net_fail(argv0, "waiting for the receiver to acknowledge the end", r);
        goto out;
    }
    print_rate("sent", sent, t1 - t0);
    if (hash)
        print_sha(&sc, sent);
    shell_printf("ttcp: last byte handed to the stack after %llu.%03llu s, acknowledged after %llu.%03llu s\n",
                 (unsigned long long)((t_sent - t0) / NSEC_PER_SEC),
                 (unsigned long long)((t_sent - t0) / NSEC_PER_MSEC % 1000),
                 (unsigned long long)((t1 - t0) / NSEC_PER_SEC),
                 (unsigned long long)((t1 - t0) / NSEC_PER_MSEC % 1000));
out:
    net_close(s);
    kfree(buf);
    return status;
}

/* ---- -r: receive ---- */

/* Listens on port and accepts one connection: its descriptor, or -1 with
 * *err_status set to the command's status (the error already printed). */
static int accept_one(const char *argv0, uint16_t port, int *err_status)
{
    struct net_addr any = { .family = NET_AF_INET, .port = port };
    int l = net_socket(NET_AF_INET, NET_SOCK_STREAM, NET_PROTO_TCP);
    if (l < 0) {
        *err_status = net_fail(argv0, "socket", l);
        return -1;
    }
    net_setopt(l, NET_OPT_REUSEADDR, 1);
    int r = net_bind(l, &any);
    if (r == 0)
        r = net_listen(l, 1);
    if (r < 0) {
        net_close(l);
        char what[32];
        ksnprintf(what, sizeof(what), "listening on port %u", port);
        *err_status = net_fail(argv0, what, r);
        return -1;
    }
    shell_printf("ttcp: listening on port %u\n", port);
    struct net_addr peer;
    uint64_t deadline = clock_gettime_ns() + (uint64_t)TTCP_ACCEPT_MS * NSEC_PER_MSEC;
    do {
        if (shell_interrupted()) {
            net_close(l);
            shell_printf("ttcp: interrupted waiting for a connection\n");
            *err_status = SHELL_INTERRUPTED;
            return -1;
        }
        r = net_accept(l, &peer, TTCP_SLICE_MS);
    } while ((r == -ETIMEDOUT || r == -EINTR) && clock_gettime_ns() < deadline); /* -EINTR: said above */
    net_close(l);
    if (r < 0) {
        *err_status = r == -ETIMEDOUT ? shell_error(argv0, "no connection within %u s", TTCP_ACCEPT_MS / 1000)
                                      : net_fail(argv0, "accept", r);
        return -1;
    }
    char as[NET_ADDRSTRLEN];
    shell_printf("ttcp: connection from %s\n", net_format_addr(&peer, as, sizeof(as)));
    return r;
}

static int ttcp_recv(const char *argv0, uint16_t port, bool verify, size_t len, bool hash)
{
    struct sha256_ctx sc;
    sha256_init(&sc);
    uint8_t *buf = kmalloc(len);
    if (!buf)
        return shell_error(argv0, "%s", shell_strerror(-ENOMEM));
    int status = SHELL_OK;
    int s = accept_one(argv0, port, &status);
    if (s < 0) {
        kfree(buf);
        return status;
    }
    uint64_t got = 0, t0 = 0, t1;
    for (;;) {
        int r = wait_readable(s, TTCP_STALL_MS);
        ssize_t n = r < 0 ? r : r == SHELL_INTERRUPTED ? -EINTR : net_recv(s, buf, len, 0);
        if (r == SHELL_INTERRUPTED) {
            shell_printf("ttcp: interrupted after %llu bytes\n", (unsigned long long)got);
            status = SHELL_INTERRUPTED;
            goto out;
        }
        if (n == -ETIMEDOUT && r == 0)
            continue; /* readable, then nothing: polled again */
        if (n < 0) {
            shell_printf("ttcp: %llu bytes received\n", (unsigned long long)got);
            status = net_fail(argv0, "receive", (int)n);
            goto out;
        }
        if (n == 0)
            break;
        if (!got)
            t0 = clock_gettime_ns();
        if (verify) {
            uint64_t bad = pattern_check(buf, (size_t)n, got);
            if (bad != UINT64_MAX) {
                status = shell_error(argv0, "pattern mismatch at byte %llu of the stream: 0x%02x, expected 0x%02x",
                                     (unsigned long long)bad, buf[bad - got], pattern_byte(bad));
                goto out;
            }
        }
        if (hash)
            sha256_update(&sc, buf, (size_t)n);
        got += (uint64_t)n;
    }
    t1 = clock_gettime_ns();
    /* Closing is the acknowledgement the sender times. */
    net_close(s);
    s = -1;
    print_rate("received", got, got ? t1 - t0 : 0);
    if (verify)
        shell_printf("ttcp: pattern ok\n");
    if (hash)
        print_sha(&sc, got);
out:
    if (s >= 0)
        net_close(s);
    kfree(buf);
    return status;
}

static int cmd_ttcp(int argc, char **argv)
{
    bool tx = false, rx = false, verify = true, port_given = false, hash = false;
    const char *pos[2];
    int npos = 0;
    uint64_t port = TTCP_PORT, mib = 0, len = TTCP_BUF;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0) {
            tx = true;
        } else if (strcmp(argv[i], "-r") == 0) {
            rx = true;
        } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
            if (!shell_parse_u64(argv[++i], &port) || port == 0 || port > 65535)
                return shell_error(argv[0], "%s: not a port number", argv[i]);
            port_given = true;
        } else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc) {
            if (!shell_parse_u64(argv[++i], &len) || len == 0 || len > TTCP_BUF_MAX)
                return shell_error(argv[0], "%s: the length must be 1 to %u bytes", argv[i], TTCP_BUF_MAX);
        } else if (strcmp(argv[i], "-s") == 0) {
            hash = true;
        } else if (strcmp(argv[i], "-n") == 0) {
            verify = false;
        } else if (argv[i][0] != '-' && npos < 2) {
            pos[npos++] = argv[i];
        } else {
            return shell_usage(argv[0]);
        }
    }
    /* -t takes an address and a size; -p and -n are for -r, which takes
     * nothing else. */
    if (tx == rx || (tx && (port_given || !verify || npos != 2)) || (rx && npos))
        return shell_usage(argv[0]);
    struct net_addr to;
    const char *dest = pos[0], *mib_s = pos[1];
    if (tx && (!shell_parse_u64(mib_s, &mib) || mib == 0 || mib > TTCP_MAX_MIB))
        return shell_error(argv[0], "%s: MiB must be 1 to %u", mib_s, TTCP_MAX_MIB);
    int st = tx ? netcmd_resolve(argv[0], dest, &to) : 0;
    if (st)
        return st;
    if (!net_available())
        return shell_error(argv[0], "the network is not available (%s)", net_boot_status());
    if (!tx && (st = netcmd_ready(argv[0])) != 0)
        return st;
    if (tx && !to.port)
        to.port = TTCP_PORT;
    return tx ? ttcp_send(argv[0], &to, mib << 20, (size_t)len, hash)
              : ttcp_recv(argv[0], (uint16_t)port, verify, (size_t)len, hash);
}
SHELL_CMD(ttcp, cmd_ttcp, "ttcp -t [-s] [-l len] <host[:port]> <MiB> | ttcp -r [-n] [-s] [-l len] [-p port]",
          "TCP throughput: send MiB of a pattern, or receive one connection and check it (-n: don't)");
