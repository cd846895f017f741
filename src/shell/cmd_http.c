/* fetch <http-url> <file>: an HTTP/1.0 GET saved to a file through the VFS
 * (so onto any AdrOS file system, NetBSD's ext2fs through the rump kernel
 * included), over NetBSD's TCP/IP stack (<adros/net.h>).
 *
 * The host is a name (src/netbsd/dns.c) or an address.  Redirects are not
 * followed: any status but 200 is an error showing the status line.  The
 * connection must be made within FETCH_CONNECT_MS and the server may be
 * silent for at most FETCH_IDLE_MS; Ctrl-C stops it within a fraction of a
 * second (receives are done in short slices).  On any failure the partial
 * file is removed.  Bodies of FETCH_PROGRESS_MIN bytes or more (or of
 * unknown length) print their progress about once a second. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/http.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/netcmd.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/vfs.h>

#define FETCH_CONNECT_MS 10000
#define FETCH_IDLE_MS 30000
#define FETCH_SLICE_MS 250
#define FETCH_BUF (64 * 1024)
#define FETCH_PROGRESS_MIN (1024 * 1024)

struct fetch {
    const char *argv0, *file;
    int sock;
    struct file *out;
    char *buf;        /* FETCH_BUF bytes: the head, then the body */
    size_t fill;      /* bytes in buf not yet written to the file */
    uint64_t got;     /* body bytes received */
    int64_t length;   /* Content-Length, -1 if none */
    uint64_t t0, last_report;
};

/* Up to n bytes, waiting in slices so Ctrl-C is noticed: > 0, 0 at end of
 * stream, SHELL_INTERRUPTED as a negative, or -errno (-ETIMEDOUT when the
 * server was silent FETCH_IDLE_MS). */
static ssize_t recv_some(struct fetch *f, void *buf, size_t n)
{
    uint64_t deadline = clock_gettime_ns() + FETCH_IDLE_MS * NSEC_PER_MSEC;
    for (;;) {
        if (shell_interrupted())
            return -SHELL_INTERRUPTED;
        ssize_t r = net_recv(f->sock, buf, n, FETCH_SLICE_MS);
        if (r == -EINTR)
            return -SHELL_INTERRUPTED; /* Ctrl-C during the wait */
        if (r != -ETIMEDOUT)
            return r;
        if (clock_gettime_ns() >= deadline)
            return -ETIMEDOUT;
    }
}

static void rate(uint64_t bytes, uint64_t ns, char *out, size_t n)
{
    char sz[16];
    uint64_t per_s = ns ? bytes * 1000 / (ns / NSEC_PER_MSEC + 1) : 0;
    shell_format_size(per_s, sz, sizeof(sz));
    ksnprintf(out, n, "%s/s", sz);
}

static void progress(struct fetch *f, bool force)
{
    uint64_t now = clock_gettime_ns();
    if (!force && now - f->last_report < NSEC_PER_SEC)
        return;
    if (!force && f->length >= 0 && f->length < FETCH_PROGRESS_MIN)
        return;
    f->last_report = now;
    char got[16], total[16], r[24];
    shell_format_size(f->got, got, sizeof(got));
    rate(f->got, now - f->t0, r, sizeof(r));
    if (f->length > 0) {
        shell_format_size((uint64_t)f->length, total, sizeof(total));
        shell_printf("fetch: %s of %s (%u%%), %s\n", got, total, (unsigned)(f->got * 100 / (uint64_t)f->length), r);
    } else {
        shell_printf("fetch: %s, %s\n", got, r);
    }
}

static int flush(struct fetch *f)
{
    if (!f->fill)
        return 0;
    ssize_t w = vfs_write(f->out, f->buf, f->fill);
    if (w != (ssize_t)f->fill)
        return shell_error(f->argv0, "writing %s: %s", f->file, shell_strerror(w < 0 ? (int)w : -EIO));
    f->fill = 0;
    return 0;
}

static int recv_error(struct fetch *f, ssize_t r, const char *what)
{
    if (r == -SHELL_INTERRUPTED)
        return SHELL_INTERRUPTED;
    if (r == -ETIMEDOUT)
        return shell_error(f->argv0, "%s: the server was silent for %u s", what, FETCH_IDLE_MS / 1000);
    return shell_error(f->argv0, "%s: %s", what, shell_strerror((int)r));
}

/* Sends the request and reads the head; on 200 leaves the start of the
 * body in buf (fill bytes). */
