/* NetBSD's disks as AdrOS block devices: every disk NetBSD's sd attaches
 * (a USB stick through umass and scsibus, a virtio-scsi disk through
 * vioscsi and scsibus) and every disk its ld attaches (virtio-blk through
 * ld_virtio) is an AdrOS block device sdN or ldN, with NetBSD's sector size
 * and capacity.  The watcher ("nb-disks") polls NetBSD's disk names and
 * attaches and detaches ours to match.
 *
 * One worker thread per disk ("nb-sdN") owns the disk's descriptor on the
 * rump kernel's raw disk /dev/rsdNd (/dev/rldNd) and does its requests in
 * order.  The worker holds a reference on the block device for as long as
 * it runs; the device is freed by the block layer after the last user.
 *
 * Removal.  When umass detaches, NetBSD fails the disk's outstanding and
 * later I/O (ENXIO/EIO, or EBADF once the vnode is revoked): the worker
 * turns every failure into -EIO.  The watcher then sees the name gone and
 * calls blk_unregister(), which fails new requests; the worker drains its
 * queue with -EIO, closes the descriptor and exits. */
#include <adros/blk.h>
#include <adros/cmdline.h>
#include <adros/init.h>
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <adros/usb.h>

/* Built when a component with NetBSD disks is linked: sd through umass
 * (USB) or vioscsi, ld through virtio or nvme, wd through ahcisata. */
#if defined(ADROS_RUMP_USB) || defined(ADROS_RUMP_VIRTIO_LD) || defined(ADROS_RUMP_VIRTIO_VIOSCSI) || \
    defined(ADROS_RUMP_AHCI) || defined(ADROS_RUMP_NVME)
#include "disk_int.h"
#include "nbdev.h"

/* NetBSD's disk drivers AdrOS takes disks from, by the prefix of their
 * names in hw.disknames. */
static const char *const drv_names[NBDISK__DRIVERS] = { "sd", "ld", "wd" };
/* Without an identity of their own (ld has no INQUIRY). */
static const char *const drv_models[NBDISK__DRIVERS] = { "SCSI disk", "ld disk", "ATA disk" };

volatile bool nbdisk__up;
#define DISKCALL(ret, call) RUMP_SERVICE_CALL(ret, nbdisk__up, -ENODEV, call)

struct nbdisk {
    struct blkdev blk;
    int drv;                /* index in drv_names */
    int unit;
    int fd;
    kmutex_t lock;          /* queue, stop */
    kcond_t cv;
    struct list_node queue; /* of blk_request.node */
    bool stop;
    /* The request NetBSD is working on (lock): the worker's, until it
     * finishes it or the watcher gives up on it (see "Stuck transfers"). */
    struct blk_request *cur;
    uint64_t cur_since;     /* monotonic ns */
    bool wedged;            /* a transfer outlived usb.timeout: fail fast */
    bool dirty;             /* worker: written since NetBSD's last cache flush */
    uint8_t *bounce;        /* NBDISK_XFER bytes: NetBSD's data goes here */
};

static kmutex_t disks_lock = KMUTEX_INIT(disks_lock, "nbdisks"); /* disks[], stats */
static struct nbdisk *disks[NBDISK__DRIVERS][NBDISK__MAX_UNITS];
static struct usb_disk_stats dstats;
/* The drivers' character majors, from their unit 0 nodes; until one is
 * seen, those of the rump kernel's table of majors (sys/rump/librump/
 * rumpkern/devsw.c), which devsw_attach gives these names: a unit 0 whose
 * node was not made (ld_nvme attaching after virtio_ld made its nodes)
 * then still gets one. */
static int32_t drv_cmajor[NBDISK__DRIVERS] = { 13, 69, 3 };

KOPTION(usb_timeout, "usb.timeout", "usb.timeout=<s>: a transfer NetBSD has not finished on one of its disks (USB, virtio) after this long fails with EIO (default 30)");
static uint64_t io_timeout_ns;

static int map_err(int r)
{
    /* NetBSD's view of a disk that went away or failed: all I/O errors to
     * AdrOS. */
    return r == -ENXIO || r == -ENODEV || r == -EBADF || r == -EIO ? -EIO : r;
}

