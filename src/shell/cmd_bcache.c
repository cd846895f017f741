/* Shell command bcache: the block cache's counters (include/adros/blk.h);
 * `bcache drop` forgets every cached block, so the next reads are cold. */
#include <adros/blk.h>
#include <adros/shell.h>
#include <adros/string.h>

static int cmd_bcache(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "drop") == 0) {
        bcache_drop(NULL);
        return 0;
    }
    if (argc != 1)
        return shell_usage(argv[0]);
    struct bcache_stats s;
    bcache_get_stats(&s);
    shell_printf("size %zu KiB of %zu KiB (%zu blocks cached)\n", s.mem_bytes / 1024, s.limit_bytes / 1024,
                 s.blocks);
    shell_printf("hits %llu (%llu KiB)  misses %llu (%llu KiB)\n", (unsigned long long)s.hits,
                 (unsigned long long)(s.hit_bytes / 1024), (unsigned long long)s.misses,
                 (unsigned long long)(s.miss_bytes / 1024));
    shell_printf("read-ahead %llu reads (%llu KiB ahead, %llu failed)\n", (unsigned long long)s.ra_reads,
                 (unsigned long long)(s.ra_bytes / 1024), (unsigned long long)s.ra_failed);
    shell_printf("blocks inserted %llu  evicted %llu  invalidated %llu\n", (unsigned long long)s.inserted,
                 (unsigned long long)s.evictions, (unsigned long long)s.invalidated);
    return 0;
}
SHELL_CMD(bcache, cmd_bcache, "bcache [drop]", "block cache counters; drop forgets every cached block");
