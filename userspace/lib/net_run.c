// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Bringing a VPS's links up and taking host-side state down (see net.h).
 *
 * Routed, for a VPS with addresses A (host side venet<CTID>, VPS side
 * venet0):
 *   host:  proxy_arp on venet<CTID> (the VPS ARPs for every destination:
 *          its default route is "dev venet0"), fe80::1/64 there as the
 *          VPS's IPv6 gateway, forwarding on, a route A/32 or A/128 dev
 *          venet<CTID> per address, a proxy neighbour for A on the host
 *          interface whose LAN A belongs to (the kernel's own route lookup
 *          for A, done before our route exists, names it), and the nft
 *          table that drops anything else the VPS sends.
 *   VPS:   A on venet0 (with its prefix, /32 by default), venet0 up,
 *          "default dev venet0" and "default via fe80::1 dev venet0".
 * Every step is idempotent, so a live --ipadd runs the same code.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "net.h"
#include "nft.h"

static const struct vx_ip gw6 = {
	.family = AF_INET6, .prefix = 64,
	.raw = { 0xfe, 0x80, [15] = 1 },
};

static bool has_family(const struct vx_ip *ips, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (ips[i].family == family)
			return true;
	return false;
}

/* net/FAMILY/conf/DEV/KEY of the host */
static int host_sysctl(const char *family, const char *dev, const char *key,
		       const char *val, struct vx_error **err)
{
	char path[128];

	snprintf(path, sizeof(path), "net/%s/conf/%s/%s", family, dev, key);
	return vx_sysctl_write(-1, path, val, err);
}

/* A host-wide sysctl that is normally set already: read first. Writing
 * all.forwarding walks every interface under the RTNL (and spins on
 * rtnl_trylock while another start holds it), at every start otherwise. */
static int host_sysctl_on(const char *path, struct vx_error **err)
{
	char file[128], v[4] = "";
	int fd;

	snprintf(file, sizeof(file), "/proc/sys/%s", path);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, v, sizeof(v) - 1);

		close(fd);
		if (r > 0 && v[0] == '1' && (v[1] == '\n' || !v[1]))
			return 0;
	}
	return vx_sysctl_write(-1, path, "1", err);
}

/* The host interface on whose LAN ip lies (not routed via a gateway), or
 * 0. Asked before our host route exists. */
static int neighbour_dev(struct vx_rtnl *host, const struct vx_ip *ip,
			 int own)
{
	bool gw = true;
	int oif = 0;

	if (vx_rtnl_route_get(host, ip, &oif, &gw, NULL) < 0 || gw ||
	    oif == own)
		return 0;
	return oif;
}

static int proxy_add(struct vx_rtnl *host, const struct vx_ip *ip, int own,
		     struct vx_error **err)
{
	int dev = neighbour_dev(host, ip, own);
	char name[IF_NAMESIZE];

	if (dev <= 0 || !if_indextoname((unsigned int)dev, name))
		return 0;
	if (!strcmp(name, "lo"))
		return 0;
	if (ip->family == AF_INET6 &&
	    host_sysctl("ipv6", name, "proxy_ndp", "1", err) < 0)
		return -EIO;
	return vx_rtnl_neigh_proxy(host, true, dev, ip, err);
}

/* An address another VPS has: the host routes it to that VPS's venet.
 * Checked before anything changes; two VPSes with one address would both
 * pass the anti-spoofing filter with it. */
static int ip_taken(struct vx_rtnl *host, unsigned int ctid,
		    const struct vx_ip *ip, struct vx_error **err)
{
	struct vx_ip dst = *ip;
	char name[IF_NAMESIZE], a[64], c;
	unsigned int other;
	bool gw = true;
	int oif = 0;

	dst.prefix = ip->family == AF_INET ? 32 : 128;
	if (vx_rtnl_route_get(host, &dst, &oif, &gw, NULL) < 0 || gw ||
	    oif <= 0 || !if_indextoname((unsigned int)oif, name) ||
	    strncmp(name, "venet", 5) || name[5] < '0' || name[5] > '9' ||
	    sscanf(name + 5, "%u%c", &other, &c) != 1 || other == ctid)
		return 0;
	vx_ip_format(&dst, a, sizeof(a));
	return vx_error_set(err, VX_E_IP_INUSE, 0,
			    "address %s is in use by CT %u (the host routes it "
			    "to %s); remove it there first: vzctl set %u "
			    "--ipdel %s", a, other, name, other, a);
}

static int ips_free(struct vx_rtnl *host, unsigned int ctid,
		    const struct vx_ip *ips, size_t k, struct vx_error **err)
{
	for (size_t i = 0; i < k; i++)
		if (ip_taken(host, ctid, &ips[i], err) < 0)
			return -EADDRINUSE;
	return 0;
}

