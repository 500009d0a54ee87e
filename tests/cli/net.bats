#!/usr/bin/env bats
# VPS networking (docs/network.md): routed (--ipadd, venet-like) and bridged
# (--netif_add) veths, IPv4 and IPv6, anti-spoofing, live --ipadd/--ipdel,
# resolv.conf, teardown, traffic accounting, and many VPSes at once.
#
# Nothing here touches the real host's network. The "host" is a network
# namespace this file creates (vxt<id>): vxd is started inside it (with
# nsenter --net, so it keeps the real mount namespace and the VPS trees stay
# visible), so every monitor, veth, route, proxy entry and nft table lives
# there; `hn CMD` runs a host-side command in it. A second namespace
# (vxt<id>l) plays a neighbour on the host's LAN, reached through the veth
# vxup0 <-> lan0, to check proxy ARP/NDP. Both are deleted at the end; no
# packet can leave them.
#
# Addresses: LAN 10.77.0.0/24 and 2001:db8:77::/64 (host .254 / ::fe,
# neighbour .1 / ::1, VPSes .2 and up); bridge br-vx 10.78.0.0/24 and
# 2001:db8:78::/64.

load helpers

hn() { nsenter --net="/run/netns/$VX_NET_NS" -- "$@"; }
# not CMD: CMD must fail (a bare `! CMD` does not fail a bats test)
not() { if "$@"; then echo "unexpected success: $*" >&2; return 1; fi; }
# hn_nc ADDR PORT: a TCP client on the host side
hn_nc() { vx_timeout nsenter --net="/run/netns/$VX_NET_NS" -- busybox nc -w 3 "$@"; }
lan() { nsenter --net="/run/netns/${VX_NET_NS}l" -- "$@"; }

setup_file() {
	vx_test_setup
	export VX_NET_NS="vxt${VX_ROOT##*.}"
	ip netns add "$VX_NET_NS"
	ip netns add "${VX_NET_NS}l"
	hn ip link set lo up
	hn ip link add name vxup0 type veth peer name lan0
	hn ip link set lan0 netns "${VX_NET_NS}l"
	hn ip addr add 10.77.0.254/24 dev vxup0
	hn ip addr add 2001:db8:77::fe/64 dev vxup0 nodad
	hn ip link set vxup0 up
	lan ip link set lo up
	lan ip addr add 10.77.0.1/24 dev lan0
	lan ip addr add 2001:db8:77::1/64 dev lan0 nodad
	lan ip link set lan0 up
	lan ip route add default via 10.77.0.254
	lan ip -6 route add default via 2001:db8:77::fe
	hn ip link add name br-vx type bridge
	hn ip addr add 10.78.0.254/24 dev br-vx
	hn ip addr add 2001:db8:78::fe/64 dev br-vx nodad
	hn ip link set br-vx up
	# vxd (and so every monitor) starts in the host namespace
	hn vzctl status 1 >/dev/null
	[ "$(ip netns identify "$(vx_vxd_pid)")" = "$VX_NET_NS" ]
}

teardown_file() {
	vx_test_teardown
	[ -n "${VX_NET_NS:-}" ] || return 0
	ip netns del "${VX_NET_NS}l" 2>/dev/null || true
	ip netns del "$VX_NET_NS" 2>/dev/null || true
}

# ping from inside CT: ping_ct CTID ADDR [ping options]
ping_ct() {
	local ct=$1 addr=$2; shift 2
	vx_timeout vzctl exec "$ct" ping -c1 -W2 "$@" "$addr" >/dev/null 2>&1
}
ping_host() { hn busybox ping -c1 -W2 "$1" >/dev/null 2>&1; }
ping_lan() { lan busybox ping -c1 -W2 "$1" >/dev/null 2>&1; }

# tcp_serve CTID PORT: a one-shot server in the CT answering "tcp-ok"
tcp_serve() {
	# one argument: vzctl exec runs its words through the VPS's sh -c
	vx_timeout vzctl exec "$1" \
		"nc -l -p $2 -e echo tcp-ok </dev/null >/dev/null 2>&1 &"
	sleep 0.2
}

# hn_serve PORT: a one-shot server on the host side answering "tcp-ok"
# (gone after 10 s if nobody comes)
hn_serve() {
	hn sh -c "timeout 10 busybox nc -l -p $1 -e echo tcp-ok </dev/null >/dev/null 2>&1 &"
	sleep 0.2
}

