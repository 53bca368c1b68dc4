#!/bin/sh
# Regenerates the USB test vectors: a fake sysfs tree (sysfs/), sample mountinfo files
# (*.mountinfo), and seeds the fuzz corpora (tests/fuzz/corpus/mountinfo, .../usbdir).
# Run from anywhere: sh tests/vectors/usb/mkvectors.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
corpus=$here/../../fuzz/corpus
cd "$here"
rm -rf sysfs ./*.mountinfo
S=sysfs

# dev NAME DEVDIR MAJ:MIN REMOVABLE [PART MAJ:MIN]... : a disk and its partitions, linked from
# sysfs/dev/block/MAJ:MIN and sysfs/block/NAME as the kernel does.
dev() {
    name=$1 dir=$2 devno=$3 rem=$4
    shift 4
    mkdir -p "$S/$dir/$name"
    echo "$rem" > "$S/$dir/$name/removable"
    echo "$devno" > "$S/$dir/$name/dev"
    mkdir -p "$S/dev/block" "$S/block"
    ln -s "../../$dir/$name" "$S/dev/block/$devno"
    ln -s "../$dir/$name" "$S/block/$name"
    n=1
    while [ $# -ge 2 ]; do
        mkdir -p "$S/$dir/$name/$1"
        echo "$n" > "$S/$dir/$name/$1/partition"
        echo "$2" > "$S/$dir/$name/$1/dev"
        ln -s "../../$dir/$name/$1" "$S/dev/block/$2"
        n=$((n + 1))
        shift 2
    done
}

# internal SATA disk, internal NVMe, a USB stick (removable=1), an SD card (removable=1, not USB),
# a USB hard disk that reports removable=0, an eSATA disk with removable=1 but no dev/block link
dev sda devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block 8:0 0 sda1 8:1 sda2 8:2
dev nvme0n1 devices/pci0000:00/0000:00:1d.0/0000:3d:00.0/nvme/nvme0 259:0 0 nvme0n1p1 259:1 nvme0n1p2 259:2
dev sdb devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block 8:16 1 sdb1 8:17 sdb2 8:18
dev mmcblk0 devices/platform/soc/fe340000.mmc/mmc_host/mmc0/mmc0:aaaa/block 179:0 1 mmcblk0p1 179:1
dev sdc devices/pci0000:00/0000:00:14.0/usb3/3-2/3-2:1.0/host7/target7:0:0/7:0:0:0/block 8:32 0 sdc1 8:33
dev sdd devices/pci0000:00/0000:00:1f.2/ata3/host2/target2:0:0/2:0:0:0/block 8:48 1 sdd1 8:49
rm "$S/dev/block/8:49"

sys() {
    cat <<'M'
21 26 0:20 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
22 26 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
23 26 0:6 / /dev rw,nosuid,relatime shared:8 - devtmpfs udev rw,size=8123456k,nr_inodes=2030864,mode=755
24 23 0:22 / /dev/shm rw,nosuid,nodev shared:9 - tmpfs tmpfs rw
26 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw,errors=remount-ro
27 26 8:1 / /boot/efi rw,relatime shared:30 - vfat /dev/sda1 rw,fmask=0077,dmask=0077
28 26 259:2 / /srv rw,relatime shared:31 - ext4 /dev/nvme0n1p2 rw
29 26 0:45 / /run/user/1000 rw,nosuid,nodev,relatime shared:400 - tmpfs tmpfs rw,size=1624300k,mode=700,uid=1000,gid=1000
30 29 0:46 / /run/user/1000/gvfs rw,nosuid,nodev,relatime shared:420 - fuse.gvfsd-fuse gvfsd-fuse rw,user_id=1000,group_id=1000
31 26 7:3 / /snap/core22/1122 ro,nodev,relatime shared:40 - squashfs /dev/loop3 ro
M
}

sys > none.mountinfo

# one stick, mounted with a space in its mount point, also bind-mounted (sub-tree) and mounted
# twice; plus malformed lines that must be skipped
{
    sys
    printf '%s\n' '40 26 8:17 / /media/op/MY\040STICK rw,nosuid,nodev,relatime shared:500 - vfat /dev/sdb1 rw,uid=1000,gid=1000,fmask=0022,dmask=0022,codepage=437,iocharset=ascii,shortname=mixed,showexec,utf8,flush,errors=remount-ro'
    printf '%s\n' '41 26 8:17 /FERRY /mnt/ferry-bind rw,relatime shared:500 - vfat /dev/sdb1 rw'
    printf '%s\n' '42 26 8:17 / /mnt/again rw,relatime shared:500 - vfat /dev/sdb1 rw'
    printf '%s\n' '43 26 8:18 / /media/op/bad\04xescape rw,relatime - vfat /dev/sdb2 rw'
    printf '%s\n' '44 26 8:18 / /media/op/truncated rw,relatime'
    printf '%s\n' '45 26 x:18 / /media/op/baddev rw,relatime - vfat /dev/sdb2 rw'
} > one.mountinfo

{
    sys
    printf '%s\n' '40 26 8:17 / /media/op/STICK rw,relatime shared:500 - vfat /dev/sdb1 rw'
    printf '%s\n' '41 26 179:1 / /media/op/SDCARD rw,relatime shared:501 - exfat /dev/mmcblk0p1 rw'
} > two.mountinfo

{
    sys
    printf '%s\n' '40 26 8:33 / /media/op/backup\011disk rw,relatime shared:500 - ext4 /dev/sdc1 rw'
} > usbdisk.mountinfo

{
    sys
    printf '%s\n' '40 26 8:49 / /mnt/esata rw,relatime shared:500 - ext4 /dev/sdd1 rw'
} > fallback.mountinfo

# a live system booted from the stick: its / and /boot are not "the medium"
cat > liveboot.mountinfo <<'M'
21 26 0:20 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
26 1 8:17 / / rw,relatime shared:1 - ext4 /dev/sdb1 rw
27 26 8:18 / /boot rw,relatime shared:2 - vfat /dev/sdb2 rw
M

# fuzz corpora
mkdir -p "$corpus/mountinfo" "$corpus/usbdir"
rm -f "$corpus/mountinfo"/* "$corpus/usbdir"/*
for f in ./*.mountinfo; do cp "$f" "$corpus/mountinfo/"; done
printf '%s\n' '1 2 3:4 \134 /a\040b\012c - ext4 /dev/sdz9 rw' > "$corpus/mountinfo/escapes"
printf '1 2 3:4 / /x - ext4 /dev/sdb1 rw' > "$corpus/mountinfo/no-newline"
# found by libFuzzer: escapes decoding to newlines inside fields
echo 'MjEgMjYgMDoyMCAvIC9wcm9jIHJ3LG5vc3VpZCxub2Rldixub3hlYyxyZWxhdGlIbWUgc2hhcmRlMToyIC0gcHJvYyBwcm9jIHJ3CjI2IDEgODoxNyAvIC4gcncsdmVsYXRpbWUgc2hhcmU6MTjg0N/QnZCQlSBydyxyZWxhdGltZSBzaGFyZWQ6MiAtIHZmYWJcMDEy+SAtIGV4dDQgL2QydCAvZGV2L3NkYjIgcncK' |
    base64 -d > "$corpus/mountinfo/regress-escaped-newline"

# usbdir inputs: records "<type><where><name>\0<content>\0"; type f file, l symlink, p fifo,
# d directory; where s = ROOT/FERRY, r = ROOT (see tests/fuzz/fuzz_usbdir.c)
u=$corpus/usbdir
printf 'fsa.ferry\000AAAA\000fsb.ferry\000BBBB\000' > "$u/two-files"
printf 'frroot.ferry\000root\000fsnote.txt\000not a package\000' > "$u/root-and-other"
printf 'lsevil.ferry\000/etc/passwd\000psfifo.ferry\000\000dsdir.ferry\000\000fsok.ferry\000ok\000' > "$u/special"
printf 'fs..ferry\000x\000fsbad\001name.ferry\000x\000fs-opt.ferry\000x\000fsnew\nline.ferry\000x\000' > "$u/unsafe-names"
head -c 3000 /dev/zero | tr '\0' 'Z' > "$u/.big"
{ printf 'fsbig.ferry\000'; cat "$u/.big"; printf '\000fssmall.ferry\000s\000'; } > "$u/oversize"
rm -f "$u/.big"
printf '' > "$u/empty"
echo "vectors written in $here, corpora in $corpus"
