/* Filling PRD tables (portable; see include/adros/prd.h). */
#include <adros/errno.h>
#include <adros/prd.h>

int prd_fill_va(struct prd *tab, int max, uint32_t va, size_t len, uint32_t (*to_phys)(uint32_t va))
{
    if (len == 0 || (len & 1) || (va & 1) || (uint64_t)va + len > 0x100000000ull)
        return -EINVAL;
    int i = 0;
    uint32_t next = 0; /* the bus address right after the last entry */
    while (len) {
        /* A piece the translation keeps contiguous: a page, or all of it. */
        uint32_t pa = to_phys ? to_phys(va) : va;
        size_t piece = to_phys ? PRD_PAGE - (va & (PRD_PAGE - 1)) : len;
        if (piece > len)
            piece = len;
        if (to_phys && (pa == 0 || (pa & 1)))
            return -EFAULT;
        while (piece) {
            uint32_t room = 0x10000u - (pa & 0xffffu); /* up to the next 64 KiB boundary */
            uint32_t chunk = piece < room ? (uint32_t)piece : room;
            if (i > 0 && pa == next && (pa & 0xffffu) != 0) {
                /* Continues the last entry inside its 64 KiB region. */
                uint32_t bytes = (tab[i - 1].count ? tab[i - 1].count : 0x10000u) + chunk;
                tab[i - 1].count = (uint16_t)bytes; /* 0x10000 becomes 0: 64 KiB */
            } else {
                if (i == max)
                    return -E2BIG;
                tab[i].addr = pa;
                tab[i].count = (uint16_t)chunk;
                tab[i].flags = 0;
                i++;
            }
            pa += chunk;
            next = pa;
            va += chunk;
            len -= chunk;
            piece -= chunk;
        }
    }
    tab[i - 1].flags = PRD_EOT;
    return i;
}

int prd_fill(struct prd *tab, int max, uint32_t addr, size_t len)
{
    return prd_fill_va(tab, max, addr, len, 0);
}
