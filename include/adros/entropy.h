/* Kernel randomness.  Sources: RDSEED/RDRAND when the CPU has them; timing
 * jitter of the TSC and of interrupts otherwise (and always, mixed in).  The
 * output is a ChaCha20 keystream with fast key erasure (the key is replaced
 * after every request), reseeded from the pool as entropy arrives. */
#ifndef ADROS_ENTROPY_H
#define ADROS_ENTROPY_H

#include <adros/types.h>

#define GRND_NONBLOCK 0x1 /* never wait: -EAGAIN if not seeded yet */
#define GRND_HARD 0x2     /* only output from a fully seeded generator */

void entropy_init(void);
/* Called from interrupt dispatch: mixes the event's timing into the pool. */
void entropy_add_event(uint32_t data);
void entropy_add_bytes(const void *buf, size_t len, unsigned credit_bits);
/* Fills buf; returns len, -EAGAIN (GRND_NONBLOCK and not seeded) or -EINTR.
 * Without GRND_HARD the generator answers at once even before full seeding
 * (it is always keyed with the boot-time sample). */
ssize_t getrandom(void *buf, size_t len, unsigned flags);
bool entropy_seeded(void);
unsigned entropy_estimate_bits(void);
const char *entropy_source(void);
uint32_t krand32(void);

#endif
