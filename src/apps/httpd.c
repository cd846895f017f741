/* httpd [-p port] <dir> | httpd stop | httpd: an HTTP/1.0 server of one
 * directory, in the background, over NetBSD's TCP/IP stack.
 *
 * Threads: one accept thread and HTTPD_WORKERS workers, started by
 * `httpd <dir>` and joined by `httpd stop`.  The accept thread queues
 * connections (at most HTTPD_QUEUE waiting; when the queue stays full for
 * HTTPD_BUSY_WAIT_MS the next client gets 503); each worker serves one connection at a time: GET and HEAD of files
 * (Content-Length, Content-Type by extension), index.html or an HTML
 * listing for directories, then closes it.  Slow or silent clients are
 * dropped after HTTPD_TIMEOUT_MS (the whole head must arrive by then; each
 * send may wait that long), so a worker is never held forever.
 *
 * Confinement: the request path is decoded (".." components and encoded
 * '/' refused), then resolved under the served directory by http_resolve
 * with every symbolic link followed by hand, so a link leading out is
 * refused (403) and the object opened is named by a path with no link left
 * (opened O_NOFOLLOW).  Only regular files and directories are served.
 *
 * Log: each request answered is one line of the kernel log (dmesg; at
 * LOG_DEBUG, so a busy server does not flood the console): "httpd:
 * <client> <method> <path> <status> <bytes sent>", the client named by the
 * hosts file when it names its address ("gw (10.0.2.2)"; no PTR query, so
 * logging never waits on the network).
 *
 * Memory: the workers' buffers are allocated when the server starts and
 * freed when it stops; a connection allocates nothing of its own. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/http.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/sched.h>
#include <adros/cmd.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/vfs.h>

#define HTTPD_WORKERS 8
#define HTTPD_QUEUE 16
#define HTTPD_TIMEOUT_MS 10000
#define HTTPD_SLICE_MS 500     /* waits are cut so a stop is noticed */
#define HTTPD_BUSY_WAIT_MS 2000 /* a full queue waits this long for a worker */
#define HTTPD_CHUNK (32 * 1024)
#define HTTPD_STACK (64 * 1024)

struct worker {
    int id;
    struct thread *thread;
    int fd;               /* the connection being served, -1 when idle; lock */
    struct net_addr peer; /* its client */
    char *head;           /* HTTP_HEAD_MAX + 1 */
    char *chunk;          /* HTTPD_CHUNK */
    char path[VFS_PATH_MAX], rel[VFS_PATH_MAX];
    uint64_t sent;        /* bytes of the current response */
};

static struct {
    kmutex_t lock;        /* protects every field below and worker.fd */
    kcond_t work;         /* a connection was queued, or stopping */
    kcond_t space;        /* a worker took a connection from the queue */
    bool running, stopping;
    int lsock;
    uint16_t port;
    char root[VFS_PATH_MAX];
    struct { int fd; struct net_addr peer; } queue[HTTPD_QUEUE];
    unsigned qhead, qtail;
    struct thread *acceptor;
    struct worker w[HTTPD_WORKERS];
    uint64_t conns, requests, bytes, refused, timeouts, started_ns;
} hd = { .lock = KMUTEX_INIT(hd.lock, "httpd"), .work = { WAITQ_INIT(hd.work.wq) },
       .space = { WAITQ_INIT(hd.space.wq) }, .lsock = -1 };

/* ---- file system access for http_resolve ---- */
static int vfs_lookup(void *ctx, const char *path, char *buf, size_t size)
{
    struct vfs_stat st;
    int r = vfs_lstat(path, &st);
    if (r < 0)
        return r;
    if (st.type != VLNK)
        return 0;
    r = vfs_readlink(path, buf, size);
    if (r < 0)
        return r;
    return (size_t)r >= size ? -ENAMETOOLONG : 1;
}

static const struct http_fs_ops vfs_ops = { vfs_lookup, NULL };

/* ---- responses ---- */
static bool stopping(void) { return hd.stopping; }

