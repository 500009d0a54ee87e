#!/bin/bash
# Builds the default OS template: a tiny busybox rootfs packed as a vx/OpenVZ
# template cache, OUTDIR/busybox.tar.zst.
#
#   templates/busybox/build.sh OUTDIR        (make template: build/template/cache)
#
# Model: everything comes from Debian's busybox-static (/bin/busybox, a static
# binary, so the VPS needs no libc). The tree gets busybox plus one relative
# symlink per applet, busybox init with an inittab suited to a container,
# the usual /etc files and empty mount points. /dev is left empty: vx builds
# the VPS's /dev (null, zero, tty, ptmx, pts, ...) at every start, so the
# template never carries device nodes and unpacks without CAP_MKNOD.
#
# Offline and fast (well under a second). The archive is reproducible: the
# same busybox binary gives a byte-identical archive (sorted names, mtime 0,
# numeric owner 0:0, explicit modes, fixed zstd level). The output is
# written to a temp file and renamed, so a concurrent `vzctl create` never
# sees half an archive.
set -euo pipefail

out=${1:?usage: $0 OUTDIR}
bb=${BUSYBOX:-/bin/busybox}
name=busybox

if [ ! -x "$bb" ]; then
	echo "template: $bb not found; install it: apt-get install busybox-static" >&2
	exit 1
fi
# A dynamically linked busybox would need a libc inside the VPS.
if ! "$bb" --list-full >/dev/null 2>&1; then
	echo "template: $bb does not run or lacks --list-full" >&2
	exit 1
fi
if LC_ALL=C file -L "$bb" 2>/dev/null | grep -q 'dynamically linked'; then
	echo "template: $bb is dynamically linked; install busybox-static" >&2
	exit 1
fi
for tool in tar zstd; do
	command -v $tool >/dev/null || {
		echo "template: $tool missing; apt-get install $tool" >&2; exit 1; }
done

mkdir -p "$out"
stage=$(mktemp -d "${TMPDIR:-/tmp}/vx-template.XXXXXX")
tmpout=$(mktemp "$out/.$name.tar.zst.XXXXXX")
trap 'rm -rf "$stage"; rm -f "$tmpout"' EXIT
umask 022
r=$stage/root
mkdir -p "$r"

# --- directories (mode fixed below, independent of the caller's umask) ---
for d in bin sbin usr/bin usr/sbin etc etc/init.d root home tmp var var/log \
	 var/tmp var/lib var/spool run proc sys dev mnt; do
	mkdir -p "$r/$d"
done
ln -s ../run "$r/var/run"
ln -s ../run/lock "$r/var/lock"

