#!/bin/bash
# Runs every test suite and ends with one line: "N passed, N failed".
#
# Each suite prints TAP ("ok N ..." / "not ok N ..."); this script tees each
# suite's output into build/test-logs/SUITE.log and counts results across all
# of them. A suite that dies without printing a result for some test (a crash,
# a build failure) counts as one extra failure, so a broken suite can never
# look green. Suites: unit (C, ASan+UBSan), cli (bats on the host kernel),
# kernel (kselftest-style tests inside the patched guest kernel).
set -uo pipefail
cd "$(dirname "$0")/.."
logs=build/test-logs
mkdir -p "$logs"

suites=(${VX_SUITES:-unit cli kernel})
pass=0 fail=0 skip=0
for s in "${suites[@]}"; do
	echo "=== suite: $s"
	case $s in
	unit) make --no-print-directory check-unit ;;
	cli) make --no-print-directory check-cli ;;
	kernel) make --no-print-directory check-kernel ;;
	*) echo "unknown suite $s"; false ;;
	esac 2>&1 | tee "$logs/$s.log"
	rc=${PIPESTATUS[0]}
	p=$(grep -E '^ok [0-9]+' "$logs/$s.log" | grep -vc '# [Ss][Kk][Ii][Pp]' || true)
	k=$(grep -E '^ok [0-9]+' "$logs/$s.log" | grep -c '# [Ss][Kk][Ii][Pp]' || true)
	f=$(grep -cE '^not ok [0-9]+' "$logs/$s.log" || true)
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "suite $s exited $rc without a failing test line: counted as 1 failure"
		f=1
	fi
	echo "=== suite $s: $p passed, $f failed, $k skipped (exit $rc)"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + k))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
