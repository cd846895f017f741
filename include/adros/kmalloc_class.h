/* kmalloc's size classes (portable, host-tested).  Small requests are served
 * from slabs of power-of-two classes 16..2048 bytes whose objects are
 * naturally aligned to their class size; anything larger, or more strictly
 * aligned, takes whole pages. */
#ifndef ADROS_KMALLOC_CLASS_H
#define ADROS_KMALLOC_CLASS_H

#include <adros/types.h>

#define KMALLOC_NCLASS 8
#define KMALLOC_MIN_CLASS 16u
#define KMALLOC_MAX_SMALL 2048u

/* The class for size bytes aligned to align (a power of two, or 0 for the
 * default 16): its index 0..KMALLOC_NCLASS-1, or -1 when the request must
 * take whole pages.  size 0 gives -1 too (callers reject it first). */
int kmalloc_class(size_t size, size_t align);
static inline uint32_t kmalloc_class_size(int idx) { return KMALLOC_MIN_CLASS << idx; }
/* Pages (2^order) of one slab of class idx. */
static inline unsigned kmalloc_slab_order(int idx) { return kmalloc_class_size(idx) >= 1024 ? 2 : 0; }

#endif