# no_tentative CTID DEV: busybox ip has no nodad; wait for DAD to end
no_tentative() {
	vx_wait_for 5 eval "! vzctl exec $1 ip -6 addr show dev $2 | grep -q tentative"
}

# Every trace a routed CT leaves on the host side; empty when it is gone.
host_traces() {
	hn ip -br link show | grep -w "venet$1" || true
	hn ip route show | grep -w "venet$1" || true
	hn ip -6 route show | grep -w "venet$1" || true
	hn ip neigh show proxy | grep -F "$2" || true
	hn ip -6 neigh show proxy | grep -F "$3" || true
	hn nft list tables | grep -w "vx$1" || true
}

@test "net: routed IPv4+IPv6 set on a stopped VPS are saved; host, VPS, LAN reach each other" {
	vx_create 101
	vx_create 102
	vx_expect_ok vzctl set 101 --ipadd 10.77.0.2 --ipadd 2001:db8:77::2
	vx_expect_ok vzctl set 102 --ipadd 10.77.0.3/24 --ipadd 2001:db8:77::3
	grep -q '^IP_ADDRESS="10.77.0.2 2001:db8:77::2"' "$VX_ROOT/etc/vz/conf/101.conf"
	vx_expect_ok vzctl start 101 --wait
	vx_expect_ok vzctl start 102 --wait
	# inside: venet0 with the addresses, default routes
	vx_expect_ok vzctl exec 102 ip addr show venet0
	vx_output_has "10.77.0.3/24"
	vx_output_has "2001:db8:77::3/128"
	vx_expect_ok vzctl exec 102 ip -6 route show default
	vx_output_has "via fe80::1"
	# host <-> VPS
	ping_host 10.77.0.2
	ping_host 2001:db8:77::2
	ping_ct 101 10.77.0.254
	ping_ct 101 2001:db8:77::fe
	# VPS <-> VPS
	ping_ct 101 10.77.0.3
	ping_ct 101 2001:db8:77::3
	ping_ct 102 10.77.0.2
	ping_ct 102 2001:db8:77::2
	# a LAN neighbour finds the VPS through the host's proxy ARP/NDP
	hn ip neigh show proxy | grep -q "10.77.0.2 dev vxup0"
	ping_lan 10.77.0.2
	ping_lan 2001:db8:77::3
	vx_expect_ok vzlist -H -o ip 101
	vx_output_has "10.77.0.2 2001:db8:77::2"
}

@test "net: TCP over routed IPv4 and IPv6, VPS to VPS and between host and VPS" {
	tcp_serve 102 7001
	vx_expect_ok vzctl exec 101 nc -w 3 10.77.0.3 7001
	[ "$output" = "tcp-ok" ]
	tcp_serve 102 7002
	vx_expect_ok vzctl exec 101 nc -w 3 2001:db8:77::3 7002
	[ "$output" = "tcp-ok" ]
	tcp_serve 101 7003
	run hn_nc 10.77.0.2 7003
	[ "$output" = "tcp-ok" ]
	tcp_serve 101 7004
	run hn_nc 2001:db8:77::2 7004
	[ "$output" = "tcp-ok" ]
	tcp_serve 101 7015
	vx_expect_ok vzctl exec 102 nc -w 3 10.77.0.2 7015
	[ "$output" = "tcp-ok" ]
	tcp_serve 101 7016
	vx_expect_ok vzctl exec 102 nc -w 3 2001:db8:77::2 7016
	[ "$output" = "tcp-ok" ]
	hn_serve 7011
	vx_expect_ok vzctl exec 101 nc -w 3 10.77.0.254 7011
	[ "$output" = "tcp-ok" ]
	hn_serve 7012
	vx_expect_ok vzctl exec 101 nc -w 3 2001:db8:77::fe 7012
	[ "$output" = "tcp-ok" ]
}

