/* Mutexes, semaphores, condition variables and rwlocks on wait queues.
 * See sync.h for the contract.  One CPU: interrupts off is the lock on
 * every field here, and each blocking loop re-tests its condition after
 * waking, since a wakeup only means "look again". */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/sync.h>

/* ---- kmutex ---- */

static inline struct thread *owner_of(uintptr_t w) { return (struct thread *)(w & ~KMUTEX_WAITERS); }

void kmutex_init(kmutex_t *m, const char *name)
{
    m->owner = 0;
    waitq_init(&m->wq);
    m->name = name;
}

/* The fast paths (sync.h) mask no interrupts: under QEMU TCG each `sti`
 * ends a translation block and goes back to QEMU's main loop, which made
 * the masking in every uncontended lock and unlock one of the larger costs
 * of a NetBSD file read (docs/PERFORMANCE.md section 1, "Where a rump
 * request's time goes on AdrOS").  The word changes only by
 * compare-and-swap outside, and only with interrupts off here, where the
 * holder cannot run on our one CPU. */
void kmutex__lock_slow(kmutex_t *m)
{
    struct thread *self = thread_current();
    if (owner_of(m->owner) == self)
        panic("kmutex %s: recursive lock by %s", m->name ? m->name : "?", self->name);
    irqflags_t f = irq_save();
    /* Ownership is handed to us directly by the unlock. */
    while (owner_of(m->owner) != self) {
        if (m->owner == 0) {
            m->owner = (uintptr_t)self; /* released before we got here */
            break;
        }
        m->owner |= KMUTEX_WAITERS;
        waitq_wait(&m->wq, 0, false);
    }
    irq_restore(f);
}

void kmutex__unlock_slow(kmutex_t *m)
{
    struct thread *self = thread_current();
    irqflags_t f = irq_save();
    struct thread *holder = owner_of(m->owner);
    if (holder != self)
        panic("kmutex %s: unlocked by %s, but %s%s", m->name ? m->name : "?", self ? self->name : "?",
              holder ? "held by " : "not held", holder ? holder->name : "");
    if (waitq_empty(&m->wq)) {
        m->owner = 0;
    } else {
        /* Ownership goes straight to the first waiter, still marked
         * contended when others wait behind it. */
        struct thread *next = list_entry(m->wq.waiters.next, struct thread, rq_node);
        bool more = next->rq_node.next != &m->wq.waiters;
        m->owner = (uintptr_t)next | (more ? KMUTEX_WAITERS : 0);
        waitq_wake_one(&m->wq);
    }
    irq_restore(f);
    sched_preempt_check();
}

/* ---- ksem ---- */

void ksem_init(ksem_t *s, int count)
{
    if (count < 0)
        panic("ksem_init: negative count %d", count);
    s->count = count;
    waitq_init(&s->wq);
}

int ksem_down_until(ksem_t *s, uint64_t deadline)
{
    irqflags_t f = irq_save();
    int r = 0;
    while (s->count == 0) {
        r = waitq_wait(&s->wq, deadline, false);
        if (r == -ETIMEDOUT && s->count == 0)
            break;
        r = 0;
    }
    if (r == 0)
        s->count--;
    irq_restore(f);
    return r;
}

int ksem_down(ksem_t *s) { return ksem_down_until(s, 0); }

int ksem_down_timeout(ksem_t *s, uint64_t ns) { return ksem_down_until(s, sched_deadline_after(ns)); }

int ksem_trydown(ksem_t *s)
{
    irqflags_t f = irq_save();
    int r = -EAGAIN;
    if (s->count > 0) {
        s->count--;
        r = 0;
    }
    irq_restore(f);
    return r;
}

void ksem_up(ksem_t *s)
{
    irqflags_t f = irq_save();
    s->count++;
    waitq_wake_one(&s->wq);
    irq_restore(f);
    sched_preempt_check();
}

int ksem_value(const ksem_t *s) { return s->count; }

/* ---- kcond ---- */

void kcond_init(kcond_t *c) { waitq_init(&c->wq); }

