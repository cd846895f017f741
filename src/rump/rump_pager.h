/* The pager shim (rump_pager.c): NetBSD's pager windows as real mappings. */
#ifndef ADROS_RUMP_PAGER_H
#define ADROS_RUMP_PAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "rump_aiodone.h"

#define NB_UVMPAGER_MAPIN_WAITOK 0x01
#define NB_UVMPAGER_MAPIN_READ 0x02

/* NetBSD's functions, reached through the link's --wrap. */
uintptr_t __wrap_rumpns_uvm_pagermapin(struct nb_vm_page **pgs, int npages, int flags);
void __wrap_rumpns_uvm_pagermapout(uintptr_t kva, int npages);
struct nb_vm_page *__wrap_rumpns_uvm_pageratop(uintptr_t va);
unsigned long __wrap_rumpns_vtophys(uintptr_t va);

/* Whether kva is one of the shim's windows (the pages are the buffer: no
 * copy-back follows the I/O). */
bool rump_pager_is_window(uintptr_t kva);

struct rump_pager_stats {
    unsigned long mapped;      /* pager windows given as mappings */
    unsigned long copied;      /* given to NetBSD's copying pager (no window free) */
    unsigned long readahead_valid; /* read-ahead pages made valid on completion (rump_uvm_aiodone.c) */
};
void rump_pager_get_stats(struct rump_pager_stats *st);
void rump_pager_count_valid(unsigned long pages);

#endif
