#!/usr/bin/env bats
# Kernel beancounters through vzctl, on the vx kernel (run inside the UML
# guest: tests/guest/run ... -- bats tests/guest-cli/beancounters.bats).
#
# What must hold (docs/kernel-abi.md, docs/vzctl.md): `vzctl start` creates
# kernel context CTID and enters the VPS's init into it before init execs;
# every beancounter of the config is applied; `vzctl exec` commands run in
# the context too; `set` changes limits live and `--save` keeps them over a
# restart; the (L - H + 1)-th file / TCP socket inside the VPS fails with
# the kernel's error and bumps failcnt; stop deletes the context; vzlist -j
# and vzctl stat show the rows.
#
# The counting is done by tests/guest-cli/bc-probe.c, built static here
# and copied into the VPS (busybox cannot hold hundreds of files open).
# On a kernel without the "vserver" family every test skips, saying so.

bats_require_minimum_version 1.5.0
load ../cli/helpers

CT=411		# the VPS under test, running for the whole file
CT2=412		# created and destroyed per test

setup_file() {
	vx_test_setup
	[ -e /proc/user_beancounters ] || return 0
	PROBE=$VX_ROOT/bc-probe
	gcc -static -O2 -o "$PROBE" "$BATS_TEST_DIRNAME/bc-probe.c" || return 1
	vx_create $CT --numfile 2000:3000 --numtcpsock 50 --numothersock 60:70 \
		--numflock 80:90 --numpty 16 --numsiginfo 256 \
		--privvmpages 64M:80M --numproc 100 || return 1
	vx_expect_ok vzctl start $CT --wait || return 1
	install_probe $CT
}
teardown_file() { vx_test_teardown; }
teardown() { vx_ct_cleanup $CT2 || true; }

setup() {
	[ -e /proc/user_beancounters ] ||
		vx_need_kernel "the running kernel has no vx beancounters (/proc/user_beancounters)"
}

# install_probe CTID: copies the probe into the running VPS (again after a
# restart: /bin of a busybox VPS persists, but be independent of that).
install_probe() {
	cp "$VX_ROOT/bc-probe" "/proc/$(vx_init_pid "$1")/root/bin/bc-probe"
}

# ubc CTID RES FIELD: one number of the host's /proc/user_beancounters
# (FIELD: 1 held, 2 maxheld, 3 barrier, 4 limit, 5 failcnt).
ubc() {
	awk -v ct="$1:" -v res="$2" -v f="$3" '
		$1 ~ /:$/ { cur = $1; $1 = ""; $0 = $0 }
		cur == ct && $1 == res { print $(1 + f); exit }
	' /proc/user_beancounters
}

# veinfo_tasks CTID: live tasks of context CTID, empty if there is none.
veinfo_tasks() {
	awk -v ct="$1" '$1 == ct { print $3 }' /proc/vz/veinfo
}

# field KEY: value of KEY=N in the last probe output.
field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$output"
}

@test "beancounters: vzctl info lists the kernel's contexts and beancounters" {
	vx_expect_ok vzctl info
	vx_output_has "kernel contexts: yes"
	vx_output_has "kernel beancounters: numproc numfile numtcpsock numothersock numflock numpty numsiginfo privvmpages"
}

@test "beancounters: start creates context CTID and init is in it" {
	local cg tasks threads
	tasks=$(veinfo_tasks $CT)
	[ -n "$tasks" ] || { cat /proc/vz/veinfo; false; }
	# every task of the idle VPS, init first of all, is in the context:
	# the context counts as many tasks as the VPS's cgroup holds
	cg=$(awk -F= '$1 == "CGROUP" { gsub(/"/, "", $2); print $2 }' \
		"$VX_ROOT/run/vx/ct/$CT.state")
	threads=$(wc -l <"/sys/fs/cgroup/$cg/cgroup.threads")
	[ "$tasks" -ge 1 ]
	[ "$tasks" -eq "$threads" ] || { echo "context $tasks tasks, cgroup $threads"; false; }
	# numproc counts init at least
	[ "$(ubc $CT numproc 1)" -ge 1 ]
}

