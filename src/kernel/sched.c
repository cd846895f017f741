/* Threads and the scheduler (see sched.h for the contract).
 *
 * One CPU.  Every scheduler structure below is protected by disabling
 * interrupts: the run queues, the timer list, wait queues, thread states.
 * Code that blocks does so with interrupts off (waitq_wait), which is what
 * makes "check the condition, then sleep" free of lost wakeups.
 *
 * Priorities are strict: the highest ready priority runs.  Within one
 * priority the thread that has used the least CPU time (its vruntime) runs
 * first, and a thread that wakes preempts a peer of its priority that has
 * used SCHED_WAKEUP_GRAN_NS more than it: a command that sleeps between
 * short bursts (ping, the shell) does not wait out the slice of one that
 * computes (cat /dev/zero, cp).  A thread that slept long is placed
 * SCHED_SLEEPER_CREDIT_NS behind the level's least served thread, not
 * ahead by everything it did not use, so a sleeper cannot take the CPU for
 * long; a new thread starts level with the least served.
 *
 * Preemption happens at the end of an interrupt (sched_irq_exit) when a
 * thread to prefer became ready or the current slice ran out, and in
 * thread context after a wakeup (sched_preempt_check). */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/platform.h>
#include <adros/sched.h>
#include <adros/spinlock.h>
#include <adros/string.h>

#define SLICE_NS (10 * NSEC_PER_MSEC)
#define TIMER_MAX_NS (50 * NSEC_PER_MSEC)
/* A timer interrupt reaches the guest some tens to hundreds of microseconds
 * after its moment under emulation (and the halted CPU must wake first).
 * So a sleeper's interrupt is asked for EARLY_NS ahead, and when the CPU is
 * otherwise idle, the idle thread spins out the remaining time on the
 * clock and wakes the sleeper itself, at its deadline.  Never early: only
 * the clock decides when a deadline has passed. */
#define EARLY_NS (300 * NSEC_PER_USEC)
#define SCHED_WAKEUP_GRAN_NS (1 * NSEC_PER_MSEC)
#define SCHED_SLEEPER_CREDIT_NS (SLICE_NS / 2)
/* Where every level's vruntime starts: far enough from 0 that a place
 * behind a level's least served never needs clamping (a thread moved to a
 * level whose threads have run less than the credit would lose its
 * place). */
#define SCHED_VRUNTIME_BASE (1ull << 40)
#define THREAD_MAGIC 0x7468720au

extern char _tdata_start[], _tdata_end[], _tbss_end[];
extern char boot_stack_bottom[], boot_stack_top[];

struct thread *sched__current; /* thread_current(); written only here */
#define current sched__current
static struct thread *idle_thread;
static struct list_node runq[NPRIO];
static uint32_t ready_mask;          /* bit p: runq[p] not empty */
static uint64_t min_vruntime[NPRIO]; /* per level, never decreasing */
static struct thread *yield_skip;    /* yield(): pick another of its level */
static struct list_node timers = LIST_INIT(timers);
static struct list_node all_threads = LIST_INIT(all_threads);
static struct thread *zombies;       /* dead detached threads to free */
static bool need_resched;
static bool started;
static uint64_t slice_end;
static uint64_t armed_at = UINT64_MAX; /* deadline the one-shot timer is set for */
static uint64_t nswitches, ntimer;
static int next_tid;
static int nthreads;
static size_t tls_size;

/* ---- run queues ---- */

static void rq_push(struct thread *t, bool front)
{
    t->ready_tsc = arch_cycles();
    if (front)
        list_push_front(&runq[t->prio], &t->rq_node);
    else
        list_push_back(&runq[t->prio], &t->rq_node);
    ready_mask |= 1u << t->prio;
}

/* The least served thread of the highest ready level (the first queued of
 * equals), other than skip when the level has another. */
