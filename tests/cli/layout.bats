#!/usr/bin/env bats
# Storage layouts (issue 5): overlay (a shared lower tree per template
# archive + a per-CT upper dir) next to plain; every CT verb honours the
# CT's own VE_LAYOUT; the shared tree is unpacked once, atomically, even by
# concurrent first creates; it cannot be removed while CTs use it.

load helpers

setup_file() { vx_test_setup; }
teardown_file() { vx_test_teardown; }

lowers() { ls -A "$VX_ROOT/vz/template/lower" 2>/dev/null | grep -v '^\.' || true; }

# TEMPLATE/cache/slow.tar.zst: busybox plus a 512 MiB file of zeros, slow
# enough to unpack that a test can kill vxd in the middle.
make_slow_template() {
	local h=$VX_ROOT/vz/template/cache/slow.tar.zst
	[ -s "$h" ] && return 0
	python3 -c '
import io, sys, tarfile
out = tarfile.open(fileobj=sys.stdout.buffer, mode="w|", format=tarfile.GNU_FORMAT)
with tarfile.open(fileobj=sys.stdin.buffer, mode="r|") as t:
    for m in t:
        out.addfile(m, t.extractfile(m) if m.isfile() else None)
class Z(io.RawIOBase):
    def __init__(s, n): s.n = n
    def readable(s): return True
    def readinto(s, b):
        k = min(len(b), s.n); b[:k] = bytes(k); s.n -= k; return k
big = tarfile.TarInfo("./bigfile"); big.size = 1 << 29
out.addfile(big, io.BufferedReader(Z(big.size), 1 << 20))
out.close()' < <(zstd -dc "$VX_ROOT/vz/template/cache/busybox.tar.zst") |
		zstd -q -1 -T0 >"$h.tmp" && mv "$h.tmp" "$h"
}

@test "create --layout overlay: upper/work/lower link, VE_LAYOUT saved, no copy" {
	vx_create 201 --layout overlay
	local p=$VX_ROOT/vz/private/201
	[ -d "$p/upper" ] && [ -d "$p/work" ] && [ -L "$p/lower" ] || false
	[ -z "$(ls -A "$p/upper")" ]
	[ -x "$(readlink "$p/lower")/bin/busybox" ]
	grep -qx 'VE_LAYOUT="overlay"' "$VX_ROOT/etc/vz/conf/201.conf"
	# Almost no disk: three entries, not a tree.
	[ "$(du -sk "$p" | cut -f1)" -lt 64 ]
	vx_ct_cleanup 201
}

@test "overlay: start, exec, writes land in upper, status/mount/umount, restart keeps them" {
	vx_create 202 --layout overlay
	vx_expect_ok vzctl start 202 --wait
	vx_expect_ok vzctl exec 202 'echo data >/root/f; rm /etc/motd 2>/dev/null; mount | head -1'
	vx_output_has "overlay on / type overlay"
	vx_expect_ok vzctl status 202
	[ "$output" = "CTID 202 exist mounted running" ]
	[ "$(cat "$VX_ROOT/vz/private/202/upper/root/f")" = data ]
	# The shared tree is untouched by the CT's writes.
	[ ! -e "$(readlink "$VX_ROOT/vz/private/202/lower")/root/f" ]
	vx_expect_ok vzctl restart 202 --wait
	vx_expect_ok vzctl exec2 202 'cat /root/f'
	[ "$output" = data ]
	vx_expect_ok vzctl stop 202 --fast
	vx_expect_ok vzctl status 202
	[ "$output" = "CTID 202 exist unmounted down" ]
	vx_expect_ok vzctl mount 202
	vx_expect_ok vzctl status 202
	[ "$output" = "CTID 202 exist mounted down" ]
	[ "$(cat "$VX_ROOT/vz/root/202/root/f")" = data ]
	[ -x "$VX_ROOT/vz/root/202/bin/busybox" ]
	vx_expect_rc 41 vzctl mount 202
	vx_expect_ok vzctl umount 202
	vx_expect_rc 40 vzctl umount 202
	vx_ct_cleanup 202
}

@test "overlay: destroy (also while mounted) removes the CT, keeps the shared tree" {
	vx_create 203 --layout overlay
	vx_expect_ok vzctl mount 203
	local l
	l=$(readlink "$VX_ROOT/vz/private/203/lower")
	vx_expect_ok vzctl destroy 203
	[ ! -e "$VX_ROOT/vz/private/203" ]
	[ ! -e "$VX_ROOT/etc/vz/conf/203.conf" ]
	! grep -q " $VX_ROOT/vz/root/203 " /proc/self/mountinfo || false
	[ -x "$l/bin/busybox" ]
	vx_expect_ok vzctl status 203
	[ "$output" = "CTID 203 deleted unmounted down" ]
}

