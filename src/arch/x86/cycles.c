/* The TSC as the cycle counter; its frequency from CPUID leaf 0x15/0x16 when
 * present, otherwise measured against PIT channel 2 (two measurements that
 * agree). */
#include <adros/platform.h>
#include <arch/x86.h>


uint64_t arch_cycles(void) { return rdtsc(); }

#define CAL_MS 10        /* one measurement against the PIT */
#define CAL_TRIES 100    /* 10 ms each: up to 1 s of boot on a host that keeps stalling it */
#define PIT_HZ_CAL 1193182ull

/* Sorts v (at most CAL_TRIES values) and returns its middle one. */
static uint64_t median(uint64_t *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

uint64_t arch_cycles_hz(const char **how)
{
    uint32_t a, b, c, d;
    cpuid(0, 0, &a, &b, &c, &d);
    uint32_t maxleaf = a;
    if (maxleaf >= 0x15) {
        cpuid(0x15, 0, &a, &b, &c, &d);
        if (a && b && c) {
            *how = "cpuid-15h";
            return (uint64_t)c * b / a;
        }
    }
    /* Under emulation CPUID 16h is only a nominal figure: measure instead.
     * Each measurement brackets the TSC between two readings of the PIT; a
     * host that stalls the emulated CPU during a reading widens the bracket
     * (before, waiting for the PIT's expiry, such stalls silently
     * lengthened the measurement: on a loaded host 2 boots in 12 had their
     * clock run at 0.63 of real time), and one that stalls it 55 ms or more
     * between two readings lets the 16-bit count wrap unseen (boots on a
     * host at load 10 read 11-54 GHz; a bracket does not show it).  So two
     * narrow measurements must agree within 0.1 %: a wrapped one is off by
     * the whole wrap (at least 5 times the 10 ms), and two are not off
     * alike.  On a calm host the first two agree; after CAL_TRIES without
     * a pair, the median of every measurement, reported as imprecise. */
    uint64_t narrow[CAL_TRIES], wide[CAL_TRIES];
    int n = 0, nw = 0;
    for (int i = 0; i < CAL_TRIES; i++) {
        uint64_t lo, hi;
        uint32_t ticks;
        pit_measure_tsc(CAL_MS, &lo, &hi, &ticks);
        if (!ticks || !lo)
            continue;
        uint64_t f = (lo + hi) / 2 * PIT_HZ_CAL / ticks;
        if ((hi - lo) * 2000 > lo) {
            wide[nw++] = f;
            continue;
        }
        for (int j = 0; j < n; j++)
            if ((f > narrow[j] ? f - narrow[j] : narrow[j] - f) * 1000 <= f) {
                *how = "pit-calibrated";
                return (f + narrow[j]) / 2;
            }
        narrow[n++] = f;
    }
    *how = "pit-calibrated, imprecise (a busy host)";
    return n ? median(narrow, n) : nw ? median(wide, nw) : 0;
}
