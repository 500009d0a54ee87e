#!/usr/bin/env bats
# Online grow of a running image VPS (issue 5), for both image layouts
# (image: the VPS's tree in its ext4; image-overlay: only the overlay's
# upper layer). ext4's online resize needs CAP_SYS_RESOURCE, which this
# project's development host's sandbox strips from every process, so there
# tests/cli/disk.bats can only check that vzctl refuses with that reason;
# the UML guest runs vxd as real root with every capability:
#   GUEST_CLI_MODES=v2 tests/guest-cli/run.sh \
#       --kernel /var/cache/vx/kernels/um/linux tests/guest-cli/image-grow.bats
# `vzctl set --diskspace` on a running VPS extends the image file, tells
# the loop device (LOOP_SET_CAPACITY) and runs resize2fs on the mounted
# ext4: df inside grows, what did not fit before fits, the VPS keeps
# running (same init) and its files stay. A shrink of a running VPS is
# refused (exit 21) and changes nothing.

load ../cli/helpers

setup_file() {
	vx_test_setup
	sed 's/^DISKSPACE=.*/DISKSPACE="64M:64M"/' \
		"$VX_ROOT/etc/vz/conf/ve-basic.conf-sample" \
		>"$VX_ROOT/etc/vz/conf/ve-disk64.conf-sample"
}
teardown_file() { vx_test_teardown; }
setup() {
	vx_require mkfs.ext4
	vx_require resize2fs
	[ -e /dev/loop-control ] ||
		vx_need_kernel "no /dev/loop-control (CONFIG_BLK_DEV_LOOP)"
}

df_inside() {
	vx_timeout vzctl exec2 "$1" "df -k / | tail -1" | awk '{ print $2 }'
}

# The loop device under the VPS's ext4: VE_ROOT (image) or
# VE_PRIVATE/mnt (image-overlay).
loop_of() {
	losetup -j "$VX_ROOT/vz/private/$1/root.img" | cut -d: -f1
}

grow_online() {
	local ct=$1 layout=$2 img=$VX_ROOT/vz/private/$1/root.img
	local eff init before after dev
	vx_create "$ct" --layout "$layout" --config disk64
	vx_expect_ok vzctl start "$ct" --wait
	# vxd must be able to resize a mounted ext4 here; else the test
	# would only see the refusal disk.bats checks on the host.
	eff=$(awk '/^CapEff/ { print $2 }' "/proc/$(vx_vxd_pid)/status")
	(( (0x$eff >> 24) & 1 )) ||
		vx_need_kernel "vxd has no CAP_SYS_RESOURCE (CapEff $eff)"
	vx_in_ct "$ct" 'echo keep > /root/file'
	init=$(vx_init_pid "$ct")
	before=$(df_inside "$ct")
	[ "$before" -le 65536 ] || { echo "df before $before"; false; }
	# 80M do not fit yet
	vx_expect_rc 1 vzctl exec2 "$ct" 'dd if=/dev/zero of=/root/big bs=1M count=80'
	vx_output_has "No space left on device"
	vx_in_ct "$ct" 'rm -f /root/big'

	vx_expect_ok vzctl set "$ct" --diskspace 96M:128M
	[[ $output != *offline* ]]
	# still the same running VPS, still mounted
	vx_expect_ok vzctl status "$ct"
	[ "$output" = "CTID $ct exist mounted running" ]
	[ "$(vx_init_pid "$ct")" = "$init" ]
	after=$(df_inside "$ct")
	[ "$after" -gt 100000 ] && [ "$after" -le 131072 ] ||
		{ echo "df before $before after $after"; false; }
	[ "$(stat -c %s "$img")" = $((128 * 1024 * 1024)) ]
	dev=$(loop_of "$ct")
	[ -n "$dev" ]
	[ "$(blockdev --getsize64 "$dev")" = $((128 * 1024 * 1024)) ]
	[ "$(vx_in_ct "$ct" 'cat /root/file')" = keep ]
	# the new space is usable at once
	vx_expect_ok vzctl exec2 "$ct" 'dd if=/dev/zero of=/root/big bs=1M count=80 2>&1 && sync'
	grep -qx 'DISKSPACE="98304:131072"' "$VX_ROOT/etc/vz/conf/$ct.conf"
	vx_expect_ok vzlist -H -o diskspace.h,diskspace "$ct"
	read -r hard used <<<"$output"
	[ "$hard" = 131072 ] && [ "$used" -gt 81920 ] || { echo "vzlist: $output"; false; }

	# shrinking a running VPS is refused and changes nothing
	vx_expect_rc 21 vzctl set "$ct" --diskspace 100M
	vx_output_has "stop it first"
	[ "$(stat -c %s "$img")" = $((128 * 1024 * 1024)) ]
	grep -qx 'DISKSPACE="98304:131072"' "$VX_ROOT/etc/vz/conf/$ct.conf"
	[ "$(df_inside "$ct")" = "$after" ]
	vx_is_running "$ct"

	# and the grown file system is sound after a restart
	vx_expect_ok vzctl stop "$ct"
	run e2fsck -f -n "$img"
	[ "$status" = 0 ] || { echo "$output"; false; }
	vx_expect_ok vzctl start "$ct" --wait
	[ "$(vx_in_ct "$ct" 'cat /root/file')" = keep ]
	[ "$(df_inside "$ct")" = "$after" ]
	vx_ct_cleanup "$ct"
}

@test "online grow: a running image VPS grows with set --diskspace, keeps running and its files; a shrink is refused" {
	grow_online 461 image
}

@test "online grow: a running image-overlay VPS grows with set --diskspace, keeps running and its files; a shrink is refused" {
	grow_online 462 image-overlay
}
