/* Calendar conversions (proleptic Gregorian, UTC).  Portable. */
#include <adros/epoch.h>

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

uint64_t rtc_to_epoch(const struct rtc_time *t)
{
    uint64_t days = 0;
    for (int y = 1970; y < t->year; y++)
        days += leap(y) ? 366 : 365;
    for (int m = 1; m < t->month; m++)
        days += (uint64_t)mdays[m - 1] + (m == 2 && leap(t->year));
    days += (uint64_t)(t->day - 1);
    return days * 86400 + (uint64_t)t->hour * 3600 + (uint64_t)t->min * 60 + (uint64_t)t->sec;
}

void epoch_to_rtc(uint64_t secs, struct rtc_time *t)
{
    uint64_t days = secs / 86400, rem = secs % 86400;
    t->hour = (int)(rem / 3600);
    t->min = (int)(rem % 3600 / 60);
    t->sec = (int)(rem % 60);
    int y = 1970;
    for (;;) {
        uint64_t n = leap(y) ? 366 : 365;
        if (days < n)
            break;
        days -= n;
        y++;
    }
    t->year = y;
    int m = 0;
    for (;; m++) {
        uint64_t n = (uint64_t)mdays[m] + (m == 1 && leap(y));
        if (days < n)
            break;
        days -= n;
    }
    t->month = m + 1;
    t->day = (int)days + 1;
}
