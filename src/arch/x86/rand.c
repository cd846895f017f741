/* RDRAND and RDSEED, when CPUID reports them.  Each retries a few times:
 * both may transiently fail (CF=0). */
#include <adros/platform.h>
#include <arch/cpu.h>

static int has_rdrand = -1, has_rdseed = -1;

bool arch_has_rdrand(void)
{
    if (has_rdrand < 0) {
        uint32_t a, b, c, d;
        cpuid(1, 0, &a, &b, &c, &d);
        has_rdrand = (c >> 30) & 1;
    }
    return has_rdrand;
}

bool arch_has_rdseed(void)
{
    if (has_rdseed < 0) {
        uint32_t a, b, c, d;
        cpuid(0, 0, &a, &b, &c, &d);
        has_rdseed = 0;
        if (a >= 7) {
            cpuid(7, 0, &a, &b, &c, &d);
            has_rdseed = (b >> 18) & 1;
        }
    }
    return has_rdseed;
}

bool arch_rdrand32(uint32_t *v)
{
    if (!arch_has_rdrand())
        return false;
    for (int i = 0; i < 10; i++) {
        uint8_t ok;
        __asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}

bool arch_rdseed32(uint32_t *v)
{
    if (!arch_has_rdseed())
        return false;
    for (int i = 0; i < 10; i++) {
        uint8_t ok;
        __asm__ volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
        if (ok)
            return true;
    }
    return false;
}
