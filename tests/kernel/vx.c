// SPDX-License-Identifier: GPL-2.0
/*
 * vx.c - the "vserver" family's commands on top of vxnl.c: one function
 * per command, each returning the kernel's errno and extack untouched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/genetlink.h>

#include "vxnl.h"

static int vx_simple(struct vxnl *h, uint8_t cmd, uint32_t ctid,
		     struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, cmd, 0);

	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	return vxnl_xfer(h, nlh, NULL, NULL, ack);
}

int vx_ctx_new(struct vxnl *h, uint32_t ctid, struct vxnl_ack *ack)
{
	return vx_simple(h, VX_CMD_CTX_NEW, ctid, ack);
}

int vx_ctx_del(struct vxnl *h, uint32_t ctid, struct vxnl_ack *ack)
{
	return vx_simple(h, VX_CMD_CTX_DEL, ctid, ack);
}

void vx_parse_ctx(const struct nlmsghdr *nlh, struct vx_ctx_info *info)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == VX_A_CTID) {
			info->ctid = mnl_attr_get_u32(a);
			info->has_ctid = true;
		} else if (mnl_attr_get_type(a) == VX_A_NR_TASKS) {
			info->nr_tasks = mnl_attr_get_u32(a);
			info->has_nr_tasks = true;
		}
	}
}

static int vx_ctx_get_cb(const struct nlmsghdr *nlh, void *data)
{
	vx_parse_ctx(nlh, data);
	return MNL_CB_OK;
}

int vx_ctx_get(struct vxnl *h, uint32_t ctid, struct vx_ctx_info *info,
	       struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_CTX_GET, 0);

	memset(info, 0, sizeof(*info));
	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	return vxnl_xfer(h, nlh, vx_ctx_get_cb, info, ack);
}

struct vx_dump_state {
	struct vx_ctx_info *out;
	int max, n;
};

static int vx_ctx_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vx_dump_state *st = data;
	struct vx_ctx_info info = { 0 };

	vx_parse_ctx(nlh, &info);
	if (st->n < st->max)
		st->out[st->n] = info;
	st->n++;
	return MNL_CB_OK;
}

int vx_ctx_dump(struct vxnl *h, struct vx_ctx_info *out, int max, int *n,
		struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_CTX_GET, NLM_F_DUMP);
	struct vx_dump_state st = { .out = out, .max = max };
	int err = vxnl_xfer(h, nlh, vx_ctx_dump_cb, &st, ack);

	*n = st.n;
	return err;
}

int vx_ctx_enter(struct vxnl *h, uint32_t ctid, pid_t pid,
		 struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_CTX_ENTER, 0);

	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	mnl_attr_put_u32(nlh, VX_A_PID, pid);
	return vxnl_xfer(h, nlh, NULL, NULL, ack);
}

int vx_ctx_enter_pidfd(struct vxnl *h, uint32_t ctid, int pidfd,
		       struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_CTX_ENTER, 0);

	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	mnl_attr_put_u32(nlh, VX_A_PIDFD, (uint32_t)pidfd);
	return vxnl_xfer(h, nlh, NULL, NULL, ack);
}

static void vx_parse_row(const struct nlattr *nest, struct vx_res_table *t)
{
	struct vx_res_row r = { .present = true, .id = UINT32_MAX };
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case VX_RES_A_ID:
			r.id = mnl_attr_get_u32(a);
			break;
		case VX_RES_A_NAME:
			snprintf(r.name, sizeof(r.name), "%s",
				 mnl_attr_get_str(a));
			break;
		case VX_RES_A_HELD:
			r.held = mnl_attr_get_u64(a);
			break;
		case VX_RES_A_MAXHELD:
			r.maxheld = mnl_attr_get_u64(a);
			break;
		case VX_RES_A_BARRIER:
			r.barrier = mnl_attr_get_u64(a);
			break;
		case VX_RES_A_LIMIT:
			r.limit = mnl_attr_get_u64(a);
			break;
		case VX_RES_A_FAILCNT:
			r.failcnt = mnl_attr_get_u64(a);
			break;
		}
	}
	if (r.id > VX_RES_MAX || t->nrows > VX_RES_MAX)
		return;
	t->order[t->nrows++] = r.id;
	t->row[r.id] = r;
}

int vx_parse_res(const struct nlmsghdr *nlh, struct vx_res_table *t)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == VX_A_CTID)
			t->ctid = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == VX_A_RES)
			vx_parse_row(a, t);
	}
	return MNL_CB_OK;
}

static int vx_res_get_cb(const struct nlmsghdr *nlh, void *data)
{
	return vx_parse_res(nlh, data);
}

int vx_res_get(struct vxnl *h, uint32_t ctid, struct vx_res_table *t,
	       struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_RES_GET, 0);

	memset(t, 0, sizeof(*t));
	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	return vxnl_xfer(h, nlh, vx_res_get_cb, t, ack);
}

int vx_res_set(struct vxnl *h, uint32_t ctid, uint32_t id, uint64_t barrier,
	       uint64_t limit, struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_RES_SET, 0);
	struct nlattr *row;

	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	row = mnl_attr_nest_start(nlh, VX_A_RES);
	mnl_attr_put_u32(nlh, VX_RES_A_ID, id);
	if (barrier != UINT64_MAX)
		mnl_attr_put_u64(nlh, VX_RES_A_BARRIER, barrier);
	if (limit != UINT64_MAX)
		mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, limit);
	mnl_attr_nest_end(nlh, row);
	return vxnl_xfer(h, nlh, NULL, NULL, ack);
}

int vx_res_reset(struct vxnl *h, uint32_t ctid, int id, struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_RES_RESET, 0);

	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	if (id >= 0) {
		struct nlattr *row = mnl_attr_nest_start(nlh, VX_A_RES);

		mnl_attr_put_u32(nlh, VX_RES_A_ID, id);
		mnl_attr_nest_end(nlh, row);
	}
	return vxnl_xfer(h, nlh, NULL, NULL, ack);
}

int vx_view_set(struct vxnl *h, uint32_t ctid, const struct vx_view_req *v,
		struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_VIEW_SET, 0);
	struct nlattr *nest;

	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	nest = mnl_attr_nest_start(nlh, VX_A_VIEW);
	if (v->mem_bytes != UINT64_MAX)
		mnl_attr_put_u64(nlh, VX_VIEW_A_MEM_BYTES, v->mem_bytes);
	if (v->swap_bytes != UINT64_MAX)
		mnl_attr_put_u64(nlh, VX_VIEW_A_SWAP_BYTES, v->swap_bytes);
	if (v->start_ns != UINT64_MAX)
		mnl_attr_put_u64(nlh, VX_VIEW_A_START, v->start_ns);
	if (v->nr_cpus != UINT32_MAX)
		mnl_attr_put_u32(nlh, VX_VIEW_A_NR_CPUS, v->nr_cpus);
	if (v->cpus)
		mnl_attr_put_strz(nlh, VX_VIEW_A_CPUS, v->cpus);
	mnl_attr_nest_end(nlh, nest);
	return vxnl_xfer(h, nlh, NULL, NULL, ack);
}

static int vx_view_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vx_view_info *vi = data;
	const struct nlattr *a, *n;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != VX_A_VIEW)
			continue;
		mnl_attr_for_each_nested(n, a) {
			switch (mnl_attr_get_type(n)) {
			case VX_VIEW_A_MEM_BYTES:
				vi->mem_bytes = mnl_attr_get_u64(n);
				break;
			case VX_VIEW_A_SWAP_BYTES:
				vi->swap_bytes = mnl_attr_get_u64(n);
				break;
			case VX_VIEW_A_START:
				vi->start_ns = mnl_attr_get_u64(n);
				break;
			case VX_VIEW_A_NR_CPUS:
				vi->nr_cpus = mnl_attr_get_u32(n);
				break;
			case VX_VIEW_A_CPUS:
				snprintf(vi->cpus, sizeof(vi->cpus), "%s",
					 mnl_attr_get_str(n));
				break;
			case VX_VIEW_A_ACTIVE:
				vi->active = mnl_attr_get_u8(n);
				break;
			default:	/* padding */
				continue;
			}
			vi->nattrs++;
		}
	}
	return MNL_CB_OK;
}

int vx_view_get(struct vxnl *h, uint32_t ctid, struct vx_view_info *vi,
		struct vxnl_ack *ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(h, buf, VX_CMD_VIEW_GET, 0);

	memset(vi, 0, sizeof(*vi));
	mnl_attr_put_u32(nlh, VX_A_CTID, ctid);
	return vxnl_xfer(h, nlh, vx_view_get_cb, vi, ack);
}
