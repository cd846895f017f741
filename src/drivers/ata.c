/* ATA disks on the legacy IDE channels: IDENTIFY, LBA28/LBA48, PIO and
 * bus-master DMA on the PIIX IDE controller, as asynchronous block devices.
 *
 * Structure: each channel (primary, secondary) has a queue of requests and
 * a worker thread that runs them one at a time (master and slave share the
 * channel's registers, so they are serialised).  The worker issues a
 * command and sleeps on the channel's semaphore; the IRQ handler (14/15 in
 * compatibility mode) only acknowledges the device and posts it.  A command
 * whose interrupt does not come within the timeout ends -EIO and the channel
 * is reset (the watchdog).  Finished requests go to blk_complete(), whose
 * thread runs the callbacks.
 *
 * DMA: one PRD table per channel (one page, so it never crosses a 64 KiB
 * boundary); each PRD entry covers at most 64 KiB and never crosses a
 * 64 KiB boundary.  RAM is identity-mapped and below 4 GiB; a buffer in a
 * mapping window (NetBSD's pager, mm.h) is scattered frames, translated
 * page by page (vmm_virt_to_phys).  A buffer at an odd address cannot be
 * DMA'd and goes by PIO.
 *
 * Lock rules: ch->lock (a spinlock) guards ch->queue; the command state
 * (ch->active, ch->irq_status, ch->bm_status) is written by the worker with
 * interrupts off before a command starts and by the IRQ handler after. */
#include <adros/ata.h>
#include <adros/blk.h>
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/pci.h>
#include <adros/prd.h>
#include <adros/sched.h>
#include <adros/spinlock.h>
#include <adros/string.h>
#include <adros/sync.h>
#include <arch/cpu.h>

KOPTION(ata_dma, "ata.dma", "ata.dma=off: ATA disks use PIO only");
KOPTION(ata_timeout, "ata.timeout", "ata.timeout=<ms>: ATA command watchdog (default 5000)");

/* Task-file registers (offsets from the command block). */
#define REG_DATA 0
#define REG_ERROR 1
#define REG_COUNT 2
#define REG_LBA0 3
#define REG_LBA1 4
#define REG_LBA2 5
#define REG_DRIVE 6
#define REG_STATUS 7 /* read */
#define REG_CMD 7    /* write */
/* Control block: alternate status (read) / device control (write). */
#define CTL_NIEN 0x02
#define CTL_SRST 0x04

#define ST_ERR 0x01
#define ST_DRQ 0x08
#define ST_DF 0x20
#define ST_BSY 0x80

#define CMD_READ_PIO 0x20
#define CMD_READ_PIO_EXT 0x24
#define CMD_WRITE_PIO 0x30
#define CMD_WRITE_PIO_EXT 0x34
#define CMD_READ_DMA 0xc8
#define CMD_READ_DMA_EXT 0x25
#define CMD_WRITE_DMA 0xca
#define CMD_WRITE_DMA_EXT 0x35
#define CMD_FLUSH 0xe7
#define CMD_FLUSH_EXT 0xea
#define CMD_IDENTIFY 0xec

/* Bus-master registers (offsets from BAR4 + 8 * channel). */
#define BM_CMD 0
#define BM_STATUS 2
#define BM_PRDT 4
#define BM_CMD_START 0x01
#define BM_CMD_TO_MEM 0x08 /* device -> memory (a disk read) */
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERR 0x02
#define BM_ST_IRQ 0x04

#define PRD_MAX 512 /* one page of 8-byte entries */
#define SECTOR 512u

struct ata_channel;

struct ata_drive {
    struct blkdev dev;
    struct ata_channel *ch;
    int slave;
    bool present, lba48, dma_capable, force48;
    enum ata_mode mode;
    uint64_t dma_cmds, pio_cmds, flush_cmds, errors;
};

