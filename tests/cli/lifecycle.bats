#!/usr/bin/env bats
# The VPS lifecycle verbs, OpenVZ syntax: create (and its options), start
# [--wait], stop [--fast], restart, destroy/delete, mount/umount, and the
# OpenVZ status words at each step ("CTID 101 exist mounted running").

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

@test "create: busybox template unpacked into VE_PRIVATE, config written" {
	vx_create 101 --layout plain
	[ -x "$VX_ROOT/vz/private/101/bin/busybox" ]
	[ -e "$VX_ROOT/vz/private/101/etc/inittab" ]
	[ -f "$VX_ROOT/etc/vz/conf/101.conf" ]
	grep -q '^OSTEMPLATE="\?busybox"\?' "$VX_ROOT/etc/vz/conf/101.conf"
	# The sample's settings were copied.
	grep -q '^STOP_SIGNAL="USR2"' "$VX_ROOT/etc/vz/conf/101.conf"
	vx_expect_ok vzctl status 101
	[ "$output" = "CTID 101 exist unmounted down" ]
	vx_ct_cleanup 101
}

@test "create: default template (DEF_OSTEMPLATE) when --ostemplate is omitted" {
	vx_expect_ok vzctl create 102 --layout plain
	[ -x "$VX_ROOT/vz/private/102/bin/busybox" ]
	vx_ct_cleanup 102
}

@test "create: --hostname --name --config --private --root" {
	local priv=$VX_ROOT/vz/other-private/103 root=$VX_ROOT/vz/other-root/103
	vx_create 103 --layout plain --hostname ct103.example.org --name web103 \
		--config vswap-256m --private "$priv" --root "$root"
	local conf=$VX_ROOT/etc/vz/conf/103.conf
	grep -q '^HOSTNAME="ct103.example.org"' "$conf"
	grep -q '^NAME="web103"' "$conf"
	grep -q "^VE_PRIVATE=\"\?$priv\"\?" "$conf"
	grep -q "^VE_ROOT=\"\?$root\"\?" "$conf"
	# vswap-256m's memory setting, not basic's.
	grep -q '^PHYSPAGES="0:256M"' "$conf"
	[ -x "$priv/bin/busybox" ]
	[ ! -e "$VX_ROOT/vz/private/103" ]
	# OpenVZ keeps names as symlinks to the config.
	[ -L "$VX_ROOT/etc/vz/names/web103" ]

	vx_expect_ok vzctl start 103 --wait
	vx_wait_running 103
	# The tree is visible on the --root mount point while running.
	[ -x "$root/bin/busybox" ]
	vx_expect_ok vzctl exec2 103 hostname
	[ "$output" = "ct103.example.org" ]
	vx_ct_cleanup 103
	[ ! -e "$priv" ]
}

@test "create: \$VEID in --private is expanded" {
	vx_create 104 --layout plain --private "$VX_ROOT/vz/p2/\$VEID"
	[ -x "$VX_ROOT/vz/p2/104/bin/busybox" ]
	vx_ct_cleanup 104
	[ ! -e "$VX_ROOT/vz/p2/104" ]
}

@test "create: unknown --config sample fails and leaves nothing behind" {
	run vx_timeout vzctl create 105 --config no-such-sample
	[ "$status" -ne 0 ]
	vx_output_has no-such-sample
	[ ! -e "$VX_ROOT/etc/vz/conf/105.conf" ]
	[ ! -e "$VX_ROOT/vz/private/105" ]
}

@test "start, status running, stop (graceful), status down" {
	vx_create 110
	vx_expect_ok vzctl start 110
	vx_wait_running 110
	vx_expect_ok vzctl status 110
	[ "$output" = "CTID 110 exist mounted running" ]
	vx_expect_ok vzctl stop 110
	vx_expect_ok vzctl status 110
	[ "$output" = "CTID 110 exist unmounted down" ]
	vx_ct_cleanup 110
}

@test "start --wait returns with the VPS booted (init's sysinit ran)" {
	vx_create 111 --layout plain
	# A slow boot: rcS takes 2 s before it marks the boot finished.
	sed -i 's|^: >/run/booted|sleep 2; : >/run/booted|' \
		"$VX_ROOT/vz/private/111/etc/init.d/rcS"
	grep -q 'sleep 2' "$VX_ROOT/vz/private/111/etc/init.d/rcS"
	local t0=$SECONDS
	vx_expect_ok vzctl start 111 --wait
	[ $((SECONDS - t0)) -ge 1 ]
	vx_expect_ok vzctl status 111
	[ "$output" = "CTID 111 exist mounted running" ]
	# No polling: the boot is over when --wait returns.
	vx_expect_ok vzctl exec 111 'test -e /run/booted'
	vx_ct_cleanup 111
}

