/* nc <host> <port> | nc -l [addr|-] <port>: a raw TCP connection on the
 * console.
 *
 * Client: connects to host:port (a name or an address).  -l: listens on
 * port (on the address addr, or every address for "-" or none), accepts
 * one connection, and closes the
 * listening socket.  Then, until the peer closes or Ctrl-C: what arrives is
 * printed as it is; what is typed is echoed and edited locally (Backspace,
 * Ctrl-U) and sent a line at a time, with "\n" (the shell's line editor is
 * idle while a command runs, so nc reads the console itself through
 * sh_input_getc).  Ctrl-D on an empty line shuts our side down (the peer
 * sees end of file) and nc goes on printing until the peer closes; on a
 * non-empty line it sends the line without a newline. */
#include <adros/errno.h>
#include <adros/net.h>
#include <adros/netcmd.h>
#include <adros/shell.h>
#include <adros/string.h>
#include "shell_internal.h"

#define NC_CONNECT_MS 10000
#define NC_SEND_MS 10000
#define NC_POLL_MS 50

struct nc {
    const char *argv0;
    int sock;
    char line[SHELL_LINE_MAX];
    size_t len;
    bool wr_closed;
};

static int send_line(struct nc *c, bool newline)
{
    if (newline)
        c->line[c->len++] = '\n';
    ssize_t r = c->len ? net_send(c->sock, c->line, c->len, NC_SEND_MS) : 0;
    c->len = 0;
    if (r == -EINTR)
        return SHELL_INTERRUPTED;
    return r < 0 ? shell_error(c->argv0, "send: %s", shell_strerror((int)r)) : 0;
}

/* Takes what was typed; non-zero ends the session. */
static int console_input(struct nc *c)
{
    int ch;
    while ((ch = sh_input_getc(0)) >= 0) {
        if (ch == '\r' || ch == '\n') {
            shell_write("\n", 1);
            if (c->wr_closed)
                continue;
            if (send_line(c, true))
                return SHELL_FAIL;
        } else if (ch == 4) { /* Ctrl-D */
            if (c->wr_closed)
                continue;
            if (c->len) {
                if (send_line(c, false))
                    return SHELL_FAIL;
                continue;
            }
            net_shutdown(c->sock, 1);
            c->wr_closed = true;
            shell_printf("\nnc: end of input sent\n");
        } else if (ch == 8 || ch == 127) {
            if (c->len) {
                c->len--;
                shell_write("\b \b", 3);
            }
        } else if (ch == 21) { /* Ctrl-U */
            while (c->len) {
                c->len--;
                shell_write("\b \b", 3);
            }
        } else if ((ch >= 32 && ch < 127) || ch == '\t') {
            if (c->len < sizeof(c->line) - 1) {
                c->line[c->len++] = (char)ch;
                char e = (char)ch;
                shell_write(&e, 1);
            }
        }
        /* Other bytes (escape sequences, binary) are dropped. */
    }
    return 0;
}

static int session(struct nc *c)
{
    char buf[2048];
    for (;;) {
        if (shell_interrupted())
            return SHELL_INTERRUPTED;
        struct net_pollfd p = { c->sock, NET_POLLIN, 0 };
        int r = net_poll(&p, 1, NC_POLL_MS);
        if (r == -EINTR)
            return SHELL_INTERRUPTED;
        if (r < 0)
            return shell_error(c->argv0, "poll: %s", shell_strerror(r));
        /* What is there, in a few reads, before looking at the keyboard. */
        for (int k = 0; r > 0 && k < 8; k++) {
            ssize_t n = net_recv(c->sock, buf, sizeof(buf), 0);
            if (n == 0) {
                shell_printf("%snc: connection closed by the peer\n", c->len ? "\n" : "");
                return 0;
            }
            if (n == -ETIMEDOUT)
                break;
            if (n == -EINTR)
                return SHELL_INTERRUPTED;
            if (n < 0)
                return shell_error(c->argv0, "receive: %s", shell_strerror((int)n));
            shell_write(buf, (size_t)n);
        }
        if ((r = console_input(c)))
            return r;
    }
}

static int listen_one(struct nc *c, const struct net_addr *a)
{
    char as[NET_ADDRSTRLEN];
    int l = net_socket(a->family, NET_SOCK_STREAM, NET_PROTO_TCP);
    if (l < 0)
        return shell_error(c->argv0, "socket: %s", shell_strerror(l));
    net_setopt(l, NET_OPT_REUSEADDR, 1);
    int r = net_bind(l, a);
    if (r == 0)
        r = net_listen(l, 1);
    if (r < 0) {
        net_close(l);
        return shell_error(c->argv0, "listening on %s: %s", net_format_addr(a, as, sizeof(as)), shell_strerror(r));
    }
    shell_printf("nc: listening on %s\n", net_format_addr(a, as, sizeof(as)));
    struct net_addr peer;
    do {
        r = shell_interrupted() ? -EINTR : net_accept(l, &peer, 250);
    } while (r == -ETIMEDOUT);
    net_close(l);
    if (r == -EINTR)
        return SHELL_INTERRUPTED;
    if (r < 0)
        return shell_error(c->argv0, "accept: %s", shell_strerror(r));
    c->sock = r;
    shell_printf("nc: connection from %s\n", net_format_addr(&peer, as, sizeof(as)));
    return 0;
}

static int cmd_nc(int argc, char **argv)
{
    bool listen = argc > 1 && strcmp(argv[1], "-l") == 0;
    int i = listen ? 2 : 1;
    uint64_t port;
    /* nc -l <port>: listen on every address, as nc -l - <port>. */
    const char *host = listen && argc == 3 ? "-" : argv[i];
    const char *ports = listen && argc == 3 ? argv[2] : (argc == i + 2 ? argv[i + 1] : NULL);
    if ((argc != i + 2 && !(listen && argc == 3)) || !shell_parse_u64(ports, &port) || port == 0 || port > 65535)
        return shell_usage(argv[0]);
    struct net_addr a = { .family = NET_AF_INET };
    if (!listen && strcmp(host, "-") == 0)
        return shell_usage(argv[0]);
    if (!net_available())
        return shell_error(argv[0], "the network is not available (%s)", net_boot_status());
    int st = strcmp(host, "-") != 0 ? netcmd_resolve(argv[0], host, &a) : listen ? 0 : netcmd_ready(argv[0]);
    if (st)
        return st;
    a.port = (uint16_t)port;
    struct nc c = { .argv0 = argv[0], .sock = -1, .len = 0, .wr_closed = false };
    int r;
    if (listen) {
        r = listen_one(&c, &a);
    } else {
        char as[NET_ADDRSTRLEN];
        c.sock = net_socket(a.family, NET_SOCK_STREAM, NET_PROTO_TCP);
        if (c.sock < 0)
            return shell_error(argv[0], "socket: %s", shell_strerror(c.sock));
        r = net_connect(c.sock, &a, NC_CONNECT_MS);
        if (r == -EINTR)
            r = SHELL_INTERRUPTED;
        else if (r < 0)
            r = shell_error(argv[0], "connecting to %s: %s", net_format_addr(&a, as, sizeof(as)),
                            r == -ETIMEDOUT ? "timed out" : shell_strerror(r));
        else
            shell_printf("nc: connected to %s\n", net_format_addr(&a, as, sizeof(as)));
    }
    if (r == 0)
        r = session(&c);
    if (c.sock >= 0)
        net_close(c.sock);
    return r;
}
SHELL_CMD(nc, cmd_nc, "nc <host> <port> | nc -l [addr|-] <port>",
          "raw TCP on the console: connect (or -l listen for one client), send typed lines, print what arrives");
