/* Which file system a disk holds, from the magic numbers in its first
 * bytes.  A pure function (no kernel calls, only a buffer in), so the same
 * code runs in the kernel, in the host tests (tests/host/test_fsdetect.c)
 * and under the fuzzer (tests/fuzz/fuzz_fsdetect.c).  The rump kernel's
 * VFS bridge uses it to pick NetBSD's file system for `mount -t rump`. */
#ifndef ADROS_FSDETECT_H
#define ADROS_FSDETECT_H

#include <adros/types.h>

/* How much of the disk detection looks at: the UFS2 superblock at 64 KiB
 * plus its magic (at 1372 in it); the ISO 9660 volume descriptor (32 KiB)
 * and the rest lie before.  Reading less (a small disk) is fine. */
#define FSDETECT_BYTES (72u * 1024u)

enum fsdetect_kind { FSDETECT_NONE, FSDETECT_EXT2, FSDETECT_FFS, FSDETECT_ISO9660, FSDETECT_FAT };

/* buf holds the disk's first `have` bytes (byte offsets, whatever the
 * sector size; bytes past FSDETECT_BYTES are ignored).  Checks, in order,
 * ext2 (0xEF53 at byte 1080), FFS (UFS1/UFS2 superblocks at 64, 8 and
 * 0 KiB, NetBSD's search order, either byte order), ISO 9660 ("CD001" in
 * the descriptor at byte 32768), then a FAT boot sector (the weakest
 * signature, so last).  Returns what was found, FSDETECT_NONE for nothing;
 * *what (when what is not NULL) names it for people: "ext2", "FFS",
 * "ISO 9660", "FAT12", "FAT16" or "FAT32" (NULL for nothing). */
enum fsdetect_kind fsdetect(const void *buf, size_t have, const char **what);

/* 12, 16 or 32 when the 512 bytes at s are a FAT boot sector (BIOS
 * parameter block) as a careful OS checks it, 0 otherwise. */
int fsdetect_fat_kind(const uint8_t *s);

#endif
