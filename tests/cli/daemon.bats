#!/usr/bin/env bats
# vxd: VPSes outlive the daemon (kill -9), a new vxd started on demand by
# the next vzctl re-attaches and status/exec/stop keep working; a killed
# create leaves no half-made CT; operations on different VPSes run in
# parallel while operations on one VPS are serialised.

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

@test "kill -9 vxd: running VPSes keep running" {
	vx_create_started 801
	vx_create_started 802
	local i1 i2 d
	i1=$(vx_init_pid 801) i2=$(vx_init_pid 802)
	d=$(vx_vxd_pid)
	[ -n "$d" ] && [ -n "$i1" ] && [ -n "$i2" ] || false
	kill -9 "$d"
	vx_wait_for 10 bash -c "! kill -0 $d 2>/dev/null"
	sleep 1
	kill -0 "$i1"
	kill -0 "$i2"
}

@test "a new vxd (auto-started) re-attaches: status, exec, stop work" {
	# Continues from the previous test: 801 and 802 run without a vxd.
	vx_is_running 801 || skip "previous test did not leave VPSes running"
	local i1
	i1=$(vx_init_pid 801)
	vx_expect_ok vzctl status 801
	[ "$output" = "CTID 801 exist mounted running" ]
	vx_vxd_pid
	vx_expect_ok vzctl exec 801 'echo alive; cat /proc/1/comm'
	[ "${lines[0]}" = alive ]
	[ "${lines[1]}" = init ]
	vx_expect_ok vzlist -H -o ctid
	[ "$(echo $output)" = "801 802" ]
	vx_expect_ok vzctl stop 801
	! kill -0 "$i1" 2>/dev/null || false
	vx_expect_ok vzctl status 801
	[ "$output" = "CTID 801 exist unmounted down" ]
	vx_expect_ok vzctl stop 802 --fast
	vx_ct_cleanup 801 802
}

@test "after a vxd restart, reboot/halt inside a VPS still work" {
	vx_create_started 803
	vx_wait_for 20 vx_in_ct 803 'test -e /run/booted'
	vx_kill_vxd
	sleep 0.5
	vx_timeout vzctl exec 803 halt >/dev/null 2>&1 || true
	vx_wait_stopped 803
	vx_expect_ok vzctl status 803
	[ "$output" = "CTID 803 exist unmounted down" ]
	vx_ct_cleanup 803
}

@test "SIGTERM to vxd (upgrade/restart) keeps VPSes running too" {
	vx_create_started 804
	local i d
	i=$(vx_init_pid 804) d=$(vx_vxd_pid)
	kill -TERM "$d"
	vx_wait_for 15 bash -c "! kill -0 $d 2>/dev/null"
	kill -0 "$i"
	vx_expect_ok vzctl exec 804 true
	vx_ct_cleanup 804
}

@test "kill -9 vxd during exec: the VPS survives, a new exec works" {
	vx_create_started 805
	vx_timeout vzctl exec 805 'sleep 30' >/dev/null 2>&1 3>&- &
	local bg=$!
	sleep 1
	vx_kill_vxd
	wait $bg || true
	vx_expect_ok vzctl exec 805 'echo ok'
	[ "$output" = ok ]
	vx_ct_cleanup 805
}

# A template that takes seconds to unpack: busybox plus a 512 MiB file of
# zeros (tiny compressed). Generated as a tar stream, never written to disk.
HUGE_SIZE=$((512 << 20))
make_huge_template() {
	local h=$VX_ROOT/vz/template/cache/huge.tar.zst
	[ -s "$h" ] && return 0
	zstd -dc "$VX_ROOT/vz/template/cache/busybox.tar.zst" | python3 -c '
import io, sys, tarfile
size = int(sys.argv[1])
class Zeros(io.RawIOBase):
    def __init__(self, n): self.n = n
    def readable(self): return True
    def readinto(self, b):
        k = min(len(b), self.n)
        b[:k] = bytes(k)
        self.n -= k
        return k
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.GNU_FORMAT)
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as t:
    for m in t:
        out.addfile(m, t.extractfile(m) if m.isfile() else None)
big = tarfile.TarInfo("./bigfile")
big.size, big.mode = size, 0o644
out.addfile(big, io.BufferedReader(Zeros(size), 1 << 20))
out.close()
' "$HUGE_SIZE" | zstd -q -1 -T0 >"$h.tmp" && mv "$h.tmp" "$h"
}

