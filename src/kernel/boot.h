/* Hooks between kmain and the rest of the boot (src/kernel only). */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

/* Device and subsystem start-up after threads exist. */
void kernel_late_init(void);
/* The shell (or a minimal prompt); does not return. */
__noreturn void kernel_main_loop(void);
/* Recurses until the stack's guard page is hit. */
void crash_stack_overflow(void);

#endif
