// SPDX-License-Identifier: GPL-2.0
/*
 * vxnl.c - generic-netlink transport for the tests: family resolution,
 * request/ack with extack capture, multicast receive.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "vxnl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

int vxnl_fd(const struct vxnl *h)
{
	return mnl_socket_get_fd(h->sk);
}

struct nlmsghdr *vxnl_msg(struct vxnl *h, void *buf, uint8_t cmd,
			  uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = h->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++h->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = VX_GENL_VERSION;
	return nlh;
}

/* Pull the extended-ack TLVs out of an NLMSG_ERROR / NLMSG_DONE payload. */
static void vxnl_parse_ext(const struct nlattr *tlvs, size_t len,
			   struct vxnl_ack *ack)
{
	const struct nlattr *attr;

	mnl_attr_for_each_payload(tlvs, len) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(ack->msg, sizeof(ack->msg), "%.*s",
				 (int)mnl_attr_get_payload_len(attr),
				 (const char *)mnl_attr_get_payload(attr));
			break;
		case NLMSGERR_ATTR_OFFS:
			ack->bad_off = mnl_attr_get_u32(attr);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			ack->has_miss = true;
			ack->miss_type = mnl_attr_get_u32(attr);
			break;
		}
	}
}

static void vxnl_parse_err(const struct nlmsghdr *nlh, struct vxnl_ack *ack)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*e);

	ack->error = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the whole request is echoed before the TLVs. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off >= mnl_nlmsg_get_payload_len(nlh))
		return;
	vxnl_parse_ext((const struct nlattr *)((const char *)e + off),
		       mnl_nlmsg_get_payload_len(nlh) - off, ack);
}

static void vxnl_parse_done(const struct nlmsghdr *nlh, struct vxnl_ack *ack)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);
	const int *err = mnl_nlmsg_get_payload(nlh);

	if (len < sizeof(int))
		return;
	ack->error = *err;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > sizeof(int))
		vxnl_parse_ext((const struct nlattr *)(err + 1),
			       len - sizeof(int), ack);
}

int vxnl_xfer(struct vxnl *h, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	      struct vxnl_ack *ack)
{
	struct vxnl_ack local;
	uint32_t seq = nlh->nlmsg_seq;
	char *buf;
	bool done = false;

	if (!ack)
		ack = &local;
	memset(ack, 0, sizeof(*ack));
	nlh->nlmsg_flags |= NLM_F_ACK;

	if (!h->sk)
		return ack->error = -ENOTCONN;
	if (mnl_socket_sendto(h->sk, nlh, nlh->nlmsg_len) < 0)
		return ack->error = -errno;

	buf = malloc(VXNL_BUFSZ);
	if (!buf)
		return ack->error = -ENOMEM;

	while (!done) {
		ssize_t n = mnl_socket_recvfrom(h->sk, buf, VXNL_BUFSZ);
		const struct nlmsghdr *m;
		int len;

		if (n < 0) {
			ack->error = -errno;
			break;
		}
		len = n;
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			/* Skip multicast noise and stale replies. */
			if (m->nlmsg_seq != seq)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				vxnl_parse_err(m, ack);
				done = true;
				break;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				/* A dump ends here: no ACK follows its DONE. */
				vxnl_parse_done(m, ack);
				done = true;
				break;
			}
			if (cb && cb(m, data) < 0 && !ack->error)
				ack->error = -EPROTO;
		}
	}
	free(buf);
	return ack->error;
}

int vxnl_recv_event(struct vxnl *h, int timeout_ms, mnl_cb_t cb, void *data)
{
	struct pollfd p = { .fd = vxnl_fd(h), .events = POLLIN };
	char *buf;
	ssize_t n;
	int r, len;

	r = poll(&p, 1, timeout_ms);
	if (r <= 0)
		return r < 0 ? -errno : 0;
	buf = malloc(VXNL_BUFSZ);
	if (!buf)
		return -ENOMEM;
	n = recv(vxnl_fd(h), buf, VXNL_BUFSZ, MSG_DONTWAIT);
	if (n < 0) {
		r = -errno;
		free(buf);
		return r;
	}
	len = n;
	for (const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
	     mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len))
		if (cb)
			cb(m, data);
	free(buf);
	return 1;
}

struct vxnl_resolve_ctx {
	const char *group;
	uint16_t family_id;
	uint32_t group_id;
};

static void vxnl_parse_groups(const struct nlattr *nest,
			      struct vxnl_resolve_ctx *rc)
{
	const struct nlattr *grp, *a;

	mnl_attr_for_each_nested(grp, nest) {
		const char *name = NULL;
		uint32_t id = 0;

		mnl_attr_for_each_nested(a, grp) {
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
				name = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
				id = mnl_attr_get_u32(a);
		}
		if (name && rc->group && !strcmp(name, rc->group))
			rc->group_id = id;
	}
}

static int vxnl_resolve_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vxnl_resolve_ctx *rc = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			rc->family_id = mnl_attr_get_u16(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			vxnl_parse_groups(a, rc);
	}
	return MNL_CB_OK;
}

int vxnl_resolve(struct vxnl *h, const char *family, const char *group,
		 uint16_t *family_id, uint32_t *group_id)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct vxnl_resolve_ctx rc = { .group = group };
	uint16_t saved = h->family;
	struct nlmsghdr *nlh;
	int err;

	h->family = GENL_ID_CTRL;
	nlh = vxnl_msg(h, buf, CTRL_CMD_GETFAMILY, 0);
	h->family = saved;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, family);
	err = vxnl_xfer(h, nlh, vxnl_resolve_cb, &rc, NULL);
	if (err)
		return err;
	if (!rc.family_id)
		return -ENOENT;
	*family_id = rc.family_id;
	if (group_id)
		*group_id = rc.group_id;
	return 0;
}

int vxnl_open(struct vxnl *h)
{
	int one = 1, err;

	memset(h, 0, sizeof(*h));
	h->seq = time(NULL);
	h->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!h->sk)
		return -errno;
	if (mnl_socket_bind(h->sk, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out_errno;
	/* Both are best effort: old kernels lack them, the tests then fail. */
	mnl_socket_setsockopt(h->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(h->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	h->portid = mnl_socket_get_portid(h->sk);

	err = vxnl_resolve(h, VX_GENL_NAME, VX_GENL_MCGRP_MONITOR,
			   &h->family, &h->monitor_grp);
	if (err) {
		mnl_socket_close(h->sk);
		h->sk = NULL;
		return err;
	}
	return 0;

out_errno:
	err = -errno;
	mnl_socket_close(h->sk);
	h->sk = NULL;
	return err;
}

int vxnl_subscribe(struct vxnl *h, uint32_t grp)
{
	if (mnl_socket_setsockopt(h->sk, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return -errno;
	return 0;
}

void vxnl_close(struct vxnl *h)
{
	if (h->sk)
		mnl_socket_close(h->sk);
	h->sk = NULL;
}
