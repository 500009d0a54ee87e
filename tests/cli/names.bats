#!/usr/bin/env bats
# A name set with --name can stand in for the CTID in every verb.

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

@test "every verb accepts the name instead of the CTID" {
	vx_create 601 --name web601 --hostname h601
	vx_expect_ok vzctl status web601
	[ "$output" = "CTID 601 exist unmounted down" ]
	vx_expect_ok vzctl mount web601
	vx_expect_ok vzctl umount web601
	vx_expect_ok vzctl start web601 --wait
	vx_wait_running 601
	vx_expect_ok vzctl status web601
	[ "$output" = "CTID 601 exist mounted running" ]
	vx_expect_ok vzctl exec web601 hostname
	[ "$output" = h601 ]
	vx_expect_rc 4 vzctl exec2 web601 'exit 4'
	vx_expect_ok vzctl set web601 --description named --save
	vx_expect_ok vzctl restart web601
	vx_wait_running 601
	vx_expect_ok vzlist -H -o ctid,name web601
	[ "$(echo $output)" = "601 web601" ]
	vx_expect_ok vzctl stop web601 --fast
	vx_expect_ok vzctl destroy web601
	vx_expect_ok vzctl status 601
	[ "$output" = "CTID 601 deleted unmounted down" ]
	[ ! -e "$VX_ROOT/etc/vz/names/web601" ]
}

@test "an unknown name is an error naming it" {
	run vx_timeout vzctl start nosuchname
	[ "$status" -ne 0 ]
	vx_output_has nosuchname
}

@test "a name that is all digits is refused (it would be a CTID)" {
	vx_create 602
	run vx_timeout vzctl set 602 --name 12345 --save
	[ "$status" -eq 21 ] || [ "$status" -eq 20 ]
	vx_ct_cleanup 602
}

@test "create with a name already taken is refused, nothing created" {
	vx_create 603 --name dup603
	run vx_timeout vzctl create 604 --ostemplate busybox --name dup603
	[ "$status" -ne 0 ]
	vx_output_has dup603
	[ ! -e "$VX_ROOT/etc/vz/conf/604.conf" ]
	[ ! -e "$VX_ROOT/vz/private/604" ]
	vx_ct_cleanup 603
}

@test "names with dots, dashes, underscores work" {
	vx_create 605 --name my-ct_605.example
	vx_expect_ok vzctl status my-ct_605.example
	[ "$output" = "CTID 605 exist unmounted down" ]
	vx_ct_cleanup 605
}
