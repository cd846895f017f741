/* Shell commands that change files, through the VFS (so they work on every
 * file system that can be written: ramfs, and NetBSD's ext2fs through the
 * rump kernel): cp, write, mkdir, rm, rmdir, mv, ln -s, sync. */
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/mm.h>
#include <adros/rump.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/vfs.h>

#define CHUNK 65536

/* --- cp <src> <dst>: a regular file, the destination created or
 * truncated; ends with an fsync so the copy is on the disk. --- */
static int cmd_cp(int argc, char **argv)
{
    if (argc != 3)
        return shell_usage(argv[0]);
    struct file *in, *out;
    int r = vfs_open(argv[1], O_RDONLY, 0, &in);
    if (r < 0)
        return shell_error(argv[0], "%s: %s", argv[1], shell_strerror(r));
    struct vfs_stat st;
    if (vfs_fstat(in, &st) == 0 && st.type == VDIR) {
        vfs_close(in);
        return shell_error(argv[0], "%s: is a directory", argv[1]);
    }
    /* Into a directory: under the source's name, as cp does. */
    char *dst = argv[2];
    char into[VFS_PATH_MAX];
    struct vfs_stat dst_st;
    if (vfs_stat(dst, &dst_st) == 0 && dst_st.type == VDIR) {
        const char *base = strrchr(argv[1], '/');
        base = base ? base + 1 : argv[1];
        size_t dl = strlen(dst);
        if (!*base || ksnprintf(into, sizeof(into), "%s%s%s", dst, dl && dst[dl - 1] == '/' ? "" : "/", base) >=
                          (int)sizeof(into)) {
            vfs_close(in);
            return shell_error(argv[0], "%s: %s", argv[2], shell_strerror(-ENAMETOOLONG));
        }
        dst = into;
    }
    r = vfs_open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644, &out);
    if (r < 0) {
        vfs_close(in);
        return shell_error(argv[0], "%s: %s", dst, shell_strerror(r));
    }
    uint8_t *buf = kmalloc(CHUNK);
    uint64_t total = 0;
    int status = SHELL_OK;
    if (!buf)
        status = shell_error(argv[0], "out of memory");
    while (status == SHELL_OK) {
        if (shell_interrupted()) {
            status = SHELL_INTERRUPTED;
            break;
        }
        ssize_t n = vfs_read(in, buf, CHUNK);
        if (n < 0) {
            status = shell_error(argv[0], "reading %s: %s", argv[1], shell_strerror((int)n));
            break;
        }
        if (n == 0)
            break;
        /* A short write is followed by one for the rest, which says why
         * (ENOSPC on a full file system). */
        ssize_t put = 0, w = 0;
        while (put < n && (w = vfs_write(out, buf + put, (size_t)(n - put))) > 0)
            put += w;
        total += (uint64_t)put;
        if (put != n) {
            status = shell_error(argv[0], "writing %s: %s", argv[2], shell_strerror(w < 0 ? (int)w : -EIO));
            break;
        }
    }
    if (status == SHELL_OK && (r = vfs_fsync(out)) < 0)
        status = shell_error(argv[0], "syncing %s: %s", argv[2], shell_strerror(r));
    kfree(buf);
    vfs_close(in);
    vfs_close(out);
    if (status == SHELL_OK)
        shell_printf("%llu bytes copied\n", (unsigned long long)total);
    return status;
}
SHELL_CMD(cp, cmd_cp, "cp <source> <destination>", "copy a file (the copy is synced to its disk)");

/* --- write [-a] <file> <text...>: the words joined by spaces, plus a
 * newline; -a appends.  With no text: standard input when it is a pipe or
 * file (echo x | write f), a usage error on the terminal (no file made). --- */