struct ata_channel {
    int index;
    uint16_t cmd, ctl, bm; /* bm 0: no bus-master DMA */
    int irq;
    struct ata_drive drive[2];
    spinlock_t lock;
    struct list_node queue; /* requests waiting (ch->lock) */
    ksem_t work;            /* one count per queued request */
    ksem_t irq_sem;         /* posted by the IRQ handler */
    volatile bool active, dma_active;
    volatile uint8_t irq_status, bm_status;
    struct prd *prdt;
    int selected;           /* drive selected in the registers, -1: unknown */
    uint32_t timeout_ms;
    uint64_t timeouts, resets, spurious;
    struct thread *worker;
    struct irq_action *irq_action;
};

static struct ata_channel channels[2];
static bool controller_attached;

/* ---- register helpers ---- */

static uint8_t altstatus(struct ata_channel *ch) { return inb(ch->ctl); }

static void delay400(struct ata_channel *ch)
{
    for (int i = 0; i < 4; i++)
        (void)altstatus(ch);
}

/* Polls until BSY clears (and, if want, one of the bits in want is set).
 * Returns the status, or -ETIMEDOUT after timeout_ns. */
static int wait_ready(struct ata_channel *ch, uint8_t want, uint64_t timeout_ns)
{
    uint64_t deadline = clock_gettime_ns() + timeout_ns;
    for (unsigned spin = 0;; spin++) {
        uint8_t st = altstatus(ch);
        if (st == 0xff)
            return -ENODEV; /* floating bus */
        if (!(st & ST_BSY) && (!want || (st & (want | ST_ERR | ST_DF))))
            return st;
        if (clock_gettime_ns() > deadline)
            return -ETIMEDOUT;
        if (spin > 64 && thread_current())
            yield();
    }
}

static int select_drive(struct ata_channel *ch, int slave, uint8_t lba_hi)
{
    outb(ch->cmd + REG_DRIVE, (uint8_t)(0xe0 | (slave << 4) | lba_hi));
    if (ch->selected != slave) {
        delay400(ch);
        ch->selected = slave;
    }
    int st = wait_ready(ch, 0, 100 * NSEC_PER_MSEC);
    return st < 0 ? st : 0;
}

/* Soft reset of both drives of the channel, after a timeout or a wedged
 * device.  Leaves interrupts enabled at the device (nIEN clear). */
static void reset_channel(struct ata_channel *ch)
{
    ch->resets++;
    if (ch->bm) {
        outb(ch->bm + BM_CMD, 0);
        outb(ch->bm + BM_STATUS, BM_ST_ERR | BM_ST_IRQ);
    }
    outb(ch->ctl, CTL_SRST | CTL_NIEN);
    process_sleep(10 * NSEC_PER_USEC);
    outb(ch->ctl, 0);
    process_sleep(2 * NSEC_PER_MSEC);
    ch->selected = -1;
    if (wait_ready(ch, 0, NSEC_PER_SEC) < 0)
        klog(LOG_ERR, "ata%d: channel still busy after reset\n", ch->index);
    (void)inb(ch->cmd + REG_STATUS);
    while (ksem_trydown(&ch->irq_sem) == 0)
        ;
}

static void load_taskfile(struct ata_channel *ch, struct ata_drive *d, uint64_t lba, uint32_t count, bool ext)
{
    if (ext) {
        outb(ch->cmd + REG_DRIVE, (uint8_t)(0x40 | (d->slave << 4)));
        outb(ch->cmd + REG_COUNT, (uint8_t)(count >> 8));
        outb(ch->cmd + REG_LBA0, (uint8_t)(lba >> 24));
        outb(ch->cmd + REG_LBA1, (uint8_t)(lba >> 32));
        outb(ch->cmd + REG_LBA2, (uint8_t)(lba >> 40));
    } else {
        outb(ch->cmd + REG_DRIVE, (uint8_t)(0xe0 | (d->slave << 4) | ((lba >> 24) & 0x0f)));
    }
    outb(ch->cmd + REG_COUNT, (uint8_t)count);
    outb(ch->cmd + REG_LBA0, (uint8_t)lba);
    outb(ch->cmd + REG_LBA1, (uint8_t)(lba >> 8));
    outb(ch->cmd + REG_LBA2, (uint8_t)(lba >> 16));
}

