// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kctx: the "vserver" generic-netlink client (see kctx.h for the model).
 *
 * Every request asks for an ACK and the socket sets NETLINK_EXT_ACK and
 * NETLINK_CAP_ACK, so each answer ends in one NLMSG_ERROR (a dump: one
 * NLMSG_DONE) that carries the kernel's errno and extack message; the
 * family writes a message for every rejection (docs/kernel-abi.md), and
 * that message reaches the user unchanged. Replies are matched by
 * sequence number: a stale answer to an earlier, interrupted request is
 * skipped, never taken for the current one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "cleanup.h"
#include "kctx.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char *const res_names[VX_RES_MAX + 1] = {
	[VX_RES_NUMPROC] = "numproc",
	[VX_RES_NUMFILE] = "numfile",
	[VX_RES_NUMTCPSOCK] = "numtcpsock",
	[VX_RES_NUMOTHERSOCK] = "numothersock",
	[VX_RES_NUMFLOCK] = "numflock",
	[VX_RES_NUMPTY] = "numpty",
	[VX_RES_NUMSIGINFO] = "numsiginfo",
	[VX_RES_PRIVVMPAGES] = "privvmpages",
	[VX_RES_PHYSPAGES] = "physpages",
	[VX_RES_KMEMSIZE] = "kmemsize",
	[VX_RES_LOCKEDPAGES] = "lockedpages",
	[VX_RES_SHMPAGES] = "shmpages",
	[VX_RES_VMGUARPAGES] = "vmguarpages",
	[VX_RES_OOMGUARPAGES] = "oomguarpages",
	[VX_RES_TCPSNDBUF] = "tcpsndbuf",
	[VX_RES_TCPRCVBUF] = "tcprcvbuf",
	[VX_RES_OTHERSOCKBUF] = "othersockbuf",
	[VX_RES_DGRAMRCVBUF] = "dgramrcvbuf",
	[VX_RES_DCACHESIZE] = "dcachesize",
	[VX_RES_NUMIPTENT] = "numiptent",
};

static const char *const cmd_names[VX_CMD_MAX + 1] = {
	[VX_CMD_CTX_NEW] = "ctx-new",
	[VX_CMD_CTX_DEL] = "ctx-del",
	[VX_CMD_CTX_GET] = "ctx-get",
	[VX_CMD_CTX_ENTER] = "ctx-enter",
	[VX_CMD_RES_GET] = "res-get",
	[VX_CMD_RES_SET] = "res-set",
	[VX_CMD_RES_RESET] = "res-reset",
	[VX_CMD_VIEW_SET] = "view-set",
	[VX_CMD_VIEW_GET] = "view-get",
};

const char *vx_kres_name(uint32_t id)
{
	return id <= VX_RES_MAX ? res_names[id] : NULL;
}

int vx_kres_id(const char *name)
{
	for (int i = 0; i <= VX_RES_MAX; i++)
		if (!strcmp(res_names[i], name))
			return i;
	return -1;
}

/* ---- encode / parse ------------------------------------------------- */

void vx_kctx_put_res(struct nlmsghdr *nlh, const struct vx_kres *r)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, VX_A_RES);

	mnl_attr_put_u32(nlh, VX_RES_A_ID, r->id);
	/* u64 attributes are 4-byte aligned by netlink; the kernel accepts
	 * them unpadded, and libmnl has no 64-bit padding helper. */
	mnl_attr_put_u64(nlh, VX_RES_A_BARRIER, r->barrier);
	mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, r->limit);
	mnl_attr_nest_end(nlh, nest);
}

static void parse_ext(const struct nlattr *tlvs, size_t len,
		      struct vx_kctx_ack *ack)
{
	const struct nlattr *attr;

	mnl_attr_for_each_payload(tlvs, len) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(ack->msg, sizeof(ack->msg), "%.*s",
				 (int)strnlen(mnl_attr_get_payload(attr),
					      mnl_attr_get_payload_len(attr)),
				 (const char *)mnl_attr_get_payload(attr));
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_get_payload_len(attr) >= sizeof(uint32_t)) {
				ack->has_miss = true;
				ack->miss_type = mnl_attr_get_u32(attr);
			}
			break;
		}
	}
}

void vx_kctx_parse_ack(const struct nlmsghdr *nlh, struct vx_kctx_ack *ack)
{
	size_t len = mnl_nlmsg_get_payload_len(nlh);

	memset(ack, 0, sizeof(*ack));
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
		size_t off = sizeof(*e);

		if (len < sizeof(*e)) {
			ack->error = -EPROTO;
			return;
		}
		ack->error = e->error;
		if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
			return;
		/* without NLM_F_CAPPED the request is echoed before TLVs */
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
		if (off < len)
			parse_ext((const struct nlattr *)((const char *)e + off),
				  len - off, ack);
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		const int *e = mnl_nlmsg_get_payload(nlh);

		if (len < sizeof(int))
			return;
		ack->error = *e;
		if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > sizeof(int))
			parse_ext((const struct nlattr *)(e + 1),
				  len - sizeof(int), ack);
	}
}

