/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VPS networking (see docs/network.md).
 *
 * Routed (IP_ADDRESS, OpenVZ's venet): one veth pair per VPS, host side
 * "venet<CTID>", VPS side "venet0" holding the addresses; the host routes
 * each address (/32, /128) to the host side, answers ARP there (proxy_arp),
 * is the VPS's IPv6 gateway as fe80::1, publishes the addresses as proxy
 * neighbours on the host interface whose LAN they belong to, and drops
 * anything the VPS sends from another source (nft.c).
 * Bridged (NETIF, OpenVZ's veth): one veth pair per entry, plugged into
 * the named bridge; the VPS configures it itself (DHCP, autoconf).
 *
 * The host side is set up by whoever runs in the host's network namespace
 * (the monitor at start, vxd for a live --ipadd) with a namespace fd of
 * the VPS. Nothing is deleted link by link at stop: the veth pairs go with
 * the VPS's namespace, which the kernel tears down in batches.
 */
#ifndef VX_NET_H
#define VX_NET_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "ct.h"
#include "global.h"
#include "rtnl.h"

#define VX_NET_VPS_IF "venet0"	/* the routed link inside the VPS */

struct vx_netif {
	char ifname[IFNAMSIZ];		/* inside the VPS */
	char host_ifname[IFNAMSIZ];	/* "" : veth<CTID>.<N> */
	char bridge[IFNAMSIZ];		/* "" : not plugged in */
	uint8_t mac[6], host_mac[6];
	bool has_mac, has_host_mac;
};

struct vx_net {
	unsigned int ctid;
	struct vx_ip *ips;		/* IP_ADDRESS */
	size_t n_ips;
	struct vx_netif *ifs;		/* NETIF */
	size_t n_ifs;
	uint64_t nft_handle;		/* live: the routed table's, or 0 */
};

/* "10.0.0.1 2001:db8::1/64" -> array (appended to *ips). Each address
 * must be a unicast host address. VX_E_INVAL_VALUE naming the bad one. */
int vx_net_parse_ips(const char *list, struct vx_ip **ips, size_t *n,
		     struct vx_error **err);
/* Space-separated, as IP_ADDRESS is written. malloc'd. */
char *vx_net_format_ips(const struct vx_ip *ips, size_t n);

/* One NETIF entry "ifname=eth0,mac=..,host_ifname=..,host_mac=..,
 * bridge=br0" (config) or the --netif_add form
 * "eth0[,mac,host_ifname,host_mac,bridge]" (positional). */
int vx_netif_parse(const char *s, bool positional, struct vx_netif *nif,
		   struct vx_error **err);
/* NETIF's value: entries joined by ';'. malloc'd. */
char *vx_netif_format(const struct vx_netif *ifs, size_t n);
/* A random locally administered unicast MAC. */
void vx_mac_random(uint8_t mac[6]);
/* The host-side name of the routed pair / of bridged entry i. */
void vx_net_routed_name(unsigned int ctid, char name[IFNAMSIZ]);
int vx_netif_host_name(unsigned int ctid, const struct vx_netif *nif,
		       size_t i, char name[IFNAMSIZ], struct vx_error **err);

/* IP_ADDRESS and NETIF of a CT. */
int vx_net_load(const struct vx_ct *ct, struct vx_net *n,
		struct vx_error **err);
void vx_net_free(struct vx_net *n);

/* Builds the VPS's links: ct_netns is its namespace, the caller runs in
 * the host's. On failure the host side is cleaned up again. Sets
 * n->nft_handle when it makes the routed link's table. */
int vx_net_start(struct vx_net *n, int ct_netns, struct vx_error **err);
/* Host-side state that does not die with the VPS's namespace: proxy
 * neighbours, routes, the nftables table. Does all it can; reports the
 * first failure. */
int vx_net_stop(const struct vx_net *n, struct vx_error **err);
/* VX_E_IP_INUSE if the host routes one of ips to another VPS's venet
 * (OpenVZ refuses an address a running VPS has, too). */
int vx_net_ips_check(unsigned int ctid, const struct vx_ip *ips, size_t k,
		     struct vx_error **err);
/* --ipadd / --ipdel on a running VPS (n: its configuration before). */
int vx_net_ips_live(struct vx_net *n, int ct_netns, bool add,
		    const struct vx_ip *ips, size_t k, struct vx_error **err);

/* At start (monitor, host namespace): IP_ADDRESS and NETIF of ct into
 * the namespace of init_pid; records the live addresses. 1 if the CT has
 * network, 0 if not. */
int vx_net_up(const struct vx_global *g, const struct vx_ct *ct,
	      pid_t init_pid, struct vx_error **err);
/* At stop: removes the host-side state of the live addresses. 1 if
 * there was some, 0 if not. The nftables table goes at once (SYNC) or
 * is queued for the reaper (net_reap.c), off the stop's path; EXITING:
 * the caller exits right after, so a reaper it starts needs no double
 * fork. */
enum vx_net_down {
	VX_NET_DOWN_SYNC,
	VX_NET_DOWN_DETACH,
	VX_NET_DOWN_EXITING,
};
int vx_net_down(const struct vx_global *g, unsigned int ctid,
		enum vx_net_down how, struct vx_error **err);
/* net_reap.c: queues the removal of table handle of ctid and makes sure
 * a reaper runs (forked, detached twice if detach: the caller lives on).
 * vx_net_reap_kick: starts one if entries are queued (vxd at start: a
 * reaper was killed). */
void vx_net_reap_queue(const struct vx_global *g, unsigned int ctid,
		       uint64_t handle, bool detach);
void vx_net_reap_kick(const struct vx_global *g);

/* rundir/ct/CTID.net: the addresses a running VPS has now, and the handle
 * of its nftables table. load: -ENOENT if none are recorded (n is then
 * empty but usable). */
int vx_net_live_save(const struct vx_global *g, const struct vx_net *n,
		     struct vx_error **err);
int vx_net_live_load(const struct vx_global *g, unsigned int ctid,
		     struct vx_net *n);
void vx_net_live_remove(const struct vx_global *g, unsigned int ctid);

/* An fd of the running VPS's network namespace (its init checked against
 * the state file: a recycled pid is never used). VX_E_NOT_RUNNING. */
int vx_net_ct_netns(const struct vx_global *g, unsigned int ctid,
		    struct vx_error **err);
/* --netif_add / --netif_del of entry i of n on a running VPS. */
int vx_net_netif_live(const struct vx_net *n, size_t i, bool add,
		      int ct_netns, struct vx_error **err);

/* Traffic of the VPS over all its links, from the VPS's point of view
 * (rx: received by the VPS), read from the host-side veths. -ENODEV (no
 * error set) if it has none. */
struct vx_net_stats {
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
};
int vx_net_stats(const struct vx_net *n, struct vx_net_stats *st,
		 struct vx_error **err);

/* /etc/resolv.conf of the tree at root: "nameserver" lines from
 * nameservers ("inherit": the host's), "search" from search; other lines
 * kept. Either may be NULL (left as is). Atomic, never follows a symlink
 * out of the tree. */
int vx_net_resolv(const char *root, const char *nameservers,
		  const char *search, struct vx_error **err);

#endif /* VX_NET_H */
