#!/bin/bash
# Runs unit test programs and prints TAP: one "ok N - prog: test" or
# "not ok N - prog: test" per test, numbered across all programs, "1..N" at
# the end. A program that exits non-zero without reporting a failing test
# (a crash, an ASan/UBSan report, a leak found at exit) adds one
# "not ok N - prog: exited with status S" line, so a dying program can never
# look green. Exits non-zero if anything failed.
#
# usage: tests/unit/run.sh build/unit/test-config build/unit/test-values ...
set -uo pipefail

n=0
failed=0
for prog in "$@"; do
	name=$(basename "$prog")
	out=$(mktemp)
	# Tests that need a scratch tree get their own; they clean it up.
	"$prog" >"$out" 2>&1
	rc=$?
	bad=0
	while IFS= read -r line; do
		case $line in
		"ok - "*)
			n=$((n + 1))
			echo "ok $n - $name: ${line#ok - }"
			;;
		"not ok - "*)
			n=$((n + 1)) bad=1
			echo "not ok $n - $name: ${line#not ok - }"
			;;
		"#"*)
			echo "$line"
			;;
		*)
			# Sanitizer reports and other output: keep them
			# visible, as TAP comments.
			echo "# $line"
			;;
		esac
	done <"$out"
	rm -f "$out"
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		n=$((n + 1)) bad=1
		echo "not ok $n - $name: exited with status $rc"
	fi
	[ "$bad" -ne 0 ] && failed=1
done
echo "1..$n"
exit $failed
