# A tour of AdrOS, run at boot with:  make run CMDLINE='init=/mnt/scripts/tour.sh'
# One command a line (';' also separates); '#' starts a comment.
echo "AdrOS tour"
uptime
ls -l /mnt
cat /mnt/hello.txt
sha256sum /mnt/hello.txt
df
lsblk
