#!/usr/bin/env bats
# The image-overlay layout (issue 5): the CT's ext4 image holds only the
# overlayfs upper/ and work/ and is loop-mounted on VE_PRIVATE/mnt; VE_ROOT
# is an overlayfs over the shared template tree (as overlay). Create is an
# mkfs of a small sparse image, the disk limit is the image's size (as
# image): ENOSPC inside at the limit, df inside, vzlist, set --diskspace,
# destroy, template users. Crash points: crash.bats.

load helpers

setup_file() {
	vx_test_setup
	sed 's/^DISKSPACE=.*/DISKSPACE="64M:64M"/' \
		"$VX_ROOT/etc/vz/conf/ve-basic.conf-sample" \
		>"$VX_ROOT/etc/vz/conf/ve-disk64.conf-sample"
}
teardown_file() { vx_test_teardown; }
setup() { vx_require mkfs.ext4; }

priv() { echo "$VX_ROOT/vz/private/$1"; }
df_inside() {
	vx_timeout vzctl exec2 "$1" "df -k / | tail -1" | awk '{ print $2 }'
}
# loop devices backed by a file under CTID's private area
loops_of() { losetup -a | grep -F "$(priv "$1")/" || true; }
mounted_under() { grep -F " $(priv "$1")" /proc/self/mountinfo || true; }

vxd_has_sys_resource() {
	local eff
	eff=$(awk '/^CapEff/ { print $2 }' "/proc/$(vx_vxd_pid)/status")
	(( (0x$eff >> 24) & 1 ))
}

@test "create --layout image-overlay: a small sparse image with upper/work, the lower link, no unpack" {
	vx_create 301 --layout image-overlay --config disk64
	local p
	p=$(priv 301)
	[ -f "$p/root.img" ]
	[ -L "$p/lower" ]
	[ -d "$p/mnt" ]
	[ -z "$(ls -A "$p/mnt")" ]
	[ ! -e "$p/upper" ]
	[ ! -e "$p/work" ]
	[ -x "$(readlink "$p/lower")/bin/busybox" ]
	grep -qx 'VE_LAYOUT="image-overlay"' "$VX_ROOT/etc/vz/conf/301.conf"
	# the image is DISKSPACE big, sparse, and holds upper/ and work/ only
	[ "$(stat -c %s "$p/root.img")" = $((64 * 1024 * 1024)) ]
	[ "$(du -sk "$p" | cut -f1)" -lt 8192 ] || { du -sk "$p"; false; }
	if command -v debugfs >/dev/null; then
		run debugfs -R 'ls -l /' "$p/root.img"
		vx_output_has " upper"
		vx_output_has " work"
		[[ $output != *" bin"* ]]
	fi
	# nothing mounted or attached by create
	[ -z "$(loops_of 301)" ]
	[ -z "$(mounted_under 301)" ]
	vx_expect_ok vzctl status 301
	[ "$output" = "CTID 301 exist unmounted down" ]
	vx_ct_cleanup 301
}

@test "image-overlay: start, writes land in the image, df = image size, status/mount/umount, restart keeps them" {
	vx_create 302 --layout image-overlay --config disk64 --hostname io302
	vx_expect_ok vzctl start 302 --wait
	vx_expect_ok vzctl status 302
	[ "$output" = "CTID 302 exist mounted running" ]
	vx_expect_ok vzctl exec2 302 'echo data >/root/f; rm /etc/motd 2>/dev/null; cat /etc/hostname; mount | head -1'
	vx_output_has "io302"
	vx_output_has "overlay on / type overlay"
	local p l
	p=$(priv 302)
	l=$(readlink "$p/lower")
	# the image is on mnt, the CT's changes are in its upper/
	[ "$(cat "$p/mnt/upper/root/f")" = data ]
	[ ! -e "$l/root/f" ]
	[ "$(stat -f -c %T "$p/mnt")" = ext2/ext3 ]
	# df inside: the image (about 64M), not the host's disk
	local size
	size=$(df_inside 302)
	[ "$size" -gt 40000 ] && [ "$size" -le 65536 ] || { echo "df size $size"; false; }
	vx_expect_ok vzctl restart 302 --wait
	[ "$(vx_in_ct 302 'cat /root/f')" = data ]
	vx_expect_ok vzctl stop 302 --fast
	vx_expect_ok vzctl status 302
	[ "$output" = "CTID 302 exist unmounted down" ]
	# stopped: neither the overlay nor the image mounted, no loop device
	[ -z "$(loops_of 302)" ] && [ -z "$(mounted_under 302)" ] ||
		{ loops_of 302; mounted_under 302; false; }
	vx_expect_ok vzctl mount 302
	vx_expect_ok vzctl status 302
	[ "$output" = "CTID 302 exist mounted down" ]
	[ "$(cat "$VX_ROOT/vz/root/302/root/f")" = data ]
	[ -x "$VX_ROOT/vz/root/302/bin/busybox" ]
	vx_expect_rc 41 vzctl mount 302
	vx_expect_ok vzctl umount 302
	vx_expect_rc 40 vzctl umount 302
	[ -z "$(loops_of 302)" ]
	[ -z "$(mounted_under 302)" ]
	vx_ct_cleanup 302
}

