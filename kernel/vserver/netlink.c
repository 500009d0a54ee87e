// SPDX-License-Identifier: GPL-2.0
/*
 * vserver generic netlink family "vserver": the control interface.
 *
 * Attributes only (include/uapi/linux/vserver.h documents every command).
 * Every command is admin-only, checked by vx_nl_check_caller() before any
 * handler runs: CAP_NET_ADMIN and CAP_SYS_ADMIN in the initial user
 * namespace (of the socket opener and of the caller), a caller in the
 * initial network namespace, and a caller that is not itself inside a
 * context. These are the checks GENL_ADMIN_PERM would make and more; the
 * flag itself is not used because the genetlink core rejects without an
 * extack message, and here every rejection says why.
 *
 * The family sets parallel_ops; commands that change the context table
 * serialise on vx_ctx_mutex instead of genl_mutex, so the event worker
 * (which only sends) never waits for a command.
 */

#include <linux/capability.h>
#include <linux/cleanup.h>
#include <linux/pid.h>
#include <linux/sched/task.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "vserver.h"

static const struct netlink_range_validation vx_ctid_range = {
	.min = 1,
	.max = VX_CTID_MAX,
};

static const struct netlink_range_validation vx_value_range = {
	.min = 0,
	.max = VX_RES_UNLIMITED,
};

static const struct nla_policy vx_res_policy[VX_RES_A_MAX + 1] = {
	[VX_RES_A_ID]		= NLA_POLICY_MAX(NLA_U32, VX_RES_MAX),
	[VX_RES_A_NAME]		= { .type = NLA_NUL_STRING },
	[VX_RES_A_HELD]		= { .type = NLA_U64 },
	[VX_RES_A_MAXHELD]	= { .type = NLA_U64 },
	[VX_RES_A_BARRIER]	= NLA_POLICY_FULL_RANGE(NLA_U64, &vx_value_range),
	[VX_RES_A_LIMIT]	= NLA_POLICY_FULL_RANGE(NLA_U64, &vx_value_range),
	[VX_RES_A_FAILCNT]	= { .type = NLA_U64 },
};

static const struct nla_policy vx_policy[VX_A_MAX + 1] = {
	[VX_A_CTID]	= NLA_POLICY_FULL_RANGE(NLA_U32, &vx_ctid_range),
	[VX_A_PID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[VX_A_PIDFD]	= NLA_POLICY_MIN(NLA_S32, 0),
	[VX_A_NR_TASKS]	= { .type = NLA_U32 },
	[VX_A_RES]	= NLA_POLICY_NESTED(vx_res_policy),
	[VX_A_VIEW]	= NLA_POLICY_NESTED(vx_view_policy),
};

static struct genl_family vx_genl_family;

enum vx_mcgrp {
	VX_MCGRP_MONITOR,
};

static const struct genl_multicast_group vx_mcgrps[] = {
	[VX_MCGRP_MONITOR] = {
		.name = VX_GENL_MCGRP_MONITOR,
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static int vx_nl_check_caller(struct sk_buff *skb, struct net *net,
			      struct netlink_ext_ack *extack)
{
	if (!netlink_capable(skb, CAP_NET_ADMIN) ||
	    !netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(extack,
			       "CAP_SYS_ADMIN and CAP_NET_ADMIN in the initial user namespace required");
		return -EPERM;
	}
	if (!net_eq(net, &init_net)) {
		NL_SET_ERR_MSG(extack,
			       "only allowed from the initial network namespace");
		return -EPERM;
	}
	if (vx_task_ctx(current)) {
		NL_SET_ERR_MSG(extack, "caller is inside a context");
		return -EPERM;
	}
	return 0;
}

static int vx_nl_pre_doit(const struct genl_split_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	return vx_nl_check_caller(skb, genl_info_net(info), info->extack);
}

/* A required attribute: extack gets both the missing type and a message. */
static int vx_nl_require(struct genl_info *info, int type, const char *msg)
{
	if (GENL_REQ_ATTR_CHECK(info, type)) {
		NL_SET_ERR_MSG_FMT(info->extack, "%s", msg);
		return -EINVAL;
	}
	return 0;
}

/* Look up the context named by VX_A_CTID, with extack on every failure. */
static struct vx_context *vx_nl_get_ctx(struct genl_info *info)
{
	struct vx_context *ctx;
	u32 ctid;

	if (vx_nl_require(info, VX_A_CTID, "CTID is required"))
		return ERR_PTR(-EINVAL);
	ctid = nla_get_u32(info->attrs[VX_A_CTID]);
	ctx = vx_ctx_lookup(ctid);
	if (!ctx) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, info->attrs[VX_A_CTID],
					"context %u does not exist", ctid);
		return ERR_PTR(-ENOENT);
	}
	return ctx;
}

DEFINE_FREE(vx_ctx_put, struct vx_context *, vx_ctx_put(IS_ERR(_T) ? NULL : _T))

static int vx_nl_ctx_new_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (vx_nl_require(info, VX_A_CTID, "CTID is required"))
		return -EINVAL;
	return vx_ctx_create(nla_get_u32(info->attrs[VX_A_CTID]), info->extack);
}

