/* Sleeping synchronisation: mutexes, semaphores, condition variables and
 * reader-writer locks, all on wait queues (sched.h).  Any number of threads;
 * no lost wakeups (each "test the condition, then sleep" runs with
 * interrupts off on our one CPU).
 *
 * Error returns vs. panics:
 *   - bad arguments and timeouts return negative errno values:
 *     -ETIMEDOUT (a timed wait ran out, a deadline already past), -EAGAIN
 *     (a try operation could not proceed);
 *   - programming errors panic with a message: locking a kmutex one holds,
 *     unlocking one held by another thread (or nobody), exiting an rwlock
 *     that is not held, blocking in an interrupt handler.
 * None of the blocking calls may be used in interrupt context; ksem_up,
 * kcond_signal and kcond_broadcast may. */
#ifndef ADROS_SYNC_H
#define ADROS_SYNC_H

#include <adros/sched.h>
#include <adros/spinlock.h>

/* --- kmutex_t: sleeping mutex, owner tracked, direct hand-off on unlock ---
 * owner: the holding thread's address, bit 0 (KMUTEX_WAITERS) set while
 * threads wait.  Taking a free mutex and releasing one nobody waits for
 * are one compare-and-swap each, without masking interrupts; the rest (a
 * waiter queueing and sleeping, a release handing over) runs with
 * interrupts off, where nothing else changes the word on our one CPU. */
typedef struct kmutex {
    uintptr_t owner;
    struct waitq wq;
    const char *name;
} kmutex_t;
#define KMUTEX_INIT(m, nm) { 0, WAITQ_INIT((m).wq), nm }
#define KMUTEX_WAITERS ((uintptr_t)1)

void kmutex_init(kmutex_t *m, const char *name);
static inline void kmutex_lock(kmutex_t *m);
static inline bool kmutex_trylock(kmutex_t *m);
static inline void kmutex_unlock(kmutex_t *m);
static inline bool kmutex_held(const kmutex_t *m); /* by the calling thread */
static inline struct thread *kmutex_owner(const kmutex_t *m);
/* The contended halves (sync.c). */
void kmutex__lock_slow(kmutex_t *m);
void kmutex__unlock_slow(kmutex_t *m);

/* The uncontended paths are inline: under QEMU TCG every call and return
 * costs a block lookup, and NetBSD's code takes a mutex 10,000 times per
 * MiB it writes. */
static inline bool kmutex__cas(kmutex_t *m, uintptr_t old, uintptr_t new)
{
    return __atomic_compare_exchange_n(&m->owner, &old, new, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}
static inline bool kmutex_trylock(kmutex_t *m) { return kmutex__cas(m, 0, (uintptr_t)thread_current()); }
static inline void kmutex_lock(kmutex_t *m)
{
    if (!kmutex_trylock(m))
        kmutex__lock_slow(m);
}
static inline void kmutex_unlock(kmutex_t *m)
{
    if (!kmutex__cas(m, (uintptr_t)thread_current(), 0))
        kmutex__unlock_slow(m); /* waiters to hand over to, or a misuse */
}
static inline struct thread *kmutex_owner(const kmutex_t *m)
{
    return (struct thread *)(__atomic_load_n(&m->owner, __ATOMIC_RELAXED) & ~KMUTEX_WAITERS);
}
/* Whether a thread waits for it (a hint: the answer may change at once). */
static inline bool kmutex_contended(const kmutex_t *m)
{
    return (__atomic_load_n(&m->owner, __ATOMIC_RELAXED) & KMUTEX_WAITERS) != 0;
}
static inline bool kmutex_held(const kmutex_t *m)
{
    struct thread *o = kmutex_owner(m);
    return o != NULL && o == thread_current();
}
#define kmutex_assert_held(m) \
    do { \
        if (!kmutex_held(m)) \
            panic("%s:%d: mutex %s not held", __FILE__, __LINE__, (m)->name ? (m)->name : "?"); \
    } while (0)

/* --- ksem_t: counting semaphore --- */
typedef struct ksem {
    volatile int count;
    struct waitq wq;
} ksem_t;

void ksem_init(ksem_t *s, int count);
int ksem_down(ksem_t *s);                          /* 0 */
int ksem_down_timeout(ksem_t *s, uint64_t ns);     /* 0 or -ETIMEDOUT */
int ksem_down_until(ksem_t *s, uint64_t deadline); /* monotonic ns; 0 or -ETIMEDOUT */
int ksem_trydown(ksem_t *s);                       /* 0 or -EAGAIN */
void ksem_up(ksem_t *s);                           /* any context */
int ksem_value(const ksem_t *s);

/* --- kcond_t: condition variable with a kmutex_t interlock --- */
typedef struct kcond {
    struct waitq wq;
} kcond_t;

void kcond_init(kcond_t *c);
/* Atomically releases m and waits; holds m again on return. */
void kcond_wait(kcond_t *c, kmutex_t *m);
/* As kcond_wait, but gives up after ns (relative) / at deadline (absolute,
 * monotonic): returns 0 when signalled, -ETIMEDOUT otherwise.  m is held
 * again on return either way; a deadline already past returns at once. */
int kcond_timedwait(kcond_t *c, kmutex_t *m, uint64_t ns);
int kcond_wait_until(kcond_t *c, kmutex_t *m, uint64_t deadline);
void kcond_signal(kcond_t *c);
void kcond_broadcast(kcond_t *c);
bool kcond_has_waiters(const kcond_t *c);

/* --- krwlock_t: reader-writer lock, writers preferred (never starved) ---
 * Readers may not re-enter while holding (a waiting writer would block
 * them: deadlock). */
typedef struct krwlock {
    int readers;
    struct thread *writer;
    int writers_waiting;
    struct waitq rq, wq;
} krwlock_t;

enum krw_op { KRW_READER, KRW_WRITER };
void krw_init(krwlock_t *l);
void krw_enter(krwlock_t *l, enum krw_op op);
bool krw_tryenter(krwlock_t *l, enum krw_op op);
/* Reader to writer without releasing: succeeds only when the caller is the
 * only reader. */
bool krw_tryupgrade(krwlock_t *l);
/* Writer to reader, letting other readers in. */
void krw_downgrade(krwlock_t *l);
void krw_exit(krwlock_t *l);
bool krw_write_held(const krwlock_t *l); /* by the calling thread */
bool krw_read_held(const krwlock_t *l);  /* by some reader */
bool krw_held(const krwlock_t *l);

#endif