# --- busybox and its applets ---
install -m 0755 "$bb" "$r/bin/busybox"
# --list-full prints "usr/bin/awk" etc.; link each to bin/busybox with a
# relative target so the tree is correct wherever it is unpacked.
"$bb" --list-full | sort | while read -r app; do
	# linuxrc is for initramfs boots, not for a VPS.
	case $app in bin/busybox|linuxrc) continue ;; esac
	[ -e "$r/$app" ] && continue
	dir=${app%/*}
	case $dir in
	bin|sbin) target=../bin/busybox ;;
	usr/bin|usr/sbin) target=../../bin/busybox ;;
	*) echo "template: unexpected applet path $app" >&2; exit 1 ;;
	esac
	ln -s "$target" "$r/$app"
done
# /sbin/init must exist even if a future busybox lists it elsewhere.
[ -e "$r/sbin/init" ] || ln -s ../bin/busybox "$r/sbin/init"

# --- init ---
cat >"$r/etc/inittab" <<'EOF'
# /etc/inittab for busybox init inside a vx VPS.
#
# Format: id:runlevels:action:process (busybox ignores id and runlevels,
# except that id names the tty a process gets; empty = init's stdio).
#
# Signals busybox init understands (vx stops a VPS with the config's
# STOP_SIGNAL, "USR2" for this template):
#   SIGUSR2  poweroff: run the shutdown actions, kill everything, then
#            reboot(RB_POWER_OFF), which in a pid namespace ends the VPS
#   SIGUSR1  halt (same, reboot(RB_HALT_SYSTEM))
#   SIGTERM  reboot: same, reboot(RB_AUTOBOOT); vx starts the VPS again
#   SIGHUP   re-read this file
#   SIGQUIT  re-exec the `restart` action
# `halt`, `poweroff` and `reboot` typed inside the VPS just send these.

# Boot: the few things vx does not set up itself (vx already provides /proc,
# /sys, /dev, /dev/pts, /dev/shm, /run and the hostname).
::sysinit:/etc/init.d/rcS

# No getty or console shell: a VPS is entered with `vzctl enter`, which
# gives a shell on a fresh pty. With nothing to respawn busybox init just
# reaps orphans, which costs nothing.

# Ctrl-Alt-Del cannot reach a VPS, but keep the conventional entry.
::ctrlaltdel:/sbin/reboot

# Shutdown (poweroff, halt, reboot, vzctl stop): run the rc.shutdown hook,
# then init itself sends SIGTERM, waits a second and sends SIGKILL to all.
::shutdown:/etc/init.d/rc.shutdown
EOF

cat >"$r/etc/init.d/rcS" <<'EOF'
#!/bin/sh
# Boot script of the busybox template (run once by init, see /etc/inittab).
# Keep it short: VPS start time is dominated by what runs here.
PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PATH

# /run is a fresh tmpfs each boot, which vx mounts with /run/lock in it
# (/var/lock points there). The rest is in the template with its modes
# (/tmp and /var/tmp 1777): no chmod here, since on the overlay layout
# even a chmod to the same mode copies the directory up into the VPS's
# private area at every start. Loopback is up already (vx does it), so no
# `ip` process either: this script starts no process at all.

# Site-specific additions go in /etc/rc.local.
[ -x /etc/rc.local ] && /etc/rc.local

# Marker for "booted" (what `vzctl start --wait` and tests may poll).
: >/run/booted
exit 0
EOF

cat >"$r/etc/init.d/rc.shutdown" <<'EOF'
#!/bin/sh
# Shutdown hook of the busybox template (run by init before it kills all
# processes). Nothing to stop in the bare template; services added to the
# VPS can hook in here.
rm -f /run/booted
exit 0
EOF

# --- accounts (numeric ids as in Debian) ---
cat >"$r/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$r/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
shadow:x:42:
utmp:x:43:
users:x:100:
nogroup:x:65534:
EOF
# Locked root password: the VPS is entered from the host (vzctl enter/exec);
# set one with `vzctl exec CTID passwd` if a login is wanted.
cat >"$r/etc/shadow" <<'EOF'
root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
bin:*:19000:0:99999:7:::
sys:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF

# --- name resolution, identity ---
cat >"$r/etc/hosts" <<'EOF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
EOF
echo localhost >"$r/etc/hostname"
: >"$r/etc/resolv.conf"
cat >"$r/etc/nsswitch.conf" <<'EOF'
passwd: files
group: files
shadow: files
hosts: files dns
EOF
cat >"$r/etc/fstab" <<'EOF'
# vx mounts /proc, /sys, /dev, /dev/pts, /dev/shm and /run for the VPS.
EOF
cat >"$r/etc/shells" <<'EOF'
/bin/sh
/bin/ash
EOF
cat >"$r/etc/profile" <<'EOF'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PS1='\u@\h:\w\$ '
umask 022
EOF
cat >"$r/etc/os-release" <<'EOF'
NAME="BusyBox"
ID=busybox
PRETTY_NAME="vx busybox template"
HOME_URL="https://busybox.net/"
EOF

# --- modes: explicit, so the archive does not depend on the build host ---
chmod 0755 "$r" "$r"/bin "$r"/sbin "$r"/usr "$r"/usr/bin "$r"/usr/sbin \
	"$r"/etc "$r"/etc/init.d "$r"/home "$r"/var "$r"/var/log "$r"/var/lib \
	"$r"/var/spool "$r"/run "$r"/mnt "$r"/dev
chmod 0700 "$r/root"
chmod 1777 "$r/tmp" "$r/var/tmp"
chmod 0555 "$r/proc" "$r/sys"
chmod 0755 "$r/etc/init.d/rcS" "$r/etc/init.d/rc.shutdown"
chmod 0644 "$r"/etc/inittab "$r"/etc/passwd "$r"/etc/group "$r"/etc/hosts \
	"$r"/etc/hostname "$r"/etc/resolv.conf "$r"/etc/nsswitch.conf \
	"$r"/etc/fstab "$r"/etc/shells "$r"/etc/profile "$r"/etc/os-release
chmod 0640 "$r/etc/shadow"

# --- pack (reproducibly) ---
tar -C "$r" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
	--format=gnu -cf - . | zstd -q -12 -c >"$tmpout"
chmod 0644 "$tmpout"
mv -f "$tmpout" "$out/$name.tar.zst"
echo "template: $out/$name.tar.zst ($(stat -c %s "$out/$name.tar.zst") bytes)"
