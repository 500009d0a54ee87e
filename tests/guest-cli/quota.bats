#!/usr/bin/env bats
# Disk limits of overlay and plain VPSes by project quotas (issue 5), on a
# kernel with CONFIG_QUOTA (the UML guest; this development host has none,
# see tests/cli/disk.bats for what vzctl says there):
#   tests/guest/run --kernel /var/cache/vx/kernels/um/linux -- \
#       bats tests/guest-cli/quota.bats
# The private areas live on an ext4 made with project quotas (-O
# quota,project) and mounted with prjquota, loop-mounted in the test tree.
# Writing past DISKSPACE's hard limit inside the VPS fails with EDQUOT, for
# its root too (it keeps CAP_SYS_RESOURCE, which exempts from quota limits
# everywhere but inside a vserver context: kernel-patches/0015), while the
# host's root is still exempt; df inside shows the VPS's own size, vzlist
# its usage, and `vzctl set --diskspace` changes the limit of a running VPS
# at once.

load ../cli/helpers

setup_file() {
	vx_test_setup
	[ -e /proc/sys/fs/quota ] || return 0
	QFS=$VX_ROOT/qfs
	mkdir -p "$QFS"
	mkfs.ext4 -q -F -O quota,project "$VX_ROOT/q.img" 256M || return 1
	mount -o loop,prjquota "$VX_ROOT/q.img" "$QFS" || return 1
	mkdir -p "$QFS/private"
	sed -i "s#^VE_PRIVATE=.*#VE_PRIVATE=$QFS/private/\$VEID#" "$VX_ROOT/etc/vz/vz.conf"
	export QFS
}
teardown_file() {
	vx_test_teardown
	[ -n "${QFS:-}" ] && umount "$QFS" 2>/dev/null
	return 0
}
setup() {
	[ -e /proc/sys/fs/quota ] || vx_need_kernel "this kernel has no quota support (CONFIG_QUOTA)"
}

check_limit() {
	local ct=$1 size
	# df inside: the project's limit (soft, 20M), not the file system's
	vx_expect_ok vzctl exec2 $ct "df -k / | tail -1"
	size=$(awk '{ print $2 }' <<<"$output")
	[ "$size" -ge 16384 ] && [ "$size" -le 24576 ] || { echo "df size $size"; false; }
	# past the hard limit: EDQUOT inside, the file system has room. The
	# VPS's root keeps CAP_SYS_RESOURCE (caps.c), which lets a task exceed
	# quota limits everywhere but inside a vserver context.
	vx_expect_ok vzctl exec2 $ct 'grep CapEff /proc/self/status'
	(( 0x${output##*[[:space:]]} >> 24 & 1 )) || { echo "no CAP_SYS_RESOURCE: $output"; false; }
	vx_expect_rc 1 vzctl exec2 $ct 'dd if=/dev/zero of=/big.root bs=1M count=40'
	vx_output_has "quota exceeded"
	vx_expect_ok vzlist -H -o diskspace $ct
	[ "$output" -ge 20000 ] && [ "$output" -le 24576 ] || { echo "vzlist: $output"; false; }
	vx_expect_ok vzctl exec2 $ct 'rm /big.root'
	# and a user
	vx_expect_ok vzctl exec2 $ct 'echo "u1:x:1000:1000::/home/u1:/bin/sh" >> /etc/passwd && mkdir -p /home/u1 && chown 1000 /home/u1'
	vx_expect_rc 1 vzctl exec2 $ct 'su u1 -c "dd if=/dev/zero of=/home/u1/big bs=1M count=40"'
	vx_output_has "quota exceeded"
	vx_expect_ok vzlist -H -o diskspace,diskspace.h $ct
	read -r used hard <<<"$output"
	[ "$hard" = 24576 ] && [ "$used" -ge 20000 ] && [ "$used" -le 24576 ] ||
		{ echo "vzlist: $output"; false; }
	# the host's root is still exempt: its write into the private area
	# (charged to the project, PROJINHERIT) goes past the hard limit
	dd if=/dev/zero of="$QFS/private/$ct/host.big" bs=1M count=8 conv=fsync
	vx_expect_ok vzlist -H -o diskspace $ct
	[ "$output" -gt 24576 ] || { echo "host write not charged past the limit: $output"; false; }
	rm "$QFS/private/$ct/host.big"
	# raised live: now 40M fit
	vx_expect_ok vzctl set $ct --diskspace 60M:64M
	vx_expect_ok vzctl exec2 $ct 'rm -f /home/u1/big; su u1 -c "dd if=/dev/zero of=/home/u1/big bs=1M count=40 2>&1"'
	grep -qx 'DISKSPACE="61440:65536"' "$VX_ROOT/etc/vz/conf/$ct.conf"
}

@test "plain VPS on a project-quota file system: EDQUOT at the limit for its root and a user, the host's root exempt, df, vzlist, live set" {
	vx_create 451 --layout plain --diskspace 20M:24M
	! vx_output_has "not enforced" || false
	vx_expect_ok vzctl start 451 --wait
	check_limit 451
	vx_ct_cleanup 451
}

@test "overlay VPS: the upper dir is charged, the shared template is not" {
	vx_create 452 --layout overlay --diskspace 20M:24M
	! vx_output_has "not enforced" || false
	vx_expect_ok vzctl start 452 --wait
	check_limit 452
	vx_ct_cleanup 452
}

@test "a VPS created without a disk limit says why a later one is not enforced" {
	sed -i 's/^DISKSPACE=.*/DISKSPACE="unlimited"/; s/^DISKINODES=.*/DISKINODES="unlimited"/' \
		"$VX_ROOT/etc/vz/conf/ve-basic.conf-sample"
	vx_create 453 --layout plain
	vx_expect_ok vzctl set 453 --diskspace 1G
	vx_output_has "created without a disk limit"
	vx_ct_cleanup 453
}