int vx_net_ips_check(unsigned int ctid, const struct vx_ip *ips, size_t k,
		     struct vx_error **err)
{
	struct vx_rtnl host;
	int ret;

	if (!k)
		return 0;
	ret = vx_rtnl_open(&host, -1, err);
	if (ret < 0)
		return ret;
	ret = ips_free(&host, ctid, ips, k, err);
	vx_rtnl_close(&host);
	return ret;
}

/* One address, both sides. */
static int routed_ip(struct vx_rtnl *host, struct vx_rtnl *ct, int hidx,
		     int cidx, const struct vx_ip *ip, struct vx_error **err)
{
	struct vx_ip dst = *ip;
	int ret;

	dst.prefix = ip->family == AF_INET ? 32 : 128;
	ret = proxy_add(host, &dst, hidx, err);
	if (ret == 0)
		ret = vx_rtnl_route(host, true, hidx, &dst, NULL, err);
	if (ret == 0)
		ret = vx_rtnl_addr(ct, true, cidx, ip, IFA_F_NOPREFIXROUTE,
				   err);
	return ret;
}

/* Per-family pieces: forwarding, the gateway, the VPS's default route. */
static int routed_family(struct vx_rtnl *host, struct vx_rtnl *ct,
			 const char *hname, int hidx, int cidx, int family,
			 struct vx_error **err)
{
	struct vx_ip def = { .family = family };
	char path[64];
	int ret;

	if (family == AF_INET) {
		ret = host_sysctl_on("net/ipv4/ip_forward", err);
		if (ret == 0)
			ret = host_sysctl("ipv4", hname, "proxy_arp", "1",
					  err);
		/* proxy ARP answers after a random delay of up to 0.8 s by
		 * default (to let a real owner answer first): there is none
		 * on a veth, and the VPS ARPs for every destination */
		snprintf(path, sizeof(path), "net/ipv4/neigh/%s/proxy_delay",
			 hname);
		if (ret == 0)
			ret = vx_sysctl_write(-1, path, "0", err);
		if (ret == 0)
			ret = vx_rtnl_route(ct, true, cidx, &def, NULL, err);
		return ret;
	}
	ret = host_sysctl_on("net/ipv6/conf/all/forwarding", err);
	if (ret == 0)
		ret = host_sysctl("ipv6", hname, "disable_ipv6", "0",
				  err);
	if (ret == 0)
		ret = vx_rtnl_addr(host, true, hidx, &gw6, 0, err);
	if (ret == 0)
		ret = vx_rtnl_route(ct, true, cidx, &def, &gw6, err);
	return ret;
}

static int routed_start(struct vx_rtnl *host, struct vx_rtnl *ct,
			struct vx_net *n, const struct vx_ip *ips,
			size_t k, int ct_netns, struct vx_error **err)
{
	char hname[IFNAMSIZ];
	int hidx, cidx, ret;

	ret = ips_free(host, n->ctid, ips, k, err);
	if (ret < 0)
		return ret;
	vx_net_routed_name(n->ctid, hname);
	hidx = vx_rtnl_ifindex(host, hname);
	if (hidx < 0) {
		ret = vx_rtnl_veth_add(host, hname, NULL, VX_NET_VPS_IF, NULL,
				       ct_netns, err);
		if (ret < 0)
			return ret;
		hidx = vx_rtnl_ifindex(host, hname);
		cidx = vx_rtnl_ifindex(ct, VX_NET_VPS_IF);
		if (hidx < 0 || cidx < 0)
			return vx_error_set(err, VX_E_SYSTEM, ENODEV,
					    "veth %s vanished", hname);
		ret = vx_rtnl_link_set(host, hidx, true, -1, err);
		if (ret == 0)
			ret = vx_rtnl_link_set(ct, cidx, true, -1, err);
		if (ret == 0)
			ret = vx_nft_ct_add(n->ctid, hname, ips, k,
					    &n->nft_handle, err);
	} else {
		cidx = vx_rtnl_ifindex(ct, VX_NET_VPS_IF);
		if (cidx < 0)
			return vx_error_set(err, VX_E_SYSTEM, ENODEV,
					    "ct %u: %s is missing inside the VPS",
					    n->ctid, VX_NET_VPS_IF);
		ret = vx_nft_ct_ips(n->ctid, true, ips, k, err);
	}
	for (int f = 0; ret == 0 && f < 2; f++)
		if (has_family(ips, k, f ? AF_INET6 : AF_INET))
			ret = routed_family(host, ct, hname, hidx, cidx,
					    f ? AF_INET6 : AF_INET, err);
	for (size_t i = 0; ret == 0 && i < k; i++)
		ret = routed_ip(host, ct, hidx, cidx, &ips[i], err);
	return ret;
}

