#!/usr/bin/env bats
# Baseline confinement: every test tries an escape from INSIDE a running
# VPS and asserts that it fails (and, where it matters, that the host did
# not change). Most escapes are raw syscalls busybox has no applet for, so
# setup_file builds tests/cli/confine-probe.c statically on the host and
# copies it into the VPSes; each probe verb exits 0 only when the kernel
# refused the call with the errno confinement produces (EPERM, EROFS).
# The other tests use the VPS's own busybox tools, as a user would.

bats_require_minimum_version 1.5.0
load helpers

CT=301		# the VPS trying to escape
CT2=302		# its neighbour
CT3=303		# CAPABILITY= tests (created/destroyed per test)

setup_file() {
	vx_test_setup
	vx_create_started $CT --hostname confine$CT || return 1
	vx_create_started $CT2 --hostname confine$CT2 || return 1
	PROBE=$VX_ROOT/confine-probe
	if command -v gcc >/dev/null &&
	   gcc -static -O2 -o "$PROBE" "$BATS_TEST_DIRNAME/confine-probe.c"; then
		cp "$PROBE" "/proc/$(vx_init_pid $CT)/root/bin/confine-probe"
	fi
}
teardown_file() { vx_test_teardown; }
# CT3 is per test; `|| true`: cleanup must not fail a test under errexit
teardown() { vx_ct_cleanup $CT3 || true; }

# probe VERB [ARG]: runs the probe in $CT, expecting "blocked".
probe() {
	[ -x "$VX_ROOT/confine-probe" ] ||
		skip "cannot build a static confine-probe (gcc, libc6-dev)"
	vx_expect_ok vzctl exec2 $CT /bin/confine-probe "$@" || return 1
	vx_output_has "blocked"
}

@test "confine: the probe runs inside the VPS (sanity)" {
	[ -x "$VX_ROOT/confine-probe" ] || skip "no static confine-probe"
	vx_expect_ok vzctl exec2 $CT /bin/confine-probe getpid
}

# --- kernel code, kernel replacement, swap, accounting ---

@test "confine: loading a kernel module fails (init_module, finit_module)" {
	probe init_module
	probe finit_module
	# and with the VPS's own tool
	vx_expect_rc 1 vzctl exec2 $CT 'insmod /lib/nothing.ko 2>/dev/null; [ $? -eq 0 ] && exit 0; exit 1'
}

@test "confine: unloading a kernel module fails (delete_module)" {
	probe delete_module
}

@test "confine: kexec fails (kexec_load, kexec_file_load)" {
	probe kexec_load
	probe kexec_file_load
}

@test "confine: swapon/swapoff fail" {
	probe swapon
	probe swapoff
}

@test "confine: process accounting (acct) fails" {
	probe acct
}

# --- devices ---

@test "confine: a host disk cannot be opened even after mknod" {
	local dev
	dev=$(mountpoint -d / 2>/dev/null) || skip "host / has no block device"
	probe open_blockdev "$dev"
}

@test "confine: a host disk cannot be mounted" {
	local dev
	dev=$(mountpoint -d / 2>/dev/null) || skip "host / has no block device"
	probe mount_blockdev "$dev"
}

@test "confine: /dev/mem cannot be opened, raw I/O ports are refused" {
	probe open_devmem
	probe iopl
	probe ioperm
}

@test "confine: /dev holds only the allowlisted nodes, which work" {
	vx_expect_ok vzctl exec2 $CT 'ls /dev | sort | tr "\n" " "'
	for n in null zero full random urandom tty console ptmx pts shm; do
		[[ " $output " == *" $n "* ]] || { echo "missing /dev/$n: $output"; return 1; }
	done
	for n in mem kmem port sda vda; do
		[[ " $output " != *" $n "* ]] || { echo "unexpected /dev/$n"; return 1; }
	done
	vx_expect_ok vzctl exec2 $CT 'head -c 4 /dev/urandom | wc -c; echo x > /dev/null'
	[[ "$output" == *4* ]]
}

# --- /proc and /sys ---

@test "confine: /proc/sys/kernel/* is read-only" {
	probe write_proc_sys /proc/sys/kernel/hostname
	probe write_proc_sys /proc/sys/kernel/core_pattern
	vx_expect_rc 1 vzctl exec2 $CT 'echo 1 > /proc/sys/kernel/sysrq 2>/dev/null && exit 0; exit 1'
	# the host's value is untouched
	[ "$(cat /proc/sys/kernel/hostname)" = "$(hostname)" ]
}

@test "confine: /proc/sysrq-trigger cannot be written" {
	vx_expect_rc 1 vzctl exec2 $CT 'echo h > /proc/sysrq-trigger 2>/dev/null && exit 0; exit 1'
}

