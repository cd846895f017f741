/* Shell commands zpool and zfs, modelled on ZFS's own, over <adros/zfs.h>
 * (NetBSD's ZFS in the rump kernel, src/netbsd/zfs.c). */
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/mm.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/zfs.h>

#define MAX_POOLS 4
#define MAX_DS 64

static int zfail(const char *argv0, const char *what, int r)
{
    if (r == -ENODEV)
        return shell_error(argv0, "%s: ZFS is not available (librumpfs_zfs and librumpkern_solaris are not "
                                  "linked, or the rump kernel is not running)", what);
    return shell_error(argv0, "%s: %s", what, shell_strerror(r));
}

static void size_str(uint64_t v, char *buf)
{
    shell_format_size(v, buf, 16);
}

/* The worst state of the tree below the root (zpool's "state:"). */
static void print_status(const struct zfs_pool_info *p, bool verbose)
{
    const struct zfs_vdev_info *root = &p->vdev[0];
    shell_printf("  pool: %s\n", p->name);
    shell_printf(" state: %s\n", p->nvdev ? zfs_state_name(root->state) : "?");
    if (p->scrub_type == 0)
        shell_printf(" scrub: none requested\n");
    else if (!p->scrub_done)
        shell_printf(" scrub: %s in progress, %llu bytes examined\n", p->scrub_type == 1 ? "resilver" : "scrub",
                     (unsigned long long)p->scrub_examined);
    else
        shell_printf(" scrub: %s completed with %llu errors, repaired=%llu bytes, examined=%llu bytes\n",
                     p->scrub_type == 1 ? "resilver" : "scrub", (unsigned long long)p->scrub_errors,
                     (unsigned long long)p->scrub_repaired, (unsigned long long)p->scrub_examined);
    shell_printf("config:\n\n\t%-20s %-9s %5s %5s %5s\n", "NAME", "STATE", "READ", "WRITE", "CKSUM");
    for (int i = 0; i < p->nvdev; i++) {
        const struct zfs_vdev_info *v = &p->vdev[i];
        char name[48];
        ksnprintf(name, sizeof(name), "%*s%s", v->depth * 2, "", v->name);
        const char *aux = v->state != 7 ? zfs_aux_name(v->aux) : NULL;
        shell_printf("\t%-20s %-9s %5llu %5llu %5llu%s%s\n", name, zfs_state_name(v->state),
                     (unsigned long long)v->read_errors, (unsigned long long)v->write_errors,
                     (unsigned long long)v->cksum_errors, aux ? "  " : "", aux ? aux : "");
    }
    if (verbose || p->errors)
        shell_printf("\nerrors: %s%llu data errors\n", p->errors ? "" : "No known data errors, ",
                     (unsigned long long)p->errors);
    else
        shell_printf("\nerrors: No known data errors\n");
}

static int zpool_create(int argc, char **argv)
{
    int i = 2;
    bool force = false, mirror = false;
    if (i < argc && strcmp(argv[i], "-f") == 0) {
        force = true;
        i++;
    }
    if (i >= argc)
        return shell_usage(argv[0]);
    const char *pool = argv[i++];
    if (i < argc && strcmp(argv[i], "mirror") == 0) {
        mirror = true;
        i++;
    }
    if (i >= argc)
        return shell_usage(argv[0]);
    int r = zfs_pool_create(pool, mirror, (const char *const *)&argv[i], argc - i, force);
    if (r == -EBUSY)
        return shell_error(argv[0], "create %s: a disk holds a file system or a pool, or is in use (see dmesg); "
                                    "-f overrides", pool);
    if (r == -EEXIST)
        return shell_error(argv[0], "create %s: a pool of that name exists", pool);
    if (r == -EINVAL)
        return shell_error(argv[0], "create %s: a bad pool name, or a disk too small (64 MiB at least; see dmesg)",
                           pool);
    return r < 0 ? zfail(argv[0], "create", r) : SHELL_OK;
}

static int zpool_list(int argc, char **argv)
{
    (void)argc;
    struct zfs_pool_info *p = kmalloc(MAX_POOLS * sizeof(*p));
    if (!p)
        return zfail(argv[0], "list", -ENOMEM);
    int n = zfs_pool_list(p, MAX_POOLS);
    if (n < 0) {
        kfree(p);
        return zfail(argv[0], "list", n);
    }
    if (n == 0)
        shell_printf("no pools available\n");
    else
        shell_printf("%-12s %8s %8s %8s %-9s\n", "NAME", "SIZE", "ALLOC", "FREE", "HEALTH");
    for (int i = 0; i < n; i++) {
        char sz[16], al[16], fr[16];
        const struct zfs_vdev_info *root = &p[i].vdev[0];
        size_str(root->space, sz);
        size_str(root->alloc, al);
        size_str(root->space - root->alloc, fr);
        shell_printf("%-12s %8s %8s %8s %-9s\n", p[i].name, sz, al, fr, zfs_state_name(root->state));
    }
    struct zfs_arc_info arc;
    if (zfs_arc_get(&arc) == 0)
        shell_printf("arc: size=%llu target=%llu min=%llu max=%llu\n", (unsigned long long)arc.size,
                     (unsigned long long)arc.target, (unsigned long long)arc.min, (unsigned long long)arc.max);
    kfree(p);
    return SHELL_OK;
}

