#!/usr/bin/env bats
# Errors and exit codes (issue 2 item 8; numbers from docs/exit-codes.md,
# OpenVZ's where OpenVZ has one). Every message must name the bad value and
# say what to do.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

# --- bad CTIDs: "Bad CT ID", 21 (docs/exit-codes.md) ---

@test "CTID 'abc' (no such name): refused with 21, names the value" {
	run vx_timeout vzctl start abc
	[ "$status" -eq 21 ] || { echo "exit $status: $output"; false; }
	vx_output_has abc
}

@test "CTID '0' (the host): refused with 21" {
	run vx_timeout vzctl start 0
	[ "$status" -eq 21 ] || { echo "exit $status: $output"; false; }
	vx_output_has 0
}

@test "CTID '-1': refused with 21" {
	run vx_timeout vzctl start -1
	[ "$status" -eq 21 ] || { echo "exit $status: $output"; false; }
	vx_output_has -1
}

@test "CTID '99999999999' (beyond 2147483647): refused with 21" {
	run vx_timeout vzctl create 99999999999
	[ "$status" -eq 21 ] || { echo "exit $status: $output"; false; }
	vx_output_has 99999999999
	run vx_timeout vzctl status 99999999999
	[ "$status" -eq 21 ] || { echo "exit $status: $output"; false; }
}

@test "CTID 2147483647 (the largest) is accepted" {
	vx_expect_ok vzctl status 2147483647
	[ "$output" = "CTID 2147483647 deleted unmounted down" ]
}

@test "create with a CTID that is not a number: refused with 21" {
	run vx_timeout vzctl create abc --ostemplate busybox
	[ "$status" -eq 21 ] || { echo "exit $status: $output"; false; }
	[ ! -e "$VX_ROOT/etc/vz/conf/abc.conf" ]
}

# --- command line ---

@test "unknown option: 20, names the option" {
	vx_expect_rc 20 vzctl create 130 --no-such-option
	vx_output_has no-such-option
	vx_expect_rc 20 vzctl start 130 --bogus
	vx_output_has bogus
	[ ! -e "$VX_ROOT/etc/vz/conf/130.conf" ]
}

@test "unknown verb: 20, names the verb" {
	vx_expect_rc 20 vzctl frobnicate 130
	vx_output_has frobnicate
}

@test "missing CTID: 20" {
	vx_expect_rc 20 vzctl start
	vx_expect_rc 20 vzctl create
}

@test "option missing its value: 20" {
	vx_expect_rc 20 vzctl create 131 --ostemplate
	[ ! -e "$VX_ROOT/etc/vz/conf/131.conf" ]
}

@test "set with a bad value: 21, names the value" {
	vx_create 132
	vx_expect_rc 21 vzctl set 132 --onboot maybe --save
	vx_output_has maybe
	vx_expect_rc 21 vzctl set 132 --hostname 'bad host!' --save
	vx_output_has 'bad host!'
	vx_ct_cleanup 132
}

# --- templates ---

@test "missing template: 91, names the template and where it looked" {
	vx_expect_rc 91 vzctl create 133 --ostemplate no-such-os
	vx_output_has no-such-os
	vx_output_has "$VX_ROOT/vz/template"
	[ ! -e "$VX_ROOT/etc/vz/conf/133.conf" ]
	[ ! -e "$VX_ROOT/vz/private/133" ]
}

@test "corrupt template archive: create fails, nothing half-made" {
	echo "this is not a tar archive" | zstd -q >"$VX_ROOT/vz/template/cache/broken.tar.zst"
	run vx_timeout vzctl create 134 --ostemplate broken
	[ "$status" -ne 0 ]
	[ ! -e "$VX_ROOT/etc/vz/conf/134.conf" ]
	[ ! -e "$VX_ROOT/vz/private/134" ]
	# No temp directories left next to the private areas.
	[ -z "$(ls -A "$VX_ROOT/vz/private")" ]
	rm -f "$VX_ROOT/vz/template/cache/broken.tar.zst"
}

# --- state errors ---

@test "start twice: 32" {
	vx_create_started 135
	vx_expect_rc 32 vzctl start 135
	vx_output_has running
	vx_ct_cleanup 135
}

@test "stop a stopped VPS: 31" {
	vx_create 136
	vx_expect_rc 31 vzctl stop 136
	vx_output_has running
	vx_expect_rc 31 vzctl stop 136 --fast
	vx_ct_cleanup 136
}

