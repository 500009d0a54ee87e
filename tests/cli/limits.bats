#!/usr/bin/env bats
# Resource limits (issue 4, cgroup part): vzctl set/create --ram --swap
# --numproc --cpus --cpulimit --cpuunits --cpumask --iolimit --iopslimit
# --ioprio --applyconfig, enforced through the host's cgroups (hybrid here)
# and, run by tests/guest-cli/run.sh (make check-guest-cli), inside UML
# guests with pure cgroup v2 and hybrid cgroups: every test holds on every
# layout, checking v1 files or v2 files as the layout has them. The guest
# has one CPU, no cpusets, no RT group scheduling: tests whose host side
# differs take the branch the host's kernel calls for, never a skip.
# Enforcement is measured through the CT's own cgroup counters, never by
# wall-clock timing of the loaded host (the I/O test only bounds from
# below: a throttled write cannot be fast).

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

conf() { echo "$VX_ROOT/etc/vz/conf/$1.conf"; }

# cgdir CTRL CTID: the CT's directory in the hierarchy of CTRL (v1/hybrid)
# or the unified one (v2).
cgdir() {
	local d
	for d in "/sys/fs/cgroup/$1/$VX_CGROUP_PREFIX/$2" \
		 "/sys/fs/cgroup/$VX_CGROUP_PREFIX/$2"; do
		[ -d "$d" ] && { echo "$d"; return 0; }
	done
	return 1
}

