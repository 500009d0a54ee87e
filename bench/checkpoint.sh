#!/bin/bash
# Checkpoint benchmark: `vzctl suspend` / `vzctl resume` next to raw
# `criu dump` / `criu restore` of the same VPS, in the same run.
#
#   bench/checkpoint.sh [N]                     here (CRIU must work here)
#   bench/checkpoint.sh --guest [--kernel BZIMAGE] [N]
#                 boots the x86_64 qemu guest (TCG) on the patched kernel
#                 ($KERNEL_X86 or the `make kernel-x86-qemu` one) and runs there
#
# Workload (as in tests/guest-x86/checkpoint.bats): a busybox VPS with a
# shell counter loop, 100 MB of touched memory (ckpt-probe mem), a TCP echo
# server and a connected client on loopback. Each of N rounds (default 3)
# starts it afresh, then times
#   vx:  vzctl suspend --tcp-established, vzctl resume  (what a user sees:
#        client round trip, vxd, CRIU, the monitor's teardown / setup)
#   raw: criu dump with the options vx passes, then criu restore of the
#        same tree onto the mounted root, with a fresh pty and network
#        namespace handed in as vx does (untimed: mount, cleanup)
# and prints median / mean ms of each, and vx / raw.
# This is a measurement, not a test: there are no timing assertions.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD

if [ "${1:-}" = --guest ]; then
	shift
	kernel=${KERNEL_X86:-${VX_CACHE:-/var/cache/vx}/kernels/x86_64-bench/bzImage}
	if [ "${1:-}" = --kernel ]; then kernel=$2; shift 2; fi
	make --no-print-directory all template >/dev/null || exit 1
	mkdir -p build/guest-x86
	gcc -static -O2 -o build/guest-x86/ckpt-probe tests/guest-x86/ckpt-probe.c || exit 1
	exec tests/guest/run --arch x86_64 --kernel "$kernel" --mem 1536M \
		--timeout 1800 ${VX_BENCH_ENV:+--env "$VX_BENCH_ENV"} -- bench/checkpoint.sh "$@"
fi

. bench/lib.sh
N=${1:-3}
CT=777
export VX_CGROUP_PREFIX=vxckbench-$$
trap 'vx_cleanup' EXIT
vx_tree_setup /tmp/vxc.XXXXXX || exit 1
probe=build/guest-x86/ckpt-probe
[ -x "$probe" ] || { mkdir -p build/guest-x86 &&
	gcc -static -O2 -o "$probe" tests/guest-x86/ckpt-probe.c; } || exit 1
vzctl create $CT --ostemplate busybox >/dev/null || exit 1

now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
in_ct() { vzctl exec2 $CT "$1 </dev/null >/dev/null 2>&1 &" >/dev/null; }
init_pid() { awk -F= '$1 == "INIT_PID" { gsub(/"/, "", $2); print $2 }' "$VXR/run/vx/ct/$CT.state"; }

workload() {
	vzctl start $CT --wait >/dev/null || return 1
	cp "$probe" "/proc/$(init_pid)/root/bin/ckpt-probe"
	in_ct 'i=0; while :; do i=$((i+1)); echo $i >/run/cnt; sleep 0.2; done'
	in_ct '/bin/ckpt-probe mem 100 /run'
	in_ct '/bin/ckpt-probe server 7001'
	until vzctl exec2 $CT '/bin/ckpt-probe once 7001' >/dev/null 2>&1; do sleep 0.2; done
	in_ct '/bin/ckpt-probe client 7001 /run/client'
	until vzctl exec2 $CT 'cat /run/mem.sum' >/dev/null 2>&1; do sleep 0.5; done
}

# raw dump: the options vx_ct_suspend passes (userspace/lib/checkpoint.c)
raw_dump() {
	local init=$1 dir=$2 tty net cg
	tty=$(python3 -c 'import os,sys; s=os.stat(sys.argv[1]); print("tty[%x:%x]" % (s.st_rdev, s.st_dev))' "/proc/$init/root/dev/console")
	net="net[$(stat -L -c %i "/proc/$init/ns/net")]:vxnet"
	cg=/sys/fs/cgroup/$VX_CGROUP_PREFIX/$CT
	criu dump --tree "$init" --images-dir "$dir" --log-file "$dir/dump.log" -v4 \
		--manage-cgroups --freeze-cgroup "$cg" --file-locks --link-remap \
		--ext-mount-map /dev/console:console --external "$tty" --external "$net" \
		--network-lock nftables --tcp-established
}