@test "image-overlay: ENOSPC at the limit; the host and a neighbour on the same template are unaffected" {
	vx_create 303 --layout image-overlay --config disk64
	vx_create 304 --layout image-overlay --config disk64
	[ "$(readlink "$(priv 303)/lower")" = "$(readlink "$(priv 304)/lower")" ]
	vx_expect_ok vzctl start 303 --wait
	vx_expect_ok vzctl start 304 --wait
	local host0 host1 n0 n1
	host0=$(df -k --output=avail "$VX_ROOT" | tail -1)
	n0=$(vx_in_ct 304 'df -k / | tail -1' | awk '{ print $4 }')
	vx_expect_rc 1 vzctl exec2 303 'dd if=/dev/zero of=/root/big bs=1M count=200'
	vx_output_has "No space left on device"
	vx_expect_ok vzctl exec2 303 'sync; df -k / | tail -1'
	[ "$(awk '{ print $4 }' <<<"$output")" -lt 1024 ] || { echo "$output"; false; }
	host1=$(df -k --output=avail "$VX_ROOT" | tail -1)
	[ $((host0 - host1)) -lt 131072 ] || { echo "host $host0 -> $host1"; false; }
	# the neighbour keeps its space and writes
	n1=$(vx_in_ct 304 'df -k / | tail -1' | awk '{ print $4 }')
	[ "$n1" -ge $((n0 - 1024)) ] || { echo "neighbour $n0 -> $n1"; false; }
	vx_expect_ok vzctl exec2 304 'dd if=/dev/zero of=/root/f bs=1M count=16 2>&1'
	# freeing space inside works again
	vx_expect_ok vzctl exec2 303 'rm /root/big && echo ok >/root/small'
	vx_ct_cleanup 303 304
}

@test "image-overlay: vzlist diskspace usage and limits, running and stopped; JSON" {
	vx_create 305 --layout image-overlay --config disk64
	vx_expect_ok vzlist -H -o ctid,diskspace,diskspace.s,diskspace.h,diskinodes 305
	read -r id used soft hard inodes <<<"$output"
	[ "$id" = 305 ]
	[ "$soft" = 65536 ]
	[ "$hard" = 65536 ]
	# the file system's own metadata (journal, inode tables) and no
	# template tree: less than an image CT of the same size holds
	vx_create 309 --layout image --config disk64
	vx_expect_ok vzlist -H -o diskspace,diskinodes 309
	read -r used_img inodes_img <<<"$output"
	[ "$used" -gt 0 ] && [ "$used" -lt "$used_img" ] &&
		[ "$inodes" -gt 10 ] && [ "$inodes" -lt "$inodes_img" ] ||
		{ echo "image-overlay $used KiB $inodes inodes, image $used_img $inodes_img"; false; }
	vx_ct_cleanup 309
	vx_image_usage_grows 305 "$used"
	vx_ct_cleanup 305
}