/* Sends all of buf; false when the connection is gone or too slow. */
static bool send_all(struct worker *w, const void *buf, size_t n)
{
    ssize_t r = net_send(w->fd, buf, n, HTTPD_TIMEOUT_MS);
    if (r == -ETIMEDOUT) {
        kmutex_lock(&hd.lock);
        hd.timeouts++;
        kmutex_unlock(&hd.lock);
    }
    if (r < 0)
        return false;
    w->sent += n;
    return true;
}

static bool send_head(struct worker *w, int status, const char *type, int64_t length, const char *extra)
{
    char h[HTTP_PATH_MAX + 256], len[40] = "";
    if (length >= 0)
        ksnprintf(len, sizeof(len), "Content-Length: %lld\r\n", (long long)length);
    int n = ksnprintf(h, sizeof(h), "HTTP/1.0 %d %s\r\nServer: AdrOS\r\nConnection: close\r\n%s%s%s%s%s\r\n",
                      status, http_reason(status), type ? "Content-Type: " : "", type ? type : "",
                      type ? "\r\n" : "", len, extra ? extra : "");
    return (size_t)n < sizeof(h) && send_all(w, h, (size_t)n);
}

/* An error page.  The request may not have been read whole: the write
 * side is shut and what the client still sends is read and dropped for a
 * moment, so closing does not reset the connection before the client has
 * read the answer. */
static void send_error(struct worker *w, int status, bool head_only, const char *extra)
{
    char body[160];
    int n = ksnprintf(body, sizeof(body), "<html><body><h1>%d %s</h1></body></html>\n", status,
                      http_reason(status));
    if (send_head(w, status, "text/html", n, extra) && !head_only)
        send_all(w, body, (size_t)n);
    net_shutdown(w->fd, 1);
    uint64_t until = clock_gettime_ns() + NSEC_PER_SEC;
    size_t drained = 0;
    while (drained < 64 * 1024 && clock_gettime_ns() < until) {
        ssize_t r = net_recv(w->fd, w->chunk, HTTPD_CHUNK, 200);
        if (r == -ETIMEDOUT)
            continue;
        if (r <= 0)
            break;
        drained += (size_t)r;
    }
}

static void send_file(struct worker *w, struct file *f, uint64_t size, bool head_only)
{
    if (!send_head(w, 200, http_content_type(w->path), (int64_t)size, NULL) || head_only)
        return;
    for (uint64_t off = 0; off < size && !stopping();) {
        size_t n = (size_t)MIN((uint64_t)HTTPD_CHUNK, size - off);
        ssize_t r = vfs_pread(f, w->chunk, n, off);
        if (r <= 0)
            return; /* the file shrank or failed: the client sees a short body */
        if (!send_all(w, w->chunk, (size_t)r))
            return;
        off += (uint64_t)r;
    }
}

/* Appends text to the listing being sent in w->chunk (*fill bytes). */
static bool put(struct worker *w, size_t *fill, const char *s, size_t n)
{
    while (n) {
        if (*fill == HTTPD_CHUNK) {
            if (!send_all(w, w->chunk, *fill))
                return false;
            *fill = 0;
        }
        size_t k = MIN(n, HTTPD_CHUNK - *fill);
        memcpy(w->chunk + *fill, s, k);
        *fill += k;
        s += k;
        n -= k;
    }
    return true;
}

static bool put_str(struct worker *w, size_t *fill, const char *s) { return put(w, fill, s, strlen(s)); }

/* "<li><a href="NAME/">NAME/</a></li>" for one entry, escaped. */
static bool put_entry(struct worker *w, size_t *fill, const char *name, bool dir)
{
    char enc[3 * VFS_NAME_MAX + 1], esc[6 * VFS_NAME_MAX + 1];
    http_encode_path(name, enc, sizeof(enc));
    http_escape_html(name, esc, sizeof(esc));
    return put_str(w, fill, "<li><a href=\"") && put_str(w, fill, enc) && put_str(w, fill, dir ? "/\">" : "\">") &&
           put_str(w, fill, esc) && put_str(w, fill, dir ? "/</a></li>\n" : "</a></li>\n");
}

