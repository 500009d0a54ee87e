#!/bin/bash
# tests/guest-cli/run.sh - vx's bats CLI tests inside the UML guest, once per
# cgroup layout: the proof that the same vzctl options behave the same on
# pure cgroup v2 (and hybrid) as on the host's layout (tests/cli).
# Each (layout, file) pair gets a guest of its own: a guest that panics or
# times out costs the results of one file only.
#
# usage: tests/guest-cli/run.sh [--kernel PATH] [FILE.bats...]
#   --kernel PATH   UML kernel (default $KERNEL_UM, else tests/guest/run's
#                   default, the one `make kernel` builds)
#   FILE.bats       run only these (default: tests/cli/limits.bats and every
#                   tests/guest-cli/*.bats)
# Environment:
#   GUEST_CLI_MODES   layouts to boot, default "v2 hybrid" ("v2 hybrid v1"
#                     adds pure v1, which the host rarely has; limits.bats
#                     passes there too, ~1.5 min more). In v2 every file
#                     runs; in any other layout only tests/cli/*.bats files
#                     (the cgroup tests; tests/guest-cli/*.bats are about the
#                     patched kernel, whose behaviour does not depend on the
#                     cgroup layout).
#   GUEST_CLI_FILTER  bats -f REGEX: only the matching tests
#   GUEST_CLI_MEM     guest RAM (default 1G: the memory hog test needs room
#                     beyond its 64M VPS besides the loop-backed /tmp)
#   GUEST_CLI_JOBS    guests running at once (default: the host's CPU
#                     count). A UML guest is uniprocessor, so two guests on
#                     two CPUs take the time of one; the output still comes
#                     guest by guest, in order. The CPU test's lower bound
#                     (15% of one CPU under a 25% cap) holds up to a host
#                     load of ~12; the I/O test only bounds from below.
#
# Prints TAP (test names tagged [v2], [hybrid]); exit 0 iff every guest ran
# to the end and every test passed or skipped. Needs `make all template`.
#
# The OOM killer's report on the console carries a "Call Trace:", which
# tests/guest/run counts as a kernel error. The memory hog test provokes it on
# purpose, so that one line is allowed there and checked here instead: a call
# trace is accepted only when an "invoked oom-killer" line precedes it
# closely; any other fails the run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo" || exit 1

kernel=${KERNEL_UM:-}
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	-h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
	--) shift; break ;;
	-*) echo "tests/guest-cli/run.sh: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	files=(tests/cli/limits.bats)
	for f in tests/guest-cli/*.bats; do
		[ -e "$f" ] && files+=("$f")
	done
fi
modes=(${GUEST_CLI_MODES:-v2 hybrid})

if [ ! -x build/bin/vzctl ] || [ ! -s build/template/cache/busybox.tar.zst ]; then
	echo "not ok 1 guest-cli needs build/bin and the busybox template (make all template)"
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vx-guest-cli.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

# run_unit MODE FILE N: one guest; TAP on stdout, exit 0 iff all is well.
run_unit() {
	local mode=$1 file=$2 n=$3 t0 grc console bad keep dir=$work/$3 mrc=0
	mkdir -p "$dir" || return 1
	t0=$(date +%s)
	# TMPDIR: tests/guest/run makes its run directory (console) in it.
	TMPDIR=$dir tests/guest/run ${kernel:+--kernel "$kernel"} \
		--cgroup "$mode" --mem "${GUEST_CLI_MEM:-1G}" --timeout 500 \
		--keep --allow 'Call Trace:' \
		--env VX_OWN_KERNEL=1 \
		${GUEST_CLI_FILTER:+--env "VX_BATS_FILTER=$GUEST_CLI_FILTER"} \
		-- tests/guest-cli/inside.sh "$file" 2>&1 |
		grep -v '^tests/guest/run: run directory kept'
	grc=${PIPESTATUS[0]}
	echo "# guest $mode $file: exit $grc in $(($(date +%s) - t0)) s"
	console=$(ls -d "$dir"/vx-guest.*/console 2>/dev/null | head -1)
	# Call traces that no OOM kill explains (see the header).
	bad=$(awk '/invoked oom-killer/ { oom = NR }
		/Call Trace:/ && !(oom && NR - oom < 20) { print NR ": " $0 }' \
		"${console:-/dev/null}")
	if [ -n "$bad" ]; then
		echo "not ok $n [$mode] ${file##*/}: a kernel call trace outside an OOM kill"
		grep -a -n -B 15 -A 25 -F "$(echo "$bad" | head -1 | cut -d' ' -f2-)" \
			"$console" | head -60 | sed 's/^/# /'
		mrc=1
	else
		echo "ok $n [$mode] ${file##*/}: no kernel call trace outside an OOM kill"
	fi
	# 0: all passed; 1: some test failed (its "not ok" lines are above);
	# anything else: the guest did not finish (timeout, panic, kernel
	# error report), which no TAP line has counted yet.
	case $grc in
	0) ;;
	1) mrc=1 ;;
	*) echo "not ok $n [$mode] ${file##*/}: the guest run failed (exit $grc, see above)"; mrc=1 ;;
	esac
	if [ "$mrc" = 0 ]; then
		rm -rf "$dir"
	else
		keep=$(mktemp -d "${TMPDIR:-/tmp}/vx-guest-cli-failed.XXXXXX")
		mv "$dir"/vx-guest.* "$keep"/ 2>/dev/null &&
			echo "# guest run kept in $keep (console, stdout, stderr)"
	fi
	return $mrc
}

# The units, file-major: the long limits runs of every layout start first.
units=()
for f in "${files[@]}"; do
	for mode in "${modes[@]}"; do
		[ "$mode" = v2 ] || [[ $f == tests/cli/* ]] && units+=("$mode $f")
	done
done
jobs=${GUEST_CLI_JOBS:-$(nproc)}
running=0 n=0
for u in "${units[@]}"; do
	n=$((n + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	{ run_unit ${u%% *} "${u#* }" $n; echo $? >"$work/$n.rc"; } >"$work/$n.tap" &
	running=$((running + 1))
done
wait
rc=0
for ((i = 1; i <= n; i++)); do
	cat "$work/$i.tap"
	[ "$(cat "$work/$i.rc" 2>/dev/null)" = 0 ] || rc=1
done
exit $rc
