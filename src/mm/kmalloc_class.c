/* kmalloc size-class selection (portable; see kmalloc_class.h). */
#include <adros/kmalloc_class.h>

int kmalloc_class(size_t size, size_t align)
{
    if (size == 0)
        return -1;
    size_t need = size;
    if (align > KMALLOC_MIN_CLASS && align > need)
        need = align;
    if (need > KMALLOC_MAX_SMALL)
        return -1;
    int idx = 0;
    while (kmalloc_class_size(idx) < need)
        idx++;
    return idx;
}