@test "net: a VPS sending from a foreign source address is dropped on the host side" {
	# The host would answer .99 through 101's veth (rp_filter passes it):
	# only the anti-spoofing filter stands in the way.
	hn ip route add 10.77.0.99/32 dev venet101
	hn ip -6 route add 2001:db8:77::99/128 dev venet101
	vx_expect_ok vzctl exec 101 ip addr add 10.77.0.99/32 dev venet0
	vx_expect_ok vzctl exec 101 ip addr add 2001:db8:77::99/128 dev venet0
	no_tentative 101 venet0
	not ping_ct 101 10.77.0.254 -I 10.77.0.99
	not ping_ct 101 2001:db8:77::fe -I 2001:db8:77::99
	hn nft list table netdev vx101 | grep -Eq 'counter packets [1-9]'
	# the own address still works
	ping_ct 101 10.77.0.254 -I 10.77.0.2
	# and the probe can fail: without the filter the spoofed ping passes
	hn nft delete table netdev vx101
	ping_ct 101 10.77.0.254 -I 10.77.0.99
	ping_ct 101 2001:db8:77::fe -I 2001:db8:77::99
	hn ip route del 10.77.0.99/32 dev venet101
	hn ip -6 route del 2001:db8:77::99/128 dev venet101
	vx_expect_ok vzctl exec 101 ip addr del 10.77.0.99/32 dev venet0
	# a restart brings the filter back
	vx_expect_ok vzctl restart 101 --wait
	hn nft list table netdev vx101 >/dev/null
}

# The host-side neighbour entry of ADDR on venet101 (empty: none).
neigh101() { hn ip neigh show "$1" dev venet101; }
# ARP request "who has .254, tell SRC" from inside 101 (SRC must be on its
# venet0: busybox arping binds to it); no answer is not an error here.
arp101() { vx_timeout vzctl exec 101 arping -c 1 -w 1 -I venet0 -s "$1" 10.77.0.254 >/dev/null 2>&1 || true; }
# nd101 na|ns SRC TARGET: a raw neighbour advertisement/solicitation sent
# on 101's venet0 (from its namespace: the VPS has no python)
nd101() {
	nsenter --net="/proc/$(vx_init_pid 101)/ns/net" -- \
		python3 "$BATS_TEST_DIRNAME/nd-send.py" venet0 "$@"
}
# The host's entries the probes below could plant, then the probes: ARP
# from .98, an advertisement for ::98 (an entry for it exists: only an
# existing entry is updated by one), a solicitation from ::97.
spoof_probes() {
	hn ip neigh flush dev venet101
	hn ip -6 neigh replace 2001:db8:77::98 lladdr 02:00:00:00:00:98 nud stale dev venet101
	arp101 10.77.0.98
	nd101 na fe80::98 2001:db8:77::98
	nd101 ns 2001:db8:77::97 fe80::1
	nd101 ra fe80::98
	sleep 0.2
}
# a default route the host took from a router advertisement of 101
ra_route101() { hn ip -6 route show default | grep -w venet101; }
# learnt101 ADDR MAC: the host has ADDR -> MAC on venet101 (soon: a probe's
# packet is handled in a softirq that may run late on a loaded machine)
learnt101() { vx_wait_for 2 eval "neigh101 $1 | grep -q 'lladdr $2'"; }