static struct thread *rq_pop_highest(struct thread *skip)
{
    if (!ready_mask)
        return NULL;
    int p = 31 - __builtin_clz(ready_mask);
    struct thread *best = NULL;
    struct list_node *it;
    list_for_each(it, &runq[p])
    {
        struct thread *t = list_entry(it, struct thread, rq_node);
        if (t != skip && (!best || t->vruntime < best->vruntime))
            best = t;
    }
    if (!best)
        best = skip;
    list_remove(&best->rq_node);
    best->ready_wait_ns += clock_cycles_to_ns(arch_cycles() - best->ready_tsc);
    if (list_empty(&runq[p]))
        ready_mask &= ~(1u << p);
    if (best->vruntime > min_vruntime[p])
        min_vruntime[p] = best->vruntime;
    return best;
}

static void rq_remove(struct thread *t)
{
    list_remove(&t->rq_node);
    if (list_empty(&runq[t->prio]))
        ready_mask &= ~(1u << t->prio);
}

/* Is a thread of priority >= prio waiting to run? */
static bool contended(int prio) { return prio < NPRIO && (ready_mask >> prio) != 0; }

/* ---- the one-shot timer ---- */

static void timer_add(struct thread *t, uint64_t deadline)
{
    t->deadline = deadline;
    struct list_node *it;
    list_for_each(it, &timers)
    {
        if (list_entry(it, struct thread, timer_node)->deadline > deadline)
            break;
    }
    list_insert_after(it->prev, &t->timer_node);
}

static void timer_del(struct thread *t)
{
    if (list_linked(&t->timer_node))
        list_remove(&t->timer_node);
}

/* Arms the one-shot timer for the next event: the earliest sleeper, or the
 * end of the current slice when another thread could use the CPU. */
static void program_timer(void)
{
    if (!started)
        return;
    uint64_t now = clock_gettime_ns();
    uint64_t next = now + TIMER_MAX_NS;
    if (!list_empty(&timers)) {
        uint64_t d = list_entry(timers.next, struct thread, timer_node)->deadline;
        /* Early, unless that moment has passed (then at the deadline: an
         * early interrupt re-armed "early" again would fire continuously). */
        if (d > now + EARLY_NS)
            d -= EARLY_NS;
        if (d < next)
            next = d;
    }
    if (current != idle_thread && contended(current->prio) && slice_end < next)
        next = slice_end;
    /* Already armed for this or an earlier (still future) moment? */
    if (armed_at > now && armed_at <= next)
        return;
    armed_at = next;
    timer_oneshot(next > now ? next - now : 0);
}

/* ---- making threads ready ---- */

static bool in_timer_event; /* sched_timer_event re-arms once at its end */

/* The running thread's vruntime, counting its current run. */
static uint64_t current_vruntime(void)
{
    return current->vruntime + clock_cycles_to_ns(arch_cycles() - current->start_tsc);
}

/* The least CPU time used among the level's runnable threads (the running
 * one included, with its current run), kept never decreasing.  Interrupts
 * off. */
static uint64_t level_min_vruntime(int p)
{
    uint64_t m = UINT64_MAX;
    if (current->prio == p && current->state == T_RUNNING && current != idle_thread)
        m = current_vruntime();
    struct list_node *it;
    list_for_each(it, &runq[p])
    {
        uint64_t v = list_entry(it, struct thread, rq_node)->vruntime;
        if (v < m)
            m = v;
    }
    if (m != UINT64_MAX && m > min_vruntime[p])
        min_vruntime[p] = m;
    return min_vruntime[p];
}

/* A thread that blocked or slept is ready again (woken), or a new one is
 * (which waits for the running peer's slice, as if queued behind it). */
static void make_ready_as(struct thread *t, bool woken)
{
    uint64_t floor = level_min_vruntime(t->prio);
    floor = floor > SCHED_SLEEPER_CREDIT_NS ? floor - SCHED_SLEEPER_CREDIT_NS : 0;
    if (t->vruntime < floor)
        t->vruntime = floor;
    t->state = T_READY;
    rq_push(t, false);
    if (t->prio > current->prio || current == idle_thread) {
        need_resched = true;
    } else if (t->prio == current->prio) {
        if (woken && !current->raised && t->vruntime + SCHED_WAKEUP_GRAN_NS < current_vruntime()) {
            need_resched = true;
            t->wake_preemptions++;
        } else if (!in_timer_event) {
            program_timer(); /* the slice end now matters */
        }
    }
}