static int zpool_status(int argc, char **argv)
{
    bool verbose = argc > 2 && strcmp(argv[2], "-v") == 0;
    const char *only = argc > 2 + verbose ? argv[2 + verbose] : NULL;
    struct zfs_pool_info *p = kmalloc(MAX_POOLS * sizeof(*p));
    if (!p)
        return zfail(argv[0], "status", -ENOMEM);
    int n = only ? (zfs_pool_get(only, p) == 0 ? 1 : -ENOENT) : zfs_pool_list(p, MAX_POOLS);
    if (n < 0) {
        kfree(p);
        return only && n == -ENOENT ? shell_error(argv[0], "status: no such pool '%s'", only)
                                    : zfail(argv[0], "status", n);
    }
    if (n == 0)
        shell_printf("no pools available\n");
    for (int i = 0; i < n; i++) {
        if (i)
            shell_printf("\n");
        print_status(&p[i], verbose);
    }
    kfree(p);
    return SHELL_OK;
}

static int zpool_import(int argc, char **argv)
{
    if (argc == 3) {
        int r = zfs_pool_import(argv[2]);
        return r < 0 ? zfail(argv[0], "import", r) : SHELL_OK;
    }
    struct zfs_pool_info *p = kmalloc(MAX_POOLS * sizeof(*p));
    if (!p)
        return zfail(argv[0], "import", -ENOMEM);
    int n = zfs_import_scan(p, MAX_POOLS);
    if (n < 0) {
        kfree(p);
        return zfail(argv[0], "import", n);
    }
    if (n == 0)
        shell_printf("no pools available to import\n");
    for (int i = 0; i < n; i++) {
        shell_printf("   pool: %s\n     id: %llu\n  state: %s\n", p[i].name, (unsigned long long)p[i].guid,
                     p[i].pool_state == 1 ? "exported" : "active (not exported)");
        shell_printf(" config:\n");
        for (int j = 1; j < p[i].nvdev; j++)
            shell_printf("\t%*s%s\n", p[i].vdev[j].depth * 2, "", p[i].vdev[j].name);
    }
    kfree(p);
    return SHELL_OK;
}

static int cmd_zpool(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage(argv[0]);
    const char *sub = argv[1];
    if (strcmp(sub, "create") == 0)
        return zpool_create(argc, argv);
    if (strcmp(sub, "list") == 0 && argc == 2)
        return zpool_list(argc, argv);
    if (strcmp(sub, "status") == 0 && argc <= 4)
        return zpool_status(argc, argv);
    if (strcmp(sub, "import") == 0 && argc <= 3)
        return zpool_import(argc, argv);
    if (strcmp(sub, "scrub") == 0 && (argc == 3 || (argc == 4 && strcmp(argv[2], "-w") == 0))) {
        bool wait = argc == 4;
        int r = zfs_pool_scrub(argv[argc - 1], wait, shell_interrupted);
        if (r == -EINTR)
            return SHELL_INTERRUPTED;
        if (r < 0)
            return zfail(argv[0], "scrub", r);
        if (wait) {
            struct zfs_pool_info *p = kmalloc(sizeof(*p));
            if (p && zfs_pool_get(argv[argc - 1], p) == 0)
                shell_printf("scrub: repaired=%llu errors=%llu examined=%llu\n",
                             (unsigned long long)p->scrub_repaired, (unsigned long long)p->scrub_errors,
                             (unsigned long long)p->scrub_examined);
            kfree(p);
        }
        return SHELL_OK;
    }
    if ((strcmp(sub, "export") == 0 || strcmp(sub, "destroy") == 0) && argc == 3) {
        int r = sub[0] == 'e' ? zfs_pool_export(argv[2]) : zfs_pool_destroy(argv[2]);
        return r < 0 ? zfail(argv[0], sub, r) : SHELL_OK;
    }
    return shell_usage(argv[0]);
}
SHELL_CMD(zpool, cmd_zpool,
          "zpool create [-f] <pool> [mirror] <disk>... | list | status [-v] [pool] | import [pool] | export <pool> "
          "| scrub [-w] <pool> | destroy <pool>",
          "ZFS pools (NetBSD's ZFS in the rump kernel)");

