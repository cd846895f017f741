/* Sockets for AdrOS code (<adros/net.h>) over the rump kernel's system
 * calls: NetBSD's TCP/IP stack.
 *
 * Every call enters the rump kernel through RUMP_SYSCALL (src/rump/
 * rump_sys.h): the calling AdrOS thread is bound to an lwp of the rump
 * kernel's process 1 once, so all AdrOS threads share its descriptor
 * table, and a rump kernel panic returns -EIO instead of never returning.
 * Timeouts are done with poll() and non-blocking operations, so a call
 * never sleeps in the rump kernel longer than asked.  Sends use
 * MSG_NOSIGNAL: a peer that went away gives EPIPE, not a signal.
 *
 * Every wait is interruptible: a thread asked to stop (process_kill, the
 * shell's Ctrl-C) gets -EINTR within one poll slice.  The rump kernel's
 * own sleeps are not woken by a kill, hence the short slices. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/net.h>
#include <adros/rump.h>
#include <adros/sched.h>
#include <adros/string.h>

#ifdef ADROS_RUMP_NET
#include "../rump/rump_sys.h"
#include "net_int.h"

bool net_available(void)
{
    if (!rump_running())
        return false;
    net__boot_wait();
    return true;
}

/* The system call's result, or the rump errno as -errno. */
#define NETCALL(ret, call) RUMP_SERVICE_CALL(ret, net_available(), -ENETDOWN, call)

uint32_t net__to_sockaddr(const struct net_addr *a, void *sa)
{
    if (a->family == NET_AF_INET) {
        struct nb_sockaddr_in *s = sa;
        memset(s, 0, sizeof(*s));
        s->sin_len = sizeof(*s);
        s->sin_family = NB_AF_INET;
        s->sin_port = htons(a->port);
        memcpy(&s->sin_addr, a->addr, 4);
        return sizeof(*s);
    }
    struct nb_sockaddr_in6 *s = sa;
    memset(s, 0, sizeof(*s));
    s->sin6_len = sizeof(*s);
    s->sin6_family = NB_AF_INET6;
    s->sin6_port = htons(a->port);
    memcpy(s->sin6_addr, a->addr, 16);
    s->sin6_scope_id = a->scope;
    return sizeof(*s);
}

bool net__from_sockaddr(const void *sa, struct net_addr *a)
{
    const struct nb_sockaddr *g = sa;
    memset(a, 0, sizeof(*a));
    if (g->sa_family == NB_AF_INET) {
        const struct nb_sockaddr_in *s = sa;
        a->family = NET_AF_INET;
        a->port = ntohs(s->sin_port);
        memcpy(a->addr, &s->sin_addr, 4);
        return true;
    }
    if (g->sa_family == NB_AF_INET6) {
        const struct nb_sockaddr_in6 *s = sa;
        a->family = NET_AF_INET6;
        a->port = ntohs(s->sin6_port);
        memcpy(a->addr, s->sin6_addr, 16);
        a->scope = s->sin6_scope_id;
        return true;
    }
    return false;
}

static bool family_ok(const struct net_addr *a)
{
    return a && (a->family == NET_AF_INET || a->family == NET_AF_INET6);
}

int net_socket(int family, int type, int proto)
{
    if (family != NET_AF_INET && family != NET_AF_INET6)
        return -EAFNOSUPPORT;
    if (type != NET_SOCK_STREAM && type != NET_SOCK_DGRAM && type != NET_SOCK_RAW)
        return -EINVAL;
    int r;
    NETCALL(r, rump___sysimpl_socket30(family == NET_AF_INET ? NB_AF_INET : NB_AF_INET6, type, proto));
    return r;
}

int net_bind(int s, const struct net_addr *a)
{
    if (!family_ok(a))
        return -EINVAL;
    struct nb_sockaddr_in6 sa;
    uint32_t len = net__to_sockaddr(a, &sa);
    int r;
    NETCALL(r, rump___sysimpl_bind(s, &sa, len));
    return r;
}

int net_listen(int s, int backlog)
{
    int r;
    NETCALL(r, rump___sysimpl_listen(s, backlog));
    return r;
}

