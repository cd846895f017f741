/* Powering off and rebooting the machine.  Under QEMU with the isa-debug-exit
 * device, machine_poweroff(status) makes QEMU exit with (status << 1) | 1,
 * which is how test boots report their outcome to the runner. */
#ifndef ADROS_POWER_H
#define ADROS_POWER_H

#include <adros/types.h>

enum { POWEROFF_OK = 0, POWEROFF_FAIL = 1, POWEROFF_PANIC = 2 };

/* Runs the registered shutdown hooks (sync disks, stop rump), then powers off. */
__noreturn void machine_poweroff(int status);
__noreturn void machine_reboot(void);
/* Powers off at once, no hooks (panic path). */
__noreturn void machine_poweroff_now(int status);

struct shutdown_hook {
    const char *name;
    void (*fn)(void);
    struct shutdown_hook *next;
};
/* Hooks run in reverse registration order at poweroff/reboot. */
void shutdown_hook_add(struct shutdown_hook *h);

#endif
