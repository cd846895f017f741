/* Time: the monotonic clock never decreases (a million reads from several
 * threads), advances at the rate of the RTC, and wall time agrees with it. */
#include <adros/clock.h>
#include <adros/ktest.h>
#include <adros/sched.h>
#include <adros/spinlock.h>

static volatile uint32_t backwards;
static uint64_t global_last;

static void *reader(void *arg)
{
    int n = (int)(uintptr_t)arg;
    uint64_t last = 0;
    for (int i = 0; i < n; i++) {
        uint64_t now = clock_gettime_ns();
        if (now < last)
            backwards++;
        last = now;
        if ((i & 255) == 0) {
            /* Across threads too: a value read after another thread's must
             * not be smaller (interrupts off makes read+compare atomic). */
            irqflags_t f = irq_save();
            uint64_t g = clock_gettime_ns();
            if (g < global_last)
                backwards++;
            global_last = g;
            irq_restore(f);
        }
    }
    return NULL;
}

static void monotonic_million(struct ktest *t)
{
    backwards = 0;
    global_last = 0;
    struct thread *th[4];
    for (int i = 0; i < 4; i++) {
        struct thread_attr a = { .name = "clk", .prio = PRIO_NORMAL, .stack_size = 8192,
                                 .flags = PROCESS_FLAG_JOINABLE };
        KT_ASSERT_EQ(t, thread_create(&a, reader, (void *)250000, &th[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        thread_join(th[i], NULL);
    KT_EXPECT_EQ(t, backwards, 0);
}

static void wall_agrees_with_rtc(struct ktest *t)
{
    struct rtc_time r;
    KT_ASSERT_EQ(t, rtc_read(&r), 0);
    uint64_t rtc = rtc_to_epoch(&r);
    uint64_t wall = clock_wall_ns() / NSEC_PER_SEC;
    int64_t diff = (int64_t)wall - (int64_t)rtc;
    ktest_log(t, "RTC %04d-%02d-%02d %02d:%02d:%02d, wall-RTC %lld s", r.year, r.month, r.day, r.hour, r.min, r.sec,
              (long long)diff);
    KT_EXPECT_LE(t, diff, 2);
    KT_EXPECT_GE(t, diff, -2);
    KT_EXPECT_GE(t, r.year, 2020);
}

/* Waits for the RTC's next second; *lo..*hi brackets when it began in
 * monotonic time: after the start of the last read that still gave the
 * old second, before the end of the first that gave the new one.  (A stall
 * of the emulator between the two widens the bracket, not biases it.) */
static int rtc_next_second(uint64_t *lo, uint64_t *hi, bool poll_sleep)
{
    struct rtc_time r;
    uint64_t a = clock_gettime_ns();
    if (rtc_read(&r) != 0)
        return -1;
    int s0 = r.sec;
    for (;;) {
        if (poll_sleep)
            process_sleep(2 * NSEC_PER_MSEC);
        uint64_t ta = clock_gettime_ns();
        if (rtc_read(&r) != 0)
            return -1;
        uint64_t tb = clock_gettime_ns();
        if (r.sec != s0) {
            *lo = a;
            *hi = tb;
            return 0;
        }
        a = ta;
    }
}

static void rate_matches_rtc(struct ktest *t)
{
    /* Between two RTC second boundaries two seconds apart, the monotonic
     * clock advances 2 s (within 5 %): the bracket of possible elapsed
     * times must contain a value in that range. */
    uint64_t lo0, hi0, lo1, hi1, lo2, hi2;
    KT_ASSERT_EQ(t, rtc_next_second(&lo0, &hi0, false), 0);
    KT_ASSERT_EQ(t, rtc_next_second(&lo1, &hi1, true), 0);
    KT_ASSERT_EQ(t, rtc_next_second(&lo2, &hi2, true), 0);
    uint64_t least = lo2 > hi0 ? lo2 - hi0 : 0, most = hi2 - lo0;
    ktest_log(t, "two RTC seconds took %llu..%llu ms of monotonic time", (unsigned long long)(least / NSEC_PER_MSEC),
              (unsigned long long)(most / NSEC_PER_MSEC));
    KT_EXPECT_GT(t, most, 1900 * NSEC_PER_MSEC);
    KT_EXPECT_LT(t, least, 2100 * NSEC_PER_MSEC);
}

static void epoch_conversion(struct ktest *t)
{
    struct rtc_time r = { 2024, 2, 29, 23, 59, 59 };
    uint64_t e = rtc_to_epoch(&r);
    KT_EXPECT_EQ(t, e, 1709251199ull);
    struct rtc_time back;
    epoch_to_rtc(e + 1, &back);
    KT_EXPECT_EQ(t, back.year, 2024);
    KT_EXPECT_EQ(t, back.month, 3);
    KT_EXPECT_EQ(t, back.day, 1);
    KT_EXPECT_EQ(t, back.hour, 0);
}

KTEST_SUITE(time, KTEST_CASE(monotonic_million), KTEST_CASE(wall_agrees_with_rtc), KTEST_CASE(rate_matches_rtc),
            KTEST_CASE(epoch_conversion));
