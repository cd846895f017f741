/* Shared between the page allocator and the heap (src/mm only). */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H

#include <adros/buddy.h>
#include <adros/spinlock.h>

struct buddy *pmm_buddy(void);
spinlock_t *pmm_spinlock(void);
int pmm_check(void);
/* With pmm_lock held: may the current thread take npages now (the reserve,
 * mm.h)?  Counts a refusal. */
bool pmm__may_take(uint32_t npages);

/* Owner tags kmalloc puts in struct buddy_page.owner. */
#define KM_OWNER_SLAB 1
#define KM_OWNER_LARGE 2

#endif
