#!/usr/bin/env bats
# Disk limits (issue 5): `vzctl set --diskspace` resizes an image CT's file
# system (grown online while it runs when vxd has CAP_SYS_RESOURCE, else
# offline; shrunk only when stopped), vzlist
# shows diskspace / diskspace.s / diskspace.h / diskinodes (table and
# JSON), and overlay/plain CTs say plainly why their limit is not enforced.
# ENOSPC at the limit and df inside: layout.bats.

load helpers

setup_file() {
	vx_test_setup
	sed 's/^DISKSPACE=.*/DISKSPACE="64M:64M"/' \
		"$VX_ROOT/etc/vz/conf/ve-basic.conf-sample" \
		>"$VX_ROOT/etc/vz/conf/ve-disk64.conf-sample"
}
teardown_file() { vx_test_teardown; }

df_inside() {
	vx_timeout vzctl exec2 "$1" "df -k / | tail -1" | awk '{ print $2 }'
}

# Does vxd have CAP_SYS_RESOURCE (ext4's online resize needs it)? This
# development host's sandbox drops it from every process's bounding set.
vxd_has_sys_resource() {
	local eff
	eff=$(awk '/^CapEff/ { print $2 }' "/proc/$(vx_vxd_pid)/status")
	(( (0x$eff >> 24) & 1 ))
}

@test "set --diskspace grows a running image CT online (or says why it cannot), and a stopped one offline" {
	vx_require resize2fs
	vx_create 701 --layout image --config disk64
	vx_expect_ok vzctl start 701 --wait
	vx_in_ct 701 'echo keep > /root/file'
	local before after
	before=$(df_inside 701)
	[ "$before" -le 65536 ]
	if vxd_has_sys_resource; then
		vx_expect_ok vzctl set 701 --diskspace 96M:128M
	else
		vx_expect_rc 3 vzctl set 701 --diskspace 96M:128M
		vx_output_has "needs CAP_SYS_RESOURCE"
		vx_output_has "grow it offline"
		# nothing changed
		[ "$(stat -c %s "$VX_ROOT/vz/private/701/root.img")" = $((64 * 1024 * 1024)) ]
		grep -qx 'DISKSPACE="64M:64M"' "$VX_ROOT/etc/vz/conf/701.conf"
		vx_expect_ok vzctl stop 701
		vx_expect_ok vzctl set 701 --diskspace 96M:128M
		vx_expect_ok vzctl start 701 --wait
	fi
	after=$(df_inside 701)
	[ "$after" -gt 100000 ] && [ "$after" -le 131072 ] ||
		{ echo "df before $before after $after"; false; }
	[ "$(vx_in_ct 701 'cat /root/file')" = keep ]
	# the new size is usable: 90M fit now (they did not before)
	vx_expect_ok vzctl exec2 701 'dd if=/dev/zero of=/root/big bs=1M count=90 2>&1'
	# saved at once, running or not: it describes the disk as it is now
	grep -qx 'DISKSPACE="98304:131072"' "$VX_ROOT/etc/vz/conf/701.conf"
	[ "$(stat -c %s "$VX_ROOT/vz/private/701/root.img")" = $((128 * 1024 * 1024)) ]
	vx_ct_cleanup 701
}

@test "shrinking: refused while running (exit 21), done when stopped; too small refused" {
	vx_require resize2fs
	vx_create 702 --layout image --config disk64
	vx_expect_ok vzctl start 702 --wait
	vx_expect_rc 21 vzctl set 702 --diskspace 32M
	vx_output_has "stop it first"
	grep -qx 'DISKSPACE="64M:64M"' "$VX_ROOT/etc/vz/conf/702.conf"
	vx_expect_ok vzctl stop 702
	vx_expect_ok vzctl set 702 --diskspace 32M
	[ "$(stat -c %s "$VX_ROOT/vz/private/702/root.img")" = $((32 * 1024 * 1024)) ]
	vx_expect_ok vzctl start 702 --wait
	size=$(df_inside 702)
	[ "$size" -le 32768 ] && [ "$size" -gt 20000 ] || false
	# fill it, stop, and ask for less than is used: resize2fs refuses,
	# nothing is lost, the CT still starts
	vx_expect_rc 1 vzctl exec2 702 'dd if=/dev/zero of=/root/big bs=1M count=40'
	vx_expect_ok vzctl stop 702
	vx_expect_rc 3 vzctl set 702 --diskspace 16M
	vx_output_has "resize2fs"
	grep -qx 'DISKSPACE="32768:32768"' "$VX_ROOT/etc/vz/conf/702.conf"
	vx_expect_ok vzctl start 702 --wait
	vx_ct_cleanup 702
}

@test "vzlist: diskspace usage and limits of an image CT, running and stopped; JSON" {
	vx_create 703 --layout image --config disk64
	vx_expect_ok vzlist -H -o ctid,diskspace,diskspace.s,diskspace.h,diskinodes 703
	read -r id used soft hard inodes <<<"$output"
	[ "$id" = 703 ] && [ "$soft" = 65536 ] && [ "$hard" = 65536 ] || false
	# a busybox tree: a few hundred KiB and some hundred inodes
	[ "$used" -gt 100 ] && [ "$used" -lt 20000 ] && [ "$inodes" -gt 10 ] || false
	vx_image_usage_grows 703 "$used"
	vx_ct_cleanup 703
}

@test "overlay CT: --diskspace is saved and vzctl says why it is not enforced" {
	vx_create 704 --layout overlay
	vx_expect_ok vzctl set 704 --diskspace 1G:2G --diskinodes 100000
	vx_output_has "not enforced"
	if [ ! -e /proc/sys/fs/quota ]; then
		vx_output_has "no CONFIG_QUOTA"
	fi
	grep -qx 'DISKSPACE="1048576:2097152"' "$VX_ROOT/etc/vz/conf/704.conf"
	grep -qx 'DISKINODES="100000:100000"' "$VX_ROOT/etc/vz/conf/704.conf"
	vx_expect_ok vzlist -H -o diskspace,diskspace.s,diskspace.h 704
	[ "$(echo $output)" = "- 1048576 2097152" ]
	vx_expect_rc 21 vzctl set 704 --diskspace 2G:1G
	vx_expect_rc 21 vzctl set 704 --diskspace lots
	vx_ct_cleanup 704
}

@test "create --diskspace/--diskinodes size a new image over the sample's; overlay warns" {
	vx_create 705 --layout image --diskspace 48M --diskinodes 5000
	grep -qx 'DISKSPACE="49152:49152"' "$VX_ROOT/etc/vz/conf/705.conf"
	grep -qx 'DISKINODES="5000:5000"' "$VX_ROOT/etc/vz/conf/705.conf"
	[ "$(stat -c %s "$VX_ROOT/vz/private/705/root.img")" = $((48 * 1024 * 1024)) ]
	vx_expect_ok vzctl start 705 --wait
	vx_expect_ok vzctl exec2 705 "df -ik / | tail -1"
	inodes=$(awk '{ print $2 }' <<<"$output")
	[ "$inodes" -le 5000 ] && [ "$inodes" -gt 1000 ] || false
	vx_ct_cleanup 705
	vx_expect_ok vzctl create 706 --ostemplate busybox --layout overlay --diskspace 1G
	vx_output_has "not enforced"
	vx_expect_rc 21 vzctl create 707 --ostemplate busybox --diskspace 1G:512M
	[ ! -e "$VX_ROOT/etc/vz/conf/707.conf" ]
	vx_ct_cleanup 706
}