@test "exec / enter in a stopped VPS: 31" {
	vx_create 137
	vx_expect_rc 31 vzctl exec 137 true
	vx_expect_rc 31 vzctl exec2 137 true
	vx_expect_rc 31 vzctl enter 137 </dev/null
	vx_ct_cleanup 137
}

@test "destroy a running VPS: refused (32) with a hint to stop it first" {
	vx_create_started 138 --layout plain
	vx_expect_rc 32 vzctl destroy 138
	vx_output_has "stop"
	# Nothing was harmed.
	vx_is_running 138
	[ -x "$VX_ROOT/vz/private/138/bin/busybox" ]
	vx_ct_cleanup 138
}

@test "create an existing CTID: 44, the first one untouched" {
	vx_create 139 --hostname first
	vx_expect_rc 44 vzctl create 139 --ostemplate busybox --hostname second
	vx_output_has 139
	grep -q '^HOSTNAME="first"' "$VX_ROOT/etc/vz/conf/139.conf"
	vx_ct_cleanup 139
}

@test "create a CTID whose private area exists already: 44" {
	mkdir -p "$VX_ROOT/vz/private/140/keep"
	vx_expect_rc 44 vzctl create 140 --ostemplate busybox
	vx_output_has "$VX_ROOT/vz/private/140"
	[ -d "$VX_ROOT/vz/private/140/keep" ]
	[ ! -e "$VX_ROOT/etc/vz/conf/140.conf" ]
	rm -rf "$VX_ROOT/vz/private/140"
}

@test "private area deleted by hand: start and mount fail with 43" {
	vx_create 141
	rm -rf "$VX_ROOT/vz/private/141"
	vx_expect_rc 43 vzctl start 141
	vx_output_has "$VX_ROOT/vz/private/141"
	vx_expect_rc 43 vzctl mount 141
	# destroy still cleans up what is left (the config).
	vx_expect_ok vzctl destroy 141
	[ ! -e "$VX_ROOT/etc/vz/conf/141.conf" ]
}

@test "operations on a CT that does not exist fail and name it" {
	local verb
	for verb in start mount destroy; do
		run vx_timeout vzctl $verb 142
		[ "$status" -eq 14 ] || { echo "$verb: exit $status: $output"; false; }
		vx_output_has 142
	done
	for verb in stop umount restart; do
		run vx_timeout vzctl $verb 142
		[ "$status" -ne 0 ] || { echo "$verb succeeded"; false; }
		vx_output_has 142
	done
	run vx_timeout vzctl exec 142 true
	[ "$status" -ne 0 ]
	run vx_timeout vzctl set 142 --hostname x --save
	[ "$status" -ne 0 ]
	[ ! -e "$VX_ROOT/etc/vz/conf/142.conf" ]
}

# --- configs ---

@test "corrupt line in CTID.conf: 203, error names file:line" {
	vx_create 143
	local conf=$VX_ROOT/etc/vz/conf/143.conf
	local n
	echo 'THIS LINE IS NOT A SETTING' >>"$conf"
	n=$(wc -l <"$conf")
	vx_expect_rc 203 vzctl start 143
	vx_output_has "143.conf:$n"
	# The CT did not start.
	! vx_is_running 143 || false
	sed -i '$d' "$conf"
	vx_ct_cleanup 143
}

@test "corrupt line in vz.conf: error names vz.conf:line" {
	local g=$VX_ROOT/etc/vz/vz.conf
	cp "$g" "$g.orig"
	printf 'GOOD="1"\nBROKEN LINE HERE\n' >>"$g"
	local n
	n=$(wc -l <"$g")
	# The running vxd may have vz.conf cached: a fresh vzctl must still
	# report it (vzctl reads vz.conf itself, or vxd re-reads it).
	run vx_timeout vzctl create 144 --ostemplate busybox
	mv "$g.orig" "$g"
	[ "$status" -ne 0 ]
	vx_output_has "vz.conf:$n"
	[ ! -e "$VX_ROOT/etc/vz/conf/144.conf" ]
}

@test "missing CTID.conf for a running-looking CTID is reported, not crashed on" {
	vx_create 145
	mv "$VX_ROOT/etc/vz/conf/145.conf" "$VX_ROOT/145.conf.away"
	run vx_timeout vzctl start 145
	[ "$status" -ne 0 ]
	vx_output_has 145
	mv "$VX_ROOT/145.conf.away" "$VX_ROOT/etc/vz/conf/145.conf"
	vx_ct_cleanup 145
}

