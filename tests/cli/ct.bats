#!/usr/bin/env bats
# A VPS is real (issue 2 item 3): init is PID 1 in its own pid, mount, uts,
# ipc, net and cgroup namespaces; the root is pivot_root'ed into the VPS
# tree; /proc, /sys (read-only), a minimal /dev with a private devpts,
# /dev/shm and /run exist; the hostname is set; only loopback networking;
# no host file descriptor leaks in. (The escape attempts are in
# confine.bats.)

load helpers

setup_file() {
	vx_test_setup
	vx_create_started 301 --hostname real301
}
teardown_file() { vx_test_teardown; }

@test "init is PID 1 and is the template's busybox init" {
	vx_expect_ok vzctl exec2 301 'cat /proc/1/comm; readlink /proc/1/exe'
	[ "${lines[0]}" = init ]
	[ "${lines[1]}" = /bin/busybox ]
}

@test "init runs in its own pid, mnt, uts, ipc, net and cgroup namespaces" {
	local pid ns
	pid=$(vx_init_pid 301)
	[ -n "$pid" ]
	for ns in pid mnt uts ipc net cgroup; do
		[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
			{ echo "shares the host's $ns namespace"; false; }
	done
}

@test "the VPS sees only its own processes" {
	vx_expect_ok vzctl exec2 301 'ps -o pid,comm'
	! vx_output_has bats || false
	! vx_output_has vxd || false
	local n
	n=$(vx_in_ct 301 'ls -d /proc/[0-9]* | wc -l')
	[ "$n" -lt 10 ]
}

@test "root is the VPS tree (pivot_root), host files are not visible" {
	vx_expect_ok vzctl exec2 301 'cat /etc/os-release; ls /'
	vx_output_has 'ID=busybox'
	run vx_in_ct 301 "test -e '$VX_SRC' || test -e '$VX_ROOT'"
	[ "$status" -ne 0 ]
	# pivot_root, not chroot: the old root is not reachable via /proc/1/root
	# and the mount table holds only the VPS's own mounts.
	run vx_in_ct 301 'cat /proc/self/mountinfo'
	! grep -q "$VX_ROOT" <<<"$output" || false
	! grep -qE ' /work| /boot' <<<"$output" || false
}

@test "/proc, /sys (read-only), /dev/pts, /dev/shm, /run are mounted" {
	vx_expect_ok vzctl exec2 301 'cat /proc/mounts'
	local m
	grep -qE '^proc /proc proc ' <<<"$output"
	m=$(awk '$2 == "/sys" { print $4 }' <<<"$output")
	[[ ",$m," == *,ro,* ]] || { echo "/sys options: $m"; false; }
	grep -qE '^devpts /dev/pts devpts .*newinstance|^devpts /dev/pts devpts ' <<<"$output"
	grep -qE ' /dev/shm tmpfs ' <<<"$output"
	grep -qE ' /run tmpfs ' <<<"$output"
	# /run/lock (/var/lock) comes with /run, world-writable and sticky
	vx_expect_ok vzctl exec2 301 'stat -c %a /run/lock /var/lock/'
	[ "$output" = $'1777\n1777' ] || { echo "modes: $output"; false; }
	run vx_in_ct 301 'touch /sys/kernel/vx-test'
	[ "$status" -ne 0 ]
}

@test "/dev has exactly the minimal nodes, with the right numbers" {
	vx_expect_ok vzctl exec2 301 'for d in null zero full random urandom tty console ptmx; do stat -c "%n %t:%T" /dev/$d || echo "MISSING $d"; done'
	! vx_output_has MISSING || false
	grep -qx '/dev/null 1:3' <<<"$output"
	grep -qx '/dev/zero 1:5' <<<"$output"
	grep -qx '/dev/full 1:7' <<<"$output"
	grep -qx '/dev/random 1:8' <<<"$output"
	grep -qx '/dev/urandom 1:9' <<<"$output"
	grep -qx '/dev/tty 5:0' <<<"$output"
	# No disks, no memory devices.
	run vx_in_ct 301 'ls /dev'
	! grep -qE '^(sd|vd|nvme|mem$|kmem$|port$)' <<<"$output" || false
	vx_expect_ok vzctl exec2 301 'echo hi >/dev/null && head -c 4 /dev/urandom | wc -c'
	[ "$(echo $output)" = 4 ]
}

@test "the devpts instance is private (host ptys are not visible)" {
	local hostpts
	hostpts=$(ls /dev/pts | grep -c '^[0-9]' || true)
	vx_expect_ok vzctl exec2 301 'ls /dev/pts'
	local ctpts
	ctpts=$(grep -c '^[0-9]' <<<"$output" || true)
	[ "$ctpts" -le 1 ]
}

@test "hostname is set from the config" {
	vx_expect_ok vzctl exec2 301 'hostname; cat /proc/sys/kernel/hostname'
	[ "${lines[0]}" = real301 ]
	[ "${lines[1]}" = real301 ]
	[ "$(hostname)" != real301 ]
}

@test "network: loopback only, and it is up" {
	vx_expect_ok vzctl exec2 301 'ls /sys/class/net'
	[ "$(echo $output)" = lo ]
	vx_expect_ok vzctl exec2 301 'cat /sys/class/net/lo/operstate; ping -c1 -W2 127.0.0.1 >/dev/null && echo PING-OK'
	vx_output_has PING-OK
}

@test "no host file descriptor leaks into init" {
	local pid fd target
	pid=$(vx_init_pid 301)
	[ -n "$pid" ]
	for fd in /proc/$pid/fd/*; do
		[ -e "$fd" ] || continue
		target=$(readlink "$fd")
		case $target in
		/dev/null|/dev/console|/dev/pts/*|/dev/tty*) ;;
		# Anything else open in init came from the host.
		*) echo "init has fd ${fd##*/} -> $target"; false ;;
		esac
	done
}

@test "IPC namespace: host SysV objects are invisible" {
	vx_require ipcmk
	local id
	id=$(ipcmk -Q | grep -Eo '[0-9]+$')
	run vx_in_ct 301 'cat /proc/sysvipc/msg | wc -l'
	ipcrm -q "$id"
	[ "$(echo $output)" -le 1 ]
}

@test "the VPS's processes live in its cgroup" {
	local pid cg
	pid=$(vx_init_pid 301)
	cg=$(grep -E ':(pids|memory):' /proc/$pid/cgroup | head -1)
	[[ "$cg" == *"/$VX_CGROUP_PREFIX/301"* ]] || { echo "$cg"; false; }
}

@test "stop: init that ignores STOP_SIGNAL is killed after the CT's STOP_TIMEOUT" {
	vx_create 302
	# SIGWINCH (28) is ignored by busybox init: a graceful stop cannot work.
	# The CT's own STOP_TIMEOUT (3 s) overrides vz.conf's (10 s).
	sed -i 's/^STOP_SIGNAL=.*/STOP_SIGNAL="28"/' "$VX_ROOT/etc/vz/conf/302.conf"
	echo 'STOP_TIMEOUT="3"' >>"$VX_ROOT/etc/vz/conf/302.conf"
	vx_expect_ok vzctl start 302 --wait
	vx_wait_running 302
	local t0=$SECONDS
	vx_expect_ok vzctl stop 302
	local took=$((SECONDS - t0))
	echo "stop took ${took}s"
	[ "$took" -ge 2 ] && [ "$took" -lt "$VX_TEST_STOP_TIMEOUT" ] || false
	vx_expect_ok vzctl status 302
	[ "$output" = "CTID 302 exist unmounted down" ]
	vx_ct_cleanup 302
}
