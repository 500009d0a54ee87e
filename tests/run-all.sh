#!/bin/bash
# Runs every test suite and ends with one line: "N passed, N failed, N skipped".
#
# TAP suites print "ok N ..." / "not ok N ..."; this script tees each suite's
# output into build/test-logs/SUITE.log and counts results across all of
# them. A TAP suite that exits non-zero without a failing line (a crash, a
# build failure) counts as one extra failure, so a broken suite can never look
# green. Whole-step checks (the x86_64 compile check, checkpatch) are not TAP:
# each counts as one test, passed iff it exits 0.
#
#   unit        C unit tests under ASan+UBSan            (TAP)
#   cli         bats tests of vzctl/vxd on this kernel    (TAP)
#   kernel      kselftest-style tests in the UML guest    (TAP)
#   kernel-smp  the same kernel tests in an x86_64 qemu guest, 2 CPUs (TAP)
#   guest       the guest harness tests itself            (TAP)
#   guest-cli   vzctl limits (and beancounter) bats tests in
#               UML guests with cgroup v2 and hybrid      (TAP)
#   kernel-x86  every file the series adds/touches compiles for x86_64
#   checkpatch  checkpatch.pl --strict over patches and new kernel files
#   checkpoint  vzctl suspend/resume (CRIU): host + x86_64 qemu guest (TAP)
#
# VX_SUITES="unit cli" runs a subset.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=build/test-logs
mkdir -p "$logs"

suites=(${VX_SUITES:-unit cli checkpatch kernel-x86 guest kernel kernel-smp guest-cli checkpoint})
pass=0 fail=0 skip=0
for s in "${suites[@]}"; do
	echo "=== suite: $s"
	# Decided here: the case below runs in a pipeline, i.e. a subshell.
	case $s in kernel-x86|checkpatch) tap=0 ;; *) tap=1 ;; esac
	case $s in
	unit) make --no-print-directory check-unit ;;
	cli) make --no-print-directory check-cli ;;
	kernel) make --no-print-directory check-kernel ;;
	kernel-smp) make --no-print-directory check-kernel-smp ;;
	guest) make --no-print-directory guest-selftest ;;
	guest-cli) make --no-print-directory check-guest-cli ;;
	kernel-x86) make --no-print-directory check-kernel-x86 ;;
	checkpatch) make --no-print-directory checkpatch ;;
	checkpoint) make --no-print-directory check-checkpoint ;;
	*) echo "unknown suite $s"; false ;;
	esac 2>&1 | tee "$logs/$s.log"
	rc=${PIPESTATUS[0]}
	if [ "$tap" = 1 ]; then
		p=$(grep -E '^ok [0-9]+' "$logs/$s.log" | grep -vic '# skip' || true)
		k=$(grep -E '^ok [0-9]+' "$logs/$s.log" | grep -ic '# skip' || true)
		f=$(grep -cE '^not ok [0-9]+' "$logs/$s.log" || true)
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			echo "suite $s exited $rc without a failing test line: counted as 1 failure"
			f=1
		fi
	else
		k=0
		if [ "$rc" -eq 0 ]; then p=1 f=0; else p=0 f=1; fi
	fi
	echo "=== suite $s: $p passed, $f failed, $k skipped (exit $rc)"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