static int vx_nl_ctx_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	if (vx_nl_require(info, VX_A_CTID, "CTID is required"))
		return -EINVAL;
	return vx_ctx_delete(nla_get_u32(info->attrs[VX_A_CTID]), info->extack);
}

static int vx_nl_fill_ctx(struct sk_buff *msg, struct vx_context *ctx)
{
	if (nla_put_u32(msg, VX_A_CTID, ctx->ctid) ||
	    nla_put_u32(msg, VX_A_NR_TASKS, atomic_read(&ctx->nr_tasks)))
		return -EMSGSIZE;
	return 0;
}

/*
 * Answers a "do" request about the context named by VX_A_CTID with one
 * message filled by @fill (ctx-get and res-get differ only in that).
 */
static int vx_nl_reply_ctx(struct genl_info *info,
			   int (*fill)(struct sk_buff *, struct vx_context *))
{
	struct vx_context *ctx __free(vx_ctx_put) = vx_nl_get_ctx(info);
	struct sk_buff *msg;
	void *hdr;

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_iput(msg, info);
	if (!hdr || fill(msg, ctx)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int vx_nl_ctx_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vx_nl_reply_ctx(info, vx_nl_fill_ctx);
}

static int vx_nl_ctx_get_start(struct netlink_callback *cb)
{
	return vx_nl_check_caller(cb->skb, sock_net(cb->skb->sk), cb->extack);
}

/* cb->args[0]: the next ctid to dump. */
static int vx_nl_ctx_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	unsigned long ctid = cb->args[0];
	struct vx_context *ctx;
	int err = 0;

	rcu_read_lock();
	xa_for_each_start(&vx_contexts, ctid, ctx, cb->args[0]) {
		void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, &vx_genl_family,
					NLM_F_MULTI, VX_CMD_CTX_GET);

		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		if (vx_nl_fill_ctx(skb, ctx)) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = ctid + 1;
	}
	rcu_read_unlock();
	/* A full skb ends this round; the dump continues from args[0]. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

static int vx_nl_ctx_enter_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vx_context *ctx __free(vx_ctx_put) = vx_nl_get_ctx(info);
	struct nlattr *pid_attr = info->attrs[VX_A_PID];
	struct nlattr *pidfd_attr = info->attrs[VX_A_PIDFD];
	struct task_struct *task;
	unsigned int flags;
	int err;

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	if (!!pid_attr == !!pidfd_attr) {
		NL_SET_ERR_MSG(info->extack,
			       "exactly one of PID and PIDFD is required");
		return -EINVAL;
	}
	if (pid_attr) {
		task = find_get_task_by_vpid(nla_get_u32(pid_attr));
		if (!task) {
			NL_SET_ERR_MSG_ATTR(info->extack, pid_attr,
					    "no such process");
			return -ESRCH;
		}
	} else {
		task = pidfd_get_task(nla_get_s32(pidfd_attr), &flags);
		if (IS_ERR(task)) {
			NL_SET_ERR_MSG_ATTR(info->extack, pidfd_attr,
					    "not a pidfd of a live process");
			return PTR_ERR(task);
		}
	}
	scoped_guard(mutex, &vx_ctx_mutex) {
		if (ctx->deleted) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack,
						info->attrs[VX_A_CTID],
						"context %u does not exist",
						ctx->ctid);
			err = -ENOENT;
		} else {
			err = vx_ctx_enter(ctx, task, info->extack);
		}
	}
	put_task_struct(task);
	return err;
}

static int vx_nl_put_res(struct sk_buff *msg, struct vx_context *ctx,
			 unsigned int id)
{
	struct vx_res *r = &ctx->res[id];
	struct nlattr *nest = nla_nest_start(msg, VX_A_RES);

	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(msg, VX_RES_A_ID, id) ||
	    nla_put_string(msg, VX_RES_A_NAME, vx_res_names[id]) ||
	    nla_put_u64_64bit(msg, VX_RES_A_HELD,
			      atomic64_read(&r->held), VX_RES_A_PAD) ||
	    nla_put_u64_64bit(msg, VX_RES_A_MAXHELD,
			      atomic64_read(&r->maxheld), VX_RES_A_PAD) ||
	    nla_put_u64_64bit(msg, VX_RES_A_BARRIER,
			      READ_ONCE(r->barrier), VX_RES_A_PAD) ||
	    nla_put_u64_64bit(msg, VX_RES_A_LIMIT,
			      READ_ONCE(r->limit), VX_RES_A_PAD) ||
	    nla_put_u64_64bit(msg, VX_RES_A_FAILCNT,
			      atomic64_read(&r->failcnt), VX_RES_A_PAD)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int vx_nl_fill_res(struct sk_buff *msg, struct vx_context *ctx)
{
	unsigned int id;

	if (nla_put_u32(msg, VX_A_CTID, ctx->ctid))
		return -EMSGSIZE;
	for (id = 0; id < VX_RES_NR_ACCOUNTED; id++)
		if (vx_nl_put_res(msg, ctx, id))
			return -EMSGSIZE;
	return 0;
}

static int vx_nl_res_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vx_nl_reply_ctx(info, vx_nl_fill_res);
}

/* A parsed VX_A_RES row of a request. */
struct vx_nl_res_row {
	unsigned int id;
	struct nlattr *barrier;
	struct nlattr *limit;
};

