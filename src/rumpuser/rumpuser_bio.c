/* librumpuser_adros, block I/O: rumpuser_bio.
 *
 * rumpuser_bio returns at once.  A read of a block device that the block
 * cache holds whole (blk_read_cached) is copied and completed before
 * rumpuser_bio returns, in the caller's thread (complete_inline: the CPU
 * and kernel lock given up and biodone called on a fresh CPU, as NetBSD's
 * librumpuser does without threads): no thread hop.  Otherwise, on
 * a block device the request goes to the
 * block layer's asynchronous interface (blk_submit); on a VFS file it is
 * queued for the completion thread, which does the I/O.  Either way the
 * rump kernel's biodone callback runs later, exactly once, in the
 * completion thread "rumpuser-bio": that thread bound itself to the rump
 * kernel once (its own lwp, through the hyp_schedule/hyp_lwproc_newlwp
 * upcalls) and takes a rump CPU around each callback only.  The block
 * layer's own completion thread never calls into the rump kernel: it only
 * hands the request over.  After the callback nothing touches the buffer.
 *
 * Errors (bad descriptor EBADF, not open for that direction EBADF,
 * misaligned offset or length EINVAL, device errors) also arrive through
 * the callback, with 0 bytes done. */

#include "rumpuser_int.h"

/* NetBSD's reads larger than this are file data in its page cache (its
 * read-ahead and clusters, up to 64 KiB): not copied into the block cache
 * too (BLK_F_NOCACHE).  Smaller ones are its metadata (its buffer cache
 * holds them too, but briefly). */
#define RUMPUSER_BIO_CACHED (32u * 1024u)

struct rbio {
    struct blk_request req;   /* block devices: the layer's request */
    struct rumpuser_file *rf; /* NULL when the descriptor was bad */
    int op;                   /* RUMPUSER_BIO_* */
    void *data;
    size_t len;
    uint64_t off;
    bool queued_io;           /* the completion thread does the I/O */
    int error;                /* positive errno for the callback */
    size_t done;
    rump_biodone_fn biodone;
    void *donearg;
    struct list_node node;
};

/* Requests waiting for the completion thread; queue_wq wakes it.  Both
 * under interrupts off (one CPU). */
static struct list_node queue = LIST_INIT(queue);
static struct waitq queue_wq = WAITQ_INIT(queue_wq);
static struct thread *bio_thread;
static kmutex_t start_lock = KMUTEX_INIT(start_lock, "rumpuser-bio-start");

static void enqueue(struct rbio *b)
{
    irqflags_t f = irq_save();
    list_push_back(&queue, &b->node);
    waitq_wake_one(&queue_wq);
    irq_restore(f);
}

static void file_done(struct rumpuser_file *rf)
{
    if (!rf)
        return;
    irqflags_t f = irq_save();
    if (--rf->inflight == 0)
        waitq_wake_all(&rf->idle);
    irq_restore(f);
}

void rumpuser__bio_drain(struct rumpuser_file *rf)
{
    irqflags_t f = irq_save();
    while (rf->inflight > 0)
        waitq_wait(&rf->idle, 0, false);
    irq_restore(f);
}

/* The synchronous part for VFS files (and SYNC writes' flush). */
static void do_io(struct rbio *b)
{
    bool write = b->op & RUMPUSER_BIO_WRITE;
    ssize_t r = write ? vfs_pwrite(b->rf->f, b->data, b->len, b->off) : vfs_pread(b->rf->f, b->data, b->len, b->off);
    if (r < 0) {
        b->error = rumpuser__err((int)r);
        return;
    }
    b->done = (size_t)r;
    if (write && (b->op & RUMPUSER_BIO_SYNC))
        b->error = rumpuser__err(vfs_fsync(b->rf->f));
}

static void *bio_main(void *arg)
{
    (void)arg;
    /* Bind this thread to the rump kernel once: a CPU for the moment, and
     * an lwp of its own that stays set (curlwp) for every callback. */
    rumpuser__hyp.hyp_schedule();
    int r = rumpuser__hyp.hyp_lwproc_newlwp(0);
    if (r)
        kprintf(KERN_ERR "rumpuser: bio thread cannot get an lwp (%d)\n", r);
    rumpuser__hyp.hyp_unschedule();
    for (;;) {
        irqflags_t f = irq_save();
        while (list_empty(&queue))
            waitq_wait(&queue_wq, 0, false);
        struct rbio *b = list_entry(list_pop_front(&queue), struct rbio, node);
        irq_restore(f);
        if (b->queued_io)
            do_io(b);
        else if (b->req.status == 0 && (b->op & RUMPUSER_BIO_SYNC) && (b->op & RUMPUSER_BIO_WRITE))
            b->error = rumpuser__err(blk_flush(b->rf->blk));
        if ((b->op & RUMPUSER_BIO_WRITE) && (b->error || b->done != b->len))
            /* NetBSD 7.99's rump kernel completes an asynchronous page
             * write with no look at the error (rumpvfs/vm_vfs.c,
             * uvm_aio_aiodone: the pages become clean): say it here, or
             * the loss is silent. */
            kprintf(KERN_WARN "rumpuser: write of %zu bytes at %llu: %s, %zu done\n", b->len,
                    (unsigned long long)b->off, b->error ? strerror(-b->error) : "short", b->error ? 0 : b->done);
        struct rumpuser_file *rf = b->rf;
        rump_biodone_fn fn = b->biodone;
        void *donearg = b->donearg;
        size_t done = b->error ? 0 : b->done;
        int error = b->error;
        kfree(b);
        int nlocks;
        rumpuser__sched(0, NULL);
        fn(donearg, done, error);
        rumpuser__unsched(&nlocks, NULL);
        file_done(rf);
    }
    return NULL;
}

