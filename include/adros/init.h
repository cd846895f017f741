/* Start-up hooks.  A subsystem registers its initialisation with
 * INITCALL(level, fn); kmain runs them after threads, timers and interrupts
 * work, level by level (link order within a level).  fn returns 0 or a
 * negative errno: a failure is logged and boot goes on without it. */
#ifndef ADROS_INIT_H
#define ADROS_INIT_H

#include <adros/types.h>

#define INIT_BUS 1     /* PCI, interrupt routing */
#define INIT_DRIVER 2  /* device drivers (ATA, ...) */
#define INIT_BLOCK 3   /* partitions, block devices complete */
#define INIT_FS 4      /* root ramfs, devfs, automatic mounts */
#define INIT_RUMP 5    /* the rump kernel */
#define INIT_LATE 6    /* everything else */

struct initcall {
    const char *name;
    int (*fn)(void);
    int level;
};

/* The level is expanded before it is stringified, so that the section is
 * "initcalls.1" (sorted by number), not "initcalls.INIT_BUS". */
#define INITCALL__STR(x) #x
#define INITCALL__SEC(lvl) "initcalls." INITCALL__STR(lvl)
#define INITCALL(lvl, func) \
    static const struct initcall __initcall_##func __used \
        __attribute__((section(INITCALL__SEC(lvl)), aligned(4))) = { #func, func, lvl }

void run_initcalls(void);

/* The boot thread's last act once the boot is done, supplied by a layer
 * above the kernel (the shell: script mode or the prompt) through a linker
 * set, so the kernel names no such layer and initcalls=off keeps it.  fn
 * must not return; the first one linked is used, and with none the boot
 * thread says so and idles. */
struct kernel_main {
    const char *name;
    void (*fn)(void);
};
#define KERNEL_MAIN(func) \
    static const struct kernel_main __kernel_main_##func __used \
        __attribute__((section("kernel_main"), aligned(4))) = { #func, func }

#endif