static int zfs_list(int argc, char **argv)
{
    struct zfs_ds_info *d = kmalloc(MAX_DS * sizeof(*d));
    if (!d)
        return zfail(argv[0], "list", -ENOMEM);
    int n = zfs_ds_list(argc > 2 ? argv[2] : NULL, d, MAX_DS);
    if (n < 0) {
        kfree(d);
        return zfail(argv[0], "list", n);
    }
    if (n == 0)
        shell_printf("no datasets available\n");
    else
        shell_printf("%-24s %8s %8s %8s %6s  %s\n", "NAME", "USED", "AVAIL", "REFER", "RATIO", "MOUNTPOINT");
    for (int i = 0; i < n; i++) {
        char u[16], a[16], r[16];
        size_str(d[i].used, u);
        size_str(d[i].avail, a);
        size_str(d[i].refer, r);
        shell_printf("%-24s %8s %8s %8s %3llu.%02llux  %s\n", d[i].name, u, d[i].snapshot ? "-" : a, r,
                     (unsigned long long)(d[i].compressratio / 100), (unsigned long long)(d[i].compressratio % 100),
                     d[i].snapshot ? "-" : d[i].mountpoint[0] ? d[i].mountpoint : "none");
    }
    kfree(d);
    return SHELL_OK;
}

/* zfs get <prop> <dataset>: "NAME PROPERTY VALUE" (exact bytes for sizes). */
static int zfs_get(int argc, char **argv)
{
    if (argc != 4)
        return shell_usage(argv[0]);
    struct zfs_ds_info d;
    int r = zfs_ds_get(argv[3], &d);
    if (r < 0)
        return zfail(argv[0], "get", r);
    const char *prop = argv[2];
    char val[32];
    if (strcmp(prop, "compression") == 0 || strcmp(prop, "checksum") == 0)
        strlcpy(val, zfs_prop_value_name(prop, prop[1] == 'o' ? d.compression : d.checksum), sizeof(val));
    else if (strcmp(prop, "used") == 0)
        ksnprintf(val, sizeof(val), "%llu", (unsigned long long)d.used);
    else if (strcmp(prop, "referenced") == 0)
        ksnprintf(val, sizeof(val), "%llu", (unsigned long long)d.refer);
    else if (strcmp(prop, "available") == 0)
        ksnprintf(val, sizeof(val), "%llu", (unsigned long long)d.avail);
    else if (strcmp(prop, "compressratio") == 0)
        ksnprintf(val, sizeof(val), "%llu.%02llux", (unsigned long long)(d.compressratio / 100),
                  (unsigned long long)(d.compressratio % 100));
    else
        return shell_error(argv[0], "get: unknown property '%s' (compression, checksum, used, referenced, "
                                    "available, compressratio)", prop);
    shell_printf("%s %s %s\n", d.name, prop, val);
    return SHELL_OK;
}

static int cmd_zfs(int argc, char **argv)
{
    if (argc < 2)
        return shell_usage(argv[0]);
    const char *sub = argv[1];
    int r;
    if (strcmp(sub, "list") == 0 && argc <= 3)
        return zfs_list(argc, argv);
    if (strcmp(sub, "get") == 0)
        return zfs_get(argc, argv);
    if (strcmp(sub, "set") == 0 && argc == 4) {
        char prop[32];
        const char *eq = strchr(argv[2], '=');
        if (!eq || (size_t)(eq - argv[2]) >= sizeof(prop))
            return shell_usage(argv[0]);
        strlcpy(prop, argv[2], (size_t)(eq - argv[2] + 1));
        r = zfs_ds_set(argv[3], prop, eq + 1);
        if (r == -EINVAL)
            return shell_error(argv[0], "set: %s: compression=on|off|lzjb|gzip|gzip-1..9|zle or "
                                        "checksum=on|off|fletcher2|fletcher4|sha256", argv[2]);
        return r < 0 ? zfail(argv[0], "set", r) : SHELL_OK;
    }
    if (argc != 3)
        return shell_usage(argv[0]);
    if (strcmp(sub, "create") == 0)
        r = zfs_ds_create(argv[2]);
    else if (strcmp(sub, "destroy") == 0)
        r = zfs_ds_destroy(argv[2]);
    else if (strcmp(sub, "snapshot") == 0)
        r = zfs_ds_snapshot(argv[2]);
    else if (strcmp(sub, "rollback") == 0)
        r = zfs_ds_rollback(argv[2]);
    else
        return shell_usage(argv[0]);
    if (r == -EINVAL)
        return shell_error(argv[0], "%s: bad dataset name '%s'", sub, argv[2]);
    return r < 0 ? zfail(argv[0], sub, r) : SHELL_OK;
}
SHELL_CMD(zfs, cmd_zfs,
          "zfs create <pool/fs> | list [pool] | snapshot <fs@snap> | rollback <fs@snap> | destroy <fs|fs@snap> | "
          "get <prop> <ds> | set compression=<v>|checksum=<v> <ds>",
          "ZFS datasets (NetBSD's ZFS in the rump kernel), mounted at /<dataset>");