@test "net: a routed VPS's ARP and neighbour discovery claim only its own addresses" {
	local mac
	mac=$(vzctl exec 101 cat /sys/class/net/venet0/address)
	[[ "$mac" =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]]
	# routes to the claimed addresses through 101's veth: a strict
	# rp_filter would otherwise hide what the host learns
	hn ip route add 10.77.0.98/32 dev venet101
	hn ip -6 route add 2001:db8:77::97/128 dev venet101
	# as a host that does SLAAC next to forwarding has (conf/default is
	# inherited by new links): router advertisements are accepted
	hn sysctl -qw net.ipv6.conf.venet101.accept_ra=2
	vx_expect_ok vzctl exec 101 ip addr add 10.77.0.98/32 dev venet0
	spoof_probes
	echo "after the probes: $(neigh101 10.77.0.98) | $(neigh101 2001:db8:77::98) | $(neigh101 2001:db8:77::97) | $(ra_route101)" >&2
	[ -z "$(neigh101 10.77.0.98)" ]
	neigh101 2001:db8:77::98 | grep -q 02:00:00:00:00:98
	[ -z "$(neigh101 2001:db8:77::97)" ]
	[ -z "$(ra_route101)" ]
	hn nft list table netdev vx101 | grep nd-neighbor-advert | grep -Eq 'counter packets [1-9]'
	hn nft list table netdev vx101 | grep nd-router-advert | grep -Eq 'counter packets [1-9]'
	# its own address is learnt: the ARP probe can succeed
	arp101 10.77.0.2
	learnt101 10.77.0.2 "$mac"
	# the rules follow live --ipadd/--ipdel: .98 and ::98 become its own
	vx_expect_ok vzctl set 101 --ipadd 10.77.0.98 --ipadd 2001:db8:77::98
	spoof_probes
	learnt101 10.77.0.98 "$mac"
	learnt101 2001:db8:77::98 "$mac"
	vx_expect_ok vzctl set 101 --ipdel 10.77.0.98 --ipdel 2001:db8:77::98
	# (--ipdel took the address inside and the route, ours included)
	hn ip route replace 10.77.0.98/32 dev venet101
	vx_expect_ok vzctl exec 101 ip addr add 10.77.0.98/32 dev venet0
	spoof_probes
	[ -z "$(neigh101 10.77.0.98)" ]
	neigh101 2001:db8:77::98 | grep -q 02:00:00:00:00:98
	# and the probes can fail: without the table all four land
	hn nft delete table netdev vx101
	spoof_probes
	learnt101 10.77.0.98 "$mac"
	learnt101 2001:db8:77::98 "$mac"
	learnt101 2001:db8:77::97 "$mac"
	vx_wait_for 2 eval '[ -n "$(ra_route101)" ]'
	hn ip -6 route del default dev venet101
	hn ip route del 10.77.0.98/32 dev venet101
	hn ip -6 route del 2001:db8:77::97/128 dev venet101
	hn ip neigh flush dev venet101
	vx_expect_ok vzctl restart 101 --wait
	hn nft list table netdev vx101 >/dev/null
}

@test "net: --ipadd and --ipdel on a running VPS act at once; --save decides the config" {
	vx_expect_ok vzctl set 101 --ipadd 10.77.0.12 --ipadd 2001:db8:77::12
	vx_output_has "not saved"
	ping_host 10.77.0.12
	ping_host 2001:db8:77::12
	ping_lan 10.77.0.12
	not grep -q '10.77.0.12' "$VX_ROOT/etc/vz/conf/101.conf"
	vx_expect_ok vzctl set 101 --ipdel 10.77.0.12 --ipdel 2001:db8:77::12
	not ping_host 10.77.0.12
	not ping_host 2001:db8:77::12
	[ -z "$(hn ip neigh show proxy | grep -F 10.77.0.12)" ]
	[ -z "$(hn nft list table netdev vx101 | grep -F 10.77.0.12)" ]
	vx_expect_ok vzctl set 101 --ipdel 10.77.0.2 --save
	not ping_host 10.77.0.2
	ping_host 2001:db8:77::2
	grep -q '^IP_ADDRESS="2001:db8:77::2"' "$VX_ROOT/etc/vz/conf/101.conf"
	vx_expect_ok vzctl set 101 --ipadd 10.77.0.2 --save
	ping_host 10.77.0.2
	# a VPS started without addresses gets its link on the first --ipadd
	vx_create 105
	vx_expect_ok vzctl start 105 --wait
	vx_expect_ok vzctl set 105 --ipadd 10.77.0.5
	ping_host 10.77.0.5
	ping_ct 105 10.77.0.2
	# an address another running VPS has is refused, before anything
	# changes (its --ipdel included): it would pass 105's filter too
	vx_expect_rc 78 vzctl set 105 --ipdel 10.77.0.5 --ipadd 10.77.0.2
	vx_output_has "10.77.0.2 is in use by CT 101"
	ping_host 10.77.0.5
	hn ip route show 10.77.0.2 | grep -q venet101
	[ -z "$(hn nft list table netdev vx105 | grep -F 10.77.0.2)" ]
	# --ipdel all: every address unreachable at once, nothing left of them
	vx_expect_ok vzctl set 105 --ipadd 2001:db8:77::5
	ping_host 2001:db8:77::5
	vx_expect_ok vzctl set 105 --ipdel all
	not ping_host 10.77.0.5
	not ping_host 2001:db8:77::5
	[ -z "$(hn ip route show 10.77.0.5; hn ip -6 route show 2001:db8:77::5)" ]
	[ -z "$(hn ip neigh show proxy | grep -F 10.77.0.5)" ]
	[ -z "$(hn ip -6 neigh show proxy | grep -F 2001:db8:77::5)" ]
	hn nft list table netdev vx105 >/dev/null
	[ -z "$(hn nft list table netdev vx105 | grep -E '10\.77\.0\.5|2001:db8:77::5')" ]
	vx_expect_ok vzctl exec 105 ip addr show venet0
	[[ "$output" != *10.77.0.5* && "$output" != *2001:db8:77::5* ]]
	# stopped: --ipdel all empties IP_ADDRESS
	vx_expect_ok vzctl stop 105 --fast
	# and at start: 101's address in 105's config fails the start
	vx_expect_ok vzctl set 105 --ipadd 10.77.0.5 --ipadd 2001:db8:77::2
	vx_expect_rc 78 vzctl start 105
	vx_output_has "2001:db8:77::2 is in use by CT 101"
	vx_wait_for 5 eval '[ -z "$(host_traces 105 10.77.0.5 2001:db8:77::5)" ]'
	ping_host 2001:db8:77::2
	hn ip -6 neigh show proxy | grep -q "2001:db8:77::2 dev vxup0"
	vx_expect_ok vzctl set 105 --ipdel all
	vx_expect_ok vzctl set 105 --ipadd 10.77.0.5 --ipadd 2001:db8:77::5
	grep -q '^IP_ADDRESS="10.77.0.5 2001:db8:77::5"' "$VX_ROOT/etc/vz/conf/105.conf"
	vx_expect_ok vzctl set 105 --ipdel all
	grep -q '^IP_ADDRESS=""' "$VX_ROOT/etc/vz/conf/105.conf"
	vx_ct_cleanup 105
}

