#!/bin/bash
# Mass provisioning benchmark: N busybox VPSes on the overlay layout, next
# to LXC's busybox containers in the same run.
#
#   bench/mass.sh [N]                 (default N=100; the issue's target N=500)
#   MASS_P=8 bench/mass.sh 500        each phase through `xargs -P8`
#   MASS_LXC_N=50 bench/mass.sh 500   fewer LXC containers (default min(N,100);
#                                     0 skips LXC)
#   MASS_LAYOUT=plain bench/mass.sh   the plain layout instead (full copies)
#   MASS_BATCH=1 bench/mass.sh 500    vx's create, start, stop and destroy
#                                     each as ONE vzctl call over all N CTIDs
#                                     (up to 32 requests at once,
#                                     docs/vzctl.md); no per-call median
#                                     then ("-"): wall/N is the figure
#   MASS_FS=ext4 bench/mass.sh 500    VX_ROOT/vz on a journaled ext4 made for
#                                     the run (sparse, MASS_EXT4_SIZE, 8G) on a
#                                     loop device, instead of /tmp's file system
#   MASS_LAYOUT=btrfs bench/mass.sh   btrfs snapshots with a qgroup limit each,
#                                     on a sparse btrfs (MASS_BTRFS_SIZE, 8G)
#                                     on a loop device made for the run
#
# Phases, each over all N before the next: create, start, (idle: memory),
# stop --fast, destroy. Prints per-VPS median and mean ms for each phase,
# the wall time of each phase divided by N (the throughput figure, which is
# what a parallel run improves), and host memory per running idle VPS:
#   - MemAvailable delta: /proc/meminfo before the first start and after all
#     N are up and settled, divided by N (includes the monitor process,
#     kernel objects, the overlay mount; noisy on a busy host: other work
#     on the machine moves it too);
#   - memcg charge: memory.usage_in_bytes (v1) / memory.current (v2) of
#     the VPSes' parent cgroup (vx) or the sum over the containers'
#     cgroups (LXC), divided by N.
#
# vx runs in a private state tree (VX_ROOT=/tmp/vxm.*, own vxd, cgroups
# under VX_CGROUP_PREFIX=vxmass-PID) like bench/lifecycle.sh, whose LXC
# setup (private lxcpath, no network) this reuses. A measurement, not a
# test: no assertions. Host limits that break at scale (pid_max, inotify,
# nr_open, ...) are reported at the start.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
. bench/lib.sh

N=${1:-100}
P=${MASS_P:-1}
LAYOUT=${MASS_LAYOUT:-overlay}
BATCH=${MASS_BATCH:-0}
case $N in ''|*[!0-9]*) echo "usage: $0 [N]" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] || { echo "N must be >= 1" >&2; exit 2; }
LN=${MASS_LXC_N:-$((N < 100 ? N : 100))}
[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }

STEPS=(create start stop destroy)
declare -A RES FAILS WALL MEM CG CNT cs

log=$(mktemp /tmp/vx-mass.XXXXXX.log)
times=$(mktemp /tmp/vx-mass.XXXXXX.times)

mem_avail_kb() { awk '/^MemAvailable:/ { print $2 }' /proc/meminfo; }

# run_phase SYS STEP COUNT OFFSET CMD ARG...: runs CMD COUNT times, one by
# one or MASS_P at a time, with "{}" in an ARG replaced by OFFSET + i
# (i = 1..COUNT), and records each duration. bench/prun does what xargs
# -P would, with a clock per command and no shell per call (bench/prun.c).
run_phase() {
	local sys=$1 step=$2 n=$3 off=$4 t0 wall; shift 4
	: >"$times"
	t0=${EPOCHREALTIME/./}
	"$PRUN" "$P" "$n" "$off" "$times" "$log" "$@"
	wall=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	WALL[$sys,$step]=$wall
	CNT[$sys]=$n
	RES[$sys,$step]=$(awk '{ printf "%.3f ", $1 / 1000 }' "$times")
	FAILS[$sys,$step]=$(awk '$2 != 0' "$times" | wc -l)
	printf '  %-8s %7d ms for %d (%s failed)\n' "$step" "$wall" "$n" \
		"${FAILS[$sys,$step]}"
}

