#!/usr/bin/env bats
# df inside a btrfs-layout VPS shows the VPS's own size and usage (issue 5):
# the vx kernel's btrfs statfs reports the qgroup limit on the subvolume's
# referenced bytes (kernel-patches/0018); a stock kernel shows the whole
# file system (tests/cli/btrfs.bats checks that on the host). Needs the
# patched kernel, so it runs in the UML guest:
#   GUEST_CLI_MODES=v2 tests/guest-cli/run.sh \
#       --kernel /var/cache/vx/kernels/um/linux tests/guest-cli/btrfs-df.bats
# The private areas live on a sparse 1 GiB btrfs on a loop device made
# here (btrfs-progs come from the host through hostfs), so the file
# system is ten times the 100M limit and the two cannot be confused.

load ../cli/helpers

# KiB: the disk limit, and a floor for "the whole file system" (1 GiB
# image, less what btrfs keeps for itself).
LIMIT=102400
WHOLE=500000

setup_file() {
	vx_test_setup
	command -v mkfs.btrfs >/dev/null || return 0
	grep -qw btrfs /proc/filesystems || return 0
	local img=$VX_ROOT/btrfs.img mnt=$VX_ROOT/vz/private
	truncate -s 1G "$img" &&
		mkfs.btrfs -q -f "$img" >/dev/null &&
		mkdir -p "$mnt" &&
		mount -o loop "$img" "$mnt" || return 1
}

teardown_file() {
	vx_test_teardown
	return 0
}

setup() {
	vx_require mkfs.btrfs
	vx_require btrfs
	grep -qw btrfs /proc/filesystems ||
		vx_need_kernel "this kernel has no btrfs (CONFIG_BTRFS_FS)"
	MNT=$VX_ROOT/vz/private
	mountpoint -q "$MNT" || { echo "no btrfs mounted on $MNT" >&2; return 1; }
}

# df_in CT: "SIZE USED AVAIL" in KiB of / inside the running CT.
df_in() {
	vx_timeout vzctl exec2 "$1" "df -k / | tail -1" | awk '{ print $2, $3, $4 }'
}

# df_host PATH: "SIZE AVAIL" in KiB from statfs on the host.
df_host() {
	stat -f -c '%b %a %S' "$1" | awk '{ print $1 * $3 / 1024, $2 * $3 / 1024 }'
}

@test "df inside a btrfs VPS: the qgroup limit as size, usage grows with writes, EDQUOT when df says full" {
	local size used avail size1 used1 avail1 hsize havail
	vx_create 961 --layout btrfs --diskspace 100M
	vx_expect_ok vzctl start 961 --wait
	read -r size used avail <<<"$(df_in 961)"
	echo "# df inside: size $size used $used avail $avail" >&3
	# the limit, to the 4 KiB block (btrfs' sectorsize)
	[ "$size" -gt $((LIMIT - 4)) ] && [ "$size" -le "$LIMIT" ] ||
		{ echo "df size $size, want $LIMIT (the qgroup limit)"; false; }
	# the snapshot's referenced bytes: the busybox tree, a few MiB
	[ "$used" -gt 0 ] && [ "$used" -lt 16384 ] || { echo "df used $used"; false; }
	[ "$avail" -le $((size - used)) ] || { echo "avail $avail > size $size - used $used"; false; }

	vx_expect_ok vzctl exec2 961 'dd if=/dev/zero of=/root/f bs=1M count=20 conv=fsync 2>&1 && sync'
	read -r size1 used1 avail1 <<<"$(df_in 961)"
	echo "# after 20 MiB: size $size1 used $used1 avail $avail1" >&3
	[ "$size1" = "$size" ]
	[ $((used1 - used)) -ge 19456 ] && [ $((used1 - used)) -le 24576 ] ||
		{ echo "used $used -> $used1 after 20 MiB"; false; }
	[ $((avail - avail1)) -ge 19456 ] || { echo "avail $avail -> $avail1"; false; }

	# the host's statfs of the private area says the same (not only
	# inside a context: the limit is the subvolume's)
	read -r hsize havail <<<"$(df_host "$MNT/961")"
	[ "$hsize" = "$size1" ] || { echo "host statfs size $hsize, inside $size1"; false; }
	# and the top-level subvolume, which has no limit, the whole file system
	read -r hsize havail <<<"$(df_host "$MNT")"
	[ "$hsize" -gt "$WHOLE" ] || { echo "top level: $hsize"; false; }

	# fill it: EDQUOT, and df agrees that nothing is left
	vx_expect_rc 1 vzctl exec2 961 'dd if=/dev/zero of=/root/g bs=1M count=200 conv=fsync'
	vx_output_has "Disk quota exceeded"
	vx_expect_ok vzctl exec2 961 sync
	read -r size1 used1 avail1 <<<"$(df_in 961)"
	echo "# at the limit: size $size1 used $used1 avail $avail1" >&3
	[ "$avail1" -lt 8192 ] && [ "$used1" -gt $((LIMIT - 8192)) ] ||
		{ echo "at the limit df says used $used1 avail $avail1"; false; }
	vx_ct_cleanup 961
}

@test "df follows set --diskspace live; without a limit a subvolume reports the whole file system" {
	local size used avail
	vx_create 962 --layout btrfs --diskspace 100M
	vx_expect_ok vzctl start 962 --wait
	read -r size used avail <<<"$(df_in 962)"
	[ "$size" -le "$LIMIT" ] && [ "$size" -gt $((LIMIT - 4)) ] || { echo "df size $size"; false; }
	vx_expect_ok vzctl set 962 --diskspace 200M
	read -r size used avail <<<"$(df_in 962)"
	[ "$size" -le $((2 * LIMIT)) ] && [ "$size" -gt $((2 * LIMIT - 4)) ] ||
		{ echo "df size $size after set --diskspace 200M"; false; }
	# no limit: the qgroup stays (quotas are on), statfs is btrfs' own
	vx_expect_ok vzctl set 962 --diskspace unlimited
	read -r size used avail <<<"$(df_in 962)"
	[ "$size" -gt "$WHOLE" ] || { echo "df size $size without a limit"; false; }
	# a subvolume made by hand, whose qgroup never had a limit
	btrfs subvolume create "$MNT/nolimit" >/dev/null
	read -r size avail <<<"$(df_host "$MNT/nolimit")"
	[ "$size" -gt "$WHOLE" ] || { echo "unlimited subvolume: $size"; false; }
	btrfs subvolume delete "$MNT/nolimit" >/dev/null
	vx_ct_cleanup 962
}
