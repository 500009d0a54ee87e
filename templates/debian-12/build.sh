#!/bin/bash
# Builds the Debian 12 (bookworm) OS template with debootstrap from Debian's
# repositories, packed as a vx/OpenVZ template cache:
#
#   templates/debian-12/build.sh OUTDIR     -> OUTDIR/debian-12.tar.zst
#                                              OUTDIR/debian-12.conf
#   (normally run by `vzctl template build debian-12`)
#
# Model: a minbase system (dpkg, apt, bash, coreutils: Debian's "required"
# set) plus sysvinit-core as init, ifupdown + iproute2 for networking and
# procps. No kernel, no bootloader, no getty, no systemd: systemd wants a
# writable cgroup tree, its own mounts and many capabilities a VPS does not
# get, so the template uses Debian's sysvinit (still packaged and supported
# in bookworm). Services installed later with apt get their sysvinit
# scripts as usual.
#
# Changes to stock Debian, all because a VPS is not a machine:
#   - /etc/inittab: no getty/sulogin (a VPS is entered with `vzctl enter`);
#     SIGINT (ctrlaltdel) and SIGPWR shut down. vx stops a VPS with the
#     config's STOP_SIGNAL, which OUTDIR/debian-12.conf sets to INT for CTs
#     created from this template (busybox init uses USR2).
#   - boot scripts that touch hardware or mounts vx already made (hwclock,
#     checkroot, checkfs, mountall, mountkernfs, mountdevsubfs, umountfs,
#     umountroot, brightness, bootlogs ...) are disabled with update-rc.d;
#     halt and reboot run from inittab after runlevel 0/6 is complete;
#   - /etc/hostname, /etc/hosts, /etc/resolv.conf are neutral: vx writes
#     them per VPS (hostname at create and set, nameservers with
#     --nameserver), never from the build host;
#   - networking hook: /etc/network/interfaces brings up lo and sources
#     /etc/network/interfaces.d/*, where vx's network setup writes its
#     file (interfaces.d/vx) for the VPS's own interfaces;
#   - apt's package lists and .deb cache are dropped (apt update fetches
#     them again inside the VPS), and so are documentation and locales
#     other than English, as Debian's own minimal images do.
#
# Environment: VX_DEBIAN_MIRROR (default http://deb.debian.org/debian),
# VX_DEBOOTSTRAP_CACHE (default /var/cache/vx/debootstrap: downloaded .debs
# are kept there so a rebuild fetches only what changed; "" = no cache).
# Network to the mirror is needed; the build takes ~1-2 minutes.
# Progress: a bar on stderr when it is a terminal, plain lines otherwise.
set -euo pipefail

