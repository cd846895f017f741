/* NetBSD's preemption point in uiomove, for the rump kernel's big lock
 * (rump_preempt.c). */
#ifndef ADROS_RUMP_PREEMPT_H
#define ADROS_RUMP_PREEMPT_H

#include <stddef.h>
#include <stdint.h>

/* NetBSD 7.99's struct uio (sys/sys/uio.h), i386; compared with the rump
 * kernel's debug information at every link (rump_layouts.c). */
struct nb_uio {
    void *uio_iov;
    int uio_iovcnt;
    int64_t uio_offset;
    size_t uio_resid;
    int uio_rw;
    void *uio_vmspace;
};

int __wrap_rumpns_uiomove(void *buf, size_t n, struct nb_uio *uio);
/* Times a thread gave the big lock up in uiomove for a waiting one. */
unsigned long rump_preempt_yields(void);

#endif
