/* Shell commands on files, through the VFS: ls, cat, stat, hexdump,
 * sha256sum.  (Mounting is in cmd_mount.c.)  Everything long-running polls
 * shell_interrupted(); buffers come from the heap, not the 64 KiB stack. */
#include <adros/clock.h>
#include <adros/errno.h>
#include <adros/format.h>
#include <adros/manifest.h>
#include <adros/mm.h>
#include <adros/sha256.h>
#include <adros/shell.h>
#include <adros/string.h>
#include <adros/vfs.h>

#define IOBUF 4096

/* dir + "/" + name into out (VFS_PATH_MAX); false if too long. */
static bool join(char *out, const char *dir, const char *name)
{
    size_t n = strlen(dir);
    bool slash = n && dir[n - 1] == '/';
    return ksnprintf(out, VFS_PATH_MAX, "%s%s%s", dir, slash ? "" : "/", name) < VFS_PATH_MAX;
}

static char type_char(enum vtype t)
{
    switch (t) {
    case VDIR: return 'd';
    case VLNK: return 'l';
    case VBLK: return 'b';
    case VCHR: return 'c';
    case VREG: return '-';
    default: return '?';
    }
}

static void mode_string(uint32_t mode, char out[10])
{
    static const char rwx[] = "rwxrwxrwx";
    for (int i = 0; i < 9; i++)
        out[i] = (mode & (0400u >> i)) ? rwx[i] : '-';
    out[9] = '\0';
}

static void time_string(int64_t secs, char *out, size_t size)
{
    struct rtc_time t;
    epoch_to_rtc(secs > 0 ? (uint64_t)secs : 0, &t);
    ksnprintf(out, size, "%04d-%02d-%02d %02d:%02d", t.year, t.month, t.day, t.hour, t.min);
}

/* --- ls --- */
struct entry {
    char *name;
    enum vtype type;
};

static void sort_entries(struct entry *e, size_t n)
{
    /* Shell sort: no recursion, fine for directories of thousands. */
    for (size_t gap = n / 2; gap > 0; gap /= 2)
        for (size_t i = gap; i < n; i++) {
            struct entry t = e[i];
            size_t j = i;
            for (; j >= gap && strcmp(e[j - gap].name, t.name) > 0; j -= gap)
                e[j] = e[j - gap];
            e[j] = t;
        }
}

static void ls_long(const char *path, const char *shown)
{
    struct vfs_stat st;
    char mode[10], when[20];
    int r = vfs_lstat(path, &st);
    if (r < 0) {
        shell_printf("?????????? %s (%s)\n", shown, shell_strerror(r));
        return;
    }
    mode_string(st.mode, mode);
    time_string(st.mtime, when, sizeof(when));
    shell_printf("%c%s %3u %4u %4u %10llu %s %s", type_char(st.type), mode, st.nlink, st.uid, st.gid,
                 (unsigned long long)st.size, when, shown);
    if (st.type == VLNK) {
        char target[256];
        if (vfs_readlink(path, target, sizeof(target)) >= 0)
            shell_printf(" -> %s", target);
    }
    shell_printf("\n");
}

static const char *type_suffix(enum vtype t) { return t == VDIR ? "/" : t == VLNK ? "@" : ""; }

