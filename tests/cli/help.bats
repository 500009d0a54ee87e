#!/usr/bin/env bats
# --help texts: vzctl --help lists every verb; vzctl VERB --help describes
# that verb's options; vzlist --help; --version. Help goes to stdout with
# exit 0 (it was asked for); usage errors go to stderr with exit 20.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

VERBS="create start stop restart destroy delete mount umount status exec exec2 enter set list"

@test "vzctl --help lists every verb" {
	vx_expect_ok vzctl --help
	local v
	for v in $VERBS; do
		grep -qw -- "$v" <<<"$output" || { echo "verb $v missing"; false; }
	done
}

@test "vzctl with no arguments: usage, exit 20" {
	run --separate-stderr vx_timeout vzctl
	[ "$status" -eq 20 ]
	grep -qi usage <<<"$stderr$output"
}

@test "vzctl VERB --help exists for every verb and names it" {
	local v
	for v in $VERBS; do
		run vx_timeout vzctl "$v" --help
		[ "$status" -eq 0 ] || { echo "$v --help: exit $status"; false; }
		grep -qw -- "$v" <<<"$output" || { echo "$v --help: $output"; false; }
	done
}

@test "verb help documents its options" {
	vx_expect_ok vzctl create --help
	local o
	for o in --ostemplate --config --hostname --name --private --root; do
		vx_output_has "$o"
	done
	vx_expect_ok vzctl stop --help
	vx_output_has --fast
	vx_expect_ok vzctl start --help
	vx_output_has --wait
	vx_expect_ok vzctl set --help
	for o in --hostname --name --onboot --description --save; do
		vx_output_has "$o"
	done
}

@test "help does not need vxd or a state tree" {
	VX_ROOT=/nonexistent/vx run vx_timeout vzctl --help
	[ "$status" -eq 0 ]
	VX_ROOT=/nonexistent/vx run vx_timeout vzctl start --help
	[ "$status" -eq 0 ]
}

@test "vzlist --help lists its options" {
	vx_expect_ok vzlist --help
	local o
	for o in -a -S -H -o -s -j; do
		grep -qw -- "$o" <<<"$output" || { echo "vzlist $o missing"; false; }
	done
}

@test "vzctl --version prints a version and kernel feature summary" {
	vx_expect_ok vzctl --version
	[[ "$output" =~ [0-9]+\.[0-9]+ ]]
}

@test "exec and enter help mention exec2 semantics and the pty" {
	vx_expect_ok vzctl exec --help
	grep -q 8 <<<"$output" || vx_output_has exit
}

@test "every command listed by vzctl --help is accepted by vzctl" {
	vx_expect_ok vzctl --help
	local cmds v
	# The "Commands:" block: two-space indented "name  description" lines.
	cmds=$(awk '/^Commands:/ { on = 1; next } on && /^[^ ]/ { on = 0 }
		on && /^  [a-z]/ { print $1 }' <<<"$output")
	[ -n "$cmds" ]
	for v in $cmds; do
		run vx_timeout vzctl "$v" --help
		[ "$status" -eq 0 ] || { echo "vzctl $v --help: exit $status: $output"; false; }
	done
}
