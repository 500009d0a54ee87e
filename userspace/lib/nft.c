// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Anti-spoofing for routed VPSes, in nftables through libnftnl (one
 * netlink batch per change, never the nft binary).
 *
 * Each routed VPS gets its own table, `netdev vx<CTID>`, so removing it
 * is one message and no VPS's rules can touch another's:
 *
 *   table netdev vx101 {
 *     set v4 { type ipv4_addr; }          the VPS's IPv4 addresses
 *     set v6 { type ipv6_addr; }          ... and IPv6 addresses
 *     chain in {                          ingress of the host-side veth
 *       type filter hook ingress device venet101 priority -500; policy drop;
 *       ...                               the rules of nft_rule.c: IP from
 *     }                                   @v4/@v6, ARP and neighbour
 *   }                                     discovery claiming only them
 *
 * The ingress hook sees the packet before routing, rp_filter or any other
 * table, and a netdev chain costs nothing for other interfaces.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "nft.h"

#define NFT_BUF (256 * 1024)
#define TYPE_IPV4_ADDR 7	/* nft's datatype numbers, as `nft` uses */
#define TYPE_IPV6_ADDR 8

struct batch {
	struct mnl_nlmsg_batch *b;
	char *buf;
	uint32_t seq;
	unsigned int msgs;	/* messages that will be ACKed */
	uint64_t *handle;	/* NLM_F_ECHO'd new table's handle, or NULL */
};

static int batch_start(struct batch *bt)
{
	memset(bt, 0, sizeof(*bt));
	bt->buf = malloc(NFT_BUF);
	if (!bt->buf)
		return -ENOMEM;
	bt->b = mnl_nlmsg_batch_start(bt->buf, NFT_BUF);
	bt->seq = (uint32_t)getpid() << 8;
	nftnl_batch_begin(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
	return 0;
}

static void batch_free(struct batch *bt)
{
	if (bt->b)
		mnl_nlmsg_batch_stop(bt->b);
	free(bt->buf);
}

static struct nlmsghdr *batch_hdr(struct batch *bt, int type, int flags)
{
	bt->msgs++;
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(bt->b),
				     (uint16_t)type, NFPROTO_NETDEV,
				     (uint16_t)(flags | NLM_F_ACK), bt->seq++);
}

static void batch_next(struct batch *bt)
{
	mnl_nlmsg_batch_next(bt->b);
}

static void echo_handle(const struct nlmsghdr *m, uint64_t *handle)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (t && nftnl_table_nlmsg_parse(m, t) == 0 &&
	    nftnl_table_is_set(t, NFTNL_TABLE_HANDLE))
		*handle = nftnl_table_get_u64(t, NFTNL_TABLE_HANDLE);
	nftnl_table_free(t);
}

/* Sends the batch; returns the first error the kernel reported. */
static int batch_send(struct batch *bt)
{
	cleanup_free char *rbuf = malloc(MNL_SOCKET_BUFFER_SIZE);
	struct mnl_socket *nl;
	unsigned int acked = 0;
	int ret = 0;

	if (!rbuf)
		return -ENOMEM;
	nftnl_batch_end(mnl_nlmsg_batch_current(bt->b), bt->seq++);
	mnl_nlmsg_batch_next(bt->b);
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, mnl_nlmsg_batch_head(bt->b),
			      mnl_nlmsg_batch_size(bt->b)) < 0) {
		ret = -errno;
		goto out;
	}
	/* One ACK or error per message; after an error the kernel has
	 * aborted the whole batch but still answers the rest. */
	while (acked < bt->msgs) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf,
						MNL_SOCKET_BUFFER_SIZE);
		const struct nlmsghdr *m = (const void *)rbuf;
		int left = (int)n;

		if (n < 0) {
			ret = ret ? ret : -errno;
			break;
		}
		for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			const struct nlmsgerr *e;

			/* the echo comes with the commit, before the ACKs */
			if (bt->handle && m->nlmsg_type ==
			    (NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWTABLE))
				echo_handle(m, bt->handle);
			if (m->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(m);
			acked++;
			if (e->error && !ret)
				ret = e->error;
		}
		/* An aborted batch may answer only the failed message. */
		if (ret)
			break;
	}
out:
	mnl_socket_close(nl);
	return ret;
}

static void table_name(unsigned int ctid, char *buf, size_t len)
{
	snprintf(buf, len, "vx%u", ctid);
}