/*
 * Parse one request row. @values: barrier/limit allowed (res-set) or not
 * (res-reset). Read-only attributes are rejected in both.
 */
static int vx_nl_parse_row(const struct nlattr *attr, bool values,
			   struct vx_nl_res_row *row,
			   struct netlink_ext_ack *extack)
{
	static const unsigned int ro[] = {
		VX_RES_A_NAME, VX_RES_A_HELD, VX_RES_A_MAXHELD, VX_RES_A_FAILCNT,
	};
	struct nlattr *tb[VX_RES_A_MAX + 1];
	unsigned int i;
	int err;

	err = nla_parse_nested(tb, VX_RES_A_MAX, attr, vx_res_policy, extack);
	if (err)
		return err;
	if (!tb[VX_RES_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "resource row without RES_ID");
		return -EINVAL;
	}
	row->id = nla_get_u32(tb[VX_RES_A_ID]);
	if (row->id >= VX_RES_NR_ACCOUNTED) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VX_RES_A_ID],
				    "resource is reserved, not accounted");
		return -EOPNOTSUPP;
	}
	for (i = 0; i < ARRAY_SIZE(ro); i++) {
		if (tb[ro[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[ro[i]],
					    "attribute is read-only");
			return -EINVAL;
		}
	}
	row->barrier = tb[VX_RES_A_BARRIER];
	row->limit = tb[VX_RES_A_LIMIT];
	if (!values && (row->barrier || row->limit)) {
		NL_SET_ERR_MSG_ATTR(extack, row->barrier ?: row->limit,
				    "res-reset takes only RES_ID");
		return -EINVAL;
	}
	if (values && !row->barrier && !row->limit) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "resource row without BARRIER or LIMIT");
		return -EINVAL;
	}
	return 0;
}

static int vx_nl_res_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vx_context *ctx __free(vx_ctx_put) = vx_nl_get_ctx(info);
	u64 barrier[VX_RES_NR_ACCOUNTED], limit[VX_RES_NR_ACCOUNTED];
	struct vx_nl_res_row row;
	const struct nlattr *attr;
	unsigned int id;
	int rem, err;

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	if (vx_nl_require(info, VX_A_RES, "at least one RES row is required"))
		return -EINVAL;

	guard(mutex)(&vx_ctx_mutex);
	for (id = 0; id < VX_RES_NR_ACCOUNTED; id++) {
		barrier[id] = ctx->res[id].barrier;
		limit[id] = ctx->res[id].limit;
	}
	/* Validate every row against the resulting values, then apply all. */
	nlmsg_for_each_attr_type(attr, VX_A_RES, info->nlhdr, GENL_HDRLEN, rem) {
		err = vx_nl_parse_row(attr, true, &row, info->extack);
		if (err)
			return err;
		if (row.barrier)
			barrier[row.id] = nla_get_u64(row.barrier);
		if (row.limit)
			limit[row.id] = nla_get_u64(row.limit);
		if (barrier[row.id] > limit[row.id]) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr,
						"%s: barrier %llu > limit %llu",
						vx_res_names[row.id],
						barrier[row.id], limit[row.id]);
			return -EINVAL;
		}
	}
	for (id = 0; id < VX_RES_NR_ACCOUNTED; id++) {
		WRITE_ONCE(ctx->res[id].barrier, barrier[id]);
		WRITE_ONCE(ctx->res[id].limit, limit[id]);
	}
	return 0;
}

