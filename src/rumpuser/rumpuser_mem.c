/* librumpuser_adros, memory group: rumpuser_malloc/free and
 * rumpuser_anonmmap/unmap on the kernel heap.
 *
 * Any power-of-two alignment (page size and larger included) comes from
 * kmalloc_aligned.  Running out of memory, or over the limit RUMP_MEMLIMIT
 * (rump.RUMP_MEMLIMIT=<bytes>[k|m|g] on the command line, half of RAM by
 * default: rumpuser_param.c), answers ENOMEM:
 * the rump kernel then reclaims memory itself.  None of these block, but a
 * refusal that follows another closely sleeps 1 ms first (see refused()). */

#include "rumpuser_int.h"

/* Bytes handed out (the lengths the rump kernel asked for) and the limit;
 * updated with interrupts off (one CPU). */
static size_t mem_in_use;
static size_t mem_limit;

static size_t parse_size(const char *s)
{
    uint64_t v = 0;
    if (!s || *s < '0' || *s > '9')
        return 0;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (uint64_t)(*s++ - '0');
    switch (*s) {
    case 'k': case 'K': v <<= 10; break;
    case 'm': case 'M': v <<= 20; break;
    case 'g': case 'G': v <<= 30; break;
    default: break;
    }
    return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

void rumpuser__mem_init(void)
{
    size_t old = mem_limit;
    mem_limit = parse_size(rumpuser__param("RUMP_MEMLIMIT"));
    if (mem_limit && mem_limit != old)
        kprintf("rumpuser: rump kernel memory limited to %zu KiB (RUMP_MEMLIMIT%s)\n", mem_limit / 1024,
                cmdline_get("rump.RUMP_MEMLIMIT") ? "" : ": half of RAM by default");
    else if (!mem_limit)
        kprintf("rumpuser: rump kernel memory not limited (rump.RUMP_MEMLIMIT=off)\n");
}

size_t rumpuser_adros_mem_in_use(void) { return mem_in_use; }
size_t rumpuser_adros_mem_limit(void) { return mem_limit; }

/* RUMP_MEMLIMIT is the rump kernel's to enforce: it reads the parameter
 * and keeps its normal threads below it, lets its pagedaemon go up to it
 * and allocates some memory outside its own accounting.  Refusing at the
 * same number here starves the pagedaemon and hangs the rump kernel (it
 * waits for memory it believes it has).  So the host only keeps a safety
 * ceiling against a runaway rump kernel: twice the limit plus 16 MiB. */
size_t rumpuser_adros_mem_ceiling(void)
{
    if (!mem_limit)
        return 0;
    size_t c = 2 * mem_limit + 16 * 1024 * 1024;
    return c < mem_limit ? SIZE_MAX : c;
}

static bool charge(size_t len)
{
    size_t ceiling = rumpuser_adros_mem_ceiling();
    irqflags_t f = irq_save();
    bool ok = !ceiling || (mem_in_use + len >= mem_in_use && mem_in_use + len <= ceiling);
    if (ok)
        mem_in_use += len;
    irq_restore(f);
    return ok;
}

static void uncharge(size_t len)
{
    irqflags_t f = irq_save();
    mem_in_use = len > mem_in_use ? 0 : mem_in_use - len;
    irq_restore(f);
}

/* Refusals in a row are slowed down.  NetBSD answers a refused allocation
 * that may wait with uvm_wait: it wakes its pagedaemon and retries when
 * that has run.  When the rump kernel is below its own limit and the heap
 * was exhausted by someone else (memhog, a command, the RAM root), its
 * pagedaemon has nothing to do and returns at once, and the two threads
 * ping-pong: 3.1 million refusals in 30 s of rel-pressure-ram.  Both run
 * above the shell's priority (pdaemon 17, the bio and interrupt threads 20
 * and 24), so the one that would give memory back (memhog, priority 16)
 * could be starved for good: the test's rare hang.  A refusal within
 * REFUSAL_GAP_NS of the previous one first sleeps REFUSAL_SLEEP_NS (the
 * rump CPU kept: the caller may hold NetBSD's spin locks), which leaves the
 * CPU to everyone else; the first refusal after a quiet spell answers at
 * once, and so does one made holding a NetBSD spin mutex. */
#define REFUSAL_GAP_NS   (10 * NSEC_PER_MSEC)
#define REFUSAL_SLEEP_NS (1 * NSEC_PER_MSEC)
static uint64_t last_refusal_ns;
static uint32_t refusals_slowed;

uint32_t rumpuser_adros_mem_refusals_slowed(void) { return refusals_slowed; }

static void refused(void)
{
    uint64_t now = clock_gettime_ns();
    irqflags_t f = irq_save();
    uint64_t last = last_refusal_ns;
    last_refusal_ns = now;
    /* Never while holding one of NetBSD's spin mutexes: an interrupt
     * thread spinning on it would wait out the sleep (rumpuser_sync.c). */
    bool slow = last && now - last < REFUSAL_GAP_NS && rumpuser_adros_spin_ceiling_depth() == 0;
    if (slow)
        refusals_slowed++;
    irq_restore(f);
    if (slow)
        process_sleep(REFUSAL_SLEEP_NS);
}

static int alloc(size_t len, size_t align, void **memp)
{
    *memp = NULL;
    if (len == 0)
        len = 1; /* malloc(0) must still give a unique pointer to free */
    if (align < 16)
        align = 16;
    if (!IS_POW2(align))
        return EINVAL;
    if (!charge(len)) {
        refused();
        return ENOMEM;
    }
    void *p = align <= 16 ? kmalloc(len) : kmalloc_aligned(len, align);
    if (!p) {
        uncharge(len);
        refused();
        return ENOMEM;
    }
    *memp = p;
    return 0;
}

/* alignment 0 means "anything suitable"; otherwise a power of two. */
int rumpuser_malloc(size_t len, int alignment, void **memp)
{
    rumpuser__count(RUMPUSER_ADROS_C_MALLOC);
    if (alignment < 0)
        return EINVAL;
    return alloc(len, (size_t)alignment, memp);
}

/* len is what the rump kernel asked rumpuser_malloc for. */
void rumpuser_free(void *mem, size_t len)
{
    rumpuser__count(RUMPUSER_ADROS_C_FREE);
    if (!mem)
        return;
    kfree(mem);
    uncharge(len ? len : 1);
}

/* Anonymous memory, zeroed like a fresh mapping, aligned to 2^alignbit
 * (at least a page).  prefaddr is a hint we cannot honour (one address
 * space, identity mapped) and exec needs nothing (kernel memory). */
int rumpuser_anonmmap(void *prefaddr, size_t size, int alignbit, int exec, void **memp)
{
    if (alignbit < 0 || alignbit > 24)
        return EINVAL;
    size_t align = (size_t)1 << alignbit;
    if (align < PAGE_SIZE)
        align = PAGE_SIZE;
    int r = alloc(size, align, memp);
    if (r == 0)
        memset(*memp, 0, size);
    return r;
}

void rumpuser_unmap(void *addr, size_t len) { rumpuser_free(addr, len); }
