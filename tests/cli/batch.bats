#!/usr/bin/env bats
# Several CTIDs in one call: `vzctl create|start|stop|restart|destroy CTID...`
# sends one request per CT to vxd concurrently; exit 0 if all succeeded,
# else the exit code of the first failed CTID in argument order; --json
# prints one array. Bad or duplicate CTIDs are refused before anything runs.

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

@test "batch: start, stop and destroy 20 CTs in one call each" {
	local cts ct
	cts=$(seq 201 220)
	for ct in $cts; do vx_create "$ct"; done
	vx_expect_ok vzctl start $cts
	for ct in $cts; do
		vx_output_has "$ct: Starting container"
		vx_wait_running "$ct"
	done
	vx_expect_ok vzctl stop $cts --fast
	for ct in $cts; do vx_output_has "$ct: Container was stopped"; done
	for ct in $cts; do
		vx_expect_ok vzctl status "$ct"
		[ "$output" = "CTID $ct exist unmounted down" ]
	done
	vx_expect_ok vzctl --quiet destroy $cts
	[ -z "$output" ]
	for ct in $cts; do
		vx_expect_ok vzctl status "$ct"
		[ "$output" = "CTID $ct deleted unmounted down" ]
		no_trace "$ct"
	done
}

@test "batch: create 20 CTs in one call, with shared options; refuses per-CT ones" {
	local cts ct
	cts=$(seq 251 270)
	vx_expect_ok vzctl create $cts --ostemplate busybox --ram 256M \
		--hostname 'vps$VEID.example.com'
	for ct in $cts; do
		vx_output_has "$ct: Container private area was created"
		grep -qx 'PHYSPAGES="0:65536"' "$VX_ROOT/etc/vz/conf/$ct.conf"
		grep -qx "HOSTNAME=\"vps$ct.example.com\"" "$VX_ROOT/etc/vz/conf/$ct.conf"
		[ "$(cat "$VX_ROOT/vz/private/$ct/upper/etc/hostname")" = "vps$ct.example.com" ]
		grep -q "^127.0.1.1.vps$ct.example.com vps$ct\$" \
			"$VX_ROOT/vz/private/$ct/upper/etc/hosts"
	done
	# an existing CT fails alone, with its own code; the others are made
	vx_expect_rc 44 vzctl create 271 251 272 --ostemplate busybox
	vx_output_has "251: "
	vx_expect_ok vzctl status 271
	[ "$output" = "CTID 271 exist unmounted down" ]
	vx_expect_ok vzctl status 272
	[ "$output" = "CTID 272 exist unmounted down" ]
	# options every CT cannot share are refused before anything is made
	vx_expect_rc 20 vzctl create 281 282 --ostemplate busybox --name twin
	vx_output_has "--name"
	vx_expect_rc 20 vzctl create 281 282 --ostemplate busybox --ipadd 10.9.9.9
	vx_output_has "--ipadd"
	vx_expect_rc 20 vzctl create 281 282 --ostemplate busybox --private /vz/one
	vx_output_has "put \$VEID in it"
	[ ! -e "$VX_ROOT/etc/vz/conf/281.conf" ]
	vx_expect_ok vzctl create 281 282 --ostemplate busybox \
		--private "$VX_ROOT/vz/other/\$VEID"
	[ -d "$VX_ROOT/vz/other/282/upper" ]
	vx_expect_ok vzctl --quiet destroy $cts 271 272 281 282
	for ct in $cts 271 272 281 282; do no_trace "$ct"; done
}

@test "batch: mixed results, exit code of the first failed CTID in argument order" {
	vx_create 231
	vx_create 232
	vx_expect_ok vzctl start 231 --wait
	# 232 is not running (31), 239 does not exist (14), 231 stops fine
	vx_expect_rc 31 vzctl stop 231 232 239 --fast
	vx_output_has "232: ct 232"
	vx_output_has "239: ct 239"
	vx_is_down 231
	vx_expect_ok vzctl start 231 --wait
	vx_expect_rc 14 vzctl stop 239 231 232 --fast
	vx_is_down 231
	vx_ct_cleanup 231 232
}

@test "batch: --json prints one array of per-CT results in argument order" {
	vx_create 241
	vx_expect_rc 14 vzctl --json start 249 241 --wait
	[ "${#lines[@]}" -eq 1 ]
	python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert [c["ctid"] for c in r] == [249, 241], r
assert r[0]["ok"] is False and r[0]["exit"] == 14 and "249" in r[0]["error"], r
assert r[1] == {"ctid": 241, "ok": True, "exit": 0}, r
' "$output"
	vx_is_running 241
	vx_expect_ok vzctl --json stop 241 --fast
	# one CTID: the single-CT shape, unchanged
	[ "$output" = '{"exit":0}' ]
	vx_ct_cleanup 241
}

@test "batch: a bad or duplicate CTID is refused before anything runs" {
	vx_create_started 251
	vx_expect_rc 20 vzctl stop 251 252 251 --fast
	vx_output_has "CTID 251 given twice"
	vx_expect_rc 20 vzctl stop 251 0251 --fast
	vx_output_has "given twice"
	vx_expect_rc 21 vzctl stop 251 0 --fast
	vx_output_has "invalid CTID '0'"
	vx_expect_rc 21 vzctl stop 251 99999999999 --fast
	vx_output_has "'99999999999'"
	vx_expect_rc 20 vzctl stop 251 --bogus 252
	vx_output_has "unknown option --bogus"
	# none of these touched 251
	vx_is_running 251
	vx_ct_cleanup 251
}

@test "batch: one CTID keeps the single-CT output (no prefix)" {
	vx_expect_rc 14 vzctl stop 259
	[[ $output == "ct 259 does not exist"* ]]
	vx_create 258
	vx_expect_ok vzctl start 258
	[[ ${lines[0]} == "Starting container..." ]]
	vx_ct_cleanup 258
}

@test "batch: killing vzctl mid-batch leaves no half-done CT" {
	local cts ct pid
	cts=$(seq 261 266)
	for ct in $cts; do vx_create_started "$ct"; done
	# a graceful stop of busybox takes ~2 s: vzctl dies while vxd works
	vzctl stop $cts >/dev/null 2>&1 &
	pid=$!
	sleep 0.5
	kill -INT "$pid"
	wait "$pid" || true
	# every request was sent at once, so vxd finishes every stop
	for ct in $cts; do
		vx_wait_stopped "$ct"
		vx_expect_ok vzctl status "$ct"
		[ "$output" = "CTID $ct exist unmounted down" ]
	done
	vx_expect_ok vzctl destroy $cts
	for ct in $cts; do no_trace "$ct"; done
}