static void make_ready(struct thread *t) { make_ready_as(t, true); }

/* ---- switching ---- */

static void free_thread(struct thread *t);

static void reap_zombies(void)
{
    while (zombies) {
        struct thread *z = zombies;
        zombies = z->zombie_next;
        free_thread(z);
    }
}

/* Picks the next thread and switches to it.  Interrupts off; the caller has
 * already set current's state (and queued it if it stays runnable). */
static void switch_to_next(void)
{
    struct thread *prev = current;
    /* Charge prev's run first: the pick compares it with its peers. */
    uint64_t now_c = arch_cycles();
    uint64_t ran = clock_cycles_to_ns(now_c - prev->start_tsc);
    prev->runtime_ns += ran;
    prev->vruntime += ran;
    prev->start_tsc = now_c;
    struct thread *next = rq_pop_highest(yield_skip);
    yield_skip = NULL;
    if (!next)
        next = idle_thread;
    need_resched = false;
    if (next == prev) {
        prev->state = T_RUNNING;
        slice_end = clock_gettime_ns() + SLICE_NS;
        return;
    }
    next->start_tsc = now_c;
    next->state = T_RUNNING;
    next->switches++;
    nswitches++;
    slice_end = clock_gettime_ns() + SLICE_NS;
    if (prev->state == T_DEAD && !(prev->flags & PROCESS_FLAG_JOINABLE)) {
        prev->zombie_next = zombies;
        zombies = prev;
    }
    current = next;
    arch_set_thread_pointer(next->tls_tp);
    arch_fpu_switch(prev, next);
    arch_switch(prev, next);
    /* Running as prev again (or as a new thread, in the trampoline). */
    reap_zombies();
    program_timer();
}

static void thread_trampoline(void)
{
    reap_zombies();
    program_timer();
    struct thread *t = current;
    irq_enable();
    thread_exit(t->entry(t->arg));
}

void schedule(void)
{
    if (in_interrupt())
        panic("schedule() called from an interrupt handler");
    irqflags_t f = irq_save();
    struct thread *t = current;
    if (t->state == T_RUNNING && t != idle_thread) {
        t->state = T_READY;
        rq_push(t, false);
    }
    switch_to_next();
    irq_restore(f);
}

/* Gives the CPU to another ready thread of the same (or a higher)
 * priority, even one that has used more CPU time. */
void yield(void)
{
    irqflags_t f = irq_save();
    yield_skip = current;
    schedule();
    irq_restore(f);
}

void sched_irq_exit(void)
{
    if (!started || !need_resched)
        return;
    struct thread *t = current;
    if (t->state == T_RUNNING && t != idle_thread) {
        t->state = T_READY;
        rq_push(t, false);
    }
    switch_to_next();
}

void sched_preempt_check(void)
{
    if (!started || !need_resched || in_interrupt())
        return;
    if (!irqs_enabled())
        return; /* the caller holds interrupts off: preempted later */
    schedule();
}

/* Wakes every sleeper whose deadline has passed.  Interrupts off. */
static void expire_timers(uint64_t now)
{
    in_timer_event = true;
    while (!list_empty(&timers)) {
        struct thread *t = list_entry(timers.next, struct thread, timer_node);
        if (t->deadline > now)
            break;
        list_remove(&t->timer_node);
        if (t->state == T_BLOCKED) {
            list_remove(&t->rq_node); /* from its wait queue */
            t->wq = NULL;
            t->wake_result = -ETIMEDOUT;
        } else {
            t->wake_result = 0;
        }
        make_ready(t);
    }
    in_timer_event = false;
}

void sched_timer_event(void)
{
    ntimer++;
    armed_at = UINT64_MAX;
    uint64_t now = clock_gettime_ns();
    expire_timers(now);
    if (current != idle_thread && now >= slice_end && contended(current->prio))
        need_resched = true;
    program_timer();
}

/* Idle thread, interrupts off, nothing ready: if the next sleeper is due
 * within EARLY_NS, spin until its deadline (interrupts on meanwhile, so any
 * other event is taken) and wake it.  Returns false when there is no such
 * sleeper (then the CPU halts until the next interrupt). */