@test "plain and overlay side by side; vz.conf VE_LAYOUT picks the default" {
	vx_create 204 --layout plain
	[ -x "$VX_ROOT/vz/private/204/bin/busybox" ]
	grep -qx 'VE_LAYOUT="simfs"' "$VX_ROOT/etc/vz/conf/204.conf"
	local conf=$VX_ROOT/etc/vz/vz.conf
	sed -i 's/^VE_LAYOUT=.*/VE_LAYOUT=overlay/' "$conf"
	vx_create 205
	[ -d "$VX_ROOT/vz/private/205/upper" ]
	sed -i 's/^VE_LAYOUT=.*/VE_LAYOUT=simfs/' "$conf"
	vx_create 207
	[ -x "$VX_ROOT/vz/private/207/bin/busybox" ]
	# Changing vz.conf never changes how an existing CT is mounted.
	vx_expect_ok vzctl mount 205
	[ -x "$VX_ROOT/vz/root/205/bin/busybox" ]
	vx_expect_ok vzctl umount 205
	sed -i 's/^VE_LAYOUT=.*/VE_LAYOUT=overlay/' "$conf"
	vx_ct_cleanup 207
	vx_expect_ok vzctl start 204 --wait
	vx_expect_ok vzctl start 205 --wait
	vx_expect_ok vzctl exec2 204 'echo p'
	vx_expect_ok vzctl exec2 205 'echo o'
	vx_ct_cleanup 204 205
}

@test "layouts vx does not have are refused with the reason" {
	vx_expect_rc 21 vzctl create 206 --layout ploop
	vx_output_has 'VE_LAYOUT="ploop" is not supported'
	vx_expect_rc 21 vzctl create 206 --layout prjquota
	if [ ! -e /proc/sys/fs/quota ]; then
		vx_output_has "CONFIG_QUOTA"
	fi
	# btrfs exists, but not on this file system (btrfs.bats runs it)
	if [ "$(stat -f -c %T "$VX_ROOT/vz")" != btrfs ]; then
		vx_expect_rc 21 vzctl create 206 --layout btrfs
		vx_output_has "needs the private area on a btrfs file system"
	fi
	[ ! -e "$VX_ROOT/vz/private/206" ]
	[ ! -e "$VX_ROOT/etc/vz/conf/206.conf" ]
}

@test "concurrent first creates unpack the template once" {
	# A fresh archive identity: a new lower tree must be unpacked.
	touch -d '2001-01-01' "$VX_ROOT/vz/template/cache/busybox.tar.zst"
	local before ct pids=() p rc=0
	before=$(lowers | wc -l)
	for ct in 210 211 212 213 214 215; do
		vx_timeout vzctl create $ct --layout overlay >/dev/null 2>&1 3>&- &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	[ "$rc" -eq 0 ]
	[ "$(lowers | wc -l)" -eq $((before + 1)) ]
	# All link to the same tree; no temp dirs left.
	[ "$(for ct in 210 211 212 213 214 215; do readlink "$VX_ROOT/vz/private/$ct/lower"; done | sort -u | wc -l)" -eq 1 ]
	! ls -A "$VX_ROOT/vz/template/lower" | grep -q '\.tmp\.' || false
	vx_ct_cleanup 210 211 212 213 214 215
}

@test "kill -9 during the first unpack: nothing half-made, the next create works" {
	vx_require python3
	# A slow-to-unpack template (a big zero file) under a new name.
	make_slow_template
	vx_expect_ok vzctl status 220
	vzctl create 220 --ostemplate slow --layout overlay >/dev/null 2>&1 3>&- &
	local cpid=$!
	vx_wait_for 30 compgen -G "$VX_ROOT/vz/template/lower/.slow@*.tmp.*"
	kill -9 "$(vx_vxd_pid)"
	wait $cpid || true
	sleep 1
	vx_expect_ok vzctl status 220
	[ "$output" = "CTID 220 deleted unmounted down" ]
	[ ! -e "$VX_ROOT/vz/private/220" ]
	! lowers | grep -q '^slow@' || false
	# The next create unpacks afresh and removes the dead unpacker's tree.
	vx_expect_ok vzctl create 220 --ostemplate slow --layout overlay
	[ "$(stat -c %s "$(readlink "$VX_ROOT/vz/private/220/lower")/bigfile")" -eq $((1 << 29)) ]
	! ls -A "$VX_ROOT/vz/template/lower" | grep -q '\.tmp\.' || false
	vx_ct_cleanup 220
	vx_expect_ok vzctl template remove slow
}

@test "a CT whose shared tree is gone fails to mount with a clear message" {
	vx_create 221 --layout overlay
	local l
	l=$(readlink "$VX_ROOT/vz/private/221/lower")
	mv "$l" "$l.away"
	vx_expect_rc 50 vzctl start 221
	vx_output_has "is gone"
	mv "$l.away" "$l"
	vx_expect_ok vzctl start 221 --wait
	vx_ct_cleanup 221
}

