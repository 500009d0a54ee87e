#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench/kernel-overhead/run.sh - what does the vserver patchset cost?
#
# Boots two UML kernels built from the same tree and config, differing only
# in CONFIG_VSERVER:  "bench" (=y, no debug options) and "novx" (=n), and
# runs overhead.c in each: on "bench" inside a context (and, for reference,
# on the host, ctid 0), on "novx" plainly.  Rounds alternate between the
# kernels so host noise hits both alike; per loop the best (minimum) ns/op
# over all rounds is kept, and the ratio ctx/novx is printed.  Target:
# <= 1.02.  A benchmark, not a test: it never fails on a number.
#
# usage: bench/kernel-overhead/run.sh [--rounds N] [--ms MS] [--reps N]
#                                     [--no-build] [--only LOOP]
#                                     [--vx KERNEL] [--novx KERNEL]
# env:   VX_CACHE (default /var/cache/vx), as for `make kernel`;
#        GUEST_ARGS: extra tests/guest/run options (e.g. --mem 1G).
# --vx/--novx use the given UML kernels (implies --no-build).

set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
VX_CACHE=${VX_CACHE:-/var/cache/vx}
rounds=3 ms=200 reps=5 build=1 only=()
k_vx=$VX_CACHE/kernels/um-bench/linux
k_novx=$VX_CACHE/kernels/um-novx/linux

while [ $# -gt 0 ]; do
	case $1 in
	--rounds) rounds=$2; shift 2 ;;
	--ms) ms=$2; shift 2 ;;
	--reps) reps=$2; shift 2 ;;
	--only) only=(--only "$2"); shift 2 ;;
	--no-build) build=0; shift ;;
	--vx) k_vx=$2; build=0; shift 2 ;;
	--novx) k_novx=$2; build=0; shift 2 ;;
	-h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

cd "$repo"
make -s -C bench/kernel-overhead
if [ "$build" = 1 ]; then
	make -s kernel KCONFIG=bench
	make -s kernel KCONFIG=novx
fi
for k in "$k_vx" "$k_novx"; do
	[ -x "$k" ] || { echo "run.sh: no kernel $k (make kernel KCONFIG=...)" >&2; exit 2; }
done

out=$here/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
bin=bench/kernel-overhead/overhead
args=(--ms "$ms" --reps "$reps" "${only[@]}")

guest() {	# guest NAME KERNEL ARGS...
	local name=$1 kernel=$2
	shift 2
	# shellcheck disable=SC2086
	if ! tests/guest/run --kernel "$kernel" --no-kmemleak ${GUEST_ARGS:-} -- "$bin" "$@" \
		>"$out/$name.$r" 2>"$out/$name.$r.err"; then
		echo "run.sh: $name round $r failed:" >&2
		tail -5 "$out/$name.$r.err" >&2
		exit 1
	fi
}

for r in $(seq "$rounds"); do
	echo "round $r/$rounds" >&2
	guest novx "$k_novx" "${args[@]}"
	guest ctx "$k_vx" --ctx "${args[@]}"
	guest host "$k_vx" "${args[@]}"
done

# Per loop: best of every round, per configuration; then the ratios.
cat "$out"/novx.[0-9]* | sed 's/^/novx /' >"$out/all"
cat "$out"/ctx.[0-9]* | sed 's/^/ctx /' >>"$out/all"
cat "$out"/host.[0-9]* | sed 's/^/host /' >>"$out/all"
awk '
$2 == "RESULT" {
	k = $1 SUBSEP $3
	if (!(k in best) || $4 < best[k]) best[k] = $4
	if (!($3 in seen)) { seen[$3] = 1; order[n++] = $3 }
}
END {
	printf "%-20s %12s %12s %12s %9s %9s %9s\n", "loop (ns/op)", "novx", "vx ctid0", "vx in ctx", "ctx/novx", "ctx0/novx", "ctx/ctx0"
	worst = 0; worstv = 0
	for (i = 0; i < n; i++) {
		l = order[i]; a = best["novx", l]; h = best["host", l]; c = best["ctx", l]
		rc = a ? c / a : 0; rh = a ? h / a : 0
		printf "%-20s %12.1f %12.1f %12.1f %9.3f %9.3f %9.3f\n", l, a, h, c, rc, rh, h ? c / h : 0
		if (l ~ /^read_/) { if (h && c / h > worstv) worstv = c / h; continue }
		if (rc > worst) worst = rc
	}
	printf "worst ctx/novx ratio of the syscall loops: %.3f (target <= 1.020; pipe_pingpong <= 1.010)\n", worst
	printf "worst ctx/ctx0 ratio of the /proc reads (view vs host files): %.3f (target <= 2)\n", worstv
}' "$out/all" | tee "$out/summary"
echo "raw results: $out" >&2
