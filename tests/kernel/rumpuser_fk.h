/* A stand-in for the rump kernel side of the hypercall interface, used by
 * the conformance suite `rumpuser` (tests/kernel/rumpuser*.c) and the
 * hypercall benchmarks.
 *
 * It implements every upcall of struct rumpuser_hyperup and keeps a model
 * of the rump kernel's virtual CPUs: which lwp holds which CPU, built on
 * raw AdrOS primitives (not on the hypercalls under test).  Every upcall
 * checks the contract and records a violation (printed as a KTAP
 * diagnostic) when it is broken: giving up a CPU one does not hold, taking
 * one while holding one, nlocks not handed back unchanged, the scheduler
 * interlock not held when it must be, a CPU not obtained within
 * FK_STARVE_MS (someone blocked while keeping theirs).  Like the real rump
 * scheduler, an unschedule with the scheduler's own lock (fk_schedmtx, a
 * pure SPIN mutex) as interlock takes that lock before letting the CPU go,
 * and the matching schedule releases it. */
#ifndef TESTS_RUMPUSER_FK_H
#define TESTS_RUMPUSER_FK_H

#include <adros/ktest.h>
#include <adros/sched.h>
#include <adros/sync.h>

#include "../../src/rumpuser/rumpuser_adros.h"

#define FK_MAXCPU 4
#define FK_OVERSUB 99     /* lwp->cpu when a CPU was forced after starvation */
#define FK_STARVE_MS 4000 /* waiting longer for a CPU is a violation */

enum fk_il { FK_IL_NONE, FK_IL_HELD, FK_IL_FREE };

/* The stand-in's lwp (opaque to the hypercall layer). */
struct lwp {
    uint32_t magic;
    int id;
    volatile int cpu;            /* virtual CPU held, -1 for none */
    int nlocks;                  /* fake big-lock depth while scheduled */
    int saved_nlocks;            /* what backend_unschedule reported */
    int outer_nlocks;            /* -1, or the count a lock-free inner section (schedule 0 ...
                                  * unschedule, as NetBSD's dobio) must be followed by */
    bool temp;                   /* freed at unschedule (hyp_schedule without lwp) */
    volatile uint64_t unsched;   /* backend_unschedule calls */
    volatile uint64_t sched;     /* backend_schedule calls */
    enum fk_il il_at_sched;      /* probed interlock state at the last backend_schedule */
};

/* Resets the model for a test case: ncpu virtual CPUs, no violations.
 * The first call hands the upcalls to rumpuser_init.  No CPU may be held.
 * Returns false (do not run) when a real rump kernel owns the hypercall
 * layer in this boot. */
bool fk_init(int ncpu);
#define FK_START(t, ncpu) \
    do { \
        if (!fk_init(ncpu)) \
            KT_SKIP(t, "a real rump kernel runs in this boot: the stand-in cannot replace it"); \
    } while (0)
/* The upcalls given to rumpuser_init. */
extern const struct rumpuser_hyperup fk_hyp;
extern struct rumpuser_mtx *fk_schedmtx;

/* Binds the calling thread to a new lwp (CREATE+SET) and schedules it. */
struct lwp *fk_bind(void);
/* Unschedules and unbinds (CLEAR+DESTROY). */
void fk_unbind(void);
void fk_schedule(void);   /* hyp_schedule */
void fk_unschedule(void); /* hyp_unschedule */
struct lwp *fk_self(void);
bool fk_holds_cpu(void);
/* Waits for s without holding a CPU (as a blocking hypercall would). */
void fk_wait_sem(ksem_t *s);
int fk_violations(void);
int fk_cpus_held(void);
/* backend_schedule with m as interlock records in lwp->il_at_sched
 * whether the scheduling thread held m at that moment. */
void fk_set_probe(struct rumpuser_mtx *m, int flags);
/* Benchmarks: backend_schedule/unschedule do nothing (a rump scheduler's
 * fast path costs next to nothing; the model's bookkeeping would
 * dominate).  No checks while on. */
void fk_set_fast(bool on);
/* A helper thread through the hypercall (joinable); NULL on failure. */
void *fk_spawn(struct ktest *t, void *(*fn)(void *), void *arg, const char *name);

/* The cases, by file. */
void mutex_uncontended(struct ktest *t);
void mutex_contended_releases(struct ktest *t);
void mutex_spin_keeps_context(struct ktest *t);
void mutex_spin_wait_hooks(struct ktest *t);
void mutex_spin_ceiling(struct ktest *t);
void rwlock_rules(struct ktest *t);
void rwlock_contended_releases(struct ktest *t);
void cv_reacquire_order(struct ktest *t);
void cv_schedlock_interlock(struct ktest *t);
void cv_nowrap_keeps_context(struct ktest *t);
void cv_timedwait_relative(struct ktest *t);
void cv_has_waiters(struct ktest *t);
void stress_16_threads(struct ktest *t);
void clock_gettime_ids(struct ktest *t);
void clock_sleep_relwall(struct ktest *t);
void clock_sleep_absmono(struct ktest *t);
void files_and_info(struct ktest *t);
void bio_blockdev(struct ktest *t);
void hypercall_counts(struct ktest *t);
void bio_errors(struct ktest *t);
void iov_and_syncfd(struct ktest *t);
void bio_vfs_file(struct ktest *t);
void pci_hypercalls(struct ktest *t);

/* Runs one hypercall check: the context is held after it returns. */
#define FK_EXPECT_HOLDS(t) KT_EXPECT_TRUE(t, fk_holds_cpu())

#endif
