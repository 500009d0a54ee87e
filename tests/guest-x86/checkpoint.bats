#!/usr/bin/env bats
# vzctl suspend / resume (CRIU) end to end: docs/checkpoint.md.
#
# Meant for the x86_64 qemu guest on the patched kernel, where Debian's
# CRIU works (tests/guest-x86/run.sh boots it once and runs this file), and
# for any host whose CRIU suits its kernel. Where checkpointing cannot work
# (this project's 6.18 host: CRIU 3.17 cannot handle kernels >= 6.13) every
# test SKIPs with vzctl's own reason: setup_file asks `vzctl suspend` of a
# stopped VPS, which answers 204 (cannot work here) before 31 (not running).
#
# The tests run in order on one VPS ($CT): a counter loop, 100 MB of
# touched memory (ckpt-probe mem), a TCP echo server with a connected
# client (ckpt-probe server/client on loopback) are suspended, then
# resumed and checked. Failure paths use their own VPSes.

load ../cli/helpers

CT=501

setup_file() {
	vx_test_setup
	local prebuilt=$VX_SRC/build/guest-x86/ckpt-probe
	PROBE=$VX_ROOT/ckpt-probe
	if [ -x "$prebuilt" ]; then
		cp "$prebuilt" "$PROBE"
	else
		gcc -static -O2 -o "$PROBE" "$BATS_TEST_DIRNAME/ckpt-probe.c"
	fi
	export PROBE
	vx_create 500
	run vx_timeout vzctl suspend 500
	if [ "$status" = 204 ]; then
		echo "$output" >"$VX_ROOT/no-checkpoint"
	elif [ "$status" != 31 ]; then
		echo "suspend of a stopped VPS: expected exit 31 or 204, got $status: $output" >&2
		return 1
	fi
	vx_ct_cleanup 500
}

teardown_file() {
	vx_test_teardown
}

setup() {
	if [ -s "$VX_ROOT/no-checkpoint" ]; then
		vx_need_kernel "$(grep -v '^Setting up' "$VX_ROOT/no-checkpoint" | tr '\n' ' ')"
	fi
}

# in CT FILE: a file of the VPS (its /run is a tmpfs of its own)
ct_cat() {
	vx_timeout vzctl exec2 "$1" "cat $2" 2>/dev/null
}

# bg CT NAME CMD: starts CMD in the background inside the VPS, its pid
# (as the VPS sees it) in /run/NAME.pid
bg() {
	vx_expect_ok vzctl exec2 "$1" "$3 </dev/null >/dev/null 2>&1 & echo \$! >/run/$2.pid"
}

install_probe() {
	cp "$PROBE" "/proc/$(vx_init_pid "$1")/root/bin/ckpt-probe"
}

counter_grows() {
	local a b
	a=$(ct_cat "$1" /run/cnt) || return 1
	sleep 1
	b=$(ct_cat "$1" /run/cnt) || return 1
	[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ] || false
}

# pids CT: "name=pid ..." of the test's processes, as the VPS sees them
pids() {
	vx_timeout vzctl exec2 "$1" 'for f in /run/*.pid; do echo "$f=$(cat $f)"; done'
}

cgroup_dir() {
	echo "/sys/fs/cgroup/$VX_CGROUP_PREFIX/$1"
}

@test "suspend: the processes are gone, their memory freed, status suspended" {
	vx_create_started $CT
	install_probe $CT
	bg $CT cnt 'i=0; while :; do i=$((i+1)); echo $i >/run/cnt; sleep 0.2; done'
	bg $CT mem '/bin/ckpt-probe mem 100 /run'
	bg $CT server '/bin/ckpt-probe server 7001'
	vx_wait_for 30 vx_timeout vzctl exec2 $CT '/bin/ckpt-probe once 7001'
	bg $CT client '/bin/ckpt-probe client 7001 /run/client'
	vx_wait_for 60 ct_cat $CT /run/mem.sum
	vx_wait_for 30 counter_grows $CT
	pids $CT >"$VX_ROOT/pids.before"
	ct_cat $CT /run/mem.sum >"$VX_ROOT/mem.sum"
	local mem=$(cgroup_dir $CT)/memory.current
	if [ -r "$mem" ]; then
		[ "$(cat "$mem")" -gt $((100 << 20)) ]
	fi
	local init=$(vx_init_pid $CT)
	ct_cat $CT /run/cnt >"$VX_ROOT/cnt.before"

	vx_expect_ok vzctl suspend $CT --tcp-established
	vx_output_has "Container is suspended"
	vx_expect_ok vzctl status $CT
	[ "$output" = "CTID $CT exist unmounted down suspended" ]
	vx_expect_ok vzlist -H -o status $CT
	[ "$(echo $output)" = suspended ]
	# init and everything else: gone; the cgroup (and its memory) too
	! kill -0 "$init" 2>/dev/null || false
	[ ! -d "$(cgroup_dir $CT)" ]
	[ -f "$VX_ROOT/vz/private/$CT/dump/Dump/vx-dump.conf" ]
}

