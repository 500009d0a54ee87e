#!/bin/bash
# tests/guest-x86/run.sh - the checkpoint suite (CRIU): prints TAP.
#
# usage: tests/guest-x86/run.sh [--kernel BZIMAGE] [--host-only]
#
# 1. tests/guest-x86/checkpoint.bats on this host: where CRIU cannot work
#    (this project's 6.18 host: CRIU 3.17 cannot handle kernels >= 6.13)
#    every test SKIPs with vzctl's reason, and that is checked too;
# 2. the same file inside one x86_64 qemu guest (TCG) booted on the
#    patched kernel (--kernel, else $KERNEL_X86, else the `make
#    kernel-x86` one), where Debian's CRIU is expected to work.
# The probe is built static here, once, so the slow guest does not compile.
# Exit status: non-zero if any test failed or a part could not run.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
kernel=${KERNEL_X86:-${VX_CACHE:-/var/cache/vx}/kernels/x86_64/bzImage}
host_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift 2 ;;
	--host-only) host_only=1; shift ;;
	*) echo "usage: $0 [--kernel BZIMAGE] [--host-only]" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" != 0 ] || ! command -v bats >/dev/null; then
	echo "not ok 1 the checkpoint suite needs root and bats (scripts/deps.sh test)"
	exit 1
fi
command -v criu >/dev/null || { echo "not ok 1 criu is not installed (scripts/deps.sh test)"; exit 1; }

mkdir -p "$repo/build/guest-x86"
gcc -static -O2 -Wall -Werror -o "$repo/build/guest-x86/ckpt-probe" \
	"$here/ckpt-probe.c" || { echo "not ok 1 cannot build ckpt-probe"; exit 1; }

rc=0
echo "# --- checkpoint.bats on the host ($(uname -r), $(criu --version | head -1))"
bats --tap "$here/checkpoint.bats" || rc=1
[ $host_only = 1 ] && exit $rc

echo "# --- checkpoint.bats in the x86_64 guest ($kernel)"
if [ ! -f "$kernel" ]; then
	echo "not ok 1 no x86_64 kernel at $kernel (make kernel-x86, or --kernel)"
	exit 1
fi
"$repo/tests/guest/run" --arch x86_64 --kernel "$kernel" --mem 1536M \
	--cpus 2 --timeout 900 --env VX_OWN_KERNEL=1 -- bats --tap tests/guest-x86/checkpoint.bats || rc=1
exit $rc
