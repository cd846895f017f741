/* AdrOS: SATA port multipliers. */
#define NSATA_PMP 1