static int start_thread(void)
{
    if (bio_thread)
        return 0;
    kmutex_lock(&start_lock);
    int r = 0;
    if (!bio_thread) {
        struct thread_attr a = { .name = "rumpuser-bio", .prio = PRIO_NORMAL + 4, .stack_size = 64 * 1024 };
        r = thread_create(&a, bio_main, NULL, &bio_thread);
    }
    kmutex_unlock(&start_lock);
    return r;
}

/* The block layer's completion thread: hand over, nothing more. */
static void blk_done(struct blk_request *req)
{
    struct rbio *b = container_of(req, struct rbio, req);
    b->error = rumpuser__err(req->status);
    b->done = req->bytes_done;
    enqueue(b);
}

/* Completes a request in the caller's thread, as NetBSD's librumpuser does
 * when it runs without threads: the caller's rump CPU and the kernel locks
 * it holds (nlocks) are given up first, and biodone runs on a CPU taken
 * afresh with no kernel lock, as it would from the completion thread.
 * (Calling biodone straight from the caller's context, its kernel lock
 * held, is not what NetBSD's I/O paths were written for.) */
static void complete_inline(rump_biodone_fn biodone, void *donearg, size_t done, int error)
{
    int nlocks, none;
    rumpuser__unsched(&nlocks, NULL);
    rumpuser__sched(0, NULL);
    biodone(donearg, done, error);
    rumpuser__unsched(&none, NULL);
    rumpuser__sched(nlocks, NULL);
}

void rumpuser_bio(int fd, int op, void *data, size_t dlen, int64_t off, rump_biodone_fn biodone, void *donearg)
{
    struct rumpuser_file *rf = rumpuser__file(fd);
    rumpuser__count(RUMPUSER_ADROS_C_BIO);
    rumpuser__count_add(RUMPUSER_ADROS_C_BIO_SECTORS, (uint32_t)(dlen >> 9));
    int err = start_thread();
    struct rbio *b = kzalloc(sizeof(*b));
    if (err || !b) {
        /* Nothing can be queued: complete here, as NetBSD's librumpuser
         * does without threads. */
        kfree(b);
        complete_inline(biodone, donearg, 0, err ? rumpuser__err(err) : ENOMEM);
        return;
    }
    b->rf = rf;
    b->op = op;
    b->data = data;
    b->len = dlen;
    b->off = (uint64_t)off;
    b->biodone = biodone;
    b->donearg = donearg;
    bool write = op & RUMPUSER_BIO_WRITE;
    if (!rf || ((op & RUMPUSER_BIO_READ) && (rf->mode & RUMPUSER_OPEN_ACCMODE) == RUMPUSER_OPEN_WRONLY) ||
        (write && (rf->mode & RUMPUSER_OPEN_ACCMODE) == RUMPUSER_OPEN_RDONLY))
        b->error = EBADF;
    else if (!(op & (RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE)) || off < 0)
        b->error = EINVAL;
    if (rf) {
        irqflags_t f = irq_save();
        rf->inflight++;
        irq_restore(f);
    }
    if (b->error || dlen == 0) {
        enqueue(b);
        return;
    }
    if (!rf->blk) {
        b->queued_io = true;
        enqueue(b);
        return;
    }
    uint32_t ss = rf->blk->sector_size;
    if ((uint64_t)off % ss || dlen % ss) {
        b->error = EINVAL;
        enqueue(b);
        return;
    }
    if (!write && blk_read_cached(rf->blk, (uint64_t)off / ss, (uint32_t)(dlen / ss), data) == 0) {
        /* Every block was in the block cache: complete here, no thread
         * hop. */
        rumpuser__count(RUMPUSER_ADROS_C_BIO_INLINE);
        kfree(b);
        complete_inline(biodone, donearg, dlen, 0);
        file_done(rf);
        return;
    }
    b->req.dev = rf->blk;
    b->req.op = write ? BLK_WRITE : BLK_READ;
    b->req.sector = (uint64_t)off / ss;
    b->req.count = (uint32_t)(dlen / ss);
    b->req.buf = data;
    b->req.done = blk_done;
    b->req.priv = b;
    if (!write && dlen > RUMPUSER_BIO_CACHED)
        b->req.flags = BLK_F_NOCACHE;
    int r = blk_submit(&b->req);
    if (r < 0) {
        b->error = rumpuser__err(r);
        enqueue(b);
    }
}