static bool u64_ok(const struct nlattr *a)
{
	return mnl_attr_validate(a, MNL_TYPE_U64) == 0;
}

static int parse_row(const struct nlattr *nest, struct vx_kres *r)
{
	const struct nlattr *a;
	bool have_id = false;

	memset(r, 0, sizeof(*r));
	mnl_attr_for_each_nested(a, nest) {
		uint16_t t = mnl_attr_get_type(a);

		if (t == VX_RES_A_ID) {
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return -EPROTO;
			r->id = mnl_attr_get_u32(a);
			have_id = true;
		} else if (t == VX_RES_A_NAME) {
			snprintf(r->name, sizeof(r->name), "%.*s",
				 (int)strnlen(mnl_attr_get_payload(a),
					      mnl_attr_get_payload_len(a)),
				 (const char *)mnl_attr_get_payload(a));
		} else if (t >= VX_RES_A_HELD && t <= VX_RES_A_FAILCNT) {
			uint64_t *dst[] = { &r->held, &r->maxheld, &r->barrier,
					    &r->limit, &r->failcnt };

			if (!u64_ok(a))
				return -EPROTO;
			*dst[t - VX_RES_A_HELD] = mnl_attr_get_u64(a);
		}
		/* PAD and attributes of a newer kernel: skipped */
	}
	if (!have_id || r->id > VX_RES_MAX)
		return -EPROTO;
	if (!r->name[0])
		snprintf(r->name, sizeof(r->name), "%s", res_names[r->id]);
	return 0;
}

int vx_kctx_parse_res(const struct nlmsghdr *nlh, struct vx_kres *rows,
		      size_t max, size_t *n)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		int ret;

		if (mnl_attr_get_type(a) != VX_A_RES)
			continue;
		if (*n >= max)
			return -E2BIG;
		ret = parse_row(a, &rows[*n]);
		if (ret < 0)
			return ret;
		(*n)++;
	}
	return 0;
}

/* ---- transport ------------------------------------------------------ */

struct nlmsghdr *vx_kctx_msg(struct vx_kctx *k, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(k->buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = k->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++k->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = VX_GENL_VERSION;
	return nlh;
}

static const char *cmd_name(const struct nlmsghdr *req, uint16_t family)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);

	if (req->nlmsg_type != family)
		return "resolve";
	return g->cmd <= VX_CMD_MAX && cmd_names[g->cmd] ? cmd_names[g->cmd] :
	       "request";
}

int vx_kctx_xfer(struct vx_kctx *k, struct nlmsghdr *req, mnl_cb_t cb,
		 void *data, int code, struct vx_error **err)
{
	cleanup_free char *buf = malloc(VX_KCTX_BUFSZ);
	const char *what = cmd_name(req, k->family);
	struct vx_kctx_ack ack = { 0 };
	uint32_t seq = req->nlmsg_seq;
	bool done = false;
	int cb_err = 0;

	if (!buf)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "vserver %s",
				    what);
	if (mnl_socket_sendto(k->sk, req, req->nlmsg_len) < 0)
		return vx_error_set(err, code, errno, "vserver %s: send", what);
	while (!done) {
		ssize_t r = mnl_socket_recvfrom(k->sk, buf, VX_KCTX_BUFSZ);
		const struct nlmsghdr *m;
		int len;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return vx_error_set(err, code, errno,
					    "vserver %s: receive", what);
		}
		len = (int)r;
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != seq)
				continue;	/* stale reply */
			if (m->nlmsg_type == NLMSG_ERROR ||
			    m->nlmsg_type == NLMSG_DONE) {
				vx_kctx_parse_ack(m, &ack);
				/* a dump ends at DONE, an ACK follows it
				 * only for a failed dump start */
				done = true;
				break;
			}
			if (cb && !cb_err && cb(m, data) == MNL_CB_ERROR)
				cb_err = -EPROTO;
		}
	}
	if (ack.error < 0) {
		if (ack.msg[0])
			return vx_error_set(err, code, -ack.error,
					    "vserver %s: %s", what, ack.msg);
		return vx_error_set(err, code, -ack.error, "vserver %s", what);
	}
	if (cb_err)
		return vx_error_set(err, code, EPROTO,
				    "vserver %s: malformed reply", what);
	return 0;
}

/* ---- open / close ---------------------------------------------------- */

static int resolve_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

void vx_kctx_close(struct vx_kctx *k)
{
	if (!k)
		return;
	if (k->sk)
		mnl_socket_close(k->sk);
	free(k);
}

