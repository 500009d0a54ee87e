#!/bin/bash
# Lifecycle benchmark: vx next to LXC on the same machine, in the same run.
#
#   bench/lifecycle.sh [N]            (default N=20; the issue's figure is N=100)
#   bench/lifecycle.sh N --vx-only    skip LXC
#   bench/lifecycle.sh N --lxc-only   skip vx
#
# Creates N containers, then starts all N, runs `true` in each, stops all N
# and destroys all N, timing every single operation, and prints the median
# and mean milliseconds per container for each step, vx and LXC side by side.
# Steps run phase by phase (all creates, then all starts, ...), so the exec
# and stop figures are measured with N containers running at once.
#
# vx: a private state tree (VX_ROOT=/tmp/vxb.*, its own vxd, cgroups under
# VX_CGROUP_PREFIX=vxbench-PID), the busybox template, `vzctl stop --fast`
# (like `lxc-stop -k`; set VX_BENCH_STOP=graceful for the init shutdown path,
# which busybox init makes take ~2 s). vzctl talks to vxd, so each figure
# includes the client round trip, as a user sees it.
# LXC: a private lxcpath, `lxc-create -t busybox`, no network (lxc.net.0.type
# = empty), `lxc-start -d`, `lxc-attach -- true`, `lxc-stop -k`,
# `lxc-destroy`. LXC is installed from Debian if missing (comparison only).
#
# This is a measurement, not a test: there are no timing assertions.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
. bench/lib.sh

N=${1:-20}
mode=${2:-both}
case $N in ''|*[!0-9]*) echo "usage: $0 [N] [--vx-only|--lxc-only]" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] || { echo "N must be >= 1" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }
run_vx=1 run_lxc=1
case $mode in
--vx-only) run_lxc=0 ;;
--lxc-only) run_vx=0 ;;
both) ;;
*) echo "usage: $0 [N] [--vx-only|--lxc-only]" >&2; exit 2 ;;
esac

STEPS=(create start exec stop destroy)
declare -A RES	# RES[sys,step] = "ms ms ms ..."
declare -A FAILS	# FAILS[sys,step] = count
declare -A WALL	# WALL[sys,step] = ms for the whole phase

now_us() { echo "${EPOCHREALTIME/./}"; }

# timed SYS STEP CMD...: runs CMD, records its duration in ms.
timed() {
	local sys=$1 step=$2 t0 t1 rc
	shift 2
	t0=$(now_us)
	"$@" >/dev/null 2>>"$log"
	rc=$?
	t1=$(now_us)
	RES[$sys,$step]+="$(( (t1 - t0) / 1000 )).$(printf '%03d' $(( (t1 - t0) % 1000 ))) "
	if [ $rc -ne 0 ]; then
		FAILS[$sys,$step]=$(( ${FAILS[$sys,$step]:-0} + 1 ))
		echo "[$sys $step] failed (exit $rc): $*" >>"$log"
	fi
	return $rc
}

# phase SYS STEP FUNC: runs FUNC i for i = 1..N, timing the whole phase too.
phase() {
	local sys=$1 step=$2 fn=$3 i t0
	t0=$(now_us)
	for ((i = 1; i <= N; i++)); do
		$fn "$i"
	done
	WALL[$sys,$step]=$(( ($(now_us) - t0) / 1000 ))
	printf '  %-8s %6d ms for %d\n' "$step" "${WALL[$sys,$step]}" "$N"
}


log=$(mktemp /tmp/vx-bench.XXXXXX.log)

# ---------------------------------------------------------------- vx ----

vx_create() { timed vx create vzctl create $((1000 + $1)) --ostemplate busybox --hostname "b$1"; }
vx_start() { timed vx start vzctl start $((1000 + $1)); }
vx_exec() { timed vx exec vzctl exec $((1000 + $1)) true; }
vx_stop() {
	if [ "${VX_BENCH_STOP:-fast}" = graceful ]; then
		timed vx stop vzctl stop $((1000 + $1))
	else
		timed vx stop vzctl stop $((1000 + $1)) --fast
	fi
}
vx_destroy() { timed vx destroy vzctl destroy $((1000 + $1)); }

bench_vx() {
	export VX_CGROUP_PREFIX=vxbench-$$
	vx_tree_setup /tmp/vxb.XXXXXX || return 1

	echo "== vx: N=$N (VX_ROOT=$VXR, stop: ${VX_BENCH_STOP:-fast})"
	phase vx create vx_create
	phase vx start vx_start
	phase vx exec vx_exec
	phase vx stop vx_stop
	phase vx destroy vx_destroy
	vx_cleanup
}

# --------------------------------------------------------------- LXC ----

lxc_create() { timed lxc create lxc-create -P "$LXP" -n "b$1" -f "$LXP/net-empty.conf" -t busybox; }
lxc_start() { timed lxc start lxc-start -P "$LXP" -n "b$1" -d; }
lxc_exec() { timed lxc exec lxc-attach -P "$LXP" -n "b$1" -- true; }
lxc_stop() { timed lxc stop lxc-stop -P "$LXP" -n "b$1" -k; }
lxc_destroy() { timed lxc destroy lxc-destroy -P "$LXP" -n "b$1"; }

bench_lxc() {
	lxc_tree_setup /tmp/vxb-lxc.XXXXXX || return 1
	echo "== lxc: N=$N (lxcpath $LXP, lxc $(lxc-create --version))"
	phase lxc create lxc_create
	phase lxc start lxc_start
	phase lxc exec lxc_exec
	phase lxc stop lxc_stop
	phase lxc destroy lxc_destroy
	lxc_cleanup
}

trap 'vx_cleanup; lxc_cleanup' EXIT INT TERM

echo "lifecycle benchmark: $(nproc) CPUs, kernel $(uname -r), $(date -u '+%F %T UTC')"
[ $run_vx = 1 ] && { bench_vx || echo "vx run failed (see $log)"; }
[ $run_lxc = 1 ] && { bench_lxc || echo "lxc run failed (see $log)"; }

echo
echo "ms per container, N=$N (median / mean; failures in brackets)"
printf '%-9s %21s %21s\n' step vx lxc
tot_vx=0 tot_lxc=0
for s in "${STEPS[@]}"; do
	line=$(printf '%-9s' "$s")
	for sys in vx lxc; do
		read -r med mean <<<"$(stats "${RES[$sys,$s]:-}")"
		f=${FAILS[$sys,$s]:-0}
		cell="$med / $mean"
		[ "$f" -gt 0 ] && cell+=" [$f]"
		line+=$(printf ' %21s' "$cell")
	done
	echo "$line"
done
for sys in vx lxc; do
	t=0
	for s in "${STEPS[@]}"; do t=$((t + ${WALL[$sys,$s]:-0})); done
	printf -v "tot_$sys" '%s' "$t"
done
printf '%-9s %21s %21s\n' "total" "$tot_vx ms" "$tot_lxc ms"
if [ -s "$log" ]; then
	echo
	echo "errors logged in $log:"
	tail -5 "$log"
else
	rm -f "$log"
fi