static void send_listing(struct worker *w, struct file *dir, bool head_only)
{
    if (!send_head(w, 200, "text/html", -1, NULL) || head_only)
        return;
    char title[2 * VFS_PATH_MAX];
    http_escape_html(w->rel, title, sizeof(title));
    size_t fill = 0;
    bool ok = put_str(w, &fill, "<!DOCTYPE html>\n<html><head><title>Index of /") && put_str(w, &fill, title) &&
              put_str(w, &fill, "</title></head>\n<body><h1>Index of /") && put_str(w, &fill, title) &&
              put_str(w, &fill, "</h1>\n<ul>\n") && (!w->rel[0] || put_entry(w, &fill, "..", true));
    struct vfs_dirent de;
    while (ok && !stopping() && vfs_readdir(dir, &de) == 1)
        ok = put_entry(w, &fill, de.name, de.type == VDIR);
    if (ok && put_str(w, &fill, "</ul>\n</body></html>\n") && fill)
        send_all(w, w->chunk, fill);
}

/* Resolves rel under the root into w->path and opens it: 0, or a status. */
static int open_resolved(struct worker *w, const char *rel, struct file **f, struct vfs_stat *st)
{
    int r = http_resolve(hd.root, rel, &vfs_ops, w->path, sizeof(w->path));
    if (r == 0)
        r = vfs_open(w->path, O_RDONLY | O_NOFOLLOW, 0, f);
    if (r == 0 && (r = vfs_fstat(*f, st)) < 0)
        vfs_close(*f);
    if (r == 0 && st->type != VREG && st->type != VDIR) {
        vfs_close(*f);
        r = -EACCES;
    }
    if (r == 0)
        return 0;
    return r == -ENOENT || r == -ENOTDIR ? 404 : r == -ENAMETOOLONG ? 414 : 403;
}

/* The client as the log names it: "name (address)" when the hosts file
 * names its address, else the address.  Taken when the request has
 * arrived, before it is answered: the log says who asked as known then
 * (a client that has its answer may already have changed the hosts file). */
static void client_name(struct worker *w, char *who, size_t size)
{
    char addr[NET_ADDRSTRLEN], name[64];
    struct net_addr host = w->peer;
    host.port = 0; /* the address names the client, not the connection */
    net_format_addr(&host, addr, sizeof(addr));
    if (net_name_of(&w->peer, name, sizeof(name)) == 0)
        ksnprintf(who, size, "%s (%s)", name, addr);
    else
        strlcpy(who, addr, size);
}

/* The log line of a request from who answered with status. */
static void log_request(struct worker *w, const char *who, const struct http_request *req, int status)
{
    klog(LOG_DEBUG, "httpd: %s %s %s %d %llu\n", who, req->method_name[0] ? req->method_name : "-",
         req->target[0] ? req->target : "-", status, (unsigned long long)w->sent);
}

