/* CPU exceptions and the entry into interrupt dispatch.  An exception nobody
 * handles (no handler registered, or the handler declined) ends in a panic
 * report with its name, error code, EIP, CR2 for page faults, the registers
 * and a backtrace. */
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/sched.h>
#include <arch/x86.h>

static exception_handler_t handlers[32];

static const char *const names[32] = {
    "Divide error (#DE)", "Debug (#DB)", "Non-maskable interrupt", "Breakpoint (#BP)",
    "Overflow (#OF)", "BOUND range exceeded (#BR)", "Invalid opcode (#UD)", "Device not available (#NM)",
    "Double fault (#DF)", "Coprocessor segment overrun", "Invalid TSS (#TS)", "Segment not present (#NP)",
    "Stack-segment fault (#SS)", "General protection fault (#GP)", "Page fault (#PF)", "Reserved 15",
    "x87 floating-point error (#MF)", "Alignment check (#AC)", "Machine check (#MC)",
    "SIMD floating-point exception (#XM)", "Virtualization exception (#VE)", "Control protection (#CP)",
    "Reserved 22", "Reserved 23", "Reserved 24", "Reserved 25", "Reserved 26", "Reserved 27",
    "Hypervisor injection", "VMM communication (#VC)", "Security exception (#SX)", "Reserved 31",
};

const char *exception_name(unsigned vector) { return vector < 32 ? names[vector] : "interrupt"; }

void exception_set_handler(unsigned vector, exception_handler_t fn)
{
    if (vector < 32)
        handlers[vector] = fn;
}

static __noreturn void exception_panic(struct trapframe *tf)
{
    unsigned v = tf->vector;
    if (v == 14) {
        uint32_t cr2 = read_cr2();
        const char *what = "";
        if (cr2 < 4096)
            what = " (NULL pointer dereference)";
        else if (sched_addr_in_guard(cr2))
            what = " (kernel stack overflow into the guard page)";
        panic_trap(tf, "%s: %s %s access to %p, error 0x%x%s", names[v],
                   (tf->err & 1) ? "protection violation on" : "not-present page on",
                   (tf->err & 16) ? "instruction fetch" : (tf->err & 2) ? "write" : "read", (void *)cr2,
                   tf->err, what);
    }
    panic_trap(tf, "%s, error code 0x%x", names[v], tf->err);
}

/* The frame of the hardware interrupt being handled (handlers run with
 * interrupts off, so they never nest), for the profiler's timer. */
static struct trapframe *irq_frame;

const struct trapframe *trap_current_frame(void) { return irq_frame; }

void trap_dispatch(struct trapframe *tf)
{
    unsigned v = tf->vector;
    if (v < 32) {
        if (handlers[v] && handlers[v](tf))
            return;
        exception_panic(tf);
    }
    if (v >= IRQ_VECTOR_BASE && v < IRQ_VECTOR_BASE + IRQ_LINES) {
        irq_frame = tf;
        irq_dispatch(v - IRQ_VECTOR_BASE);
        irq_frame = NULL;
        return;
    }
    /* Vector 255 (spurious): nothing to do, no EOI. */
}

/* Entered as a task through the double-fault task gate, on its own stack. */
void double_fault_task(void)
{
    uint32_t eip, esp, ebp;
    gdt_df_context(&eip, &esp, &ebp);
    const char *why = sched_addr_in_guard(esp) || sched_addr_in_guard(esp - 64)
                          ? " (kernel stack overflow into the guard page)"
                          : "";
    struct trapframe tf = { 0 };
    tf.vector = 8;
    tf.eip = eip;
    tf.ebp = ebp;
    tf.esp_at_pusha = esp;
    panic_trap(&tf, "Double fault (#DF) at EIP %p, ESP %p%s", (void *)eip, (void *)esp, why);
}