/* Milliseconds left until deadline (ns), for poll: -1 forever. */
static int left_ms(uint64_t deadline)
{
    if (deadline == UINT64_MAX)
        return -1;
    uint64_t now = clock_gettime_ns();
    if (now >= deadline)
        return 0;
    uint64_t ms = (deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

static uint64_t deadline_of(uint32_t timeout_ms)
{
    if (timeout_ms == NET_FOREVER)
        return UINT64_MAX;
    return clock_gettime_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
}

/* Short slices, so a caller's deadline is kept even if the rump kernel's
 * poll oversleeps, a crash is noticed, and a Ctrl-C is seen at once. */
#define SLICE_MS 100

static int slice_ms(int ms) { return ms < 0 || ms > SLICE_MS ? SLICE_MS : ms; }

/* Waits until s is ready for events; 0, -ETIMEDOUT, -EINTR or an error. */
static int wait_ready(int s, short events, uint64_t deadline)
{
    for (;;) {
        if (thread_killed())
            return -EINTR;
        struct nb_pollfd p = { s, events, 0 };
        int ms = left_ms(deadline);
        int r;
        NETCALL(r, rump___sysimpl_poll(&p, 1, slice_ms(ms)));
        if (r < 0)
            return r;
        if (r > 0) {
            if (p.revents & NET_POLLNVAL)
                return -EBADF;
            return 0; /* ready, or an error/hangup the next call reports */
        }
        if (ms >= 0 && left_ms(deadline) == 0)
            return -ETIMEDOUT;
    }
}

int net_accept(int s, struct net_addr *peer, uint32_t timeout_ms)
{
    uint64_t deadline = deadline_of(timeout_ms);
    for (;;) {
        int r = wait_ready(s, NET_POLLIN, deadline);
        if (r < 0)
            return r;
        struct nb_sockaddr_in6 sa;
        uint32_t len = sizeof(sa);
        memset(&sa, 0, sizeof(sa));
        NETCALL(r, rump___sysimpl_accept(s, &sa, &len));
        /* The connection may have gone between poll and accept. */
        if (r == -EAGAIN || r == -ECONNABORTED || r == -EINTR)
            continue;
        if (r >= 0 && peer && !net__from_sockaddr(&sa, peer))
            memset(peer, 0, sizeof(*peer));
        return r;
    }
}

static int set_nonblock(int s, bool on)
{
    int fl;
    NETCALL(fl, rump___sysimpl_fcntl(s, NB_F_GETFL));
    if (fl < 0)
        return fl;
    int nfl = on ? (fl | NB_O_NONBLOCK) : (fl & ~NB_O_NONBLOCK);
    int r = 0;
    if (nfl != fl)
        NETCALL(r, rump___sysimpl_fcntl(s, NB_F_SETFL, nfl));
    return r;
}

int net_connect(int s, const struct net_addr *a, uint32_t timeout_ms)
{
    if (!family_ok(a))
        return -EINVAL;
    struct nb_sockaddr_in6 sa;
    uint32_t len = net__to_sockaddr(a, &sa);
    int r = set_nonblock(s, true);
    if (r < 0)
        return r;
    NETCALL(r, rump___sysimpl_connect(s, &sa, len));
    if (r == -EINPROGRESS) {
        r = wait_ready(s, NET_POLLOUT, deadline_of(timeout_ms));
        if (r == 0) {
            int err = 0;
            uint32_t el = sizeof(err);
            NETCALL(r, rump___sysimpl_getsockopt(s, NB_SOL_SOCKET, NB_SO_ERROR, &err, &el));
            if (r == 0 && err)
                r = -err;
        }
    }
    int r2 = set_nonblock(s, false);
    return r < 0 ? r : r2;
}

ssize_t net_send(int s, const void *buf, size_t n, uint32_t timeout_ms)
{
    uint64_t deadline = deadline_of(timeout_ms);
    size_t done = 0;
    while (done < n) {
        int w = wait_ready(s, NET_POLLOUT, deadline);
        if (w < 0)
            return w;
        ssize_t r;
        NETCALL(r, rump___sysimpl_sendto(s, (const char *)buf + done, n - done, NB_MSG_NOSIGNAL | NB_MSG_DONTWAIT,
                                         NULL, 0));
        if (r == -EAGAIN || r == -EINTR)
            continue;
        if (r < 0)
            return r;
        done += (size_t)r;
    }
    return (ssize_t)n;
}

ssize_t net_recvfrom(int s, void *buf, size_t n, struct net_addr *from, uint32_t timeout_ms)
{
    uint64_t deadline = deadline_of(timeout_ms);
    for (;;) {
        int w = wait_ready(s, NET_POLLIN, deadline);
        if (w < 0)
            return w;
        struct nb_sockaddr_in6 sa;
        uint32_t len = sizeof(sa);
        memset(&sa, 0, sizeof(sa));
        ssize_t r;
        NETCALL(r, rump___sysimpl_recvfrom(s, buf, n, NB_MSG_DONTWAIT, from ? &sa : NULL, from ? &len : NULL));
        if (r == -EAGAIN || r == -EINTR)
            continue;
        if (r >= 0 && from && !net__from_sockaddr(&sa, from))
            memset(from, 0, sizeof(*from));
        return r;
    }
}

ssize_t net_recv(int s, void *buf, size_t n, uint32_t timeout_ms)
{
    return net_recvfrom(s, buf, n, NULL, timeout_ms);
}

ssize_t net_sendto(int s, const void *buf, size_t n, const struct net_addr *to)
{
    if (!family_ok(to))
        return -EINVAL;
    struct nb_sockaddr_in6 sa;
    uint32_t len = net__to_sockaddr(to, &sa);
    ssize_t r;
    NETCALL(r, rump___sysimpl_sendto(s, buf, n, NB_MSG_NOSIGNAL, &sa, len));
    return r;
}

int net_shutdown(int s, int how)
{
    if (how < 0 || how > 2)
        return -EINVAL;
    int r;
    NETCALL(r, rump___sysimpl_shutdown(s, how));
    return r;
}

int net_close(int s)
{
    int r;
    NETCALL(r, rump___sysimpl_close(s));
    return r;
}

static int name_of(int s, struct net_addr *a, bool peer)
{
    struct nb_sockaddr_in6 sa;
    uint32_t len = sizeof(sa);
    memset(&sa, 0, sizeof(sa));
    int r;
    if (peer)
        NETCALL(r, rump___sysimpl_getpeername(s, &sa, &len));
    else
        NETCALL(r, rump___sysimpl_getsockname(s, &sa, &len));
    if (r == 0 && !net__from_sockaddr(&sa, a))
        r = -EAFNOSUPPORT;
    return r;
}

int net_sockname(int s, struct net_addr *a) { return name_of(s, a, false); }
int net_peername(int s, struct net_addr *a) { return name_of(s, a, true); }

int net_setopt(int s, enum net_opt opt, int value)
{
    int level = NB_SOL_SOCKET, name;
    const void *val = &value;
    uint32_t len = sizeof(value);
    struct nb_linger lg = { 1, 0 };
    switch (opt) {
    case NET_OPT_REUSEADDR: name = NB_SO_REUSEADDR; break;
    case NET_OPT_NODELAY: level = NB_IPPROTO_TCP; name = NB_TCP_NODELAY; break;
    case NET_OPT_RCVBUF: name = NB_SO_RCVBUF; break;
    case NET_OPT_SNDBUF: name = NB_SO_SNDBUF; break;
    case NET_OPT_TTL: level = NB_IPPROTO_IP; name = NB_IP_TTL; break;
    case NET_OPT_LINGER0:
        name = NB_SO_LINGER;
        lg.l_onoff = value != 0;
        val = &lg;
        len = sizeof(lg);
        break;
    default: return -EINVAL;
    }
    int r;
    NETCALL(r, rump___sysimpl_setsockopt(s, level, name, val, len));
    return r;
}

int net_poll(struct net_pollfd *fds, int n, uint32_t timeout_ms)
{
    if (n < 0 || n > 256 || (n && !fds))
        return -EINVAL;
    _Static_assert(sizeof(struct net_pollfd) == sizeof(struct nb_pollfd), "pollfd");
    uint64_t deadline = deadline_of(timeout_ms);
    for (;;) {
        if (thread_killed())
            return -EINTR;
        int ms = left_ms(deadline);
        int r;
        NETCALL(r, rump___sysimpl_poll((struct nb_pollfd *)fds, (uint32_t)n, slice_ms(ms)));
        if (r != 0 || (ms >= 0 && left_ms(deadline) == 0))
            return r;
    }
}

int net__sysctl(const int *mib, unsigned n, void *old, size_t *oldlen, const void *new, size_t newlen)
{
    int r;
    NETCALL(r, rump___sysimpl___sysctl(mib, n, old, oldlen, new, newlen));
    return r;
}

int net__ioctl(int s, unsigned long cmd, void *arg)
{
    int r;
    NETCALL(r, rump___sysimpl_ioctl(s, cmd, arg));
    return r;
}

int net__socket_route(void)
{
    int r;
    NETCALL(r, rump___sysimpl_socket30(NB_PF_ROUTE, NET_SOCK_RAW, 0));
    return r;
}

ssize_t net__write(int s, const void *buf, size_t n)
{
    ssize_t r;
    NETCALL(r, rump___sysimpl_write(s, buf, n));
    return r;
}

ssize_t net__read(int s, void *buf, size_t n)
{
    ssize_t r;
    NETCALL(r, rump___sysimpl_read(s, buf, n));
    return r;
}

int net__open(const char *path, int flags)
{
    int r;
    NETCALL(r, rump___sysimpl_open(path, flags));
    return r;
}

#else /* no network components */

bool net_available(void) { return false; }
int net_socket(int family, int type, int proto) { return -ENETDOWN; }
int net_bind(int s, const struct net_addr *a) { return -ENETDOWN; }
int net_listen(int s, int backlog) { return -ENETDOWN; }
int net_accept(int s, struct net_addr *peer, uint32_t timeout_ms) { return -ENETDOWN; }
int net_connect(int s, const struct net_addr *a, uint32_t timeout_ms) { return -ENETDOWN; }
ssize_t net_send(int s, const void *buf, size_t n, uint32_t timeout_ms) { return -ENETDOWN; }
ssize_t net_recv(int s, void *buf, size_t n, uint32_t timeout_ms) { return -ENETDOWN; }
ssize_t net_sendto(int s, const void *buf, size_t n, const struct net_addr *to) { return -ENETDOWN; }
ssize_t net_recvfrom(int s, void *buf, size_t n, struct net_addr *from, uint32_t timeout_ms) { return -ENETDOWN; }
int net_shutdown(int s, int how) { return -ENETDOWN; }
int net_close(int s) { return -ENETDOWN; }
int net_sockname(int s, struct net_addr *a) { return -ENETDOWN; }
int net_peername(int s, struct net_addr *a) { return -ENETDOWN; }
int net_setopt(int s, enum net_opt opt, int value) { return -ENETDOWN; }
int net_poll(struct net_pollfd *fds, int n, uint32_t timeout_ms) { return -ENETDOWN; }
#endif
