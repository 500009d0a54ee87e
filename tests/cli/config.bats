#!/usr/bin/env bats
# Configuration (issue 2 item 5): vz.conf and the sample configs are in
# OpenVZ format, every sample can create a VPS, the state tree relocates with
# VX_ROOT (the real /etc/vz, /vz, /run/vx are never touched), cgroup names
# relocate with VX_CGROUP_PREFIX.

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

# OpenVZ configs are also valid shell: KEY="value" lines and comments.
@test "templates/vz.conf is OpenVZ format with the required keys" {
	local f=$VX_SRC/templates/vz.conf
	run bash -n "$f"
	[ "$status" -eq 0 ]
	! grep -vE '^[[:space:]]*(#.*)?$|^[A-Z_][A-Z0-9_]*=("[^"]*"|[^"[:space:]]*)$' "$f" || false
	local k
	for k in VE_ROOT VE_PRIVATE TEMPLATE LOCKDIR DUMPDIR VE_PARALLEL \
		 DEF_OSTEMPLATE CONFIGFILE STOP_TIMEOUT; do
		grep -q "^$k=" "$f" || { echo "vz.conf lacks $k"; false; }
	done
	grep -q '^VE_ROOT=/vz/root/\$VEID$' "$f"
	grep -q '^VE_PRIVATE=/vz/private/\$VEID$' "$f"
	grep -q '^DEF_OSTEMPLATE="busybox"$' "$f"
}

@test "sample configs are OpenVZ format and carry STOP_SIGNAL" {
	local f n=0
	for f in "$VX_SRC"/templates/conf/ve-*.conf-sample; do
		n=$((n + 1))
		bash -n "$f"
		! grep -vE '^[[:space:]]*(#.*)?$|^[A-Z_][A-Z0-9_]*=("[^"]*"|[^"[:space:]]*)$' "$f" || false
		grep -q '^STOP_SIGNAL="USR2"$' "$f"
	done
	[ "$n" -ge 2 ]
	[ -e "$VX_SRC/templates/conf/ve-basic.conf-sample" ]
	[ -e "$VX_SRC/templates/conf/ve-vswap-256m.conf-sample" ]
}

@test "every shipped sample creates and starts a VPS" {
	local f s ct=901
	for f in "$VX_SRC"/templates/conf/ve-*.conf-sample; do
		s=${f##*/ve-}; s=${s%.conf-sample}
		vx_create $ct --config "$s"
		vx_expect_ok vzctl start $ct
		vx_wait_running $ct
		vx_expect_ok vzctl exec $ct true
		vx_ct_cleanup $ct
		ct=$((ct + 1))
	done
}

@test "CONFIGFILE in vz.conf picks the default sample" {
	sed -i 's/^CONFIGFILE=.*/CONFIGFILE="vswap-256m"/' "$VX_ROOT/etc/vz/vz.conf"
	run vx_timeout vzctl create 910 --ostemplate busybox
	sed -i 's/^CONFIGFILE=.*/CONFIGFILE="basic"/' "$VX_ROOT/etc/vz/vz.conf"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	grep -q '^PHYSPAGES="0:256M"' "$VX_ROOT/etc/vz/conf/910.conf"
	vx_ct_cleanup 910
}

@test "VX_ROOT relocates everything: the real tree is not touched" {
	local real_before
	real_before=$(ls -d /etc/vz/conf/911.conf /vz/private/911 /vz/root/911 \
		/run/vx/ct/911.state 2>/dev/null || true)
	[ -z "$real_before" ] || skip "a real CT 911 exists on this host"
	vx_create_started 911
	[ -e "$VX_ROOT/etc/vz/conf/911.conf" ]
	[ -e "$VX_ROOT/run/vx/ct/911.state" ]
	[ -S "$VX_ROOT/run/vx/vxd.sock" ]
	[ -z "$(ls -d /etc/vz/conf/911.conf /vz/private/911 /vz/root/911 \
		/run/vx/ct/911.state 2>/dev/null)" ]
	# The CT's cgroups are under our prefix, not the default "vx".
	local pid
	pid=$(vx_init_pid 911)
	grep -q "/$VX_CGROUP_PREFIX/911" /proc/$pid/cgroup
	! grep -q ':/vx/911' /proc/$pid/cgroup || false
	vx_ct_cleanup 911
	# cgroups are removed on stop
	[ -z "$(find /sys/fs/cgroup -maxdepth 3 -path "*/$VX_CGROUP_PREFIX/911" 2>/dev/null)" ]
}

@test "two trees side by side do not see each other's VPSes" {
	vx_create 912
	local other
	other=$(mktemp -d /tmp/vxt.XXXXXX)
	mkdir -p "$other/etc/vz/conf"
	cp "$VX_SRC"/templates/conf/*.conf-sample "$other/etc/vz/conf/"
	VX_ROOT=$other VX_CGROUP_PREFIX=${VX_CGROUP_PREFIX}b run vx_timeout vzlist -a -H -o ctid
	local st=$status out=$output
	# stop the second tree's vxd and remove it
	local p
	p=$(cat "$other/run/vx/vxd.pid" 2>/dev/null) && kill -9 "$p" 2>/dev/null
	rm -rf "$other"
	[ "$st" -eq 0 ]
	! grep -q 912 <<<"$out" || false
	vx_ct_cleanup 912
}

@test "vz.conf missing: built-in defaults under VX_ROOT work" {
	local other
	other=$(mktemp -d /tmp/vxt.XXXXXX)
	VX_ROOT=$other VX_CGROUP_PREFIX=${VX_CGROUP_PREFIX}c run vx_timeout vzctl status 913
	local st=$status out=$output
	local p
	p=$(cat "$other/run/vx/vxd.pid" 2>/dev/null) && kill -9 "$p" 2>/dev/null
	rm -rf "$other"
	[ "$st" -eq 0 ] || { echo "$out"; false; }
	[ "$out" = "CTID 913 deleted unmounted down" ]
}

@test "STOP_SIGNAL from the CT config is what stop sends" {
	vx_create 914
	# busybox init: SIGUSR1 = halt, which also ends the VPS.
	sed -i 's/^STOP_SIGNAL=.*/STOP_SIGNAL="USR1"/' "$VX_ROOT/etc/vz/conf/914.conf"
	vx_expect_ok vzctl start 914 --wait
	vx_wait_running 914
	vx_wait_for 10 vx_in_ct 914 'test -e /run/booted'
	local t0=$SECONDS
	vx_expect_ok vzctl stop 914
	[ $((SECONDS - t0)) -lt "$VX_TEST_STOP_TIMEOUT" ]
	vx_ct_cleanup 914
}