# Creation is under way: a journal, a temp dir or a partial private area.
creating() {
	compgen -G "$VX_ROOT/vz/lock/$1.creating" >/dev/null ||
		compgen -G "$VX_ROOT/vz/private/$1*" >/dev/null ||
		compgen -G "$VX_ROOT/vz/private/.$1*" >/dev/null
}

# The CT either exists completely or not at all.
all_or_nothing() {
	local ct=$1
	if [ -e "$VX_ROOT/etc/vz/conf/$ct.conf" ]; then
		[ -x "$VX_ROOT/vz/private/$ct/bin/busybox" ]
		[ "$(stat -c %s "$VX_ROOT/vz/private/$ct/bigfile")" -eq "$HUGE_SIZE" ]
	else
		[ ! -e "$VX_ROOT/vz/private/$ct" ]
		vx_expect_ok vzctl status "$ct"
		[ "$output" = "CTID $ct deleted unmounted down" ]
	fi
}

@test "kill -9 vxd in the middle of create: no half-made CT" {
	make_huge_template
	vx_expect_ok vzctl status 806	# vxd up before we time anything
	vzctl create 806 --ostemplate huge --layout plain >/dev/null 2>&1 3>&- &
	local cpid=$!
	vx_wait_for 30 creating 806
	vx_kill_vxd
	wait $cpid || true
	# Let an orphaned unpacker (if any) finish or die.
	sleep 2
	# The next operation on the CT rolls the half-made create back.
	vx_expect_ok vzctl status 806
	[ "$output" = "CTID 806 deleted unmounted down" ]
	vx_expect_ok vzctl create 806 --ostemplate busybox --layout plain
	[ -x "$VX_ROOT/vz/private/806/bin/busybox" ]
	[ ! -e "$VX_ROOT/vz/private/806/bigfile" ]
	vx_ct_cleanup 806
	# No temp leftovers next to the private areas.
	[ -z "$(ls -A "$VX_ROOT/vz/private")" ] || { ls -la "$VX_ROOT/vz/private"; false; }
	[ ! -e "$VX_ROOT/vz/lock/806.creating" ]
}

@test "kill -9 vzctl in the middle of create: all or nothing" {
	make_huge_template
	vx_expect_ok vzctl status 807
	vzctl create 807 --ostemplate huge --layout plain >/dev/null 2>&1 3>&- &
	local cpid=$!
	vx_wait_for 30 creating 807
	kill -9 $cpid
	wait $cpid || true
	# Wait until whatever vxd does with the orphaned request is over
	# (the CT lock is free again).
	vx_wait_for 60 flock -n "$VX_ROOT/vz/lock/807.lck" true
	all_or_nothing 807
	vx_ct_cleanup 807
	[ -z "$(ls -A "$VX_ROOT/vz/private")" ] || { ls -la "$VX_ROOT/vz/private"; false; }
}

@test "different VPSes in parallel: a locked VPS does not block another" {
	vx_create 808
	vx_create 809
	local lck=$VX_ROOT/vz/lock/808.lck ready=$VX_ROOT/ready808 done=$VX_ROOT/done808
	(flock -x "$lck" -c "touch $ready; while [ ! -e $done ]; do sleep 0.1; done") \
		>/dev/null 2>&1 3>&- &
	vx_wait_for 10 test -e "$ready"
	vx_expect_ok vzctl start 809
	vx_wait_running 809
	touch "$done"; wait
	vx_ct_cleanup 808 809
}

@test "parallel starts of several VPSes all succeed" {
	local ct pids=()
	for ct in 810 811 812 813; do vx_create $ct; done
	for ct in 810 811 812 813; do
		vx_timeout vzctl start $ct >/dev/null 2>&1 3>&- &
		pids+=($!)
	done
	local p rc=0
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	[ "$rc" -eq 0 ]
	for ct in 810 811 812 813; do vx_wait_running $ct; done
	vx_ct_cleanup 810 811 812 813
}