int vx_kctx_open(struct vx_kctx **out, struct vx_error **err)
{
	struct vx_kctx *k = calloc(1, sizeof(*k));
	struct vx_error *rerr = NULL;
	struct nlmsghdr *nlh;
	uint16_t id = 0;
	int one = 1, ret;

	*out = NULL;
	if (!k)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "vserver");
	k->seq = (uint32_t)time(NULL);
	k->sk = mnl_socket_open(NETLINK_GENERIC);
	if (!k->sk || mnl_socket_bind(k->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = vx_error_set(err, VX_E_SYSTEM, errno,
				   "open a generic netlink socket");
		vx_kctx_close(k);
		return ret;
	}
	/* best effort: without them errors still arrive, without words */
	mnl_socket_setsockopt(k->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(k->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	k->portid = mnl_socket_get_portid(k->sk);

	k->family = GENL_ID_CTRL;
	nlh = vx_kctx_msg(k, CTRL_CMD_GETFAMILY, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VX_GENL_NAME);
	ret = vx_kctx_xfer(k, nlh, resolve_cb, &id, VX_E_NOKERNEL, &rerr);
	if (ret == -ENOENT || (ret == 0 && !id)) {
		vx_error_free(rerr);
		vx_kctx_close(k);
		vx_error_set(err, VX_E_NOKERNEL, 0,
			     "the running kernel lacks the vx kernel patchset (generic-netlink family \""
			     VX_GENL_NAME "\": contexts and beancounters)");
		return -EOPNOTSUPP;
	}
	if (ret < 0) {
		if (err && !*err)
			*err = rerr;
		else
			vx_error_free(rerr);
		vx_kctx_close(k);
		return ret;
	}
	k->family = id;
	*out = k;
	return 0;
}

bool vx_kctx_present(void)
{
	static int cached = -1;
	struct vx_kctx *k = NULL;

	if (cached < 0) {
		int ret = vx_kctx_open(&k, NULL);

		/* only "no such family" is a definite no; anything else
		 * (no memory, no socket) is asked again next time */
		if (ret == 0 || ret == -EOPNOTSUPP)
			cached = ret == 0;
		vx_kctx_close(k);
		return ret == 0;
	}
	return cached;
}

/* ---- commands -------------------------------------------------------- */

static struct nlmsghdr *ctx_msg(struct vx_kctx *k, uint8_t cmd, uint32_t ctid)
{
	struct nlmsghdr *nlh = vx_kctx_msg(k, cmd, 0);

	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	return nlh;
}

int vx_kctx_new(struct vx_kctx *k, uint32_t ctid, struct vx_error **err)
{
	return vx_kctx_xfer(k, ctx_msg(k, VX_CMD_CTX_NEW, ctid), NULL, NULL,
			    VX_E_SYSTEM, err);
}

int vx_kctx_del(struct vx_kctx *k, uint32_t ctid, struct vx_error **err)
{
	return vx_kctx_xfer(k, ctx_msg(k, VX_CMD_CTX_DEL, ctid), NULL, NULL,
			    VX_E_SYSTEM, err);
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == VX_A_NR_TASKS) {
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			*(uint32_t *)data = mnl_attr_get_u32(a);
		}
	return MNL_CB_OK;
}

int vx_kctx_get(struct vx_kctx *k, uint32_t ctid, uint32_t *nr_tasks,
		struct vx_error **err)
{
	*nr_tasks = 0;
	return vx_kctx_xfer(k, ctx_msg(k, VX_CMD_CTX_GET, ctid), get_cb,
			    nr_tasks, VX_E_SYSTEM, err);
}

int vx_kctx_enter(struct vx_kctx *k, uint32_t ctid, pid_t pid, int pidfd,
		  struct vx_error **err)
{
	struct nlmsghdr *nlh;

	/* Say here which process was missing: the kernel would only answer
	 * "integer out of range" for PID 0. */
	if (pidfd < 0 && pid <= 0)
		return vx_error_set(err, VX_E_SYSTEM, EINVAL,
				    "vserver ctx-enter: ctid %u: no process given (pid %d, no pidfd)",
				    ctid, (int)pid);
	nlh = ctx_msg(k, VX_CMD_CTX_ENTER, ctid);
	if (pidfd >= 0)
		mnl_attr_put_u32(nlh, VX_A_PIDFD, (uint32_t)pidfd);
	else
		mnl_attr_put_u32(nlh, VX_A_PID, (uint32_t)pid);
	return vx_kctx_xfer(k, nlh, NULL, NULL, VX_E_SYSTEM, err);
}

struct res_acc {
	struct vx_kres *rows;
	size_t max, *n;
};

static int res_cb(const struct nlmsghdr *nlh, void *data)
{
	struct res_acc *acc = data;

	return vx_kctx_parse_res(nlh, acc->rows, acc->max, acc->n) < 0 ?
	       MNL_CB_ERROR : MNL_CB_OK;
}

int vx_kctx_res_get(struct vx_kctx *k, uint32_t ctid, struct vx_kres *rows,
		    size_t max, size_t *n, struct vx_error **err)
{
	struct res_acc acc = { .rows = rows, .max = max, .n = n };

	*n = 0;
	return vx_kctx_xfer(k, ctx_msg(k, VX_CMD_RES_GET, ctid), res_cb, &acc,
			    VX_E_SYSTEM, err);
}

int vx_kctx_res_set(struct vx_kctx *k, uint32_t ctid,
		    const struct vx_kres *rows, size_t n,
		    struct vx_error **err)
{
	struct nlmsghdr *nlh = ctx_msg(k, VX_CMD_RES_SET, ctid);

	for (size_t i = 0; i < n; i++)
		vx_kctx_put_res(nlh, &rows[i]);
	return vx_kctx_xfer(k, nlh, NULL, NULL, VX_E_SETUBC, err);
}

int vx_kctx_res_reset(struct vx_kctx *k, uint32_t ctid, int id,
		      struct vx_error **err)
{
	struct nlmsghdr *nlh = ctx_msg(k, VX_CMD_RES_RESET, ctid);

	if (id >= 0) {
		struct nlattr *nest = mnl_attr_nest_start(nlh, VX_A_RES);

		mnl_attr_put_u32(nlh, VX_RES_A_ID, (uint32_t)id);
		mnl_attr_nest_end(nlh, nest);
	}
	return vx_kctx_xfer(k, nlh, NULL, NULL, VX_E_SETUBC, err);
}

/* ---- /proc views (docs/kernel-abi.md "Per-context views") ---------- */

int vx_kctx_view_set(struct vx_kctx *k, uint32_t ctid,
		     const struct vx_kview *v, struct vx_error **err)
{
	struct nlmsghdr *nlh = ctx_msg(k, VX_CMD_VIEW_SET, ctid);
	struct nlattr *nest = mnl_attr_nest_start(nlh, VX_A_VIEW);

	if (v->set & VX_KVIEW_MEM)
		mnl_attr_put_u64(nlh, VX_VIEW_A_MEM_BYTES, v->mem_bytes);
	if (v->set & VX_KVIEW_SWAP)
		mnl_attr_put_u64(nlh, VX_VIEW_A_SWAP_BYTES, v->swap_bytes);
	if (v->set & VX_KVIEW_NR_CPUS)
		mnl_attr_put_u32(nlh, VX_VIEW_A_NR_CPUS, v->nr_cpus);
	if (v->set & VX_KVIEW_CPUS)
		mnl_attr_put_strz(nlh, VX_VIEW_A_CPUS, v->cpus);
	if (v->set & VX_KVIEW_START)
		mnl_attr_put_u64(nlh, VX_VIEW_A_START, v->start_ns);
	mnl_attr_nest_end(nlh, nest);
	return vx_kctx_xfer(k, nlh, NULL, NULL, VX_E_SETUBC, err);
}

static int view_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vx_kview *v = data;
	const struct nlattr *a, *n;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != VX_A_VIEW)
			continue;
		mnl_attr_for_each_nested(n, a) {
			uint16_t len = mnl_attr_get_payload_len(n);

			switch (mnl_attr_get_type(n)) {
			case VX_VIEW_A_MEM_BYTES:
				if (len == 8)
					v->mem_bytes = mnl_attr_get_u64(n);
				break;
			case VX_VIEW_A_SWAP_BYTES:
				if (len == 8)
					v->swap_bytes = mnl_attr_get_u64(n);
				break;
			case VX_VIEW_A_START:
				if (len == 8)
					v->start_ns = mnl_attr_get_u64(n);
				break;
			case VX_VIEW_A_NR_CPUS:
				if (len == 4)
					v->nr_cpus = mnl_attr_get_u32(n);
				break;
			case VX_VIEW_A_CPUS:
				snprintf(v->cpus, sizeof(v->cpus), "%.*s",
					 (int)strnlen(mnl_attr_get_payload(n), len),
					 (const char *)mnl_attr_get_payload(n));
				break;
			case VX_VIEW_A_ACTIVE:
				if (len >= 1)
					v->active = mnl_attr_get_u8(n);
				break;
			}
		}
	}
	return MNL_CB_OK;
}

int vx_kctx_view_get(struct vx_kctx *k, uint32_t ctid, struct vx_kview *v,
		     struct vx_error **err)
{
	memset(v, 0, sizeof(*v));
	return vx_kctx_xfer(k, ctx_msg(k, VX_CMD_VIEW_GET, ctid), view_cb, v,
			    VX_E_SYSTEM, err);
}
