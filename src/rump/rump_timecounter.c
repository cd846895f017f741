/* The rump kernel's timecounter: NetBSD's time of day and uptime
 * (microtime, binuptime, getmicrouptime...) read AdrOS's monotonic clock.
 *
 * Platform facts this answers (measured with auich on QEMU's AC97):
 *
 *  - A rump kernel has no timecounter hardware: NetBSD's time runs on
 *    kern_clock.c's "clockinterrupt" counter, which is hardclock_ticks at
 *    hz (100 Hz), so rump time advances only when the clock thread ticks.
 *  - In a rump kernel hardclock runs in the clock thread (rumpclk0), an
 *    lwp bound to virtual CPU 0, and a rump CPU is never preempted: while
 *    another lwp spins on it, there is no tick and rump time stands still.
 *    auich's link-rate calibration spins that way (kpreempt_disable; until
 *    the PCM-in DMA moves or microtime() says 1 s passed), and with QEMU's
 *    wav audio backend, which has no capture voice, the DMA never moves:
 *    rump_init never returned.
 *  - Any faster counter needs a windup (tc_windup, from hardclock on the
 *    primary CPU) at least once per second: a reader computes
 *    th_scale * (count - count_at_windup) in 64 bits, which wraps when the
 *    counter moved by its frequency, i.e. after one second.
 *
 * So the counter is AdrOS's clock in microseconds (32 bits, wrapping every
 * 71 minutes; the clock thread winds up every 10 ms), and a read that
 * finds no tick for WIND_US winds the timecounter up itself (tc_ticktock,
 * which takes timecounter_lock; not when this lwp already holds it, i.e.
 * inside a windup).  Reads by a spinner therefore see real time and its
 * timeout expires.  When nobody reads while the clock thread is held off
 * (an lwp spinning without looking at the time), the counter is not
 * allowed to move by more than STEP_US between two reads: the time beyond
 * is dropped (rump time then runs behind AdrOS's by that much) rather than
 * making the next windup wrap.  Between a windup and any read the counter
 * thus moves by less than WIND_US + STEP_US < 1 s.  Ticks (callouts,
 * kpause) are unchanged: they still need the clock thread.
 *
 * Measured with AC97 and the wav backend: the calibration now times out
 * after about 1.5 s ("ac97 link rate calibration timed out", the driver
 * keeps its 48 kHz default, which is QEMU's rate) and auich attaches;
 * rump_init takes that much longer with that card.
 *
 * The timecounter is registered by a rump component of type
 * RUMP_COMPONENT_KERN, which rump_init runs before any device attaches. */
#ifdef ADROS_HAVE_RUMP
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/spinlock.h>

#define WIND_US 500000u /* a read after this long without a tick winds up */
#define STEP_US 400000u /* the most the counter moves between two reads */

/* NetBSD's struct timecounter (sys/timetc.h, i386). */
struct nb_timecounter {
    unsigned (*get_timecount)(struct nb_timecounter *);
    void (*poll_pps)(struct nb_timecounter *);
    unsigned counter_mask;
    uint64_t frequency;
    const char *name;
    int quality;
    void *priv;
    struct nb_timecounter *next;
};
_Static_assert(__builtin_offsetof(struct nb_timecounter, frequency) == 12, "timecounter.tc_frequency at 12");
_Static_assert(sizeof(struct nb_timecounter) == 36, "NetBSD timecounter is 36 bytes");

/* NetBSD's struct rump_component (sys/rump/include/rump-sys/kern.h); rump_init
 * finds it in the link_set_rump_components linker set. */
struct nb_rump_component {
    int type;
    void (*init)(void);
    void *entries[2]; /* LIST_ENTRY */
};
#define NB_RUMP_COMPONENT_KERN 7 /* enum rump_component_type */

extern volatile int rumpns_hardclock_ticks;
extern char rumpns_timecounter_lock[]; /* kmutex_t */
int rumpns_mutex_owned(void *mtx);
void rumpns_tc_init(struct nb_timecounter *tc);
void rumpns_tc_ticktock(void);

static spinlock_t tc_lock = SPINLOCK_INIT("rump-tc");
static uint64_t lost_us;     /* AdrOS time dropped (STEP_US): counter = clock - lost */
static uint64_t last_us;     /* the counter at the last read */
static uint64_t tick_us;     /* the counter when hardclock_ticks last changed */
static int seen_ticks;
static bool winding;
static bool told;

static unsigned tc_get(struct nb_timecounter *tc)
{
    (void)tc;
    irqflags_t f = spin_lock_irqsave(&tc_lock);
    uint64_t now = clock_gettime_ns() / 1000 - lost_us;
    if (now - last_us > STEP_US) {
        lost_us += now - last_us - STEP_US;
        now = last_us + STEP_US;
    }
    last_us = now;
    int t = rumpns_hardclock_ticks;
    bool wind = false;
    uint64_t starved = now - tick_us;
    if (t != seen_ticks) {
        seen_ticks = t;
        tick_us = now;
    } else if (starved > WIND_US && !winding) {
        wind = true;
        winding = true;
        tick_us = now;
    }
    spin_unlock_irqrestore(&tc_lock, f);
    /* The lock check: this read may come from a windup (tc_init's,
     * tc_setclock's) by an lwp that already holds timecounter_lock. */
    if (wind) {
        if (!rumpns_mutex_owned(rumpns_timecounter_lock)) {
            if (!told) {
                told = true;
                kprintf("rump: no clock tick for %llu ms (an lwp spins on the rump CPU): "
                        "the timecounter winds itself up\n", (unsigned long long)(starved / 1000));
            }
            rumpns_tc_ticktock();
        }
        winding = false;
    }
    return (unsigned)now;
}

static struct nb_timecounter adros_tc = {
    .get_timecount = tc_get,
    .counter_mask = ~0u,
    .frequency = 1000000,
    .name = "adros",
    .quality = 100, /* above clockinterrupt's 0: chosen at once */
};

static void tc_component_init(void)
{
    uint64_t now = clock_gettime_ns() / 1000;
    last_us = tick_us = now;
    seen_ticks = rumpns_hardclock_ticks;
    rumpns_tc_init(&adros_tc);
}

/* Written by rump_component_load (its list entry): not const. */
static struct nb_rump_component tc_component = { NB_RUMP_COMPONENT_KERN, tc_component_init, { 0, 0 } };
static const struct nb_rump_component *const tc_component_p
    __attribute__((used, section("link_set_rump_components"))) = &tc_component;

#endif
