# Shared helpers for the bats CLI tests (tests/cli/*.bats).
#
# Model: every test file runs against its own private state tree, so tests
# never touch a real installation (/etc/vz, /vz, /run/vx) and files can run
# one after another without seeing each other's containers:
#
#   setup_file()    { vx_test_setup; }      # VX_ROOT=/tmp/vxt.XXXX, own vxd
#   teardown_file() { vx_test_teardown; }   # stops CTs, kills vxd, cleans up
#
# vx_test_setup exports VX_ROOT (the whole state tree relocates under it,
# see docs/architecture.md) and VX_CGROUP_PREFIX (cgroup names), writes
# ROOT/etc/vz/vz.conf from templates/vz.conf with every path under ROOT and
# a short STOP_TIMEOUT, installs the sample configs and the busybox template
# cache, and puts a private copy of build/bin (ROOT/bin) first in PATH.
# vzctl starts the tree's own vxd (the one next to it) on demand.
# vx_test_teardown is written to work after any half-failure:
# every step tolerates missing pieces, and it never kills a process that is
# not provably part of this tree.
#
# Conventions: each test uses its own CTIDs (so one failing test does not
# cascade) and removes its CTs with vx_ct_cleanup in teardown() or at the
# end; vx_expect_rc prints the command's output when the exit code is wrong.

VX_SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
VX_BIN=$VX_SRC/build/bin
VX_TEMPLATE_CACHE=$VX_SRC/build/template/cache/busybox.tar.zst

# Seconds a graceful stop may take before vx kills the CT. busybox init
# needs ~2 s (SIGTERM to all, sleep 1, SIGKILL, sleep 1).
VX_TEST_STOP_TIMEOUT=${VX_TEST_STOP_TIMEOUT:-10}

# vx_need_kernel REASON: skip a test whose kernel feature is missing, but
# fail it when the file runs in a guest on our own kernel (the guest runners
# export VX_OWN_KERNEL=1): there the feature must be present, and a skip
# would hide a kernel or config regression behind a green run.
vx_need_kernel() {
	if [ "${VX_OWN_KERNEL:-0}" = 1 ]; then
		echo "kernel feature missing on the vx guest kernel: $*" >&2
		return 1
	fi
	skip "$*"
}

