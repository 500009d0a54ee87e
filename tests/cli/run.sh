#!/bin/bash
# Runs every bats file in tests/cli/ and prints TAP.
#
# Each file runs on its own (its own private VX_ROOT, set up by helpers.bash),
# so the "ok N" numbers restart per file; tests/run-all.sh only counts lines.
# Exit status: non-zero if any test failed or any file could not run.
# Usage: tests/cli/run.sh [FILE.bats...]   (default: all of them)
set -uo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" != 0 ]; then
	echo "not ok 1 cli tests need root (namespaces, cgroups, mounts)"
	exit 1
fi
if ! command -v bats >/dev/null; then
	echo "not ok 1 bats is not installed (scripts/deps.sh test)"
	exit 1
fi

files=("$@")
[ ${#files[@]} -eq 0 ] && files=(*.bats)
rc=0
for f in "${files[@]}"; do
	echo "# --- $f"
	# --tap: plain TAP lines; a file that dies mid-way still leaves its
	# "not ok" lines, and its non-zero exit fails the run.
	bats --tap "$f" || rc=1
done
exit $rc