int kcond_wait_until(kcond_t *c, kmutex_t *m, uint64_t deadline)
{
    if (!kmutex_held(m))
        panic("kcond_wait: interlock mutex %s not held by the caller", m->name ? m->name : "?");
    irqflags_t f = irq_save();
    if (deadline && deadline <= clock_gettime_ns()) {
        irq_restore(f);
        return -ETIMEDOUT;
    }
    /* Releasing the mutex and queueing happen with interrupts off, so no
     * signal can fall between them. */
    kmutex_unlock(m);
    int r = waitq_wait(&c->wq, deadline, false);
    irq_restore(f);
    kmutex_lock(m);
    return r == -ETIMEDOUT ? -ETIMEDOUT : 0;
}

void kcond_wait(kcond_t *c, kmutex_t *m) { (void)kcond_wait_until(c, m, 0); }

int kcond_timedwait(kcond_t *c, kmutex_t *m, uint64_t ns)
{
    return kcond_wait_until(c, m, sched_deadline_after(ns));
}

void kcond_signal(kcond_t *c)
{
    waitq_wake_one(&c->wq);
    sched_preempt_check();
}

void kcond_broadcast(kcond_t *c)
{
    waitq_wake_all(&c->wq);
    sched_preempt_check();
}

bool kcond_has_waiters(const kcond_t *c) { return !waitq_empty(&c->wq); }

/* ---- krwlock ---- */

void krw_init(krwlock_t *l)
{
    l->readers = 0;
    l->writer = NULL;
    l->writers_waiting = 0;
    waitq_init(&l->rq);
    waitq_init(&l->wq);
}

static bool can_read(const krwlock_t *l) { return !l->writer && l->writers_waiting == 0; }
static bool can_write(const krwlock_t *l) { return !l->writer && l->readers == 0; }

void krw_enter(krwlock_t *l, enum krw_op op)
{
    struct thread *self = thread_current();
    irqflags_t f = irq_save();
    if (l->writer == self)
        panic("krwlock: %s enter by the thread holding it as writer", op == KRW_READER ? "reader" : "writer");
    if (op == KRW_READER) {
        while (!can_read(l))
            waitq_wait(&l->rq, 0, false);
        l->readers++;
    } else {
        l->writers_waiting++;
        while (!can_write(l))
            waitq_wait(&l->wq, 0, false);
        l->writers_waiting--;
        l->writer = self;
    }
    irq_restore(f);
}

bool krw_tryenter(krwlock_t *l, enum krw_op op)
{
    irqflags_t f = irq_save();
    bool ok;
    if (op == KRW_READER) {
        ok = can_read(l);
        if (ok)
            l->readers++;
    } else {
        ok = can_write(l);
        if (ok)
            l->writer = thread_current();
    }
    irq_restore(f);
    return ok;
}

/* Interrupts off.  Wakes whoever may now proceed. */
static void rw_wake(krwlock_t *l)
{
    if (l->writer)
        return;
    if (l->writers_waiting) {
        if (l->readers == 0)
            waitq_wake_one(&l->wq);
    } else {
        waitq_wake_all(&l->rq);
    }
}

bool krw_tryupgrade(krwlock_t *l)
{
    irqflags_t f = irq_save();
    if (l->readers <= 0 || l->writer)
        panic("krw_tryupgrade: the lock is not held as reader");
    bool ok = l->readers == 1;
    if (ok) {
        l->readers = 0;
        l->writer = thread_current();
    }
    irq_restore(f);
    return ok;
}

void krw_downgrade(krwlock_t *l)
{
    irqflags_t f = irq_save();
    if (l->writer != thread_current())
        panic("krw_downgrade: the caller does not hold the lock as writer");
    l->writer = NULL;
    l->readers = 1;
    if (!l->writers_waiting)
        waitq_wake_all(&l->rq);
    irq_restore(f);
    sched_preempt_check();
}

void krw_exit(krwlock_t *l)
{
    irqflags_t f = irq_save();
    if (l->writer) {
        if (l->writer != thread_current())
            panic("krw_exit: writer lock held by %s, released by %s", l->writer->name,
                  thread_current()->name);
        l->writer = NULL;
    } else if (l->readers > 0) {
        l->readers--;
    } else {
        panic("krw_exit: the lock is not held");
    }
    rw_wake(l);
    irq_restore(f);
    sched_preempt_check();
}

bool krw_write_held(const krwlock_t *l) { return l->writer != NULL && l->writer == thread_current(); }
bool krw_read_held(const krwlock_t *l) { return l->readers > 0; }
bool krw_held(const krwlock_t *l) { return krw_write_held(l) || krw_read_held(l); }