/* One request on w->fd; what happens is counted in hd. */
static void serve(struct worker *w)
{
    w->sent = 0;
    size_t len = 0;
    int head = 0;
    uint64_t deadline = clock_gettime_ns() + HTTPD_TIMEOUT_MS * NSEC_PER_MSEC;
    while ((head = http_head_scan(w->head, len)) == 0) {
        if (stopping())
            return;
        if (clock_gettime_ns() >= deadline) {
            kmutex_lock(&hd.lock);
            hd.timeouts++;
            kmutex_unlock(&hd.lock);
            if (len)
                send_error(w, 408, false, NULL);
            return;
        }
        ssize_t r = net_recv(w->fd, w->head + len, HTTP_HEAD_MAX - len, HTTPD_SLICE_MS);
        if (r == -ETIMEDOUT)
            continue;
        if (r <= 0)
            return; /* gone before asking anything */
        len += (size_t)r;
    }
    char who[NET_ADDRSTRLEN + 72];
    client_name(w, who, sizeof(who));
    struct http_request req = { .method = HTTP_M_OTHER };
    int status = head < 0 ? -head : http_parse_request(w->head, (size_t)head, &req);
    bool head_only = status == 0 && req.method == HTTP_M_HEAD;
    if (status == 0 && req.method == HTTP_M_OTHER)
        status = 405;
    if (status == 0)
        status = http_decode_path(req.target, w->rel, sizeof(w->rel));
    struct file *f = NULL;
    struct vfs_stat st = { .type = VNON };
    if (status == 0)
        status = open_resolved(w, w->rel, &f, &st);
    if (status == 0 && st.type == VDIR && req.target[strlen(req.target) - 1] != '/') {
        /* So relative links in the page resolve under it. */
        char loc[HTTP_PATH_MAX + 16];
        ksnprintf(loc, sizeof(loc), "Location: %s/\r\n", req.target);
        vfs_close(f);
        f = NULL;
        status = 301;
        send_error(w, status, head_only, loc);
    } else if (status == 0 && st.type == VDIR) {
        char idx[VFS_PATH_MAX];
        struct file *fi;
        struct vfs_stat sti;
        ksnprintf(idx, sizeof(idx), "%s%sindex.html", w->rel, w->rel[0] ? "/" : "");
        int ri = open_resolved(w, idx, &fi, &sti);
        if (ri == 0 && sti.type == VREG)
            send_file(w, fi, sti.size, head_only);
        else
            send_listing(w, f, head_only);
        if (ri == 0)
            vfs_close(fi);
        status = 200;
    } else if (status == 0) {
        send_file(w, f, st.size, head_only);
        status = 200;
    } else {
        send_error(w, status, head_only, status == 405 ? "Allow: GET, HEAD\r\n" : NULL);
    }
    if (f)
        vfs_close(f);
    log_request(w, who, &req, status);
    kmutex_lock(&hd.lock);
    hd.requests++;
    kmutex_unlock(&hd.lock);
}

/* ---- threads ---- */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    kmutex_lock(&hd.lock);
    for (;;) {
        while (!hd.stopping && hd.qhead == hd.qtail)
            kcond_wait(&hd.work, &hd.lock);
        if (hd.stopping)
            break;
        w->fd = hd.queue[hd.qtail % HTTPD_QUEUE].fd;
        w->peer = hd.queue[hd.qtail++ % HTTPD_QUEUE].peer;
        kcond_signal(&hd.space);
        kmutex_unlock(&hd.lock);
        serve(w);
        kmutex_lock(&hd.lock);
        hd.bytes += w->sent;
        int fd = w->fd;
        w->fd = -1; /* before the close: stop() shuts only descriptors still ours */
        kmutex_unlock(&hd.lock);
        net_close(fd);
        kmutex_lock(&hd.lock);
    }
    kmutex_unlock(&hd.lock);
    return NULL;
}

static void *accept_main(void *arg)
{
    static const char busy[] = "HTTP/1.0 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    while (!stopping()) {
        struct net_addr peer = { 0 };
        int c = net_accept(hd.lsock, &peer, HTTPD_SLICE_MS);
        if (c == -ETIMEDOUT)
            continue;
        if (c < 0) {
            process_sleep(100 * NSEC_PER_MSEC); /* out of descriptors or buffers: let workers catch up */
            continue;
        }
        /* A burst waits a moment for a worker; a server still full after
         * that answers 503 rather than keep clients hanging. */
        uint64_t until = clock_gettime_ns() + HTTPD_BUSY_WAIT_MS * NSEC_PER_MSEC;
        kmutex_lock(&hd.lock);
        while (!hd.stopping && hd.qhead - hd.qtail >= HTTPD_QUEUE &&
               kcond_wait_until(&hd.space, &hd.lock, until) == 0)
            ;
        bool full = hd.qhead - hd.qtail >= HTTPD_QUEUE;
        if (!full) {
            hd.queue[hd.qhead % HTTPD_QUEUE].fd = c;
            hd.queue[hd.qhead++ % HTTPD_QUEUE].peer = peer;
            hd.conns++;
            kcond_signal(&hd.work);
        } else {
            hd.refused++;
        }
        kmutex_unlock(&hd.lock);
        if (full) {
            net_send(c, busy, sizeof(busy) - 1, 1000);
            net_close(c);
        }
    }
    return NULL;
}

