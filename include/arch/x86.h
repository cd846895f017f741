/* Arch-internal interfaces of the x86 layer (used by src/arch/x86 and the
 * boot code; the portable kernel sees only the generic headers). */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#include <arch/cpu.h>

void gdt_init(void);
void gdt_set_df_cr3(uint32_t cr3);
void gdt_df_context(uint32_t *eip, uint32_t *esp, uint32_t *ebp);
void double_fault_task(void);
void idt_init(void);
void trap_dispatch(struct trapframe *tf);
/* The interrupted frame while a hardware interrupt's handlers run, else NULL. */
const struct trapframe *trap_current_frame(void);
void pic_init(void);
/* TSC cycles elapsed during `ms` milliseconds of PIT channel 2. */
void pit_measure_tsc(unsigned ms, uint64_t *tsc_lo, uint64_t *tsc_hi, uint32_t *pit_ticks);

/* A handler for CPU exception `vector`; returns true when it dealt with the
 * exception (execution resumes), false to fall through to the panic report. */
typedef bool (*exception_handler_t)(struct trapframe *tf);
void exception_set_handler(unsigned vector, exception_handler_t fn);
const char *exception_name(unsigned vector);

/* Panic with the register state of a trap. */
__noreturn void panic_trap(struct trapframe *tf, const char *fmt, ...) __printf(2, 3);

#define IRQ_VECTOR_BASE 32

#endif
