/* The block cache: 4 KiB blocks of whole disks, kept in memory, looked up
 * by (disk, block number) in a hash table and evicted least recently used
 * first.  Write-through, with read-ahead for sequential reads.  The
 * contract (what is cached, when, and what never is) is in
 * include/adros/blk.h; blk.c calls in through src/fs/blk_int.h.
 *
 * How a read on a disk goes (bcache__start):
 *   every block cached   copied out, the request completed at once;
 *   a miss, sequential   (it starts where the last read or the last
 *                        read-ahead ended) and small (32 KiB at most:
 *                        under QEMU a copy costs more than the DMA, so
 *                        larger requests, already efficient, are not
 *                        enlarged into a second copy): one disk request for
 *                        it and the next `window` bytes, into a buffer of
 *                        ours; when it is done the blocks are cached and
 *                        the request's part copied out (ra_done);
 *   any other miss       to the driver as it is; bcache__finish caches the
 *                        whole blocks it covered.
 * Writes drop their blocks at submit and bump the disk's write sequence
 * (bc_wseq) at submit and at completion; a read is cached on completion
 * only if bc_wseq did not move since it was submitted, so data read while
 * a write was in flight never enters the cache.
 *
 * Memory: a block is a struct bc_block and a 4 KiB page (kmalloc).  Blocks
 * are allocated as needed up to the limit (and only while free RAM stays
 * above an eighth of the total), then reused from the tail of the LRU
 * list.  Dropped blocks keep their page on a free list for reuse; only
 * bcache_set_limit frees pages.
 *
 * Locking: bc_lock (a mutex: copies of up to a whole request are made under
 * it) guards everything here and the bc_* fields of every disk.  It is
 * never held while calling the driver or blk_complete.  Assumptions:
 * thread context only (blk_submit's callers and the completion thread). */
#include <adros/blk.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/list.h>
#include <adros/mm.h>
#include <adros/string.h>
#include <adros/sync.h>

#include "blk_int.h"

KOPTION(bcache, "bcache", "bcache=<MiB>: block cache size (0: off; default a quarter of RAM, at most 64)");

#define BC_BLOCK 4096u
#define BC_HASH 4096u             /* buckets */
#define BC_DEFAULT_MAX (64u << 20)
#define BC_RA_MIN (64u * 1024u)   /* first read-ahead window */
#define BC_RA_MAX (256u * 1024u)  /* largest */
#define BC_RA_SMALL (32u * 1024u)  /* requests at most this big are enlarged */
#define BC_RA_INFLIGHT 4          /* enlarged reads in flight at most */
/* Writes at most this big are cached with the data written; larger ones
 * (file data: NetBSD writes clusters of up to 64 KiB, and its own page
 * cache keeps them) only drop their blocks.  Their copy into the cache
 * was 6 % of a 32 MiB write through NetBSD's ext2fs (prof, 2026-12-07). */
#define BC_WRITE_CACHED (32u * 1024u)

struct bc_block {
    struct blkdev *disk;       /* NULL on the free list */
    uint64_t blkno;            /* byte offset on disk / BC_BLOCK */
    struct bc_block *hnext;    /* hash chain */
    struct list_node lru;      /* in `lru` (front: most recent) or `spare` */
    uint8_t *data;             /* BC_BLOCK bytes */
};

/* An enlarged read: r covers orig's sectors and the read-ahead after. */
struct bc_ra {
    struct blk_request r;
    struct blk_request *orig;
};

static kmutex_t bc_lock = KMUTEX_INIT(bc_lock, "bcache");
static struct bc_block *hash[BC_HASH];
static struct list_node lru = LIST_INIT(lru);
static struct list_node spare = LIST_INIT(spare);
static size_t nalloc;          /* blocks allocated (cached + spare) */
static size_t max_blocks;
static bool configured;
static int ra_inflight;
static struct bcache_stats st;

/* The bound from the command line or the default, once.  bc_lock held. */
static void configure_locked(void)
{
    if (configured)
        return;
    configured = true;
    struct pmm_stats ps;
    pmm_get_stats(&ps);
    uint64_t def = (uint64_t)ps.total_pages * 4096u / 4;
    if (def > BC_DEFAULT_MAX)
        def = BC_DEFAULT_MAX;
    long mib = cmdline_get_int("bcache", -1);
    uint64_t bytes = mib < 0 ? def : (uint64_t)mib << 20;
    if (mib > 0 && bytes > (uint64_t)ps.total_pages * 4096u / 2) {
        klog(LOG_WARN, "bcache: bcache=%ld is more than half of RAM; using %llu MiB\n", mib,
             (unsigned long long)(def >> 20));
        bytes = def;
    }
    max_blocks = (size_t)(bytes / BC_BLOCK);
    klog(LOG_INFO, "bcache: up to %u KiB\n", (unsigned)(max_blocks * (BC_BLOCK / 1024)));
}

