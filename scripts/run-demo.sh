#!/bin/bash
# The `make run` demo: vx end to end on the real state tree.
#
#   scripts/run-demo.sh          (make run: after deps, build and template)
#
# Installs vz.conf and the sample configs into /etc/vz if they are absent
# (an existing file is never overwritten), puts the busybox template cache
# into TEMPLATE/cache, starts vxd, creates and starts VPS 101, runs
# `uname -a; ps` inside it and lists every VPS. Re-runnable: an existing
# VPS 101 is reused (started if stopped, left running if running); one
# whose private area is gone is recreated.
# VX_ROOT=/dir relocates the whole tree, as for every vx command.
# OSTEMPLATE=debian-12 makes VPS 101 from the Debian template instead of the
# default busybox one (built first with `vzctl template build debian-12`,
# 1-2 minutes from deb.debian.org, if TEMPLATE/cache has none).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
CTID=${CTID:-101}

step() { printf '\n==> %s\n' "$*"; }
die() { echo "run-demo: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (namespaces, cgroups, mounts)"
for b in vxd vzctl vzlist; do
	[ -x "build/bin/$b" ] || die "build/bin/$b missing: run make first"
done
cache=build/template/cache/busybox.tar.zst
[ -s "$cache" ] || die "$cache missing: run make template first"
export PATH="$src/build/bin:$PATH"

root=${VX_ROOT:-}
etc=$root/etc/vz

step "configuration in $etc"
mkdir -p "$etc/conf" "$etc/names"
if [ -e "$etc/vz.conf" ]; then
	echo "keeping existing $etc/vz.conf"
else
	if [ -n "$root" ]; then
		# A relocated tree: move vz.conf's paths under it.
		sed -e "s#=/vz/#=$root/vz/#" -e "s#=/var/log/#=$root/var/log/#" \
			templates/vz.conf >"$etc/vz.conf.tmp"
	else
		cp templates/vz.conf "$etc/vz.conf.tmp"
	fi
	mv "$etc/vz.conf.tmp" "$etc/vz.conf"
	echo "installed $etc/vz.conf"
fi
for f in templates/conf/*.conf-sample; do
	[ -e "$etc/conf/${f##*/}" ] && continue
	install -m 0644 "$f" "$etc/conf/"
	echo "installed $etc/conf/${f##*/}"
done

# conf_get KEY FILE: value of KEY="value" in an OpenVZ config (last wins).
conf_get() {
	sed -n "s/^$1=[\"']\{0,1\}\([^\"']*\)[\"']\{0,1\}\$/\1/p" "$2" \
		2>/dev/null | tail -1
}

tpl=$(conf_get TEMPLATE "$etc/vz.conf")
tpl=${tpl:-$root/vz/template}
step "template cache in $tpl/cache"
mkdir -p "$tpl/cache"
if cmp -s "$cache" "$tpl/cache/busybox.tar.zst"; then
	echo "busybox.tar.zst is up to date"
else
	cp "$cache" "$tpl/cache/.busybox.tar.zst.tmp"
	mv "$tpl/cache/.busybox.tar.zst.tmp" "$tpl/cache/busybox.tar.zst"
	echo "installed busybox.tar.zst ($(stat -c %s "$cache") bytes)"
fi

ostemplate=${OSTEMPLATE:-busybox}
if [ "$ostemplate" != busybox ] && ! ls "$tpl/cache/$ostemplate".tar.* >/dev/null 2>&1; then
	step "vzctl template build $ostemplate"
	vzctl template build "$ostemplate"
fi

step "vxd"
pidfile=$root/run/vx/vxd.pid
# A vxd left running by an earlier `make run` may be an older build (its
# binary replaced since): restart it. VPSes keep running across a vxd
# restart, so this is safe and shows it.
old=$(cat "$pidfile" 2>/dev/null || true)
if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
	exe=$(readlink "/proc/$old/exe" 2>/dev/null || true)
	if [ "$exe" != "$src/build/bin/vxd" ]; then
		echo "restarting vxd (pid $old runs ${exe:-an unknown binary}, not this build)"
		kill -TERM "$old"
		for _ in $(seq 50); do kill -0 "$old" 2>/dev/null || break; sleep 0.1; done
	fi
fi
# Any vzctl call starts vxd on demand; ask for a status to make sure it
# answers before the real work.
vzctl status "$CTID" >/dev/null
echo "vxd is running (pid $(cat "$pidfile" 2>/dev/null || echo '?'), socket $root/run/vx/vxd.sock)"

step "VPS $CTID"
status=$(vzctl status "$CTID")
echo "$status"
if [[ $status == *" exist "* ]]; then
	# VE_PRIVATE from the CT's config (else vz.conf), $VEID expanded.
	priv=$(conf_get VE_PRIVATE "$etc/conf/$CTID.conf")
	[ -n "$priv" ] || priv=$(conf_get VE_PRIVATE "$etc/vz.conf")
	priv=${priv//\$VEID/$CTID}
	priv=${priv//\$\{VEID\}/$CTID}
	if [ -n "$priv" ] && [ ! -d "$priv" ]; then
		echo "private area $priv is gone: recreating VPS $CTID"
		vzctl stop "$CTID" --fast >/dev/null 2>&1 || true
		vzctl destroy "$CTID"
		status="deleted"
	fi
fi
if [[ $status != *" exist "* ]]; then
	vzctl create "$CTID" --ostemplate "$ostemplate" --hostname "vps$CTID"
	status=$(vzctl status "$CTID")
fi
if [[ $status == *" running"* ]]; then
	echo "VPS $CTID is already running: reusing it"
else
	vzctl start "$CTID" --wait
fi
vzctl status "$CTID"

step "vzctl exec $CTID 'uname -a; ps'"
vzctl exec "$CTID" 'uname -a; ps'

step "vzlist -a"
vzlist -a

cat <<EOF

Done. Try:
  $src/build/bin/vzctl enter $CTID        # a shell inside the VPS (exit to leave)
  $src/build/bin/vzctl exec $CTID 'ps | wc -l'
  $src/build/bin/vzctl stop $CTID && $src/build/bin/vzctl destroy $CTID
EOF
