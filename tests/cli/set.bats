#!/usr/bin/env bats
# vzctl set CTID ... [--save]: hostname (live inside a running VPS), name,
# onboot, description. Config rewrites keep unknown keys and comments and
# are atomic (no temp files left behind).

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

conf() { echo "$VX_ROOT/etc/vz/conf/$1.conf"; }

@test "set --hostname --save on a stopped VPS: saved, used at next start" {
	vx_create 401
	vx_expect_ok vzctl set 401 --hostname h401.example --save
	grep -q '^HOSTNAME="h401.example"' "$(conf 401)"
	vx_expect_ok vzctl start 401 --wait
	vx_wait_running 401
	vx_expect_ok vzctl exec2 401 hostname
	[ "$output" = h401.example ]
	vx_ct_cleanup 401
}

@test "set --hostname --save on a running VPS: visible inside at once" {
	vx_create_started 402 --hostname before402
	vx_expect_ok vzctl set 402 --hostname after402 --save
	vx_expect_ok vzctl exec2 402 hostname
	[ "$output" = after402 ]
	grep -q '^HOSTNAME="after402"' "$(conf 402)"
	# and it survives a restart
	vx_expect_ok vzctl restart 402
	vx_wait_running 402
	vx_expect_ok vzctl exec2 402 hostname
	[ "$output" = after402 ]
	vx_ct_cleanup 402
}

@test "set --hostname without --save on a running VPS: live only (OpenVZ)" {
	vx_create_started 403 --hostname saved403
	vx_expect_ok vzctl set 403 --hostname live403
	vx_expect_ok vzctl exec2 403 hostname
	[ "$output" = live403 ]
	grep -q '^HOSTNAME="saved403"' "$(conf 403)"
	vx_ct_cleanup 403
}

@test "set --onboot yes|no --save" {
	vx_create 404
	vx_expect_ok vzctl set 404 --onboot yes --save
	grep -q '^ONBOOT="yes"' "$(conf 404)"
	vx_expect_ok vzctl set 404 --onboot no --save
	grep -q '^ONBOOT="no"' "$(conf 404)"
	[ "$(grep -c '^ONBOOT=' "$(conf 404)")" -eq 1 ]
	vx_ct_cleanup 404
}

@test "set --description with spaces and quotes --save" {
	vx_create 405
	vx_expect_ok vzctl set 405 --description 'web server for "acme" ltd' --save
	grep -q '^DESCRIPTION=' "$(conf 405)"
	vx_expect_ok vzlist -a -H -o description 405
	[ "$(echo $output)" = 'web server for "acme" ltd' ]
	vx_ct_cleanup 405
}

@test "set --name --save: name link, usable as CTID; rename moves it" {
	vx_create 406
	vx_expect_ok vzctl set 406 --name alpha406 --save
	grep -q '^NAME="alpha406"' "$(conf 406)"
	[ -L "$VX_ROOT/etc/vz/names/alpha406" ]
	vx_expect_ok vzctl status alpha406
	[ "$output" = "CTID 406 exist unmounted down" ]
	vx_expect_ok vzctl set 406 --name beta406 --save
	[ ! -e "$VX_ROOT/etc/vz/names/alpha406" ]
	[ -L "$VX_ROOT/etc/vz/names/beta406" ]
	vx_expect_ok vzctl status beta406
	vx_ct_cleanup 406
}

@test "set --name: a name another CT has is refused" {
	vx_create 407 --name taken407
	vx_create 408
	run vx_timeout vzctl set 408 --name taken407 --save
	[ "$status" -ne 0 ]
	vx_output_has taken407
	vx_expect_ok vzctl status taken407
	[ "$output" = "CTID 407 exist unmounted down" ]
	vx_ct_cleanup 407 408
}

@test "set: several options at once" {
	vx_create 409
	vx_expect_ok vzctl set 409 --hostname multi409 --onboot yes \
		--description multi --save
	grep -q '^HOSTNAME="multi409"' "$(conf 409)"
	grep -q '^ONBOOT="yes"' "$(conf 409)"
	grep -q '^DESCRIPTION="multi"' "$(conf 409)"
	vx_ct_cleanup 409
}

@test "set --save keeps unknown keys, comments and their order" {
	vx_create 410
	local c
	c=$(conf 410)
	printf '# my own comment\nMY_CUSTOM_KEY="keep me"\nX_OTHER=plain\n' >>"$c"
	local before
	before=$(grep -v '^HOSTNAME=' "$c")
	vx_expect_ok vzctl set 410 --hostname kept410 --save
	grep -q '^# my own comment$' "$c"
	grep -q '^MY_CUSTOM_KEY="keep me"$' "$c"
	grep -q '^X_OTHER=' "$c"
	grep -q '^HOSTNAME="kept410"' "$c"
	# Every other line is unchanged, in the same order.
	[ "$(grep -v '^HOSTNAME=' "$c")" = "$before" ]
	vx_ct_cleanup 410
}

@test "set --save writes atomically: new inode, no temp files left" {
	vx_create 411
	local c ino1 ino2 i
	c=$(conf 411)
	ino1=$(stat -c %i "$c")
	for i in 1 2 3 4 5; do
		vx_expect_ok vzctl set 411 --description "round $i" --save
	done
	ino2=$(stat -c %i "$c")
	# rename(2) of a temp file replaces the inode; an in-place write keeps it.
	[ "$ino1" != "$ino2" ]
	[ "$(ls -A "$VX_ROOT/etc/vz/conf" | grep -v -E '^([0-9]+\.conf|ve-.*\.conf-sample)$')" = "" ] ||
		{ ls -la "$VX_ROOT/etc/vz/conf"; false; }
	vx_ct_cleanup 411
}

@test "set while another reader loops never sees a partial config" {
	vx_create 412
	local c
	c=$(conf 412)
	# A reader that checks the file always parses (sourcing it as shell
	# works for OpenVZ-format files) and has the OSTEMPLATE line.
	( for i in $(seq 1 300); do
		grep -q '^OSTEMPLATE=' "$c" || { echo TORN; exit 1; }
	  done ) 3>&- &
	local reader=$!
	local i
	for i in $(seq 1 20); do
		vzctl set 412 --description "d$i" --save >/dev/null || true
	done
	wait $reader
	vx_ct_cleanup 412
}

@test "no temp files anywhere in the tree after a full lifecycle" {
	vx_create_started 413 --name t413 --hostname t413
	vx_expect_ok vzctl set 413 --hostname t413b --save
	vx_expect_ok vzctl stop 413 --fast
	vx_expect_ok vzctl destroy 413
	run find "$VX_ROOT/etc" "$VX_ROOT/vz" "$VX_ROOT/run" \
		\( -name '*.tmp*' -o -name '.*.tmp*' -o -name '*~' -o -name '*.creating' -o -name '*.XXXXXX' \) -print
	[ -z "$output" ] || { echo "left behind: $output"; false; }
	[ -z "$(ls -A "$VX_ROOT/vz/private")" ]
}

@test "set without options: usage error 20" {
	vx_create 414
	vx_expect_rc 20 vzctl set 414
	vx_ct_cleanup 414
}