static struct bc_block **bucket(const struct blkdev *disk, uint64_t blkno)
{
    uint32_t h = (uint32_t)((uintptr_t)disk >> 4) * 0x9e3779b1u ^ (uint32_t)blkno * 0x85ebca6bu ^
                 (uint32_t)(blkno >> 32);
    return &hash[(h ^ (h >> 16)) % BC_HASH];
}

static struct bc_block *find_locked(const struct blkdev *disk, uint64_t blkno)
{
    for (struct bc_block *b = *bucket(disk, blkno); b; b = b->hnext)
        if (b->disk == disk && b->blkno == blkno)
            return b;
    return NULL;
}

/* Takes b out of the hash table and the LRU list; the caller puts it on
 * `spare` or reuses it.  bc_lock held. */
static void unhash_locked(struct bc_block *b)
{
    struct bc_block **p = bucket(b->disk, b->blkno);
    while (*p != b)
        p = &(*p)->hnext;
    *p = b->hnext;
    b->hnext = NULL;
    b->disk = NULL;
    list_remove(&b->lru);
    st.blocks--;
}

static void drop_locked(struct bc_block *b)
{
    unhash_locked(b);
    list_push_front(&spare, &b->lru);
    st.invalidated++;
}

/* A block to fill: a spare one, a new one while under the bound and RAM is
 * plentiful, or the least recently used one; NULL when none can be had.
 * bc_lock held. */
static struct bc_block *get_block_locked(void)
{
    struct list_node *n = list_pop_front(&spare);
    if (n)
        return list_entry(n, struct bc_block, lru);
    if (nalloc < max_blocks) {
        struct pmm_stats ps;
        pmm_get_stats(&ps);
        if (ps.free_pages > ps.total_pages / 8) {
            struct bc_block *b = kzalloc(sizeof(*b));
            uint8_t *d = b ? kmalloc(BC_BLOCK) : NULL;
            if (d) {
                b->data = d;
                list_init(&b->lru);
                nalloc++;
                st.mem_bytes = nalloc * BC_BLOCK;
                return b;
            }
            kfree(b);
        }
    }
    if (list_empty(&lru))
        return NULL;
    struct bc_block *b = list_entry(lru.prev, struct bc_block, lru);
    unhash_locked(b);
    st.evictions++;
    return b;
}

/* Caches the whole blocks inside bytes [off, off+len) of disk from buf.
 * bc_lock held. */
static void insert_locked(struct blkdev *disk, uint64_t off, size_t len, const uint8_t *buf)
{
    uint64_t first = (off + BC_BLOCK - 1) / BC_BLOCK, end = (off + len) / BC_BLOCK;
    for (uint64_t bn = first; bn < end; bn++) {
        const uint8_t *src = buf + (bn * BC_BLOCK - off);
        struct bc_block *b = find_locked(disk, bn);
        if (!b) {
            if (!(b = get_block_locked()))
                return;
            b->disk = disk;
            b->blkno = bn;
            struct bc_block **p = bucket(disk, bn);
            b->hnext = *p;
            *p = b;
            st.blocks++;
            st.inserted++;
        } else {
            list_remove(&b->lru);
        }
        memcpy(b->data, src, BC_BLOCK);
        list_push_front(&lru, &b->lru);
    }
}

/* Drops every block meeting bytes [off, off+len) of disk.  bc_lock held. */
static void invalidate_locked(struct blkdev *disk, uint64_t off, uint64_t len)
{
    uint64_t end = (off + len + BC_BLOCK - 1) / BC_BLOCK;
    for (uint64_t bn = off / BC_BLOCK; bn < end; bn++) {
        struct bc_block *b = find_locked(disk, bn);
        if (b)
            drop_locked(b);
    }
}

/* Copies bytes [off, off+len) of disk into buf if every block is cached.
 * bc_lock held. */
static bool copy_out_locked(struct blkdev *disk, uint64_t off, size_t len, uint8_t *buf)
{
    uint64_t first = off / BC_BLOCK, end = (off + len + BC_BLOCK - 1) / BC_BLOCK;
    for (uint64_t bn = first; bn < end; bn++)
        if (!find_locked(disk, bn))
            return false;
    for (uint64_t bn = first; bn < end; bn++) {
        struct bc_block *b = find_locked(disk, bn);
        uint64_t bstart = bn * BC_BLOCK;
        uint64_t from = MAX(bstart, off), to = MIN(bstart + BC_BLOCK, off + len);
        memcpy(buf + (from - off), b->data + (from - bstart), (size_t)(to - from));
        list_remove(&b->lru);
        list_push_front(&lru, &b->lru);
    }
    return true;
}

