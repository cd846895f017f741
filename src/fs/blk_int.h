/* Between the block layer (blk.c) and its cache (bcache.c): not for drivers
 * or users of the layer.  See include/adros/blk.h for the contract. */
#ifndef ADROS_FS_BLK_INT_H
#define ADROS_FS_BLK_INT_H

#include <adros/blk.h>

/* blk_request.bc_flags */
#define BLK__INTERNAL 0x1u /* the cache's own read-ahead request: not a user's */
#define BLK__SERVED   0x2u /* completed by the cache: nothing to put in it */

/* blk.c: hands a checked request on a whole disk to its driver (counted in
 * the disk's `active`, -EIO when gone).  Returns 0 or the driver's refusal. */
int blk__drv_start(struct blk_request *req);
/* blk.c: submits the cache's own request r on a whole disk straight to the
 * driver; r holds a reference on r->dev until its done() has returned.
 * 0, or a negative errno (done() will not run). */
int blk__submit_internal(struct blk_request *r);

/* bcache.c: a checked read or write (or flush) on a whole disk: served from
 * the cache (blk_complete is called), enlarged (read-ahead), or passed to
 * blk__drv_start.  Same return as blk__drv_start. */
int bcache__start(struct blk_request *req);
/* bcache.c: on the completion thread, before done(): caches what a
 * successful read or write on a whole disk carried. */
void bcache__finish(struct blk_request *req);
/* bcache.c: copies [sector, sector+count) of disk from the cache into buf
 * if every block is there (true), else false with nothing done. */
bool bcache__lookup(struct blkdev *disk, uint64_t sector, uint32_t count, void *buf);
/* bcache.c: disk went away (already marked gone): drop its blocks. */
void bcache__gone(struct blkdev *disk);

#endif