@test "two starts of one VPS at once: one wins, the other gets 32 or 9" {
	vx_create 814
	local out=$VX_ROOT/race814
	mkdir -p "$out"
	# `|| echo`: the subshells inherit set -e from bats.
	( vx_timeout vzctl start 814 >"$out/a.log" 2>&1 && echo 0 >"$out/a" || echo $? >"$out/a" ) 3>&- &
	local pa=$!
	( vx_timeout vzctl start 814 >"$out/b.log" 2>&1 && echo 0 >"$out/b" || echo $? >"$out/b" ) 3>&- &
	local pb=$!
	wait $pa || true
	wait $pb || true
	cat "$out"/*.log
	local a b
	a=$(cat "$out/a") b=$(cat "$out/b")
	echo "exit codes: $a $b"
	{ [ "$a" = 0 ] && [[ "$b" =~ ^(32|9)$ ]]; } ||
		{ [ "$b" = 0 ] && [[ "$a" =~ ^(32|9)$ ]]; }
	vx_wait_running 814
	# exactly one init
	[ "$(grep -c . "$VX_ROOT/run/vx/ct/814.state" 2>/dev/null)" -ge 1 ]
	vx_ct_cleanup 814
}

@test "vxd socket is root-only and in the relocated tree" {
	vx_expect_ok vzctl status 815
	[ -S "$VX_ROOT/run/vx/vxd.sock" ]
	local mode
	mode=$(stat -c %a "$VX_ROOT/run/vx/vxd.sock")
	# no access for group/other on the socket or its directory
	[ "${mode:1}" = 00 ] || [ "$(stat -c %a "$VX_ROOT/run/vx" | cut -c2-)" = 00 ]
}

@test "a slow create of one VPS does not hold up work on another" {
	make_huge_template
	# 821 runs before the slow create starts: creating or starting it
	# during the create would measure the disk (create syncs the
	# filesystem, which must flush 820's data too), not vxd.
	vx_create_started 821
	vzctl create 820 --ostemplate huge --layout plain >/dev/null 2>&1 3>&- &
	local cpid=$!
	vx_wait_for 30 creating 820
	# While 820 is still unpacking, vxd answers for 821.
	vx_expect_ok vzctl status 821
	[ "$output" = "CTID 821 exist mounted running" ]
	vx_expect_ok vzctl exec 821 'echo busy-ok'
	[ "$output" = busy-ok ]
	vx_expect_ok vzlist -H -o ctid
	local still=no
	kill -0 $cpid 2>/dev/null && still=yes
	wait $cpid || true
	echo "820's create still running after 821's answers: $still"
	[ "$still" = yes ]
	vx_ct_cleanup 820 821
}

@test "onboot: ONBOOT=yes VPSes start once per host boot, not on every vxd start" {
	vx_create 822
	vx_create 823
	vx_expect_ok vzctl set 822 --onboot yes --save
	vx_expect_ok vzctl set 823 --onboot no --save
	# A host boot: vxd starts with /run freshly empty (no boot stamp).
	vx_kill_vxd
	rm -f "$VX_ROOT/run/vx/onboot.boot_id"
	vx_expect_ok vzctl status 823
	vx_wait_running 822
	! vx_is_running 823 || false
	# The admin stops it; a vxd restart within the same boot leaves it down.
	vx_expect_ok vzctl stop 822 --fast
	vx_kill_vxd
	vx_expect_ok vzctl status 822
	sleep 2
	vx_expect_ok vzctl status 822
	[ "$output" = "CTID 822 exist unmounted down" ]
	vx_ct_cleanup 822 823
}

@test "vxd follows starts and reboots without rescanning: the new init's exit is logged" {
	local i1 i2 log="$VX_ROOT/run/vx/vxd.log"
	vx_create_started 824
	i1=$(vx_init_pid 824)
	vx_wait_for 20 vx_in_ct 824 'test -e /run/booted'
	vx_timeout vzctl exec 824 reboot >/dev/null 2>&1 || true
	vx_wait_for 20 eval '[ -n "$(vx_init_pid 824)" ] && [ "$(vx_init_pid 824)" != "$i1" ]'
	i2=$(vx_init_pid 824)
	vx_wait_for 5 grep -q "ct 824: init (pid $i1) exited" "$log"
	# vxd attached the new init from the state file the reboot wrote
	kill -9 "$i2"
	vx_wait_stopped 824
	vx_wait_for 5 grep -q "ct 824: init (pid $i2) exited" "$log"
	vx_ct_cleanup 824
}
