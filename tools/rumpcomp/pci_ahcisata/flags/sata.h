/* AdrOS: SATA. */
#define NSATA 1
