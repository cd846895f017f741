/* Shell command lsblk: the block devices and their partitions. */
#include <adros/blk.h>
#include <adros/shell.h>
#include <adros/string.h>

struct lsblk_ctx {
    bool stats;
    int n;
};

static void lsblk_one(struct blkdev *d, void *arg)
{
    struct lsblk_ctx *c = arg;
    char size[16];
    shell_format_size(d->nsectors * d->sector_size, size, sizeof(size));
    c->n++;
    if (c->stats) {
        const struct blk_stats *s = &d->stats;
        shell_printf("%-8s %8llu reads %10llu B  %8llu writes %10llu B  %6llu flushes %4llu errors", d->name,
                     (unsigned long long)s->reads, (unsigned long long)s->read_bytes,
                     (unsigned long long)s->writes, (unsigned long long)s->write_bytes,
                     (unsigned long long)s->flushes, (unsigned long long)s->errors);
        if (!d->parent)
            shell_printf("  %8llu disk reads %10llu B", (unsigned long long)s->disk_reads,
                         (unsigned long long)s->disk_read_bytes);
        shell_printf("\n");
        return;
    }
    shell_printf("%-8s %-4s %7s %12llu %5u %-2s %-8s %-24s %s\n", d->name, d->parent ? "part" : "disk", size,
                 (unsigned long long)d->nsectors, d->sector_size, d->readonly ? "ro" : "rw",
                 d->parent ? d->parent->name : "-", d->model[0] ? d->model : "-", d->driver[0] ? d->driver : "-");
}

static int cmd_lsblk(int argc, char **argv)
{
    struct lsblk_ctx c = { false, 0 };
    if (argc == 2 && strcmp(argv[1], "-s") == 0)
        c.stats = true;
    else if (argc != 1)
        return shell_usage(argv[0]);
    if (!c.stats)
        shell_printf("%-8s %-4s %7s %12s %5s %-2s %-8s %-24s %s\n", "NAME", "TYPE", "SIZE", "SECTORS", "SECT", "RO",
                     "PARENT", "MODEL", "DRIVER");
    blk_foreach(lsblk_one, &c);
    if (c.n == 0)
        shell_printf("no block devices\n");
    return 0;
}
SHELL_CMD(lsblk, cmd_lsblk, "lsblk [-s]", "list block devices and partitions (model, driver); -s shows I/O counters");
