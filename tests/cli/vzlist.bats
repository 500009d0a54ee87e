#!/usr/bin/env bats
# vzlist (and `vzctl list`): OpenVZ's -a -S -H -o FIELDS -s [-]FIELD -j.
# Default: running VPSes only, with a header; -a all; -S stopped only.

load helpers

setup_file() {
	vx_test_setup
	vx_create_started 501 --hostname bravo --name n501
	vx_create 502 --hostname alpha --name n502
	vx_create_started 503 --hostname charlie --name n503
}
teardown_file() { vx_test_teardown; }

@test "vzlist: running VPSes only, header first" {
	vx_expect_ok vzlist
	[[ "${lines[0]}" == *CTID* ]]
	[[ "${lines[0]}" == *STATUS* ]]
	[[ "${lines[0]}" == *HOSTNAME* ]]
	[ "${#lines[@]}" -eq 3 ]
	grep -qE '^ *501 .*running.*bravo' <<<"$output"
	grep -qE '^ *503 .*running.*charlie' <<<"$output"
	! grep -qE '^ *502 ' <<<"$output" || false
}

@test "vzlist -a: all VPSes, stopped ones too" {
	vx_expect_ok vzlist -a
	[ "${#lines[@]}" -eq 4 ]
	grep -qE '^ *502 .*stopped.*alpha' <<<"$output"
}

@test "vzlist -S: stopped only" {
	vx_expect_ok vzlist -S -H -o ctid
	[ "$(echo $output)" = 502 ]
}

@test "vzlist -H: no header" {
	vx_expect_ok vzlist -a -H
	[ "${#lines[@]}" -eq 3 ]
	! vx_output_has CTID || false
}

@test "vzlist -o: chosen columns in the chosen order" {
	vx_expect_ok vzlist -a -H -o hostname,ctid
	[ "$(echo ${lines[0]})" = "bravo 501" ]
	[ "$(echo ${lines[1]})" = "alpha 502" ]
	[ "$(echo ${lines[2]})" = "charlie 503" ]
	vx_expect_ok vzlist -a -H -o ctid,name,status
	[ "$(echo ${lines[1]})" = "502 n502 stopped" ]
}

@test "vzlist -o with an unknown field: error naming it" {
	run vx_timeout vzlist -o ctid,bogusfield
	[ "$status" -ne 0 ]
	vx_output_has bogusfield
}

@test "vzlist -s: sort by a field, -s -field reverses" {
	vx_expect_ok vzlist -a -H -o ctid -s hostname
	[ "$(echo $output)" = "502 501 503" ]
	vx_expect_ok vzlist -a -H -o ctid -s -hostname
	[ "$(echo $output)" = "503 501 502" ]
	vx_expect_ok vzlist -a -H -o ctid -s -ctid
	[ "$(echo $output)" = "503 502 501" ]
}

@test "vzlist -j: valid JSON with ctid, hostname, status" {
	vx_expect_ok vzlist -a -j
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert isinstance(d, list), d
by = {c["ctid"]: c for c in d}
assert set(by) == {501, 502, 503}, by.keys()
assert by[501]["hostname"] == "bravo", by[501]
assert by[501]["status"] == "running", by[501]
assert by[502]["status"] == "stopped", by[502]
assert by[503]["name"] == "n503", by[503]
' "$output"
}

@test "vzlist -j with -o: only those fields" {
	vx_expect_ok vzlist -a -j -o ctid,hostname
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert all(set(c) == {"ctid", "hostname"} for c in d), d
' "$output"
}

@test "vzlist CTID|NAME: just those" {
	vx_expect_ok vzlist -H -o ctid 503
	[ "$(echo $output)" = 503 ]
	vx_expect_ok vzlist -a -H -o ctid n502
	[ "$(echo $output)" = 502 ]
}

@test "vzlist of nothing: no VPS found message, exit 0 (OpenVZ)" {
	run vx_timeout vzlist -H -o ctid -S 501
	[ -z "$(echo $output | grep -E '^[0-9]')" ]
}

@test "vzlist shows process count for running VPSes (numproc)" {
	vx_expect_ok vzlist -H -o ctid,numproc 501
	local n
	n=$(echo "$output" | awk '{print $2}')
	[ "$n" -ge 1 ]
}

@test "vzctl list is the same as vzlist" {
	vx_expect_ok vzlist -a -H -o ctid,status
	local a=$output
	vx_expect_ok vzctl list -a -H -o ctid,status
	[ "$output" = "$a" ]
}

@test "vzlist -1: CTIDs only" {
	vx_expect_ok vzlist -a -1
	[ "$(echo $output)" = "501 502 503" ]
}

@test "vzlist -n: NAME column in the default table" {
	vx_expect_ok vzlist -a -n
	[[ "${lines[0]}" == *NAME* ]]
	grep -qE '^ *502 .*n502' <<<"$output"
}

@test "vzlist -h PATTERN / -N PATTERN filter by hostname / name" {
	vx_expect_ok vzlist -a -H -o ctid -h 'c*'
	[ "$(echo $output)" = 503 ]
	vx_expect_ok vzlist -a -H -o ctid -N 'n50[12]'
	[ "$(echo $output)" = "501 502" ]
}