@test "suspend of a suspended VPS: not running (exit 31)" {
	vx_expect_rc 31 vzctl suspend $CT
}

@test "start of a suspended VPS: refused (exit 32), the dump stays" {
	vx_expect_rc 32 vzctl start $CT
	vx_output_has "is suspended"
	vx_output_has "vzctl resume $CT"
	[ -f "$VX_ROOT/vz/private/$CT/dump/Dump/vx-dump.conf" ]
}

@test "resume: same PIDs inside, the counter goes on, the memory checksum matches" {
	vx_expect_ok vzctl resume $CT
	vx_output_has "Container is restored"
	vx_expect_ok vzctl status $CT
	[ "$output" = "CTID $CT exist mounted running" ]
	[ "$(pids $CT)" = "$(cat "$VX_ROOT/pids.before")" ]
	local c=$(ct_cat $CT /run/cnt)
	[ "$c" -ge "$(cat "$VX_ROOT/cnt.before")" ]
	vx_wait_for 30 counter_grows $CT
	vx_expect_ok vzctl exec2 $CT 'rm -f /run/mem.check; kill -USR1 $(cat /run/mem.pid)'
	vx_wait_for 60 ct_cat $CT /run/mem.check
	[ "$(ct_cat $CT /run/mem.check)" = "$(cat "$VX_ROOT/mem.sum")" ]
	# the dump is spent: removed, no longer "suspended"
	[ ! -e "$VX_ROOT/vz/private/$CT/dump/Dump" ]
}

@test "resume: the listener accepts, the established connection lives on" {
	vx_expect_ok vzctl exec2 $CT '/bin/ckpt-probe once 7001'
	local a b
	a=$(ct_cat $CT /run/client)
	sleep 1
	b=$(ct_cat $CT /run/client)
	[[ $a != BROKEN* ]] && [[ $b != BROKEN* ]] || false
	[ "$b" -gt "$a" ]
}

@test "resumed VPS: init is the monitor's child again; exec, stop work" {
	local init mon
	init=$(vx_init_pid $CT)
	mon=$(awk -F= '$1 == "MONITOR_PID" { print $2 }' "$VX_ROOT/run/vx/ct/$CT.state" | tr -d '"')
	[ "$(awk '/^PPid:/ { print $2 }' "/proc/$init/status")" = "$mon" ]
	# on the patched kernel the restored tree is in the VPS's context:
	# ctx-enter charges each process to its numproc
	if vzctl info 2>/dev/null | grep -q 'kernel contexts: yes'; then
		vx_expect_ok vzctl stat $CT
		local procs=$(awk '$1 == "numproc" { print $2; exit }' <<<"$output")
		echo "$output" >&2
		[ -n "$procs" ] && [ "$procs" -ge 5 ] || false
	fi
	vx_expect_ok vzctl exec2 $CT 'echo hello'
	[ "$output" = hello ]
	vx_expect_ok vzctl stop $CT --fast
	vx_expect_ok vzctl status $CT
	[ "$output" = "CTID $CT exist unmounted down" ]
	vx_ct_cleanup $CT
}

@test "VPS with an IP address: suspended and resumed with its address and link" {
	vx_create_started 505 --ipadd 10.77.0.2
	vx_expect_ok vzctl exec2 505 'ip -4 addr show'
	vx_output_has "10.77.0.2"
	vx_expect_ok vzctl suspend 505
	vx_expect_ok vzctl resume 505
	vx_expect_ok vzctl exec2 505 'ip -4 addr show'
	vx_output_has "10.77.0.2"
	vx_expect_ok vzlist -H -o ip 505
	vx_output_has "10.77.0.2"
	vx_ct_cleanup 505
}

