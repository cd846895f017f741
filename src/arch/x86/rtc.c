/* The CMOS real-time clock (BCD or binary, 12- or 24-hour). */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/irq.h>
#include <arch/cpu.h>

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static void read_raw(uint8_t r[7])
{
    static const uint8_t regs[7] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32 };
    for (int i = 0; i < 7; i++)
        r[i] = cmos(regs[i]);
}

int rtc_read(struct rtc_time *t)
{
    uint8_t a[7], b[7];
    int tries = 0;
    /* Read twice with no update in progress until two reads agree. */
    do {
        for (int i = 0; i < 100000 && (cmos(0x0a) & 0x80); i++)
            ;
        read_raw(a);
        for (int i = 0; i < 100000 && (cmos(0x0a) & 0x80); i++)
            ;
        read_raw(b);
        if (++tries > 10)
            return -EIO;
    } while (__builtin_memcmp(a, b, 7) != 0);
    uint8_t regb = cmos(0x0b);
    bool bcd = !(regb & 0x04);
    bool pm = false;
    if (!(regb & 0x02)) { /* 12-hour clock */
        pm = a[2] & 0x80;
        a[2] &= 0x7f;
    }
#define CV(x) (bcd ? (((x) >> 4) * 10 + ((x) & 0x0f)) : (x))
    t->sec = CV(a[0]);
    t->min = CV(a[1]);
    t->hour = CV(a[2]);
    t->day = CV(a[3]);
    t->month = CV(a[4]);
    int year = CV(a[5]);
    int century = a[6] ? CV(a[6]) : 20;
#undef CV
    if (!(regb & 0x02)) {
        if (pm && t->hour != 12)
            t->hour += 12;
        else if (!pm && t->hour == 12)
            t->hour = 0;
    }
    if (century < 19 || century > 30)
        century = 20;
    t->year = century * 100 + year;
    if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > 31 || t->hour > 23 || t->min > 59 || t->sec > 60)
        return -EIO;
    return 0;
}
