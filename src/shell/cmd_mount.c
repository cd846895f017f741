/* Mounting: the shell commands mount, umount and df, the boot option
 * mount=<dev>:<dir>[,...] (how `make run` puts the demo disk on /mnt), and
 * reading the init= script from a mounted disk. */
#include <adros/blk.h>
#include <adros/cmdline.h>
#include <adros/errno.h>
#include <adros/kprintf.h>
#include <adros/mm.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/vfs.h>
#include "shell_internal.h"

KOPTION(mount, "mount", "mount=<dev>:<dir>[:ro][,...]: mount disks before the shell starts (NetBSD's file "
                        "system when linked, read-write; else AdrOS's ext2, read-only)");

#define MAX_MOUNTS 32
#define SCRIPT_MAX (64u * 1024u)

/* A rump mount's source is "<NetBSD fs>:<device>" (src/rump/rump_mount.c):
 * shown as "<device> on <dir> type rump (<NetBSD fs>, rw)". */
static void print_mount(const struct vfs_mountinfo *m)
{
    const char *mode = (m->flags & VFS_MNT_RDONLY) ? "ro" : "rw";
    const char *gone = (m->flags & VFS_MNT_GONE) ? " (gone: its device was removed; umount it)" : "";
    const char *colon = strchr(m->source, ':');
    if (strcmp(m->fstype, "rump") == 0 && colon)
        shell_printf("%s on %s type rump (%.*s, %s)%s\n", colon + 1, m->target, (int)(colon - m->source),
                     m->source, mode, gone);
    else
        shell_printf("%s on %s type %s (%s)%s\n", m->source, m->target, m->fstype, mode, gone);
}

/* -o options, comma separated: ro, rw, fs=<NetBSD file system> (-t rump
 * only; otherwise the rump mount detects it).  Returns false on an unknown
 * one, with *bad pointing at it. */
static bool parse_options(char *opts, uint32_t *flags, const char **fs, const char **bad)
{
    for (char *o = opts, *next; o; o = next) {
        next = strchr(o, ',');
        if (next)
            *next++ = '\0';
        if (strcmp(o, "ro") == 0)
            *flags |= VFS_MNT_RDONLY;
        else if (strcmp(o, "rw") == 0)
            *flags &= ~VFS_MNT_RDONLY;
        else if (strncmp(o, "fs=", 3) == 0 && o[3])
            *fs = o + 3;
        else {
            *bad = o;
            return false;
        }
    }
    return true;
}

/* The device a mount's source names ("hda", "ext2fs:hda"). */
static const char *source_dev(const struct vfs_mountinfo *m)
{
    const char *colon = strchr(m->source, ':');
    return colon ? colon + 1 : m->source;
}

/* A mount refused with EBUSY or EACCES: says which mount holds the disk
 * (a partition and its disk count as one), or the plain error. */
static int busy_error(const char *cmd, const char *dev, const char *dir, int r)
{
    struct vfs_mountinfo *m = kmalloc(MAX_MOUNTS * sizeof(*m));
    int n = m ? MIN(vfs_mount_list(m, MAX_MOUNTS), MAX_MOUNTS) : 0;
    if (strchr(dev, ':'))
        dev = strchr(dev, ':') + 1; /* "msdos:sd0" */
    if (strncmp(dev, "/dev/", 5) == 0)
        dev += 5;
    for (int i = 0; i < n; i++) {
        const char *d = source_dev(&m[i]);
        size_t ld = strlen(d), lv = strlen(dev);
        /* hda against hda, hda1 against hda, sd0 against sd0p1 */
        const char *rest = ld < lv ? dev + ld : d + lv;
        bool same = strncmp(d, dev, MIN(ld, lv)) == 0 &&
                    (ld == lv || (*rest >= '0' && *rest <= '9') || (*rest == 'p' && rest[1] >= '0' && rest[1] <= '9'));
        if (same && strcmp(m[i].fstype, "devfs") != 0 && strcmp(m[i].fstype, "ramfs") != 0) {
            shell_error(cmd, "%s is in use: %s is mounted on %s (%s); umount %s first", dev, m[i].source,
                        m[i].target, m[i].fstype, m[i].target);
            kfree(m);
            return SHELL_FAIL;
        }
    }
    kfree(m);
    return shell_error(cmd, "%s on %s: %s", dev, dir, shell_strerror(r));
}

