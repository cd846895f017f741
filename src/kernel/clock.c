/* Monotonic and wall-clock time on the cycle counter.
 *
 * ns = base_ns + floor((cycles - base_cycles) * mult / 2^shift), computed
 * exactly in 96 bits, so the clock is monotonic whenever the counter is. */
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/platform.h>

static uint64_t base_cycles;
static uint64_t hz;
static uint32_t mult;
static unsigned shift;
static uint64_t boot_epoch_ns; /* wall time at monotonic 0 */
static bool ready;
static const char *source = "none";

uint64_t clock_cycles(void) { return arch_cycles(); }

uint64_t clock_cycles_to_ns(uint64_t d)
{
    uint64_t lo = (d & 0xffffffffu) * mult;
    uint64_t hi = (d >> 32) * mult;
    return (hi << (32 - shift)) + (lo >> shift);
}

uint64_t clock_gettime_ns(void)
{
    return clock_cycles_to_ns(arch_cycles() - base_cycles);
}

void clock_init(void)
{
    base_cycles = arch_cycles();
    hz = arch_cycles_hz(&source);
    if (hz < 1000000)
        panic("clock: cycle counter runs at %u Hz, too slow", (unsigned)hz);
    /* The largest shift (<= 32) whose multiplier fits in 32 bits. */
    for (shift = 32;; shift--) {
        uint64_t m = (NSEC_PER_SEC << shift) / hz;
        if (m <= 0xffffffffu) {
            mult = (uint32_t)m;
            break;
        }
    }
    ready = true;
    struct rtc_time t;
    if (rtc_read(&t) == 0) {
        uint64_t now = clock_gettime_ns();
        boot_epoch_ns = rtc_to_epoch(&t) * NSEC_PER_SEC - now;
    } else {
        kprintf(KERN_WARN "clock: the RTC gave no valid time; wall clock starts at 1970\n");
    }
    kprintf("clock: TSC %u.%03u MHz (%s)\n", (unsigned)(hz / 1000000), (unsigned)(hz / 1000 % 1000), source);
}

bool clock_ready(void) { return ready; }
uint64_t clock_tsc_hz(void) { return hz; }
const char *clock_source(void) { return source; }
uint64_t clock_wall_ns(void) { return boot_epoch_ns + clock_gettime_ns(); }