/* Is a read at off sequential, and how much to read ahead?  Records the
 * read either way.  bc_lock held. */
static uint32_t window_locked(struct blkdev *disk, uint64_t off, size_t len)
{
    bool seq = off != 0 && (off == disk->bc_last_end || off == disk->bc_ra_end);
    disk->bc_last_end = off + len;
    if (!seq)
        disk->bc_window = 0;
    else if (disk->bc_window == 0)
        disk->bc_window = BC_RA_MIN;
    else if (disk->bc_window < BC_RA_MAX)
        disk->bc_window *= 2;
    return disk->bc_window;
}

bool bcache__lookup(struct blkdev *disk, uint64_t sector, uint32_t count, void *buf)
{
    uint64_t off = sector * disk->sector_size;
    size_t len = (size_t)count * disk->sector_size;
    kmutex_lock(&bc_lock);
    configure_locked();
    bool hit = max_blocks && copy_out_locked(disk, off, len, buf);
    if (hit) {
        st.hits++;
        st.hit_bytes += len;
        disk->bc_last_end = off + len;
    }
    kmutex_unlock(&bc_lock);
    return hit;
}

/* The enlarged read is done (completion thread; bcache__finish has cached
 * its blocks): complete the original request from our buffer, or retry it
 * alone when the enlarged read failed. */
static void ra_done(struct blk_request *r)
{
    struct bc_ra *ra = r->priv;
    struct blk_request *orig = ra->orig;
    uint32_t ss = r->dev->sector_size;
    size_t len = (size_t)orig->count * ss;
    bool ok = r->status == 0 && r->bytes_done == (size_t)r->count * ss;
    kmutex_lock(&bc_lock);
    ra_inflight--;
    if (!ok) {
        st.ra_failed++;
        r->dev->bc_window = 0;
    }
    kmutex_unlock(&bc_lock);
    if (ok) {
        memcpy(orig->buf, (uint8_t *)r->buf + (orig->sector - r->sector) * ss, len);
        orig->bc_flags |= BLK__SERVED;
        blk_complete(orig, 0, len);
    } else {
        int err = blk__drv_start(orig);
        if (err)
            blk_complete(orig, err, 0);
    }
    kfree(r->buf);
    kfree(ra);
}

/* Enlarges req (a read of bytes [off, off+len) missing from the cache) by
 * `window` bytes, block-aligned and clipped to the disk.  0: submitted;
 * otherwise nothing was done and req is to go to the driver as it is. */
static int read_ahead(struct blk_request *req, uint64_t off, size_t len, uint32_t window)
{
    struct blkdev *disk = req->dev;
    uint32_t ss = disk->sector_size;
    uint64_t size = disk->nsectors * ss;
    uint64_t start = off / BC_BLOCK * BC_BLOCK;
    uint64_t end = (off + len + window + BC_BLOCK - 1) / BC_BLOCK * BC_BLOCK;
    if (end > size)
        end = size / ss * ss;
    if (end <= off + len || start % ss || (end - start) % ss)
        return -EINVAL;
    struct bc_ra *ra = kzalloc(sizeof(*ra));
    void *buf = ra ? kmalloc((size_t)(end - start)) : NULL;
    if (!buf) {
        kfree(ra);
        return -ENOMEM;
    }
    ra->orig = req;
    ra->r.dev = disk;
    ra->r.op = BLK_READ;
    ra->r.sector = start / ss;
    ra->r.count = (uint32_t)((end - start) / ss);
    ra->r.buf = buf;
    ra->r.done = ra_done;
    ra->r.priv = ra;
    ra->r.bc_flags = BLK__INTERNAL;
    ra->r.bc_seq = req->bc_seq;
    kmutex_lock(&bc_lock);
    ra_inflight++;
    st.ra_reads++;
    st.ra_bytes += (end - start) - len;
    disk->bc_ra_end = end;
    kmutex_unlock(&bc_lock);
    int err = blk__submit_internal(&ra->r);
    if (err) {
        kmutex_lock(&bc_lock);
        ra_inflight--;
        st.ra_reads--;
        st.ra_bytes -= (end - start) - len;
        kmutex_unlock(&bc_lock);
        kfree(buf);
        kfree(ra);
    }
    return err;
}