/* The chain's rules (nft_rule.c), appended in order. */
static int put_rules(struct batch *bt, const char *table)
{
	for (size_t i = 0; i < vx_nft_rule_count(); i++) {
		struct nftnl_rule *r = vx_nft_rule(table, "in", i);
		struct nlmsghdr *nlh;

		if (!r)
			return -ENOMEM;
		nlh = batch_hdr(bt, NFT_MSG_NEWRULE,
				NLM_F_CREATE | NLM_F_APPEND);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		batch_next(bt);
	}
	return 0;
}

/* The set's elements: the addresses of the family. */
static struct nftnl_set *make_set(const char *table, int family,
				  const struct vx_ip *ips, size_t n)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, family == AF_INET ? "v4" : "v6");
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_NETDEV);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, family == AF_INET ? 4 : 16);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, family == AF_INET ?
			  TYPE_IPV4_ADDR : TYPE_IPV6_ADDR);
	nftnl_set_set_u32(s, NFTNL_SET_ID, family == AF_INET ? 1 : 2);
	for (size_t i = 0; i < n; i++) {
		struct nftnl_set_elem *e;

		if (ips[i].family != family)
			continue;
		e = nftnl_set_elem_alloc();
		if (!e)
			continue;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, ips[i].raw,
				   (uint32_t)vx_ip_len(&ips[i]));
		nftnl_set_elem_add(s, e);
	}
	return s;
}

static bool has_family(const struct vx_ip *ips, size_t n, int family)
{
	for (size_t i = 0; i < n; i++)
		if (ips[i].family == family)
			return true;
	return false;
}

int vx_nft_ct_add(unsigned int ctid, const char *dev,
		  const struct vx_ip *ips, size_t n, uint64_t *handle,
		  struct vx_error **err)
{
	struct batch bt;
	struct nftnl_table *t;
	struct nftnl_chain *c;
	struct nlmsghdr *nlh;
	char table[24];
	int ret;

	table_name(ctid, table, sizeof(table));
	if (batch_start(&bt) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "nftables");
	t = nftnl_table_alloc();
	c = nftnl_chain_alloc();
	if (!t || !c) {
		nftnl_table_free(t);
		nftnl_chain_free(c);
		batch_free(&bt);
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "nftables");
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_NETDEV);
	/* add, delete, add: a leftover table (of a killed monitor) is
	 * replaced in the same transaction; a separate delete would cost a
	 * second commit (each waits for an RCU grace period) */
	/* the new table's handle comes back as an echo of the last add:
	 * the stop removes by it without asking (see vx_nft_ct_del_handles) */
	if (handle) {
		*handle = 0;
		bt.handle = handle;
	}
	for (int i = 0; i < 3; i++) {
		nlh = batch_hdr(&bt, i == 1 ? NFT_MSG_DELTABLE : NFT_MSG_NEWTABLE,
				i == 1 ? 0 : NLM_F_CREATE |
				(i == 2 && handle ? NLM_F_ECHO : 0));
		nftnl_table_nlmsg_build_payload(nlh, t);
		batch_next(&bt);
	}
	nftnl_table_free(t);

	for (int f = 0; f < 2; f++) {
		struct nftnl_set *s = make_set(table, f ? AF_INET6 : AF_INET,
					       ips, n);

		if (!s)
			continue;
		nlh = batch_hdr(&bt, NFT_MSG_NEWSET, NLM_F_CREATE);
		nftnl_set_nlmsg_build_payload(nlh, s);
		batch_next(&bt);
		if (has_family(ips, n, f ? AF_INET6 : AF_INET)) {
			nlh = batch_hdr(&bt, NFT_MSG_NEWSETELEM, NLM_F_CREATE);
			nftnl_set_elems_nlmsg_build_payload(nlh, s);
			batch_next(&bt);
		}
		nftnl_set_free(s);
	}

	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "in");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_NETDEV);
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_NETDEV_INGRESS);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, -500);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_DROP);
	nftnl_chain_set_str(c, NFTNL_CHAIN_DEV, dev);
	nlh = batch_hdr(&bt, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
	nftnl_chain_nlmsg_build_payload(nlh, c);
	batch_next(&bt);
	nftnl_chain_free(c);

	ret = put_rules(&bt, table);
	if (ret == 0)
		ret = batch_send(&bt);
	batch_free(&bt);
	if (ret < 0)
		return vx_error_set(err, ret == -EOPNOTSUPP || ret == -ENOENT ?
				    VX_E_NOKERNEL : VX_E_SYSTEM, -ret,
				    "ct %u: nftables anti-spoofing table %s on %s "
				    "(needs nf_tables with netdev support)",
				    ctid, table, dev);
	return 0;
}

