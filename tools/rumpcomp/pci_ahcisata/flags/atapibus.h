/* AdrOS: no ATAPI devices (CD drives) on AHCI in this component. */
#define NATAPIBUS 0
