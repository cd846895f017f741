/* File systems at boot: registers the built-in types, mounts the ramfs
 * root with its standard directories and devfs on /dev.  One INITCALL, so
 * the order does not depend on link order. */
#include <adros/errno.h>
#include <adros/init.h>
#include <adros/kprintf.h>
#include <adros/vnode.h>

static int fs_boot(void)
{
    vfs_register_fs(&ramfs_vfsops);
    vfs_register_fs(&devfs_vfsops);
    vfs_register_fs(&ext2_vfsops);
    int err = vfs_mount("ramfs", "none", "/", 0);
    if (err) {
        klog(LOG_ERR, "vfs: cannot mount the root ramfs: %s\n", strerror(-err));
        return err;
    }
    vfs_mkdir("/dev", 0755);
    vfs_mkdir("/mnt", 0755);
    vfs_mkdir("/tmp", 01777);
    err = vfs_mount("devfs", "none", "/dev", VFS_MNT_SYSTEM);
    if (err)
        klog(LOG_ERR, "vfs: cannot mount devfs on /dev: %s\n", strerror(-err));
    return err;
}
INITCALL(INIT_FS, fs_boot);
