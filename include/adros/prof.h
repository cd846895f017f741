/* A sampling profiler: a periodic interrupt of its own records where the
 * CPU was (the interrupted PC and the return address in its frame), and a
 * report names the functions with the kernel's symbol table.  For finding
 * where time goes in a workload (tests/kernel/rump_bench.c profiles each
 * rump workload with the kernel option prof=<Hz>); not for production.
 *
 * One profile at a time, started and stopped by one thread; samples are
 * taken in interrupt context and kept in a fixed buffer (PROF_MAX_SAMPLES,
 * later ones counted as dropped). */
#ifndef ADROS_PROF_H
#define ADROS_PROF_H

#include <adros/types.h>

#define PROF_MAX_SAMPLES 32768

/* The rate asked for by the kernel option prof=<Hz>, 0 without it. */
unsigned prof_option_hz(void);
/* Clears the buffer and starts sampling at about hz (the platform rounds
 * it; prof_stop returns the rate used).  0, -EBUSY when a profile runs,
 * -EINVAL for a rate the platform cannot make, -ENODEV without a timer. */
int prof_start(unsigned hz);
/* Stops sampling; returns the number of samples taken. */
unsigned prof_stop(void);
/* Samples taken so far (also while running), and of them those whose PC
 * is in the function called name (after prof_stop). */
unsigned prof_samples(void);
unsigned prof_samples_in(const char *name);
/* True while a running profile also samples code with interrupts off
 * (the platform delivers its timer as an NMI). */
bool prof_sees_irqs_off(void);
/* Prints the profile as "# prof <label>: ..." lines: the samples, then the
 * top functions where the CPU was (self), then the top (function, caller)
 * pairs for the functions that other code calls for copies and locks, so
 * that a memcpy can be told from another. */
void prof_report(const char *label, int top);

/* Platform hooks (src/arch/<arch>/): a periodic interrupt at about hz
 * that calls prof_sample with the interrupted PC and the caller's return
 * address (0 when unknown); returns the rate it runs at, 0 on failure. */
unsigned arch_prof_timer_start(unsigned hz);
void arch_prof_timer_stop(void);
bool arch_prof_timer_nmi(void);
void prof_sample(uintptr_t pc, uintptr_t caller);

#endif
