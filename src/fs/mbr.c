/* MBR and EBR parsing (portable: the host tests compile this file). */
#include <adros/errno.h>
#include <adros/mbr.h>
#include <adros/string.h>

#define MBR_SIG_OFF 510
#define MBR_TABLE_OFF 446

static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static bool has_sig(const uint8_t *s) { return s[MBR_SIG_OFF] == 0x55 && s[MBR_SIG_OFF + 1] == 0xaa; }

static void entry(const uint8_t *sec, int i, uint8_t *type, bool *boot, uint32_t *lba, uint32_t *n)
{
    const uint8_t *e = sec + MBR_TABLE_OFF + 16 * i;
    *boot = e[0] == 0x80;
    *type = e[4];
    *lba = le32(e + 8);
    *n = le32(e + 12);
}

static void warn_if(mbr_warn_fn warn, void *ctx, const char *what, uint64_t sector)
{
    if (warn)
        warn(ctx, what, sector);
}

/* Walks the EBR chain of the extended partition [ext, ext+ext_n). */
static int scan_logical(uint64_t nsectors, uint64_t ext, uint64_t ext_n, mbr_read_fn read, mbr_add_fn add,
                        mbr_warn_fn warn, void *ctx, uint8_t *sec)
{
    int found = 0;
    uint64_t ebr = ext;
    for (int num = 5; num < 5 + MBR_MAX_LOGICAL; num++) {
        int err = read(ctx, ebr, sec);
        if (err)
            return err;
        if (!has_sig(sec)) {
            warn_if(warn, ctx, "EBR without signature", ebr);
            return found;
        }
        uint8_t type;
        bool boot;
        uint32_t lba, n;
        entry(sec, 0, &type, &boot, &lba, &n);
        if (type != 0 && n != 0) {
            uint64_t start = ebr + lba;
            /* A logical partition lies inside the extended one, after its EBR. */
            if (lba == 0 || start + n > ext + ext_n || start + n > nsectors) {
                warn_if(warn, ctx, "logical partition out of range", ebr);
            } else {
                struct mbr_part p = { num, type, boot, start, n };
                err = add(ctx, &p);
                if (err < 0)
                    return err;
                found++;
            }
        }
        entry(sec, 1, &type, &boot, &lba, &n);
        if (type == 0 || lba == 0)
            return found;
        /* The next EBR is relative to the extended partition's start and
         * must move forward: that rules out loops. */
        uint64_t next = ext + lba;
        if (!mbr_is_extended(type) || next <= ebr || next >= ext + ext_n) {
            warn_if(warn, ctx, "bad EBR link", ebr);
            return found;
        }
        ebr = next;
    }
    warn_if(warn, ctx, "too many logical partitions", ebr);
    return found;
}

int mbr_scan(uint64_t nsectors, mbr_read_fn read, mbr_add_fn add, mbr_warn_fn warn, void *ctx)
{
    uint8_t sec[512];
    if (nsectors == 0)
        return 0;
    int err = read(ctx, 0, sec);
    if (err)
        return err;
    if (!has_sig(sec))
        return 0;
    struct mbr_part prim[4];
    int nprim = 0, found = 0;
    for (int i = 0; i < 4; i++) {
        uint8_t type;
        bool boot;
        uint32_t lba, n;
        entry(sec, i, &type, &boot, &lba, &n);
        if (type == 0 || n == 0)
            continue;
        if (lba == 0 || (uint64_t)lba + n > nsectors) {
            warn_if(warn, ctx, "primary partition out of range", 0);
            continue;
        }
        prim[nprim++] = (struct mbr_part){ i + 1, type, boot, lba, n };
    }
    /* The sector buffer is reused by the EBR walk: take the table first. */
    for (int i = 0; i < nprim; i++) {
        err = add(ctx, &prim[i]);
        if (err < 0)
            return err;
        found++;
    }
    bool ext_done = false;
    for (int i = 0; i < nprim; i++) {
        if (!mbr_is_extended(prim[i].type))
            continue;
        if (ext_done) {
            warn_if(warn, ctx, "second extended partition ignored", 0);
            continue;
        }
        ext_done = true;
        int r = scan_logical(nsectors, prim[i].start, prim[i].nsectors, read, add, warn, ctx, sec);
        if (r < 0)
            return r;
        found += r;
    }
    return found;
}
