# shellcheck shell=bash
# Shared pieces of the benchmarks (sourced by bench/lifecycle.sh, mass.sh):
# statistics, a private vx state tree, a private LXC path, and cleanup of
# both. Every tree is private (VX_ROOT / lxcpath under /tmp, own cgroup
# prefix), so a benchmark never touches a real installation or another run.

# bench/prun (prun.c), the per-call runner of run_phase: built on first
# use next to vx's binaries. Needs $src.
PRUN=$src/build/bench/prun
prun_build() {
	[ "$PRUN" -nt "$src/bench/prun.c" ] && return 0
	mkdir -p "${PRUN%/*}" &&
		cc -O2 -Wall -Wextra -Werror -o "$PRUN" "$src/bench/prun.c"
}

# stats "v v v": "median mean" (ms, one decimal); "- -" for no values.
stats() {
	[ -n "$1" ] || { echo "- -"; return; }
	tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '
		{ v[NR] = $1; s += $1 }
		END {
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.1f %.1f\n", m, s / NR
		}'
}

# vx_tree_setup TMPL [LAYOUT]: builds vx if needed, makes a private state
# tree (mktemp -d TMPL) with vz.conf, samples and the busybox cache, exports
# VX_ROOT/VX_CGROUP_PREFIX, and starts its vxd outside any timed region.
# Sets VXR. Needs $src (the repo) and VX_CGROUP_PREFIX set by the caller.
VXR=""
vx_tree_setup() {
	local cache=build/template/cache/busybox.tar.zst layout=${2:-}
	if [ ! -x build/bin/vzctl ] || [ ! -s "$cache" ]; then
		echo "== vx: building (make all template)"
		make --no-print-directory all template >/dev/null || return 1
	fi
	export PATH="$src/build/bin:$PATH"
	VXR=$(mktemp -d "$1")
	export VX_ROOT=$VXR
	mkdir -p "$VXR/etc/vz/conf" "$VXR/vz/template/cache" "$VXR/var/log" "$VXR/run"
	# The run directory (state files, monitor logs, the socket) is /run/vx
	# on a real host: tmpfs. Under /tmp it would put every state write on
	# this disk's journal and charge the benchmark for what production
	# never pays. vx_cleanup's umount of everything under VXR removes it.
	mount -t tmpfs -o mode=0755 vx-bench-run "$VXR/run" || return 1
	sed -e "s#=/vz/#=$VXR/vz/#" -e "s#=/var/log/#=$VXR/var/log/#" \
		${layout:+-e "s#^VE_LAYOUT=.*#VE_LAYOUT=$layout#"} \
		templates/vz.conf >"$VXR/etc/vz/vz.conf"
	cp templates/conf/*.conf-sample "$VXR/etc/vz/conf/"
	cp "$cache" "$VXR/vz/template/cache/"
	vzctl status 1000 >/dev/null || { echo "vx: vxd does not answer" >&2; return 1; }
}

# Stops and destroys every CT of the private tree, stops its vxd, removes
# leftover mounts, cgroups and the tree. Safe to call twice.
vx_cleanup() {
	[ -n "$VXR" ] && [ -d "$VXR" ] || return 0
	local c ct pid
	for c in "$VXR"/etc/vz/conf/[0-9]*.conf; do
		[ -e "$c" ] || continue
		ct=${c##*/}; ct=${ct%.conf}
		timeout 30 vzctl stop "$ct" --fast >/dev/null 2>&1
		timeout 30 vzctl destroy "$ct" >/dev/null 2>&1
	done
	pid=$(cat "$VXR/run/vx/vxd.pid" 2>/dev/null) && kill "$pid" 2>/dev/null
	sleep 0.5
	awk -v r="$VXR" 'index($5, r "/") == 1 { print $5 }' /proc/self/mountinfo |
		sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
	find /sys/fs/cgroup -maxdepth 3 -type d -name "$VX_CGROUP_PREFIX" 2>/dev/null |
		while read -r d; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
	rm -rf --one-file-system "$VXR"
	VXR=""
	unset VX_ROOT
}

# lxc_tree_setup TMPL: installs Debian's lxc if missing (comparison only),
# makes a private lxcpath (mktemp -d TMPL) with a config fragment that gives
# containers no network at all (no lxcbr0, no veth) and no AppArmor profile
# (not on every host). Sets LXP.
LXP=""
lxc_tree_setup() {
	if ! command -v lxc-create >/dev/null; then
		echo "== lxc: installing Debian's lxc (for the comparison only)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends lxc >/dev/null || return 1
	fi
	LXP=$(mktemp -d "$1")
	cat >"$LXP/net-empty.conf" <<-'EOF2'
	lxc.net.0.type = empty
	lxc.apparmor.profile = unconfined
	EOF2
}

lxc_cleanup() {
	[ -n "$LXP" ] && [ -d "$LXP" ] || return 0
	local d
	for d in "$LXP"/*/; do
		[ -f "$d/config" ] || continue
		d=${d%/}; d=${d##*/}
		lxc-stop -P "$LXP" -n "$d" -k >/dev/null 2>&1
		lxc-destroy -P "$LXP" -n "$d" >/dev/null 2>&1
	done
	rm -rf --one-file-system "$LXP"
	LXP=""
}