/* ---- the interrupt ---- */

static bool ata_irq(void *arg)
{
    struct ata_channel *ch = arg;
    uint8_t bms = ch->bm ? inb(ch->bm + BM_STATUS) : 0;
    if (ch->dma_active && !(bms & BM_ST_IRQ))
        return false; /* not (yet) ours */
    uint8_t st = inb(ch->cmd + REG_STATUS); /* acknowledges INTRQ */
    if (ch->bm)
        outb(ch->bm + BM_STATUS, bms & (BM_ST_IRQ | BM_ST_ERR)); /* write-1-to-clear */
    if (!ch->active) {
        ch->spurious++;
        return (bms & BM_ST_IRQ) != 0;
    }
    if (st & ST_BSY)
        return false;
    ch->irq_status = st;
    ch->bm_status = bms;
    ksem_up(&ch->irq_sem);
    return true;
}

/* Waits for the command's interrupt; returns the status it reported, or
 * -ETIMEDOUT (the watchdog). */
static int wait_irq(struct ata_channel *ch)
{
    if (ksem_down_timeout(&ch->irq_sem, (uint64_t)ch->timeout_ms * NSEC_PER_MSEC) != 0)
        return -ETIMEDOUT;
    return ch->irq_status;
}

/* Arms the channel for a command: no stale interrupt posts left. */
static void arm(struct ata_channel *ch, bool dma)
{
    while (ksem_trydown(&ch->irq_sem) == 0)
        ;
    irqflags_t f = irq_save();
    ch->active = true;
    ch->dma_active = dma;
    irq_restore(f);
}

static void disarm(struct ata_channel *ch)
{
    irqflags_t f = irq_save();
    ch->active = false;
    ch->dma_active = false;
    irq_restore(f);
}

static int fail(struct ata_channel *ch, struct ata_drive *d, int err, const char *what, uint64_t lba)
{
    d->errors++;
    if (err == -ETIMEDOUT) {
        ch->timeouts++;
        klog(LOG_ERR, "%s: %s at sector %llu: no interrupt in %u ms; resetting the channel\n", d->dev.name, what,
             (unsigned long long)lba, ch->timeout_ms);
        reset_channel(ch);
    } else {
        klog(LOG_ERR, "%s: %s at sector %llu failed (status %02x error %02x)\n", d->dev.name, what,
             (unsigned long long)lba, ch->irq_status, inb(ch->cmd + REG_ERROR));
        if (err != -EIO)
            reset_channel(ch);
    }
    return -EIO;
}

/* ---- one command ---- */

static int do_pio(struct ata_channel *ch, struct ata_drive *d, bool write, uint64_t lba, uint32_t n, uint8_t *buf,
                  bool ext)
{
    int err = select_drive(ch, d->slave, 0);
    if (err)
        return fail(ch, d, err, "select", lba);
    arm(ch, false);
    load_taskfile(ch, d, lba, n, ext);
    outb(ch->cmd + REG_CMD, write ? (ext ? CMD_WRITE_PIO_EXT : CMD_WRITE_PIO) : (ext ? CMD_READ_PIO_EXT : CMD_READ_PIO));
    d->pio_cmds++;
    const char *what = write ? "PIO write" : "PIO read";
    for (uint32_t i = 0; i < n; i++) {
        int st;
        if (write && i == 0) {
            /* The first block of a write is asked for without an interrupt. */
            delay400(ch);
            st = wait_ready(ch, ST_DRQ, (uint64_t)ch->timeout_ms * NSEC_PER_MSEC);
        } else if (!write) {
            st = wait_irq(ch);
        } else {
            st = wait_irq(ch);
        }
        if (st < 0 || (st & (ST_ERR | ST_DF)) || !(st & ST_DRQ)) {
            if (st >= 0)
                ch->irq_status = (uint8_t)st;
            disarm(ch);
            return fail(ch, d, st < 0 ? st : -EIO, what, lba + i);
        }
        if (write)
            outsw(ch->cmd + REG_DATA, buf + (size_t)i * SECTOR, SECTOR / 2);
        else
            insw(ch->cmd + REG_DATA, buf + (size_t)i * SECTOR, SECTOR / 2);
    }
    if (write) {
        int st = wait_irq(ch); /* the last block has been written */
        if (st < 0 || (st & (ST_ERR | ST_DF))) {
            disarm(ch);
            return fail(ch, d, st < 0 ? st : -EIO, what, lba + n - 1);
        }
    }
    disarm(ch);
    return 0;
}

