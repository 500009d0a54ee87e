#!/bin/bash
# tests/guest-cli/run.sh - vx's bats CLI tests inside the UML guest, once per
# cgroup layout: the proof that the same vzctl options behave the same on
# pure cgroup v2 (and hybrid) as on the host's layout (tests/cli).
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
#   GUEST_CLI_JOBS    guests booted at once (default: the host's CPU count,
#                     at most one per layout). A UML guest is uniprocessor,
#                     so two layouts on two CPUs take the time of one; the
#                     output still comes layout by layout. The CPU and I/O
#                     tests only bound the VPS from above (and need it to
#                     run at all), so a busy host cannot fail them.
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

# run_mode MODE N: one guest; TAP on stdout, exit 0 iff all is well.
run_mode() {
	local mode=$1 n=$2 f t0 grc console bad keep dir=$work/$1 mrc=0
	local mfiles=()
	for f in "${files[@]}"; do
		[ "$mode" = v2 ] || [[ $f == tests/cli/* ]] && mfiles+=("$f")
	done
	[ ${#mfiles[@]} -gt 0 ] || return 0
	mkdir -p "$dir" || return 1
	t0=$(date +%s)
	# TMPDIR: tests/guest/run makes its run directory (console) in it.
	TMPDIR=$dir tests/guest/run ${kernel:+--kernel "$kernel"} \
		--cgroup "$mode" --mem "${GUEST_CLI_MEM:-1G}" --timeout 500 \
		--keep --allow 'Call Trace:' \
		${GUEST_CLI_FILTER:+--env "VX_BATS_FILTER=$GUEST_CLI_FILTER"} \
		-- tests/guest-cli/inside.sh "${mfiles[@]}" 2>&1
	grc=$?
	echo "# guest $mode: exit $grc in $(($(date +%s) - t0)) s"
	console=$(ls -d "$dir"/vx-guest.*/console 2>/dev/null | head -1)
	# Call traces that no OOM kill explains (see the header).
	bad=$(awk '/invoked oom-killer/ { oom = NR }
		/Call Trace:/ && !(oom && NR - oom < 20) { print NR ": " $0 }' \
		"${console:-/dev/null}")
	if [ -n "$bad" ]; then
		echo "not ok $n [$mode] a kernel call trace outside an OOM kill"
		grep -a -n -B 15 -A 25 -F "$(echo "$bad" | head -1 | cut -d' ' -f2-)" \
			"$console" | head -60 | sed 's/^/# /'
		mrc=1
	else
		echo "ok $n [$mode] no kernel call trace outside an OOM kill"
	fi
	# 0: all passed; 1: some test failed (its "not ok" lines are above);
	# anything else: the guest did not finish (timeout, panic, kernel
	# error report), which no TAP line has counted yet.
	case $grc in
	0) ;;
	1) mrc=1 ;;
	*) echo "not ok $n [$mode] the guest run failed (exit $grc, see above)"; mrc=1 ;;
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

jobs=${GUEST_CLI_JOBS:-$(nproc)}
rc=0 n=0 pids=()
for mode in "${modes[@]}"; do
	n=$((n + 1))
	if [ "$jobs" -gt 1 ]; then
		run_mode "$mode" $n >"$work/$mode.tap" &
		pids+=($!)
		# at most $jobs at once: wait for the oldest
		if [ ${#pids[@]} -ge "$jobs" ]; then
			wait "${pids[0]}" || rc=1
			pids=("${pids[@]:1}")
		fi
	else
		run_mode "$mode" $n || rc=1
	fi
done
for p in "${pids[@]}"; do
	wait "$p" || rc=1
done
if [ "$jobs" -gt 1 ]; then
	for mode in "${modes[@]}"; do
		cat "$work/$mode.tap" 2>/dev/null
	done
fi
exit $rc
