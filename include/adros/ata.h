/* The ATA disk driver (PIO and PIIX bus-master DMA), seen from outside.
 *
 * Disks are block devices hda (primary master), hdb (primary slave), hdc
 * (secondary master), hdd (secondary slave); use blk.h to do I/O.  The
 * functions here are knobs for tests and benchmarks.  Kernel options:
 * ata.dma=off (PIO only), ata.timeout=<ms> (the watchdog, default 5000). */
#ifndef ADROS_ATA_H
#define ADROS_ATA_H

#include <adros/blk.h>

enum ata_mode { ATA_MODE_AUTO, ATA_MODE_PIO, ATA_MODE_DMA };

struct ata_info {
    bool lba48;          /* the drive supports 48-bit addressing */
    bool dma;            /* DMA is possible (controller found, drive capable, not ata.dma=off) */
    enum ata_mode mode;
    int channel, slave;
    uint16_t cmd_port;
    int irq;
    uint64_t dma_cmds, pio_cmds, flush_cmds; /* commands issued */
    uint64_t timeouts, resets, errors;
};

/* All return 0 or -EINVAL (dev is not an ATA disk) / -ENODEV (no DMA). */
int ata_get_info(struct blkdev *dev, struct ata_info *out);
/* AUTO: DMA when possible.  Takes effect for requests started afterwards. */
int ata_set_mode(struct blkdev *dev, enum ata_mode mode);
/* Use 48-bit commands even where 28-bit ones would do (testing). */
int ata_force_lba48(struct blkdev *dev, bool on);
/* The watchdog: a command without its interrupt for ms ends -EIO and the
 * channel is reset. */
int ata_set_timeout(struct blkdev *dev, uint32_t ms);

#endif