vx_test_setup() {
	# Short path: unix socket paths are limited to 108 bytes.
	VX_ROOT=$(mktemp -d /tmp/vxt.XXXXXX) || return 1
	chmod 0755 "$VX_ROOT"
	export VX_ROOT
	# A private copy of the binaries: a rebuild in the shared tree while the
	# file runs must not swap vzctl/vxd under it (or catch one half-linked).
	# vzctl starts the vxd next to itself, so the pair stays consistent.
	# A copy taken mid-link would not run: check, and retry a few times.
	mkdir -p "$VX_ROOT/bin" || return 1
	local try
	for try in 1 2 3 4 5; do
		cp "$VX_SRC/build/bin/vxd" "$VX_SRC/build/bin/vzctl" "$VX_ROOT/bin/" &&
			"$VX_ROOT/bin/vzctl" --help >/dev/null 2>&1 &&
			"$VX_ROOT/bin/vxd" --help >/dev/null 2>&1 && break
		sleep 2
	done
	ln -sf vzctl "$VX_ROOT/bin/vzlist" || return 1
	VX_BIN=$VX_ROOT/bin
	export VX_BIN PATH="$VX_ROOT/bin:$PATH"
	export VX_CGROUP_PREFIX="vxtest-$$-${VX_ROOT##*.}"
	local r=$VX_ROOT
	mkdir -p "$r/etc/vz/conf" "$r/etc/vz/names" "$r/vz/private" \
		"$r/vz/root" "$r/vz/template/cache" "$r/vz/lock" "$r/vz/dump" \
		"$r/run/vx" "$r/var/log" || return 1

	# vz.conf: the shipped one with every path moved under ROOT.
	sed -e "s#=/vz/#=$r/vz/#" -e "s#=/var/log/#=$r/var/log/#" \
	    -e "s#^STOP_TIMEOUT=.*#STOP_TIMEOUT=$VX_TEST_STOP_TIMEOUT#" \
	    "$VX_SRC/templates/vz.conf" >"$r/etc/vz/vz.conf" || return 1
	cp "$VX_SRC"/templates/conf/*.conf-sample "$r/etc/vz/conf/" || return 1

	if [ ! -s "$VX_TEMPLATE_CACHE" ]; then
		# Built in well under a second (offline); `make check-cli` has
		# normally done it already.
		"$VX_SRC/templates/busybox/build.sh" "$r/vz/template/cache" \
			>/dev/null || return 1
	else
		cp "$VX_TEMPLATE_CACHE" "$r/vz/template/cache/" || return 1
	fi
}

# Runs CMD with a timeout so a hung command fails the test instead of
# hanging the suite.
vx_timeout() {
	timeout --kill-after=5 "${VX_CMD_TIMEOUT:-60}" "$@"
}

# PIDs of processes that belong to this test tree: processes whose root,
# cwd or binary lies under VX_ROOT (CT processes after pivot_root, the
# tree's private vxd/vzctl copies in VX_ROOT/bin), processes in
# our cgroups, and vxd/monitor processes (exe in build/bin) whose
# environment names our VX_ROOT. Never the caller or its ancestors. A pid
# may be printed more than once. One find reads every link: a readlink per
# process costs ~50 ms in the UML guest (tests/guest-cli), 15 s a teardown.
_vx_tree_pids() {
	local r=$VX_ROOT self=" " a=$BASHPID k v
	[ -n "$r" ] || return 0
	# Ourselves and our ancestors (bats) are never candidates.
	while [ -n "$a" ] && [ "$a" -gt 1 ]; do
		self+="$a "
		k= v=
		{ while read -r k v _; do [ "$k" = PPid: ] && break; done <"/proc/$a/status"; } 2>/dev/null
		[ "$k" = PPid: ] && a=$v || a=
	done
	find /proc/[0-9]*/root /proc/[0-9]*/cwd /proc/[0-9]*/exe -maxdepth 0 \
		-printf '%p %l\n' 2>/dev/null |
	while read -r k v; do
		local p=${k#/proc/}
		p=${p%%/*}
		case $self in *" $p "*) continue ;; esac
		case ${k##*/}:$v in
		root:"$r"/*|cwd:"$r"|cwd:"$r"/*|exe:"$r"/*) echo "$p" ;;
		exe:"$VX_BIN"/*)
			tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null |
				grep -qxF "VX_ROOT=$r" && echo "$p" ;;
		esac
	done
	local f p
	for f in $(_vx_cgroup_dirs); do
		find "$f" -name cgroup.procs -exec cat {} + 2>/dev/null |
			while read -r p; do
				case $self in *" $p "*) ;; *) echo "$p" ;; esac
			done
	done
}

# Our cgroup directories, in every mounted hierarchy (v1 and v2).
_vx_cgroup_dirs() {
	[ -n "$VX_CGROUP_PREFIX" ] || return 0
	find /sys/fs/cgroup -maxdepth 3 -type d -name "$VX_CGROUP_PREFIX*" \
		2>/dev/null
}

vx_vxd_pid() {
	local pid
	pid=$(cat "$VX_ROOT/run/vx/vxd.pid" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# vx_kill_vxd: kill -9 the tree's vxd and wait until it is gone: until then
# it still holds the socket, and a vzctl connecting in between loses its
# request ("no answer from vxd: connection closed").
vx_kill_vxd() {
	local pid
	pid=$(vx_vxd_pid) || return 0
	kill -9 "$pid"
	vx_wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
}

vx_test_teardown() {
	local r=$VX_ROOT c ct pid i
	[ -n "$r" ] && [ -d "$r" ] || return 0
	case $r in /tmp/vxt.*) ;; *) echo "teardown: refusing $r" >&2; return 1 ;; esac

	# 1. Ask vx to stop every CT (quick, and exercises the real path).
	for c in "$r"/etc/vz/conf/*.conf; do
		[ -e "$c" ] || continue
		ct=${c##*/}; ct=${ct%.conf}
		case $ct in *[!0-9]*) continue ;; esac
		[ -e "$r/run/vx/ct/$ct.state" ] || continue
		VX_CMD_TIMEOUT=20 vx_timeout vzctl stop "$ct" --fast \
			>/dev/null 2>&1 || true
	done
	# 2. Kill the tree's vxd, then anything else that belongs to the tree.
	pid=$(vx_vxd_pid) && kill -9 "$pid" 2>/dev/null
	for i in 1 2 3 4 5; do
		pid=$(_vx_tree_pids | sort -u)
		[ -z "$pid" ] && break
		kill -9 $pid 2>/dev/null
		sleep 0.2
	done
	# 3. Unmount everything under the tree, deepest first.
	for i in 1 2 3; do
		local mnts
		mnts=$(awk -v r="$r" 'index($5, r "/") == 1 { print $5 }' \
			/proc/self/mountinfo | sort -r)
		[ -z "$mnts" ] && break
		for c in $mnts; do umount -l "$c" 2>/dev/null; done
	done
	# 4. Remove our cgroups, leaves first.
	for c in $(_vx_cgroup_dirs); do
		find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	# 5. Remove the tree, never crossing into a mount we failed to remove.
	rm -rf --one-file-system "$r" 2>/dev/null
	[ ! -e "$r" ] || { chattr -R -i "$r" 2>/dev/null; rm -rf --one-file-system "$r"; }
	return 0
}

