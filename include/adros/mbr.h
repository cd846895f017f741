/* MBR partition tables: the four primary entries and the chain of extended
 * boot records (EBRs) holding logical partitions.  The parser is portable
 * (host-tested); blk_scan_partitions() (blk.h) runs it on a block device.
 *
 * Numbering follows the usual PC convention: primaries are 1..4 (by slot,
 * empty slots leave gaps), logical partitions 5, 6, ... in chain order. */
#ifndef ADROS_MBR_H
#define ADROS_MBR_H

#include <adros/types.h>

#define MBR_MAX_LOGICAL 60  /* longer EBR chains are cut (loops, garbage) */

struct mbr_part {
    int num;          /* 1..4 primary, 5.. logical */
    uint8_t type;
    bool bootable;
    uint64_t start;   /* absolute sector on the disk */
    uint64_t nsectors;
};

/* Reads one 512-byte sector of the disk into buf; returns 0 or -errno. */
typedef int (*mbr_read_fn)(void *ctx, uint64_t sector, uint8_t buf[512]);
/* Called for each partition found; a negative return stops the scan. */
typedef int (*mbr_add_fn)(void *ctx, const struct mbr_part *p);
/* Reports something wrong with the table (the scan goes on without it). */
typedef void (*mbr_warn_fn)(void *ctx, const char *what, uint64_t sector);

/* Scans a disk of nsectors sectors.  Entries that do not fit on the disk,
 * overlap the table, or an EBR chain that leaves the extended partition or
 * loops, are reported to warn and skipped.  Returns the number of partitions
 * passed to add, 0 when the disk has no MBR signature, or the read error /
 * add's error. */
int mbr_scan(uint64_t nsectors, mbr_read_fn read, mbr_add_fn add, mbr_warn_fn warn, void *ctx);

static inline bool mbr_is_extended(uint8_t type) { return type == 0x05 || type == 0x0f || type == 0x85; }

#endif
