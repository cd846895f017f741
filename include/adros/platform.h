/* Every hook the platform (src/arch/<arch>) supplies to the portable kernel,
 * in one place.  The portable code never names the CPU. */
#ifndef ADROS_PLATFORM_H
#define ADROS_PLATFORM_H

#include <adros/types.h>

/* Cycle counter and its frequency. */
uint64_t arch_cycles(void);
/* Frequency of arch_cycles() in Hz, measured or read from the CPU; *how
 * describes the method ("cpuid-15h", "pit-calibrated"). */
uint64_t arch_cycles_hz(const char **how);

/* Thread contexts (switch.S / thread.c). */
struct thread;
/* Prepares t's stack so that the first switch to it runs
 * thread_trampoline(). */
void arch_thread_init_stack(struct thread *t, void (*trampoline)(void));
void arch_switch(struct thread *prev, struct thread *next);
void arch_set_thread_pointer(uint32_t tp);

/* FPU/SSE state: saved and restored lazily (first use after a switch). */
void arch_fpu_init(void);
void arch_fpu_switch(struct thread *prev, struct thread *next);
void arch_fpu_thread_exit(struct thread *t);
size_t arch_fpu_state_size(void);

/* Idle: wait for an interrupt with interrupts enabled, return with them off. */
void arch_idle(void);
/* A busy-wait iteration (the x86 "pause" hint). */
void arch_cpu_relax(void);

/* Random numbers from the CPU (RDRAND/RDSEED); false when unavailable. */
bool arch_rdrand32(uint32_t *v);
bool arch_rdseed32(uint32_t *v);
bool arch_has_rdrand(void);
bool arch_has_rdseed(void);

#endif
