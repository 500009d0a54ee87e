#!/bin/bash
# Networking at scale: N routed VPSes (one IPv4 and one IPv6 address each)
# brought up, checked, stopped and destroyed, next to N VPSes without
# network in the same run, so the difference is what networking costs.
#
#   bench/net.sh [N]            (default 200)
#   NET_P=1 bench/net.sh 200    vzctl calls one at a time (default 8 at once)
#   NET_BATCH=1 bench/net.sh 200
#                               start, stop and destroy each as ONE vzctl
#                               call over all N CTIDs (vzctl sends up to 32
#                               requests at once, docs/vzctl.md); create and
#                               set stay one call per VPS. No per-call median
#                               then ("-"): wall/N is the figure.
#
# Phases over all N (through xargs -P NET_P): start, ping sweep (every VPS
# must answer on both addresses from the host side), stop --fast, destroy.
# Prints per-VPS median ms and phase wall time / N (the amortised cost), and
# how long after the last stop every host-side veth and nftables table was
# gone: vx deletes neither at stop (each costs an RCU grace period, 10-20
# ms); veths go with the VPS's network namespace, which the kernel tears
# down in batches, tables by vx's reaper in one transaction per batch,
# both after stop has returned.
#
# Runs in a network namespace of its own (re-executes itself under
# `unshare -n`) and a private state tree: nothing touches the host's
# network or a real installation. A measurement, not a test.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$PWD
. bench/lib.sh

N=${1:-200}
P=${NET_P:-8}
BATCH=${NET_BATCH:-0}
case $N in ''|*[!0-9]*) echo "usage: $0 [N]" >&2; exit 2 ;; esac
[ "$N" -ge 1 ] && [ "$N" -le 60000 ] || { echo "N: 1..60000" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 1; }
if [ -z "${VX_NET_BENCH_NS:-}" ]; then
	VX_NET_BENCH_NS=1 exec unshare -n "$0" "$@"
fi

declare -A RES WALL FAILS
log=$(mktemp /tmp/vx-net.XXXXXX.log)
times=$(mktemp /tmp/vx-net.XXXXXX.times)

# run_phase KEY CMD-TEMPLATE: {} is the index 1..N
run_phase() {
	local key=$1 tmpl=$2 t0
	: >"$times"
	t0=${EPOCHREALTIME/./}
	seq 1 "$N" | xargs -P "$P" -I{} bash -c '
		t0=${EPOCHREALTIME/./}
		'"$tmpl"' >/dev/null 2>>"$0"
		rc=$?
		echo "$(( ${EPOCHREALTIME/./} - t0 )) $rc" >>"$1"' "$log" "$times"
	WALL[$key]=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	RES[$key]=$(awk '{ printf "%.3f ", $1 / 1000 }' "$times")
	FAILS[$key]=$(awk '$2 != 0' "$times" | wc -l)
	printf '  %-14s %7d ms for %d (%s failed)\n' "$key" "${WALL[$key]}" "$N" \
		"${FAILS[$key]}"
}

# run_batch KEY VERB [OPTS]: one `vzctl --json VERB CTID... OPTS` over all
# N; failures counted from its JSON array, their errors logged.
run_batch() {
	local key=$1 verb=$2 t0 out; shift 2
	t0=${EPOCHREALTIME/./}
	out=$(vzctl --json "$verb" $(seq 1001 $((1000 + N))) "$@" 2>>"$log")
	WALL[$key]=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
	RES[$key]=""
	if [ "${out:0:1}" = "[" ]; then
		FAILS[$key]=$(grep -o '"ok":false' <<<"$out" | wc -l)
	else
		FAILS[$key]=$N
	fi
	[ "${FAILS[$key]}" -eq 0 ] || echo "$key: $out" | head -c 2000 >>"$log"
	printf '  %-14s %7d ms for %d (%s failed, one vzctl call)\n' "$key" \
		"${WALL[$key]}" "$N" "${FAILS[$key]}"
}

# phase KEY VERB [OPTS]: vzctl VERB of every VPS, one call per VPS or
# (NET_BATCH=1) one call for all
phase() {
	local key=$1 verb=$2; shift 2
	if [ "$BATCH" = 1 ]; then
		run_batch "$key" "$verb" "$@"
	else
		run_phase "$key" "vzctl $verb \$((1000 + {})) $*"
	fi
}

v4() { echo "10.80.$(( $1 / 250 )).$(( $1 % 250 + 1 ))"; }
export -f v4

venets() { ip -br link show | grep -c '^venet' || true; }

