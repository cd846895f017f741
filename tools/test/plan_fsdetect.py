"""Rump mounts of NetBSD's other file systems, detected from the disk or
named: FAT12/16/32 (msdos), ISO 9660 (cd9660), FFS (ffs), next to ext2
(plan_stage1.py).  Images come from tools/images/mkimages.py (build_nbfs).

  fsdetect-manifest-<fs>  manifest=rump:<dev> (detected) equals
                          tools/images/manifest.sh on the host's view of the image
                          (mcopy / xorriso extraction; FFS and ext2: the
                          tree the image was made from, and for the
                          Joliet-only ISO), for FAT32 (with a 20 MiB file),
                          FAT16, FAT12, ISO 9660 with Rock Ridge and Joliet,
                          ISO 9660 with Joliet only, FFS (UFS1) and ext2
                          (revision 0)
  fsdetect-detect         a shell script: detection per disk, `mount`'s
                          listing, a corrupt FAT boot sector and a blank
                          disk refused with a clear message, -o fs= and
                          -o ro overriding, the kernel going on
  fsdetect-fat-write      suite rumpfat on an empty FAT32 image; then on the
                          host fsck.fat -n clean and mcopy reads every file
                          back equal, nothing else on the image

They need the rump components (else SKIP with the reason) and the host
tools (dosfstools, mtools, genisoimage, xorriso, makefs; tools/deps.sh).

The boots are made by fsdetect.py, which plan_usb uses for USB sticks.
"""
from common import rump_present
from fsdetect import boots_for


def boots(build):
    if not rump_present():
        why = "NetBSD rump components absent (put them in third_party/rump, see README)"
        return [{"name": "fsdetect", "cmdline": "", "skip": why,
                 "tests": ["manifest=rump:hda on FAT32/FAT16/FAT12/ISO 9660/FFS equals the host's view",
                           "detection, clear refusals, -o fs= and -o ro",
                           "rumpfat write test; fsck.fat -n clean; mcopy reads it back"]}]
    return boots_for(build)
