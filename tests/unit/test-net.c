// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for VPS network configuration (net.c) and, inside a private
 * network namespace (unshare: nothing here touches the host's network),
 * the rtnetlink and nftables layers (rtnl.c, nft.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include "net.h"
#include "nft.h"
#include "rtnl.h"
#include "unit.h"

static void ip_parse(void)
{
	struct vx_ip ip;
	char buf[64];

	CHECK(vx_ip_parse("10.0.0.2", 32, 128, &ip) == 0);
	CHECK(ip.family == AF_INET && ip.prefix == 32);
	vx_ip_format(&ip, buf, sizeof(buf));
	CHECK_STR(buf, "10.0.0.2");
	CHECK(vx_ip_parse("10.0.0.2/24", 32, 128, &ip) == 0 && ip.prefix == 24);
	vx_ip_format(&ip, buf, sizeof(buf));
	CHECK_STR(buf, "10.0.0.2/24");
	CHECK(vx_ip_parse("2001:db8::2", 32, 128, &ip) == 0);
	CHECK(ip.family == AF_INET6 && ip.prefix == 128);
	CHECK(vx_ip_parse("2001:db8::2/64", 32, 128, &ip) == 0 &&
	      ip.prefix == 64);
	CHECK(vx_ip_parse("10.0.0.2/33", 32, 128, &ip) == -EINVAL);
	CHECK(vx_ip_parse("10.0.0.2/", 32, 128, &ip) == -EINVAL);
	CHECK(vx_ip_parse("10.0.0.2/-1", 32, 128, &ip) == -EINVAL);
	CHECK(vx_ip_parse("10.0.0", 32, 128, &ip) == -EINVAL);
	CHECK(vx_ip_parse("", 32, 128, &ip) == -EINVAL);
	CHECK(vx_ip_parse("host.example", 32, 128, &ip) == -EINVAL);
}

static void ip_list(void)
{
	struct vx_ip *ips = NULL;
	struct vx_error *err = NULL;
	size_t n = 0;
	char *s;

	CHECK(vx_net_parse_ips("10.0.0.2  2001:db8::2/64\t10.0.0.3", &ips,
			       &n, NULL) == 0);
	CHECK(n == 3);
	s = vx_net_format_ips(ips, n);
	CHECK_STR(s, "10.0.0.2 2001:db8::2/64 10.0.0.3");
	free(s);
	/* not addresses a VPS can be given */
	CHECK(vx_net_parse_ips("127.0.0.1", &ips, &n, &err) < 0);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	CHECK_MSG(err, "'127.0.0.1'");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_net_parse_ips("fe80::1", &ips, &n, NULL) < 0);
	CHECK(vx_net_parse_ips("224.0.0.1", &ips, &n, NULL) < 0);
	CHECK(vx_net_parse_ips("::", &ips, &n, NULL) < 0);
	CHECK(vx_net_parse_ips("10.0.0.300", &ips, &n, &err) < 0);
	CHECK_MSG(err, "10.0.0.2 or 2001:db8::2/64");
	vx_error_free(err);
	CHECK(n == 3);
	free(ips);
}

static void netif(void)
{
	struct vx_netif nif[2];
	struct vx_error *err = NULL;
	char *s;

	CHECK(vx_netif_parse("eth0,02:00:00:00:00:01,veth101.x,,br0", true,
			     &nif[0], NULL) == 0);
	CHECK_STR(nif[0].ifname, "eth0");
	CHECK(nif[0].has_mac && nif[0].mac[5] == 1 && !nif[0].has_host_mac);
	CHECK_STR(nif[0].host_ifname, "veth101.x");
	CHECK_STR(nif[0].bridge, "br0");
	CHECK(vx_netif_parse("ifname=eth1,host_mac=02:00:00:00:00:02", false,
			     &nif[1], NULL) == 0);
	CHECK(nif[1].has_host_mac && !nif[1].has_mac);
	s = vx_netif_format(nif, 2);
	CHECK_STR(s, "ifname=eth0,mac=02:00:00:00:00:01,host_ifname=veth101.x,"
		  "bridge=br0;ifname=eth1,host_mac=02:00:00:00:00:02");
	free(s);
	CHECK(vx_netif_parse("eth0,01:00:00:00:00:01", true, &nif[0], &err) < 0);
	CHECK_MSG(err, "unicast MAC");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_netif_parse("a-very-long-ifname0", true, &nif[0], &err) < 0);
	CHECK_MSG(err, "1..15");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_netif_parse("venet0", true, &nif[0], &err) < 0);
	CHECK_MSG(err, "reserved");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_netif_parse(",,veth1", true, &nif[0], &err) < 0);
	CHECK_MSG(err, "missing");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_netif_parse("eth0", false, &nif[0], &err) < 0);
	vx_error_free(err);
}