v2() { [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; }

@test "invalid values are refused with exit 21 naming the value" {
	vx_create 601
	vx_expect_rc 21 vzctl set 601 --ram -5 --save
	vx_output_has "'-5'"
	vx_expect_rc 21 vzctl set 601 --cpulimit 1000% --save
	vx_output_has "1000%"
	vx_expect_rc 21 vzctl set 601 --numproc 10:5 --save
	vx_output_has "barrier"
	vx_expect_rc 21 vzctl set 601 --cpus 0 --save
	vx_output_has "'0'"
	vx_expect_rc 21 vzctl set 601 --cpuunits 7 --save
	vx_expect_rc 21 vzctl set 601 --cpumask 0-99999 --save
	vx_expect_rc 21 vzctl set 601 --ioprio 8 --save
	vx_expect_rc 21 vzctl set 601 --numproc 12K --save
	vx_expect_rc 21 vzctl create 602 --ostemplate busybox --ram lots
	[ ! -e "$(conf 602)" ]
	# nothing was written
	! grep -q '^CPULIMIT="1000' "$(conf 601)" || false
	vx_ct_cleanup 601
}

@test "kernel beancounters without the vx kernel: exit 5 naming the feature" {
	vzctl info | grep -q 'family "vserver": yes' &&
		skip "the kernel has the vserver family (tests/guest-cli/beancounters.bats)"
	vx_create 603
	vx_expect_rc 5 vzctl set 603 --numfile 100 --save
	vx_output_has "vserver"
	vx_expect_rc 5 vzctl set 603 --numtcpsock 10:10 --save
	vx_ct_cleanup 603
}

@test "create --ram --numproc --cpulimit writes OpenVZ keys; start applies them" {
	vx_create 604 --ram 64M --swap 0 --numproc 64 --cpulimit 25 --cpuunits 500
	grep -q '^PHYSPAGES="0:16384"' "$(conf 604)"
	grep -q '^SWAPPAGES="0:0"' "$(conf 604)"
	grep -q '^NUMPROC="64:64"' "$(conf 604)"
	grep -q '^CPULIMIT="25"' "$(conf 604)"
	grep -q '^CPUUNITS="500"' "$(conf 604)"
	vx_expect_ok vzctl start 604 --wait
	vx_wait_running 604
	if v2; then
		local d
		d=$(cgdir memory 604)
		# the tree delegates the controllers down to the CT
		for c in memory pids cpu io; do
			grep -qw $c "$d/../cgroup.subtree_control"
			grep -qw $c "$d/cgroup.controllers"
		done
		[ "$(cat "$d/memory.max")" = 67108864 ]
		[ "$(cat "$d/memory.swap.max")" = 0 ]
		# an OOM kill takes one process, not the whole VPS (OpenVZ)
		[ "$(cat "$d/memory.oom.group")" = 0 ]
		[ "$(cat "$d/pids.max")" = 64 ]
		[ "$(cat "$d/cpu.max")" = "25000 100000" ]
		# cpuunits 500 = half the default weight (1000 units = 100)
		[ "$(cat "$d/cpu.weight")" = 50 ]
	else
		[ "$(cat "$(cgdir memory 604)/memory.limit_in_bytes")" = 67108864 ]
		[ "$(cat "$(cgdir pids 604)/pids.max")" = 64 ]
		[ "$(cat "$(cgdir cpu 604)/cpu.cfs_quota_us")" = 25000 ]
		[ "$(cat "$(cgdir cpu 604)/cpu.shares")" = 512 ]
	fi
	vx_expect_ok vzlist -H -o ctid,numproc.l,physpages.l,cpulimit,cpuunits 604
	[ "$(echo $output)" = "604 64 16384 25 500" ]
	vx_ct_cleanup 604
}

@test "a memory hog under --ram 64M is OOM-killed inside; the VPS lives on" {
	vx_create_started 605
	vx_expect_ok vzctl set 605 --ram 64M --swap 0 --save
	# dd reads 200 MB into one buffer: far above the limit, and touched
	# by the kernel page by page at once (a shell variable grown by
	# realloc takes a minute to get there in the UML guest)
	run vx_timeout vzctl exec2 605 'dd if=/dev/zero of=/dev/null bs=200M count=1 && echo survived'
	echo "hog: status $status output: $output"
	[ "$status" -ne 0 ]
	! grep -q survived <<<"$output" || false
	vx_is_running 605
	vx_expect_ok vzctl exec2 605 'echo alive'
	[ "$output" = alive ]
	if v2; then
		grep -q '^oom_kill [1-9]' "$(cgdir memory 605)/memory.events"
	else
		grep -q '^oom_kill [1-9]' "$(cgdir memory 605)/memory.oom_control"
	fi
	# failures counted, and the peak (memory.peak / max_usage_in_bytes)
	# at the limit: 64M = 16384 pages
	vx_expect_ok vzlist -H -o physpages.f,physpages.m 605
	set -- $output
	echo "physpages failcnt $1 maxheld $2"
	[ "$1" -gt 0 ]
	[ "$2" -ge 15000 ] && [ "$2" -le 16384 ] || false
	# vzctl stat marks the row: failures, new since the last look
	vx_expect_ok vzctl stat 605
	grep -E '^physpages .*\* .*new' <<<"$output"
	vx_ct_cleanup 605
}

# ct_pids_below CTID N: the CT runs fewer than N processes.
ct_pids_below() {
	[ "$(cat "$(cgdir pids "$1")/pids.current")" -lt "$2" ]
}

@test "a fork bomb under --numproc 64 is contained and counted" {
	vx_create_started 606 --numproc 64 --cpulimit 50
	# A bomb that asks for 254 processes (a binary tree 7 deep) and whose
	# every process waits 6 s (read on a fifo: no fork) before it ends, so
	# the bomb is over when the CT stops. An endless `f | f &` bomb would be
	# SIGKILLed mid-fork by the stop, and UML's flush_tlb_mm trips over the
	# half-copied mm of such a fork (XA_ZERO_ENTRY): a guest kernel panic
	# that has nothing to do with the limit. stdio is /dev/null: exec2
	# hands our fds to the CT, and bats would wait for the bomb's copies.
	run vx_timeout vzctl exec2 606 'exec </dev/null >/dev/null 2>&1; mkfifo /tmp/bomb; f() { if [ $1 -gt 0 ]; then f $(($1 - 1)) & f $(($1 - 1)) & fi; read -t 6 x <>/tmp/bomb; }; f 7'
	local d
	d=$(cgdir pids 606)
	[ "$(cat "$d/pids.peak" 2>/dev/null || echo 64)" -le 64 ]
	vx_expect_ok vzlist -H -o numproc.f,numproc.l,numproc.m 606
	set -- $output
	echo "failcnt $1 limit $2 maxheld $3"
	[ "$1" -gt 0 ]
	[ "$2" = 64 ]
	# pids.peak: the bomb filled the CT up to its limit, never beyond
	[ "$3" -gt 32 ] && [ "$3" -le 64 ] || false
	# the VPS and the host live on
	vx_is_running 606
	vx_expect_ok vzctl stat 606
	vx_output_has "numproc"
	grep -E '^numproc .*\* .*new' <<<"$output"
	# a second look: the same failures are no longer new
	vx_expect_ok vzctl stat 606
	grep -E '^numproc .*\*' <<<"$output"
	! grep -E '^numproc .*new' <<<"$output" || false
	vx_wait_for 30 ct_pids_below 606 5
	vx_ct_cleanup 606
}

# CPU time of the CT over N seconds, in percent of one CPU, from its own
# cgroup counter (cpuacct.usage on v1, cpu.stat usage_usec on v2).
ct_cpu_ns() {
	if v2; then
		awk '$1 == "usage_usec" { print $2 "000" }' "$(cgdir cpu "$1")/cpu.stat"
	else
		cat "$(cgdir cpuacct "$1")/cpuacct.usage"
	fi
}

@test "--cpulimit 25: the VPS gets at most ~25% of one CPU" {
	vx_create_started 607 --cpulimit 25
	# two spinners: without the cap they could use two whole CPUs
	# (stdio to /dev/null: bats' `run` would wait for the spinners' pipe)
	vx_expect_ok vzctl exec 607 'for i in 1 2; do (timeout 12 sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 &); done'
	sleep 2
	local a b t0 t1 pct
	a=$(ct_cpu_ns 607); t0=$(date +%s%N)
	sleep 6
	b=$(ct_cpu_ns 607); t1=$(date +%s%N)
	pct=$(( (b - a) * 100 / (t1 - t0) ))
	echo "measured: $pct% of one CPU (cap 25%)" >&3
	# The cap is the hard part: never above it (plus period slack). The
	# host may be loaded, so the CT may get less than its cap: two
	# spinners still get their fair share of two CPUs up to a load of
	# ~12, far more than 15% of one; below that the quota is mis-scaled
	# (measured: 22-26% on the host and in the UML guest, load 6-8).
	[ "$pct" -le 30 ]
	[ "$pct" -ge 15 ]
	vx_ct_cleanup 607
}

@test "live set takes effect without a restart; without --save it is not saved" {
	vx_create_started 608 --numproc 100
	local pid0
	pid0=$(vx_init_pid 608)
	vx_expect_ok vzctl set 608 --numproc 50 --cpulimit 40
	vx_output_has "not saved"
	[ "$(cat "$(cgdir pids 608)/pids.max")" = 50 ]
	[ "$(vx_init_pid 608)" = "$pid0" ]
	grep -q '^NUMPROC="100:100"' "$(conf 608)"
	# a restart goes back to the saved value
	vx_expect_ok vzctl restart 608 --wait
	vx_wait_running 608
	[ "$(cat "$(cgdir pids 608)/pids.max")" = 100 ]
	vx_ct_cleanup 608
}

@test "--save survives a restart; unlimited lifts a limit live" {
	vx_create_started 609
	vx_expect_ok vzctl set 609 --ram 96M --numproc 77 --cpus 1 --save
	grep -q '^NUMPROC="77:77"' "$(conf 609)"
	grep -q '^CPUS="1"' "$(conf 609)"
	vx_expect_ok vzctl restart 609 --wait
	vx_wait_running 609
	[ "$(cat "$(cgdir pids 609)/pids.max")" = 77 ]
	if v2; then
		[ "$(cat "$(cgdir memory 609)/memory.max")" = 100663296 ]
		[ "$(cat "$(cgdir cpu 609)/cpu.max")" = "100000 100000" ]
	else
		[ "$(cat "$(cgdir memory 609)/memory.limit_in_bytes")" = 100663296 ]
		[ "$(cat "$(cgdir cpu 609)/cpu.cfs_quota_us")" = 100000 ]
	fi
	vx_expect_ok vzctl set 609 --numproc unlimited --ram unlimited --cpus unlimited --save
	[ "$(cat "$(cgdir pids 609)/pids.max")" = max ]
	if v2; then
		[ "$(cat "$(cgdir memory 609)/memory.max")" = max ]
		[ "$(cat "$(cgdir cpu 609)/cpu.max")" = "max 100000" ]
	else
		[ "$(cat "$(cgdir cpu 609)/cpu.cfs_quota_us")" = -1 ]
	fi
	vx_ct_cleanup 609
}

@test "--applyconfig re-applies a sample's resource keys only" {
	vx_create 610 --hostname keep610
	vx_expect_ok vzctl set 610 --applyconfig vswap-256m --save
	grep -q '^PHYSPAGES="0:256M"' "$(conf 610)"
	grep -q '^SWAPPAGES="0:512M"' "$(conf 610)"
	grep -q '^NUMPROC="512:512"' "$(conf 610)"
	grep -q '^HOSTNAME="keep610"' "$(conf 610)"
	vx_expect_rc 14 vzctl set 610 --applyconfig nosuchsample --save
	vx_ct_cleanup 610
}

# ct_dd_ds CTID DD-ARGS: tenths of a second a dd inside the CT takes.
ct_dd_ds() {
	local ct=$1 t0 t1; shift
	t0=$(date +%s%N)
	vx_in_ct "$ct" "dd $* 2>/dev/null" >/dev/null || return 1
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 100000000 ))
}