/* The largest transfer handed to NetBSD at once: NBDISK_XFER, which
 * NetBSD's physio cuts into MAXPHYS (64 KiB) buffers (and may keep several
 * in flight, physio_concurrency): a 1 MiB read is one call into the rump
 * kernel, not 16, and 1.4-1.7 times as fast on virtio (virtio_seq,
 * docs/PERFORMANCE.md section 6).  Except when an OHCI controller is
 * present: NetBSD 7's ohci_alloc_std_chain()
 * gives every TD of a multi-TD transfer the buffer end of the whole
 * remaining transfer (td_be = DMAADDR(dma, curoffs + len - 1), where the
 * TD's own curlen is meant), so a transfer spanning more than two pages is
 * scattered over the wrong pages (umass then reads file data as its status
 * wrapper: "Invalid CSW"), and one ending exactly at its 64 KiB DMA buffer
 * trips a KASSERT in usb_mem.c that stops the rump kernel.  A transfer of
 * one page never spans more than two, so never needs a second TD.
 * Measured with QEMU's pci-ohci; fixed in later NetBSD. */
#define NBDISK_XFER (1024 * 1024)
static uint32_t max_xfer = NBDISK_XFER;
void nbdisk__set_max_xfer(uint32_t bytes) { max_xfer = bytes; }

/* Stuck transfers.  A USB stick pulled out while NetBSD has a transfer
 * outstanding on it is, under QEMU, never answered (a real controller
 * reports a transaction error at once): NetBSD's umass then resets a
 * device that is not there, step by step on 5 s timeouts, while the SCSI
 * layer retries, and the disk goes away minutes later.  So AdrOS does not
 * wait for NetBSD: the watcher fails a transfer that has run longer than
 * usb.timeout with -EIO, and every request after it while the disk is
 * wedged, until NetBSD gives the worker back (then the disk works again,
 * or NetBSD has detached it).  The worker hands NetBSD only its own bounce
 * buffer, never the requester's, so a transfer that ends after its request
 * was given up writes nowhere that matters. */
static void ud_finish(struct nbdisk *d, struct blk_request *req, int status, size_t bytes)
{
    kmutex_lock(&d->lock);
    bool mine = d->cur == req; /* else the watcher gave it up already */
    d->cur = NULL;
    d->wedged = false;         /* NetBSD answered: the disk works again */
    kmutex_unlock(&d->lock);
    if (mine)
        blk_complete(req, status, bytes);
}

static void ud_do(struct nbdisk *d, struct blk_request *req)
{
    uint64_t off = req->sector * d->blk.sector_size;
    size_t len = (size_t)req->count * d->blk.sector_size;
    size_t done = 0;
    ssize_t n = 0;
    int r;
    switch (req->op) {
    case BLK_READ:
    case BLK_WRITE:
        while (done < len) {
            size_t chunk = MIN(len - done, (size_t)max_xfer);
            uint8_t *p = (uint8_t *)req->buf + done;
            if (req->op == BLK_READ) {
                DISKCALL(n, rump___sysimpl_pread(d->fd, d->bounce, chunk, (int64_t)(off + done)));
            } else {
                memcpy(d->bounce, p, chunk);
                DISKCALL(n, rump___sysimpl_pwrite(d->fd, d->bounce, chunk, (int64_t)(off + done)));
            }
            if (n <= 0)
                break;
            kmutex_lock(&d->lock);
            bool mine = d->cur == req; /* not given up: req->buf is still the requester's */
            if (mine && req->op == BLK_READ)
                memcpy(p, d->bounce, (size_t)n);
            kmutex_unlock(&d->lock);
            if (!mine) {
                ud_finish(d, req, -EIO, 0);
                return;
            }
            done += (size_t)n;
            if ((size_t)n != chunk)
                break; /* past NetBSD's end of the medium */
        }
        break;
    case BLK_FLUSH: {
        int force = 0;
        DISKCALL(r, rump___sysimpl_ioctl(d->fd, NB_DIOCCACHESYNC, &force));
        /* A driver without a cache flush says ENOTTY: NetBSD 7's ld_virtio,
         * which negotiates no VIRTIO_BLK_F_FLUSH, so QEMU's virtio-blk
         * writes through (QEMU monitor: info virtio-status). */
        n = r == -ENOTTY ? 0 : r;
        break;
    }
    }
    if (n < 0)
        ud_finish(d, req, map_err((int)n), done);
    else if (done != len)
        ud_finish(d, req, -EIO, done);
    else
        ud_finish(d, req, 0, len);
}

/* The watcher's check: gives up on a transfer older than usb.timeout, and
 * on the requests queued behind it (the worker is stuck in NetBSD). */
