/* The TSC as the cycle counter; its frequency from CPUID leaf 0x15/0x16 when
 * present, otherwise measured against PIT channel 2 (best of three). */
#include <adros/platform.h>
#include <arch/x86.h>


uint64_t arch_cycles(void) { return rdtsc(); }

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
    /* Under emulation CPUID 16h is only a nominal figure: measure instead. */
    uint64_t best = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t t = pit_measure_tsc(5);
        if (i == 0 || t < best)
            best = t; /* the shortest: least disturbed by the emulator */
    }
    *how = "pit-calibrated";
    return best * 200;
}
