// SOURCES: src/fs/fsdetect.c
/* libFuzzer target: file-system detection by magic numbers
 * (src/fs/fsdetect.c) on any disk start, of any length.  Any crash or
 * sanitizer report is a bug; the answer must be one of the kinds, with a
 * name exactly when something was found, and the same for a copy that is
 * longer than FSDETECT_BYTES (the rest is never looked at). */
#include <adros/fsdetect.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan sees any read past `size`. */
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    const char *what = NULL;
    enum fsdetect_kind k = fsdetect(buf, size, &what);
    if (k > FSDETECT_FAT || (k == FSDETECT_NONE) != (what == NULL))
        abort();
    if (size > FSDETECT_BYTES && fsdetect(buf, FSDETECT_BYTES, NULL) != k)
        abort();
    free(buf);
    return 0;
}