static int bridged_start(struct vx_rtnl *host, struct vx_rtnl *ct,
			 const struct vx_net *n, size_t i, int ct_netns,
			 struct vx_error **err)
{
	const struct vx_netif *nif = &n->ifs[i];
	char hname[IFNAMSIZ];
	int hidx, cidx, br = 0, ret;

	ret = vx_netif_host_name(n->ctid, nif, i, hname, err);
	if (ret < 0)
		return ret;
	if (nif->bridge[0] && (br = vx_rtnl_ifindex(host, nif->bridge)) < 0)
		return vx_error_set(err, VX_E_INVAL_VALUE, ENODEV,
				    "ct %u: netif %s: bridge %s", n->ctid,
				    nif->ifname, nif->bridge);
	/* a leftover of the previous run whose namespace is still being
	 * torn down */
	vx_rtnl_link_del(host, hname, NULL);
	ret = vx_rtnl_veth_add(host, hname,
			       nif->has_host_mac ? nif->host_mac : NULL,
			       nif->ifname, nif->has_mac ? nif->mac : NULL,
			       ct_netns, err);
	if (ret < 0)
		return ret;
	hidx = vx_rtnl_ifindex(host, hname);
	cidx = vx_rtnl_ifindex(ct, nif->ifname);
	if (hidx < 0 || cidx < 0)
		return vx_error_set(err, VX_E_SYSTEM, ENODEV, "veth %s vanished",
				    hname);
	ret = vx_rtnl_link_set(host, hidx, true, br, err);
	if (ret == 0)
		ret = vx_rtnl_link_set(ct, cidx, true, -1, err);
	return ret;
}

/* Host-side links of n (their deletion also takes the VPS ends). */
static void delete_links(struct vx_rtnl *host, const struct vx_net *n)
{
	char name[IFNAMSIZ];

	vx_net_routed_name(n->ctid, name);
	vx_rtnl_link_del(host, name, NULL);
	for (size_t i = 0; i < n->n_ifs; i++)
		if (vx_netif_host_name(n->ctid, &n->ifs[i], i, name, NULL) == 0)
			vx_rtnl_link_del(host, name, NULL);
}

/* Two rtnetlink sockets: the host's namespace and the CT's. */
static int open_pair(struct vx_rtnl *host, struct vx_rtnl *ct, int ct_netns,
		     struct vx_error **err)
{
	int ret = vx_rtnl_open(host, -1, err);

	if (ret < 0)
		return ret;
	ret = vx_rtnl_open(ct, ct_netns, err);
	if (ret < 0)
		vx_rtnl_close(host);
	return ret;
}

int vx_net_start(struct vx_net *n, int ct_netns, struct vx_error **err)
{
	struct vx_rtnl host, ct;
	char name[IFNAMSIZ];
	int ret;

	if (!n->n_ips && !n->n_ifs)
		return 0;
	ret = open_pair(&host, &ct, ct_netns, err);
	if (ret < 0)
		return ret;
	if (n->n_ips) {
		/* a leftover of a previous run (its namespace may still be
		 * in the kernel's cleanup queue) would be taken for ours */
		vx_net_routed_name(n->ctid, name);
		vx_rtnl_link_del(&host, name, NULL);
		ret = routed_start(&host, &ct, n, n->ips, n->n_ips, ct_netns,
				   err);
	}
	for (size_t i = 0; ret == 0 && i < n->n_ifs; i++)
		ret = bridged_start(&host, &ct, n, i, ct_netns, err);
	if (ret < 0) {
		vx_error_prefix(err, "ct %u: network", n->ctid);
		vx_net_stop(n, NULL);
		delete_links(&host, n);
	}
	vx_rtnl_close(&ct);
	vx_rtnl_close(&host);
	return ret;
}

/* Host side of one address: route, then (now that the lookup no longer
 * ends at our veth) the proxy neighbour. */
static void routed_ip_del(struct vx_rtnl *host, int hidx,
			  const struct vx_ip *ip)
{
	struct vx_ip dst = *ip;
	int dev;

	dst.prefix = ip->family == AF_INET ? 32 : 128;
	if (hidx > 0)
		vx_rtnl_route(host, false, hidx, &dst, NULL, NULL);
	dev = neighbour_dev(host, &dst, hidx);
	if (dev > 0)
		vx_rtnl_neigh_proxy(host, false, dev, &dst, NULL);
}

