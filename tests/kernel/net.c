/* Suite `net`: the socket interface (<adros/net.h>) over NetBSD's stack in
 * the rump kernel, on the loopback interface (no NIC needed).
 *
 * Several threads at once: a server multiplexing its connections with
 * net_poll, clients streaming data through it and checking every byte
 * that comes back, and a thread reading interfaces, routes and sockets
 * meanwhile; UDP with sender addresses; timeouts that expire on time;
 * refused connections; bad descriptors and arguments.  Without the network
 * components every case reports SKIP with the reason. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/rump.h>
#include <adros/sched.h>
#include <adros/string.h>

#define NEED_NET(t) \
    do { \
        if (!net_available()) \
            KT_SKIP(t, "the network stage is not linked or the rump kernel is not running"); \
    } while (0)

static struct net_addr loopback(uint16_t port)
{
    struct net_addr a;
    net_parse_addr("127.0.0.1", &a);
    a.port = port;
    return a;
}

/* A listening TCP socket on 127.0.0.1, its port in *port. */
static int listener(uint16_t *port)
{
    int s = net_socket(NET_AF_INET, NET_SOCK_STREAM, NET_PROTO_TCP);
    if (s < 0)
        return s;
    struct net_addr a = loopback(0), got;
    int r = net_setopt(s, NET_OPT_REUSEADDR, 1);
    if (r == 0)
        r = net_bind(s, &a);
    if (r == 0)
        r = net_listen(s, 16);
    if (r == 0)
        r = net_sockname(s, &got);
    if (r < 0) {
        net_close(s);
        return r;
    }
    *port = got.port;
    return s;
}

static uint8_t byte_at(int client, size_t i) { return (uint8_t)(i * 7 + client * 31 + (i >> 9)); }

#define CLIENTS 4
#define PER_CLIENT (192 * 1024)

struct echo_server {
    int ls;
    int served, errors;
};

/* Echoes every connection back, all of them from one thread with net_poll,
 * until each client has closed. */
static void *echo_thread(void *arg)
{
    struct echo_server *e = arg;
    struct net_pollfd fds[CLIENTS + 1];
    int n = 1, closed = 0;
    fds[0] = (struct net_pollfd){ e->ls, NET_POLLIN, 0 };
    uint8_t *buf = kmalloc(8192);
    while (buf && closed < CLIENTS) {
        int r = net_poll(fds, n, 5000);
        if (r <= 0) {
            e->errors++;
            break;
        }
        if (fds[0].revents & NET_POLLIN && n < CLIENTS + 1) {
            int c = net_accept(e->ls, NULL, 1000);
            if (c >= 0)
                fds[n++] = (struct net_pollfd){ c, NET_POLLIN, 0 };
            else
                e->errors++;
        }
        for (int i = 1; i < n; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (NET_POLLIN | NET_POLLHUP | NET_POLLERR)))
                continue;
            ssize_t got = net_recv(fds[i].fd, buf, 8192, 1000);
            if (got > 0 && net_send(fds[i].fd, buf, (size_t)got, 5000) == got)
                continue;
            if (got < 0)
                e->errors++;
            net_close(fds[i].fd);
            fds[i].fd = -1; /* poll ignores negative descriptors */
            closed++;
            e->served++;
        }
    }
    for (int i = 1; i < n; i++)
        if (fds[i].fd >= 0)
            net_close(fds[i].fd);
    kfree(buf);
    return NULL;
}

struct client {
    int id;
    uint16_t port;
    size_t sent, verified;
    int err;
    char why[64];
};

static void *client_thread(void *arg)
{
    struct client *c = arg;
    uint8_t *out = kmalloc(4096), *in = kmalloc(4096);
    int s = net_socket(NET_AF_INET, NET_SOCK_STREAM, NET_PROTO_TCP);
    struct net_addr a = loopback(c->port);
    if (!out || !in || s < 0 || (c->err = net_connect(s, &a, 5000)) < 0) {
        strlcpy(c->why, "connect", sizeof(c->why));
        goto out;
    }
    while (c->verified < PER_CLIENT) {
        size_t chunk = MIN((size_t)(1000 + c->id * 517), PER_CLIENT - c->sent);
        if (chunk) {
            for (size_t i = 0; i < chunk; i++)
                out[i] = byte_at(c->id, c->sent + i);
            ssize_t w = net_send(s, out, chunk, 5000);
            if (w != (ssize_t)chunk) {
                c->err = (int)w;
                strlcpy(c->why, "send", sizeof(c->why));
                goto out;
            }
            c->sent += chunk;
        }
        while (c->verified < c->sent) {
            ssize_t r = net_recv(s, in, MIN(4096u, c->sent - c->verified), 5000);
            if (r <= 0) {
                c->err = r ? (int)r : -EPIPE;
                strlcpy(c->why, "recv", sizeof(c->why));
                goto out;
            }
            for (ssize_t i = 0; i < r; i++)
                if (in[i] != byte_at(c->id, c->verified + (size_t)i)) {
                    c->err = -EILSEQ;
                    strlcpy(c->why, "echoed data differs", sizeof(c->why));
                    goto out;
                }
            c->verified += (size_t)r;
        }
    }
out:
    if (s >= 0)
        net_close(s);
    kfree(out);
    kfree(in);
    return NULL;
}