static bool idle_spin_to_deadline(void)
{
    if (list_empty(&timers))
        return false;
    uint64_t d = list_entry(timers.next, struct thread, timer_node)->deadline;
    uint64_t now = clock_gettime_ns();
    if (d > now + EARLY_NS)
        return false;
    irq_enable();
    while (!ready_mask && clock_gettime_ns() < d)
        arch_cpu_relax();
    irq_save();
    expire_timers(clock_gettime_ns());
    program_timer();
    return true;
}

/* ---- sleeping and wait queues ---- */

void waitq_init(struct waitq *wq) { list_init(&wq->waiters); }
bool waitq_empty(const struct waitq *wq) { return list_empty(&wq->waiters); }

static void check_can_block(void)
{
    if (irqs_enabled())
        panic("blocking with interrupts enabled (call waitq_wait under irq_save)");
    if (in_interrupt())
        panic("blocking in an interrupt handler");
    if (spin_depth())
        panic("blocking while holding a spinlock");
    if (!started || current == idle_thread)
        panic("blocking in the %s", started ? "idle thread" : "boot code before the scheduler");
}

int waitq_wait(struct waitq *wq, uint64_t deadline_ns, bool interruptible)
{
    check_can_block();
    struct thread *t = current;
    if (interruptible && t->killed)
        return -EINTR;
    if (deadline_ns && deadline_ns <= clock_gettime_ns())
        return -ETIMEDOUT;
    t->state = T_BLOCKED;
    t->wq = wq;
    t->interruptible = interruptible;
    t->wake_result = 0;
    list_push_back(&wq->waiters, &t->rq_node);
    if (deadline_ns) {
        timer_add(t, deadline_ns);
        program_timer();
    }
    switch_to_next();
    return t->wake_result;
}

static void wake(struct thread *t, int result)
{
    list_remove(&t->rq_node);
    timer_del(t);
    t->wq = NULL;
    t->wake_result = result;
    make_ready(t);
}

/* An empty queue is answered without masking interrupts (each `sti` is
 * costly under QEMU TCG, and most wakeups find nobody): every waiter
 * tests its condition and queues itself with interrupts off, so on our
 * one CPU it is either queued already or will see what the caller changed
 * before calling, which the fence keeps before the test. */
static inline bool nobody_waits(const struct waitq *wq)
{
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    return list_empty(&wq->waiters);
}

int waitq_wake_one(struct waitq *wq)
{
    if (nobody_waits(wq))
        return 0;
    irqflags_t f = irq_save();
    int n = 0;
    if (!list_empty(&wq->waiters)) {
        wake(list_entry(wq->waiters.next, struct thread, rq_node), 0);
        n = 1;
    }
    irq_restore(f);
    return n;
}

int waitq_wake_all(struct waitq *wq)
{
    if (nobody_waits(wq))
        return 0;
    irqflags_t f = irq_save();
    int n = 0;
    while (!list_empty(&wq->waiters)) {
        wake(list_entry(wq->waiters.next, struct thread, rq_node), 0);
        n++;
    }
    irq_restore(f);
    return n;
}

int process_sleep_until(uint64_t deadline_ns)
{
    irqflags_t f = irq_save();
    check_can_block();
    struct thread *t = current;
    int r = 0;
    if (t->killed) {
        r = -EINTR;
    } else if (deadline_ns > clock_gettime_ns()) {
        t->state = T_SLEEPING;
        t->interruptible = true;
        t->wake_result = 0;
        timer_add(t, deadline_ns);
        program_timer();
        switch_to_next();
        r = t->wake_result;
    }
    irq_restore(f);
    return r;
}

/* now + ns, saturating: a "forever" timeout must not wrap into the past. */
uint64_t sched_deadline_after(uint64_t ns)
{
    uint64_t now = clock_gettime_ns();
    return ns > UINT64_MAX - now ? UINT64_MAX : now + ns;
}

int process_sleep(uint64_t ns) { return process_sleep_until(sched_deadline_after(ns)); }

/* ---- creating, exiting, joining ---- */