static int cmd_mount(int argc, char **argv)
{
    const char *type = NULL, *fs = NULL, *bad = NULL;
    uint32_t flags = 0;
    const char *args[2];
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
            type = argv[++i];
        else if (strcmp(argv[i], "-r") == 0)
            flags |= VFS_MNT_RDONLY;
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            if (!parse_options(argv[++i], &flags, &fs, &bad))
                return shell_error(argv[0], "unknown option \"%s\" (ro, rw, fs=<type>)", bad);
        } else if (argv[i][0] != '-' && nargs < 2)
            args[nargs++] = argv[i];
        else
            return shell_usage(argv[0]);
    }
    if (nargs == 0 && argc == 1) {
        struct vfs_mountinfo *m = kmalloc(MAX_MOUNTS * sizeof(*m));
        if (!m)
            return shell_error(argv[0], "out of memory");
        int n = vfs_mount_list(m, MAX_MOUNTS);
        for (int i = 0; i < MIN(n, MAX_MOUNTS); i++)
            print_mount(&m[i]);
        kfree(m);
        return 0;
    }
    if (nargs != 2)
        return shell_usage(argv[0]);
    const char *source = args[0];
    char named[64];
    if (!type && fs)
        type = "rump";
    if (!type) {
        /* The driver for what is on the disk: NetBSD's, read-write, when
         * linked; else AdrOS's ext2, read-only. */
        int r = vfs_mount_auto(source, args[1], flags);
        if (r == -EFTYPE)
            return shell_error(argv[0], "%s: no file system recognized (ext2, FFS, FAT, ISO 9660)", source);
        struct blkdev *b = r == -ENXIO ? blk_find(source) : NULL;
        blk_put(b);
        if (r == -ENXIO && !b)
            return shell_error(argv[0], "%s: no such block device (ls /dev lists them)", source);
        if (r == -EBUSY || r == -EACCES)
            return busy_error(argv[0], source, args[1], r);
        if (r < 0)
            return shell_error(argv[0], "%s on %s: %s", source, args[1], shell_strerror(r));
        struct vfs_mountinfo mi;
        if (vfs_statfs(args[1], &mi) == 0 && strcmp(mi.fstype, "ext2") == 0 && !(flags & VFS_MNT_RDONLY))
            shell_printf("mount: %s: read-only, by AdrOS's ext2 (NetBSD's ext2fs is not available)\n", source);
        return SHELL_OK;
    }
    bool rump = strcmp(type, "rump") == 0;
    if (fs && !rump)
        return shell_error(argv[0], "-o fs= is for -t rump (NetBSD's file systems)");
    if (fs) {
        if (strchr(args[0], ':'))
            return shell_error(argv[0], "%s: -o fs= and a \"<fs>:<device>\" source together", args[0]);
        if (ksnprintf(named, sizeof(named), "%s:%s", fs, args[0]) >= (int)sizeof(named))
            return shell_error(argv[0], "%s: name too long", args[0]);
        source = named;
    }
    int r = vfs_mount(type, source, args[1], flags);
    if (r == -EFTYPE && rump && !fs && !strchr(args[0], ':'))
        return shell_error(argv[0], "%s: no file system recognized", args[0]);
    if (r == -EBUSY || r == -EACCES)
        return busy_error(argv[0], args[0], args[1], r);
    if (r < 0)
        return shell_error(argv[0], "%s on %s (%s): %s", source, args[1], type, shell_strerror(r));
    return 0;
}
SHELL_CMD(mount, cmd_mount, "mount [[-t <type>] [-r] [-o ro,rw,fs=<fs>] <device> <dir>]",
          "list mounts, or mount a file system (no -t: the driver for what is on the disk, NetBSD's read-write "
          "when linked, else AdrOS's ext2 read-only; -t ext2: AdrOS's; -t rump: NetBSD's, detected or "
          "-o fs=ext2fs|ffs|msdos|cd9660; -r or -o ro read-only)");

static int cmd_umount(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    int r = vfs_umount(argv[1]);
    if (r == -EPERM)
        return shell_error(argv[0], "%s: the system's own file system, never unmounted (EPERM)", argv[1]);
    if (r == -EINVAL)
        return shell_error(argv[0], "%s: not a mount point", argv[1]);
    if (r < 0)
        return shell_error(argv[0], "%s: %s", argv[1], shell_strerror(r));
    return 0;
}
SHELL_CMD_FLAGS(umount, cmd_umount, "umount <dir>", "unmount the file system mounted on dir", SHELL_CMD_RESERVE);