# run_batch STEP VERB [OPTS]: one `vzctl --json VERB CTID... OPTS` over all
# N VPSes; failures counted from its JSON array, their errors logged.
run_batch() {
	local step=$1 verb=$2 t0 out wall; shift 2
	t0=${EPOCHREALTIME/./}
	out=$(vzctl --json "$verb" $(seq 1001 $((1000 + N))) "$@" 2>>"$log")
	wall=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	WALL[vx,$step]=$wall
	CNT[vx]=$N
	RES[vx,$step]=""
	if [ "${out:0:1}" = "[" ]; then
		FAILS[vx,$step]=$(grep -o '"ok":false' <<<"$out" | wc -l)
	else
		FAILS[vx,$step]=$N
	fi
	[ "${FAILS[vx,$step]}" -eq 0 ] || echo "$step: $out" | head -c 2000 >>"$log"
	printf '  %-8s %7d ms for %d (%s failed, one vzctl call)\n' "$step" "$wall" \
		"$N" "${FAILS[vx,$step]}"
}

# vx_phase STEP VERB [OPTS]: one vzctl call per VPS, or with MASS_BATCH=1
# one for all
vx_phase() {
	local step=$1 verb=$2; shift 2
	if [ "$BATCH" = 1 ]; then
		run_batch "$step" "$verb" "$@"
	else
		run_phase vx "$step" "$N" 1000 vzctl "$verb" {} "$@"
	fi
}

host_limits() {
	local need=$(( N * 4 + 1000 ))
	echo "host: $(nproc) CPUs, kernel $(uname -r), $(awk '/MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)," \
		"pid_max $(cat /proc/sys/kernel/pid_max), threads-max $(cat /proc/sys/kernel/threads-max)," \
		"file-max $(cat /proc/sys/fs/file-max), nr_open $(cat /proc/sys/fs/nr_open)," \
		"inotify instances $(cat /proc/sys/fs/inotify/max_user_instances)"
	[ "$(cat /proc/sys/kernel/pid_max)" -ge "$need" ] ||
		echo "warning: kernel.pid_max < $need; raise it: sysctl -w kernel.pid_max=4194304"
}

# cgroup charge in bytes of a directory name in the memory hierarchy.
cg_bytes() {
	local d
	for d in "/sys/fs/cgroup/memory/$1" "/sys/fs/cgroup/$1" "/sys/fs/cgroup/unified/$1"; do
		[ -r "$d/memory.usage_in_bytes" ] && { cat "$d/memory.usage_in_bytes"; return; }
		[ -r "$d/memory.current" ] && { cat "$d/memory.current"; return; }
	done
	echo 0
}

idle_memory() {
	local sys=$1 n=$2 before=$3 cg=$4 after
	sleep "${MASS_SETTLE:-5}"
	after=$(mem_avail_kb)
	MEM[$sys]=$(( (before - after) / n ))
	CG[$sys]=$(( cg / 1024 / n ))
	printf '  idle     %d running: MemAvailable -%d MiB (%d KiB per VPS), memcg %d KiB per VPS\n' \
		"$n" $(( (before - after) / 1024 )) "${MEM[$sys]}" "${CG[$sys]}"
}

# ---------------------------------------------------------------- vx ----