static int vx_nl_res_reset_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vx_context *ctx __free(vx_ctx_put) = vx_nl_get_ctx(info);
	unsigned long ids = 0;
	struct vx_nl_res_row row;
	const struct nlattr *attr;
	unsigned int id;
	int rem, err;

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	nlmsg_for_each_attr_type(attr, VX_A_RES, info->nlhdr, GENL_HDRLEN, rem) {
		err = vx_nl_parse_row(attr, false, &row, info->extack);
		if (err)
			return err;
		__set_bit(row.id, &ids);
	}
	if (!ids)
		ids = BIT(VX_RES_NR_ACCOUNTED) - 1;
	for_each_set_bit(id, &ids, VX_RES_NR_ACCOUNTED)
		vx_res_reset(ctx, id);
	return 0;
}

static int vx_nl_view_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vx_context *ctx __free(vx_ctx_put) = vx_nl_get_ctx(info);

	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	if (vx_nl_require(info, VX_A_VIEW, "VIEW is required"))
		return -EINVAL;
	return vx_view_set(ctx, info->attrs[VX_A_VIEW], info->extack);
}

static int vx_nl_view_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vx_nl_reply_ctx(info, vx_view_fill);
}

static const struct genl_ops vx_genl_ops[] = {
	{
		.cmd	= VX_CMD_CTX_NEW,
		.doit	= vx_nl_ctx_new_doit,
	},
	{
		.cmd	= VX_CMD_CTX_DEL,
		.doit	= vx_nl_ctx_del_doit,
	},
	{
		.cmd	= VX_CMD_CTX_GET,
		.doit	= vx_nl_ctx_get_doit,
		.start	= vx_nl_ctx_get_start,
		.dumpit	= vx_nl_ctx_get_dumpit,
	},
	{
		.cmd	= VX_CMD_CTX_ENTER,
		.doit	= vx_nl_ctx_enter_doit,
	},
	{
		.cmd	= VX_CMD_RES_GET,
		.doit	= vx_nl_res_get_doit,
	},
	{
		.cmd	= VX_CMD_RES_SET,
		.doit	= vx_nl_res_set_doit,
	},
	{
		.cmd	= VX_CMD_RES_RESET,
		.doit	= vx_nl_res_reset_doit,
	},
	{
		.cmd	= VX_CMD_VIEW_SET,
		.doit	= vx_nl_view_set_doit,
	},
	{
		.cmd	= VX_CMD_VIEW_GET,
		.doit	= vx_nl_view_get_doit,
	},
};

static struct genl_family vx_genl_family __ro_after_init = {
	.name		= VX_GENL_NAME,
	.version	= VX_GENL_VERSION,
	.maxattr	= VX_A_MAX,
	.policy		= vx_policy,
	.netnsok	= true,
	.parallel_ops	= true,
	.pre_doit	= vx_nl_pre_doit,
	.ops		= vx_genl_ops,
	.n_ops		= ARRAY_SIZE(vx_genl_ops),
	.resv_start_op	= VX_CMD_CTX_NEW,
	.mcgrps		= vx_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(vx_mcgrps),
};

/**
 * vx_nl_notify_ctx() - multicast a context event
 * @ctid: the context id
 * @cmd: VX_CMD_EVT_CTX_CREATED, _EMPTIED or _DELETED
 *
 * Process context only. Best effort: an event nobody listens to is not
 * built, one that cannot be allocated is lost.
 */
void vx_nl_notify_ctx(u32 ctid, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&vx_genl_family, &init_net, VX_MCGRP_MONITOR))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vx_genl_family, 0, cmd);
	if (!hdr || nla_put_u32(msg, VX_A_CTID, ctid)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&vx_genl_family, msg, 0, VX_MCGRP_MONITOR, GFP_KERNEL);
}

/**
 * vx_nl_notify_res() - multicast a first-failed-charge event
 * @ctx: the context
 * @id: the resource
 *
 * Process context only (the event worker).
 */
void vx_nl_notify_res(struct vx_context *ctx, unsigned int id)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&vx_genl_family, &init_net, VX_MCGRP_MONITOR))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vx_genl_family, 0, VX_CMD_EVT_RES_FAILED);
	if (!hdr || nla_put_u32(msg, VX_A_CTID, ctx->ctid) ||
	    vx_nl_put_res(msg, ctx, id)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&vx_genl_family, msg, 0, VX_MCGRP_MONITOR, GFP_KERNEL);
}

static int __init vx_netlink_init(void)
{
	return genl_register_family(&vx_genl_family);
}
subsys_initcall(vx_netlink_init);
