#!/usr/bin/env bats
# vzctl template list | info | remove | build (issue 5): run by vzctl
# itself, coordinated with creates by the template's lock.

load helpers

setup_file() {
	vx_test_setup
	export VX_TEMPLATES_DIR=$VX_SRC/templates
}
teardown_file() { vx_test_teardown; }

@test "template list: name, size, unpacked, users; --json" {
	vx_expect_ok vzctl template list
	vx_output_has "NAME"
	grep -qE '^busybox +[0-9.]+[KM] +no +0 +0$' <<<"$output"
	vx_create 301 --layout overlay
	vx_create 302 --layout plain
	vx_expect_ok vzctl template list
	grep -qE '^busybox +[0-9.]+[KM] +yes +1 +1$' <<<"$output"
	vx_expect_ok vzctl --json template list
	grep -q '"name":"busybox"' <<<"$output"
	grep -q '"users":1' <<<"$output"
	vx_ct_cleanup 301 302
}

@test "template info names the archive, the shared tree and its users" {
	vx_create 303 --layout overlay
	vx_expect_ok vzctl template info busybox
	vx_output_has "$VX_ROOT/vz/template/cache/busybox.tar.zst"
	vx_output_has "$VX_ROOT/vz/template/lower/busybox@"
	grep -qE '^users +303$' <<<"$output"
	vx_expect_ok vzctl --json template info busybox
	grep -q '"users":\[303\]' <<<"$output"
	vx_expect_rc 91 vzctl template info nosuch
	vx_expect_rc 21 vzctl template info ../etc
	vx_ct_cleanup 303
}

@test "template remove refuses while overlay CTs use it, naming them" {
	vx_create 304 --layout overlay
	vx_create 305 --layout overlay
	vx_expect_rc 21 vzctl template remove busybox
	vx_output_has "304, 305"
	[ -s "$VX_ROOT/vz/template/cache/busybox.tar.zst" ]
	vx_expect_ok vzctl start 304 --wait
	vx_ct_cleanup 304 305
}

@test "template build busybox installs the archive; remove; build again" {
	vx_expect_ok vzctl template build busybox
	vx_output_has "installed"
	[ -s "$VX_ROOT/vz/template/cache/busybox.tar.zst" ]
	! ls -A "$VX_ROOT/vz/template/cache" | grep -q '^\.build' || false
	vx_expect_ok vzctl template remove busybox
	[ ! -e "$VX_ROOT/vz/template/cache/busybox.tar.zst" ]
	vx_expect_rc 91 vzctl create 306
	vx_expect_ok vzctl -q template build busybox
	vx_create 306 --layout overlay
	vx_ct_cleanup 306
}

@test "rebuilding keeps the old shared tree while CTs use it, prunes it after" {
	touch -d '2002-02-02' "$VX_ROOT/vz/template/cache/busybox.tar.zst"
	vx_create 307 --layout overlay
	local old
	old=$(readlink "$VX_ROOT/vz/private/307/lower")
	vx_expect_ok vzctl template build busybox
	[ -d "$old" ]
	vx_create 308 --layout overlay
	[ "$(readlink "$VX_ROOT/vz/private/308/lower")" != "$old" ]
	vx_expect_ok vzctl start 307 --wait
	vx_ct_cleanup 307
	vx_expect_ok vzctl template build busybox
	[ ! -e "$old" ]
	vx_ct_cleanup 308
}

@test "template usage errors and build of an unknown template" {
	vx_expect_rc 20 vzctl template
	vx_expect_rc 20 vzctl template frobnicate
	vx_expect_rc 20 vzctl template info
	vx_expect_ok vzctl template --help
	vx_output_has "remove NAME"
	vx_expect_rc 91 vzctl template build nosuch
	vx_output_has "VX_TEMPLATES_DIR"
}

@test "create draws an unpack progress bar on a terminal only" {
	# script(1) gives vzctl a terminal; the bar goes to it and is erased
	# when the answer comes, so the transcript holds it
	run script -qec "vzctl create 311 --ostemplate busybox --layout plain" /dev/null
	[ "$status" -eq 0 ]
	grep -q '\] 100% unpacking' <<<"$output"
	grep -q 'Container private area was created' <<<"$output"
	vx_ct_cleanup 311
	# no terminal (a script, a pipe): no bar, not even the request for one
	vx_expect_ok vzctl create 312 --ostemplate busybox --layout plain
	! grep -q '%' <<<"$output" || false
	run script -qec "vzctl --quiet create 313 --ostemplate busybox --layout plain" /dev/null
	! grep -q 'unpacking' <<<"$output" || false
	vx_ct_cleanup 312 313
}

@test "unpack errors still carry tar's own message (archive fed through a pipe)" {
	local cache=$VX_ROOT/vz/template/cache
	head -c 20000 "$cache/busybox.tar.zst" >"$cache/broken.tar.zst"
	vx_expect_rc 48 vzctl create 314 --ostemplate broken --layout plain
	vx_output_has "tar failed"
	vx_output_has "broken.tar.zst"
	[ ! -e "$VX_ROOT/vz/private/314" ]
	rm -f "$cache/broken.tar.zst"
}