static int ls_path(const char *argv0, const char *path, bool lng, bool header)
{
    struct vfs_stat st;
    int r = vfs_lstat(path, &st);
    if (r < 0)
        return shell_error(argv0, "%s: %s", path, shell_strerror(r));
    if (st.type != VDIR) {
        /* A symlink to a directory is listed as the link, as ls does. */
        if (lng)
            ls_long(path, path);
        else
            shell_printf("%s%s\n", path, type_suffix(st.type));
        return 0;
    }
    struct file *f;
    r = vfs_open(path, O_RDONLY | O_DIRECTORY, 0, &f);
    if (r < 0)
        return shell_error(argv0, "%s: %s", path, shell_strerror(r));
    struct vfs_dirent *de = kmalloc(sizeof(*de));
    char *full = kmalloc(VFS_PATH_MAX);
    struct entry *ents = NULL;
    size_t n = 0, cap = 0;
    int status = 0;
    if (!de || !full) {
        status = shell_error(argv0, "out of memory");
        goto out;
    }
    for (;;) {
        if (shell_interrupted()) {
            status = SHELL_INTERRUPTED;
            goto out;
        }
        r = vfs_readdir(f, de);
        if (r == 0)
            break;
        if (r < 0) {
            status = shell_error(argv0, "%s: reading the directory: %s", path, shell_strerror(r));
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct entry *ne = kmalloc(ncap * sizeof(*ne));
            if (!ne) {
                status = shell_error(argv0, "out of memory");
                goto out;
            }
            if (ents)
                memcpy(ne, ents, n * sizeof(*ne));
            kfree(ents);
            ents = ne;
            cap = ncap;
        }
        size_t len = strnlen(de->name, VFS_NAME_MAX);
        char *name = kmalloc(len + 1);
        if (!name) {
            status = shell_error(argv0, "out of memory");
            goto out;
        }
        memcpy(name, de->name, len);
        name[len] = '\0';
        ents[n].name = name;
        ents[n].type = de->type;
        n++;
    }
    sort_entries(ents, n);
    if (header)
        shell_printf("%s:\n", path);
    for (size_t i = 0; i < n; i++) {
        if (shell_interrupted()) {
            status = SHELL_INTERRUPTED;
            break;
        }
        if (!lng)
            shell_printf("%s%s\n", ents[i].name, type_suffix(ents[i].type));
        else if (join(full, path, ents[i].name))
            ls_long(full, ents[i].name);
        else
            shell_printf("%s (path too long)\n", ents[i].name);
    }
out:
    for (size_t i = 0; i < n; i++)
        kfree(ents[i].name);
    kfree(ents);
    kfree(full);
    kfree(de);
    vfs_close(f);
    return status;
}

static int cmd_ls(int argc, char **argv)
{
    bool lng = false;
    int first = 1, status = 0;
    if (argc > 1 && strcmp(argv[1], "-l") == 0) {
        lng = true;
        first = 2;
    }
    for (int i = first; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1])
            return shell_usage(argv[0]);
    if (first == argc)
        return ls_path(argv[0], ".", lng, false);
    for (int i = first; i < argc && status != SHELL_INTERRUPTED; i++) {
        int r = ls_path(argv[0], argv[i], lng, argc - first > 1);
        if (r)
            status = r;
    }
    return status;
}
SHELL_CMD_FLAGS(ls, cmd_ls, "ls [-l] [path...]", "list directories (dir/, link@); -l: type, mode, links, size, time", SHELL_CMD_RESERVE);

/* --- reading whole files: cat, sha256sum --- */
typedef int (*chunk_fn)(void *ctx, const uint8_t *buf, size_t n);

/* Reads path from start to end, calling fn for each chunk.  Returns 0,
 * SHELL_INTERRUPTED, or an error already reported. */
static int read_all(const char *argv0, const char *path, chunk_fn fn, void *ctx)
{
    struct file *f;
    int r = vfs_open(path, O_RDONLY, 0, &f);
    if (r < 0)
        return shell_error(argv0, "%s: %s", path, shell_strerror(r));
    if (vfs_file_type(f) == VDIR) {
        vfs_close(f);
        return shell_error(argv0, "%s: %s", path, shell_strerror(-EISDIR));
    }
    /* With memory exhausted a small buffer on the stack still reads the
     * file: looking at a file must work when nothing else does. */
    uint8_t small[512];
    uint8_t *buf = kmalloc(IOBUF);
    size_t bufsz = buf ? IOBUF : sizeof(small);
    int status = 0;
    if (!buf)
        buf = small;
    for (;;) {
        if (shell_interrupted()) {
            status = SHELL_INTERRUPTED;
            break;
        }
        ssize_t n = vfs_read(f, buf, bufsz);
        if (n == 0)
            break;
        if (n < 0) {
            status = shell_error(argv0, "%s: read failed: %s", path, shell_strerror((int)n));
            break;
        }
        status = fn(ctx, buf, (size_t)n);
        if (status)
            break;
    }
    if (buf != small)
        kfree(buf);
    vfs_close(f);
    return status;
}

struct cat {
    const char *argv0, *path;
    bool check; /* the first chunk of a file, going to the terminal */
};

/* Binary: a NUL, or more than one byte in 8 that is neither text nor
 * whitespace (UTF-8's bytes count as text). */
static bool looks_binary(const uint8_t *buf, size_t n)
{
    size_t odd = 0;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == 0)
            return true;
        if (buf[i] < 32 && buf[i] != '\n' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\f' && buf[i] != 27)
            odd++;
    }
    return odd * 8 > n;
}

