/* Suite `rumptime`: the rump kernel's time while an lwp spins on its CPU
 * (src/rump/rump_timecounter.c).
 *
 * The case holds the rump kernel's only virtual CPU (rump_schedule) and
 * spins for 1.5 s of AdrOS time reading NetBSD's microtime(), as auich's
 * AC'97 link-rate calibration does: the rump clock thread cannot tick
 * meanwhile, yet rump time must advance with AdrOS's (it stood still on
 * NetBSD's tick-driven "clockinterrupt" counter, and auich then spun
 * forever).  After the CPU is given back the clock thread ticks again and
 * time stays monotonic.  Without the rump components every case reports
 * SKIP with the reason.  Booted by tools/test/plan_audio.py ("rump-time"). */
#include <adros/clock.h>
#include <adros/ktest.h>
#include <adros/rump.h>
#include <adros/sched.h>

#ifdef ADROS_HAVE_RUMP
void rump_schedule(void);
void rump_unschedule(void);

/* NetBSD/i386 struct timeval: time_t is 64-bit, suseconds_t an int. */
struct nb_timeval {
    int64_t tv_sec;
    int32_t tv_usec;
} __attribute__((packed, aligned(4)));
_Static_assert(sizeof(struct nb_timeval) == 12, "NetBSD/i386 timeval is 12 bytes");
void rumpns_microtime(struct nb_timeval *tv);
extern volatile int rumpns_hardclock_ticks;

static int64_t us(const struct nb_timeval *tv) { return tv->tv_sec * 1000000 + tv->tv_usec; }

static void spin_time(struct ktest *t)
{
    if (!rump_running())
        KT_SKIP(t, "the rump kernel is not running (rump=off, or it failed to start)");
    struct nb_timeval a, b, c;
    rump_schedule();
    int ticks0 = rumpns_hardclock_ticks;
    rumpns_microtime(&a);
    uint64_t end = clock_gettime_ns() + 1500 * NSEC_PER_MSEC;
    unsigned long reads = 0;
    do {
        rumpns_microtime(&b);
        reads++;
    } while (clock_gettime_ns() < end);
    int ticks1 = rumpns_hardclock_ticks;
    rump_unschedule();
    ktest_log(t, "spinning 1500 ms on the rump CPU: rump time +%lld us, %lu reads, %d clock ticks",
              (long long)(us(&b) - us(&a)), reads, ticks1 - ticks0);
    KT_EXPECT_GE(t, us(&b) - us(&a), 1400000);
    KT_EXPECT_LE(t, us(&b) - us(&a), 1600000);

    /* Given back, the clock thread ticks again; time goes on from there. */
    process_sleep(200 * NSEC_PER_MSEC);
    rump_schedule();
    int ticks2 = rumpns_hardclock_ticks;
    rumpns_microtime(&c);
    rump_unschedule();
    ktest_log(t, "200 ms later: %d ticks, rump time +%lld us", ticks2 - ticks1, (long long)(us(&c) - us(&b)));
    KT_EXPECT_GT(t, ticks2 - ticks1, 5);
    KT_EXPECT_GE(t, us(&c) - us(&b), 150000);
    KT_EXPECT_LE(t, us(&c) - us(&b), 400000);
}

#else

static void spin_time(struct ktest *t)
{
    KT_SKIP(t, "kernel built without NetBSD rump components");
}

#endif

KTEST_SUITE(rumptime, KTEST_CASE(spin_time));