static int handle_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_table *t = nftnl_table_alloc();

	if (t && nftnl_table_nlmsg_parse(nlh, t) == 0 &&
	    nftnl_table_is_set(t, NFTNL_TABLE_HANDLE))
		*(uint64_t *)data = nftnl_table_get_u64(t, NFTNL_TABLE_HANDLE);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int vx_nft_ct_handle(unsigned int ctid, uint64_t *handle)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], table[24];
	struct nftnl_table *t = nftnl_table_alloc();
	struct mnl_socket *nl = NULL;
	struct nlmsghdr *nlh;
	unsigned int portid;
	ssize_t n;
	int ret = -ENOENT;

	*handle = 0;
	if (!t)
		return -ENOMEM;
	table_name(ctid, table, sizeof(table));
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_NETDEV,
				    NLM_F_ACK, 1);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(nl);
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		ret = mnl_cb_run(buf, (size_t)n, 1, portid, handle_cb, handle);
		if (ret <= MNL_CB_STOP)
			break;
	}
	ret = ret < 0 ? -errno : (*handle ? 0 : -ENOENT);
out:
	if (nl)
		mnl_socket_close(nl);
	return ret;
}

int vx_nft_ct_del(unsigned int ctid, struct vx_error **err)
{
	return vx_nft_ct_del_handle(ctid, 0, err);
}

int vx_nft_ct_del_handle(unsigned int ctid, uint64_t handle,
			 struct vx_error **err)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	struct batch bt;
	char table[24];
	int ret;

	if (!t || batch_start(&bt) < 0) {
		nftnl_table_free(t);
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "nftables");
	}
	table_name(ctid, table, sizeof(table));
	/* by handle: only the table instance that was looked at, never one
	 * a restart of the VPS has made meanwhile */
	if (handle)
		nftnl_table_set_u64(t, NFTNL_TABLE_HANDLE, handle);
	else
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_NETDEV);
	nlh = batch_hdr(&bt, NFT_MSG_DELTABLE, 0);
	nftnl_table_nlmsg_build_payload(nlh, t);
	batch_next(&bt);
	nftnl_table_free(t);
	ret = batch_send(&bt);
	batch_free(&bt);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return vx_error_set(err, VX_E_SYSTEM, -ret,
				    "ct %u: remove nftables table %s", ctid,
				    table);
	return 0;
}

int vx_nft_ct_del_handles(const unsigned int *ctids, const uint64_t *handles,
			  size_t n)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct batch bt;
	int ret;

	if (!n) {
		nftnl_table_free(t);
		return 0;
	}
	if (!t || batch_start(&bt) < 0) {
		nftnl_table_free(t);
		return -ENOMEM;
	}
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_NETDEV);
	for (size_t i = 0; i < n; i++) {
		nftnl_table_set_u64(t, NFTNL_TABLE_HANDLE, handles[i]);
		nftnl_table_nlmsg_build_payload(batch_hdr(&bt, NFT_MSG_DELTABLE,
							  0), t);
		batch_next(&bt);
	}
	nftnl_table_free(t);
	ret = batch_send(&bt);
	batch_free(&bt);
	/* One table already gone (a restart replaced it) aborts the whole
	 * transaction: then one by one, where a missing table is fine. */
	if (ret < 0) {
		ret = 0;
		for (size_t i = 0; i < n; i++)
			if (vx_nft_ct_del_handle(ctids[i], handles[i], NULL) < 0)
				ret = -EIO;
	}
	return ret;
}

int vx_nft_ct_ips(unsigned int ctid, bool add, const struct vx_ip *ips,
		  size_t n, struct vx_error **err)
{
	struct nlmsghdr *nlh;
	struct batch bt;
	char table[24];
	int ret;

	table_name(ctid, table, sizeof(table));
	if (batch_start(&bt) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "nftables");
	for (int f = 0; f < 2; f++) {
		struct nftnl_set *s;

		if (!has_family(ips, n, f ? AF_INET6 : AF_INET))
			continue;
		s = make_set(table, f ? AF_INET6 : AF_INET, ips, n);
		if (!s)
			continue;
		nlh = batch_hdr(&bt, add ? NFT_MSG_NEWSETELEM :
				NFT_MSG_DELSETELEM, add ? NLM_F_CREATE : 0);
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		batch_next(&bt);
		nftnl_set_free(s);
	}
	ret = bt.msgs ? batch_send(&bt) : 0;
	batch_free(&bt);
	/* deleting an address the set does not hold is what was wanted */
	if (ret < 0 && !(ret == -ENOENT && !add))
		return vx_error_set(err, VX_E_SYSTEM, -ret,
				    "ct %u: %s addresses in nftables table %s",
				    ctid, add ? "add" : "remove", table);
	return 0;
}