static int do_dma(struct ata_channel *ch, struct ata_drive *d, bool write, uint64_t lba, uint32_t n, uint8_t *buf,
                  bool ext)
{
    const char *what = write ? "DMA write" : "DMA read";
    if (prd_fill_va(ch->prdt, PRD_MAX, (uint32_t)(uintptr_t)buf, (size_t)n * SECTOR, vmm_virt_to_phys) < 0)
        return -EINVAL;
    int err = select_drive(ch, d->slave, 0);
    if (err)
        return fail(ch, d, err, "select", lba);
    outb(ch->bm + BM_CMD, 0);
    outl(ch->bm + BM_PRDT, (uint32_t)(uintptr_t)ch->prdt);
    outb(ch->bm + BM_STATUS, BM_ST_ERR | BM_ST_IRQ);
    outb(ch->bm + BM_CMD, write ? 0 : BM_CMD_TO_MEM);
    arm(ch, true);
    load_taskfile(ch, d, lba, n, ext);
    outb(ch->cmd + REG_CMD, write ? (ext ? CMD_WRITE_DMA_EXT : CMD_WRITE_DMA) : (ext ? CMD_READ_DMA_EXT : CMD_READ_DMA));
    outb(ch->bm + BM_CMD, (uint8_t)((write ? 0 : BM_CMD_TO_MEM) | BM_CMD_START));
    d->dma_cmds++;
    int st = wait_irq(ch);
    outb(ch->bm + BM_CMD, 0);
    disarm(ch);
    if (st < 0)
        return fail(ch, d, st, what, lba);
    if ((st & (ST_ERR | ST_DF)) || (ch->bm_status & BM_ST_ERR))
        return fail(ch, d, -EIO, what, lba);
    return 0;
}

static int do_flush(struct ata_channel *ch, struct ata_drive *d)
{
    int err = select_drive(ch, d->slave, 0);
    if (err)
        return fail(ch, d, err, "select", 0);
    arm(ch, false);
    outb(ch->cmd + REG_CMD, d->lba48 ? CMD_FLUSH_EXT : CMD_FLUSH);
    d->flush_cmds++;
    int st = wait_irq(ch);
    disarm(ch);
    if (st < 0 || (st & (ST_ERR | ST_DF)))
        return fail(ch, d, st < 0 ? st : -EIO, "flush", 0);
    return 0;
}

/* Runs one block request to the end, in commands of at most max sectors. */
static int run_request(struct ata_channel *ch, struct ata_drive *d, struct blk_request *r, size_t *done)
{
    *done = 0;
    if (r->op == BLK_FLUSH)
        return do_flush(ch, d);
    if (r->count == 0 || r->sector >= d->dev.nsectors || r->count > d->dev.nsectors - r->sector)
        return -EINVAL;
    bool write = r->op == BLK_WRITE;
    bool dma = ch->bm && d->dma_capable && d->mode != ATA_MODE_PIO && !((uintptr_t)r->buf & 1);
    uint8_t *buf = r->buf;
    uint64_t lba = r->sector;
    uint32_t left = r->count;
    while (left) {
        bool ext = d->force48 || lba + left > (1u << 28) - 1 || left > 256;
        ext = ext && d->lba48;
        uint32_t max = ext ? (dma ? 2048 : 256) : 256;
        uint32_t n = MIN(left, max);
        if (!ext && lba + n > (1u << 28) - 1)
            return -EINVAL; /* past what LBA28 can address */
        int err = dma ? do_dma(ch, d, write, lba, n, buf, ext) : do_pio(ch, d, write, lba, n, buf, ext);
        if (err)
            return err;
        buf += (size_t)n * SECTOR;
        lba += n;
        left -= n;
        *done += (size_t)n * SECTOR;
    }
    return 0;
}