out=${1:?usage: $0 OUTDIR}
name=debian-12
suite=bookworm
mirror=${VX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
debcache=${VX_DEBOOTSTRAP_CACHE-/var/cache/vx/debootstrap}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/progress.sh
. "$here/../lib/progress.sh"

if [ "$(id -u)" != 0 ]; then
	echo "template: building $name needs root (debootstrap chroots and sets owners)" >&2
	exit 1
fi
for tool in debootstrap tar zstd chroot; do
	command -v $tool >/dev/null || {
		echo "template: $tool missing; apt-get install $tool (scripts/deps.sh run installs it)" >&2
		exit 1; }
done

mkdir -p "$out"
stage=$(mktemp -d "${TMPDIR:-/var/tmp}/vx-template-$name.XXXXXX")
tmpout=$(mktemp "$out/.$name.tar.zst.XXXXXX")
cleanup() {
	# debootstrap may leave /proc or /sys mounted in the stage if killed.
	for m in proc sys dev/pts dev; do
		mountpoint -q "$stage/root/$m" 2>/dev/null &&
			umount -l "$stage/root/$m"
	done
	rm -rf --one-file-system "$stage"
	rm -f "$tmpout"
}
trap cleanup EXIT
r=$stage/root

# --- debootstrap ---
opts=(--variant=minbase --include=sysvinit-core,ifupdown,iproute2,netbase,procps,iputils-ping,less)
if [ -n "$debcache" ] && mkdir -p "$debcache" 2>/dev/null; then
	opts+=(--cache-dir="$debcache")
fi
progress_step "debootstrap $suite from $mirror"
if ! debootstrap "${opts[@]}" "$suite" "$r" "$mirror" 2>&1 |
	progress_debootstrap "$stage/debootstrap.log"; then
	echo "template: debootstrap failed; its log:" >&2
	tail -n 30 "$stage/debootstrap.log" >&2
	[ -f "$r/debootstrap/debootstrap.log" ] &&
		tail -n 30 "$r/debootstrap/debootstrap.log" >&2
	exit 1
fi

in_root() { chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	LC_ALL=C DEBIAN_FRONTEND=noninteractive "$@"; }

# --- init: sysvinit, as a VPS needs it ---
progress_step "configuring for a VPS"
cat >"$r/etc/inittab" <<'EOF'
# /etc/inittab of the vx debian-12 template (sysvinit inside a VPS).
#
# vx stops the VPS by sending init STOP_SIGNAL ("INT" in the configs of
# VPSes made from this template): SIGINT runs the ctrlaltdel entry, a clean
# shutdown to runlevel 0; the h0 entry (halt) then ends the VPS.
# `halt`, `poweroff` and `reboot` inside the VPS work as on a machine;
# vx starts the VPS again after a reboot.
id:2:initdefault:
si::sysinit:/etc/init.d/rcS

l0:0:wait:/etc/init.d/rc 0
l1:1:wait:/etc/init.d/rc 1
l2:2:wait:/etc/init.d/rc 2
l3:3:wait:/etc/init.d/rc 3
l4:4:wait:/etc/init.d/rc 4
l5:5:wait:/etc/init.d/rc 5
l6:6:wait:/etc/init.d/rc 6
# The end of the VPS, after *all* stop scripts of runlevel 0 or 6 have run
# (halt ends its pid namespace, reboot makes vx start it again). Debian
# runs halt/reboot as rc scripts ordered after umountroot; vx disables the
# umount scripts, and a concurrent boot would then run halt alongside the
# services' stop scripts.
h0:0:wait:/sbin/halt -d -f -p
r6:6:wait:/sbin/reboot -d -f
# Booted: the marker `vzctl start --wait` looks for (/run is a fresh tmpfs
# at every start). After the runlevel's wait entry, so after its scripts.
bt:2345:wait:/bin/touch /run/booted

ca:12345:ctrlaltdel:/sbin/shutdown -h -t1 now
pf::powerwait:/sbin/shutdown -h -t1 now
pn::powerfailnow:/sbin/shutdown -h -t1 now

# No getty: a VPS has no consoles to log in on; use `vzctl enter`.
EOF
# sysvinit 3.06 looks for it at every boot and complains when missing.
mkdir -p "$r/etc/inittab.d"

# Boot/shutdown scripts for hardware and for mounts vx makes itself.
for s in hwclock.sh checkroot.sh checkfs.sh checkroot-bootclean.sh \
	 mountall.sh mountall-bootclean.sh mountkernfs.sh mountdevsubfs.sh \
	 mount-configfs mountnfs.sh mountnfs-bootclean.sh umountfs \
	 umountroot umountnfs.sh brightness hostname.sh procps bootlogs \
	 halt reboot; do
	[ -e "$r/etc/init.d/$s" ] || continue
	# (insserv warns about Debian's own headers here: not ours to fix)
	# halt/reboot: removed (inittab runs them); the rest disabled, so a
	# package upgrade does not bring their links back
	case $s in halt|reboot) act=remove ;; *) act=disable ;; esac
	in_root update-rc.d -f "$s" $act >/dev/null 2>&1 ||
		in_root update-rc.d -f "$s" remove >/dev/null 2>&1 || {
		echo "template: update-rc.d cannot disable $s" >&2; exit 1; }
done

# --- networking hook ---
cat >"$r/etc/network/interfaces" <<'EOF'
# Loopback here; the VPS's own interfaces are configured by vx in
# /etc/network/interfaces.d/vx (rewritten when its network changes).
auto lo
iface lo inet loopback

source /etc/network/interfaces.d/*
EOF
mkdir -p "$r/etc/network/interfaces.d"

# --- identity: neutral, vx writes the VPS's own ---
echo localhost >"$r/etc/hostname"
cat >"$r/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes
ff02::2		ip6-allrouters
EOF
: >"$r/etc/resolv.conf"
: >"$r/etc/machine-id" 2>/dev/null || true
printf '# vx mounts /proc, /sys, /dev, /dev/pts, /dev/shm and /run for the VPS.\n' \
	>"$r/etc/fstab"
# Root password locked until `vzctl set --userpasswd root:...`.
in_root usermod -p '*' root

# --- slimming ---
in_root apt-get clean
rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r/debootstrap" \
	"$r"/var/log/*.log "$r"/var/log/apt/* "$r"/var/cache/debconf/*-old \
	"$r"/usr/share/doc/* "$r"/usr/share/man/* "$r"/usr/share/info/*
find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'en*' \
	! -name locale.alias -exec rm -rf {} +
# What apt must not bring back into a VPS (dpkg honours path-exclude).
cat >"$r/etc/dpkg/dpkg.cfg.d/01-vx-nodoc" <<'EOF'
# vx template: no documentation or foreign locales in a VPS
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/en*
path-include /usr/share/locale/locale.alias
EOF
# vx builds the VPS's /dev at every start: no device nodes in the template.
for m in proc sys dev/pts dev; do
	mountpoint -q "$r/$m" && umount -l "$r/$m"
done
find "$r/dev" -mindepth 1 -delete

# --- pack ---
progress_step "packing $(du -sh --apparent-size "$r" | cut -f1)"
progress_pack "$r" "$tmpout"
chmod 0644 "$tmpout"
# Keys applied to the configs of VPSes created from this template
# (over the sample's; see docs/storage.md).
printf '# vx template settings for %s\nSTOP_SIGNAL="INT"\n' \
	"$name" >"$out/$name.conf"
mv -f "$tmpout" "$out/$name.tar.zst"
echo "template: $out/$name.tar.zst ($(stat -c %s "$out/$name.tar.zst") bytes)"