/* ---- the command ---- */
static void print_status(const char *prefix)
{
    char sent[16];
    kmutex_lock(&hd.lock);
    int active = 0;
    for (int i = 0; i < HTTPD_WORKERS; i++)
        active += hd.w[i].fd >= 0;
    shell_format_size(hd.bytes, sent, sizeof(sent));
    shell_printf("%sport %u, directory %s, up %llu s\n", prefix, hd.port, hd.root,
                 (unsigned long long)((clock_gettime_ns() - hd.started_ns) / NSEC_PER_SEC));
    shell_printf("  %llu connections, %llu requests served, %d active connections, %u queued\n",
                 (unsigned long long)hd.conns, (unsigned long long)hd.requests, active, hd.qhead - hd.qtail);
    shell_printf("  %llu bytes sent (%s), %llu refused (busy), %llu timeouts\n", (unsigned long long)hd.bytes,
                 sent, (unsigned long long)hd.refused, (unsigned long long)hd.timeouts);
    kmutex_unlock(&hd.lock);
}

static void cleanup(void)
{
    for (int i = 0; i < HTTPD_WORKERS; i++) {
        kfree(hd.w[i].head);
        kfree(hd.w[i].chunk);
        hd.w[i].head = hd.w[i].chunk = NULL;
    }
    if (hd.lsock >= 0)
        net_close(hd.lsock);
    hd.lsock = -1;
}

static void join_all(void)
{
    if (hd.acceptor)
        thread_join(hd.acceptor, NULL);
    hd.acceptor = NULL;
    for (int i = 0; i < HTTPD_WORKERS; i++) {
        if (hd.w[i].thread)
            thread_join(hd.w[i].thread, NULL);
        hd.w[i].thread = NULL;
    }
}

static int httpd_stop(const char *argv0)
{
    kmutex_lock(&hd.lock);
    if (!hd.running || hd.stopping) {
        kmutex_unlock(&hd.lock);
        return shell_error(argv0, "not running");
    }
    hd.stopping = true;
    kcond_broadcast(&hd.work);
    kcond_broadcast(&hd.space);
    for (int i = 0; i < HTTPD_WORKERS; i++)
        if (hd.w[i].fd >= 0)
            net_shutdown(hd.w[i].fd, 2); /* wakes a worker waiting on its client */
    kmutex_unlock(&hd.lock);
    join_all();
    while (hd.qhead != hd.qtail)
        net_close(hd.queue[hd.qtail++ % HTTPD_QUEUE].fd);
    print_status("httpd: stopped; ");
    cleanup();
    kmutex_lock(&hd.lock);
    hd.running = hd.stopping = false;
    kmutex_unlock(&hd.lock);
    return 0;
}

/* The served directory as a path with no link, "." or ".." in it. */
static int canonical_dir(const char *argv0, const char *dir)
{
    while (*dir == '/')
        dir++;
    int r = http_resolve("/", dir, &vfs_ops, hd.root, sizeof(hd.root));
    struct vfs_stat st;
    if (r == 0 && (r = vfs_stat(hd.root, &st)) == 0 && st.type != VDIR)
        r = -ENOTDIR;
    return r;
}