static int cat_chunk(void *ctx, const uint8_t *buf, size_t n)
{
    struct cat *c = ctx;
    if (c->check) {
        c->check = false;
        if (looks_binary(buf, n))
            return shell_error(c->argv0, "%s: binary data, not printed on the terminal: "
                                         "try hexdump %s | more (or cat -f to print it anyway)",
                               c->path, c->path);
    }
    shell_write((const char *)buf, n);
    return 0;
}

static int cmd_cat(int argc, char **argv)
{
    int status = 0, i = 1;
    bool force = false;
    if (i < argc && strcmp(argv[i], "-f") == 0) {
        force = true;
        i++;
    }
    if (i == argc) { /* standard input */
        char buf[512];
        ssize_t n;
        while (!shell_interrupted() && (n = shell_read(buf, sizeof(buf))) > 0)
            shell_write(buf, (size_t)n);
        return shell_interrupted() ? SHELL_INTERRUPTED : 0;
    }
    for (; i < argc && status != SHELL_INTERRUPTED; i++) {
        struct cat c = { argv[0], argv[i], !force && shell_stdout_is_tty() };
        int r = read_all(argv[0], argv[i], cat_chunk, &c);
        if (r)
            status = r;
    }
    return status;
}
SHELL_CMD_FLAGS(cat, cmd_cat, "cat [-f] [file...]", "print files (or standard input); -f: binary ones too",
                SHELL_CMD_RESERVE);

static int sha_chunk(void *ctx, const uint8_t *buf, size_t n)
{
    sha256_update(ctx, buf, n);
    return 0;
}

static int cmd_sha256sum(int argc, char **argv)
{
    int status = 0;
    if (argc < 2)
        return shell_usage(argv[0]);
    struct sha256_ctx *c = kmalloc(sizeof(*c));
    if (!c)
        return shell_error(argv[0], "out of memory");
    for (int i = 1; i < argc && status != SHELL_INTERRUPTED; i++) {
        uint8_t digest[SHA256_DIGEST_SIZE];
        char hex[65];
        sha256_init(c);
        int r = read_all(argv[0], argv[i], sha_chunk, c);
        if (r) {
            status = r;
            continue;
        }
        sha256_final(c, digest);
        sha256_hex(digest, hex);
        shell_printf("%s  %s\n", hex, argv[i]);
    }
    kfree(c);
    return status;
}
SHELL_CMD(sha256sum, cmd_sha256sum, "sha256sum <file...>", "SHA-256 of files (as sha256sum on a host prints it)");

/* --- hexdump --- */
static void hex_line(uint64_t off, const uint8_t *p, size_t n)
{
    char line[80];
    size_t k = (size_t)ksnprintf(line, sizeof(line), "%08llx ", (unsigned long long)off);
    for (size_t i = 0; i < 16; i++) {
        if (i == 8)
            line[k++] = ' ';
        if (i < n)
            k += (size_t)ksnprintf(line + k, sizeof(line) - k, " %02x", p[i]);
        else
            k += (size_t)ksnprintf(line + k, sizeof(line) - k, "   ");
    }
    line[k++] = ' ';
    line[k++] = ' ';
    line[k++] = '|';
    for (size_t i = 0; i < n; i++)
        line[k++] = (p[i] >= 32 && p[i] < 127) ? (char)p[i] : '.';
    line[k++] = '|';
    line[k++] = '\n';
    shell_write(line, k);
}

