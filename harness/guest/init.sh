#!/bin/sh
# synharness guest /init (runs as PID 1 under dash). The host's qemu wires four serial ports:
# ttyS0 the kernel console (boot log, panics), ttyS1 the command's stdout, ttyS2 its stderr.
# The command is /synh/run.sh (made per run); its results and exit status go back as a tar written to
# the raw virtio disk /dev/vda. Then the guest powers off; any failure before that is seen on the
# console by the host, which holds the deadline.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
bb=/bin/busybox
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev 2>/dev/null
$bb mkdir -p /dev/pts /dev/shm /run /tmp
$bb mount -t devpts devpts /dev/pts
$bb mount -t tmpfs tmpfs /dev/shm
say() { echo "synh-guest: $* [$($bb cut -d" " -f1 /proc/uptime) s]" > /dev/ttyS0; }
say "init on $($bb uname -r)"
if [ -f /synh/modules.list ]; then
  while read -r m; do
    $bb insmod "/synh/modules/$m.ko" 2> /tmp/insmod.err || say "insmod $m: $($bb cat /tmp/insmod.err)"
  done < /synh/modules.list
fi
for t in ttyS1 ttyS2; do $bb stty -F /dev/$t raw -echo 2>/dev/null; done
$bb hostname synh-guest
ip link set lo up
say "ready"
. /synh/run.sh
say "done ($status)"
$bb sync
$bb poweroff -f
