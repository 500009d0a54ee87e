#!/usr/bin/env bats
# Per-distribution setup of a CT's files at `vzctl set` (issue 5):
# --userpasswd (/etc/shadow, SHA-512 crypt) and --hostname (/etc/hostname,
# /etc/hosts), on stopped and running CTs, for the overlay, plain and
# image layouts. The debian-12 tree is covered by template-debian.bats;
# /etc/resolv.conf (--nameserver) by the network tests.

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

# The CT's file REL, read through `vzctl mount` (stopped CT).
ct_file() {
	local ct=$1 rel=$2 out
	vx_timeout vzctl mount "$ct" >/dev/null || return 1
	out=$(cat "$VX_ROOT/vz/root/$ct/$rel")
	vx_timeout vzctl umount "$ct" >/dev/null || return 1
	printf '%s\n' "$out"
}

# Checks that HASH is PASSWORD's crypt(3) hash: libcrypt recomputes it with
# the hash itself as the salt (perl's crypt is libcrypt's).
hash_matches() {
	local pass=$1 hash=$2
	[ "$(perl -e 'print crypt($ARGV[0], $ARGV[1])' "$pass" "$hash")" = "$hash" ]
}

@test "set --userpasswd on a stopped CT: SHA-512 hash in shadow, other lines and mode kept" {
	for layout in overlay plain image; do
		vx_create 402 --layout $layout --diskspace 64M
		before=$(ct_file 402 etc/shadow)
		vx_expect_ok vzctl set 402 --userpasswd root:s3cret:with:colons
		vx_output_has "password of user root set"
		run ct_file 402 etc/shadow
		hash=$(awk -F: '$1 == "root" { print $2 }' <<<"$output")
		[[ $hash == '$6$'* ]]
		hash_matches 's3cret:with:colons' "$hash"
		! hash_matches 'other' "$hash" || false
		# last change = today; every other user's line unchanged
		[ "$(awk -F: '$1 == "root" { print $3 }' <<<"$output")" = $(($(date +%s) / 86400)) ]
		[ "$(grep -v '^root:' <<<"$output")" = "$(grep -v '^root:' <<<"$before")" ]
		vx_timeout vzctl mount 402
		[ "$(stat -c %a "$VX_ROOT/vz/root/402/etc/shadow")" = 640 ]
		vx_timeout vzctl umount 402
		# never in the config
		! grep -q 's3cret' "$VX_ROOT/etc/vz/conf/402.conf" || false
		vx_ct_cleanup 402
	done
}

@test "set --userpasswd and --hostname on a running CT take effect inside at once" {
	vx_create_started 403
	vx_expect_ok vzctl set 403 --userpasswd root:first --hostname live.example.net
	run vx_in_ct 403 'cat /etc/shadow /etc/hosts'
	[ "$status" -eq 0 ]
	hash=$(awk -F: '$1 == "root" { print $2 }' <<<"$output")
	hash_matches first "$hash"
	grep -qx $'127.0.1.1\tlive.example.net live' <<<"$output"
	vx_expect_ok vzctl set 403 --userpasswd root:second
	run vx_in_ct 403 'grep ^root: /etc/shadow'
	hash2=$(cut -d: -f2 <<<"$output")
	hash_matches second "$hash2"
	[ "$hash2" != "$hash" ]
	vx_ct_cleanup 403
}

@test "a symlink the CT planted is replaced, never followed to the host" {
	vx_create_started 404
	canary=$VX_ROOT/canary
	echo untouched >"$canary"
	vx_in_ct 404 "ln -sf $canary /etc/hosts && ln -sf $canary /etc/shadow"
	vx_expect_ok vzctl set 404 --hostname safe.example.com --userpasswd root:x
	[ "$(cat "$canary")" = untouched ]
	run vx_in_ct 404 '[ -L /etc/hosts ] || [ -L /etc/shadow ] && echo link; grep -c safe.example.com /etc/hosts'
	[ "$output" = 1 ]
	vx_ct_cleanup 404
}

@test "set --hostname on a stopped CT rewrites /etc/hostname and the 127.0.1.1 line" {
	vx_create 405 --hostname old.example.com
	vx_expect_ok vzctl set 405 --hostname new.example.org
	[ "$(ct_file 405 etc/hostname)" = new.example.org ]
	run ct_file 405 etc/hosts
	grep -qx $'127.0.1.1\tnew.example.org new' <<<"$output"
	! grep -q old.example.com <<<"$output" || false
	grep -q localhost <<<"$output"
	vx_ct_cleanup 405
}

@test "bad --userpasswd values and unknown users are refused (exit 21), nothing written" {
	vx_create 406
	before=$(ct_file 406 etc/shadow)
	vx_expect_rc 21 vzctl set 406 --userpasswd root
	vx_output_has "USER:PASSWORD"
	vx_expect_rc 21 vzctl set 406 --userpasswd root:
	vx_expect_rc 21 vzctl set 406 --userpasswd 'ro ot:x'
	vx_expect_rc 21 vzctl set 406 --userpasswd nosuchuser:pw
	vx_output_has "no user 'nosuchuser'"
	vx_expect_rc 21 vzctl set 406 --hostname 'bad_host!' --userpasswd root:x
	[ "$(ct_file 406 etc/shadow)" = "$before" ]
	vx_ct_cleanup 406
}
