#!/usr/bin/env bats
# The debian-12 OS template (issue 5): built with debootstrap from Debian's
# repositories, boots as a VPS under sysvinit, `vzctl exec` works, the
# per-distribution setup writes its files, `vzctl stop` shuts it down
# cleanly through its init.
#
# Building takes 1-2 minutes and needs the network to deb.debian.org, so the
# archive is cached outside the clone, in $VX_DEBIAN_CACHE (default
# /var/cache/vx/templates): the first test builds it with `vzctl template
# build debian-12` when the cache is missing or was built by other builder files
# (templates/debian-12/build.sh, templates/lib/*), else installs the cached
# one. With a fresh cache the file takes well under a minute. Without the
# network and without a cache, every test skips, saying so.

load helpers

DEB_CACHE=${VX_DEBIAN_CACHE:-/var/cache/vx/templates}

setup_file() {
	vx_test_setup
	export VX_TEMPLATES_DIR=$VX_SRC/templates
	export VX_PROGRESS=0
}
teardown_file() { vx_test_teardown; }

# The cache is keyed on the builder's content, not on mtimes: a fresh clone
# has new mtimes everywhere and must not rebuild (and need the network) when
# nothing the build depends on changed.
builder_sum() {
	(cd "$VX_SRC" && sha256sum templates/debian-12/* templates/lib/*) |
		sha256sum | cut -d' ' -f1
}

cache_fresh() {
	local a=$DEB_CACHE/debian-12.tar.zst
	[ -s "$a" ] && [ -s "$DEB_CACHE/debian-12.conf" ] || return 1
	[ "$(cat "$DEB_CACHE/debian-12.builder" 2>/dev/null)" = "$(builder_sum)" ]
}

need_template() {
	[ -s "$VX_ROOT/vz/template/cache/debian-12.tar.zst" ] ||
		skip "no debian-12 template (no network to deb.debian.org and no cache in $DEB_CACHE)"
}

@test "debian-12: vzctl template build (or the fresh cache in \$VX_DEBIAN_CACHE)" {
	local cache=$VX_ROOT/vz/template/cache
	if cache_fresh; then
		cp "$DEB_CACHE/debian-12.tar.zst" "$DEB_CACHE/debian-12.conf" "$cache/"
	else
		timeout 5 bash -c '</dev/tcp/deb.debian.org/80' 2>/dev/null ||
			skip "deb.debian.org unreachable and no fresh cache in $DEB_CACHE"
		VX_CMD_TIMEOUT=900 vx_expect_ok vzctl template build debian-12
		vx_output_has "Template debian-12 installed"
		# no half-made files left next to the archive
		[ -z "$(ls -A "$cache" | grep -v -e '^busybox' -e '^debian-12\.')" ]
		mkdir -p "$DEB_CACHE"
		for f in debian-12.conf debian-12.tar.zst; do
			cp "$cache/$f" "$DEB_CACHE/.$f.tmp.$$" &&
				mv -f "$DEB_CACHE/.$f.tmp.$$" "$DEB_CACHE/$f"
		done
		builder_sum >"$DEB_CACHE/.builder.tmp.$$" &&
			mv -f "$DEB_CACHE/.builder.tmp.$$" "$DEB_CACHE/debian-12.builder"
	fi
	grep -qx 'STOP_SIGNAL="INT"' "$cache/debian-12.conf"
	# a Debian tree with sysvinit, without device nodes, hostname of the
	# build host or apt lists
	run tar --zstd -tf "$cache/debian-12.tar.zst"
	grep -qx './sbin/init' <<<"$output" || grep -qx './usr/sbin/init' <<<"$output"
	grep -qx './etc/debian_version' <<<"$output"
	grep -qx './etc/network/interfaces.d/' <<<"$output"
	! grep -q '^./dev/.' <<<"$output" || false
	! grep -q '^./var/lib/apt/lists/.' <<<"$output" || false
	[ "$(tar --zstd -xOf "$cache/debian-12.tar.zst" ./etc/hostname)" = localhost ]
	vx_expect_ok vzctl template list
	grep -qE '^debian-12 +[0-9.]+M ' <<<"$output"
}

@test "debian-12 CT (overlay) boots sysvinit to runlevel 2; exec works; setup files written" {
	need_template
	VX_CMD_TIMEOUT=120 vx_expect_ok vzctl create 501 --ostemplate debian-12 \
		--hostname deb1.example.com
	grep -qx 'STOP_SIGNAL="INT"' "$VX_ROOT/etc/vz/conf/501.conf"
	vx_expect_ok vzctl start 501 --wait
	vx_wait_running 501
	# runlevel 2 is reached when rc 2 has run: poll, boot takes ~1 s
	vx_wait_for 30 bash -c "vzctl exec 501 runlevel 2>/dev/null | grep -qx 'N 2'"
	run vx_in_ct 501 'cat /etc/debian_version; cat /proc/1/comm; hostname; cat /etc/hosts'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == 12.* ]]
	[ "${lines[1]}" = init ]
	[ "${lines[2]}" = deb1.example.com ]
	grep -qx $'127.0.1.1\tdeb1.example.com deb1' <<<"$output"
	vx_expect_ok vzctl set 501 --userpasswd root:debpw --nameserver 192.0.2.1 \
		--searchdomain example.com
	run vx_in_ct 501 'grep ^root: /etc/shadow; cat /etc/resolv.conf; id -u'
	hash=$(awk -F: '/^root:/ { print $2 }' <<<"$output")
	[ "$(perl -e 'print crypt($ARGV[0], $ARGV[1])' debpw "$hash")" = "$hash" ]
	grep -qx 'nameserver 192.0.2.1' <<<"$output"
	grep -qx 'search example.com' <<<"$output"
	# the VPS's own tools find what they need (dpkg database, apt)
	run vx_in_ct 501 'dpkg -s sysvinit-core | grep -c "^Status: install ok installed"'
	[ "$output" = 1 ]
}

@test "debian-12 CT: vzctl stop shuts down through init (runlevel 0), not by the kill timeout" {
	need_template
	vx_is_running 501 || skip "CT 501 did not start in the test before"
	# a service's init script, registered as apt would (update-rc.d):
	# its stop action must run on the way down
	vx_in_ct 501 'cat >/etc/init.d/vxtest <<EOF
#!/bin/sh
### BEGIN INIT INFO
# Provides:          vxtest
# Required-Start:    $remote_fs $syslog
# Required-Stop:     $remote_fs $syslog
# Default-Start:     2 3 4 5
# Default-Stop:      0 1 6
# Short-Description: vx test service
### END INIT INFO
[ "\$1" = stop ] && sleep 1 && : >/root/stopped-by-rc0
exit 0
EOF
chmod +x /etc/init.d/vxtest && update-rc.d vxtest defaults'
	local t0=$SECONDS
	vx_expect_ok vzctl stop 501
	# STOP_TIMEOUT is $VX_TEST_STOP_TIMEOUT (10 s): a shutdown that hung
	# until the kill would take that long
	[ $((SECONDS - t0)) -lt $((VX_TEST_STOP_TIMEOUT - 2)) ]
	vx_timeout vzctl mount 501
	[ -e "$VX_ROOT/vz/root/501/root/stopped-by-rc0" ]
	vx_timeout vzctl umount 501
	vx_expect_ok vzctl destroy 501
}

@test "debian-12 CT with the plain layout: a full private copy that starts" {
	need_template
	VX_CMD_TIMEOUT=180 vx_expect_ok vzctl create 502 --ostemplate debian-12 --layout plain
	[ -f "$VX_ROOT/vz/private/502/etc/debian_version" ]
	vx_expect_ok vzctl start 502 --wait
	vx_wait_running 502
	run vx_in_ct 502 'cat /proc/1/comm'
	[ "$output" = init ]
	vx_ct_cleanup 502
	[ ! -e "$VX_ROOT/vz/private/502" ]
}

@test "debian-12: template remove takes the archive, its settings file and its shared tree" {
	need_template
	vx_ct_cleanup 501 502
	vx_expect_ok vzctl template remove debian-12
	[ ! -e "$VX_ROOT/vz/template/cache/debian-12.tar.zst" ]
	[ ! -e "$VX_ROOT/vz/template/cache/debian-12.conf" ]
	[ -z "$(ls -d "$VX_ROOT"/vz/template/lower/debian-12@* 2>/dev/null)" ]
	vx_expect_rc 91 vzctl create 503 --ostemplate debian-12
}
