/* AdrOS: no ATA RAID. */
#define NATARAID 0