static void *alloc_tls(uint32_t *tp)
{
    char *blk = kmalloc_aligned(tls_size + 16, 16);
    if (!blk)
        return NULL;
    size_t init = (size_t)(_tdata_end - _tdata_start);
    memcpy(blk, _tdata_start, init);
    memset(blk + init, 0, tls_size - init + 16);
    uint32_t p = (uint32_t)(blk + tls_size);
    *(uint32_t *)p = p; /* %gs:0 holds the thread pointer itself */
    *tp = p;
    return blk;
}

static void free_thread(struct thread *t)
{
    list_remove(&t->all_node);
    nthreads--;
    if (t->stack && !t->static_stack) {
        vmm_set_present((vaddr_t)t->stack - PAGE_SIZE, true);
        kfree(t->stack - PAGE_SIZE);
    }
    kfree(t->fpu);
    kfree(t->tls_block);
    t->magic = 0;
    kfree(t);
}

int thread_create(const struct thread_attr *attr, thread_entry_t entry, void *arg, struct thread **out)
{
    struct thread_attr a = attr ? *attr : (struct thread_attr){ .stack_size = THREAD_STACK_DEFAULT };
    if (!entry || !started)
        return -EINVAL;
    if (a.prio == 0)
        a.prio = PRIO_NORMAL;
    if (a.prio < PRIO_MIN || a.prio > PRIO_MAX)
        return -EINVAL;
    if (a.stack_size < THREAD_STACK_MIN || a.stack_size > THREAD_STACK_MAX)
        return -EINVAL;
    a.stack_size = ALIGN_UP(a.stack_size, PAGE_SIZE);

    struct thread *t = kzalloc(sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->fpu = kmalloc_aligned(arch_fpu_state_size(), 16);
    t->tls_block = alloc_tls(&t->tls_tp);
    char *stk = kmalloc_aligned(a.stack_size + PAGE_SIZE, PAGE_SIZE);
    if (!t->fpu || !t->tls_block || !stk) {
        kfree(t->fpu);
        kfree(t->tls_block);
        kfree(stk);
        kfree(t);
        return -ENOMEM;
    }
    vmm_set_present((vaddr_t)stk, false); /* the guard page */
    t->stack = stk + PAGE_SIZE;
    t->stack_size = a.stack_size;
    t->magic = THREAD_MAGIC;
    strlcpy(t->name, a.name ? a.name : "thread", sizeof(t->name));
    t->prio = a.prio;
    t->flags = a.flags | PROCESS_FLAG_THREAD;
    t->entry = entry;
    t->arg = arg;
    list_init(&t->rq_node);
    list_init(&t->timer_node);
    waitq_init(&t->join_wq);
    arch_thread_init_stack(t, thread_trampoline);

    irqflags_t f = irq_save();
    t->vruntime = level_min_vruntime(a.prio);
    t->tid = next_tid++;
    list_push_back(&all_threads, &t->all_node);
    nthreads++;
    make_ready_as(t, false);
    irq_restore(f);
    if (out)
        *out = t;
    sched_preempt_check();
    return 0;
}

struct thread *process_create_kernel(const char *name, thread_entry_t entry, void *arg, int priority,
                                     uint32_t flags)
{
    struct thread_attr a = { .name = name, .prio = priority, .stack_size = THREAD_STACK_DEFAULT, .flags = flags };
    struct thread *t = NULL;
    return thread_create(&a, entry, arg, &t) == 0 ? t : NULL;
}

void process_exit_notify(void *retval)
{
    irq_save(); /* stays off: schedule() follows and never returns */
    struct thread *t = current;
    if (t == idle_thread || !started)
        panic("process_exit_notify from the %s", t == idle_thread ? "idle thread" : "boot code");
    t->retval = retval;
    t->state = T_DEAD;
    timer_del(t);
    arch_fpu_thread_exit(t);
    if (t->flags & PROCESS_FLAG_JOINABLE) {
        while (!list_empty(&t->join_wq.waiters))
            wake(list_entry(t->join_wq.waiters.next, struct thread, rq_node), 0);
    }
}

static struct thread_exit_hook *exit_hooks;

void thread_exit_hook_add(struct thread_exit_hook *h)
{
    irqflags_t f = irq_save();
    h->next = exit_hooks;
    exit_hooks = h;
    irq_restore(f);
}

void thread_exit(void *retval)
{
    for (struct thread_exit_hook *h = exit_hooks; h; h = h->next)
        h->fn();
    process_exit_notify(retval);
    schedule();
    panic("a dead thread was scheduled");
}

static bool thread_valid(const struct thread *t)
{
    struct list_node *it;
    list_for_each(it, &all_threads)
    {
        if (list_entry(it, struct thread, all_node) == t)
            return t->magic == THREAD_MAGIC;
    }
    return false;
}

int thread_join(struct thread *t, void **retval)
{
    irqflags_t f = irq_save();
    if (!t || !thread_valid(t)) {
        irq_restore(f);
        return -ESRCH;
    }
    if (t == current) {
        irq_restore(f);
        return -EDEADLK;
    }
    if (!(t->flags & PROCESS_FLAG_JOINABLE) || t->joined) {
        irq_restore(f);
        return -EINVAL;
    }
    t->joined = true;
    while (t->state != T_DEAD)
        waitq_wait(&t->join_wq, 0, false);
    if (retval)
        *retval = t->retval;
    free_thread(t);
    irq_restore(f);
    return 0;
}

int process_kill(struct thread *t)
{
    irqflags_t f = irq_save();
    if (!t || !thread_valid(t)) {
        irq_restore(f);
        return -ESRCH;
    }
    t->killed = true;
    if ((t->state == T_BLOCKED || t->state == T_SLEEPING) && t->interruptible) {
        if (t->state == T_BLOCKED)
            wake(t, -EINTR);
        else {
            timer_del(t);
            t->wake_result = -EINTR;
            make_ready(t);
        }
    }
    irq_restore(f);
    sched_preempt_check();
    return 0;
}

bool thread_killed(void) { return current && current->killed; }

/* ---- queries ---- */

const char *thread_name(const struct thread *t) { return t ? t->name : NULL; }
bool sched_ready(void) { return started; }
uint64_t sched_context_switches(void) { return nswitches; }
uint64_t sched_timer_interrupts(void) { return ntimer; }
int thread_count(void) { return nthreads; }

uint64_t thread_vruntime(const struct thread *t)
{
    irqflags_t f = irq_save();
    uint64_t v = t == current ? current_vruntime() : t->vruntime;
    irq_restore(f);
    return v;
}

int thread_set_priority(struct thread *t, int prio)
{
    if (prio < PRIO_MIN || prio > PRIO_MAX || !t)
        return -EINVAL;
    irqflags_t f = irq_save();
    if (prio != t->prio) {
        /* Its place among its new peers.  Lifted (the rump layer's ceiling
         * for NetBSD's spin mutexes, rumpuser_sync.c, many times a system
         * call), it goes first among them, as a woken sleeper would, and
         * none of them takes the CPU from it by waking (make_ready_as): the
         * ceiling is there so that the interrupt threads wait for it.  Back
         * down, it has its old place again, plus the CPU time it used up
         * there; otherwise a command that takes spin mutexes would lose its
         * place behind a computing peer each time.  Any other change keeps
         * its place relative to the least served (a sleeper's credit at
         * most ahead). */
        uint64_t live = t == current ? clock_cycles_to_ns(arch_cycles() - t->start_tsc) : 0;
        uint64_t cur = t->vruntime + live;
        int64_t lag = (int64_t)(cur - min_vruntime[t->prio]);
        if (lag < -(int64_t)SCHED_SLEEPER_CREDIT_NS)
            lag = -(int64_t)SCHED_SLEEPER_CREDIT_NS;
        uint64_t to = level_min_vruntime(prio);
        uint64_t v;
        if (prio > t->prio) {
            v = to - SCHED_SLEEPER_CREDIT_NS;
            if (!t->raised) {
                t->raised = true;
                t->low_prio = t->prio;
                t->low_lag = lag;
                t->raised_vruntime = v;
            }
        } else if (t->raised && prio <= t->low_prio) {
            if (prio == t->low_prio)
                lag = t->low_lag + (int64_t)(cur - t->raised_vruntime);
            if (lag < -(int64_t)SCHED_SLEEPER_CREDIT_NS)
                lag = -(int64_t)SCHED_SLEEPER_CREDIT_NS;
            t->raised = false;
            v = to + (uint64_t)lag;
        } else {
            v = to + (uint64_t)lag;
        }
        if (t->state == T_READY)
            rq_remove(t);
        t->vruntime = v - MIN(v, live); /* current_vruntime() adds the live part */
        t->prio = prio;
        if (t->state == T_READY)
            rq_push(t, false);
    }
    if (contended(current->prio + 1))
        need_resched = true;
    irq_restore(f);
    sched_preempt_check();
    return 0;
}

void thread_foreach(void (*fn)(const struct thread *t, void *ctx), void *ctx)
{
    irqflags_t f = irq_save();
    struct list_node *it;
    list_for_each(it, &all_threads) fn(list_entry(it, struct thread, all_node), ctx);
    irq_restore(f);
}

bool sched_addr_in_guard(uintptr_t addr)
{
    if (!started)
        return false;
    struct list_node *it;
    list_for_each(it, &all_threads)
    {
        struct thread *t = list_entry(it, struct thread, all_node);
        if (t->stack && addr >= (uintptr_t)t->stack - PAGE_SIZE && addr < (uintptr_t)t->stack)
            return true;
    }
    return false;
}

/* ---- start-up ---- */

static void *idle_loop(void *arg)
{
    for (;;) {
        irq_save();
        reap_zombies();
        if (ready_mask)
            switch_to_next();
        else if (!idle_spin_to_deadline())
            arch_idle();
        irq_enable();
    }
    return NULL;
}

void sched_init(void)
{
    for (int p = 0; p < NPRIO; p++) {
        list_init(&runq[p]);
        min_vruntime[p] = SCHED_VRUNTIME_BASE;
    }
    tls_size = (size_t)(_tbss_end - _tdata_start);
    KASSERT((tls_size & 15) == 0);

    /* The boot context becomes the thread "main".  Its struct is on the
     * heap like any other (it may exit and be reaped); its stack is the
     * boot stack in .bss, with a guard page below it. */
    struct thread *m = kzalloc(sizeof(*m));
    if (!m)
        panic("sched: out of memory at boot");
    m->stack = boot_stack_bottom;
    m->stack_size = (size_t)(boot_stack_top - boot_stack_bottom);
    m->static_stack = true;
    vmm_set_present((vaddr_t)boot_stack_bottom - PAGE_SIZE, false);
    m->magic = THREAD_MAGIC;
    strlcpy(m->name, "main", sizeof(m->name));
    m->prio = PRIO_NORMAL;
    m->vruntime = SCHED_VRUNTIME_BASE;
    m->state = T_RUNNING;
    m->flags = PROCESS_FLAG_THREAD;
    m->fpu = kmalloc_aligned(arch_fpu_state_size(), 16);
    m->tls_block = alloc_tls(&m->tls_tp);
    if (!m->fpu || !m->tls_block)
        panic("sched: out of memory at boot");
    m->tid = next_tid++;
    m->start_tsc = arch_cycles();
    list_init(&m->rq_node);
    list_init(&m->timer_node);
    waitq_init(&m->join_wq);
    list_push_back(&all_threads, &m->all_node);
    nthreads = 1;
    current = m;
    arch_set_thread_pointer(m->tls_tp);
    started = true;

    struct thread_attr ia = { .name = "idle", .prio = PRIO_MIN, .stack_size = 8192, .flags = 0 };
    struct thread *idle;
    if (thread_create(&ia, idle_loop, NULL, &idle) != 0)
        panic("sched: cannot create the idle thread");
    /* The idle thread lives outside the run queues, below every priority. */
    irqflags_t f = irq_save();
    rq_remove(idle);
    idle->prio = PRIO_IDLE;
    idle->state = T_READY;
    idle_thread = idle;
    need_resched = false;
    irq_restore(f);
}

void sched_start_timer(void)
{
    timer_init();
    irqflags_t f = irq_save();
    slice_end = clock_gettime_ns() + SLICE_NS;
    program_timer();
    irq_restore(f);
}