@test "beancounters: inside the VPS /proc/user_beancounters shows only CTID's rows" {
	# a second context, which the host sees and the VPS must not
	vx_create $CT2
	vx_expect_ok vzctl start $CT2 --wait
	grep -Eq "^ +$CT2:" /proc/user_beancounters
	vx_expect_ok vzctl exec $CT cat /proc/user_beancounters
	vx_output_has "Version: 2.5"
	grep -Eq "^ +$CT: +numproc " <<<"$output" || { echo "$output"; false; }
	# its own context only: exactly one "uid:" row
	[ "$(grep -Ec '^ +[0-9]+:' <<<"$output")" -eq 1 ] || { echo "$output"; false; }
	grep -Eq '^ +numfile +[0-9]+ +[0-9]+ +2000 +3000 ' <<<"$output" ||
		{ echo "$output"; false; }
	# host-only files are refused inside a context: exec runs in it
	vx_expect_rc 8 vzctl exec $CT cat /proc/vz/veinfo
	vx_output_has "not permitted"
}

@test "beancounters: every beancounter of the config is applied at start" {
	[ "$(ubc $CT numproc 3)" = 100 ] && [ "$(ubc $CT numproc 4)" = 100 ] || false
	[ "$(ubc $CT numfile 3)" = 2000 ] && [ "$(ubc $CT numfile 4)" = 3000 ] || false
	[ "$(ubc $CT numtcpsock 3)" = 50 ] && [ "$(ubc $CT numtcpsock 4)" = 50 ] || false
	[ "$(ubc $CT numothersock 3)" = 60 ] && [ "$(ubc $CT numothersock 4)" = 70 ] || false
	[ "$(ubc $CT numflock 3)" = 80 ] && [ "$(ubc $CT numflock 4)" = 90 ] || false
	[ "$(ubc $CT numpty 4)" = 16 ]
	[ "$(ubc $CT numsiginfo 4)" = 256 ]
	# 64M:80M in 4 KiB pages
	[ "$(ubc $CT privvmpages 3)" = 16384 ] && [ "$(ubc $CT privvmpages 4)" = 20480 ] || false
}

@test "beancounters: numfile N, the (N - held + 1)-th open fails with ENFILE and failcnt counts it" {
	local f0 held limit opened
	vx_expect_ok vzctl set $CT --numfile 150
	f0=$(ubc $CT numfile 5)
	vx_expect_ok vzctl exec $CT /bin/bc-probe files
	held=$(field held) limit=$(field limit) opened=$(field opened)
	[ "$limit" = 150 ]
	[ "$(field error)" = ENFILE ] || { echo "$output"; false; }
	[ $((held + opened)) -eq "$limit" ] || { echo "$output"; false; }
	[ "$(ubc $CT numfile 5)" -eq $((f0 + 1)) ]
	# the probe exited: its files are uncharged, the count went back down
	[ "$(ubc $CT numfile 1)" -le "$held" ]
	[ "$(ubc $CT numfile 2)" -eq 150 ]
}

@test "beancounters: numtcpsock N, the (N+1)-th TCP socket fails with ENOBUFS and failcnt counts it" {
	local f0
	vx_expect_ok vzctl set $CT --numtcpsock 5
	f0=$(ubc $CT numtcpsock 5)
	vx_expect_ok vzctl exec $CT /bin/bc-probe tcp
	[ "$(field held)" = 0 ] || { echo "$output"; false; }
	[ "$(field limit)" = 5 ]
	[ "$(field opened)" = 5 ] || { echo "$output"; false; }
	[ "$(field error)" = ENOBUFS ] || { echo "$output"; false; }
	[ "$(ubc $CT numtcpsock 5)" -eq $((f0 + 1)) ]
}

# enforced RES ERRNO KIND: after `vzctl set`, the probe's fill of RES must
# stop exactly at the limit (hard) or barrier (soft) with ERRNO, and the
# kernel's failcnt must count that one refusal.
enforced() {
	local res=$1 errno=$2 kind=$3 f0 ref
	f0=$(ubc $CT "$res" 5)
	vx_expect_ok vzctl exec $CT /bin/bc-probe fill "$res" || return 1
	ref=$(field limit)
	[ "$kind" = soft ] && ref=$(field barrier)
	[ "$(field error)" = "$errno" ] || { echo "$output"; return 1; }
	[ $(($(field held) + $(field opened))) -eq "$ref" ] ||
		{ echo "$kind: $output"; return 1; }
	[ "$(ubc $CT "$res" 5)" -eq $((f0 + 1)) ] ||
		{ echo "failcnt $f0 -> $(ubc $CT "$res" 5)"; return 1; }
}

@test "beancounters: numothersock, numpty, numflock, numsiginfo, privvmpages set by vzctl are enforced" {
	local pv
	pv=$(ubc $CT privvmpages 1)
	vx_expect_ok vzctl set $CT --numothersock 6 --numpty 4 --numflock 10:12 \
		--numsiginfo 20 --privvmpages $((pv + 2000)):$((pv + 2500))
	enforced numothersock ENOBUFS hard
	enforced numpty ENOSPC hard
	enforced numflock ENOLCK soft
	enforced numsiginfo EAGAIN hard
	enforced privvmpages ENOMEM soft
}

