#!/usr/bin/env bats
# make install DESTDIR=... PREFIX=/usr installs the binaries, the vzlist
# link, man pages, vz.conf and the sample configs, and the installed
# binaries run.

load helpers

# A private build directory (B=...): other builds in the shared tree must
# not race with ours.
vx_make_install() {
	make -C "$VX_SRC" --no-print-directory -j2 B="$DEST.build" \
		install DESTDIR="$DEST" PREFIX=/usr
}

setup_file() {
	export DEST=$(mktemp -d /tmp/vxinst.XXXXXX)
	vx_make_install >"$DEST.log" 2>&1 || true
}
teardown_file() { rm -rf "$DEST" "$DEST.log" "$DEST.build"; }

@test "make install succeeds" {
	run vx_make_install
	[ "$status" -eq 0 ] || { echo "$output" | tail -20; false; }
}

@test "binaries: vxd, vzctl, vzlist under PREFIX/sbin" {
	[ -x "$DEST/usr/sbin/vxd" ]
	[ -x "$DEST/usr/sbin/vzctl" ]
	[ -e "$DEST/usr/sbin/vzlist" ]
	run "$DEST/usr/sbin/vzctl" --help
	[ "$status" -eq 0 ]
	run "$DEST/usr/sbin/vzlist" --help
	[ "$status" -eq 0 ]
}

@test "configs: /etc/vz/vz.conf and the samples" {
	[ -f "$DEST/etc/vz/vz.conf" ]
	cmp "$DEST/etc/vz/vz.conf" "$VX_SRC/templates/vz.conf"
	[ -f "$DEST/etc/vz/conf/ve-basic.conf-sample" ]
	[ -f "$DEST/etc/vz/conf/ve-vswap-256m.conf-sample" ]
}

@test "man pages for vzctl, vzlist, vxd" {
	local m
	for m in vzctl vzlist vxd; do
		ls "$DEST"/usr/share/man/man*/$m.* >/dev/null 2>&1 ||
			{ echo "no man page for $m"; ls -R "$DEST/usr/share" | head -30; false; }
	done
	man -l "$(ls "$DEST"/usr/share/man/man*/vzctl.* | head -1)" >/dev/null 2>&1 ||
		[ $? -ne 16 ]
}

@test "the template builder is installed" {
	[ -x "$DEST/usr/share/vx/templates/busybox/build.sh" ]
}

@test "install does not overwrite an existing vz.conf" {
	echo '# local edit' >>"$DEST/etc/vz/vz.conf"
	run vx_make_install
	[ "$status" -eq 0 ]
	grep -q '^# local edit' "$DEST/etc/vz/vz.conf"
}

@test "nothing is installed outside DESTDIR" {
	# Everything we installed is under DEST; this only checks the layout.
	[ -z "$(find "$DEST" -maxdepth 1 -mindepth 1 ! -name usr ! -name etc)" ]
}