static void *worker_main(void *arg)
{
    struct ata_channel *ch = arg;
    for (;;) {
        ksem_down(&ch->work);
        irqflags_t f = spin_lock_irqsave(&ch->lock);
        struct list_node *n = list_pop_front(&ch->queue);
        spin_unlock_irqrestore(&ch->lock, f);
        if (!n)
            continue;
        struct blk_request *r = list_entry(n, struct blk_request, node);
        struct ata_drive *d = r->dev->priv;
        size_t done;
        int err = run_request(ch, d, r, &done);
        blk_complete(r, err, done);
    }
    return NULL;
}

static int ata_submit(struct blkdev *dev, struct blk_request *req)
{
    struct ata_drive *d = dev->priv;
    struct ata_channel *ch = d->ch;
    irqflags_t f = spin_lock_irqsave(&ch->lock);
    list_push_back(&ch->queue, &req->node);
    spin_unlock_irqrestore(&ch->lock, f);
    ksem_up(&ch->work);
    return 0;
}
static const struct blkdev_ops ata_ops = { ata_submit };

/* ---- probing ---- */

static void ident_string(char *out, const uint16_t *id, int first, int words)
{
    for (int i = 0; i < words; i++) {
        out[2 * i] = (char)(id[first + i] >> 8);
        out[2 * i + 1] = (char)id[first + i];
    }
    int n = 2 * words;
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\0'))
        out[--n] = '\0';
}

/* IDENTIFY by polling (interrupts are masked at the device meanwhile). */
static bool identify(struct ata_channel *ch, struct ata_drive *d, uint16_t *id)
{
    outb(ch->cmd + REG_DRIVE, (uint8_t)(0xa0 | (d->slave << 4)));
    ch->selected = -1;
    delay400(ch);
    uint8_t st = inb(ch->cmd + REG_STATUS);
    if (st == 0 || st == 0xff)
        return false;
    outb(ch->cmd + REG_COUNT, 0);
    outb(ch->cmd + REG_LBA0, 0);
    outb(ch->cmd + REG_LBA1, 0);
    outb(ch->cmd + REG_LBA2, 0);
    outb(ch->cmd + REG_CMD, CMD_IDENTIFY);
    delay400(ch);
    if (inb(ch->cmd + REG_STATUS) == 0)
        return false;
    int r = wait_ready(ch, ST_DRQ, NSEC_PER_SEC);
    if (r < 0 || (r & ST_ERR)) {
        uint8_t m = inb(ch->cmd + REG_LBA1), h = inb(ch->cmd + REG_LBA2);
        if ((m == 0x14 && h == 0xeb) || (m == 0x69 && h == 0x96))
            klog(LOG_INFO, "ata%d: %s: ATAPI device (not supported)\n", ch->index, d->slave ? "slave" : "master");
        return false;
    }
    insw(ch->cmd + REG_DATA, id, 256);
    (void)inb(ch->cmd + REG_STATUS);
    return true;
}

