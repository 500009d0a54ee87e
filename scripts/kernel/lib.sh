# shellcheck shell=bash
# Shared settings for scripts/kernel/* and tests/guest/run.
#
# Every path is absolute and fixed: ccache only hits across runs and
# clones when the source and build directories never move (kbuild passes
# absolute paths to the compiler; CCACHE_BASEDIR rewrites those below it).

VX_CACHE=${VX_CACHE:-/var/cache/vx}
VX_KSRC=$VX_CACHE/linux                 # composed tree (a scratch git repo)
VX_KOUT=$VX_CACHE/kernels               # installed kernels, stable paths
VX_LINUX_TARBALL=${VX_LINUX_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
VX_LINUX_PKG=${VX_LINUX_PKG:-linux-source-6.12}
VX_REPO=${VX_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

export CCACHE_DIR=${CCACHE_DIR:-$VX_CACHE/ccache}
export CCACHE_BASEDIR=$VX_CACHE
export CCACHE_NOHASHDIR=1
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Reproducible build stamps: the banner must not change on every rebuild.
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=vx
export KBUILD_BUILD_HOST=vx

vx_msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
vx_die() { vx_msg "error: $*"; exit 1; }

# vx_kname ARCH VARIANT: the name of a kernel flavour ("um", "um-bench",
# "x86_64", ...). The test variant of an arch is just the arch.
vx_kname() {
	if [ "$2" = test ]; then echo "$1"; else echo "$1-$2"; fi
}

# vx_kimage ARCH: file name of the bootable image below VX_KOUT/<name>/.
vx_kimage() {
	case $1 in
	um) echo linux ;;
	x86_64) echo bzImage ;;
	esac
}

# vx_ensure_packages PKG...: install missing Debian packages (CI machines
# start from a bare Debian 12).
vx_ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || vx_die "missing packages (run as root to install): ${missing[*]}"
	vx_msg "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } ||
		vx_die "apt-get install ${missing[*]} failed"
}

# vx_lock: serialise everything that touches VX_CACHE's tree and build
# dirs (several engineers and CI jobs call `make kernel` concurrently).
# The lock is held on fd 9 until the calling process exits.
vx_lock() {
	mkdir -p "$VX_CACHE"
	exec 9>>"$VX_CACHE/lock"
	if ! flock -n 9; then
		vx_msg "waiting for another kernel build ($VX_CACHE/lock)..."
		flock 9
	fi
}
