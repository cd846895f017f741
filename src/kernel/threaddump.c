/* thread_dump(): every thread with its state and, for each one that is not
 * running, where it stopped (a backtrace from the frame its last context
 * switch saved; where that frame chain breaks, a short scan of the stack
 * for return addresses).  The shell's Ctrl-T (BSD's "status" key) and `ps -k` call
 * it: the tool for a hang, when the command that hangs holds the shell.
 *
 * It walks the other threads' stacks with interrupts off, so none of them
 * runs (or exits) meanwhile on this uniprocessor kernel; every frame is
 * checked readable before it is followed (backtrace_from). */
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/sched.h>

/* The frame arch_switch (switch.S) leaves: edi, esi, ebx, ebp, return. */
struct switch_frame {
    uint32_t edi, esi, ebx, ebp, ret;
};

static void dump_one(const struct thread *t, void *ctx)
{
    static const char *const states[] = { "ready", "running", "blocked", "sleeping", "dead" };
    const char *st = t->state >= 0 && t->state <= T_DEAD ? states[t->state] : "?";
    kprintf("thread %d \"%s\" prio %d %s%s%s\n", t->tid, t->name, t->prio, st, t->wq ? " on a wait queue" : "",
            t->killed ? " (killed)" : "");
    if (t == thread_current() && in_interrupt()) {
        /* Ctrl-\ dumps from the console's interrupt: this is the thread it
         * interrupted, the one a starvation keeps running (a ZFS thread at
         * priority 17, 2026-12-07, showed nothing here).  Its callers are
         * on this stack above the interrupt's own frames. */
        kprintf("interrupted; ");
        backtrace_scan_n((uintptr_t)__builtin_frame_address(0), 40);
        return;
    }
    if (t == thread_current() || t->state == T_RUNNING || t->state == T_DEAD || !t->ctx_esp)
        return;
    const struct switch_frame *f = (const struct switch_frame *)t->ctx_esp;
    /* A chain that breaks (NetBSD's code has no frame pointers) goes on
     * as a short stack scan: a rump thread's wait then shows its NetBSD
     * callers (a hang of rel-pressure-ram, 2026-12-07, stopped at
     * docvwait without it). */
    uintptr_t broke = backtrace_from(f->ebp, f->ret);
    if (broke)
        backtrace_scan_n(broke, 10);
}

void thread_dump(void)
{
    kprintf("--- %d threads ---\n", thread_count());
    thread_foreach(dump_one, NULL);
    kprintf("--- end of threads ---\n");
}