@test "net: bad addresses and options are refused with exit 21, naming the value" {
	vx_expect_rc 21 vzctl set 101 --ipadd 10.77.0.300
	vx_output_has "10.77.0.300"
	vx_expect_rc 21 vzctl set 101 --ipadd 127.0.0.1
	vx_expect_rc 21 vzctl set 101 --ipadd fe80::5
	vx_expect_rc 21 vzctl set 101 --ipdel not-an-ip
	vx_expect_rc 21 vzctl set 101 --nameserver 8.8.8.x
	vx_output_has "8.8.8.x"
	vx_expect_rc 21 vzctl set 101 --searchdomain 'bad domain!'
	vx_expect_rc 21 vzctl set 101 --netif_add eth0,01:00:00:00:00:01
	vx_output_has "unicast MAC"
	vx_expect_rc 21 vzctl set 101 --netif_del eth9
}

@test "net: --nameserver and --searchdomain write the VPS's resolv.conf, live and at start" {
	vx_expect_ok vzctl set 101 --nameserver 10.77.0.53 --nameserver 2001:db8::53 \
		--searchdomain example.org --save
	vx_expect_ok vzctl exec 101 cat /etc/resolv.conf
	[ "$output" = "search example.org
nameserver 10.77.0.53
nameserver 2001:db8::53" ]
	grep -q '^NAMESERVER="10.77.0.53 2001:db8::53"' "$VX_ROOT/etc/vz/conf/101.conf"
	grep -q '^SEARCHDOMAIN="example.org"' "$VX_ROOT/etc/vz/conf/101.conf"
	# inherit: exactly the host's nameservers (vxd reads this same file),
	# in place of 10.77.0.53 and 2001:db8::53
	vx_expect_ok vzctl set 101 --nameserver inherit
	local host_ns
	host_ns=$(awk '/^nameserver/ { print $2 }' /etc/resolv.conf)
	vx_expect_ok vzctl exec 101 cat /etc/resolv.conf
	[ "$(awk '/^nameserver/ { print $2 }' <<<"$output")" = "$host_ns" ]
	vx_output_has "search example.org"
	vx_expect_ok vzctl exec 101 'echo nameserver 1.2.3.4 > /etc/resolv.conf'
	vx_expect_ok vzctl restart 101 --wait
	vx_expect_ok vzctl exec 101 cat /etc/resolv.conf
	vx_output_has "nameserver 10.77.0.53"
	[[ "$output" != *1.2.3.4* ]]
}

@test "net: a reboot inside the VPS brings its network back; vzlist shows the live addresses" {
	vx_expect_ok vzctl set 101 --ipadd 10.77.0.22
	vx_expect_ok vzlist -H -o ip 101
	vx_output_has "10.77.0.22"
	local pid
	pid=$(vx_init_pid 101)
	vx_timeout vzctl exec 101 reboot || true
	vx_wait_for 20 eval '[ -n "$(vx_init_pid 101)" ] && [ "$(vx_init_pid 101)" != "'"$pid"'" ]'
	vx_wait_running 101
	# the reboot reads the config again: the unsaved address is gone
	vx_wait_for 10 ping_host 10.77.0.2
	ping_host 2001:db8:77::2
	not ping_host 10.77.0.22
	[ -z "$(hn ip neigh show proxy | grep -F 10.77.0.22)" ]
	hn nft list table netdev vx101 | grep -q 'elements = { 10.77.0.2 }'
	vx_expect_ok vzlist -H -o ip 101
	[[ "$output" != *10.77.0.22* ]]
}

@test "net: traffic accounting in vzlist fields and JSON" {
	local before after
	before=$(vx_timeout vzlist -H -o netif.tx_packets 101 | tr -d ' ')
	for i in 1 2 3; do ping_ct 101 10.77.0.254; done
	after=$(vx_timeout vzlist -H -o netif.tx_packets 101 | tr -d ' ')
	[ "$after" -ge $((before + 3)) ]
	# direction: 200 KiB sent by the VPS count as its tx, not its rx
	local tx0 rx0 tx1 rx1
	read -r rx0 tx0 <<<"$(vx_timeout vzlist -H -o netif.rx_bytes,netif.tx_bytes 101)"
	# (stdin open: busybox nc stops at EOF of its stdin)
	hn sh -c 'sleep 10 | busybox nc -l -p 7010 >/dev/null 2>&1 &'
	sleep 0.2
	vx_expect_ok vzctl exec 101 'dd if=/dev/zero bs=1024 count=200 2>/dev/null | nc -w 2 10.77.0.254 7010'
	# nc may exit before the kernel has sent everything: wait for it
	vx_wait_for 10 eval 'read -r rx1 tx1 <<<"$(vx_timeout vzlist -H -o netif.rx_bytes,netif.tx_bytes 101)"; [ $((tx1 - tx0)) -ge 204800 ]'
	echo "rx $rx0 -> $rx1, tx $tx0 -> $tx1" >&2
	[ $((rx1 - rx0)) -lt 102400 ]
	vx_expect_ok vzlist -H -o netif.rx_bytes,netif.tx_bytes,netif.rx_packets 101
	[[ "$output" =~ [1-9] ]]
	vx_expect_ok vzlist -j -o ctid,netif.rx_bytes,netif.tx_bytes,netif.rx_packets,netif.tx_packets 101
	local k
	for k in rx_bytes tx_bytes rx_packets tx_packets; do
		[[ "$output" =~ \"netif.$k\":\ ?[1-9][0-9]*[,}] ]]
	done
	# a stopped VPS has no counters: null, not 0
	vx_create 109
	vx_expect_ok vzlist -j -o ctid,netif.rx_bytes,netif.tx_packets 109
	[[ "$output" =~ \"netif.rx_bytes\":\ ?null ]]
	[[ "$output" =~ \"netif.tx_packets\":\ ?null ]]
	vx_ct_cleanup 109
}

@test "net: stop and destroy remove every host-side link, route, proxy entry and nft table" {
	vx_expect_ok vzctl stop 102
	vx_wait_for 5 eval '[ -z "$(host_traces 102 10.77.0.3 2001:db8:77::3)" ]'
	vx_expect_ok vzctl stop 101 --fast
	vx_wait_for 5 eval '[ -z "$(host_traces 101 10.77.0.2 2001:db8:77::2)" ]'
	[ ! -e "$VX_ROOT/run/vx/ct/101.net" ]
	vx_expect_ok vzctl start 101 --wait
	[ -n "$(host_traces 101 10.77.0.2 2001:db8:77::2)" ]
	# stop and start at once, same addresses: the old run's veth may
	# still be queued in the kernel and its table in the reaper's queue;
	# once the queue is empty, the new run's table and link still work
	vx_expect_ok vzctl stop 101 --fast
	vx_expect_ok vzctl start 101 --wait
	vx_wait_for 5 eval '[ -z "$(ls "$VX_ROOT/run/vx/nft-gc")" ]'
	hn nft list table netdev vx101 | grep -q 'elements = { 10.77.0.2 }'
	vx_wait_for 10 ping_host 10.77.0.2
	ping_host 2001:db8:77::2
	vx_expect_ok vzctl stop 101 --fast
	vx_expect_ok vzctl destroy 101
	vx_wait_for 5 eval '[ -z "$(host_traces 101 10.77.0.2 2001:db8:77::2)" ]'
	[ -z "$(ls "$VX_ROOT/run/vx/nft-gc")" ]
	vx_ct_cleanup 101 102
}

@test "net: bridged veths (--netif_add) with fixed MACs, IPv4+IPv6, ping and TCP" {
	vx_create 103
	vx_create 104
	vx_expect_ok vzctl set 103 --netif_add eth0,02:00:0a:4e:00:03,,,br-vx
	vx_expect_ok vzctl set 104 --netif_add eth0,,vx104br,,br-vx
	grep -q '^NETIF="ifname=eth0,mac=02:00:0a:4e:00:03,host_ifname=veth103.0,host_mac=' \
		"$VX_ROOT/etc/vz/conf/103.conf"
	# generated MACs are saved, so they survive restarts
	grep -Eq '^NETIF="ifname=eth0,mac=([0-9a-f]{2}:){5}[0-9a-f]{2},host_ifname=vx104br,host_mac=' \
		"$VX_ROOT/etc/vz/conf/104.conf"
	vx_expect_ok vzctl start 103 --wait
	vx_expect_ok vzctl start 104 --wait
	hn ip link show veth103.0 | grep -q "master br-vx"
	hn ip link show vx104br | grep -q "master br-vx"
	vx_expect_ok vzctl exec 103 ip link show eth0
	vx_output_has "02:00:0a:4e:00:03"
	# the VPS configures its own addresses, as with DHCP/autoconf
	vx_expect_ok vzctl exec 103 ip addr add 10.78.0.3/24 dev eth0
	vx_expect_ok vzctl exec 103 ip addr add 2001:db8:78::3/64 dev eth0
	vx_expect_ok vzctl exec 104 ip addr add 10.78.0.4/24 dev eth0
	vx_expect_ok vzctl exec 104 ip addr add 2001:db8:78::4/64 dev eth0
	no_tentative 103 eth0
	no_tentative 104 eth0
	ping_host 10.78.0.3
	ping_host 2001:db8:78::3
	ping_ct 103 10.78.0.254
	ping_ct 103 2001:db8:78::fe
	ping_ct 103 10.78.0.4
	ping_ct 103 2001:db8:78::4
	ping_ct 104 10.78.0.3
	ping_ct 104 2001:db8:78::3
	ping_host 10.78.0.4
	ping_ct 104 2001:db8:78::fe
	tcp_serve 104 7005
	vx_expect_ok vzctl exec 103 nc -w 3 10.78.0.4 7005
	[ "$output" = "tcp-ok" ]
	tcp_serve 104 7006
	vx_expect_ok vzctl exec 103 nc -w 3 2001:db8:78::4 7006
	[ "$output" = "tcp-ok" ]
	tcp_serve 103 7007
	run hn_nc 10.78.0.3 7007
	[ "$output" = "tcp-ok" ]
	tcp_serve 103 7008
	run hn_nc 2001:db8:78::3 7008
	[ "$output" = "tcp-ok" ]
	tcp_serve 103 7009
	vx_expect_ok vzctl exec 104 nc -w 3 10.78.0.3 7009
	[ "$output" = "tcp-ok" ]
	tcp_serve 103 7017
	vx_expect_ok vzctl exec 104 nc -w 3 2001:db8:78::3 7017
	[ "$output" = "tcp-ok" ]
	hn_serve 7013
	vx_expect_ok vzctl exec 103 nc -w 3 10.78.0.254 7013
	[ "$output" = "tcp-ok" ]
	hn_serve 7014
	vx_expect_ok vzctl exec 104 nc -w 3 2001:db8:78::fe 7014
	[ "$output" = "tcp-ok" ]
	# bridged traffic is counted too
	vx_expect_ok vzlist -H -o netif.rx_packets,netif.tx_packets 103
	[[ "$output" =~ ^\ *[1-9][0-9]*\ +[1-9][0-9]*\ *$ ]]
	# live --netif_del takes the link away; --netif_add brings one back
	vx_expect_ok vzctl set 104 --netif_del eth0
	not hn ip link show vx104br 2>/dev/null
	not grep -q '^NETIF=' "$VX_ROOT/etc/vz/conf/104.conf"
	vx_expect_ok vzctl set 104 --netif_add eth1,,,,br-vx
	hn ip link show veth104.0 | grep -q "master br-vx"
	# host names are saved: deleting an earlier entry renames nothing
	vx_expect_ok vzctl set 104 --netif_add eth2,,,,br-vx
	vx_expect_ok vzctl set 104 --netif_del eth1
	hn ip link show veth104.1 | grep -q "master br-vx"
	grep -q 'ifname=eth2,mac=[0-9a-f:]*,host_ifname=veth104.1,' "$VX_ROOT/etc/vz/conf/104.conf"
	vx_expect_rc 21 vzctl set 104 --netif_add eth3,,veth104.1
	vx_output_has "taken by eth2"
	vx_expect_ok vzctl set 104 --netif_add eth4,,,,br-vx
	hn ip link show veth104.2 | grep -q "master br-vx"
	vx_expect_ok vzctl set 104 --netif_del all
	not hn ip link show veth104.1 2>/dev/null
	not hn ip link show veth104.2 2>/dev/null
	not grep -q '^NETIF=' "$VX_ROOT/etc/vz/conf/104.conf"
	vx_expect_ok vzctl stop 103 --fast
	vx_expect_ok vzctl stop 104 --fast
	vx_wait_for 5 eval 'not hn ip link show veth103.0 2>/dev/null'
	# a bridge that does not exist fails the start, naming it, and
	# leaves nothing behind (the routed link of the same VPS included)
	vx_expect_ok vzctl set 103 --netif_add eth1,,,,nobr0 --ipadd 10.77.0.30
	vx_expect_rc 21 vzctl start 103
	vx_output_has "nobr0"
	vx_wait_for 5 eval '[ -z "$(host_traces 103 10.77.0.30 10.77.0.30)" ]'
	not hn ip link show veth103.0 2>/dev/null
	vx_ct_cleanup 103 104
}

@test "net: create --ipadd writes IP_ADDRESS; a bad address creates nothing" {
	vx_create 106 --ipadd 10.77.0.6 --ipadd 2001:db8:77::6/64
	grep -q '^IP_ADDRESS="10.77.0.6 2001:db8:77::6/64"' "$VX_ROOT/etc/vz/conf/106.conf"
	vx_expect_ok vzctl start 106 --wait
	ping_host 10.77.0.6
	ping_host 2001:db8:77::6
	vx_ct_cleanup 106
	vx_expect_rc 21 vzctl create 107 --ostemplate busybox --ipadd 10.77.0.777
	vx_output_has "10.77.0.777"
	[ ! -e "$VX_ROOT/etc/vz/conf/107.conf" ]
}

@test "net: ${VX_NET_MANY:-200} routed VPSes come up with addresses and all answer" {
	local n=${VX_NET_MANY:-200} i ids=() ct
	for ((i = 0; i < n; i++)); do
		ct=$((1000 + i))
		ids+=("$ct")
		vx_create "$ct"
		vx_expect_ok vzctl set "$ct" --ipadd "10.79.$((i / 250)).$((i % 250 + 1))" \
			--ipadd "2001:db8:79::$((i + 1))"
	done
	for ct in "${ids[@]}"; do
		vx_expect_ok vzctl start "$ct"
	done
	# every one answers, v4 and v6, from the host and from the first VPS
	for ((i = 0; i < n; i++)); do
		vx_wait_for 10 ping_host "10.79.$((i / 250)).$((i % 250 + 1))"
		ping_host "2001:db8:79::$((i + 1))"
	done
	ping_ct 1000 "10.79.0.$(( (n - 1) % 250 + 1))"
	vx_ct_cleanup "${ids[@]}"
	vx_wait_for 10 eval '[ -z "$(hn ip -br link show | grep -E "venet1[0-9]{3}")" ]'
	[ -z "$(hn nft list tables | grep -E 'vx1[0-9]{3}')" ]
}
