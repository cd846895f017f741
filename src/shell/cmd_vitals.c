/* vitals: one line of the figures a long run watches for leaks, in a
 * fixed key=value form that tools/test/soak.py and tools/test/plan_reliability.py
 * parse:
 *
 *   vitals: t=<ms since boot> heap=<bytes in use> threads=<n> files=<open
 *           struct files> socks=<TCP+UDP sockets, -1 without a network>
 *           rump=<bytes the rump kernel holds> pages=<free page frames>
 *           kfail=<kmalloc failures so far>
 *           [arc=<bytes in ZFS's ARC, with ZFS running: docs/ZFS.md>]
 *
 * Nothing here allocates, so it answers under memory pressure too (the
 * socket count asks the rump kernel, which may allocate on its side; it is
 * left out with -q). */
#include <adros/clock.h>
#include <adros/format.h>
#include <adros/mm.h>
#include <adros/net.h>
#include <adros/rump.h>
#include <adros/sched.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/vfs.h>
#include <adros/zfs.h>

static int cmd_vitals(int argc, char **argv)
{
    bool quick = argc == 2 && strcmp(argv[1], "-q") == 0;
    if (argc > 2 || (argc == 2 && !quick))
        return shell_usage(argv[0]);
    struct kmalloc_stats k;
    struct pmm_stats p;
    kmalloc_get_stats(&k);
    pmm_get_stats(&p);
    int socks = quick || !net_available() ? -1 : net_sock_list(NULL, 0);
    /* With ZFS: its ARC's size (part of rump=). */
    struct zfs_arc_info arc;
    char arcs[32] = "";
    if (zfs_arc_get(&arc) == 0)
        ksnprintf(arcs, sizeof(arcs), " arc=%llu", (unsigned long long)arc.size);
    shell_printf("vitals: t=%llu heap=%zu threads=%d files=%d socks=%d rump=%zu pages=%u kfail=%llu%s\n",
                 (unsigned long long)(clock_gettime_ns() / NSEC_PER_MSEC), k.bytes_in_use, thread_count(),
                 vfs_open_files(), socks < 0 ? -1 : socks, rump_mem_in_use(), p.free_pages,
                 (unsigned long long)k.failures, arcs);
    return 0;
}
SHELL_CMD_FLAGS(vitals, cmd_vitals, "vitals [-q]",
          "one line for leak watching: heap, threads, open files, sockets, rump kernel memory", SHELL_CMD_RESERVE);