@test "failed suspend (CRIU cannot dump an io_uring): the VPS keeps running, unchanged" {
	vx_create_started 502
	install_probe 502
	bg 502 cnt 'i=0; while :; do i=$((i+1)); echo $i >/run/cnt; sleep 0.2; done'
	bg 502 uring '/bin/ckpt-probe uring'
	vx_wait_for 30 counter_grows 502
	local before=$(pids 502) init=$(vx_init_pid 502)
	vx_expect_rc 16 vzctl suspend 502
	vx_output_has "criu dump failed"
	vx_output_has "log: $VX_ROOT/vz/private/502/dump/Dump.tmp/dump.log"
	vx_output_has "the VPS keeps running"
	vx_expect_ok vzctl status 502
	[ "$output" = "CTID 502 exist mounted running" ]
	[ "$(vx_init_pid 502)" = "$init" ]
	[ "$(pids 502)" = "$before" ]
	vx_wait_for 30 counter_grows 502	# thawed
	[ ! -e "$VX_ROOT/vz/private/502/dump/Dump" ]
	vx_ct_cleanup 502
}

@test "resume without a dump: exit 17, the VPS stays stopped" {
	vx_create 503
	vx_expect_rc 17 vzctl resume 503
	vx_output_has "not suspended"
	vx_expect_ok vzctl status 503
	[ "$output" = "CTID 503 exist unmounted down" ]
	vx_ct_cleanup 503
}

@test "resume of a corrupt dump: exit 17 with CRIU's reason and log; stopped; dump kept" {
	vx_create_started 504
	bg 504 cnt 'i=0; while :; do i=$((i+1)); echo $i >/run/cnt; sleep 0.2; done'
	vx_expect_ok vzctl suspend 504
	local d=$VX_ROOT/vz/private/504/dump/Dump
	# same size, garbage content: CRIU cannot parse its process tree
	local n=$(stat -c %s "$d/pstree.img")
	head -c "$n" /dev/urandom >"$d/pstree.img"
	vx_expect_rc 17 vzctl resume 504
	vx_output_has "criu restore failed"
	vx_output_has "Error ("
	vx_output_has "log: $d/restore.log"
	vx_output_has "the dump in $d is kept"
	vx_expect_ok vzctl status 504
	[ "$output" = "CTID 504 exist unmounted down suspended" ]
	[ -f "$d/vx-dump.conf" ] && [ -f "$d/inventory.img" ] || false
	[ ! -d "$(cgroup_dir 504)" ]
	vx_ct_cleanup 504
}

# ckpt_layout CT [create options]: a VPS of that layout is suspended and
# resumed with its processes (same PIDs, the counter goes on) and a file
# written before the suspend; the dump is spent after the resume.
ckpt_layout() {
	local ct=$1 before c
	vx_create_started "$@"
	vx_expect_ok vzctl exec2 "$ct" 'echo kept >/root/mark'
	bg "$ct" cnt 'i=0; while :; do i=$((i+1)); echo $i >/run/cnt; sleep 0.2; done'
	vx_wait_for 30 counter_grows "$ct"
	before=$(pids "$ct")
	c=$(ct_cat "$ct" /run/cnt)
	vx_expect_ok vzctl suspend "$ct"
	vx_expect_ok vzctl status "$ct"
	[ "$output" = "CTID $ct exist unmounted down suspended" ]
	vx_expect_ok vzctl resume "$ct"
	vx_expect_ok vzctl status "$ct"
	[ "$output" = "CTID $ct exist mounted running" ]
	[ "$(pids "$ct")" = "$before" ]
	[ "$(ct_cat "$ct" /run/cnt)" -ge "$c" ]
	vx_wait_for 30 counter_grows "$ct"
	[ "$(ct_cat "$ct" /root/mark)" = kept ]
	vx_expect_ok vzctl stop "$ct" --fast
	vx_expect_ok vzctl destroy "$ct"
	no_trace "$ct"
}

@test "every layout: plain, image and image-overlay VPSes are suspended and resumed" {
	ckpt_layout 511 --layout plain
	ckpt_layout 512 --layout image --diskspace 256M
	ckpt_layout 513 --layout image-overlay --diskspace 256M
}

@test "btrfs layout: a VPS on a btrfs snapshot is suspended and resumed" {
	grep -qw btrfs /proc/filesystems ||
		vx_need_kernel "no btrfs in this kernel (/proc/filesystems)"
	vx_require mkfs.btrfs
	local img=$VX_ROOT/ckpt-btrfs.img mnt=$VX_ROOT/vzb
	truncate -s 1G "$img"
	mkfs.btrfs -q -f "$img" >/dev/null
	mkdir -p "$mnt"
	mount -o loop "$img" "$mnt"
	ckpt_layout 514 --layout btrfs --diskspace 256M --private "$mnt/\$VEID"
	umount "$mnt"
}