static void ud_check_stuck(struct nbdisk *d)
{
    struct list_node failed;
    list_init(&failed);
    kmutex_lock(&d->lock);
    struct blk_request *req = NULL;
    if (d->cur && clock_gettime_ns() - d->cur_since > io_timeout_ns) {
        req = d->cur;
        d->cur = NULL;
        if (!d->wedged)
            klog(LOG_ERR, "disk: %s: a transfer has not finished after %llu s: failing it and what follows "
                          "(EIO) until NetBSD answers\n", d->blk.name, (unsigned long long)(io_timeout_ns / NSEC_PER_SEC));
        d->wedged = true;
    }
    if (d->wedged)
        while (!list_empty(&d->queue))
            list_push_back(&failed, list_pop_front(&d->queue));
    kmutex_unlock(&d->lock);
    if (req)
        blk_complete(req, -EIO, 0);
    while (!list_empty(&failed))
        blk_complete(list_entry(list_pop_front(&failed), struct blk_request, node), -EIO, 0);
}

/* Idle flush.  NetBSD's sd flushes a written disk's cache when its last
 * opener closes it, and that includes the close forced by the disk's
 * detach: with the stick gone, that SYNCHRONIZE CACHE is never answered
 * under QEMU (see "Stuck transfers") and the detach, and with it every
 * other USB attach and detach, waits for minutes.  So the worker flushes
 * by itself once a disk written to has been idle for IDLE_FLUSH_MS:
 * NetBSD's dirty flag is clear by the time anyone pulls the stick (and
 * what was written is on the medium, as a user pulling a stick expects). */
#define IDLE_FLUSH_MS 500

static void *ud_worker(void *arg)
{
    struct nbdisk *d = arg;
    for (;;) {
        kmutex_lock(&d->lock);
        while (list_empty(&d->queue) && !d->stop) {
            if (!d->dirty) {
                kcond_wait(&d->cv, &d->lock);
                continue;
            }
            if (kcond_timedwait(&d->cv, &d->lock, (uint64_t)IDLE_FLUSH_MS * NSEC_PER_MSEC) == 0 ||
                !list_empty(&d->queue) || d->stop)
                continue;
            d->dirty = false;
            kmutex_unlock(&d->lock);
            int force = 0, r;
            DISKCALL(r, rump___sysimpl_ioctl(d->fd, NB_DIOCCACHESYNC, &force));
            klog(LOG_DEBUG, "disk: %s: written, then idle for %u ms: cache flushed (%d)\n", d->blk.name,
                 IDLE_FLUSH_MS, r);
            kmutex_lock(&d->lock);
        }
        struct list_node *n = list_empty(&d->queue) ? NULL : list_pop_front(&d->queue);
        kmutex_unlock(&d->lock);
        if (!n)
            break; /* stopped and drained */
        struct blk_request *req = list_entry(n, struct blk_request, node);
        kmutex_lock(&d->lock);
        bool fail = d->stop || d->wedged;
        if (!fail) {
            d->cur = req;
            d->cur_since = clock_gettime_ns();
        }
        kmutex_unlock(&d->lock);
        if (fail) {
            blk_complete(req, -EIO, 0);
        } else {
            if (req->op == BLK_WRITE)
                d->dirty = true; /* the worker's own field */
            else if (req->op == BLK_FLUSH)
                d->dirty = false;
            ud_do(d, req);
        }
    }
    int r;
    DISKCALL(r, rump___sysimpl_close(d->fd));
    (void)r;
    blk_put(&d->blk); /* the worker's reference */
    return NULL;
}

static int ud_submit(struct blkdev *dev, struct blk_request *req)
{
    struct nbdisk *d = container_of(dev, struct nbdisk, blk);
    kmutex_lock(&d->lock);
    if (d->stop || d->wedged) {
        kmutex_unlock(&d->lock);
        return -EIO;
    }
    list_push_back(&d->queue, &req->node);
    kcond_signal(&d->cv);
    kmutex_unlock(&d->lock);
    return 0;
}

static const struct blkdev_ops ud_ops = { .submit = ud_submit };

static void ud_release(struct blkdev *dev)
{
    struct nbdisk *d = container_of(dev, struct nbdisk, blk);
    kfree(d->bounce);
    kfree(d);
}