/* Routes and proxy entries of every address: cheap rtnetlink calls. */
static void host_ips_del(const struct vx_net *n)
{
	struct vx_rtnl host;
	char name[IFNAMSIZ];
	int hidx;

	if (!n->n_ips || vx_rtnl_open(&host, -1, NULL) < 0)
		return;
	vx_net_routed_name(n->ctid, name);
	hidx = vx_rtnl_ifindex(&host, name);
	for (size_t i = 0; i < n->n_ips; i++)
		routed_ip_del(&host, hidx, &n->ips[i]);
	vx_rtnl_close(&host);
}

int vx_net_stop(const struct vx_net *n, struct vx_error **err)
{
	int ret = vx_nft_ct_del(n->ctid, err);

	host_ips_del(n);
	return ret;
}

int vx_net_ips_live(struct vx_net *n, int ct_netns, bool add,
		    const struct vx_ip *ips, size_t k, struct vx_error **err)
{
	struct vx_rtnl host, ct;
	char name[IFNAMSIZ];
	int ret, hidx, cidx;

	if (!k)
		return 0;
	ret = open_pair(&host, &ct, ct_netns, err);
	if (ret < 0)
		return ret;
	if (add) {
		ret = routed_start(&host, &ct, n, ips, k, ct_netns, err);
	} else {
		vx_net_routed_name(n->ctid, name);
		hidx = vx_rtnl_ifindex(&host, name);
		cidx = vx_rtnl_ifindex(&ct, VX_NET_VPS_IF);
		/* the filter first: the address is unusable at once */
		ret = vx_nft_ct_ips(n->ctid, false, ips, k, err);
		for (size_t i = 0; i < k; i++) {
			routed_ip_del(&host, hidx, &ips[i]);
			if (cidx > 0 && ret == 0)
				ret = vx_rtnl_addr(&ct, false, cidx, &ips[i], 0,
						   err);
		}
	}
	if (ret < 0)
		vx_error_prefix(err, "ct %u: network", n->ctid);
	vx_rtnl_close(&ct);
	vx_rtnl_close(&host);
	return ret;
}

int vx_net_up(const struct vx_global *g, const struct vx_ct *ct,
	      pid_t init_pid, struct vx_error **err)
{
	struct vx_net n;
	char path[64];
	int fd, ret;

	ret = vx_net_load(ct, &n, err);
	if (ret < 0)
		return ret;
	if (n.n_ips || n.n_ifs) {
		snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init_pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			ret = vx_error_set(err, VX_E_START, errno,
					   "ct %u: open %s", ct->ctid, path);
		else
			ret = vx_net_start(&n, fd, err);
		if (fd >= 0)
			close(fd);
		if (ret == 0 && n.n_ips)
			ret = vx_net_live_save(g, &n, err);
		if (ret == 0)
			ret = 1;
	}
	vx_net_free(&n);
	return ret;
}

int vx_net_down(const struct vx_global *g, unsigned int ctid,
		enum vx_net_down how, struct vx_error **err)
{
	struct vx_net n;
	int ret = 0;

	if (vx_net_live_load(g, ctid, &n) == 0) {
		/* first: a restart in between records its own state */
		vx_net_live_remove(g, ctid);
		host_ips_del(&n);
		ret = 1;
		if (how == VX_NET_DOWN_SYNC) {
			if (vx_nft_ct_del(ctid, err) < 0)
				ret = -EIO;
		} else {
			/* the table of this run: by the handle recorded at
			 * start (a file of an older vx has none: ask) */
			if (!n.nft_handle)
				vx_nft_ct_handle(ctid, &n.nft_handle);
			if (n.nft_handle)
				vx_net_reap_queue(g, ctid, n.nft_handle,
						  how == VX_NET_DOWN_DETACH);
		}
	}
	vx_net_free(&n);
	return ret;
}

int vx_net_netif_live(const struct vx_net *n, size_t i, bool add,
		      int ct_netns, struct vx_error **err)
{
	struct vx_rtnl host, ct;
	char name[IFNAMSIZ];
	int ret;

	ret = vx_rtnl_open(&host, -1, err);
	if (ret < 0)
		return ret;
	if (!add) {
		ret = vx_netif_host_name(n->ctid, &n->ifs[i], i, name, err);
		if (ret == 0 && (ret = vx_rtnl_link_del(&host, name, err)) ==
		    -ENODEV)
			ret = 0;
		vx_rtnl_close(&host);
		return ret;
	}
	ret = vx_rtnl_open(&ct, ct_netns, err);
	if (ret == 0) {
		ret = bridged_start(&host, &ct, n, i, ct_netns, err);
		vx_rtnl_close(&ct);
	}
	vx_rtnl_close(&host);
	if (ret < 0)
		vx_error_prefix(err, "ct %u: netif %s", n->ctid,
				n->ifs[i].ifname);
	return ret;
}
