/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small rtnetlink layer on libmnl: exactly the link, address, route and
 * neighbour operations VPS networking needs, and nothing that shells out.
 *
 * A struct vx_rtnl is one NETLINK_ROUTE socket bound to one network
 * namespace: the namespace the socket was created in (vx_rtnl_open takes a
 * netns fd and enters it only for the socket() call), so the host side and
 * a VPS side can be driven from one process at the same time. Every
 * request asks for an ACK; errors carry the kernel's extended-ack text when
 * there is one ("veth101.0: File exists" is not enough to fix anything).
 *
 * Addresses are struct vx_ip: family AF_INET/AF_INET6, the raw address and
 * a prefix length.
 */
#ifndef VX_RTNL_H
#define VX_RTNL_H

#include <linux/if_link.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include "error.h"

struct mnl_socket;

struct vx_ip {
	int family;		/* AF_INET or AF_INET6 */
	int prefix;		/* 0..32 / 0..128 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t raw[16];
	};
};

struct vx_rtnl {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	char *buf;		/* MNL_SOCKET_BUFFER_SIZE */
};

/* "10.0.0.1", "10.0.0.1/24", "2001:db8::1/64" -> ip. Without a prefix:
 * def4 / def6. -EINVAL on anything else (the caller words the error). */
int vx_ip_parse(const char *s, int def4, int def6, struct vx_ip *ip);
/* "10.0.0.1" (prefix omitted when it is the full length, else "/N"). */
void vx_ip_format(const struct vx_ip *ip, char *buf, size_t len);
bool vx_ip_equal(const struct vx_ip *a, const struct vx_ip *b);
/* Address length in bytes: 4 or 16. */
int vx_ip_len(const struct vx_ip *ip);

/* netns_fd < 0: the caller's namespace. */
int vx_rtnl_open(struct vx_rtnl *r, int netns_fd, struct vx_error **err);
void vx_rtnl_close(struct vx_rtnl *r);

/* Interface index of name in r's namespace; -ENODEV if there is none. */
int vx_rtnl_ifindex(struct vx_rtnl *r, const char *name);

/* A veth pair: name (+ mac, may be NULL) here, peer (+ peer_mac) created
 * directly in the namespace peer_netns_fd, so it never appears on the
 * host under its VPS-side name. Both ends are left down. */
int vx_rtnl_veth_add(struct vx_rtnl *r, const char *name, const uint8_t *mac,
		     const char *peer, const uint8_t *peer_mac,
		     int peer_netns_fd, struct vx_error **err);

/* Sets up/down and, if master >= 0, the bridge the link is plugged into
 * (0: unplug). */
int vx_rtnl_link_set(struct vx_rtnl *r, int ifindex, bool up, int master,
		     struct vx_error **err);
/* -ENODEV (no error set) if there is no such link. */
int vx_rtnl_link_del(struct vx_rtnl *r, const char *name,
		     struct vx_error **err);
/* Counters of a link as the kernel keeps them (rx = received by it). */
int vx_rtnl_link_stats(struct vx_rtnl *r, const char *name,
		       struct rtnl_link_stats64 *st, struct vx_error **err);

/* add: RTM_NEWADDR (IFA_F_NODAD: a point-to-point veth has no one to
 * collide with, and a tentative address would not answer for a second;
 * plus flags, e.g. IFA_F_NOPREFIXROUTE), else RTM_DELADDR. Adding an
 * existing address is not an error. */
int vx_rtnl_addr(struct vx_rtnl *r, bool add, int ifindex,
		 const struct vx_ip *ip, uint32_t flags, struct vx_error **err);

/* A route to dst/dst->prefix through ifindex, via gw if gw is not NULL
 * (onlink: the gateway needs no covering prefix). Adding an existing route
 * and deleting a missing one are not errors. */
int vx_rtnl_route(struct vx_rtnl *r, bool add, int ifindex,
		  const struct vx_ip *dst, const struct vx_ip *gw,
		  struct vx_error **err);

/* What the namespace would do with a packet to ip: the outgoing interface
 * and whether the route has a gateway (false: ip is on that link). */
int vx_rtnl_route_get(struct vx_rtnl *r, const struct vx_ip *ip, int *oif,
		      bool *gateway, struct vx_error **err);

/* A proxy neighbour entry (NTF_PROXY: answer ARP/NS for ip on ifindex).
 * Idempotent both ways. */
int vx_rtnl_neigh_proxy(struct vx_rtnl *r, bool add, int ifindex,
			const struct vx_ip *ip, struct vx_error **err);

/* Writes value to /proc/sys/PATH as seen from the namespace netns_fd
 * (< 0: the caller's): net.* sysctls are per namespace and resolved at
 * open time. */
int vx_sysctl_write(int netns_fd, const char *path, const char *value,
		    struct vx_error **err);

/* Enters the namespace netns_fd; *saved gets the current one to return to
 * with vx_netns_leave. For short host-side excursions only. */
int vx_netns_enter(int netns_fd, int *saved);
void vx_netns_leave(int *saved);

#endif /* VX_RTNL_H */
