/* The rump kernel's packet filter device, /dev/bpf, as a way to send and
 * receive whole link-level frames on an interface (the DHCP client's,
 * dhcp.c, before the interface has an address).  Private to src/netbsd/.
 *
 * The descriptor is non-blocking and in immediate mode (a read returns
 * what arrived, without waiting for the buffer to fill); waits are polls
 * with a deadline.  A read returns records, each a struct bpf_hdr and the
 * frame (../rump/rump_sys.h); they are taken apart defensively. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/string.h>

#ifdef ADROS_RUMP_NET
#include "../rump/rump_sys.h"
#include "net_int.h"

void net__bpf_close(struct net__bpf *b)
{
    if (b->fd >= 0)
        net_close(b->fd);
    kfree(b->buf);
    b->fd = -1;
    b->buf = NULL;
}

int net__bpf_open(struct net__bpf *b, const char *ifname, const struct nb_bpf_insn *prog, unsigned n)
{
    memset(b, 0, sizeof(*b));
    b->fd = net__open("/dev/bpf", NB_O_RDWR | NB_O_NONBLOCK);
    if (b->fd < 0)
        return b->fd;
    struct nb_ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strlcpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name));
    struct nb_bpf_program p = { n, prog };
    uint32_t on = 1, size = 0;
    int r = net__ioctl(b->fd, NB_BIOCGBLEN, &size);
    if (r == 0)
        r = net__ioctl(b->fd, NB_BIOCSETF, &p);
    if (r == 0)
        r = net__ioctl(b->fd, NB_BIOCIMMEDIATE, &on);
    if (r == 0)
        r = net__ioctl(b->fd, NB_BIOCSETIF, &ifr);
    if (r == 0 && (size < 2048 || size > 1 * MiB))
        r = -EIO;
    if (r == 0 && !(b->buf = kmalloc(size)))
        r = -ENOMEM;
    if (r < 0) {
        net__bpf_close(b);
        return r;
    }
    b->size = size;
    return 0;
}

int net__bpf_send(struct net__bpf *b, const uint8_t *frame, size_t len)
{
    ssize_t w = net__write(b->fd, frame, len);
    return w < 0 ? (int)w : (size_t)w == len ? 0 : -EIO;
}

int net__bpf_next(struct net__bpf *b, const uint8_t **frame, size_t *len, uint64_t deadline)
{
    for (;;) {
        if (b->off < b->len && b->len - b->off >= NB_BPF_HDR_FIELDS) {
            uint32_t left = b->len - b->off;
            struct nb_bpf_hdr h;
            memcpy(&h, b->buf + b->off, NB_BPF_HDR_FIELDS);
            if (h.bh_hdrlen >= NB_BPF_HDR_FIELDS && h.bh_hdrlen <= left && h.bh_caplen <= left - h.bh_hdrlen) {
                *frame = b->buf + b->off + h.bh_hdrlen;
                *len = h.bh_caplen;
                b->off += NB_BPF_WORDALIGN(h.bh_hdrlen + h.bh_caplen);
                return 0;
            }
        }
        b->off = b->len = 0;
        uint64_t now = clock_gettime_ns();
        if (now >= deadline)
            return -ETIMEDOUT;
        uint64_t ms = (deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
        struct net_pollfd p = { b->fd, NET_POLLIN, 0 };
        int r = net_poll(&p, 1, (uint32_t)MIN(ms, 1000));
        if (r < 0)
            return r;
        if (r == 0)
            continue;
        ssize_t got = net__read(b->fd, b->buf, b->size);
        if (got == -EAGAIN || got == -EINTR)
            continue;
        if (got < 0)
            return (int)got;
        b->len = (uint32_t)got;
    }
}
#endif
