#!/usr/bin/env bats
# The test files themselves: assertions that bats' errexit would ignore.
# Under `set -e`, a mid-test `! cmd` never fails the test, and in
# `[ a ] && [ b ]` a false first check is ignored; both looked like checks
# and were no-ops (found 2026-12-03: 93 such lines, one hiding a real bug).
# Write `! cmd || false` / `run cmd; [ "$status" -ne 0 ]`, and one check
# per line or `[ a ] && [ b ] || false`.

suites() { ls "$BATS_TEST_DIRNAME"/*.bats "$BATS_TEST_DIRNAME"/../guest-cli/*.bats \
	"$BATS_TEST_DIRNAME"/../guest-x86/*.bats 2>/dev/null; }

@test "no '! cmd' assertion that errexit ignores" {
	run bash -c 'grep -nE "^[[:space:]]+! " "$@" |
		grep -vE "(\|\| false|\|\||&&|\\\\|\|)[[:space:]]*$"' _ $(suites)
	[ -z "$output" ] || { echo "$output"; false; }
}

@test "no '[ a ] && [ b ]' assertion that errexit ignores" {
	run grep -nE '^[[:space:]]+\[.*\] && \[.*\][[:space:]]*$' $(suites)
	[ "$status" -eq 1 ] || { echo "$output"; false; }
}