bench_vx() {
	local before
	export VX_CGROUP_PREFIX=vxmass-$$
	vx_tree_setup /tmp/vxm.XXXXXX "$LAYOUT" || return 1
	if [ "${MASS_FS:-}" = ext4 ]; then
		# VX_ROOT/vz (private areas, templates, locks, mount points) on
		# a journaled ext4 of its own, as /vz is on a typical host; the
		# default (/tmp) is whatever this machine's root is (here an
		# ext4 without a journal, where each new inode scans recently
		# deleted ones).
		truncate -s "${MASS_EXT4_SIZE:-8G}" "$VXR/ext4.img" &&
			mkfs.ext4 -q -F "$VXR/ext4.img" &&
			mkdir -p "$VXR/vz.new" &&
			mount -o loop "$VXR/ext4.img" "$VXR/vz.new" &&
			cp -a "$VXR/vz/." "$VXR/vz.new/" && umount "$VXR/vz.new" &&
			mount -o loop "$VXR/ext4.img" "$VXR/vz" || return 1
	fi
	if [ "$LAYOUT" = btrfs ]; then
		# VE_PRIVATE's parent on a btrfs of its own (vx_cleanup
		# unmounts it; mount -o loop detaches the loop device then)
		truncate -s "${MASS_BTRFS_SIZE:-8G}" "$VXR/btrfs.img" &&
			mkfs.btrfs -q -f "$VXR/btrfs.img" >/dev/null &&
			mkdir -p "$VXR/vz/private" &&
			mount -o loop "$VXR/btrfs.img" "$VXR/vz/private" || return 1
	fi
	# The one-time unpack of the shared tree is not a per-VPS cost:
	# a throw-away create does it outside the timed phases.
	vzctl create 999 --ostemplate busybox >/dev/null 2>>"$log" &&
		vzctl destroy 999 >/dev/null 2>>"$log"

	echo "== vx: N=$N, layout $LAYOUT, fs $(df --output=fstype "$VXR/vz/private" 2>/dev/null | tail -1)$([ "${MASS_FS:-}" = ext4 ] && echo " (loop, journaled)"), parallel $P, $([ "$BATCH" = 1 ] &&
		echo "each phase as one vzctl call over all N" ||
		echo "one vzctl call per VPS") (VX_ROOT=$VXR)"
	local used0
	used0=$(df -k --output=used "$VXR/vz/private" | tail -1)
	vx_phase create create --ostemplate busybox --hostname 'b$VEID'
	# du counts a snapshot's shared extents once per CT: ask the fs
	[ "$LAYOUT" = btrfs ] && sync -f "$VXR/vz/private" &&
		echo "  disk     $(( $(df -k --output=used "$VXR/vz/private" | tail -1) - used0 )) KiB" \
			"file system use for $N snapshots (btrfs)"
	before=$(mem_avail_kb)
	vx_phase start start
	local running
	running=$(ls "$VXR/run/vx/ct/" 2>/dev/null | grep -c '\.state$')
	idle_memory vx "$running" "$before" "$(cg_bytes "$VX_CGROUP_PREFIX")"
	[ "$LAYOUT" = btrfs ] ||
	echo "  disk     $(du -sk "$VXR/vz/private" | cut -f1) KiB for $N private areas," \
		"$(du -sk "$VXR/vz/template/lower" 2>/dev/null | cut -f1 || echo 0) KiB shared"
	vx_phase stop stop --fast
	vx_phase destroy destroy
	vx_cleanup
}

# --------------------------------------------------------------- LXC ----

lxc_cg_bytes() {
	local s=0 b d
	for d in /sys/fs/cgroup/memory/lxc.payload.m$$-* /sys/fs/cgroup/lxc.payload.m$$-*; do
		[ -d "$d" ] || continue
		b=$(cat "$d/memory.usage_in_bytes" 2>/dev/null || cat "$d/memory.current" 2>/dev/null || echo 0)
		s=$((s + b))
	done
	echo "$s"
}

bench_lxc() {
	local before
	lxc_tree_setup /tmp/vxm-lxc.XXXXXX || return 1
	echo "== lxc: N=$LN, parallel $P (lxcpath $LXP, lxc $(lxc-create --version))"
	run_phase lxc create "$LN" 0 lxc-create -P "$LXP" -n "m$$-{}" -f "$LXP/net-empty.conf" -t busybox
	before=$(mem_avail_kb)
	run_phase lxc start "$LN" 0 lxc-start -P "$LXP" -n "m$$-{}" -d
	idle_memory lxc "$LN" "$before" "$(lxc_cg_bytes)"
	run_phase lxc stop "$LN" 0 lxc-stop -P "$LXP" -n "m$$-{}" -k
	run_phase lxc destroy "$LN" 0 lxc-destroy -P "$LXP" -n "m$$-{}"
	lxc_cleanup
}

