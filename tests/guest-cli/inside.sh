#!/bin/bash
# tests/guest-cli/inside.sh - the guest half of tests/guest-cli/run.sh: runs
# bats files inside the UML guest (as PID 1's child, root, cwd = the repo)
# and prints TAP with every test name tagged with the cgroup mode.
#
# usage: tests/guest-cli/inside.sh FILE.bats...
# VX_BATS_FILTER=REGEX runs only the tests whose names match (bats -f).
#
# Before bats runs, the guest is made to look like a host where vx lives:
#   /dev/fd     bats uses process substitution (devtmpfs has no /dev/fd)
#   /tmp        an ext4 file system on a loop device (the image lives on a
#               tmpfs): the tests' VX_ROOT trees, and with them every CT's
#               private area, then sit on a block device, so --iolimit,
#               --iopslimit and --ioprio have a disk to act on, as on a
#               real host. The guest's tmpfs /tmp would have none.
set -uo pipefail
mode=${VX_GUEST_CGROUP:-?}

[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
[ -e /dev/stdin ] || ln -s /proc/self/fd/0 /dev/stdin
[ -e /dev/stdout ] || ln -s /proc/self/fd/1 /dev/stdout
[ -e /dev/stderr ] || ln -s /proc/self/fd/2 /dev/stderr

# The repository may itself live under /tmp (CI clones into a temp dir;
# tests/guest/init bound it back over the guest's tmpfs): keep a handle on
# it before the ext4 /tmp hides it, and bind it back afterwards.
repo=$PWD
case $repo/ in /tmp/*) mkdir -p /run/vx-repo && mount --bind "$repo" /run/vx-repo ;; esac
img=/run/vx-guest-cli.img
if truncate -s 768M "$img" && mkfs.ext4 -q -F -O ^has_journal "$img" &&
   mount -o loop "$img" /tmp && chmod 1777 /tmp; then
	echo "# /tmp: ext4 on $(losetup -j "$img" | cut -d: -f1)"
else
	echo "# /tmp: no loop device; I/O limit tests will skip"
fi
if mountpoint -q /run/vx-repo 2>/dev/null; then
	mkdir -p "$repo" && mount --bind /run/vx-repo "$repo" && cd "$repo" ||
		{ echo "not ok 1 cannot expose $repo under the guest's /tmp"; exit 1; }
fi

rc=0
for f in "$@"; do
	echo "# --- $mode: $f"
	# Each file in its own bats run, numbering restarts (as tests/cli/run.sh).
	bats --tap --timing ${VX_BATS_FILTER:+-f "$VX_BATS_FILTER"} "$f" | sed -u -E "s/^((not )?ok [0-9]+) /\1 [$mode] /"
	[ "${PIPESTATUS[0]}" = 0 ] || rc=1
done
exit $rc