int bcache__start(struct blk_request *req)
{
    struct blkdev *disk = req->dev;
    if (req->op == BLK_FLUSH || (req->bc_flags & BLK__INTERNAL))
        return blk__drv_start(req);
    uint64_t off = req->sector * disk->sector_size;
    size_t len = (size_t)req->count * disk->sector_size;
    kmutex_lock(&bc_lock);
    configure_locked();
    if (!max_blocks) {
        kmutex_unlock(&bc_lock);
        return blk__drv_start(req);
    }
    if (req->op == BLK_WRITE) {
        invalidate_locked(disk, off, len);
        req->bc_seq = ++disk->bc_wseq;
        kmutex_unlock(&bc_lock);
        return blk__drv_start(req);
    }
    if (copy_out_locked(disk, off, len, req->buf)) {
        st.hits++;
        st.hit_bytes += len;
        disk->bc_last_end = off + len;
        kmutex_unlock(&bc_lock);
        req->bc_flags |= BLK__SERVED;
        blk_complete(req, 0, len);
        return 0;
    }
    st.misses++;
    st.miss_bytes += len;
    req->bc_seq = disk->bc_wseq;
    uint32_t window = window_locked(disk, off, len);
    bool ra = window && len <= BC_RA_SMALL && ra_inflight < BC_RA_INFLIGHT;
    if (!ra)
        disk->bc_ra_end = off + len;
    kmutex_unlock(&bc_lock);
    if (ra && read_ahead(req, off, len, window) == 0)
        return 0;
    return blk__drv_start(req);
}

void bcache__finish(struct blk_request *req)
{
    struct blkdev *disk = req->dev;
    if (disk->parent || req->op == BLK_FLUSH || (req->bc_flags & BLK__SERVED))
        return;
    uint32_t ss = disk->sector_size;
    uint64_t off = req->sector * ss;
    size_t len = (size_t)req->count * ss;
    bool ok = req->status == 0 && req->bytes_done == len;
    kmutex_lock(&bc_lock);
    if (max_blocks == 0 && req->op == BLK_READ) {
        kmutex_unlock(&bc_lock);
        return;
    }
    /* blk_gone is tested under bc_lock: bcache__gone runs after the device
     * is marked gone and takes bc_lock, so nothing is cached after it. */
    bool fresh = ok && req->bc_seq == disk->bc_wseq && !blk_gone(disk) && max_blocks;
    if (req->op == BLK_WRITE) {
        if (fresh && len <= BC_WRITE_CACHED)
            insert_locked(disk, off, len, req->buf);
        else
            invalidate_locked(disk, off, len);
        disk->bc_wseq++;
    } else if (fresh && !(req->flags & BLK_F_NOCACHE)) {
        insert_locked(disk, off, len, req->buf);
    }
    kmutex_unlock(&bc_lock);
}

/* Drops every block of disk (NULL: of every disk).  bc_lock held. */
static void drop_disk_locked(const struct blkdev *disk)
{
    for (unsigned i = 0; i < BC_HASH; i++) {
        struct bc_block *b = hash[i];
        while (b) {
            struct bc_block *next = b->hnext;
            if (!disk || b->disk == disk)
                drop_locked(b);
            b = next;
        }
    }
}

void bcache__gone(struct blkdev *disk)
{
    kmutex_lock(&bc_lock);
    drop_disk_locked(disk);
    disk->bc_wseq++; /* reads in flight are not cached either */
    kmutex_unlock(&bc_lock);
}

void bcache_drop(struct blkdev *dev)
{
    struct blkdev *disk = dev && dev->parent ? dev->parent : dev;
    kmutex_lock(&bc_lock);
    drop_disk_locked(disk);
    kmutex_unlock(&bc_lock);
}

void bcache_invalidate(struct blkdev *dev, uint64_t sector, uint32_t count)
{
    if (!dev)
        return;
    struct blkdev *disk = dev->parent ? dev->parent : dev;
    uint64_t off = (sector + (dev->parent ? dev->start : 0)) * dev->sector_size;
    kmutex_lock(&bc_lock);
    invalidate_locked(disk, off, (uint64_t)count * dev->sector_size);
    disk->bc_wseq++;
    kmutex_unlock(&bc_lock);
}

size_t bcache_set_limit(size_t bytes)
{
    kmutex_lock(&bc_lock);
    configure_locked();
    size_t old = max_blocks * BC_BLOCK;
    max_blocks = bytes / BC_BLOCK;
    while (nalloc > max_blocks) {
        struct list_node *n = list_pop_front(&spare);
        if (!n && !list_empty(&lru)) {
            struct bc_block *victim = list_entry(lru.prev, struct bc_block, lru);
            unhash_locked(victim);
            st.evictions++;
            n = &victim->lru;
        }
        if (!n)
            break;
        struct bc_block *b = list_entry(n, struct bc_block, lru);
        kfree(b->data);
        kfree(b);
        nalloc--;
    }
    st.mem_bytes = nalloc * BC_BLOCK;
    kmutex_unlock(&bc_lock);
    return old;
}

void bcache_get_stats(struct bcache_stats *out)
{
    kmutex_lock(&bc_lock);
    configure_locked();
    *out = st;
    out->limit_bytes = max_blocks * BC_BLOCK;
    kmutex_unlock(&bc_lock);
}