trap 'vx_cleanup; lxc_cleanup; rm -f "$times"' EXIT INT TERM

echo "mass benchmark, $(date -u '+%F %T UTC'), load $(cut -d' ' -f1-3 /proc/loadavg)"
prun_build || exit 1
host_limits
bench_vx || echo "vx run failed (see $log)"
[ "$LN" -gt 0 ] && { bench_lxc || echo "lxc run failed (see $log)"; }

echo
echo "ms per container (median / mean; failures in brackets); wall/N = phase wall time / N"
[ "$BATCH" = 1 ] && echo "vx: each phase as one vzctl call over all N (MASS_BATCH=1): no per-call figures"
printf '%-13s %19s %9s %19s %9s\n' step "vx (N=$N)" "wall/N" "lxc (N=$LN)" "wall/N"
for s in "${STEPS[@]}"; do
	line=$(printf '%-13s' "$s")
	for sys in vx lxc; do
		read -r med mean <<<"$(stats "${RES[$sys,$s]:-}")"
		f=${FAILS[$sys,$s]:-0}
		cell="$med / $mean"
		[ "$f" -gt 0 ] && cell+=" [$f]"
		n=${CNT[$sys]:-0}
		w=-
		[ "$n" -gt 0 ] && [ -n "${WALL[$sys,$s]:-}" ] &&
			w=$(awk -v w="${WALL[$sys,$s]}" -v n="$n" 'BEGIN { printf "%.1f", w / n }')
		line+=$(printf ' %19s %9s' "$cell" "$w")
	done
	echo "$line"
done
# create+start: the sum of the medians, and of the wall/N figures (the
# issue's target is the latter)
declare -A csw
for sys in vx lxc; do
	read -r c _ <<<"$(stats "${RES[$sys,create]:-}")"
	read -r s _ <<<"$(stats "${RES[$sys,start]:-}")"
	cs[$sys]=$(awk -v c="$c" -v s="$s" 'BEGIN { if (c == "-" || s == "-") print "-"; else printf "%.1f", c + s }')
	n=${CNT[$sys]:-0}
	csw[$sys]=-
	[ "$n" -gt 0 ] && [ -n "${WALL[$sys,create]:-}" ] && [ -n "${WALL[$sys,start]:-}" ] &&
		csw[$sys]=$(awk -v a="${WALL[$sys,create]}" -v b="${WALL[$sys,start]}" -v n="$n" \
			'BEGIN { printf "%.1f", (a + b) / n }')
done 2>/dev/null
printf '%-13s %19s %9s %19s %9s\n' "create+start" "${cs[vx]:-}" "${csw[vx]}" "${cs[lxc]:-}" "${csw[lxc]}"
printf '%-13s %19s %9s %19s %9s\n' "MiB/idle VPS" \
	"$(awk -v k="${MEM[vx]:-0}" 'BEGIN { printf "%.2f", k / 1024 }')" "" \
	"$(awk -v k="${MEM[lxc]:-0}" 'BEGIN { printf "%.2f", k / 1024 }')" ""
printf '%-13s %19s %9s %19s %9s\n' "memcg MiB/VPS" \
	"$(awk -v k="${CG[vx]:-0}" 'BEGIN { printf "%.2f", k / 1024 }')" "" \
	"$(awk -v k="${CG[lxc]:-0}" 'BEGIN { printf "%.2f", k / 1024 }')" ""
if [ -s "$log" ]; then
	echo
	echo "errors logged in $log:"
	tail -5 "$log"
else
	rm -f "$log"
fi