static void names(void)
{
	struct vx_netif nif = { .ifname = "eth0" };
	char name[IFNAMSIZ];
	struct vx_error *err = NULL;

	vx_net_routed_name(2147483647u, name);
	CHECK_STR(name, "venet2147483647");
	CHECK(vx_netif_host_name(101, &nif, 1, name, NULL) == 0);
	CHECK_STR(name, "veth101.1");
	CHECK(vx_netif_host_name(2147483647u, &nif, 0, name, &err) < 0);
	CHECK_MSG(err, "--netif_add eth0,,NAME");
	vx_error_free(err);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 4096);

	if (f && buf && fread(buf, 1, 4095, f) == 0)
		buf[0] = '\0';
	if (f)
		fclose(f);
	return buf;
}

static void resolv(void)
{
	char *d = unit_tmpdir(), path[256], *text;

	snprintf(path, sizeof(path), "%s/etc/resolv.conf", d);
	unit_write(path, "domain old.example\nnameserver 9.9.9.9\noptions ndots:2\n");
	CHECK(vx_net_resolv(d, "10.0.0.53 2001:db8::53", "a.example b.example",
			    NULL) == 0);
	text = slurp(path);
	CHECK_STR(text, "search a.example b.example\noptions ndots:2\n"
		  "nameserver 10.0.0.53\nnameserver 2001:db8::53\n");
	free(text);
	/* only the nameservers: search stays */
	CHECK(vx_net_resolv(d, "10.0.0.54", NULL, NULL) == 0);
	text = slurp(path);
	CHECK_STR(text, "search a.example b.example\noptions ndots:2\n"
		  "nameserver 10.0.0.54\n");
	free(text);
	/* a symlink planted by the VPS is replaced, not followed */
	snprintf(path, sizeof(path), "%s/etc/resolv.conf", d);
	unlink(path);
	CHECK(symlink("/etc/hostname", path) == 0);
	CHECK(vx_net_resolv(d, "10.0.0.55", NULL, NULL) == 0);
	text = slurp(path);
	CHECK_STR(text, "nameserver 10.0.0.55\n");
	free(text);
	unit_rmtree(d);
	free(d);
}

/* --- in a private network namespace ---------------------------------- */

static void rtnl_links(void)
{
	struct vx_rtnl r;
	struct rtnl_link_stats64 st;
	struct vx_error *err = NULL;
	struct vx_ip a, gw, dst;
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int h, p, oif = 0;
	bool g = true;

	CHECK(vx_rtnl_open(&r, -1, NULL) == 0);
	CHECK(vx_rtnl_veth_add(&r, "vxu-h", NULL, "vxu-p", NULL, self, NULL) == 0);
	/* the same pair again: the kernel's reason reaches the message */
	CHECK(vx_rtnl_veth_add(&r, "vxu-h", NULL, "vxu-p", NULL, self, &err) < 0);
	CHECK_MSG(err, "vxu-h");
	vx_error_free(err);
	h = vx_rtnl_ifindex(&r, "vxu-h");
	p = vx_rtnl_ifindex(&r, "vxu-p");
	CHECK(h > 0 && p > 0);
	CHECK(vx_rtnl_ifindex(&r, "vxu-none") == -ENODEV);
	CHECK(vx_rtnl_link_set(&r, h, true, -1, NULL) == 0);
	CHECK(vx_rtnl_link_set(&r, p, true, -1, NULL) == 0);
	vx_ip_parse("10.9.0.1/24", 32, 128, &a);
	CHECK(vx_rtnl_addr(&r, true, h, &a, 0, NULL) == 0);
	CHECK(vx_rtnl_addr(&r, true, h, &a, 0, NULL) == 0);	/* idempotent */
	vx_ip_parse("10.9.1.5", 32, 128, &dst);
	vx_ip_parse("10.9.0.2", 32, 128, &gw);
	CHECK(vx_rtnl_route(&r, true, h, &dst, &gw, NULL) == 0);
	CHECK(vx_rtnl_route_get(&r, &dst, &oif, &g, NULL) == 0);
	CHECK(oif == h && g);
	CHECK(vx_rtnl_route_get(&r, &gw, &oif, &g, NULL) == 0);
	CHECK(oif == h && !g);
	CHECK(vx_rtnl_route(&r, false, h, &dst, &gw, NULL) == 0);
	CHECK(vx_rtnl_route(&r, false, h, &dst, &gw, NULL) == 0);
	CHECK(vx_rtnl_neigh_proxy(&r, true, h, &dst, NULL) == 0);
	CHECK(vx_rtnl_neigh_proxy(&r, false, h, &dst, NULL) == 0);
	CHECK(vx_rtnl_neigh_proxy(&r, false, h, &dst, NULL) == 0);
	CHECK(vx_sysctl_write(self, "net/ipv4/conf/vxu-h/proxy_arp", "1",
			      NULL) == 0);
	CHECK(vx_rtnl_link_stats(&r, "vxu-h", &st, NULL) == 0);
	CHECK(vx_rtnl_addr(&r, false, h, &a, 0, NULL) == 0);
	CHECK(vx_rtnl_link_del(&r, "vxu-h", NULL) == 0);
	CHECK(vx_rtnl_ifindex(&r, "vxu-p") == -ENODEV);	/* pair gone */
	CHECK(vx_rtnl_link_del(&r, "vxu-h", NULL) == -ENODEV);
	vx_rtnl_close(&r);
	close(self);
}

