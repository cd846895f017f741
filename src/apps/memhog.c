/* memhog: takes kernel heap away from everyone else, to run other work
 * under memory pressure (tools/test/plan_reliability.py, tools/test/soak.py).
 *
 *   memhog <MiB>       take MiB more (64 KiB kmallocs; stops early, without
 *                      error, when kmalloc fails: that is the point)
 *   memhog -a [KiB]    take everything kmalloc gives, then hand back KiB
 *                      (default 0) so the next allocations can still succeed
 *                      for a while
 *   memhog free        give everything back
 *   memhog wait        wait until nothing is held (a -t thread gave it
 *                      back), so that a script's next step runs after the
 *                      pressure however fast the work under it went
 *   -t <s> before the amount: a background thread gives everything back
 *                      after s seconds, so work started next runs under the
 *                      pressure and must carry on once it goes
 *   memhog             what is held
 *
 * The chunks are chained through their first word (no bookkeeping that
 * could itself fail), and every page is touched so the memory is really
 * used.  One hog for the whole system, protected by a mutex. */
#include <adros/clock.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/sched.h>
#include <adros/cmd.h>
#include <adros/string.h>
#include <adros/sync.h>

#define HOG_CHUNK (64 * 1024)

static kmutex_t hog_lock = KMUTEX_INIT(hog_lock, "memhog");
static void *hog_head; /* chain of HOG_CHUNK blocks; hog_lock */
static size_t hog_chunks;
static kcond_t hog_empty = { WAITQ_INIT(hog_empty.wq) }; /* broadcast when a -t thread gave all back */

static bool take_one(void)
{
    void **p = kmalloc(HOG_CHUNK);
    if (!p)
        return false;
    for (size_t off = 0; off < HOG_CHUNK; off += PAGE_SIZE)
        ((volatile uint8_t *)p)[off] = 0xa5;
    *p = hog_head;
    hog_head = p;
    hog_chunks++;
    return true;
}

static void give_back(size_t chunks)
{
    while (hog_head && chunks--) {
        void **p = hog_head;
        hog_head = *p;
        kfree(p);
        hog_chunks--;
    }
}

static void *release_later(void *arg)
{
    process_sleep((uint64_t)(uintptr_t)arg * NSEC_PER_SEC);
    kmutex_lock(&hog_lock);
    size_t had = hog_chunks;
    give_back(SIZE_MAX);
    kcond_broadcast(&hog_empty);
    kmutex_unlock(&hog_lock);
    kprintf("memhog: gave back %zu KiB after %u s\n", had * (HOG_CHUNK / 1024), (unsigned)(uintptr_t)arg);
    return NULL;
}

static int parse_num(const char *s, size_t *out)
{
    size_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > SIZE_MAX / 10 - 10)
            return -1;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return 0;
}

static int cmd_memhog(int argc, char **argv)
{
    size_t n = 0, secs = 0;
    if (argc >= 4 && strcmp(argv[1], "-t") == 0) {
        if (parse_num(argv[2], &secs) || secs == 0 || secs > 3600)
            return shell_usage(argv[0]);
        argv += 2;
        argc -= 2;
    }
    bool all = argc >= 2 && strcmp(argv[1], "-a") == 0;
    if (argc > 3 || (argc == 3 && !all))
        return shell_usage(argv[0]);
    if (argc == 2 && strcmp(argv[1], "wait") == 0) {
        /* Ctrl-C is seen within a second. */
        kmutex_lock(&hog_lock);
        while (hog_chunks && !thread_killed())
            (void)kcond_timedwait(&hog_empty, &hog_lock, NSEC_PER_SEC);
        size_t left = hog_chunks;
        kmutex_unlock(&hog_lock);
        if (left)
            return shell_error(argv[0], "interrupted, %zu KiB still held", left * (HOG_CHUNK / 1024));
        shell_printf("memhog: nothing held\n");
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "free") == 0) {
        kmutex_lock(&hog_lock);
        size_t had = hog_chunks;
        give_back(SIZE_MAX);
        kmutex_unlock(&hog_lock);
        shell_printf("memhog: gave back %zu KiB\n", had * (HOG_CHUNK / 1024));
        return 0;
    }
    if ((all && argc == 3 && parse_num(argv[2], &n)) || (!all && argc == 2 && parse_num(argv[1], &n)))
        return shell_usage(argv[0]);
    kmutex_lock(&hog_lock);
    size_t before = hog_chunks;
    bool short_ = false;
    if (all) {
        while (take_one())
            ;
        give_back((n * 1024 + HOG_CHUNK - 1) / HOG_CHUNK);
    } else if (argc == 2) {
        for (size_t i = 0; i < n * (1024 * 1024 / HOG_CHUNK); i++)
            if (!take_one()) {
                short_ = true;
                break;
            }
    }
    size_t now = hog_chunks;
    kmutex_unlock(&hog_lock);
    /* The thread is started after the memory is taken, so creating it can
     * fail: then nothing would ever give the memory back, so do it now. */
    if (secs && !process_create_kernel("memhog", release_later, (void *)(uintptr_t)secs, PRIO_NORMAL, 0)) {
        kmutex_lock(&hog_lock);
        give_back(SIZE_MAX);
        now = hog_chunks;
        kmutex_unlock(&hog_lock);
        return shell_error(argv[0], "no thread to give the memory back later (out of memory); given back now");
    }
    struct kmalloc_stats k;
    kmalloc_get_stats(&k);
    if (argc >= 2)
        shell_printf("memhog: took %zu KiB%s\n", now >= before ? (now - before) * (HOG_CHUNK / 1024) : 0,
                     short_ ? " (kmalloc failed before the amount asked)" : "");
    shell_printf("memhog: holding %zu KiB; heap in use %zu bytes, %llu kmalloc failures so far\n",
                 now * (HOG_CHUNK / 1024), k.bytes_in_use, (unsigned long long)k.failures);
    return 0;
}
SHELL_CMD(memhog, cmd_memhog, "memhog [[-t s] <MiB> | [-t s] -a [KiB] | free | wait]",
          "hold kernel heap to test memory pressure: MiB more, all but KiB, give it back, wait until given back");