# vx_expect_rc RC CMD...: runs CMD (with a timeout) via bats' `run` and
# fails, showing the output, unless it exits RC.
vx_expect_rc() {
	local want=$1; shift
	run vx_timeout "$@"
	if [ "$status" -ne "$want" ]; then
		echo "expected exit $want, got $status from: $*" >&2
		echo "--- output:" >&2
		echo "$output" >&2
		return 1
	fi
}

# vx_expect_ok CMD...: same, expecting success.
vx_expect_ok() { vx_expect_rc 0 "$@"; }

# vx_output_has STRING: the last `run` output contains STRING
# (case-insensitive); prints the output otherwise.
vx_output_has() {
	if ! grep -qiF -- "$1" <<<"$output"; then
		echo "output does not contain '$1':" >&2
		echo "$output" >&2
		return 1
	fi
}

# vx_create CTID [create options...]: creates a CT from the busybox template.
vx_create() {
	local ct=$1; shift
	vx_expect_ok vzctl create "$ct" --ostemplate busybox "$@"
}

# vx_create_started CTID [create options...]: creates and starts a CT and
# waits until it is running.
vx_create_started() {
	local ct=$1
	vx_create "$@" || return 1
	vx_expect_ok vzctl start "$ct" --wait || return 1
	vx_wait_running "$ct"
}

# vx_wait_running CTID [seconds]: until `vzctl status` says running.
vx_wait_running() {
	vx_wait_for "${2:-20}" vx_is_running "$1"
}
vx_wait_stopped() {
	vx_wait_for "${2:-30}" vx_is_down "$1"
}
vx_is_running() {
	vx_timeout vzctl status "$1" 2>/dev/null | grep -qw running
}
vx_is_down() {
	vx_timeout vzctl status "$1" 2>/dev/null | grep -qw down
}

# vx_wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
vx_wait_for() {
	local secs=$1 i; shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out after ${secs}s waiting for: $*" >&2
	return 1
}

# vx_ct_cleanup CTID...: removes CTs whatever state they are in.
vx_ct_cleanup() {
	local ct
	for ct in "$@"; do
		# Each step may fail (nothing to stop, not mounted): that is fine;
		# bats runs tests under set -e, hence the `|| true`.
		VX_CMD_TIMEOUT=30 vx_timeout vzctl stop "$ct" --fast >/dev/null 2>&1 || true
		VX_CMD_TIMEOUT=30 vx_timeout vzctl umount "$ct" >/dev/null 2>&1 || true
		VX_CMD_TIMEOUT=30 vx_timeout vzctl destroy "$ct" >/dev/null 2>&1 || true
	done
	return 0
}