static void nft_table(void)
{
	struct vx_rtnl r;
	struct vx_ip *ips = NULL, *more = NULL;
	struct vx_error *err = NULL;
	size_t n = 0, m = 0;
	uint64_t h = 0, h1 = 0, h2 = 0, h3 = 0;
	const unsigned int ctids[] = { 7, 8 };
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	CHECK(vx_rtnl_open(&r, -1, NULL) == 0);
	CHECK(vx_rtnl_veth_add(&r, "vxu-n", NULL, "vxu-np", NULL, self, NULL) == 0);
	vx_net_parse_ips("10.9.0.2 2001:db8::2", &ips, &n, NULL);
	vx_net_parse_ips("10.9.0.3", &more, &m, NULL);
	CHECK(vx_nft_ct_add(7, "vxu-n", ips, n, &h1, &err) == 0);
	if (err)
		printf("# %s\n", err->msg);
	vx_error_free(err);
	err = NULL;
	CHECK(vx_nft_ct_handle(7, &h) == 0 && h == h1 && h1 != 0);
	CHECK(vx_nft_ct_ips(7, true, more, m, NULL) == 0);
	CHECK(vx_nft_ct_ips(7, false, more, m, NULL) == 0);
	CHECK(vx_nft_ct_add(7, "vxu-n", ips, n, &h2, NULL) == 0);	/* replaces */
	CHECK(h2 != 0 && h2 != h1);
	/* the stop's batch: the replaced table's handle is gone, which
	 * must neither fail the batch nor touch the new table */
	CHECK(vx_nft_ct_add(8, "vxu-n", ips, n, &h3, NULL) == 0);
	CHECK(vx_nft_ct_del_handles(ctids, (uint64_t[]){ h1, h3 }, 2) == 0);
	CHECK(vx_nft_ct_handle(8, &h) == -ENOENT);
	CHECK(vx_nft_ct_handle(7, &h) == 0 && h == h2);
	CHECK(vx_nft_ct_del_handles(ctids, (uint64_t[]){ h2 }, 1) == 0);
	CHECK(vx_nft_ct_handle(7, &h) == -ENOENT);
	CHECK(vx_nft_ct_add(7, "vxu-n", ips, n, NULL, NULL) == 0);
	CHECK(vx_nft_ct_del(7, &err) == 0);
	if (err)
		printf("# %s\n", err->msg);
	vx_error_free(err);
	CHECK(vx_nft_ct_del(7, NULL) == 0);	/* already gone */
	CHECK(vx_nft_ct_ips(7, true, more, m, NULL) < 0);
	vx_rtnl_link_del(&r, "vxu-n", NULL);
	vx_rtnl_close(&r);
	free(ips);
	free(more);
	close(self);
}

int main(void)
{
	RUN(ip_parse);
	RUN(ip_list);
	RUN(netif);
	RUN(names);
	RUN(resolv);
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
		SKIP(rtnl_links, "needs root for a private network namespace");
		SKIP(nft_table, "needs root for a private network namespace");
	} else {
		RUN(rtnl_links);
		RUN(nft_table);
	}
	UNIT_EXIT();
}
