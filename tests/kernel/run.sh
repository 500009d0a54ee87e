#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh - run every kernel test binary and print one TAP stream.
#
# Runs INSIDE the guest booted on the patched kernel (make check-kernel,
# or tests/guest/run -- bash tests/kernel/run.sh); the binaries are built
# on the host first (make -C tests/kernel).  Each binary prints its own
# TAP; this script renumbers the results into one plan, turns a crashed
# or truncated binary and a reason-less SKIP into failures, and exits 0
# iff every test passed (or was skipped with a reason).
#
# Usage: run.sh [BINARY[:FILTER]...]   default: every binary, every test

set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
all=(ctx_test res_test enforce_test perm_test malformed_test monitor_test
     isolation_test proc_test stress_test view_test quota_test btrfs_test)
[ $# -gt 0 ] && all=("$@")

n=0 pass=0 fail=0 skip=0
tmp=$(mktemp "${TMPDIR:-/tmp}/vx-ktest.XXXXXX")
trap 'rm -f "$tmp"' EXIT
echo "# kernel $(uname -r), $(nproc) cpu(s)"

result() {	# result ok|notok NAME [COMMENT]
	n=$((n + 1))
	case $1 in
	ok)
		echo "ok $n - $2${3:+ $3}"
		case ${3:-} in "# SKIP"*) skip=$((skip + 1)) ;; *) pass=$((pass + 1)) ;; esac
		;;
	*)
		echo "not ok $n - $2${3:+ $3}"
		fail=$((fail + 1))
		;;
	esac
}

for spec in "${all[@]}"; do
	bin=${spec%%:*} filter=()
	[ "$spec" != "$bin" ] && filter=("${spec#*:}")
	if [ ! -x "$here/$bin" ]; then
		result notok "$bin" "# not built: run make -C tests/kernel"
		continue
	fi
	planned=0 seen=0 rc= f0=$fail
	# a file, not <(...): the guest may have no /dev/fd
	(cd "$here" && "./$bin" "${filter[@]}" 2>&1; echo "__rc=$?") >"$tmp"
	while IFS= read -r line; do
		case $line in
		__rc=*)
			rc=${line#__rc=}
			;;
		1..*)
			planned=${line#1..}
			;;
		"ok "*|"not ok "*)
			seen=$((seen + 1))
			verdict=ok
			[ "${line#not }" != "$line" ] && verdict=notok && line=${line#not }
			rest=${line#ok * - }
			name=${rest%% # *} comment=
			[ "$name" != "$rest" ] && comment="# ${rest#* # }"
			case $comment in
			"# SKIP"|"# SKIP "|"# SKIP (no reason given)")
				verdict=notok comment="# SKIP without a reason"
				;;
			esac
			result $verdict "$bin: $name" "$comment"
			;;
		*)
			echo "$line"
			;;
		esac
	done <"$tmp"
	if [ "$seen" -lt "$planned" ]; then
		result notok "$bin" "# ran $seen of $planned tests (exit $rc)"
	elif [ "${rc:-1}" != 0 ] && [ "$fail" -eq "$f0" ]; then
		result notok "$bin" "# exited $rc"
	fi
done

echo "1..$n"
echo "kernel-tests: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
