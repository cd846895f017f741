/* Kernel threads and the scheduler.
 *
 * Every thread is a kernel thread in the one kernel address space
 * (PROCESS_FLAG_THREAD); the roadmap's process_* names are kept.  The
 * scheduler is preemptive with strict priorities 1..31 (higher runs
 * first); within a priority the thread that has used the least CPU time
 * runs first, for 10 ms slices, and a thread that wakes takes the CPU from
 * a peer that has used 1 ms more than it (sched.c's header says how sleepers
 * are placed).  Tickless: a one-shot timer is armed for the next sleeper
 * deadline or slice end.  One CPU.
 *
 * Errors and programming errors:
 *   - bad arguments (NULL entry, stack too small, priority out of range,
 *     joining a thread that is not joinable, already joined, or oneself)
 *     return a negative errno (or NULL where the API returns a pointer);
 *   - broken invariants (blocking with interrupts disabled by a spinlock,
 *     exiting the idle thread, a corrupted thread) panic. */
#ifndef ADROS_SCHED_H
#define ADROS_SCHED_H

#include <adros/list.h>
#include <adros/types.h>

#define PRIO_IDLE 0
#define PRIO_MIN 1
#define PRIO_LOW 8
#define PRIO_NORMAL 16
#define PRIO_HIGH 24
#define PRIO_MAX 31
#define NPRIO 32

#define PROCESS_FLAG_THREAD 0x01u   /* a kernel thread (all threads are) */
#define PROCESS_FLAG_JOINABLE 0x02u /* keep it after exit until joined */
#define PROCESS_FLAG_MEMRESERVE 0x04u /* may take the memory reserve (mm.h) */

#define THREAD_STACK_DEFAULT (16u * 1024u)
#define THREAD_STACK_MIN (4u * 1024u)
#define THREAD_STACK_MAX (4u * 1024u * 1024u)
#define THREAD_NAME_MAX 24

enum thread_state { T_READY, T_RUNNING, T_BLOCKED, T_SLEEPING, T_DEAD };

typedef void *(*thread_entry_t)(void *arg);

struct waitq {
    struct list_node waiters;
};
#define WAITQ_INIT(wq) { LIST_INIT((wq).waiters) }

struct thread {
    uint32_t ctx_esp;    /* saved stack pointer (switch.S relies on offset 0) */
    uint32_t tls_tp;     /* thread pointer: %gs base */
    int tid;
    char name[THREAD_NAME_MAX];
    int prio;
    volatile int state;
    uint32_t flags;
    struct list_node rq_node;   /* run queue or wait queue */
    struct list_node all_node;  /* every thread, for ps */
    struct list_node timer_node;
    uint64_t deadline;          /* when timer_node is linked */
    struct waitq *wq;           /* the wait queue it is blocked on */
    int wake_result;            /* 0, -ETIMEDOUT, -EINTR */
    bool interruptible;
    volatile bool killed;
    thread_entry_t entry;
    void *arg;
    void *retval;
    struct waitq join_wq;
    bool joined;
    char *stack;                /* allocation: guard page, then the stack */
    size_t stack_size;
    bool static_stack;          /* the boot stack: not ours to free */
    void *tls_block;
    uint8_t *fpu;               /* 512-byte FXSAVE area, 16-byte aligned */
    bool fpu_valid;             /* fpu holds a saved state */
    uint64_t runtime_ns, switches, start_tsc;
    /* CPU time used, as the scheduler orders threads of one priority by it:
     * the least served runs first (a woken thread is placed no further
     * ahead than SCHED_SLEEPER_CREDIT_NS of the level's least served). */
    uint64_t vruntime;
    uint64_t wake_preemptions;  /* times it took the CPU from a peer on waking */
    /* Lifted by thread_set_priority (the rump layer's spin-mutex ceiling):
     * its place at the priority it came from, for the way back. */
    bool raised;
    int low_prio;
    int64_t low_lag;            /* ns behind (+) or ahead (-) of that level's least served */
    uint64_t raised_vruntime;   /* its vruntime when lifted */
    uint64_t ready_tsc;         /* when it last went into a run queue */
    uint64_t ready_wait_ns;     /* time spent ready, waiting for the CPU */
    uint32_t magic;
    void *rump_lwp;             /* hypercall layer: curlwp (cheap to reach) */
    struct thread *zombie_next;
};

