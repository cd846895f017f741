/* The shell's "rump" command: the NetBSD rump kernel's state, mounting a
 * disk through it, comparing drivers, and its memory (NetBSD's pools, and
 * dropping what it caches), all through <adros/rump.h>. */
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/zfs.h>

static void sort_by_bytes(struct rump_pool_info *p, int n)
{
    for (int i = 1; i < n; i++) {
        struct rump_pool_info v = p[i];
        int j = i;
        for (; j > 0 && p[j - 1].bytes < v.bytes; j--)
            p[j] = p[j - 1];
        p[j] = v;
    }
}

#define MAX_POOLS 256

/* `rump drop`. */
static int cmd_rump_drop(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    struct rump_drop d;
    int r = rump_drop_caches(&d);
    if (r < 0)
        return shell_error(argv[0], "drop: %s", shell_strerror(r));
    shell_printf("rump: dropped NetBSD's caches: buffer cache %llu KiB freed (%llu KiB busy or dirty stay), "
                 "VM pages %llu KiB; rump kernel memory %llu -> %llu KiB\n",
                 (unsigned long long)(d.bufcache_freed / 1024), (unsigned long long)(d.bufcache_left / 1024),
                 (unsigned long long)(d.vm_pages_freed / 1024), (unsigned long long)(d.before / 1024),
                 (unsigned long long)(d.after / 1024));
    return SHELL_OK;
}

/* `rump pools [-a]`: the pools holding memory (all of them with -a), the
 * largest first, then one summary line in key=value form for scripts:
 *
 *   rumpmem: total=<bytes> pools=<bytes in pool pages> vmpages=<bytes of VM
 *            pages> other=<the rest> npools=<n>
 */
static int cmd_rump_pools(int argc, char **argv)
{
    bool all = argc == 3 && strcmp(argv[2], "-a") == 0;
    if (argc > 3 || (argc == 3 && !all))
        return shell_usage(argv[0]);
    struct rump_pool_info *p = kmalloc(MAX_POOLS * sizeof(*p));
    if (!p)
        return shell_error(argv[0], "pools: %s", shell_strerror(-ENOMEM));
    struct rump_mem_summary s;
    int n = rump_pool_list(p, MAX_POOLS, &s);
    if (n < 0) {
        kfree(p);
        return shell_error(argv[0], "pools: %s", shell_strerror(n));
    }
    int shown = MIN(n, MAX_POOLS);
    sort_by_bytes(p, shown);
    shell_printf("%-16s %6s %8s %6s %8s %10s %10s %5s\n", "pool", "size", "in use", "pages", "KiB", "gets",
                 "puts", "fails");
    for (int i = 0; i < shown; i++) {
        if (!all && p[i].pages == 0)
            continue;
        shell_printf("%-16s %6llu %8llu %6llu %8llu %10llu %10llu %5llu\n", p[i].name,
                     (unsigned long long)p[i].size, (unsigned long long)p[i].in_use,
                     (unsigned long long)p[i].pages, (unsigned long long)(p[i].bytes / 1024),
                     (unsigned long long)p[i].gets, (unsigned long long)p[i].puts,
                     (unsigned long long)p[i].fails);
    }
    if (n > MAX_POOLS)
        shell_printf("(%d more pools not shown)\n", n - MAX_POOLS);
    shell_printf("rumpmem: total=%llu pools=%llu vmpages=%llu other=%llu npools=%d\n",
                 (unsigned long long)s.total, (unsigned long long)s.pool_bytes,
                 (unsigned long long)s.vm_page_bytes, (unsigned long long)s.other_bytes, n);
    struct zfs_arc_info arc; /* ZFS's cache, when ZFS is running (docs/ZFS.md) */
    if (zfs_arc_get(&arc) == 0)
        shell_printf("zfs arc: size=%llu target=%llu min=%llu max=%llu\n", (unsigned long long)arc.size,
                     (unsigned long long)arc.target, (unsigned long long)arc.min, (unsigned long long)arc.max);
    kfree(p);
    return SHELL_OK;
}

/* The shell's "rump" command. */
static int cmd_rump(int argc, char **argv)
{
    if (argc == 1 || strcmp(argv[1], "status") == 0) {
        rump_print_status();
        return rump_running() ? SHELL_OK : SHELL_FAIL;
    }
    if (!rump_running()) {
        shell_printf("rump: the rump kernel is %s\n", rump_linked() ? "not running" : "not linked");
        return SHELL_FAIL;
    }
    if (strcmp(argv[1], "mount") == 0 && (argc == 4 || (argc == 5 && strcmp(argv[4], "-r") == 0))) {
        int r = rump_mount(argv[2], argv[3], argc == 5);
        return r < 0 ? shell_error(argv[0], "mount %s on %s: %s", argv[2], argv[3], shell_strerror(r)) : SHELL_OK;
    }
    if (strcmp(argv[1], "sync") == 0 && argc == 2)
        return rump_sync() < 0 ? SHELL_FAIL : SHELL_OK;
    if (strcmp(argv[1], "compare") == 0 && argc == 3) {
        int r = rump_compare(argv[2]);
        if (r < 0)
            return shell_error(argv[0], "compare %s: %s", argv[2], shell_strerror(r));
        return r == 0 ? SHELL_OK : SHELL_FAIL;
    }
    if (strcmp(argv[1], "pools") == 0)
        return cmd_rump_pools(argc, argv);
    if (strcmp(argv[1], "drop") == 0)
        return cmd_rump_drop(argc, argv);
    return shell_usage(argv[0]);
}
SHELL_CMD(rump, cmd_rump, "rump [status | mount <dev> <dir> [-r] | sync | compare <dev> | pools [-a] | drop]",
          "the NetBSD rump kernel: state, mounting disks through NetBSD's ext2fs, comparing drivers");
