/* File-system detection by magic numbers (see <adros/fsdetect.h>): pure,
 * portable (kernel, host tests, fuzzer).  Every read of buf is bounded by
 * `have`. */
#include <adros/fsdetect.h>
#include <adros/string.h>

#define UFS_MAGIC_OFF 1372
#define UFS1_MAGIC 0x00011954u
#define UFS2_MAGIC 0x19540119u
#define EXT2_MAGIC_OFF 1080
#define ISO_DESC_OFF 32768

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static bool pow2_in(uint32_t v, uint32_t lo, uint32_t hi) { return v >= lo && v <= hi && (v & (v - 1)) == 0; }

/* Not trusting the "FAT"/"FAT32" strings (optional, and often wrong): a
 * jump instruction, bytes per sector a power of two from 512 to 4096,
 * sectors per cluster a power of two, reserved sectors, 1 to 4 FATs, a
 * media byte FAT knows, sizes that fit; the kind by the cluster count, the
 * rule FAT's specification gives. */
int fsdetect_fat_kind(const uint8_t *s)
{
    uint32_t bps = le16(s + 11), spc = s[13], rsvd = le16(s + 14), nfats = s[16];
    uint32_t rootents = le16(s + 17), media = s[21];
    uint32_t total = le16(s + 19) ? le16(s + 19) : le32(s + 32);
    uint32_t fatsz = le16(s + 22) ? le16(s + 22) : le32(s + 36);
    bool jump = (s[0] == 0xEB && s[2] == 0x90) || s[0] == 0xE9;
    if (!jump || !pow2_in(bps, 512, 4096) || !pow2_in(spc, 1, 128) || rsvd == 0 || nfats == 0 || nfats > 4 ||
        (media != 0xF0 && media < 0xF8) || total == 0 || fatsz == 0)
        return 0;
    /* FAT32 has no fixed root directory and its FAT size in the FAT32
     * field; FAT12/16 the opposite. */
    bool fat32_layout = le16(s + 22) == 0;
    if (fat32_layout != (rootents == 0))
        return 0;
    uint64_t meta = rsvd + (uint64_t)nfats * fatsz + (rootents * 32 + bps - 1) / bps;
    if (meta >= total)
        return 0;
    uint64_t clusters = (total - meta) / spc;
    int kind = clusters < 4085 ? 12 : clusters < 65525 ? 16 : 32;
    if ((kind == 32) != fat32_layout)
        return 0; /* a FAT12/16 layout with a FAT32 cluster count, or so */
    return kind;
}

static bool ufs_magic_at(const uint8_t *buf, size_t have, size_t sb)
{
    if (sb + UFS_MAGIC_OFF + 4 > have)
        return false;
    uint32_t m = le32(buf + sb + UFS_MAGIC_OFF);
    /* Either byte order: NetBSD's ffs reads both. */
    return m == UFS1_MAGIC || m == UFS2_MAGIC || m == __builtin_bswap32(UFS1_MAGIC) ||
           m == __builtin_bswap32(UFS2_MAGIC);
}

enum fsdetect_kind fsdetect(const void *data, size_t have, const char **what)
{
    static const char *const fat_names[] = { "FAT12", "FAT16", "FAT32" };
    const uint8_t *buf = data;
    const char *name = NULL;
    enum fsdetect_kind k = FSDETECT_NONE;
    int fat;
    if (have > FSDETECT_BYTES)
        have = FSDETECT_BYTES;
    if (have >= EXT2_MAGIC_OFF + 2 && le16(buf + EXT2_MAGIC_OFF) == 0xEF53) {
        name = "ext2";
        k = FSDETECT_EXT2;
    } else if (ufs_magic_at(buf, have, 65536) || ufs_magic_at(buf, have, 8192) || ufs_magic_at(buf, have, 0)) {
        name = "FFS";
        k = FSDETECT_FFS;
    } else if (have >= ISO_DESC_OFF + 6 && memcmp(buf + ISO_DESC_OFF + 1, "CD001", 5) == 0) {
        name = "ISO 9660";
        k = FSDETECT_ISO9660;
    } else if (have >= 512 && (fat = fsdetect_fat_kind(buf)) != 0) {
        name = fat_names[fat / 16]; /* 12 -> 0, 16 -> 1, 32 -> 2 */
        k = FSDETECT_FAT;
    }
    if (what)
        *what = name;
    return k;
}