static int cmd_df(int argc, char **argv)
{
    const char *cmd = argv[0];
    bool kib = argc > 1 && strcmp(argv[1], "-k") == 0;
    if (kib) {
        argv++;
        argc--;
    }
    if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
        return shell_usage(cmd);
    struct vfs_mountinfo *m = kmalloc(MAX_MOUNTS * sizeof(*m));
    if (!m)
        return shell_error(cmd, "out of memory");
    int n;
    if (argc == 2) {
        /* The file system holding the path. */
        int r = vfs_statfs(argv[1], m);
        if (r < 0) {
            kfree(m);
            return shell_error(cmd, "%s: %s", argv[1], shell_strerror(r));
        }
        n = 1;
    } else {
        n = vfs_mount_list(m, MAX_MOUNTS);
    }
    shell_printf("%-10s %-6s %8s %8s %8s %4s %9s %9s  %s\n", "SOURCE", "TYPE", "SIZE", "USED", "AVAIL", "USE%",
                 "INODES", "IFREE", "MOUNTED ON");
    for (int i = 0; i < MIN(n, MAX_MOUNTS); i++) {
        char size[16] = "-", used[16] = "-", avail[16] = "-", pct[8] = "-", ino[24] = "-", ifree[24] = "-";
        if (m[i].block_size && m[i].total_blocks) {
            uint64_t total = m[i].total_blocks * m[i].block_size;
            uint64_t free = m[i].free_blocks * m[i].block_size;
            if (kib) {
                ksnprintf(size, sizeof(size), "%llu", (unsigned long long)(total / 1024));
                ksnprintf(used, sizeof(used), "%llu", (unsigned long long)((total - free) / 1024));
                ksnprintf(avail, sizeof(avail), "%llu", (unsigned long long)(free / 1024));
            } else {
                shell_format_size(total, size, sizeof(size));
                shell_format_size(total - free, used, sizeof(used));
                shell_format_size(free, avail, sizeof(avail));
            }
            ksnprintf(pct, sizeof(pct), "%u%%",
                      (unsigned)((m[i].total_blocks - m[i].free_blocks) * 100 / m[i].total_blocks));
        }
        if (m[i].total_inodes) {
            ksnprintf(ino, sizeof(ino), "%llu", (unsigned long long)m[i].total_inodes);
            ksnprintf(ifree, sizeof(ifree), "%llu", (unsigned long long)m[i].free_inodes);
        }
        shell_printf("%-10s %-6s %8s %8s %8s %4s %9s %9s  %s\n", m[i].source, m[i].fstype, size, used, avail, pct,
                     ino, ifree, m[i].target);
    }
    kfree(m);
    return 0;
}
SHELL_CMD_FLAGS(df, cmd_df, "df [-k] [path]",
                "mounted file systems (or the one holding path): size, used, free blocks and inodes (-k: in KiB)",
                SHELL_CMD_RESERVE);

/* --- boot --- */
void sh_boot_mounts(void)
{
    const char *spec = cmdline_get("mount");
    if (!spec)
        return;
    while (*spec) {
        const char *e = strchr(spec, ',');
        size_t len = e ? (size_t)(e - spec) : strlen(spec);
        char item[128], *dev = item, *dir, *opt;
        if (len >= sizeof(item)) {
            kprintf(KERN_ERR "shell: mount=: entry too long\n");
        } else {
            memcpy(item, spec, len);
            item[len] = '\0';
            dir = strchr(item, ':');
            if (dir)
                *dir++ = '\0';
            opt = dir ? strchr(dir, ':') : NULL;
            if (opt)
                *opt++ = '\0';
            if (!dir || !*dev || !*dir || (opt && strcmp(opt, "ro") != 0)) {
                kprintf(KERN_ERR "shell: mount=: bad entry \"%s\" (want <dev>:<dir>[:ro])\n", item);
            } else {
                uint32_t flags = opt ? VFS_MNT_RDONLY : 0;
                /* A disk of a service that starts later (a USB stick, wd0 on
                 * AHCI through the rump kernel) exists once it has: wait for it. */
                blk_put(blk_find_boot(dev));
                int r = vfs_mount_auto(dev, dir, flags);
                struct vfs_mountinfo mi;
                if (r < 0)
                    kprintf(KERN_ERR "shell: cannot mount %s on %s: %s\n", dev, dir,
                            r == -EFTYPE ? "no file system recognized" : shell_strerror(r));
                else if (vfs_statfs(dir, &mi) == 0 && strcmp(mi.fstype, "rump") == 0 && strchr(mi.source, ':'))
                    kprintf("shell: mounted %s on %s (NetBSD's %.*s, %s)\n", dev, dir,
                            (int)(strchr(mi.source, ':') - mi.source), mi.source,
                            (mi.flags & VFS_MNT_RDONLY) ? "ro" : "rw");
                else
                    kprintf("shell: mounted %s on %s (ext2, ro)\n", dev, dir);
            }
        }
        spec += len + (e ? 1 : 0);
    }
}

char *sh_read_script(const char *path)
{
    struct file *f;
    int r = vfs_open(path, O_RDONLY, 0, &f);
    if (r < 0) {
        shell_printf("script: cannot open %s: %s\n", path, shell_strerror(r));
        return NULL;
    }
    struct vfs_stat st;
    r = vfs_fstat(f, &st);
    if (r == 0 && st.type != VREG) {
        shell_printf("script: %s is not a regular file\n", path);
        vfs_close(f);
        return NULL;
    }
    if (r == 0 && st.size > SCRIPT_MAX)
        r = -EFBIG;
    char *text = r == 0 ? kmalloc((size_t)st.size + 1) : NULL;
    if (r == 0 && !text)
        r = -ENOMEM;
    size_t got = 0;
    while (r == 0 && got < st.size) {
        ssize_t n = vfs_read(f, text + got, (size_t)st.size - got);
        if (n <= 0) {
            r = n < 0 ? (int)n : -EIO;
            break;
        }
        got += (size_t)n;
    }
    vfs_close(f);
    if (r < 0) {
        shell_printf("script: cannot read %s: %s\n", path, shell_strerror(r));
        kfree(text);
        return NULL;
    }
    text[got] = '\0';
    return text;
}