@test "start --wait: a boot longer than BOOT_TIMEOUT fails with 133" {
	vx_create 125 --layout plain
	sed -i 's|^: >/run/booted|sleep 30; : >/run/booted|' \
		"$VX_ROOT/vz/private/125/etc/init.d/rcS"
	echo 'BOOT_TIMEOUT="2"' >>"$VX_ROOT/etc/vz/conf/125.conf"
	vx_expect_rc 133 vzctl start 125 --wait
	vx_output_has BOOT_TIMEOUT
	vx_ct_cleanup 125
}

@test "stop runs the template's shutdown actions; stop --fast does not" {
	vx_create 112 --layout plain
	# A shutdown hook that leaves a mark in the private area.
	cat >"$VX_ROOT/vz/private/112/etc/init.d/rc.shutdown" <<-'EOF'
	#!/bin/sh
	echo clean >/root/shutdown-mark
	EOF
	chmod 755 "$VX_ROOT/vz/private/112/etc/init.d/rc.shutdown"

	vx_expect_ok vzctl start 112 --wait
	vx_wait_for 10 vx_in_ct 112 'test -e /run/booted'
	vx_expect_ok vzctl stop 112
	[ "$(cat "$VX_ROOT/vz/private/112/root/shutdown-mark")" = clean ]

	rm -f "$VX_ROOT/vz/private/112/root/shutdown-mark"
	vx_expect_ok vzctl start 112 --wait
	vx_wait_for 10 vx_in_ct 112 'test -e /run/booted'
	vx_expect_ok vzctl stop 112 --fast
	[ ! -e "$VX_ROOT/vz/private/112/root/shutdown-mark" ]
	vx_expect_ok vzctl status 112
	[ "$output" = "CTID 112 exist unmounted down" ]
	vx_ct_cleanup 112
}

@test "stop --fast is fast and leaves no process behind" {
	vx_create_started 113
	local init
	init=$(vx_init_pid 113)
	[ -n "$init" ]
	# A background process that would survive a sloppy stop.
	vx_expect_ok vzctl exec 113 'nohup sleep 1000 >/dev/null 2>&1 &'
	local t0=$SECONDS
	vx_expect_ok vzctl stop 113 --fast
	[ $((SECONDS - t0)) -lt 5 ]
	! kill -0 "$init" 2>/dev/null || false
	# Nothing left in the CT's cgroups.
	local left=0 f
	for f in $(find /sys/fs/cgroup -path "*/$VX_CGROUP_PREFIX/113/cgroup.procs" 2>/dev/null); do
		left=$((left + $(wc -l <"$f")))
	done
	[ "$left" -eq 0 ]
	vx_expect_ok vzctl status 113
	[ "$output" = "CTID 113 exist unmounted down" ]
	vx_ct_cleanup 113
}

@test "restart: a new init, running again; restart of a stopped VPS starts it" {
	vx_create_started 114
	local before after
	before=$(vx_in_ct 114 "awk '{print \$22}' /proc/1/stat")
	vx_expect_ok vzctl restart 114
	vx_wait_running 114
	after=$(vx_in_ct 114 "awk '{print \$22}' /proc/1/stat")
	[ -n "$before" ] && [ -n "$after" ] && [ "$after" -gt "$before" ] || false
	vx_expect_ok vzctl stop 114 --fast
	vx_expect_ok vzctl restart 114
	vx_wait_running 114
	vx_ct_cleanup 114
}

@test "mount / umount a stopped VPS: status words follow" {
	vx_create 115
	vx_expect_ok vzctl mount 115
	vx_expect_ok vzctl status 115
	[ "$output" = "CTID 115 exist mounted down" ]
	[ -x "$VX_ROOT/vz/root/115/bin/busybox" ]
	grep -q " $VX_ROOT/vz/root/115 " /proc/self/mountinfo
	vx_expect_ok vzctl umount 115
	vx_expect_ok vzctl status 115
	[ "$output" = "CTID 115 exist unmounted down" ]
	! grep -q " $VX_ROOT/vz/root/115 " /proc/self/mountinfo || false
	vx_ct_cleanup 115
}