@test "--iolimit throttles the disk of the private area; --ioprio sets an I/O weight or is refused" {
	vx_create_started 611
	vzctl set 611 --iolimit 10M --iopslimit 500 --save ||
		skip "the private area is on no block device here"
	if v2; then
		grep -q ' rbps=10485760 wbps=10485760 riops=500 wiops=500$' \
			"$(cgdir io 611)/io.max"
	else
		grep -q ' 10485760$' "$(cgdir blkio 611)/blkio.throttle.read_bps_device"
		grep -q ' 500$' "$(cgdir blkio 611)/blkio.throttle.write_iops_device"
	fi
	# enforced: 20 MB of direct writes at 10 MB/s take about 2 s
	local ds
	ds=$(ct_dd_ds 611 if=/dev/zero of=/io.test bs=1M count=20 oflag=direct)
	echo "20 MB direct write under --iolimit 10M: $ds/10 s" >&3
	[ "$ds" -ge 14 ]
	vx_expect_ok vzctl set 611 --iolimit 0 --iopslimit 0 --save
	if v2; then
		# all "max": the kernel drops the device's line
		! grep -q 'rbps=10485760' "$(cgdir io 611)/io.max" || false
	else
		! grep -q ' 10485760$' "$(cgdir blkio 611)/blkio.throttle.read_bps_device" || false
	fi
	ds=$(ct_dd_ds 611 if=/dev/zero of=/io.test bs=1M count=20 oflag=direct)
	echo "the same without the limit: $ds/10 s" >&3
	vx_in_ct 611 'rm /io.test'
	# --ioprio: a weight where the kernel offers one (BFQ's, or io.weight
	# with io.cost on v2), else refused (exit 5), never silently ignored
	local w
	if v2; then
		w=$(ls "$(cgdir io 611)"/io.bfq.weight "$(cgdir io 611)"/io.weight 2>/dev/null | head -1)
	else
		w=$(ls /sys/fs/cgroup/blkio/blkio.bfq.weight /sys/fs/cgroup/blkio/blkio.weight 2>/dev/null | head -1)
		[ -z "$w" ] || w=$(cgdir blkio 611)/${w##*/}
	fi
	if [ -n "$w" ]; then
		vx_expect_ok vzctl set 611 --ioprio 2 --save
		grep -qw 350 "$w"
		grep -q '^IOPRIO="2"' "$(conf 611)"
	else
		vx_expect_rc 5 vzctl set 611 --ioprio 2 --save
		vx_output_has "IOPRIO"
		! grep -q '^IOPRIO=' "$(conf 611)" || false
	fi
	vx_ct_cleanup 611
}

@test "--cpumask pins the VPS where the host has cpusets, else exit 5 naming cpuset" {
	vx_create_started 613
	local cpuset=
	if v2; then
		grep -qw cpuset /sys/fs/cgroup/cgroup.controllers && cpuset=1
	else
		[ -e /sys/fs/cgroup/cpuset/cpuset.cpus ] && cpuset=1
	fi
	if [ -n "$cpuset" ]; then
		vx_expect_ok vzctl set 613 --cpumask 0 --save
		[ "$(cat "$(cgdir cpuset 613)/cpuset.cpus")" = 0 ]
		# the CT's processes may run on CPU 0 only
		vx_expect_ok vzctl exec2 613 'taskset -p $$'
		vx_output_has "mask: 1"
		vx_expect_ok vzctl set 613 --cpumask all --save
		[ -n "$(cat "$(cgdir cpuset 613)/cpuset.cpus")" ]
	else
		# UML is uniprocessor: no CONFIG_CPUSETS
		vx_expect_rc 5 vzctl set 613 --cpumask 0 --save
		vx_output_has "cpuset"
		! grep -q '^CPUMASK=' "$(conf 613)" || false
	fi
	vx_ct_cleanup 613
}

# rt_group_sched: the kernel has RT group scheduling (v1 shows it as
# cpu.rt_runtime_us; v2 has no file for it, the kernel config tells, as
# vx_cgroup_rt_group_sched() asks it).
rt_group_sched() {
	[ -e /sys/fs/cgroup/cpu/cpu.rt_runtime_us ] && return 0
	grep -qx 'CONFIG_RT_GROUP_SCHED=y' "/boot/config-$(uname -r)" 2>/dev/null && return 0
	[ -r /proc/config.gz ] && zgrep -qx 'CONFIG_RT_GROUP_SCHED=y' /proc/config.gz
}

@test "RT policy (docs/config.md): no RT budget with RT group scheduling, else the kernel's global RT throttle" {
	command -v gcc >/dev/null || skip "gcc not installed"
	local prog=$VX_ROOT/rt-probe
	printf '%s\n' '#include <sched.h>' '#include <stdio.h>' '#include <string.h>' \
		'#include <errno.h>' \
		'int main(void) { struct sched_param p = { .sched_priority = 1 };' \
		'if (sched_setscheduler(0, SCHED_FIFO, &p)) { printf("refused: %s\\n", strerror(errno)); return 1; }' \
		'puts("fifo"); return 0; }' >"$prog.c"
	gcc -static -O2 -o "$prog" "$prog.c" || skip "cannot build a static probe"
	vx_create_started 612
	cp "$prog" "/proc/$(vx_init_pid 612)/root/bin/rt-probe"
	vx_expect_ok vzctl info
	if rt_group_sched; then
		# the VPS's group has an RT budget of 0: SCHED_FIFO is refused
		v2 || [ "$(cat "$(cgdir cpu 612)/cpu.rt_runtime_us")" = 0 ]
		vx_output_has "RT group scheduling: yes"
		run vx_timeout vzctl exec2 612 /bin/rt-probe
		echo "rt-probe: $status $output"
		[ "$status" -eq 1 ]
		vx_output_has "refused"
	else
		# no per-group budget to give: root in the VPS (CAP_SYS_NICE)
		# may use SCHED_FIFO, bounded host-wide by the kernel's RT
		# throttle, which must then be on (not -1)
		vx_output_has "RT group scheduling: no"
		[ "$(cat /proc/sys/kernel/sched_rt_runtime_us)" -ge 0 ]
		run vx_timeout vzctl exec2 612 /bin/rt-probe
		echo "rt-probe: $status $output"
		[ "$status" -eq 0 ]
		vx_output_has "fifo"
	fi
	vx_is_running 612
	vx_ct_cleanup 612
}