struct prober {
    volatile bool stop;
    int rounds, errors;
};

/* Reads interfaces, routes and sockets while the data flows. */
static void *probe_thread(void *arg)
{
    struct prober *p = arg;
    static struct net_ifinfo ifs[8];
    static struct net_route rt[32];
    static struct net_sockinfo si[32];
    while (!p->stop) {
        if (net_if_list(ifs, 8) < 1 || net_route_list(rt, 32) < 1 || net_sock_list(si, 32) < 0)
            p->errors++;
        p->rounds++;
        process_sleep(2 * NSEC_PER_MSEC);
    }
    return NULL;
}

static struct thread *start(thread_entry_t fn, void *arg, const char *name)
{
    struct thread_attr a = { .name = name, .prio = PRIO_NORMAL, .stack_size = 32 * 1024,
                             .flags = PROCESS_FLAG_JOINABLE };
    struct thread *t = NULL;
    return thread_create(&a, fn, arg, &t) == 0 ? t : NULL;
}

static void tcp_echo_concurrent(struct ktest *t)
{
    NEED_NET(t);
    uint16_t port = 0;
    struct echo_server e = { 0 };
    e.ls = listener(&port);
    KT_ASSERT_GE(t, e.ls, 0);
    KT_EXPECT_NE(t, port, 0);
    struct prober p = { 0 };
    struct client cl[CLIENTS];
    struct thread *th[CLIENTS + 2];
    th[0] = start(echo_thread, &e, "t-echo");
    th[1] = start(probe_thread, &p, "t-probe");
    for (int i = 0; i < CLIENTS; i++) {
        cl[i] = (struct client){ .id = i, .port = port };
        th[2 + i] = start(client_thread, &cl[i], "t-client");
    }
    for (int i = 0; i < CLIENTS; i++)
        if (th[2 + i])
            thread_join(th[2 + i], NULL);
    /* The echo thread ends by itself once it has seen every client's close
     * (a client that never connected: its poll times out); told to stop
     * now, it could miss the last close, which it may not have read yet. */
    p.stop = true;
    if (th[0])
        thread_join(th[0], NULL);
    if (th[1])
        thread_join(th[1], NULL);
    net_close(e.ls);
    for (int i = 0; i < CLIENTS; i++) {
        if (cl[i].err)
            ktest_log(t, "client %d: %s: %d", i, cl[i].why, cl[i].err);
        KT_EXPECT_EQ(t, cl[i].verified, (size_t)PER_CLIENT);
    }
    KT_EXPECT_EQ(t, e.served, CLIENTS);
    KT_EXPECT_EQ(t, e.errors, 0);
    KT_EXPECT_GT(t, p.rounds, 0);
    KT_EXPECT_EQ(t, p.errors, 0);
}

static void udp_loopback(struct ktest *t)
{
    NEED_NET(t);
    int a = net_socket(NET_AF_INET, NET_SOCK_DGRAM, NET_PROTO_UDP);
    int b = net_socket(NET_AF_INET, NET_SOCK_DGRAM, NET_PROTO_UDP);
    KT_ASSERT_GE(t, a, 0);
    KT_ASSERT_GE(t, b, 0);
    struct net_addr any = loopback(0), aa, ba, from;
    KT_ASSERT_EQ(t, net_bind(a, &any), 0);
    KT_ASSERT_EQ(t, net_bind(b, &any), 0);
    KT_ASSERT_EQ(t, net_sockname(a, &aa), 0);
    KT_ASSERT_EQ(t, net_sockname(b, &ba), 0);
    KT_EXPECT_EQ(t, net_sendto(a, "hello", 5, &ba), 5);
    char buf[16];
    KT_EXPECT_EQ(t, net_recvfrom(b, buf, sizeof(buf), &from, 1000), 5);
    KT_EXPECT_MEMEQ(t, buf, "hello", 5);
    KT_EXPECT_TRUE(t, net_addr_equal(&from, &aa));
    /* Nothing more: the timeout expires. */
    KT_EXPECT_EQ(t, net_recvfrom(b, buf, sizeof(buf), NULL, 50), -ETIMEDOUT);
    net_close(a);
    net_close(b);
}