@test "image-overlay: set --diskspace grows (online, or says why not), shrinks only when stopped" {
	vx_require resize2fs
	vx_create 306 --layout image-overlay --config disk64
	vx_expect_ok vzctl start 306 --wait
	vx_in_ct 306 'echo keep > /root/file'
	if vxd_has_sys_resource; then
		vx_expect_ok vzctl set 306 --diskspace 96M:128M
		vx_is_running 306
	else
		vx_expect_rc 3 vzctl set 306 --diskspace 96M:128M
		vx_output_has "needs CAP_SYS_RESOURCE"
		[ "$(stat -c %s "$(priv 306)/root.img")" = $((64 * 1024 * 1024)) ]
		grep -qx 'DISKSPACE="64M:64M"' "$VX_ROOT/etc/vz/conf/306.conf"
		vx_expect_ok vzctl stop 306
		vx_expect_ok vzctl set 306 --diskspace 96M:128M
		vx_expect_ok vzctl start 306 --wait
	fi
	local size
	size=$(df_inside 306)
	[ "$size" -gt 100000 ] && [ "$size" -le 131072 ] || { echo "df $size"; false; }
	[ "$(vx_in_ct 306 'cat /root/file')" = keep ]
	grep -qx 'DISKSPACE="98304:131072"' "$VX_ROOT/etc/vz/conf/306.conf"
	# shrink: refused while running, done when stopped
	vx_expect_rc 21 vzctl set 306 --diskspace 32M
	vx_output_has "stop it first"
	vx_expect_ok vzctl stop 306
	vx_expect_ok vzctl set 306 --diskspace 32M
	[ "$(stat -c %s "$(priv 306)/root.img")" = $((32 * 1024 * 1024)) ]
	vx_expect_ok vzctl start 306 --wait
	size=$(df_inside 306)
	[ "$size" -le 32768 ] && [ "$size" -gt 20000 ] || { echo "df $size"; false; }
	[ "$(vx_in_ct 306 'cat /root/file')" = keep ]
	# more than fits: resize2fs refuses, nothing is lost
	vx_expect_rc 1 vzctl exec2 306 'dd if=/dev/zero of=/root/big bs=1M count=40'
	vx_expect_ok vzctl stop 306
	vx_expect_rc 3 vzctl set 306 --diskspace 16M
	vx_output_has "resize2fs"
	grep -qx 'DISKSPACE="32768:32768"' "$VX_ROOT/etc/vz/conf/306.conf"
	vx_expect_ok vzctl start 306 --wait
	[ "$(vx_in_ct 306 'cat /root/file')" = keep ]
	vx_ct_cleanup 306
}

@test "image-overlay: destroy (also while mounted) leaves nothing; the template tree stays and counts it as a user" {
	vx_create 307 --layout image-overlay --config disk64 --name io307
	local l
	l=$(readlink "$(priv 307)/lower")
	# template remove refuses while the CT uses its tree
	vx_expect_rc 21 vzctl template remove busybox
	vx_output_has 307
	vx_expect_ok vzctl template info busybox
	vx_output_has 307
	vx_expect_ok vzctl start 307 --wait
	vx_expect_ok vzctl stop 307 --fast
	vx_expect_ok vzctl mount 307
	vx_expect_ok vzctl destroy 307
	[ ! -e "$(priv 307)" ]
	[ ! -e "$(priv 307).destroyed" ]
	[ ! -e "$VX_ROOT/etc/vz/conf/307.conf" ]
	[ ! -e "$VX_ROOT/etc/vz/names/io307" ]
	[ -z "$(loops_of 307)" ]
	[ -z "$(mounted_under 307)" ]
	[ -z "$(grep -F " $VX_ROOT/vz/root/307 " /proc/self/mountinfo)" ]
	[ -x "$l/bin/busybox" ]
	vx_expect_ok vzctl status 307
	[ "$output" = "CTID 307 deleted unmounted down" ]
}

@test "image-overlay without a disk limit is refused, leaving nothing" {
	sed 's/^DISKSPACE=.*/DISKSPACE="unlimited"/' \
		"$VX_ROOT/etc/vz/conf/ve-basic.conf-sample" >"$VX_ROOT/etc/vz/conf/ve-nolimit.conf-sample"
	vx_expect_rc 21 vzctl create 308 --layout image-overlay --config nolimit
	vx_output_has "needs a disk limit"
	[ ! -e "$(priv 308)" ]
	[ ! -e "$VX_ROOT/etc/vz/conf/308.conf" ]
	[ -z "$(ls "$VX_ROOT/vz/private" | grep '^308')" ]
}
