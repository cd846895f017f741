/* Symbol lookup for backtraces, over the table the build generates
 * (tools/build/gensyms.py) and links into the .ksyms section. */
#include <adros/kprintf.h>
#include <adros/string.h>

extern const uint32_t ksyms_count;
extern const uint32_t ksyms_addrs[];
extern const uint32_t ksyms_offsets[];
extern const char ksyms_names[];
extern const char _text_start[], _text_end[];

const char *ksym_lookup(uintptr_t addr, uintptr_t *off)
{
    if (addr < (uintptr_t)_text_start || addr >= (uintptr_t)_text_end || ksyms_count == 0)
        return NULL;
    uint32_t lo = 0, hi = ksyms_count;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ksyms_addrs[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (ksyms_addrs[lo] > addr)
        return NULL;
    if (off)
        *off = addr - ksyms_addrs[lo];
    return ksyms_names + ksyms_offsets[lo];
}

uintptr_t ksym_address(const char *name)
{
    for (uint32_t i = 0; i < ksyms_count; i++)
        if (strcmp(ksyms_names + ksyms_offsets[i], name) == 0)
            return ksyms_addrs[i];
    return 0;
}