@test "beancounters: set changes limits live, without a restart" {
	local pid
	pid=$(vx_init_pid $CT)
	vx_expect_ok vzctl set $CT --numtcpsock 9 --numfile 4000:5000 --numflock 70:75
	vx_output_has "not saved"
	[ "$(ubc $CT numtcpsock 4)" = 9 ]
	[ "$(ubc $CT numfile 3)" = 4000 ] && [ "$(ubc $CT numfile 4)" = 5000 ] || false
	[ "$(ubc $CT numflock 3)" = 70 ]
	vx_expect_ok vzctl exec $CT /bin/bc-probe tcp
	[ "$(field opened)" = 9 ]
	[ "$(vx_init_pid $CT)" = "$pid" ]
	# a later set touches only what it names: the unsaved numfile stays
	vx_expect_ok vzctl set $CT --numpty 12
	[ "$(ubc $CT numpty 4)" = 12 ]
	[ "$(ubc $CT numfile 3)" = 4000 ] && [ "$(ubc $CT numtcpsock 4)" = 9 ] || false
	# the config did not change
	grep -q '^NUMTCPSOCK="50:50"' "$VX_ROOT/etc/vz/conf/$CT.conf"
}

@test "beancounters: set --save persists; a restart applies the config again" {
	vx_expect_ok vzctl set $CT --numtcpsock 7 --save
	grep -q '^NUMTCPSOCK="7:7"' "$VX_ROOT/etc/vz/conf/$CT.conf"
	vx_expect_ok vzctl set $CT --numflock 11:12	# not saved: lost
	vx_expect_ok vzctl restart $CT --wait
	vx_wait_running $CT
	install_probe $CT
	[ "$(ubc $CT numtcpsock 4)" = 7 ]
	[ "$(ubc $CT numflock 3)" = 80 ] && [ "$(ubc $CT numflock 4)" = 90 ] || false
	# a fresh context: the failures of the earlier boot are gone
	[ "$(ubc $CT numtcpsock 5)" = 0 ]
	vx_expect_ok vzctl exec $CT /bin/bc-probe tcp
	[ "$(field opened)" = 7 ] && [ "$(field error)" = ENOBUFS ] || false
}

@test "beancounters: vzlist -j shows each as {held, maxheld, barrier, limit, failcnt}" {
	vx_expect_ok vzlist -j $CT
	python3 -c '
import json, sys
ct = json.loads(sys.argv[1])[0]
for r in ("numproc", "numfile", "numtcpsock", "numothersock", "numflock",
          "numpty", "numsiginfo", "privvmpages"):
    o = ct[r]
    assert sorted(o) == ["barrier", "failcnt", "held", "limit", "maxheld"], (r, o)
    assert all(isinstance(v, int) for v in o.values()), (r, o)
assert ct["numfile"]["held"] > 0 and ct["numfile"]["barrier"] == 2000, ct["numfile"]
assert ct["numtcpsock"]["limit"] == 7 and ct["numtcpsock"]["failcnt"] >= 1, ct["numtcpsock"]
' "$output"
	vx_expect_ok vzlist -H -o ctid,numfile,numfile.l,numtcpsock.f $CT
	[[ "$output" =~ ^\ *$CT\ +[0-9]+\ +3000\ +[1-9] ]] || { echo "$output"; false; }
}

@test "beancounters: vzctl stat and vzubc mark resources with failures and new failures" {
	vx_expect_ok vzctl stat $CT
	grep -Eq '^numtcpsock .* \*' <<<"$output" || { echo "$output"; false; }
	grep -Eq '^numfile ' <<<"$output"
	vx_expect_ok vzctl exec $CT /bin/bc-probe tcp
	vx_expect_ok vzctl stat $CT
	grep -Eq '^numtcpsock .*\(\+1 new\)' <<<"$output" || { echo "$output"; false; }
	# seen: nothing new on the next look
	vx_expect_ok vzctl stat $CT
	! grep -Eq '^numtcpsock .*new' <<<"$output" || false
	# vzubc: the same for every running VPS, or the ones named
	ln -sf vzctl "$VX_ROOT/bin/vzubc"
	vx_expect_ok vzubc
	vx_output_has "CT $CT (running)"
	grep -Eq '^numtcpsock .* \*' <<<"$output" || { echo "$output"; false; }
	vx_expect_ok vzubc $CT
	vx_output_has "CT $CT (running)"
	vx_expect_rc 21 vzubc abc
}

