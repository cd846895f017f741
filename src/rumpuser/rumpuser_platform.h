/* Everything the hypercall library (src/rumpuser/) takes from the kernel
 * under it, in one place, the way rumprun's libbmk_rumpuser takes its
 * platform from one header: to lift the library into another kernel, give
 * it these interfaces (or write this header over them) and nothing else.
 *
 * Only public kernel interfaces (include/adros/), all of them below the
 * hypercall layer (docs/ARCHITECTURE.md):
 *
 *   core       types, errno (NetBSD's numbering), string, kprintf/klog,
 *              format (ksnprintf), list
 *   threads    sched.h (thread_create/exit/join, process_sleep, TLS,
 *              thread_current()->rump_lwp), sync.h (kmutex, waitq), irq.h
 *              (irq_save/restore, irq_register for PCI lines)
 *   time       clock.h (clock_gettime_ns, the wall clock)
 *   memory     mm.h (kmalloc/kmalloc_aligned, page allocation, MMIO mapping,
 *              the memory size)
 *   devices    blk.h (block devices, asynchronous requests, claims),
 *              vfs.h (files the rump kernel opens by path), pci.h
 *              (configuration space, device ownership)
 *   other      entropy.h (rumpuser_getrandom), cmdline.h (rump.<NAME>=
 *              parameters)
 *
 * Nothing here may come from the layers above (src/rump/, src/netbsd/,
 * the shell): the library calls up only through the upcalls rumpuser_init
 * was given and the hooks in rumpuser_adros.h. */
#ifndef ADROS_RUMPUSER_PLATFORM_H
#define ADROS_RUMPUSER_PLATFORM_H

#include <adros/types.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/kprintf.h>
#include <adros/list.h>
#include <adros/string.h>

#include <adros/irq.h>
#include <adros/sched.h>
#include <adros/sync.h>

#include <adros/clock.h>
#include <adros/mm.h>

#include <adros/blk.h>
#include <adros/pci.h>
#include <adros/vfs.h>

#include <adros/cmdline.h>
#include <adros/entropy.h>

#endif