static int cmd_write(int argc, char **argv)
{
    bool append = argc > 1 && strcmp(argv[1], "-a") == 0;
    int first = append ? 2 : 1;
    bool from_stdin = argc == first + 1;
    if (argc < first + 1 || (from_stdin && shell_stdin_is_tty()))
        return shell_usage(argv[0]);
    struct file *f;
    int r = vfs_open(argv[first], O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644, &f);
    if (r < 0)
        return shell_error(argv[0], "%s: %s", argv[first], shell_strerror(r));
    int status = SHELL_OK;
    char buf[512];
    ssize_t n;
    while (from_stdin && status == SHELL_OK && (n = shell_read(buf, sizeof(buf))) > 0) {
        ssize_t w = vfs_write(f, buf, (size_t)n);
        if (w != n)
            status = shell_error(argv[0], "%s: %s", argv[first], shell_strerror(w < 0 ? (int)w : -EIO));
    }
    if (from_stdin && shell_interrupted() && status == SHELL_OK)
        status = SHELL_INTERRUPTED;
    for (int i = first + 1; i <= argc && status == SHELL_OK && !from_stdin; i++) {
        const char *s = i < argc ? argv[i] : "\n";
        size_t n = strlen(s);
        ssize_t w = vfs_write(f, s, n);
        if (w == (ssize_t)n && i < argc - 1)
            w = vfs_write(f, " ", 1) == 1 ? w : -EIO;
        if (w < 0 || (i < argc && w != (ssize_t)n))
            status = shell_error(argv[0], "%s: %s", argv[first], shell_strerror(w < 0 ? (int)w : -EIO));
    }
    if (status == SHELL_OK && (r = vfs_fsync(f)) < 0)
        status = shell_error(argv[0], "syncing %s: %s", argv[first], shell_strerror(r));
    vfs_close(f);
    return status;
}
SHELL_CMD(write, cmd_write, "write [-a] <file> [text...]", "write (or -a append) a line of text, or standard input, to a file, synced");

/* --- one-path operations --- */
static int one_path(int argc, char **argv, int (*op)(const char *))
{
    if (argc < 2)
        return shell_usage(argv[0]);
    int status = SHELL_OK;
    for (int i = 1; i < argc; i++) {
        int r = op(argv[i]);
        if (r < 0)
            status = shell_error(argv[0], "%s: %s", argv[i], shell_strerror(r));
    }
    return status;
}

static int do_mkdir(const char *p) { return vfs_mkdir(p, 0755); }
static int cmd_mkdir(int argc, char **argv) { return one_path(argc, argv, do_mkdir); }
SHELL_CMD(mkdir, cmd_mkdir, "mkdir <dir...>", "create directories");

static int cmd_rm(int argc, char **argv) { return one_path(argc, argv, vfs_unlink); }
SHELL_CMD_FLAGS(rm, cmd_rm, "rm <file...>", "remove files (not directories: rmdir)", SHELL_CMD_RESERVE);

static int cmd_rmdir(int argc, char **argv) { return one_path(argc, argv, vfs_rmdir); }
SHELL_CMD_FLAGS(rmdir, cmd_rmdir, "rmdir <dir...>", "remove empty directories", SHELL_CMD_RESERVE);

static int cmd_mv(int argc, char **argv)
{
    if (argc != 3)
        return shell_usage(argv[0]);
    int r = vfs_rename(argv[1], argv[2]);
    return r < 0 ? shell_error(argv[0], "%s -> %s: %s", argv[1], argv[2], shell_strerror(r)) : SHELL_OK;
}
SHELL_CMD(mv, cmd_mv, "mv <from> <to>", "rename within one file system");

static int cmd_ln(int argc, char **argv)
{
    if (argc != 4 || strcmp(argv[1], "-s") != 0)
        return shell_usage(argv[0]);
    int r = vfs_symlink(argv[2], argv[3]);
    return r < 0 ? shell_error(argv[0], "%s: %s", argv[3], shell_strerror(r)) : SHELL_OK;
}
SHELL_CMD(ln, cmd_ln, "ln -s <target> <link>", "create a symbolic link");

/* --- sync: every file system that can hold unwritten data --- */
static int cmd_sync(int argc, char **argv)
{
    if (argc != 1)
        return shell_usage(argv[0]);
    /* Native file systems write through (ext2 is read-only, ramfs has no
     * disk); the rump kernel's file systems are the ones with a cache. */
    if (rump_running()) {
        int r = rump_sync();
        if (r < 0)
            return shell_error(argv[0], "rump: %s", shell_strerror(r));
    }
    return SHELL_OK;
}
SHELL_CMD_FLAGS(sync, cmd_sync, "sync", "write every file system's cached data to its disk", SHELL_CMD_RESERVE);
