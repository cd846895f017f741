/* librumpuser_adros, thread group: host threads for the rump kernel's
 * lwps, and the curlwp database.
 *
 * A rump kernel thread is an AdrOS kernel thread with a 64 KiB stack
 * (NetBSD kernel code, file systems especially, wants 32-64 KiB; AdrOS's
 * default is 16).  curlwp is a thread-local variable (one %gs-relative
 * load), mirrored in struct thread.rump_lwp for debugging. */

#include "rumpuser_int.h"

#define RUMP_THREAD_STACK (64u * 1024u)

__thread struct lwp *rumpuser__tls_curlwp;

/* NetBSD priorities run 0..223 (user 0-63, kernel 64-127, real-time
 * 128-223, softints at the top); PRI_NONE (-1) means "don't care".  They
 * map, in order, onto a narrow band around PRIO_NORMAL: strict priorities
 * far apart could starve the rump kernel's own lower threads, which AdrOS
 * cannot know are needed. */
static int map_priority(int pri)
{
    if (pri < 0)
        return PRIO_NORMAL;
    if (pri > 223)
        pri = 223;
    return PRIO_NORMAL - 2 + pri * 6 / 223;
}

/* NetBSD runs its soft interrupts (the network stack's input, block I/O
 * completion, callouts) above every thread, at the top of its priority
 * range; the rump kernel creates their threads, "rsi<cpu>/<level>"
 * (rumpkern/intr.c), with PRI_NONE, since a POSIX host has no priorities
 * to give.  On AdrOS's strict priorities that put them level with the
 * commands: an ICMP echo waited behind a copy's thread for a scheduler
 * slice (ping during a 64 MiB cp, tools/bench/pingcopy.py).  They get
 * NetBSD's softint rank here. */
#define NETBSD_PRI_SOFTINT 223

static int thread_priority(const char *name, int pri)
{
    if (pri < 0 && name && strncmp(name, "rsi", 3) == 0 && name[3] >= '0' && name[3] <= '9')
        pri = NETBSD_PRI_SOFTINT;
    return map_priority(pri);
}

/* NetBSD's pagedaemon ("pdaemon", rumpkern/vm.c) may take AdrOS's memory
 * reserve, as NetBSD keeps pages only its pagedaemon may allocate
 * (uvmexp.reserve_pagedaemon): it allocates to free (a page-out's bounce
 * buffer, KM_SLEEP), and when the heap is exhausted by someone else it
 * would otherwise wait in uvm_wait for page-outs that it is itself in the
 * middle of building: rel-pressure-ram hung so (fetch and the pagedaemon
 * both in uvm_wait, memhog's memory long given back). */
static unsigned thread_flags(const char *name)
{
    return name && strcmp(name, "pdaemon") == 0 ? PROCESS_FLAG_MEMRESERVE : 0;
}

/* Returns 0 (and *cookie for a joinable thread) or ENOMEM/EINVAL.  cpuidx
 * is advisory: AdrOS has one CPU.  Does not block. */
int rumpuser_thread_create(void *(*fun)(void *), void *arg, const char *thrname, int mustjoin, int priority,
                           int cpuidx, void **cookie)
{
    struct thread_attr attr = {
        .name = thrname ? thrname : "rumpthread",
        .prio = thread_priority(thrname, priority),
        .stack_size = RUMP_THREAD_STACK,
        .flags = PROCESS_FLAG_THREAD | (mustjoin ? PROCESS_FLAG_JOINABLE : 0) | thread_flags(thrname),
    };
    struct thread *t;
    if (!fun || (mustjoin && !cookie))
        return EINVAL;
    int r = thread_create(&attr, fun, arg, &t);
    if (r < 0)
        return rumpuser__err(r);
    if (rumpuser__verbose)
        kprintf("rumpuser: thread %s (tid %d) prio %d->%d cpu %d%s\n", attr.name, t->tid, priority, attr.prio,
                cpuidx, mustjoin ? " joinable" : "");
    if (mustjoin)
        *cookie = t;
    return 0;
}

/* Called by a thread from rumpuser_thread_create that is done; the rump
 * kernel has already given up its CPU. */
void rumpuser_thread_exit(void)
{
    rumpuser__tls_curlwp = NULL;
    thread_current()->rump_lwp = NULL;
    thread_exit(NULL);
}

/* Waits (without the rump CPU) for a joinable thread; 0 or EINVAL. */
int rumpuser_thread_join(void *cookie)
{
    int r;
    if (!cookie)
        return EINVAL;
    RUMPUSER_BLOCKING(r = thread_join((struct thread *)cookie, NULL));
    return rumpuser__err(r);
}

/* CREATE and DESTROY are informational.  SET binds l to the calling AdrOS
 * thread, which must have none; CLEAR unbinds it and names the current
 * one.  Breaking those rules is a rump kernel bug: panic. */
void rumpuser_curlwpop(int enum_rumplwpop, struct lwp *l)
{
    struct thread *self = thread_current();
    switch (enum_rumplwpop) {
    case RUMPUSER_LWP_CREATE:
    case RUMPUSER_LWP_DESTROY:
        break;
    case RUMPUSER_LWP_SET:
        if (rumpuser__tls_curlwp != NULL || l == NULL)
            panic("rumpuser_curlwpop(SET, %p) on thread %s, which has lwp %p set", (void *)l, self->name,
                  (void *)rumpuser__tls_curlwp);
        rumpuser__tls_curlwp = l;
        self->rump_lwp = l;
        break;
    case RUMPUSER_LWP_CLEAR:
        if (rumpuser__tls_curlwp != l || l == NULL)
            panic("rumpuser_curlwpop(CLEAR, %p) on thread %s, whose lwp is %p", (void *)l, self->name,
                  (void *)rumpuser__tls_curlwp);
        rumpuser__tls_curlwp = NULL;
        self->rump_lwp = NULL;
        break;
    default:
        panic("rumpuser_curlwpop: unknown operation %d", enum_rumplwpop);
    }
}

struct lwp *rumpuser_curlwp(void) { return rumpuser__curlwp(); }