static void probe_drive(struct ata_channel *ch, int slave, bool dma_allowed)
{
    static const char *names[2][2] = { { "hda", "hdb" }, { "hdc", "hdd" } };
    struct ata_drive *d = &ch->drive[slave];
    d->ch = ch;
    d->slave = slave;
    uint16_t *id = kmalloc(512);
    if (!id)
        return;
    if (!identify(ch, d, id)) {
        kfree(id);
        return;
    }
    if (!(id[49] & (1u << 9))) {
        klog(LOG_WARN, "ata%d: %s: no LBA support; ignored\n", ch->index, slave ? "slave" : "master");
        kfree(id);
        return;
    }
    uint64_t n28 = (uint32_t)id[60] | (uint32_t)id[61] << 16;
    d->lba48 = (id[83] & (1u << 10)) != 0;
    uint64_t n48 = d->lba48 ? ((uint64_t)id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32 |
                               (uint64_t)id[103] << 48)
                            : 0;
    d->dma_capable = dma_allowed && ch->bm && (id[49] & (1u << 8));
    strlcpy(d->dev.name, names[ch->index][slave], sizeof(d->dev.name));
    ident_string(d->dev.model, id, 27, 20);
    strlcpy(d->dev.driver, "ata", sizeof(d->dev.driver));
    kfree(id);
    d->dev.sector_size = SECTOR;
    d->dev.nsectors = d->lba48 && n48 ? n48 : n28;
    d->dev.ops = &ata_ops;
    d->dev.priv = d;
    d->present = true;
    kprintf("ata%d: %s: %s \"%s\", %llu sectors (%llu MiB), %s, %s\n", ch->index, d->dev.name,
            slave ? "slave" : "master", d->dev.model, (unsigned long long)d->dev.nsectors,
            (unsigned long long)(d->dev.nsectors / 2048), d->lba48 ? "LBA48" : "LBA28",
            d->dma_capable ? "DMA" : "PIO");
}

static int channel_init(int index, uint16_t cmd, uint16_t ctl, uint16_t bm, int irq, bool dma_allowed)
{
    struct ata_channel *ch = &channels[index];
    ch->index = index;
    ch->cmd = cmd;
    ch->ctl = ctl;
    ch->bm = bm;
    ch->irq = irq;
    ch->selected = -1;
    ch->timeout_ms = (uint32_t)cmdline_get_int("ata.timeout", 5000);
    if (ch->timeout_ms < 10)
        ch->timeout_ms = 10;
    spin_init(&ch->lock, "ata-channel");
    list_init(&ch->queue);
    ksem_init(&ch->work, 0);
    ksem_init(&ch->irq_sem, 0);
    if (inb(ch->cmd + REG_STATUS) == 0xff)
        return 0; /* floating bus: no channel */
    outb(ch->ctl, CTL_NIEN);
    for (int s = 0; s < 2; s++)
        probe_drive(ch, s, dma_allowed);
    outb(ch->ctl, 0);
    ch->selected = -1;
    if (!ch->drive[0].present && !ch->drive[1].present)
        return 0;
    if (ch->bm) {
        ch->prdt = kmalloc_aligned(PRD_MAX * sizeof(struct prd), 4096);
        if (!ch->prdt) {
            ch->bm = 0;
            ch->drive[0].dma_capable = ch->drive[1].dma_capable = false;
        } else {
            /* Tell the controller the drives are DMA-capable (firmware
             * convention: status bits 5 and 6). */
            uint8_t st = inb(ch->bm + BM_STATUS);
            outb(ch->bm + BM_STATUS, (uint8_t)((st & 0x60) | (ch->drive[0].dma_capable ? 0x20 : 0) |
                                               (ch->drive[1].dma_capable ? 0x40 : 0) | BM_ST_ERR | BM_ST_IRQ));
        }
    }
    int err;
    ch->irq_action = irq_register((unsigned)irq, ata_irq, ch, index ? "ata1" : "ata0", &err);
    if (!ch->irq_action) {
        klog(LOG_ERR, "ata%d: cannot register IRQ %d: %d\n", index, irq, err);
        return err;
    }
    struct thread_attr a = { .name = index ? "ata1" : "ata0", .prio = PRIO_HIGH,
                             .stack_size = THREAD_STACK_DEFAULT };
    err = thread_create(&a, worker_main, ch, &ch->worker);
    if (err)
        return err;
    for (int s = 0; s < 2; s++) {
        struct ata_drive *d = &ch->drive[s];
        if (!d->present)
            continue;
        err = blk_register(&d->dev);
        if (err) {
            klog(LOG_ERR, "ata: cannot register %s: %d\n", d->dev.name, err);
            d->present = false;
            continue;
        }
        blk_scan_partitions(&d->dev);
    }
    return 0;
}