/* Trims the blanks SCSI pads its identity strings with. */
static void scsi_str(char *out, const uint8_t *in, size_t n)
{
    while (n && (in[n - 1] == ' ' || in[n - 1] == 0))
        n--;
    size_t o = strlen(out);
    if (o && n)
        out[o++] = ' ';
    for (size_t i = 0; i < n; i++)
        out[o++] = (in[i] >= 0x20 && in[i] < 0x7f) ? (char)in[i] : '?';
    out[o] = 0;
}

/* The disk's SCSI identity (INQUIRY through NetBSD's scsipi ioctl), as sd
 * printed it at attach: vendor and product. */
static void ud_model(struct nbdisk *d)
{
    uint8_t inq[36];
    struct nb_scsireq q;
    memset(&q, 0, sizeof(q));
    memset(inq, 0, sizeof(inq));
    q.flags = NB_SCCMD_READ;
    q.timeout = 2000;
    q.cmd[0] = 0x12; /* INQUIRY */
    q.cmd[4] = sizeof(inq);
    q.cmdlen = 6;
    q.databuf = inq;
    q.datalen = sizeof(inq);
    q.senselen = sizeof(q.sense);
    int r;
    DISKCALL(r, rump___sysimpl_ioctl(d->fd, NB_SCIOCCOMMAND, &q));
    if (r == 0 && q.retsts == 0 && q.datalen_used >= 32) {
        d->blk.model[0] = 0;
        scsi_str(d->blk.model, inq + 8, 8);   /* vendor */
        scsi_str(d->blk.model, inq + 16, 16); /* product (fits: 8+1+16 < 41) */
    }
    if (!d->blk.model[0])
        strlcpy(d->blk.model, drv_models[d->drv], sizeof(d->blk.model));
}

/* /dev/r<drv><unit>d, made when the component did not make it. */
static int raw_node(int drv, int unit, char *path, size_t size)
{
    ksnprintf(path, size, "/dev/r%s%dd", drv_names[drv], unit);
    struct nb_stat st;
    int r;
    DISKCALL(r, rump___sysimpl_stat50(path, &st));
    if (r == 0)
        return 0;
    if (drv_cmajor[drv] < 0)
        return -ENODEV;
    DISKCALL(r, rump___sysimpl_mknod50(path, NB_S_IFCHR_MODE,
                                       nb_makedev((uint32_t)drv_cmajor[drv], (uint32_t)(unit * NB_PARTS_PER_UNIT + NB_RAW_PART))));
    return r == -EEXIST ? 0 : r;
}