# raw restore: a fresh pty and netns as fds 3 and 4, as the monitor does
raw_restore() {
	local dir=$1 root=$2 tty=$3
	python3 - "$dir" "$root" "$tty" <<-'EOF'
	import os, subprocess, sys
	d, root, tty = sys.argv[1:4]
	m, s = os.openpty()
	holder = subprocess.Popen(["unshare", "-n", "sh", "-c", "ip link set lo up; exec sleep 600"])
	import time
	while os.readlink("/proc/%d/ns/net" % holder.pid) == os.readlink("/proc/self/ns/net"):
	    time.sleep(0.01)
	time.sleep(0.1)
	net = os.open("/proc/%d/ns/net" % holder.pid, os.O_RDONLY)
	def fds():
	    os.dup2(s, 3); os.dup2(net, 4)
	rc = subprocess.call(["criu", "restore", "--images-dir", d, "--log-file", d + "/restore.log", "-v4",
	    "--root", root, "--restore-detached", "--restore-sibling", "--pidfile", d + "/restore.pid",
	    "--manage-cgroups=soft", "--file-locks", "--ext-mount-map", "console:" + os.ttyname(s),
	    "--inherit-fd", "fd[3]:" + tty, "--inherit-fd", "fd[4]:vxnet", "--network-lock", "nftables",
	    "--tcp-established"], preexec_fn=fds, pass_fds=(3, 4))
	holder.kill()
	sys.exit(rc)
	EOF
}

raw_cleanup() {
	local dir=$1 pid cg=/sys/fs/cgroup/$VX_CGROUP_PREFIX/$CT
	pid=$(cat "$dir/restore.pid" 2>/dev/null) && kill -9 "$pid" 2>/dev/null
	[ -e "$cg/cgroup.kill" ] && echo 1 >"$cg/cgroup.kill"
	sleep 0.5
	rmdir "$cg" 2>/dev/null
	vzctl umount $CT >/dev/null 2>&1
	rm -rf "$dir"
}

vs="" vr="" rs="" rr=""
for ((i = 1; i <= N; i++)); do
	echo "== round $i/$N"
	workload || { echo "workload did not start" >&2; exit 1; }
	t0=$(now); vzctl suspend $CT --tcp-established >/dev/null || exit 1
	t1=$(now); vzctl resume $CT >/dev/null || exit 1
	t2=$(now)
	vs+=" $(ms "$t0" "$t1")" vr+=" $(ms "$t1" "$t2")"
	echo "   vx:  suspend $(ms "$t0" "$t1") ms, resume $(ms "$t1" "$t2") ms"

	init=$(init_pid) dir=$VXR/raw.$i
	tty=$(python3 -c 'import os,sys; s=os.stat(sys.argv[1]); print("tty[%x:%x]" % (s.st_rdev, s.st_dev))' "/proc/$init/root/dev/console")
	mkdir -p "$dir"
	t0=$(now); raw_dump "$init" "$dir" || { echo "raw dump failed: $dir/dump.log" >&2; exit 1; }
	t1=$(now)
	# the monitor tears the VPS down after the dump; wait, then mount
	for _ in $(seq 100); do [ -e "$VXR/run/vx/ct/$CT.state" ] || break; sleep 0.1; done
	vzctl mount $CT >/dev/null || exit 1
	t2=$(now); raw_restore "$dir" "$VXR/vz/root/$CT" "$tty" ||
		{ echo "raw restore failed: $dir/restore.log" >&2; exit 1; }
	t3=$(now)
	rs+=" $(ms "$t0" "$t1")" rr+=" $(ms "$t2" "$t3")"
	echo "   raw: dump $(ms "$t0" "$t1") ms, restore $(ms "$t2" "$t3") ms"
	raw_cleanup "$dir"
done

read -r vsm vsa <<<"$(stats "$vs")"
read -r vrm vra <<<"$(stats "$vr")"
read -r rsm rsa <<<"$(stats "$rs")"
read -r rrm rra <<<"$(stats "$rr")"
echo
echo "checkpoint of a busybox VPS with 100 MB touched + TCP, N=$N, $(uname -r), $(criu --version | head -1)"
printf '%-10s %12s %12s %12s %12s %8s\n' step "vx median" "vx mean" "raw median" "raw mean" "vx/raw"
printf '%-10s %12s %12s %12s %12s %8s\n' suspend "$vsm" "$vsa" "$rsm" "$rsa" \
	"$(awk -v a="$vsm" -v b="$rsm" 'BEGIN { printf "%.2f", a / b }')"
printf '%-10s %12s %12s %12s %12s %8s\n' resume "$vrm" "$vra" "$rrm" "$rra" \
	"$(awk -v a="$vrm" -v b="$rrm" 'BEGIN { printf "%.2f", a / b }')"
