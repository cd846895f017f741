/* A CPU fault in NetBSD's code is a rump kernel panic, not AdrOS's.
 *
 * NetBSD's drivers trust their disks more than they should: a hostile
 * image (tools/test/fsfuzz.py found one: an FFS cylinder group whose map
 * offsets send ffs's allocator's skpc() past the end of memory) can make
 * them read or jump through a wild pointer.  Such a fault, with the
 * faulting instruction in NetBSD's code (its symbols carry the rump
 * kernel's "rumpns_" prefix, or the compiler's helpers it calls), is handled as NetBSD's own panic would be
 * (rumpuser_exit(RUMPUSER_PANIC), src/rumpuser): reported, the rump kernel
 * stopped, a guarded caller given its call back as a failure, a rump
 * kernel thread parked; AdrOS goes on.  A fault anywhere else is still
 * AdrOS's panic.  (A wild write that lands in mapped memory is not a
 * fault, and nothing catches it: the rump kernel shares AdrOS's memory.)
 *
 * The handler does not unwind from inside the exception: it points the
 * return at a trampoline, so the CPU's return from the trap restores the
 * faulting context's flags (interrupts on) and stack first. */
#ifdef ADROS_HAVE_RUMP

#include <adros/kprintf.h>
#include <adros/init.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <arch/x86.h>

#include "rump_int.h"
#include "rump_sys.h"
#include "../rumpuser/rumpuser_adros.h"

static __noreturn void fault_trampoline(void) { rumpuser_exit(RUMPUSER_PANIC); }

/* NetBSD's code, or the compiler's 64-bit arithmetic helpers (__divdi3,
 * __umoddi3...) called by a thread running in the rump kernel (an ext2
 * superblock with no fragments per group divides by zero there). */
static bool in_netbsd(uint32_t eip, const char **fn, uintptr_t *off)
{
    *fn = ksym_lookup(eip, off);
    if (!*fn)
        return false;
    if (strncmp(*fn, "rumpns_", 7) == 0)
        return true;
    size_t n = strlen(*fn);
    return strncmp(*fn, "__", 2) == 0 && n > 5 && strcmp(*fn + n - 3, "di3") == 0 && rumpuser_curlwp() != NULL;
}

static bool rump_fault(struct trapframe *tf)
{
    const char *fn;
    uintptr_t off;
    if (rump__crashed || !in_netbsd(tf->eip, &fn, &off))
        return false;
    char where[48] = "";
    if (tf->vector == 14)
        ksnprintf(where, sizeof(where), " %s address %p", (tf->err & 2) ? "writing" : "reading",
                  (void *)read_cr2());
    kprintf(KERN_ERR "\n*** RUMP KERNEL FAULT (thread %s): %s in NetBSD's %s+0x%x%s ***\n",
            thread_name(thread_current()), exception_name(tf->vector), fn, (unsigned)off, where);
    backtrace_from(tf->ebp, tf->eip);
    /* A trap in kernel mode pushes no stack pointer: the faulting code's
     * stack starts where the frame ends. */
    backtrace_scan((uintptr_t)(&tf->eflags + 1));
    tf->eip = (uint32_t)(uintptr_t)fault_trampoline;
    return true;
}

static int rump_fault_init(void)
{
    static const unsigned vectors[] = { 0 /* #DE */, 6 /* #UD */, 13 /* #GP */, 14 /* #PF */ };
    for (unsigned i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
        exception_set_handler(vectors[i], rump_fault);
    return 0;
}
INITCALL(INIT_FS, rump_fault_init);

#endif /* ADROS_HAVE_RUMP */