@test "confine: /proc/kcore, /proc/kmsg, /proc/kallsyms & co are masked" {
	vx_expect_ok vzctl exec2 $CT 'for f in kcore kmsg kallsyms timer_list keys sched_debug; do
		[ -e /proc/$f ] || continue
		[ -s /proc/$f ] && { echo "/proc/$f readable"; exit 1; }
		head -c 16 /proc/$f | wc -c; done; exit 0'
	! vx_output_has "readable" || false
}

@test "confine: a fresh procfs cannot be mounted, /proc/sys cannot be remounted" {
	probe mount_proc
	probe remount_proc_sys
	vx_expect_rc 1 vzctl exec2 $CT 'mount -t proc proc /mnt 2>/dev/null && exit 0; exit 1'
}

@test "confine: /sys is read-only" {
	vx_expect_rc 1 vzctl exec2 $CT 'echo 1 > /sys/kernel/uevent_helper 2>/dev/null && exit 0; touch /sys/x 2>/dev/null && exit 0; exit 1'
	vx_expect_ok vzctl exec2 $CT 'grep " /sys " /proc/mounts'
	[[ "$output" == *" ro,"* ]]
}

@test "confine: the masks cannot be unmounted" {
	vx_expect_rc 1 vzctl exec2 $CT 'umount /proc/sys 2>/dev/null && exit 0; umount -l /proc/kmsg 2>/dev/null && exit 0; exit 1'
}

@test "confine: chroot escape finds no host tree above the VPS root" {
	echo marker >"$VX_ROOT/host-only-marker"
	probe chroot_escape "$VX_ROOT/host-only-marker"
}

# --- time, keys, logs, handles, bpf ---

@test "confine: the clock cannot be set (settimeofday, clock_settime, date -s)" {
	local before after
	probe settimeofday
	probe clock_settime
	before=$(date +%Y)
	# busybox date reports the failure but exits 0: check its words
	run vx_timeout vzctl exec2 $CT 'date -s "2001-01-01 00:00"'
	vx_output_has "not permitted"
	after=$(date +%Y)
	[ "$before" = "$after" ] && [ "$after" != 2001 ] || false
}

@test "confine: keyrings are out of reach (keyctl, add_key, request_key)" {
	probe keyctl
	probe add_key
	probe request_key
}

@test "confine: open_by_handle_at (shocker escape) fails" {
	probe open_by_handle_at
}

@test "confine: the host's kernel log cannot be read (syslog)" {
	probe syslog
	vx_expect_rc 1 vzctl exec2 $CT 'dmesg >/dev/null 2>&1 && exit 0; exit 1'
}

@test "confine: bpf, perf_event_open and userfaultfd are refused" {
	probe bpf
	probe perf_event_open
	probe userfaultfd
}

# --- capabilities ---

@test "confine: btrfs subvolume and snapshot creation are refused (they would escape a btrfs CT's disk limit)" {
	# Here on a non-btrfs private area the unfiltered ioctl would be
	# ENOTTY ("unexpected"); btrfs.bats runs the same probe on btrfs.
	probe btrfs_subvol
	probe btrfs_subvol_hibit
	probe btrfs_snapshot
}

