/* AdrOS: wd disks. */
#define NWD 1