static void disk_attach(int drv, int unit)
{
    uint64_t t0 = clock_gettime_ns();
    char path[24], name[16];
    ksnprintf(name, sizeof(name), "%s%d", drv_names[drv], unit);
    int r = raw_node(drv, unit, path, sizeof(path));
    if (r < 0) {
        klog(LOG_ERR, "disk: %s: no device node %s: %s\n", name, path, strerror(r));
        return;
    }
    struct nbdisk *d = kzalloc(sizeof(*d));
    if (!d) {
        klog(LOG_ERR, "disk: %s: out of memory\n", name);
        return;
    }
    d->drv = drv;
    d->unit = unit;
    d->bounce = kmalloc_aligned(NBDISK_XFER, 4096);
    if (!d->bounce) {
        klog(LOG_ERR, "disk: %s: out of memory\n", name);
        kfree(d);
        return;
    }
    kmutex_init(&d->lock, "nbdisk");
    kcond_init(&d->cv);
    list_init(&d->queue);
    bool ro = false;
    DISKCALL(d->fd, rump___sysimpl_open(path, NB_O_RDWR));
    if (d->fd == -EROFS || d->fd == -EACCES) {
        ro = true;
        DISKCALL(d->fd, rump___sysimpl_open(path, NB_O_RDONLY));
    }
    if (d->fd < 0) {
        klog(LOG_ERR, "disk: %s: cannot open %s: %s\n", name, path, strerror(d->fd));
        kfree(d->bounce);
        kfree(d);
        return;
    }
    uint32_t ssize = 0;
    int64_t bytes = 0;
    int r1, r2;
    DISKCALL(r1, rump___sysimpl_ioctl(d->fd, NB_DIOCGSECTORSIZE, &ssize));
    DISKCALL(r2, rump___sysimpl_ioctl(d->fd, NB_DIOCGMEDIASIZE, &bytes));
    if (r1 < 0 || r2 < 0 || ssize < 512 || ssize > 4096 || (ssize & (ssize - 1)) || bytes <= 0) {
        /* No medium (a card reader without a card) or a broken answer. */
        klog(LOG_WARN, "disk: %s: no usable medium (sector size %u, %lld bytes: %s)\n", name, ssize,
             (long long)bytes, strerror(r1 < 0 ? r1 : r2 < 0 ? r2 : -EIO));
        DISKCALL(r, rump___sysimpl_close(d->fd));
        kfree(d->bounce);
        kfree(d);
        return;
    }
    ud_model(d);
    /* The controller, and for ld, whose the disk is. */
    if (nbdev__controller(name, d->blk.driver, sizeof(d->blk.driver)) == 0) {
        /* On a USB host controller: a stick, plugged in and pulled. */
        const char *at = strchr(d->blk.driver, '@');
        static const char *const usbhc[] = { "ehci", "uhci", "ohci", "xhci" };
        for (size_t i = 0; at && i < ARRAY_SIZE(usbhc); i++)
            if (strncmp(at + 1, usbhc[i], 4) == 0)
                d->blk.removable = true;
    }
    if (drv == 1 && d->blk.driver[0]) {
        const char *at = strchr(d->blk.driver, '@');
        if (at && strncmp(at + 1, "nvme", 4) == 0)
            strlcpy(d->blk.model, "NVMe namespace", sizeof(d->blk.model));
        else if (at && strncmp(at + 1, "virtio", 6) == 0)
            strlcpy(d->blk.model, "virtio disk", sizeof(d->blk.model));
    }
    strlcpy(d->blk.name, name, sizeof(d->blk.name));
    d->blk.sector_size = ssize;
    d->blk.nsectors = (uint64_t)bytes / ssize;
    d->blk.readonly = ro;
    d->blk.ops = &ud_ops;
    d->blk.release = ud_release;
    d->blk.priv = d;
    if ((r = blk_register(&d->blk)) < 0) {
        klog(LOG_ERR, "disk: %s: cannot register the disk: %s\n", name, strerror(r));
        DISKCALL(r, rump___sysimpl_close(d->fd));
        kfree(d->bounce);
        kfree(d);
        return;
    }
    blk_ref(&d->blk); /* the worker's */
    char tname[THREAD_NAME_MAX];
    ksnprintf(tname, sizeof(tname), "nb-%s", d->blk.name);
    struct thread_attr a = { .name = tname, .prio = PRIO_NORMAL, .stack_size = 16 * 1024 };
    struct thread *t;
    if (thread_create(&a, ud_worker, d, &t) < 0) {
        klog(LOG_ERR, "disk: %s: cannot start its thread\n", name);
        d->stop = true;
        blk_unregister(&d->blk);
        DISKCALL(r, rump___sysimpl_close(d->fd));
        blk_put(&d->blk);
        return;
    }
    kmutex_lock(&disks_lock);
    disks[drv][unit] = d;
    dstats.attached++;
    dstats.present++;
    kmutex_unlock(&disks_lock);
    char size[16];
    uint64_t b = (uint64_t)bytes;
    if (b >= (1ull << 30))
        ksnprintf(size, sizeof(size), "%llu MiB", (unsigned long long)(b >> 20));
    else
        ksnprintf(size, sizeof(size), "%llu KiB", (unsigned long long)(b >> 10));
    kprintf("disk: %s: %s, %s (%llu sectors of %u bytes)%s, attached in %llu ms\n", name, d->blk.model, size,
            (unsigned long long)d->blk.nsectors, ssize, ro ? ", read-only" : "",
            (unsigned long long)((clock_gettime_ns() - t0) / NSEC_PER_MSEC));
    r = blk_scan_partitions(&d->blk);
    if (r > 0)
        kprintf("disk: %s: %d partition%s\n", name, r, r == 1 ? "" : "s");
}

static void disk_detach(struct nbdisk *d)
{
    kmutex_lock(&disks_lock);
    disks[d->drv][d->unit] = NULL;
    dstats.detached++;
    dstats.present--;
    kmutex_unlock(&disks_lock);
    kprintf("disk: %s: removed (%s)\n", d->blk.name, d->blk.model);
    blk_unregister(&d->blk); /* the worker still holds its reference */
    kmutex_lock(&d->lock);
    d->stop = true;
    kcond_broadcast(&d->cv);
    kmutex_unlock(&d->lock);
}


