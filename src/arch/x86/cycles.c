/* The TSC as the cycle counter; its frequency from CPUID leaf 0x15/0x16 when
 * present, otherwise measured against PIT channel 2 (two measurements that
 * agree). */
#include <adros/platform.h>
#include <arch/x86.h>


uint64_t arch_cycles(void) { return rdtsc(); }

#define CAL_MS 10        /* one measurement against the PIT */
#define CAL_TRIES 12     /* at most 120 ms of boot */
#define PIT_HZ_CAL 1193182ull

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
     * clock run at 0.63 of real time).  The first bracket narrower than
     * 0.05 % is taken; after CAL_TRIES, the narrowest. */
    uint64_t best_lo = 0, best_hi = 0;
    uint32_t best_ticks = 0;
    for (int i = 0; i < CAL_TRIES; i++) {
        uint64_t lo, hi;
        uint32_t ticks;
        pit_measure_tsc(CAL_MS, &lo, &hi, &ticks);
        if (!ticks || !lo)
            continue;
        if (!best_ticks || (hi - lo) * best_lo < (best_hi - best_lo) * lo) {
            best_lo = lo, best_hi = hi, best_ticks = ticks;
            if ((hi - lo) * 2000 <= lo)
                break;
        }
    }
    *how = (best_hi - best_lo) * 2000 <= best_lo ? "pit-calibrated" : "pit-calibrated, imprecise (a busy host)";
    return best_ticks ? (best_lo + best_hi) / 2 * PIT_HZ_CAL / best_ticks : 0;
}