static int cmd_hexdump(int argc, char **argv)
{
    uint64_t off = 0, len = UINT64_MAX;
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
            if (!shell_parse_u64(argv[++i], &off))
                return shell_error(argv[0], "bad offset \"%s\"", argv[i]);
        } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            if (!shell_parse_u64(argv[++i], &len))
                return shell_error(argv[0], "bad length \"%s\"", argv[i]);
        } else if (!path && argv[i][0] != '-') {
            path = argv[i];
        } else {
            return shell_usage(argv[0]);
        }
    }
    if (!path)
        return shell_usage(argv[0]);
    struct file *f;
    int r = vfs_open(path, O_RDONLY, 0, &f);
    if (r < 0)
        return shell_error(argv[0], "%s: %s", path, shell_strerror(r));
    if (vfs_file_type(f) == VDIR) {
        vfs_close(f);
        return shell_error(argv[0], "%s: %s", path, shell_strerror(-EISDIR));
    }
    uint8_t *buf = kmalloc(IOBUF);
    if (!buf) {
        vfs_close(f);
        return shell_error(argv[0], "out of memory");
    }
    /* Lines of 16 bytes; a run of identical lines is shown once, then '*'. */
    uint8_t prev[16];
    bool have_prev = false, starred = false;
    uint64_t pos = off, end = len > UINT64_MAX - off ? UINT64_MAX : off + len;
    int status = 0;
    while (pos < end) {
        if (shell_interrupted()) {
            status = SHELL_INTERRUPTED;
            break;
        }
        size_t want = (size_t)MIN((uint64_t)IOBUF, end - pos);
        ssize_t n = vfs_pread(f, buf, want, pos);
        if (n < 0) {
            status = shell_error(argv[0], "%s: read failed at %llu: %s", path, (unsigned long long)pos,
                                 shell_strerror((int)n));
            break;
        }
        if (n == 0)
            break;
        for (size_t i = 0; i < (size_t)n; i += 16) {
            size_t k = MIN((size_t)16, (size_t)n - i);
            if (k == 16 && have_prev && memcmp(prev, buf + i, 16) == 0) {
                if (!starred)
                    shell_write("*\n", 2);
                starred = true;
                continue;
            }
            hex_line(pos + i, buf + i, k);
            memcpy(prev, buf + i, k);
            have_prev = k == 16;
            starred = false;
        }
        pos += (uint64_t)n;
    }
    if (status == 0)
        shell_printf("%08llx\n", (unsigned long long)pos);
    kfree(buf);
    vfs_close(f);
    return status;
}
SHELL_CMD(hexdump, cmd_hexdump, "hexdump [-s <offset>] [-n <length>] <file>",
          "hex and ASCII of a file or block device (/dev/hda); repeated lines shown as *");

/* --- stat --- */
static int cmd_stat(int argc, char **argv)
{
    int status = 0;
    if (argc < 2)
        return shell_usage(argv[0]);
    for (int i = 1; i < argc; i++) {
        struct vfs_stat st;
        char mode[10], t1[20], t2[20], t3[20];
        int r = vfs_lstat(argv[i], &st);
        if (r < 0) {
            status = shell_error(argv[0], "%s: %s", argv[i], shell_strerror(r));
            continue;
        }
        mode_string(st.mode, mode);
        time_string(st.mtime, t1, sizeof(t1));
        time_string(st.atime, t2, sizeof(t2));
        time_string(st.ctime, t3, sizeof(t3));
        /* kvformat has no %o. */
        char oct[5] = { (char)('0' + ((st.mode >> 9) & 7)), (char)('0' + ((st.mode >> 6) & 7)),
                        (char)('0' + ((st.mode >> 3) & 7)), (char)('0' + (st.mode & 7)), '\0' };
        shell_printf("  file: %s\n  type: %s  mode: %s (%c%s)  links: %u  uid: %u  gid: %u\n", argv[i],
                     vfs_type_name(st.type), oct, type_char(st.type), mode, st.nlink, st.uid, st.gid);
        shell_printf("  size: %llu  blocks: %llu (512 B)  io block: %u  inode: %llu  mount: %u\n",
                     (unsigned long long)st.size, (unsigned long long)st.blocks, st.blksize,
                     (unsigned long long)st.ino, st.mnt_id);
        shell_printf("  modified: %s  accessed: %s  changed: %s\n", t1, t2, t3);
        if (st.type == VLNK) {
            char target[256];
            r = vfs_readlink(argv[i], target, sizeof(target));
            if (r >= 0)
                shell_printf("  target: %s%s\n", target, r >= (int)sizeof(target) ? "..." : "");
        }
    }
    return status;
}
SHELL_CMD(stat, cmd_stat, "stat <path...>", "file type, mode, size, inode, times (symlinks not followed)");

/* --- manifest --- */
static int cmd_manifest(int argc, char **argv)
{
    if (argc != 2)
        return shell_usage(argv[0]);
    struct vfs_stat st;
    int r = vfs_stat(argv[1], &st);
    if (r < 0)
        return shell_error(argv[0], "%s: %s", argv[1], shell_strerror(r));
    if (st.type != VDIR)
        return shell_error(argv[0], "%s: %s", argv[1], shell_strerror(-ENOTDIR));
    /* manifest_print reports its own failure (MANIFEST-FAILED). */
    return manifest_print(argv[1]) < 0 ? SHELL_FAIL : 0;
}
SHELL_CMD(manifest, cmd_manifest, "manifest <dir>",
          "every object below dir with size and SHA-256, as tools/images/manifest.sh prints a host tree");
