/* NetBSD's DELAY() in the rump kernel: a sleep that gives up the rump CPU.
 *
 * The rump kernel's own delay (rump_delay in its emul.c) busy-waits on
 * rumpuser_clock_gettime for the whole delay, holding its rump CPU: the
 * hypercall interface has no "sleep keeping the big lock and the spin
 * mutexes".  Drivers DELAY for long while holding both: wm_init holds the
 * big lock and wm's core spin mutex through wm_reset, wm_gmii_reset and
 * mii_phy_auto's 500 x DELAY(1000) wait for the PHY.  Measured in the
 * boot's DHCP start (net=dhcp, e1000 + intel-hda): 572 ms of DELAY in
 * one stretch; the sound card's interrupt thread waited 553-572 ms for a
 * rump CPU, longer than the card's 371 ms ring, which QEMU played twice
 * ("2000 ms of sound in 2570 ms").  A second virtual CPU alone does not
 * help: a waiter whose CPU is busy migrates once, to the next CPU in turn,
 * and then waits for that one, which may be the one held (measured: the
 * interrupt thread waited 335 ms so with two).
 *
 * Every driver reaches DELAY through the pointer delay_func (x86's
 * <machine/cpu.h>: rumpdev_pci, wm, mii, hdaudio, usb, virtio; checked
 * with nm on the components), which a rump component sets here before any
 * device attaches.  A delay of SLEEP_MIN_US or more gives up the CPU and
 * sleeps, keeping the big lock and every mutex, as the rump kernel's own
 * _kernel_lock does while it waits for the big lock (rump_unschedule_cpu1,
 * then rump_schedule_cpu), and as NetBSD's DELAY lets interrupts in; other
 * lwps run meanwhile and find what DELAY's caller holds still held:
 *  - the big lock and adaptive mutexes: they wait for it without a CPU,
 *    as always;
 *  - a spin mutex: rumpuser_mutex_enter_nowrap asks spin_release() below,
 *    which, when the holder is one of these sleepers, gives up the
 *    waiter's CPU too while it waits (the waiter is then a sleeper until
 *    it has a CPU again).  No lwp can then keep a CPU waiting for a
 *    sleeper, except one that began to wait while the holder still ran,
 *    i.e. on another CPU: at most ncpu - 1 of them, so a sleeper always
 *    finds a CPU to come back to.
 * AdrOS's timers are one-shot (tickless): the sleep ends at the deadline;
 * a wakeup before it (a thread asked to stop) spins the rest.  Shorter
 * delays spin as NetBSD's do: a register poll's DELAY(5) costs less than
 * a context switch. */
#ifdef ADROS_HAVE_RUMP
#include <adros/clock.h>
#include <adros/irq.h>
#include <adros/sched.h>

#include "../rumpuser/rumpuser_adros.h"
#include "rump_int.h"

#define SLEEP_MIN_US 200u
#define MAX_SLEEPERS 16

struct lwp;
extern void (*rumpns_delay_func)(unsigned int);
/* The rump kernel's scheduler (its scheduler.c), as _kernel_lock uses it. */
void rump_unschedule_cpu1(struct lwp *l, void *interlock);
void rump_schedule_cpu(struct lwp *l);
struct lwp *rumpuser_curlwp(void);

/* Threads asleep in DELAY without their CPU, and the totals reported by
 * rump__delay_stats(): changed with interrupts off (one CPU; i386 has no
 * 64-bit atomic add without libatomic). */
static struct thread *sleepers[MAX_SLEEPERS];
static uint64_t delay_ns_slept, delay_ns_spun, spin_waits;

static void account(uint64_t *sum, uint64_t n)
{
    irqflags_t f = irq_save();
    *sum += n;
    irq_restore(f);
}

/* Registers the caller as a sleeper; false when the table is full (then
 * it spins: a lost sleep, never a wrong answer to spin_release). */
static bool sleeper_add(struct thread *t)
{
    irqflags_t f = irq_save();
    for (int i = 0; i < MAX_SLEEPERS; i++) {
        if (!sleepers[i]) {
            sleepers[i] = t;
            irq_restore(f);
            return true;
        }
    }
    irq_restore(f);
    return false;
}

static void sleeper_remove(struct thread *t)
{
    irqflags_t f = irq_save();
    for (int i = 0; i < MAX_SLEEPERS; i++)
        if (sleepers[i] == t)
            sleepers[i] = NULL;
    irq_restore(f);
}

static bool is_sleeper(struct thread *t)
{
    bool r = false;
    irqflags_t f = irq_save();
    for (int i = 0; i < MAX_SLEEPERS && !r; i++)
        r = sleepers[i] == t;
    irq_restore(f);
    return r;
}

/* A waiter for a sleeper's spin mutex gives up its CPU, and counts as a
 * sleeper itself until it has a CPU again: it may get the mutex first and
 * then wait for a CPU, and whoever waits for the mutex then must not keep
 * one either. */
static bool spin_release(struct thread *owner)
{
    struct thread *self = thread_current();
    if (!is_sleeper(owner) || !sleeper_add(self))
        return false;
    account(&spin_waits, 1);
    rump_unschedule_cpu1(rumpuser_curlwp(), NULL);
    return true;
}

static void spin_reacquire(void)
{
    rump_schedule_cpu(rumpuser_curlwp());
    sleeper_remove(thread_current());
}

static void adros_delay(unsigned int us)
{
    uint64_t t0 = clock_gettime_ns();
    uint64_t end = t0 + (uint64_t)us * 1000u;
    struct lwp *l = rumpuser_curlwp();
    struct thread *self = thread_current();
    if (us >= SLEEP_MIN_US && l && sleeper_add(self)) {
        rump_unschedule_cpu1(l, NULL);
        (void)process_sleep_until(end);
        uint64_t t = clock_gettime_ns();
        /* Still a sleeper while it waits for a CPU: whoever waits for
         * one of its spin mutexes meanwhile must not keep one. */
        rump_schedule_cpu(l);
        sleeper_remove(self);
        account(&delay_ns_slept, (t < end ? t : end) - t0);
        t0 = t;
    }
    uint64_t t = t0;
    while (t < end)
        t = clock_gettime_ns();
    if (t > t0)
        account(&delay_ns_spun, t - t0);
}

void rump__delay_stats(uint64_t *slept_ns, uint64_t *spun_ns, uint64_t *waits)
{
    irqflags_t f = irq_save();
    *slept_ns = delay_ns_slept;
    *spun_ns = delay_ns_spun;
    *waits = spin_waits;
    irq_restore(f);
}

/* NetBSD's struct rump_component, as rump_timecounter.c declares it. */
struct nb_rump_component_d {
    int type;
    void (*init)(void);
    void *entries[2]; /* LIST_ENTRY */
};
#define NB_RUMP_COMPONENT_KERN 7 /* enum rump_component_type */

static void delay_component_init(void)
{
    rumpuser_adros_set_spin_wait_hooks(spin_release, spin_reacquire);
    rumpns_delay_func = adros_delay;
}

/* Written by rump_component_load (its list entry): not const. */
static struct nb_rump_component_d delay_component = { NB_RUMP_COMPONENT_KERN, delay_component_init, { 0, 0 } };
static const struct nb_rump_component_d *const delay_component_p
    __attribute__((used, section("link_set_rump_components"))) = &delay_component;

#endif