/* One pass: NetBSD's sd and ld units now, against ours.  Only the watcher
 * (and the start hook before it) changes disks[]. */
static void disks_scan(void)
{
    char names[256];
    size_t len = sizeof(names) - 1;
    int mib[2] = { NB_CTL_HW, NB_HW_DISKNAMES };
    int r;
    DISKCALL(r, rump___sysimpl___sysctl(mib, 2, names, &len, NULL, 0));
    if (r < 0)
        return;
    names[MIN(len, sizeof(names) - 1)] = 0;
    bool present[NBDISK__DRIVERS][NBDISK__MAX_UNITS];
    memset(present, 0, sizeof(present));
    for (char *p = names; *p;) {
        while (*p == ' ')
            p++;
        char *e = p;
        while (*e && *e != ' ')
            e++;
        for (int drv = 0; drv < NBDISK__DRIVERS; drv++) {
            if (e - p < 3 || strncmp(p, drv_names[drv], 2) != 0)
                continue;
            int u = 0;
            bool ok = true;
            for (char *q = p + 2; q < e; q++) {
                if (*q < '0' || *q > '9')
                    ok = false;
                else
                    u = u * 10 + (*q - '0');
            }
            if (ok && u < NBDISK__MAX_UNITS)
                present[drv][u] = true;
        }
        p = e;
    }
    for (int drv = 0; drv < NBDISK__DRIVERS; drv++) {
        for (int u = 0; u < NBDISK__MAX_UNITS; u++) {
            struct nbdisk *d = disks[drv][u];
            if (d && !present[drv][u])
                disk_detach(d);
            else if (!d && present[drv][u])
                disk_attach(drv, u);
        }
    }
}

static void *disks_watch(void *arg)
{
    for (;;) {
        process_sleep((uint64_t)NBDISK__POLL_MS * NSEC_PER_MSEC);
        if (rump__crashed)
            return NULL;
        disks_scan();
        for (int drv = 0; drv < NBDISK__DRIVERS; drv++)
            for (int u = 0; u < NBDISK__MAX_UNITS; u++)
                if (disks[drv][u])
                    ud_check_stuck(disks[drv][u]);
    }
    return NULL;
}

/* Runs in the rump kernel's start thread, after rump_init succeeded and
 * before rump_running() answers anyone: disks present at boot are AdrOS
 * block devices by the time boot options look for them. */
static void disks_start(void)
{
    int r;
    RUMP_GUARDED(r, -EIO, rump__bind());
    if (r < 0)
        return;
    nbdisk__up = true;
    /* The majors, for nodes of units the components made none for (scsipi
     * makes /dev/[r]sd0[a-h] only). */
    for (int drv = 0; drv < NBDISK__DRIVERS; drv++) {
        char path[16];
        ksnprintf(path, sizeof(path), "/dev/r%s0d", drv_names[drv]);
        struct nb_stat st;
        DISKCALL(r, rump___sysimpl_stat50(path, &st));
        if (r == 0)
            drv_cmajor[drv] = (int32_t)nb_major(st.st_rdev);
    }
    disks_scan();
    struct thread_attr a = { .name = "nb-disks", .prio = PRIO_NORMAL, .stack_size = 16 * 1024 };
    struct thread *t;
    if (thread_create(&a, disks_watch, NULL, &t) < 0)
        klog(LOG_ERR, "disk: cannot start the disk watcher: NetBSD's disks plugged in later are not seen\n");
}

static struct rump_start_hook disks_hook = { "disks", disks_start, NULL };
/* Boot options naming one of these disks wait for the start hook to have
 * run: rump_running() returns once it has. */
static void disks_boot_wait(void) { (void)rump_running(); }
static struct blk_boot_waiter disks_waiter = { "netbsd-disks", disks_boot_wait, NULL };

static int disks_init(void)
{
    long t = cmdline_get_int("usb.timeout", 30);
    io_timeout_ns = (uint64_t)(t > 0 && t < 3600 ? t : 30) * NSEC_PER_SEC;
    rump_start_hook_add(&disks_hook);
    blk_boot_waiter_add(&disks_waiter);
    return 0;
}
INITCALL(INIT_FS, disks_init);

void nbdisk__stats(struct usb_disk_stats *out)
{
    rump_running(); /* disks present at boot are counted once it returns */
    kmutex_lock(&disks_lock);
    *out = dstats;
    kmutex_unlock(&disks_lock);
}

#endif