struct thread_attr {
    const char *name;
    int prio;            /* 0: PRIO_NORMAL */
    size_t stack_size;   /* THREAD_STACK_MIN..THREAD_STACK_MAX (0 is an error) */
    uint32_t flags;
};

/* Creates and starts a thread running entry(arg); its return value is its
 * exit value.  attr NULL means defaults (THREAD_STACK_DEFAULT, PRIO_NORMAL,
 * detached).  Returns 0 and *out, or -EINVAL (NULL entry, stack size 0 or
 * out of range, bad priority) / -ENOMEM. */
int thread_create(const struct thread_attr *attr, thread_entry_t entry, void *arg, struct thread **out);
/* The roadmap's name: default stack size; NULL on error. */
struct thread *process_create_kernel(const char *name, thread_entry_t entry, void *arg, int priority,
                                     uint32_t flags);
/* Marks the current thread finished with value retval and wakes its joiner;
 * the caller then calls schedule(), which does not return. */
void process_exit_notify(void *retval);
__noreturn void thread_exit(void *retval);
/* Hooks run by every exiting thread (thread_exit, or returning from its
 * entry) in its own context, interrupts on, before it is marked dead: for
 * subsystems that keep per-thread state (the rump integration releases the
 * thread's rump lwp).  Called newest first; fn may block. */
struct thread_exit_hook {
    void (*fn)(void);
    struct thread_exit_hook *next;
};
void thread_exit_hook_add(struct thread_exit_hook *h);
/* Waits for a joinable thread to finish, returns its exit value through
 * *retval, frees it.  -EINVAL: not joinable, or another thread is joining
 * it; -EDEADLK: oneself; -ESRCH: not a thread (or already joined and
 * freed). */
int thread_join(struct thread *t, void **retval);
/* Asks a thread to stop: sets its kill flag and wakes it from an
 * interruptible wait (which returns -EINTR).  Threads poll thread_killed(). */
int process_kill(struct thread *t);
bool thread_killed(void);

extern struct thread *sched__current;
/* The running thread (NULL before the scheduler starts). */
static inline struct thread *thread_current(void) { return sched__current; }
const char *thread_name(const struct thread *t);
int thread_set_priority(struct thread *t, int prio);
/* Calls fn for every thread (interrupts off during the walk: keep fn short). */
void thread_foreach(void (*fn)(const struct thread *t, void *ctx), void *ctx);
int thread_count(void);
/* The CPU time t has used as the scheduler orders it (vruntime), its
 * current run included when it is the calling thread. */
uint64_t thread_vruntime(const struct thread *t);
/* Prints every thread, its state and where each waiting one stopped (a
 * backtrace): the shell's Ctrl-T and `ps -k` (src/kernel/threaddump.c). */
void thread_dump(void);

/* Gives up the CPU to the next thread to run, which may be the caller
 * (schedule() is the roadmap's name for the switch).  yield() gives it to
 * another ready thread of the caller's priority if there is one, even one
 * that has used more CPU time (a spin-wait's way to let its peer on). */
void schedule(void);
void yield(void);
/* Sleeps at least ns nanoseconds / until the monotonic clock reaches
 * deadline_ns.  Returns 0, or -EINTR if killed. */
int process_sleep(uint64_t ns);
int process_sleep_until(uint64_t deadline_ns);
/* The monotonic time ns from now, saturating at UINT64_MAX ("never"). */
uint64_t sched_deadline_after(uint64_t ns);

/* Wait queues: the primitive under every blocking lock.  Call with
 * interrupts disabled (irq_save); returns with them still disabled.
 * deadline_ns 0 means none.  Returns 0 (woken), -ETIMEDOUT, -EINTR. */
void waitq_init(struct waitq *wq);
int waitq_wait(struct waitq *wq, uint64_t deadline_ns, bool interruptible);
/* Wake one (the longest waiting) / all; returns how many were woken.  Any
 * context, interrupts included. */
int waitq_wake_one(struct waitq *wq);
int waitq_wake_all(struct waitq *wq);
bool waitq_empty(const struct waitq *wq);
/* After waking threads from thread context: switch now if one of them
 * should preempt the caller. */
void sched_preempt_check(void);

void sched_init(void);
void sched_start_timer(void);
bool sched_ready(void);
void sched_irq_exit(void);  /* arch: at the end of an interrupt */
bool sched_addr_in_guard(uintptr_t addr);
uint64_t sched_context_switches(void);
/* Number of times the one-shot timer fired. */
uint64_t sched_timer_interrupts(void);

#endif