# --- locks ---

# Holds LOCKDIR/CTID.lck with flock(1) in the background until $lockdone
# exists. fd 3 is closed so bats does not wait for the holder.
hold_lock() {
	local lck=$VX_ROOT/vz/lock/$1.lck ready=$VX_ROOT/lock-ready.$1
	lockdone=$VX_ROOT/lock-done.$1
	rm -f "$ready" "$lockdone"
	(flock -x "$lck" -c "touch $ready; while [ ! -e $lockdone ]; do sleep 0.1; done") \
		>/dev/null 2>&1 3>&- &
	vx_wait_for 10 test -e "$ready"
}
release_lock() { touch "$lockdone"; wait; }

@test "locked CT: 9, and the message says who holds it" {
	vx_create 146
	hold_lock 146
	vx_expect_rc 9 vzctl start 146
	vx_output_has lock
	vx_expect_rc 9 vzctl set 146 --hostname x --save
	vx_expect_rc 9 vzctl destroy 146
	vx_expect_rc 9 vzctl mount 146
	release_lock
	vx_expect_ok vzctl start 146
	vx_wait_running 146
	hold_lock 146
	vx_expect_rc 9 vzctl stop 146
	release_lock
	# status and exec do not take the lock
	vx_expect_ok vzctl status 146
	vx_ct_cleanup 146
}

@test "create of a locked CTID: 9, nothing created" {
	hold_lock 147
	vx_expect_rc 9 vzctl create 147 --ostemplate busybox
	release_lock
	[ ! -e "$VX_ROOT/etc/vz/conf/147.conf" ]
	[ ! -e "$VX_ROOT/vz/private/147" ]
}

# --- the daemon ---

@test "vxd not reachable: 200 with a message naming the socket" {
	local t
	t=$(mktemp -d /tmp/vxt.XXXXXX)
	mkdir -p "$t/etc/vz" "$t/run"
	# /run/vx is a plain file: vxd can neither be reached nor started.
	echo no >"$t/run/vx"
	VX_ROOT=$t run vx_timeout vzctl status 101
	rm -rf "$t"
	[ "$status" -eq 200 ] || { echo "exit $status: $output"; false; }
	vx_output_has "$t/run/vx"
}

@test "vzctl starts vxd on demand" {
	local pid
	pid=$(vx_vxd_pid) && kill "$pid"
	vx_wait_for 10 bash -c "! kill -0 ${pid:-0} 2>/dev/null"
	vx_expect_ok vzctl status 148
	vx_vxd_pid
	[ -S "$VX_ROOT/run/vx/vxd.sock" ]
	# root-only socket
	[ "$(stat -c %a "$VX_ROOT/run/vx/vxd.sock")" -le 700 ] ||
		[ "$(stat -c %a "$VX_ROOT/run/vx")" -le 700 ]
}

@test "a non-root caller is refused: 12, nothing done" {
	vx_expect_ok vzctl status 149
	run vx_timeout setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$VX_BIN/vzctl" create 149 --ostemplate busybox
	[ "$status" -eq 12 ] || { echo "exit $status: $output"; false; }
	[ ! -e "$VX_ROOT/etc/vz/conf/149.conf" ]
}

@test "private area deleted while running: stop cleans up, start then says 43" {
	vx_create_started 150
	rm -rf "$VX_ROOT/vz/private/150"
	vx_expect_ok vzctl stop 150 --fast
	vx_expect_ok vzctl status 150
	[ "$output" = "CTID 150 exist unmounted down" ]
	# Nothing is left mounted on VE_ROOT (the bind of a deleted directory).
	! grep -q " $VX_ROOT/vz/root/150 " /proc/self/mountinfo ||
		{ grep " $VX_ROOT/vz/root/150 " /proc/self/mountinfo; false; }
	vx_expect_rc 43 vzctl start 150
	vx_expect_ok vzctl destroy 150
}

@test "umount of a running VPS: refused with 32" {
	vx_create_started 151
	vx_expect_rc 32 vzctl umount 151
	vx_output_has stop
	vx_is_running 151
	vx_ct_cleanup 151
}

@test "vzctl --json: errors as a JSON object with the exit code" {
	run --separate-stderr vx_timeout vzctl --json start 152
	[ "$status" -eq 14 ]
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["exit"] == 14, d
assert "152" in d["error"], d
' "$output"
}
