#!/usr/bin/env bats
# The /proc view of a VPS through vzctl, on the vx kernel (run inside the
# UML guest: tests/guest/run ... -- bats tests/guest-cli/proc-view.bats).
#
# What must hold (docs/kernel-abi.md "Per-context views", docs/vzctl.md):
# inside a VPS started with --ram 256M --cpus 1, free, nproc, /proc/cpuinfo,
# uptime, sysinfo() and sysconf() report 256 MB and 1 CPU and an uptime
# counted from the start; `vzctl set --ram` shows at once; the host keeps
# seeing the host; a busy loop in one VPS raises its load average and not
# its neighbour's. The UML guest has one CPU, so "1 CPU" is also the host's
# count there: the CPU renumbering itself is tested by tests/kernel/view_test
# and needs an SMP (x86_64) guest to differ from the host.
# On a kernel without views every test skips, saying so.

bats_require_minimum_version 1.5.0
load ../cli/helpers

CT=421
CT2=422		# an idle neighbour, per test

has_views() {
	# a 6-attribute view-get needs the netlink family: probe through the
	# kernel's own file, which exists from the first view patch on
	[ -e /proc/user_beancounters ] &&
		grep -q "vx_view" /proc/kallsyms 2>/dev/null
}

setup_file() {
	vx_test_setup
	has_views || return 0
	PROBE=$VX_ROOT/view-probe
	gcc -static -O2 -o "$PROBE" "$BATS_TEST_DIRNAME/view-probe.c" || return 1
	vx_create $CT --ram 256M --swap 0 --cpus 1 || return 1
	vx_expect_ok vzctl start $CT --wait || return 1
	cp "$PROBE" "/proc/$(vx_init_pid $CT)/root/bin/view-probe"
}
teardown_file() { vx_test_teardown; }
teardown() { vx_ct_cleanup $CT2 || true; }

setup() {
	has_views || vx_need_kernel "the running kernel has no per-context /proc views"
}

# field KEY: value of KEY=V in the last probe output.
field() {
	sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$output"
}

@test "proc-view: free -m inside shows the VPS's 256 MB" {
	vx_expect_ok vzctl exec $CT free -m
	[ "$(awk '/^Mem:/ { print $2 }' <<<"$output")" = 256 ] || { echo "$output"; false; }
	vx_expect_ok vzctl exec $CT cat /proc/meminfo
	vx_output_has "MemTotal:         262144 kB"
}

@test "proc-view: nproc, /proc/cpuinfo and cpu/online show 1 CPU" {
	vx_expect_ok vzctl exec $CT nproc
	[ "$output" = 1 ]
	vx_expect_ok vzctl exec $CT grep -c processor /proc/cpuinfo
	[ "$output" = 1 ]
	vx_expect_ok vzctl exec $CT cat /sys/devices/system/cpu/online
	[ "$output" = 0 ]
}

@test "proc-view: sysinfo() and sysconf() agree" {
	vx_expect_ok vzctl exec $CT /bin/view-probe
	[ "$(field totalram_mb)" = 256 ] || { echo "$output"; false; }
	[ "$(field freeram_mb)" -le 256 ]
	[ "$(field totalswap_mb)" = 0 ]
	[ "$(field nprocs_onln)" = 1 ]
	[ "$(field procs)" -ge 2 ]
}

@test "proc-view: uptime counts from the VPS's start" {
	local in host
	vx_expect_ok vzctl exec $CT cat /proc/uptime
	in=${output%%.*}
	host=$(cut -d. -f1 /proc/uptime)
	[ "$in" -lt "$host" ] || { echo "inside $in s, host $host s"; false; }
	vx_expect_ok vzctl exec $CT uptime
	vx_output_has "load average"
}

@test "proc-view: vzctl set --ram shows at once, the host is unchanged" {
	vx_expect_ok vzctl set $CT --ram 128M
	vx_expect_ok vzctl exec $CT free -m
	[ "$(awk '/^Mem:/ { print $2 }' <<<"$output")" = 128 ] || { echo "$output"; false; }
	# the host's memory is the host's
	[ "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" != 131072 ]
	[ "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" != 262144 ]
	vx_expect_ok vzctl set $CT --ram 256M
}

@test "proc-view: a busy loop loads its own VPS, not its neighbour" {
	local a b busy
	vx_create $CT2 --ram 128M --cpus 1
	vx_expect_ok vzctl start $CT2 --wait
	# the loop runs for as long as this vzctl exec (exec joins its
	# arguments into one shell command line, as OpenVZ's does)
	vzctl exec $CT 'while :; do :; done' </dev/null >/dev/null 2>&1 3>&- &
	busy=$!
	# the load average is sampled every 5 s: two samples of one runner
	# give 0.15 (one gives 0.08)
	sleep 11.5
	vx_expect_ok vzctl exec $CT cat /proc/loadavg
	a=$output
	vx_expect_ok vzctl exec $CT2 cat /proc/loadavg
	b=$output
	kill "$busy"
	wait "$busy" || true
	echo "loadavg: $CT: $a; $CT2: $b"
	awk -v l="${a%% *}" 'BEGIN { exit !(l > 0.1) }'
	awk -v l="${b%% *}" 'BEGIN { exit !(l < 0.05) }'
}
