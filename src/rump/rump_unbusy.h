/* The uvm_page_unbusy shim (rump_uvm_unbusy.c). */
#ifndef ADROS_RUMP_UNBUSY_H
#define ADROS_RUMP_UNBUSY_H

#include <stddef.h>

struct vm_page;

/* NetBSD's uvm_page_unbusy, reached through the link's --wrap. */
void __wrap_rumpns_uvm_page_unbusy(struct vm_page **pgs, int npgs);

/* Calls whose page array started with NULL (each would have been the rump
 * kernel's page fault). */
unsigned long rump_unbusy_null_first(void);

#endif