static int request(struct fetch *f, const struct http_url *u)
{
    char req[HTTP_PATH_MAX + 256];
    int n = ksnprintf(req, sizeof(req),
                      "GET %s HTTP/1.0\r\nHost: %s%s%s:%u\r\nUser-Agent: AdrOS-fetch\r\nConnection: close\r\n\r\n",
                      u->path, strchr(u->host, ':') ? "[" : "", u->host, strchr(u->host, ':') ? "]" : "", u->port);
    ssize_t r = net_send(f->sock, req, (size_t)n, FETCH_IDLE_MS);
    if (r == -EINTR)
        return SHELL_INTERRUPTED;
    if (r < 0)
        return shell_error(f->argv0, "sending the request: %s", shell_strerror((int)r));
    size_t len = 0;
    int head;
    while ((head = http_head_scan(f->buf, len)) == 0) {
        r = recv_some(f, f->buf + len, HTTP_HEAD_MAX - len);
        if (r == 0)
            return shell_error(f->argv0, "the server closed the connection before a complete response head");
        if (r < 0)
            return recv_error(f, r, "waiting for the response");
        len += (size_t)r;
    }
    struct http_response resp;
    if (head < 0 || http_parse_response(f->buf, (size_t)head, &resp) < 0)
        return shell_error(f->argv0, "malformed response from the server");
    if (resp.status != 200)
        return shell_error(f->argv0, "server answered \"%s\"", resp.status_line);
    f->length = resp.content_length;
    f->fill = len - (size_t)head;
    memmove(f->buf, f->buf + head, f->fill);
    return 0;
}

static int body(struct fetch *f)
{
    if (f->length >= 0 && f->fill > (uint64_t)f->length)
        f->fill = (size_t)f->length; /* more than announced: ignored */
    f->got = f->fill;
    for (;;) {
        if (f->length >= 0 && f->got >= (uint64_t)f->length)
            break;
        if (f->fill == FETCH_BUF && flush(f))
            return SHELL_FAIL;
        size_t want = FETCH_BUF - f->fill;
        if (f->length >= 0 && want > (uint64_t)f->length - f->got)
            want = (size_t)((uint64_t)f->length - f->got);
        ssize_t r = recv_some(f, f->buf + f->fill, want);
        if (r == 0 && f->length < 0)
            break;
        if (r == 0)
            return shell_error(f->argv0, "connection closed after %llu of %lld bytes", (unsigned long long)f->got,
                               (long long)f->length);
        if (r < 0)
            return recv_error(f, r, "receiving");
        f->fill += (size_t)r;
        f->got += (uint64_t)r;
        progress(f, false);
    }
    return flush(f);
}

static int fetch_to(struct fetch *f, const struct http_url *u)
{
    int r = request(f, u);
    if (r)
        return r;
    r = vfs_open(f->file, O_WRONLY | O_CREAT | O_TRUNC, 0644, &f->out);
    if (r < 0) {
        f->out = NULL;
        return shell_error(f->argv0, "%s: %s", f->file, shell_strerror(r));
    }
    if ((r = body(f)))
        return r;
    if ((r = vfs_fsync(f->out)) < 0)
        return shell_error(f->argv0, "syncing %s: %s", f->file, shell_strerror(r));
    uint64_t ns = clock_gettime_ns() - f->t0;
    char rt[24];
    rate(f->got, ns, rt, sizeof(rt));
    if (f->got >= FETCH_PROGRESS_MIN)
        progress(f, true);
    shell_printf("fetch: %llu bytes in %llu.%03u s (%s) -> %s\n", (unsigned long long)f->got,
                 (unsigned long long)(ns / NSEC_PER_SEC), (unsigned)(ns / NSEC_PER_MSEC % 1000), rt, f->file);
    return 0;
}

static int cmd_fetch(int argc, char **argv)
{
    if (argc != 3)
        return shell_usage(argv[0]);
    struct http_url u;
    int r = http_parse_url(argv[1], &u);
    if (r == -EPROTONOSUPPORT)
        return shell_error(argv[0], "%s: only http:// URLs are supported", argv[1]);
    if (r < 0)
        return shell_error(argv[0], "%s: not a valid http:// URL", argv[1]);
    struct net_addr a;
    if (!net_available())
        return shell_error(argv[0], "the network is not available (%s)", net_boot_status());
    if ((r = netcmd_resolve(argv[0], u.host, &a)) != 0)
        return r;
    a.port = u.port;
    struct fetch f = { .argv0 = argv[0], .file = argv[2], .sock = -1, .out = NULL, .length = -1 };
    f.t0 = f.last_report = clock_gettime_ns();
    f.buf = kmalloc(FETCH_BUF);
    if (!f.buf)
        return shell_error(argv[0], "out of memory");
    f.sock = net_socket(a.family, NET_SOCK_STREAM, NET_PROTO_TCP);
    if (f.sock < 0) {
        r = shell_error(argv[0], "socket: %s", shell_strerror(f.sock));
    } else if ((r = net_connect(f.sock, &a, FETCH_CONNECT_MS)) < 0) {
        char as[NET_ADDRSTRLEN];
        r = r == -EINTR ? SHELL_INTERRUPTED
                        : shell_error(argv[0], "connecting to %s: %s", net_format_addr(&a, as, sizeof(as)),
                                      r == -ETIMEDOUT ? "timed out" : shell_strerror(r));
    } else {
        r = fetch_to(&f, &u);
    }
    if (f.sock >= 0)
        net_close(f.sock);
    if (f.out) {
        vfs_close(f.out);
        if (r != 0) {
            int u2 = vfs_unlink(f.file);
            shell_printf("fetch: %s %s\n", f.file, u2 < 0 ? "left behind (could not remove it)" : "removed");
        }
    }
    kfree(f.buf);
    return r;
}
SHELL_CMD(fetch, cmd_fetch, "fetch <http://host[:port]/path> <file>",
          "download a URL (HTTP/1.0 GET) into a file; no redirects");
