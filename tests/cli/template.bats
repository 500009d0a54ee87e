#!/usr/bin/env bats
# The busybox template (issue 2 item 7): built offline in seconds from
# Debian's busybox-static, reproducible, with busybox init and the files a
# VPS needs, and no device nodes (vx makes /dev at start).

load helpers

setup_file() {
	export TPL_OUT=$(mktemp -d /tmp/vxtpl.XXXXXX)
}
teardown_file() { rm -rf "$TPL_OUT"; }

list() { tar --zstd -tvf "$TPL_OUT/a/busybox.tar.zst"; }

@test "build.sh builds busybox.tar.zst offline in a few seconds" {
	local t0=$SECONDS
	run unshare -n "$VX_SRC/templates/busybox/build.sh" "$TPL_OUT/a"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ $((SECONDS - t0)) -lt 15 ]
	[ -s "$TPL_OUT/a/busybox.tar.zst" ]
	zstd -tq "$TPL_OUT/a/busybox.tar.zst"
}

@test "the archive is reproducible (byte-identical on rebuild)" {
	"$VX_SRC/templates/busybox/build.sh" "$TPL_OUT/b" >/dev/null
	[ "$(sha256sum <"$TPL_OUT/a/busybox.tar.zst")" = \
	  "$(sha256sum <"$TPL_OUT/b/busybox.tar.zst")" ]
}

@test "no temp files left in the output directory" {
	[ "$(ls -A "$TPL_OUT/a")" = busybox.tar.zst ]
}

@test "contains busybox, init, a shell and the applets" {
	run list
	local f
	for f in ./bin/busybox ./sbin/init ./bin/sh ./bin/ps ./sbin/reboot \
		 ./sbin/halt ./sbin/poweroff ./bin/hostname; do
		grep -qE " $f( |$)" <<<"$output" || { echo "missing $f"; false; }
	done
	# Links are relative, so the tree works wherever it is unpacked.
	! grep -E ' -> /' <<<"$output" || false
}

@test "has inittab, rcS, passwd, group, shadow, hosts, hostname, resolv.conf" {
	run list
	local f
	for f in etc/inittab etc/init.d/rcS etc/passwd etc/group etc/shadow \
		 etc/hosts etc/hostname etc/resolv.conf; do
		grep -q " ./$f$" <<<"$output" || { echo "missing $f"; false; }
	done
	tar --zstd -xOf "$TPL_OUT/a/busybox.tar.zst" ./etc/inittab | grep -q '::sysinit:'
	tar --zstd -xOf "$TPL_OUT/a/busybox.tar.zst" ./etc/inittab | grep -q '::shutdown:'
	tar --zstd -xOf "$TPL_OUT/a/busybox.tar.zst" ./etc/passwd | grep -q '^root:x:0:0:'
}

@test "directories: /tmp 1777, /root 0700, empty /dev /proc /sys /run" {
	run list
	grep -qE '^drwxrwxrwt .* \./tmp/$' <<<"$output"
	grep -qE '^drwx------ .* \./root/$' <<<"$output"
	local d
	for d in dev proc sys run; do
		grep -qE " \./$d/$" <<<"$output"
		! grep -qE " \./$d/." <<<"$output" || { echo "$d not empty"; false; } || false
	done
}

@test "no device nodes; every entry owned 0/0; mtime 0" {
	run list
	! grep -qE '^[cbp]' <<<"$output" || false
	! grep -vqE '^\S+ 0/0 ' <<<"$output" || false
	! grep -vq ' 1970-01-01 00:00 ' <<<"$output" || false
}

@test "busybox in the template is static (runs with no libc in the VPS)" {
	mkdir -p "$TPL_OUT/x"
	tar --zstd -xf "$TPL_OUT/a/busybox.tar.zst" -C "$TPL_OUT/x"
	! ldd "$TPL_OUT/x/bin/busybox" 2>/dev/null | grep -q '=>' || false
	# It runs in a chroot of the tree alone.
	run chroot "$TPL_OUT/x" /bin/sh -c 'echo works; ls /etc/inittab'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = works ]
}

@test "make template puts it where make check-cli expects it" {
	[ -s "$VX_SRC/build/template/cache/busybox.tar.zst" ] ||
		skip "make template has not run (make check-cli runs it)"
	zstd -tq "$VX_SRC/build/template/cache/busybox.tar.zst"
}
