/* Filling PRD tables (portable; see include/adros/prd.h). */
#include <adros/errno.h>
#include <adros/prd.h>

int prd_fill(struct prd *tab, int max, uint32_t addr, size_t len)
{
    if (len == 0 || (len & 1) || (addr & 1) || (uint64_t)addr + len > 0x100000000ull)
        return -EINVAL;
    int i = 0;
    while (len) {
        if (i == max)
            return -E2BIG;
        uint32_t room = 0x10000u - (addr & 0xffffu); /* up to the next 64 KiB boundary */
        uint32_t chunk = len < room ? (uint32_t)len : room;
        tab[i].addr = addr;
        tab[i].count = (uint16_t)chunk; /* 0x10000 becomes 0: 64 KiB */
        tab[i].flags = 0;
        addr += chunk;
        len -= chunk;
        i++;
    }
    tab[i - 1].flags = PRD_EOT;
    return i;
}