@test "confine: the bounding set lacks sys_module, sys_rawio, sys_time, sys_admin, mac_*" {
	local bnd
	vx_expect_ok vzctl exec2 $CT 'grep CapBnd /proc/1/status'
	bnd=$((16#${output##*:[[:space:]]}))
	# 16 sys_module, 17 sys_rawio, 21 sys_admin, 25 sys_time,
	# 32 mac_override, 33 mac_admin
	for bit in 16 17 21 25 32 33; do
		(( (bnd >> bit) & 1 )) && { echo "cap $bit in bounding set"; return 1; }
	done
	# and what a VPS needs is there: chown(0) kill(5) net_admin(12) sys_boot(22)
	for bit in 0 5 12 22; do
		(( (bnd >> bit) & 1 )) || { echo "cap $bit missing"; return 1; }
	done
}

@test "confine: a command run by exec has the same bounding set as init" {
	vx_expect_ok vzctl exec2 $CT 'a=$(grep CapBnd /proc/1/status); b=$(grep CapBnd /proc/self/status); [ "$a" = "$b" ]'
}

@test "confine: CAPABILITY=\"net_admin:off\" removes net_admin from the VPS" {
	vx_create $CT3
	echo 'CAPABILITY="net_admin:off"' >>"$VX_ROOT/etc/vz/conf/$CT3.conf"
	vx_expect_ok vzctl start $CT3 --wait
	vx_expect_ok vzctl exec2 $CT3 'grep CapBnd /proc/1/status'
	local bnd=$((16#${output##*:[[:space:]]}))
	(( ((bnd >> 12) & 1) == 0 ))
	vx_expect_rc 1 vzctl exec2 $CT3 'ip link set lo down 2>/dev/null && exit 0; exit 1'
}

@test "confine: CAPABILITY=\"sys_time:on\" is refused at start, naming the capability" {
	vx_create $CT3
	echo 'CAPABILITY="sys_time:on"' >>"$VX_ROOT/etc/vz/conf/$CT3.conf"
	run vx_timeout vzctl start $CT3
	[ "$status" -eq 13 ] || { echo "status $status: $output"; return 1; }
	vx_output_has "sys_time"
	vx_is_down $CT3
}

# --- namespaces and visibility ---

@test "confine: pid, mnt, uts, ipc, net and cgroup namespaces differ from the host's" {
	local ns in host
	for ns in pid mnt uts ipc net cgroup; do
		run vx_timeout vzctl exec2 $CT "readlink /proc/1/ns/$ns"
		in=$output
		host=$(readlink /proc/$$/ns/$ns)
		[ -n "$in" ] && [ "$in" != "$host" ] ||
			{ echo "$ns: inside '$in' host '$host'"; return 1; }
	done
}

@test "confine: the VPS's init is PID 1 inside (and not the host's init)" {
	vx_expect_ok vzctl exec2 $CT 'cat /proc/1/comm; echo $PPID'
	[[ "${lines[0]}" == init ]]
	local host=$(vx_init_pid $CT)
	[ -n "$host" ] && [ "$host" -ne 1 ] || false
	grep -q "^NSpid:[[:space:]]*$host[[:space:]]*1$" /proc/$host/status
}

@test "confine: only lo exists in the VPS, and it is up" {
	vx_expect_ok vzctl exec2 $CT 'ls /sys/class/net'
	[ "$output" = lo ]
	vx_expect_ok vzctl exec2 $CT 'ip -o link'
	[ "${#lines[@]}" -eq 1 ] && [[ "$output" == *"lo:"*"UP"* ]] || false
}

@test "confine: host processes are invisible and cannot be signalled" {
	sleep 300 &
	local pid=$!
	vx_expect_rc 1 vzctl exec2 $CT "ls /proc/$pid >/dev/null 2>&1 && exit 0; exit 1"
	vx_expect_rc 1 vzctl exec2 $CT "kill -9 $pid 2>/dev/null && exit 0; exit 1"
	vx_expect_ok vzctl exec2 $CT 'ps -o comm'
	! grep -qw sleep <<<"$output" || false
	# the host process survived
	kill -0 $pid
	kill $pid
}

@test "confine: another VPS's processes are invisible and cannot be signalled" {
	local pid2
	vx_expect_ok vzctl exec $CT2 'sleep 777 >/dev/null 2>&1 </dev/null &'
	pid2=$(vx_init_pid $CT2)
	vx_expect_ok vzctl exec2 $CT 'ps -o args'
	! grep -q "sleep 777" <<<"$output" || false
	vx_expect_rc 1 vzctl exec2 $CT "kill -9 $pid2 2>/dev/null && exit 0; exit 1"
	# CT2 still runs, its sleep too
	vx_is_running $CT2
	vx_expect_ok vzctl exec2 $CT2 'ps -o args'
	vx_output_has "sleep 777"
}

@test "confine: no host file descriptor leaks into init or into exec" {
	vx_expect_ok vzctl exec2 $CT 'ls /proc/1/fd | sort | tr "\n" " "'
	[ "$output" = "0 1 2 " ]
	# init's stdio is the VPS's own console pty
	vx_expect_ok vzctl exec2 $CT 'readlink /proc/1/fd/0'
	[[ "$output" == /dev/pts/* || "$output" == /dev/console ]]
	# exec: only the caller's stdio (0-2); cat's own fds are opened by it
	vx_expect_ok vzctl exec2 $CT 'cd /proc/self/fd && echo *'
	[ "$output" = "0 1 2" ] || [ "$output" = "0 1 2 3" ]
}

@test "confine: the VPS cannot change the host's hostname" {
	local host
	host=$(hostname)
	# Without CAP_SYS_ADMIN this fails (EPERM); were it allowed, it would
	# only rename the VPS's own UTS namespace. Either way not the host.
	run vx_timeout vzctl exec2 $CT 'hostname confine-changed'
	[ "$(hostname)" = "$host" ]
	run vx_timeout vzctl exec2 $CT 'echo confine-changed > /proc/sys/kernel/hostname'
	[ "$status" -ne 0 ]
	[ "$(hostname)" = "$host" ]
}

@test "confine: reboot inside the VPS restarts the VPS, not the host" {
	local boot_id old new
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	old=$(vx_init_pid $CT2)
	vx_expect_ok vzctl exec $CT2 reboot
	vx_wait_for 20 eval '[ -n "$(vx_init_pid $CT2)" ] && [ "$(vx_init_pid $CT2)" != "'"$old"'" ]'
	vx_wait_running $CT2
	new=$(vx_init_pid $CT2)
	[ "$new" != "$old" ]
	[ "$(cat /proc/sys/kernel/random/boot_id)" = "$boot_id" ]
}
