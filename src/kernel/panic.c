/* panic(): report a broken invariant with registers and a backtrace, then
 * halt (or, with the kernel option panic=poweroff, make QEMU exit with the
 * panic status so the test runner sees it at once). */
#include <adros/cmdline.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/power.h>
#include <adros/sched.h>
#include <adros/string.h>
#include <arch/x86.h>

KOPTION(panic, "panic", "panic=halt (default) or panic=poweroff");

static volatile int panicking;

bool panic_in_progress(void) { return panicking != 0; }

/* lookup is the address to name: the faulting EIP itself, or a return
 * address minus one (the call instruction), so that a call as the last
 * instruction of a noreturn function is not named after the next one. */
static void print_sym(uintptr_t addr, uintptr_t lookup)
{
    uintptr_t off;
    const char *name = ksym_lookup(lookup, &off);
    if (name)
        kprintf("  [%p] %s+0x%x\n", (void *)addr, name, (unsigned)(off + (addr - lookup)));
    else
        kprintf("  [%p] ?\n", (void *)addr);
}

/* Where a thread's or the boot's frame chain ends normally. */
static bool chain_root(uintptr_t ret)
{
    const char *name = ksym_lookup(ret - 1, NULL);
    return name && (strcmp(name, "thread_trampoline") == 0 || strcmp(name, "_start") == 0);
}

uintptr_t backtrace_from(uintptr_t ebp, uintptr_t eip)
{
    kprintf("Backtrace:\n");
    if (eip)
        print_sym(eip, eip);
    for (int depth = 0; depth < 32 && ebp; depth++) {
        if ((ebp & 3) || !mm_kernel_readable(ebp, 8))
            break;
        uintptr_t ret = ((uintptr_t *)ebp)[1];
        uintptr_t next = ((uintptr_t *)ebp)[0];
        if (!ret)
            return 0;
        print_sym(ret, ret - 1);
        if (chain_root(ret))
            return 0;
        /* stacks grow down: a frame must be above the previous; code
         * without frame pointers leaves anything in ebp (0 included) */
        if (next <= ebp)
            return ebp + 8;
        ebp = next;
    }
    return 0;
}

/* Is addr a return address: in the kernel's text, just after a call
 * instruction (E8 rel32, or FF /2 through a register or memory operand)? */
static bool after_call(uintptr_t addr)
{
    if (!ksym_lookup(addr, NULL) || !mm_kernel_readable(addr - 7, 7))
        return false;
    const uint8_t *p = (const uint8_t *)addr;
    if (p[-5] == 0xe8)
        return true;
    for (int len = 2; len <= 7; len++)
        if (p[-len] == 0xff && ((p[-len + 1] >> 3) & 7) == 2)
            return true;
    return false;
}

/* Code compiled without frame pointers (NetBSD's, in the rump kernel)
 * leaves the frame chain empty: the words on the stack from sp up that look
 * like return addresses name the callers, most of them truly (stale ones
 * are possible: "?" says so, as Linux's oops does). */
void backtrace_scan(uintptr_t sp) { backtrace_scan_n(sp, 24); }

void backtrace_scan_n(uintptr_t sp, int max)
{
    kprintf("Stack scan (return addresses, may include stale ones):\n");
    int shown = 0;
    for (int i = 0; i < 4096 && shown < max; i++, sp += 4) {
        if ((sp & (PAGE_SIZE - 1)) == 0 || i == 0)
            if (!mm_kernel_readable(sp & ~(uintptr_t)3, 4))
                break;
        uintptr_t w = *(const uintptr_t *)(sp & ~(uintptr_t)3);
        if (!after_call(w))
            continue;
        kprintf(" ?");
        print_sym(w, w - 1);
        shown++;
    }
}

void backtrace(void) { backtrace_from((uintptr_t)__builtin_frame_address(0), 0); }

static __noreturn void finish(void)
{
    const char *how = cmdline_get("panic");
    if (how && strcmp(how, "poweroff") == 0)
        machine_poweroff_now(POWEROFF_PANIC);
    kprintf("System halted.\n");
    for (;;)
        cpu_sti_halt(), cpu_cli();
}

/* The start of every panic report: interrupts off, a nested panic stops at
 * once, then the header and the message. */
static void begin(const char *fmt, va_list ap)
{
    cpu_cli();
    if (panicking++) {
        kprintf("\n*** nested panic ***\n");
        machine_poweroff_now(POWEROFF_PANIC);
    }
    const char *t = sched_ready() ? thread_name(thread_current()) : "boot";
    kprintf("\n*** KERNEL PANIC (thread %s) ***\n", t ? t : "?");
    kvprintf(fmt, ap);
    kprintf("\n");
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    begin(fmt, ap);
    va_end(ap);
    uint32_t eax, ebx, ecx, edx, esi, edi, esp, ebp;
    __asm__ volatile("" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx), "=S"(esi), "=D"(edi));
    __asm__ volatile("mov %%esp, %0; mov %%ebp, %1" : "=r"(esp), "=r"(ebp));
    kprintf("EAX=%08x EBX=%08x ECX=%08x EDX=%08x\nESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", eax, ebx, ecx,
            edx, esi, edi, ebp, esp);
    kprintf("CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
    backtrace_from((uintptr_t)__builtin_frame_address(0), 0);
    finish();
}

void panic_trap(struct trapframe *tf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    begin(fmt, ap);
    va_end(ap);
    uintptr_t off;
    const char *fn = ksym_lookup(tf->eip, &off);
    kprintf("EIP=%08x in %s+0x%x  EFLAGS=%08x CS=%04x vector=%u err=%08x\n", tf->eip, fn ? fn : "?",
            (unsigned)(fn ? off : 0), tf->eflags, tf->cs, tf->vector, tf->err);
    kprintf("EAX=%08x EBX=%08x ECX=%08x EDX=%08x\nESI=%08x EDI=%08x EBP=%08x ESP=%08x\n", tf->eax, tf->ebx,
            tf->ecx, tf->edx, tf->esi, tf->edi, tf->ebp, tf->esp_at_pusha);
    kprintf("DS=%04x ES=%04x FS=%04x GS=%04x\n", tf->ds, tf->es, tf->fs, tf->gs);
    kprintf("CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", read_cr0(), read_cr2(), read_cr3(), read_cr4());
    backtrace_from(tf->ebp, tf->eip);
    finish();
}