# vx_init_pid CTID: host PID of the CT's init (from vzlist, falling back to
# the state file).
vx_init_pid() {
	local pid
	pid=$(awk -F= 'tolower($1) ~ /init_pid/ { print $2 }' \
		"$VX_ROOT/run/vx/ct/$1.state" 2>/dev/null | tr -d '"')
	[ -n "$pid" ] && echo "$pid"
}

# vx_in_ct CTID SHELLCMD: runs SHELLCMD in the CT, prints its output.
vx_in_ct() {
	vx_timeout vzctl exec2 "$1" "$2"
}

# vx_require CMD: skip (with the reason) when a host tool is missing.
# vx_image_usage_grows CT USED_KIB: an image CT (64M limit) started, 8 MiB
# written inside; vzlist's diskspace shows it while running (statfs) and
# after the stop (from the superblock), and diskspace.h is the limit.
vx_image_usage_grows() {
	vx_expect_ok vzctl start "$1" --wait
	vx_in_ct "$1" 'dd if=/dev/zero of=/root/f bs=1M count=8 2>/dev/null; sync'
	vx_expect_ok vzlist -H -o diskspace "$1"
	[ "$output" -ge $(($2 + 8192)) ]
	vx_expect_ok vzctl stop "$1"
	vx_expect_ok vzlist -H -o diskspace "$1"
	[ "$output" -ge $(($2 + 8192)) ]
	vx_expect_ok vzlist -j -o ctid,diskspace,diskspace.h "$1"
	grep -q '"diskspace.h": *65536' <<<"$output"
}

vx_require() {
	command -v "$1" >/dev/null || skip "$1 not installed on the host"
}

# ---- crash points (crash.bats, btrfs.bats; docs/storage.md) ----

# crash_run POINT CMD...: runs CMD under a vxd that dies (or whose monitor
# dies) at POINT, and checks that POINT was reached. CMD's own status is
# not asserted: a create or destroy fails with vxd, a stop whose monitor
# died is finished by vxd.
crash_run() {
	local point=$1 pid mark=$VX_ROOT/crash-mark; shift
	rm -f "$mark"
	vx_kill_vxd
	VX_TEST_CRASHPOINT=$point VX_TEST_CRASHPOINT_MARK=$mark run vx_timeout "$@"
	[ -e "$mark" ] || { echo "$point was not reached by: $* ($output)" >&2; return 1; }
	# the vxd carrying the variable must not serve the next command
	# (and must be gone before it connects)
	if pid=$(vx_vxd_pid); then
		kill -9 "$pid"
		vx_wait_for 10 bash -c "! kill -0 $pid 2>/dev/null"
	fi
	return 0
}

# no_trace CTID: nothing of the CT on disk (private, temp and destroyed
# dirs, config, journal, mount point).
no_trace() {
	local ct=$1 left
	left=$(ls -d "$VX_ROOT/vz/private/$ct"* "$VX_ROOT/etc/vz/conf/$ct.conf" \
		"$VX_ROOT/vz/lock/$ct.creating" "$VX_ROOT/vz/root/$ct" 2>/dev/null || true)
	[ -z "$left" ] || { echo "left behind: $left" >&2; return 1; }
}

# complete_or_absent CTID: after a crash the CT either works or left no
# trace (the next vxd rolls back the create journals of creates killed with
# the previous one, before it serves anything).
complete_or_absent() {
	local ct=$1
	vx_expect_ok vzctl status "$ct"
	if [[ $output == *" deleted "* ]]; then
		no_trace "$ct"
	else
		[[ $output == *" exist "* ]]
		[ -f "$VX_ROOT/etc/vz/conf/$ct.conf" ]
		vx_expect_ok vzctl start "$ct" --wait
		vx_expect_ok vzctl exec2 "$ct" true
		vx_expect_ok vzctl stop "$ct" --fast
	fi
}
