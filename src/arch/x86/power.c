/* Poweroff and reboot on a PC under QEMU: isa-debug-exit (test boots), then
 * ACPI S5 through the PIIX4 PM block QEMU's BIOS sets up, then halt.  Reboot
 * pulses the keyboard controller's reset line, then triple-faults. */
#include <adros/kprintf.h>
#include <adros/power.h>
#include <arch/cpu.h>

static struct shutdown_hook *hooks;
static bool shutting_down;

void shutdown_hook_add(struct shutdown_hook *h)
{
    h->next = hooks;
    hooks = h;
}

static void run_hooks(void)
{
    if (shutting_down)
        return;
    shutting_down = true;
    for (struct shutdown_hook *h = hooks; h; h = h->next)
        h->fn();
}

void machine_poweroff_now(int status)
{
    cpu_cli();
    outl(0xf4, (uint32_t)status); /* isa-debug-exit, when present */
    outw(0x604, 0x2000);          /* QEMU pc: ACPI PM1a_CNT, SLP_TYP=S5 | SLP_EN */
    outw(0xb004, 0x2000);         /* older QEMU/Bochs */
    for (;;)
        cpu_halt();
}

void machine_poweroff(int status)
{
    run_hooks();
    machine_poweroff_now(status);
}

void machine_reboot(void)
{
    run_hooks();
    cpu_cli();
    for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
        ;
    outb(0x64, 0xfe);
    /* Still here: load an empty IDT and fault. */
    struct {
        uint16_t limit;
        uint32_t base;
    } __packed nullidt = { 0, 0 };
    __asm__ volatile("lidt %0; int $3" : : "m"(nullidt));
    for (;;)
        cpu_halt();
}