static int ata_attach(struct pci_dev *pd)
{
    bool dma = cmdline_get_bool("ata.dma", true);
    uint16_t bm = 0;
    if ((pd->prog_if & 0x80) && pd->bar[4].type == PCI_BAR_IO && pd->bar[4].size >= 16) {
        bm = (uint16_t)pd->bar[4].base;
        pci_enable(pd, PCI_CMD_IO | PCI_CMD_MASTER);
    } else {
        pci_enable(pd, PCI_CMD_IO);
    }
    if (!dma)
        kprintf("ata: DMA disabled by ata.dma=off\n");
    controller_attached = true;
    for (int c = 0; c < 2; c++) {
        bool native = pd->prog_if & (c ? 0x04 : 0x01);
        uint16_t cmd = c ? 0x170 : 0x1f0, ctl = c ? 0x376 : 0x3f6;
        int irq = c ? 15 : 14;
        if (native) {
            cmd = (uint16_t)pd->bar[2 * c].base;
            ctl = (uint16_t)(pd->bar[2 * c + 1].base + 2);
            irq = pci_irq(pd);
            if (irq < 0 || !cmd)
                continue;
        }
        int err = channel_init(c, cmd, ctl, bm ? (uint16_t)(bm + 8 * c) : 0, irq, dma);
        if (err)
            klog(LOG_ERR, "ata%d: setup failed: %d\n", c, err);
    }
    return 0;
}

static const struct pci_match ata_ids[] = { PCI_MATCH_CLASS(0x01, 0x01) };
PCI_DRIVER(ata, .name = "ata", .ids = ata_ids, .nids = 1, .attach = ata_attach);

/* Without a PCI IDE controller: the legacy ports, PIO only. */
static int ata_legacy_init(void)
{
    if (controller_attached)
        return 0;
    kprintf("ata: no PCI IDE controller; probing the legacy ports (PIO)\n");
    controller_attached = true;
    channel_init(0, 0x1f0, 0x3f6, 0, 14, false);
    channel_init(1, 0x170, 0x376, 0, 15, false);
    return 0;
}
INITCALL(INIT_BLOCK, ata_legacy_init);

/* ---- knobs ---- */

static struct ata_drive *drive_of(struct blkdev *dev)
{
    for (int c = 0; c < 2; c++)
        for (int s = 0; s < 2; s++)
            if (dev && dev == &channels[c].drive[s].dev && channels[c].drive[s].present)
                return &channels[c].drive[s];
    return NULL;
}

int ata_get_info(struct blkdev *dev, struct ata_info *out)
{
    struct ata_drive *d = drive_of(dev);
    if (!d)
        return -EINVAL;
    struct ata_channel *ch = d->ch;
    *out = (struct ata_info){ d->lba48, d->dma_capable, d->mode, ch->index, d->slave, ch->cmd, ch->irq,
                              d->dma_cmds, d->pio_cmds, d->flush_cmds, ch->timeouts, ch->resets, d->errors };
    return 0;
}

int ata_set_mode(struct blkdev *dev, enum ata_mode mode)
{
    struct ata_drive *d = drive_of(dev);
    if (!d || mode > ATA_MODE_DMA)
        return -EINVAL;
    if (mode == ATA_MODE_DMA && !d->dma_capable)
        return -ENODEV;
    d->mode = mode;
    return 0;
}

int ata_force_lba48(struct blkdev *dev, bool on)
{
    struct ata_drive *d = drive_of(dev);
    if (!d)
        return -EINVAL;
    if (on && !d->lba48)
        return -ENODEV;
    d->force48 = on;
    return 0;
}

int ata_set_timeout(struct blkdev *dev, uint32_t ms)
{
    struct ata_drive *d = drive_of(dev);
    if (!d || ms < 10)
        return -EINVAL;
    d->ch->timeout_ms = ms;
    return 0;
}
