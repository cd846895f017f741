/* x86 parts of threads: the initial stack frame, the thread pointer (%gs
 * base), lazy FPU/SSE switching with CR0.TS and FXSAVE/FXRSTOR, and idle. */
#include <adros/kprintf.h>
#include <adros/platform.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <arch/x86.h>

void arch_thread_init_stack(struct thread *t, void (*trampoline)(void))
{
    uint32_t *sp = (uint32_t *)(t->stack + t->stack_size);
    *--sp = 0;                     /* fake return address of the trampoline */
    *--sp = (uint32_t)trampoline;  /* arch_switch's ret */
    *--sp = 0;                     /* ebp: ends backtraces */
    *--sp = 0;                     /* ebx */
    *--sp = 0;                     /* esi */
    *--sp = 0;                     /* edi */
    t->ctx_esp = (uint32_t)sp;
}

void arch_set_thread_pointer(uint32_t tp) { gdt_set_tls_base(tp); }

void arch_cpu_relax(void) { cpu_pause(); }

void arch_idle(void)
{
    cpu_sti_halt();
    cpu_cli();
}

/* --- FPU --- */

static struct thread *fpu_owner; /* whose state is in the registers */
static bool have_fxsr;
static uint8_t clean_state[512] __aligned(16);

static bool nm_handler(struct trapframe *tf)
{
    struct thread *cur = thread_current();
    __asm__ volatile("clts");
    if (fpu_owner == cur)
        return true;
    if (fpu_owner && fpu_owner->fpu) {
        __asm__ volatile("fxsave (%0)" : : "r"(fpu_owner->fpu) : "memory");
        fpu_owner->fpu_valid = true;
    }
    if (!cur->fpu)
        panic("FPU used by thread %s, which has no FPU save area", cur->name);
    __asm__ volatile("fxrstor (%0)" : : "r"(cur->fpu_valid ? cur->fpu : clean_state) : "memory");
    fpu_owner = cur;
    return true;
}

void arch_fpu_init(void)
{
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    have_fxsr = (d & (1u << 24)) != 0;
    bool sse = (d & (1u << 25)) != 0;
    if (!have_fxsr)
        panic("fpu: the CPU lacks FXSAVE/FXRSTOR");
    write_cr0((read_cr0() & ~CR0_EM) | CR0_MP | CR0_NE);
    write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
    __asm__ volatile("clts; fninit");
    if (sse) {
        uint32_t mxcsr = 0x1f80; /* all exceptions masked, round to nearest */
        __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    }
    __asm__ volatile("fxsave (%0)" : : "r"(clean_state) : "memory");
    write_cr0(read_cr0() | CR0_TS);
    exception_set_handler(7, nm_handler);
    kprintf("fpu: x87%s, lazy FXSAVE/FXRSTOR switching\n", sse ? " + SSE" : "");
}

size_t arch_fpu_state_size(void) { return 512; }

void arch_fpu_switch(struct thread *prev, struct thread *next)
{
    /* The next FPU instruction of a thread that does not own the registers
     * traps (#NM) and swaps states. */
    if (next == fpu_owner)
        __asm__ volatile("clts");
    else
        write_cr0(read_cr0() | CR0_TS);
}

void arch_fpu_thread_exit(struct thread *t)
{
    if (fpu_owner == t)
        fpu_owner = NULL;
}