@test "create --hostname writes /etc/hostname and /etc/hosts (plain and overlay)" {
	local ct l
	for l in plain overlay; do
		ct=$([ $l = plain ] && echo 230 || echo 231)
		vx_create $ct --layout $l --hostname "h$ct.example.com"
		vx_expect_ok vzctl start $ct --wait
		vx_expect_ok vzctl exec2 $ct 'cat /etc/hostname'
		[ "$output" = "h$ct.example.com" ]
		vx_expect_ok vzctl exec2 $ct 'cat /etc/hosts'
		grep -qx "127.0.1.1	h$ct.example.com h$ct" <<<"$output"
		grep -q '^127.0.0.1' <<<"$output"
		vx_ct_cleanup $ct
	done
	# The shared tree keeps the template's files.
	! grep -rq h231 "$VX_ROOT/vz/template/lower/"*/etc/hostname || false
}

@test "image layout: own ext4 sized by DISKSPACE, df inside, ENOSPC at the limit, host unaffected" {
	vx_require mkfs.ext4
	sed 's/^DISKSPACE=.*/DISKSPACE="64M:64M"/' \
		"$VX_ROOT/etc/vz/conf/ve-basic.conf-sample" >"$VX_ROOT/etc/vz/conf/ve-disk64.conf-sample"
	vx_create 240 --layout image --config disk64 --hostname img240
	[ -f "$VX_ROOT/vz/private/240/root.img" ]
	grep -qx 'VE_LAYOUT="image"' "$VX_ROOT/etc/vz/conf/240.conf"
	# Sparse: the 64M image costs only what is written.
	[ "$(du -sk "$VX_ROOT/vz/private/240" | cut -f1)" -lt 16384 ]
	vx_expect_ok vzctl start 240 --wait
	vx_expect_ok vzctl status 240
	[ "$output" = "CTID 240 exist mounted running" ]
	# df inside: its own size (about 64M), not the host's.
	vx_expect_ok vzctl exec2 240 "df -k / | tail -1"
	local size
	size=$(awk '{ print $2 }' <<<"$output")
	[ "$size" -gt 40000 ] && [ "$size" -le 65536 ] || { echo "size $size"; false; }
	vx_expect_ok vzctl exec2 240 'cat /etc/hostname'
	[ "$output" = img240 ]
	# Filling it: ENOSPC inside, the host keeps its free space.
	local host0 host1
	host0=$(df -k --output=avail "$VX_ROOT" | tail -1)
	vx_expect_rc 1 vzctl exec2 240 'dd if=/dev/zero of=/root/big bs=1M count=200'
	vx_output_has "No space left on device"
	host1=$(df -k --output=avail "$VX_ROOT" | tail -1)
	[ $((host0 - host1)) -lt 131072 ]
	vx_expect_ok vzctl stop 240 --fast
	vx_expect_ok vzctl status 240
	[ "$output" = "CTID 240 exist unmounted down" ]
	! losetup -a | grep -q "$VX_ROOT/vz/private/240/" || false
	vx_expect_ok vzctl mount 240
	[ -f "$VX_ROOT/vz/root/240/root/big" ]
	vx_expect_ok vzctl destroy 240
	[ ! -e "$VX_ROOT/vz/private/240" ]
	! losetup -a | grep -q "$VX_ROOT/vz/private/240/" || false
}

@test "image layout without a disk limit is refused, leaving nothing" {
	sed 's/^DISKSPACE=.*/DISKSPACE="unlimited"/' \
		"$VX_ROOT/etc/vz/conf/ve-basic.conf-sample" >"$VX_ROOT/etc/vz/conf/ve-nolimit.conf-sample"
	vx_expect_rc 21 vzctl create 241 --layout image --config nolimit
	vx_output_has "needs a disk limit"
	[ ! -e "$VX_ROOT/vz/private/241" ]
	[ ! -e "$VX_ROOT/etc/vz/conf/241.conf" ]
}

@test "image layout: kill -9 vxd while the image is being filled, then create again" {
	vx_require mkfs.ext4
	vx_require python3
	make_slow_template
	vx_expect_ok vzctl status 242
	vzctl create 242 --ostemplate slow --layout image >/dev/null 2>&1 3>&- &
	local cpid=$!
	vx_wait_for 30 grep -q "$VX_ROOT/vz/private/242.tmp.*/mnt" /proc/self/mountinfo
	kill -9 "$(vx_vxd_pid)"
	wait $cpid || true
	# The next operation on the CT rolls the half-made create back,
	# including the temporary mount and its loop device.
	vx_expect_ok vzctl create 242 --layout image
	! grep -q "$VX_ROOT/vz/private/242.tmp" /proc/self/mountinfo || false
	[ "$(ls -A "$VX_ROOT/vz/private")" = 242 ]
	vx_expect_ok vzctl destroy 242
	! losetup -a | grep -q "$VX_ROOT/vz/private/242" || false
}
