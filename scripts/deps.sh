#!/bin/bash
# Installs the Debian packages vx needs. Usage: scripts/deps.sh run|test
#   run:  build + run (compiler, libcap, libseccomp, libmnl, libnftnl, busybox, zstd)
#   test: run + bats, nftables (nft: net.bats looks at the tables) + what the
#         kernel guest build needs
# Only missing packages are installed, so a prepared machine pays ~0.1 s.
set -euo pipefail

run_pkgs=(build-essential make pkg-config libcap-dev libseccomp-dev libmnl-dev libnftnl-dev
	  busybox-static zstd xz-utils gzip tar util-linux procps iproute2
	  e2fsprogs	# e2fsprogs: mkfs.ext4 for the image layout
	  libcrypt-dev debootstrap debian-archive-keyring)	# --userpasswd hashes; the debian-12 template (debootstrap checks its signatures)
test_pkgs=(bats nftables linux-source-6.12 bc flex bison libelf-dev libssl-dev ccache criu
	   rsync python3 psmisc perl python3-ply python3-git
	   btrfs-progs)	# mkfs.btrfs: tests/cli/btrfs.bats makes its own btrfs (vx itself uses ioctls)

want=("${run_pkgs[@]}")
[ "${1:-run}" = test ] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root or: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