bench() {
	local mode=$1 t0 gone tv tt
	export VX_CGROUP_PREFIX=vxnet-$$-$mode
	vx_tree_setup /tmp/vxn.XXXXXX || return 1
	echo "== $mode: N=$N, parallel $P, $MODE"
	seq 1 "$N" | xargs -P "$P" -I{} bash -c \
		'vzctl create $((1000 + {})) --ostemplate busybox >/dev/null 2>>"$0"' "$log"
	if [ "$mode" = net ]; then
		seq 1 "$N" | xargs -P "$P" -I{} bash -c \
			'vzctl set $((1000 + {})) --ipadd $(v4 {}) --ipadd 2001:db8:80::{} \
				>/dev/null 2>>"$0"' "$log"
	fi
	phase "$mode.start" start
	if [ "$mode" = net ]; then
		run_phase net.ping4 'busybox ping -c1 -W2 $(v4 {})'
		run_phase net.ping6 'busybox ping -c1 -W2 2001:db8:80::{}'
		echo "  host side: $(venets) veths, $(ip route | grep -c venet) routes," \
			"$(ip neigh show proxy | grep -c .) proxy entries," \
			"$(nft list tables | grep -c 'netdev vx') nft tables"
	fi
	phase "$mode.stop" stop --fast
	t0=${EPOCHREALTIME/./}
	if [ "$mode" = net ]; then
		# veths go with the namespaces (kernel), tables by vx's reaper,
		# both after stop has returned: watched while destroy runs
		# (one `ip` and one `nft` every 0.1 s)
		(
			tv="" tt=""
			for _ in $(seq 1 300); do
				[ -z "$tv" ] && [ "$(venets)" -eq 0 ] &&
					tv=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
				[ -z "$tt" ] && ! nft list tables | grep -q 'netdev vx' &&
					tt=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
				[ -n "$tv" ] && [ -n "$tt" ] && break
				sleep 0.1
			done
			echo "${tv:-timeout} ${tt:-timeout}" >"$times.gone"
		) &
		gone=$!
		# the monitors' own timing of the network part (us -> ms)
		for w in up down; do
			RES[net.$w]=$(cat "$VXR"/run/vx/ct/*.log 2>/dev/null |
				awk -v w="$w" '$0 ~ "network " w " in" { printf "%.3f ", $(NF - 1) / 1000 }')
			read -r med mean <<<"$(stats "${RES[net.$w]}")"
			echo "  network $w in the monitor: median $med ms, mean $mean ms per VPS"
		done
	fi
	phase "$mode.destroy" destroy
	if [ "$mode" = net ]; then
		wait "$gone"
		read -r tv tt <"$times.gone"
		echo "  after the last stop: veths gone in $tv ms, nft tables in $tt ms;" \
			"left: $(venets) veths, $(ip route | grep -c venet) routes," \
			"$(ip neigh show proxy | grep -c .) proxy entries," \
			"$(nft list tables | grep -c 'netdev vx') tables"
	fi
	vx_cleanup
}

trap 'vx_cleanup; rm -f "$times" "$times.gone"' EXIT INT TERM

if [ "$BATCH" = 1 ]; then
	MODE="batch: start/stop/destroy as one vzctl call over all N"
else
	MODE="per-VPS vzctl calls (xargs -P $P)"
fi
echo "net benchmark ($MODE), $(date -u '+%F %T UTC'), $(nproc) CPUs, kernel $(uname -r)," \
	"load $(cut -d' ' -f1-3 /proc/loadavg)"
ip link set lo up
# an uplink whose LAN holds the VPS addresses: proxy entries get made
ip link add name vxup0 type veth peer name vxlan0
ip addr add 10.80.255.254/16 dev vxup0
ip addr add 2001:db8:80::ffff/64 dev vxup0 nodad
ip link set vxup0 up
ip link set vxlan0 up
bench nonet || echo "nonet run failed (see $log)"
bench net || echo "net run failed (see $log)"

echo
echo "ms per VPS ($MODE): median of the vzctl call, and phase wall time / N (amortised)"
printf '%-10s %12s %12s %12s %12s %14s\n' phase "no network" "wall/N" \
	"network" "wall/N" "network cost"
for s in start stop destroy; do
	read -r m0 _ <<<"$(stats "${RES[nonet.$s]:-}")"
	read -r m1 _ <<<"$(stats "${RES[net.$s]:-}")"
	w0=$(awk -v w="${WALL[nonet.$s]:-0}" -v n="$N" 'BEGIN { printf "%.1f", w / n }')
	w1=$(awk -v w="${WALL[net.$s]:-0}" -v n="$N" 'BEGIN { printf "%.1f", w / n }')
	d=$(awk -v a="$w1" -v b="$w0" 'BEGIN { printf "%+.1f", a - b }')
	printf '%-10s %12s %12s %12s %12s %14s\n' "$s" "$m0" "$w0" "$m1" "$w1" "$d/VPS"
done
w0=$(awk -v a="${WALL[nonet.stop]:-0}" -v b="${WALL[nonet.destroy]:-0}" -v n="$N" 'BEGIN { printf "%.1f", (a + b) / n }')
w1=$(awk -v a="${WALL[net.stop]:-0}" -v b="${WALL[net.destroy]:-0}" -v n="$N" 'BEGIN { printf "%.1f", (a + b) / n }')
echo "stop+destroy wall/N: $w1 ms with network, $w0 ms without ($MODE)"
if [ -s "$log" ]; then
	echo "errors logged in $log:"
	tail -5 "$log"
else
	rm -f "$log"
fi
