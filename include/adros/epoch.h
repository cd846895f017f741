/* Calendar conversions (proleptic Gregorian, UTC), portable
 * (src/lib/epoch.c, host-tested): broken-down time <-> seconds since
 * 1970-01-01. */
#ifndef ADROS_EPOCH_H
#define ADROS_EPOCH_H

#include <adros/types.h>

struct rtc_time {
    int year, month, day, hour, min, sec;
};
uint64_t rtc_to_epoch(const struct rtc_time *t);
void epoch_to_rtc(uint64_t secs, struct rtc_time *t);

#endif