static int start_threads(void)
{
    char name[THREAD_NAME_MAX];
    struct thread_attr a = { .name = name, .prio = PRIO_NORMAL, .stack_size = HTTPD_STACK,
                             .flags = PROCESS_FLAG_JOINABLE };
    for (int i = 0; i < HTTPD_WORKERS; i++) {
        struct worker *w = &hd.w[i];
        w->id = i;
        w->fd = -1;
        w->head = kmalloc(HTTP_HEAD_MAX + 1);
        w->chunk = kmalloc(HTTPD_CHUNK);
        if (!w->head || !w->chunk)
            return -ENOMEM;
        ksnprintf(name, sizeof(name), "httpd-w%d", i);
        int r = thread_create(&a, worker_main, w, &w->thread);
        if (r < 0) {
            w->thread = NULL;
            return r;
        }
    }
    ksnprintf(name, sizeof(name), "httpd-accept");
    int r = thread_create(&a, accept_main, NULL, &hd.acceptor);
    if (r < 0)
        hd.acceptor = NULL;
    return r;
}

static int httpd_start(const char *argv0, uint16_t port, const char *dir)
{
    if (!net_available())
        return shell_error(argv0, "the network is not available (%s)", net_boot_status());
    kmutex_lock(&hd.lock);
    bool busy = hd.running;
    hd.running = true; /* claimed: a second start fails until this one is done */
    kmutex_unlock(&hd.lock);
    if (busy)
        return shell_error(argv0, "already running on port %u (httpd stop first)", hd.port);
    hd.lsock = -1;
    for (int i = 0; i < HTTPD_WORKERS; i++)
        hd.w[i].fd = -1;
    hd.qhead = hd.qtail = 0;
    hd.conns = hd.requests = hd.bytes = hd.refused = hd.timeouts = 0;
    hd.port = port;
    int r = canonical_dir(argv0, dir);
    const char *what = dir;
    struct net_addr any = { .family = NET_AF_INET, .port = port };
    if (r == 0) {
        what = "socket";
        r = hd.lsock = net_socket(NET_AF_INET, NET_SOCK_STREAM, NET_PROTO_TCP);
    }
    if (r >= 0) {
        net_setopt(hd.lsock, NET_OPT_REUSEADDR, 1);
        what = "bind";
        r = net_bind(hd.lsock, &any);
    }
    if (r >= 0) {
        what = "listen";
        r = net_listen(hd.lsock, 32);
    }
    if (r >= 0) {
        what = "starting threads";
        r = start_threads();
    }
    if (r < 0) {
        kmutex_lock(&hd.lock);
        hd.stopping = true;
        kcond_broadcast(&hd.work);
        kcond_broadcast(&hd.space);
        kmutex_unlock(&hd.lock);
        join_all();
        cleanup();
        kmutex_lock(&hd.lock);
        hd.running = hd.stopping = false;
        kmutex_unlock(&hd.lock);
        return shell_error(argv0, "%s: %s", what, shell_strerror(r));
    }
    hd.started_ns = clock_gettime_ns();
    shell_printf("httpd: serving %s on port %u (%d workers)\n", hd.root, port, HTTPD_WORKERS);
    return 0;
}

static int cmd_httpd(int argc, char **argv)
{
    if (argc == 1) {
        kmutex_lock(&hd.lock);
        bool on = hd.running && !hd.stopping && hd.acceptor;
        kmutex_unlock(&hd.lock);
        if (!on) {
            shell_printf("httpd: not running\n");
            return 0;
        }
        print_status("httpd: running; ");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "stop") == 0)
        return httpd_stop(argv[0]);
    uint64_t port = 80;
    int i = 1;
    if (strcmp(argv[i], "-p") == 0) {
        if (argc < 3 || !shell_parse_u64(argv[2], &port) || port == 0 || port > 65535)
            return shell_usage(argv[0]);
        i = 3;
    }
    if (argc != i + 1 || argv[i][0] == '-')
        return shell_usage(argv[0]);
    return httpd_start(argv[0], (uint16_t)port, argv[i]);
}
SHELL_CMD(httpd, cmd_httpd, "httpd [-p port] <dir> | httpd stop | httpd",
          "serve a directory over HTTP in the background; stop it; show its state");
