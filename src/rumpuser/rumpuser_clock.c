/* librumpuser_adros, clock group: rumpuser_clock_gettime and
 * rumpuser_clock_sleep.
 *
 * RELWALL is wall time (CMOS RTC at boot plus monotonic time since) for
 * gettime, and a relative duration for sleep.  ABSMONO is AdrOS's
 * monotonic clock (TSC, nanoseconds since boot, never going back) for
 * gettime, and an absolute deadline on that clock for sleep: the rump
 * kernel's clock thread sleeps until its next tick with it, so a late
 * wakeup must not push the following ticks later.  Sleeping gives up the
 * rump CPU.
 *
 * A relative sleep shorter than YIELD_NS lasts YIELD_NS: the rump kernel
 * sleeps "for the smallest possible time" to let a lock holder run (its
 * page daemon, finding a page's object locked by a running thread, sleeps
 * 1 ns and scans again).  On a host with several CPUs the holder runs
 * meanwhile; on AdrOS's one CPU with strict priorities, the page daemon
 * (a higher priority than a command's thread) is back before the holder
 * got anywhere, and scans again: measured, a 64 MiB cp through NetBSD's
 * ext2fs past the rump kernel's memory limit stalled every thread at the
 * normal priority (the shell's sleep 30, ping) for over 9 minutes
 * (tools/bench/pingcopy.py).  YIELD_NS is one scheduler slice. */

#include "rumpuser_int.h"

#define YIELD_NS (10 * NSEC_PER_MSEC)

/* 0, or EINVAL for an unknown clock. */
int rumpuser_clock_gettime(int enum_rumpclock, int64_t *sec, long *nsec)
{
    rumpuser__count(RUMPUSER_ADROS_C_CLOCK_GETTIME);
    uint64_t ns;
    switch (enum_rumpclock) {
    case RUMPUSER_CLOCK_RELWALL:
        ns = clock_wall_ns();
        break;
    case RUMPUSER_CLOCK_ABSMONO:
        ns = clock_gettime_ns();
        break;
    default:
        return EINVAL;
    }
    *sec = (int64_t)(ns / NSEC_PER_SEC);
    *nsec = (long)(ns % NSEC_PER_SEC);
    return 0;
}

/* sec.nsec as nanoseconds, 0 if negative, saturating far in the future. */
static uint64_t to_ns(int64_t sec, long nsec)
{
    if (sec < 0 || (sec == 0 && nsec <= 0))
        return 0;
    if (sec >= (int64_t)(UINT64_MAX / NSEC_PER_SEC / 2))
        return UINT64_MAX / 2;
    return (uint64_t)sec * NSEC_PER_SEC + (uint64_t)(nsec > 0 ? nsec : 0);
}

/* 0, EINVAL for an unknown clock or nsec out of range, EINTR if the thread
 * was asked to stop. */
int rumpuser_clock_sleep(int enum_rumpclock, int64_t sec, long nsec)
{
    int r = 0;
    rumpuser__count(RUMPUSER_ADROS_C_CLOCK_SLEEP);
    if (nsec < 0 || nsec >= (long)NSEC_PER_SEC)
        return EINVAL;
    uint64_t ns = to_ns(sec, nsec);
    switch (enum_rumpclock) {
    case RUMPUSER_CLOCK_RELWALL:
        RUMPUSER_BLOCKING(r = process_sleep(ns < YIELD_NS ? YIELD_NS : ns));
        break;
    case RUMPUSER_CLOCK_ABSMONO:
        /* A deadline already past returns at once (after letting others
         * have the rump CPU, as any sleep does). */
        RUMPUSER_BLOCKING(r = ns > clock_gettime_ns() ? process_sleep_until(ns) : 0);
        break;
    default:
        return EINVAL;
    }
    return rumpuser__err(r);
}