static void timeouts_on_time(struct ktest *t)
{
    NEED_NET(t);
    uint16_t port;
    int ls = listener(&port);
    KT_ASSERT_GE(t, ls, 0);
    uint64_t t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, net_accept(ls, NULL, 150), -ETIMEDOUT);
    uint64_t ms = (clock_gettime_ns() - t0) / NSEC_PER_MSEC;
    KT_EXPECT_GE(t, ms, 150u);
    KT_EXPECT_LT(t, ms, 1500u);
    int c = net_socket(NET_AF_INET, NET_SOCK_STREAM, NET_PROTO_TCP);
    struct net_addr a = loopback(port);
    KT_ASSERT_EQ(t, net_connect(c, &a, 1000), 0);
    int s = net_accept(ls, NULL, 1000);
    KT_ASSERT_GE(t, s, 0);
    char buf[8];
    t0 = clock_gettime_ns();
    KT_EXPECT_EQ(t, net_recv(s, buf, sizeof(buf), 120), -ETIMEDOUT);
    ms = (clock_gettime_ns() - t0) / NSEC_PER_MSEC;
    KT_EXPECT_GE(t, ms, 120u);
    KT_EXPECT_LT(t, ms, 1500u);
    /* The peer closes: end of stream. */
    KT_EXPECT_EQ(t, net_close(c), 0);
    KT_EXPECT_EQ(t, net_recv(s, buf, sizeof(buf), 1000), 0);
    net_close(s);
    net_close(ls);
}

static void refused_and_bad_arguments(struct ktest *t)
{
    NEED_NET(t);
    uint16_t port;
    int ls = listener(&port);
    KT_ASSERT_GE(t, ls, 0);
    net_close(ls); /* nobody listens there now */
    int c = net_socket(NET_AF_INET, NET_SOCK_STREAM, NET_PROTO_TCP);
    struct net_addr a = loopback(port);
    KT_EXPECT_EQ(t, net_connect(c, &a, 1000), -ECONNREFUSED);
    net_close(c);
    KT_EXPECT_EQ(t, net_socket(99, NET_SOCK_STREAM, 0), -EAFNOSUPPORT);
    KT_EXPECT_EQ(t, net_socket(NET_AF_INET, 42, 0), -EINVAL);
    KT_EXPECT_EQ(t, net_close(-1), -EBADF);
    KT_EXPECT_EQ(t, net_close(4000), -EBADF);
    char b = 0;
    KT_EXPECT_EQ(t, net_send(4000, &b, 1, 100), -EBADF);
    KT_EXPECT_EQ(t, net_recv(4000, &b, 1, 100), -EBADF);
    struct net_addr bad = { 0 };
    KT_EXPECT_EQ(t, net_connect(c, &bad, 100), -EINVAL);
    KT_EXPECT_EQ(t, net_shutdown(c, 7), -EINVAL);
    KT_EXPECT_EQ(t, net_poll(NULL, 1, 10), -EINVAL);
    KT_EXPECT_EQ(t, net_if_up("nosuch0", true), -ENXIO);
    KT_EXPECT_EQ(t, net_dhcp("nosuch0"), -ENXIO);
}

static void loopback_interface(struct ktest *t)
{
    NEED_NET(t);
    struct net_ifinfo lo;
    KT_ASSERT_EQ(t, net_if_get("lo0", &lo), 0);
    KT_EXPECT_TRUE(t, (lo.flags & (NET_IFF_UP | NET_IFF_LOOPBACK)) == (NET_IFF_UP | NET_IFF_LOOPBACK));
    bool v4 = false;
    for (int i = 0; i < lo.naddrs; i++) {
        char s[NET_ADDRSTRLEN];
        net_format_addr(&lo.addrs[i].addr, s, sizeof(s));
        v4 |= strcmp(s, "127.0.0.1") == 0 && lo.addrs[i].prefix == 8;
    }
    KT_EXPECT_TRUE(t, v4);
}

KTEST_SUITE(net, KTEST_CASE(loopback_interface), KTEST_CASE(udp_loopback), KTEST_CASE(timeouts_on_time),
            KTEST_CASE(refused_and_bad_arguments), KTEST_CASE(tcp_echo_concurrent));
