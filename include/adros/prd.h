/* Physical region descriptor (PRD) tables for bus-master IDE DMA (portable:
 * the host tests compile src/drivers/ata_prd.c).
 *
 * The controller's rules: each entry describes at most 64 KiB (a count of 0
 * means 64 KiB), never crosses a 64 KiB boundary, starts at an even
 * address and has an even length; the last entry has bit 15 of flags set. */
#ifndef ADROS_PRD_H
#define ADROS_PRD_H

#include <adros/types.h>

struct prd {
    uint32_t addr;
    uint16_t count; /* bytes; 0 means 64 KiB */
    uint16_t flags; /* PRD_EOT on the last entry */
} __packed;
#define PRD_EOT 0x8000

/* Describes [addr, addr+len) in tab (at most max entries).  Returns the
 * number of entries, or -EINVAL (len 0 or odd, addr odd, the range wraps
 * past 4 GiB) / -E2BIG (needs more than max entries). */
int prd_fill(struct prd *tab, int max, uint32_t addr, size_t len);

/* The same for a buffer at virtual address va whose pages to_phys
 * translates one by one (a mapping window's pages are scattered frames):
 * physically contiguous pages share an entry.  -EFAULT when a page has no
 * frame (to_phys returned 0) or an odd one. */
#define PRD_PAGE 4096u
int prd_fill_va(struct prd *tab, int max, uint32_t va, size_t len, uint32_t (*to_phys)(uint32_t va));

#endif
