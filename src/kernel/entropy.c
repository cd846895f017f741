/* Entropy pool and the kernel CSPRNG (see entropy.h).
 *
 * The pool is 16 words mixed with rotations as events arrive (interrupt
 * dispatch feeds it the cycle counter and the line).  Seeding hashes the
 * pool into the generator's key through one ChaCha20 block keyed with the
 * old key; 256 credited bits make the generator "seeded". Credit is
 * conservative: one bit per interrupt event, and for jitter one bit per
 * eight samples. */
#include <adros/chacha20.h>
#include <adros/clock.h>
#include <adros/entropy.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/platform.h>
#include <adros/sched.h>
#include <adros/spinlock.h>
#include <adros/string.h>

#define SEED_BITS 256

static uint32_t pool[16];
static unsigned pool_pos;
static unsigned pool_bits;     /* credited, not yet used for a reseed */
static unsigned total_bits;
static uint8_t key[32];
static uint32_t nonce_ctr;
static bool seeded;
static const char *source = "jitter";
static spinlock_t lock = SPINLOCK_INIT("entropy");
static struct waitq seeded_wq = WAITQ_INIT(seeded_wq);

static void mix(uint32_t v)
{
    unsigned i = pool_pos++ & 15;
    pool[i] = ((pool[i] << 7) | (pool[i] >> 25)) ^ v ^ pool[(i + 7) & 15];
}

/* Lock held. */
static void reseed(void)
{
    uint8_t nonce[12] = { 0 };
    uint8_t out[64];
    memcpy(nonce, &nonce_ctr, 4);
    nonce_ctr++;
    /* Key the block with old key XOR pool, so both contribute. */
    uint8_t k[32];
    for (int i = 0; i < 32; i++)
        k[i] = key[i] ^ ((uint8_t *)pool)[i] ^ ((uint8_t *)pool)[32 + i];
    chacha20_block(k, 0, nonce, out);
    memcpy(key, out, 32);
    memset(out, 0, sizeof(out));
    memset(k, 0, sizeof(k));
    total_bits += pool_bits;
    pool_bits = 0;
    if (!seeded && total_bits >= SEED_BITS) {
        seeded = true;
        waitq_wake_all(&seeded_wq);
    }
}

void entropy_add_event(uint32_t data)
{
    irqflags_t f = spin_lock_irqsave(&lock);
    mix((uint32_t)arch_cycles() ^ (data << 24));
    pool_bits++;
    if (pool_bits >= 64 || (!seeded && pool_bits + total_bits >= SEED_BITS))
        reseed();
    spin_unlock_irqrestore(&lock, f);
}

void entropy_add_bytes(const void *buf, size_t len, unsigned credit_bits)
{
    const uint8_t *p = buf;
    irqflags_t f = spin_lock_irqsave(&lock);
    for (size_t i = 0; i < len; i += 4) {
        uint32_t v = 0;
        memcpy(&v, p + i, MIN((size_t)4, len - i));
        mix(v);
    }
    pool_bits += credit_bits;
    reseed();
    spin_unlock_irqrestore(&lock, f);
}

static void jitter_sample(unsigned samples)
{
    volatile uint32_t sink = 0;
    for (unsigned i = 0; i < samples; i++) {
        uint64_t t0 = arch_cycles();
        for (unsigned j = 0; j < (i & 31) + 8; j++)
            sink += j * (uint32_t)t0;
        uint64_t d = arch_cycles() - t0;
        irqflags_t f = spin_lock_irqsave(&lock);
        mix((uint32_t)d ^ sink);
        if ((i & 7) == 7)
            pool_bits++;
        spin_unlock_irqrestore(&lock, f);
    }
}

void entropy_init(void)
{
    uint32_t v;
    unsigned hw_bits = 0;
    if (arch_has_rdseed()) {
        for (int i = 0; i < 16; i++)
            if (arch_rdseed32(&v))
                mix(v), hw_bits += 32;
        source = "rdseed+jitter";
    } else if (arch_has_rdrand()) {
        for (int i = 0; i < 16; i++)
            if (arch_rdrand32(&v))
                mix(v), hw_bits += 32;
        source = "rdrand+jitter";
    }
    irqflags_t f = spin_lock_irqsave(&lock);
    mix((uint32_t)clock_wall_ns());
    pool_bits += MIN(hw_bits, (unsigned)SEED_BITS);
    spin_unlock_irqrestore(&lock, f);
    jitter_sample(2048);
    f = spin_lock_irqsave(&lock);
    reseed();
    spin_unlock_irqrestore(&lock, f);
    kprintf("entropy: %s, %u bits credited, %s\n", source, total_bits, seeded ? "seeded" : "not yet seeded");
}

ssize_t getrandom(void *buf, size_t len, unsigned flags)
{
    if (!seeded && (flags & GRND_HARD)) {
        if (flags & GRND_NONBLOCK)
            return -EAGAIN;
        irqflags_t f = irq_save();
        while (!seeded) {
            int r = waitq_wait(&seeded_wq, 0, true);
            if (r == -EINTR) {
                irq_restore(f);
                return -EINTR;
            }
        }
        irq_restore(f);
    }
    uint8_t *out = buf;
    size_t done = 0;
    while (done < len) {
        uint8_t blk[64];
        irqflags_t f = spin_lock_irqsave(&lock);
        uint8_t nonce[12] = { 0 };
        memcpy(nonce, &nonce_ctr, 4);
        nonce_ctr++;
        chacha20_block(key, 0, nonce, blk);
        memcpy(key, blk, 32); /* fast key erasure */
        spin_unlock_irqrestore(&lock, f);
        size_t n = MIN((size_t)32, len - done);
        memcpy(out + done, blk + 32, n);
        memset(blk, 0, sizeof(blk));
        done += n;
    }
    return (ssize_t)len;
}

uint32_t krand32(void)
{
    uint32_t v;
    getrandom(&v, sizeof(v), 0);
    return v;
}

bool entropy_seeded(void) { return seeded; }
unsigned entropy_estimate_bits(void) { return total_bits + pool_bits; }
const char *entropy_source(void) { return source; }
