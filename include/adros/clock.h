/* Time.  The monotonic clock comes from the TSC, calibrated at boot against
 * the PIT (or CPUID's frequency leaves when the CPU reports them): nanosecond
 * resolution, never going backwards.  Wall time is the CMOS RTC read at boot
 * plus monotonic time since. */
#ifndef ADROS_CLOCK_H
#define ADROS_CLOCK_H

#include <adros/epoch.h>
#include <adros/types.h>

void clock_init(void);
bool clock_ready(void);
uint64_t clock_gettime_ns(void);   /* monotonic, since boot */
uint64_t clock_wall_ns(void);      /* since 1970-01-01 UTC */
uint64_t clock_tsc_hz(void);
uint64_t clock_cycles(void);       /* raw TSC */
uint64_t clock_cycles_to_ns(uint64_t cycles);
const char *clock_source(void);    /* how the TSC was calibrated */

/* Reads the CMOS RTC now (slow: waits out an update cycle); conversions
 * in <adros/epoch.h>. */
int rtc_read(struct rtc_time *t);

/* Arch one-shot timer: interrupt (calling sched_timer_event) after about ns
 * nanoseconds; a later call replaces the earlier one. */
void timer_init(void);
void timer_oneshot(uint64_t ns);
void sched_timer_event(void);

#endif