@test "beancounters: stop deletes the context; start on a stopped CT makes a fresh one" {
	vx_create $CT2 --numfile 500
	vx_expect_ok vzctl start $CT2 --wait
	[ -n "$(veinfo_tasks $CT2)" ]
	vx_expect_ok vzctl stop $CT2
	[ -z "$(veinfo_tasks $CT2)" ] || { cat /proc/vz/veinfo; false; }
	! grep -Eq "^ +$CT2:" /proc/user_beancounters || false
	vx_expect_ok vzctl start $CT2 --wait
	[ "$(ubc $CT2 numfile 4)" = 500 ]
	vx_expect_ok vzctl stop $CT2 --fast
	[ -z "$(veinfo_tasks $CT2)" ]
}

@test "beancounters: reboot inside the VPS comes back in a fresh context with the config's limits" {
	local pid
	vx_create $CT2 --numfile 600
	vx_expect_ok vzctl start $CT2 --wait
	pid=$(vx_init_pid $CT2)
	vx_expect_ok vzctl set $CT2 --numfile 700	# live only: lost at reboot
	[ "$(ubc $CT2 numfile 4)" = 700 ]
	# exec may be cut off as the VPS goes down: its status does not matter
	vx_timeout vzctl exec $CT2 reboot >/dev/null 2>&1 || true
	vx_wait_for 30 eval '[ -n "$(vx_init_pid '$CT2')" ] && [ "$(vx_init_pid '$CT2')" != '$pid' ]'
	vx_wait_for 10 eval '[ "$(veinfo_tasks '$CT2')" -ge 1 ]'
	[ "$(ubc $CT2 numfile 4)" = 600 ]
	vx_expect_ok vzctl exec $CT2 cat /proc/user_beancounters
	grep -Eq "^ +$CT2: +numproc " <<<"$output"
}

@test "beancounters: a reserved beancounter is refused with exit 5, a bad value with 21" {
	vx_expect_rc 5 vzctl set $CT --kmemsize 10M --save
	vx_output_has "reserved"
	vx_expect_rc 21 vzctl set $CT --numfile 10:5
	vx_expect_rc 21 vzctl set $CT --numtcpsock lots
	# nothing changed
	grep -q '^NUMFILE="2000:3000"' "$VX_ROOT/etc/vz/conf/$CT.conf"
	! grep -q '^KMEMSIZE=' "$VX_ROOT/etc/vz/conf/$CT.conf" || false
}

# state FIELD CTID: a value of the CT's run-time state file.
state() {
	awk -F= -v k="$1" '$1 == k { gsub(/"/, "", $2); print $2 }' \
		"$VX_ROOT/run/vx/ct/$2.state"
}

@test "beancounters: a context left by a killed monitor is removed by stop, or replaced by start" {
	vx_create $CT2 --numfile 500
	vx_expect_ok vzctl start $CT2 --wait
	# monitor killed: `vzctl stop` does its work, the context included
	kill -9 "$(state MONITOR_PID $CT2)"
	vx_expect_ok vzctl stop $CT2 --fast
	[ -z "$(veinfo_tasks $CT2)" ] || { cat /proc/vz/veinfo; false; }

	# monitor and init killed: an empty context stays behind ...
	vx_expect_ok vzctl start $CT2 --wait
	install_probe $CT2
	vx_expect_ok vzctl set $CT2 --numtcpsock 1
	vx_expect_ok vzctl exec $CT2 /bin/bc-probe tcp
	[ "$(ubc $CT2 numtcpsock 5)" = 1 ]
	kill -9 "$(state MONITOR_PID $CT2)" "$(state INIT_PID $CT2)"
	vx_wait_for 10 eval '[ "$(veinfo_tasks '$CT2')" = 0 ]'
	# ... which the next start replaces with a fresh one: config limits,
	# no failures of the killed run
	vx_expect_ok vzctl start $CT2 --wait
	[ "$(veinfo_tasks $CT2)" -ge 1 ]
	[ "$(ubc $CT2 numfile 4)" = 500 ]
	[ "$(ubc $CT2 numtcpsock 4)" = 9223372036854775807 ]
	[ "$(ubc $CT2 numtcpsock 5)" = 0 ]
	vx_expect_ok vzctl stop $CT2 --fast
	[ -z "$(veinfo_tasks $CT2)" ]
}