@test "mount twice fails with 41; umount of an unmounted VPS fails with 40" {
	vx_create 116
	vx_expect_ok vzctl mount 116
	vx_expect_rc 41 vzctl mount 116
	vx_output_has mounted
	vx_expect_ok vzctl umount 116
	vx_expect_rc 40 vzctl umount 116
	vx_output_has mounted
	vx_ct_cleanup 116
}

@test "start a mounted VPS works; stop unmounts it" {
	vx_create 117
	vx_expect_ok vzctl mount 117
	vx_expect_ok vzctl start 117
	vx_wait_running 117
	vx_expect_ok vzctl stop 117 --fast
	vx_expect_ok vzctl status 117
	[ "$output" = "CTID 117 exist unmounted down" ]
	vx_ct_cleanup 117
}

@test "destroy removes config, private area, root mount point, name" {
	vx_create 118 --name gone118
	vx_expect_ok vzctl destroy 118
	vx_expect_ok vzctl status 118
	[ "$output" = "CTID 118 deleted unmounted down" ]
	[ ! -e "$VX_ROOT/etc/vz/conf/118.conf" ]
	[ ! -e "$VX_ROOT/vz/private/118" ]
	[ ! -e "$VX_ROOT/vz/root/118" ]
	[ ! -L "$VX_ROOT/etc/vz/names/gone118" ]
	# The CTID can be used again.
	vx_create 118
	vx_ct_cleanup 118
}

@test "delete is an alias of destroy" {
	vx_create 119
	vx_expect_ok vzctl delete 119
	vx_expect_ok vzctl status 119
	[ "$output" = "CTID 119 deleted unmounted down" ]
}

@test "status of a CTID that never existed: deleted unmounted down" {
	vx_expect_ok vzctl status 120
	[ "$output" = "CTID 120 deleted unmounted down" ]
}

@test "status: a complete dump makes a stopped VPS suspended (vzctl status, vzlist)" {
	# vzctl suspend needs a CRIU that works here (tests/guest-x86); what
	# status reads is the dump's completion record, vx-dump.conf.
	vx_create 190
	local d=$VX_ROOT/vz/private/190/dump/Dump
	mkdir -p "$d"
	vx_expect_ok vzctl status 190
	[ "$output" = "CTID 190 exist unmounted down" ]
	echo 'CTID="190"' >"$d/vx-dump.conf"
	vx_expect_ok vzctl status 190
	[ "$output" = "CTID 190 exist unmounted down suspended" ]
	vx_expect_ok vzlist -H -o status 190
	[ "$(echo $output)" = suspended ]
	rm -r "$d"
	vx_expect_ok vzctl status 190
	[ "$output" = "CTID 190 exist unmounted down" ]
	vx_ct_cleanup 190
}

@test "full cycle twice in a row on the same CTID" {
	local i
	for i in 1 2; do
		vx_create 121
		vx_expect_ok vzctl start 121
		vx_wait_running 121
		vx_expect_ok vzctl exec 121 true
		vx_expect_ok vzctl stop 121 --fast
		vx_expect_ok vzctl destroy 121
	done
}

@test "several VPSes run at once, each its own init" {
	local ct
	for ct in 122 123 124; do vx_create_started $ct; done
	local a b c
	a=$(vx_init_pid 122) b=$(vx_init_pid 123) c=$(vx_init_pid 124)
	[ -n "$a" ] && [ "$a" != "$b" ] && [ "$b" != "$c" ] && [ "$a" != "$c" ] || false
	vx_expect_ok vzlist -H -o ctid
	[ "$(echo $output)" = "122 123 124" ]
	vx_ct_cleanup 122 123 124
}

@test "destroy of a mounted (stopped) VPS unmounts it first" {
	vx_create 126
	vx_expect_ok vzctl mount 126
	vx_expect_ok vzctl destroy 126
	! grep -q " $VX_ROOT/vz/root/126 " /proc/self/mountinfo || false
	[ ! -e "$VX_ROOT/vz/private/126" ]
	[ ! -e "$VX_ROOT/etc/vz/conf/126.conf" ]
}

@test "reboot keeps the configured hostname" {
	vx_create_started 127 --hostname keep127
	vx_expect_ok vzctl restart 127
	vx_wait_running 127
	vx_expect_ok vzctl exec2 127 hostname
	[ "$output" = keep127 ]
	vx_ct_cleanup 127
}
