/* kmain: bring the machine up layer by layer, then do what the command line
 * asks (run tests, benchmarks, a crash test, a script) or start the shell. */
#include <adros/clock.h>
#include <adros/cmdline.h>
#include <adros/console.h>
#include <adros/entropy.h>
#include <adros/irq.h>
#include <adros/kprintf.h>
#include <adros/ktest.h>
#include <adros/mm.h>
#include <adros/multiboot.h>
#include <adros/platform.h>
#include <adros/power.h>
#include <adros/sched.h>
#include <adros/spinlock.h>
#include <adros/string.h>
#include <arch/apic.h>
#include <arch/x86.h>
#include "boot.h"

KOPTION(ktest, "ktest", "ktest=all|<suite>[,<suite>...]: run test suites and power off");
KOPTION(bench, "bench", "bench=all|<name>[,...]: run benchmarks and power off");
KOPTION(crash, "crashtest", "crashtest=null|stack|panic|kfree|spinsleep: deliberately crash (death tests)");
KOPTION(quiet, "quiet", "quiet: only warnings and errors on the console during boot");
KOPTION(vga, "vga", "vga=off: no VGA text console (serial only)");
KOPTION(loglevel, "loglevel", "loglevel=0..7: console log level");

static struct multiboot_mmap_entry mmap_copy[64];
static struct multiboot_info mbi_copy;
static char cmdline_copy[CMDLINE_STORE];

/* Copies what we need out of the loader's structures before the page
 * allocator may hand their memory out. */
static void save_boot_info(uint32_t magic, const struct multiboot_info *mbi)
{
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        panic("not started by a multiboot loader (magic %08x)", magic);
    mbi_copy = *mbi;
    if (mbi->flags & MB_INFO_CMDLINE)
        strlcpy(cmdline_copy, (const char *)mbi->cmdline, sizeof(cmdline_copy));
    if (mbi->flags & MB_INFO_MMAP) {
        size_t n = MIN((size_t)mbi->mmap_length, sizeof(mmap_copy));
        memcpy(mmap_copy, (const void *)mbi->mmap_addr, n);
        mbi_copy.mmap_addr = (uint32_t)mmap_copy;
        mbi_copy.mmap_length = (uint32_t)n;
    }
}

static uint64_t stage_t0;
static void stage_done(const char *what)
{
    uint64_t now = clock_ready() ? clock_gettime_ns() : 0;
    kprintf("boot: %-24s %4llu.%03llu ms\n", what, (unsigned long long)((now - stage_t0) / 1000000),
            (unsigned long long)((now - stage_t0) / 1000 % 1000));
    stage_t0 = now;
}

static __attribute__((noinline)) void crash_test(const char *what)
{
    kprintf("crashtest: %s\n", what);
    if (strcmp(what, "null") == 0) {
        volatile int *p = NULL;
        // cppcheck-suppress nullPointer ; the point of the death test
        kprintf("value %d\n", *p);
    } else if (strcmp(what, "panic") == 0) {
        panic("crashtest: deliberate panic");
    } else if (strcmp(what, "stack") == 0) {
        crash_stack_overflow();
    } else if (strcmp(what, "spinsleep") == 0) {
        static spinlock_t l = SPINLOCK_INIT("crashtest");
        irqflags_t f = spin_lock_irqsave(&l);
        process_sleep(NSEC_PER_MSEC);
        spin_unlock_irqrestore(&l, f);
    } else if (strcmp(what, "kfree") == 0) {
        char *p = kmalloc(32);
        kfree(p);
        kfree(p);
    }
    kprintf(KERN_ERR "crashtest: unknown crash \"%s\"\n", what);
}

void kmain(uint32_t magic, const struct multiboot_info *mbi);
void kmain(uint32_t magic, const struct multiboot_info *mbi)
{
    console_init();
    gdt_init();
    idt_init();
    irqchip_init();
    save_boot_info(magic, mbi);
    kprintf("AdrOS starting (i386, multiboot)\n");
    cmdline_init(cmdline_copy);
    if (!cmdline_get_bool("vga", true))
        vga_disable();
    if (cmdline_has("quiet"))
        klog_set_console_level(LOG_WARN);
    if (cmdline_has("loglevel"))
        klog_set_console_level((int)cmdline_get_int("loglevel", LOG_INFO));
    kprintf("cmdline: %s\n", cmdline_raw());

    pmm_init(&mbi_copy);
    vmm_init();
    kmalloc_init();
    apic_init(); /* needs paging and the command line; before any line opens */
    clock_init();
    stage_t0 = 0;
    stage_done("memory, clock");
    arch_fpu_init();
    sched_init();
    sched_start_timer();
    irq_enable();
    console_enable_input();
    entropy_init();
    stage_done("threads, timer, irqs");

    kernel_late_init();
    stage_done("devices");
    uint64_t ready_ns = clock_gettime_ns();
    kprintf("AdrOS ready in %llu.%03llu ms\n", (unsigned long long)(ready_ns / 1000000),
            (unsigned long long)(ready_ns / 1000 % 1000));

    const char *crash = cmdline_get("crashtest");
    if (crash)
        crash_test(crash);
    const char *kt = cmdline_get("ktest");
    if (kt) {
        int fails = ktest_run(*kt ? kt : "all");
        kprintf("# ktest: %s\n", fails ? "FAILED" : "all passed");
        machine_poweroff(fails ? POWEROFF_FAIL : POWEROFF_OK);
    }
    const char *bn = cmdline_get("bench");
    if (bn) {
        kbench_run(*bn ? bn : "all");
        machine_poweroff(POWEROFF_OK);
    }
    kernel_main_loop();
}
