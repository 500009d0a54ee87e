// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for kctx.c, the "vserver" generic-netlink client: request
 * encoding, reply and extended-ACK parsing (messages are built here by
 * hand, as the kernel lays them out), resource names, and the "no such
 * family" error on a kernel without the patchset.
 */
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "kctx.h"
#include "unit.h"

static char buf[8192] __attribute__((aligned(8)));

static void names(void)
{
	CHECK_STR(vx_kres_name(VX_RES_NUMFILE), "numfile");
	CHECK_STR(vx_kres_name(VX_RES_PRIVVMPAGES), "privvmpages");
	CHECK_STR(vx_kres_name(VX_RES_NUMIPTENT), "numiptent");
	CHECK(vx_kres_name(VX_RES_MAX + 1) == NULL);
	CHECK(vx_kres_id("numtcpsock") == VX_RES_NUMTCPSOCK);
	CHECK(vx_kres_id("numproc") == VX_RES_NUMPROC);
	CHECK(vx_kres_id("nosuch") == -1);
	for (int i = 0; i <= VX_RES_MAX; i++)
		CHECK(vx_kres_id(vx_kres_name(i)) == i);
}

/* A res-set row: one nest with NLA_F_NESTED holding ID, BARRIER, LIMIT. */
static void put_res(void)
{
	struct vx_kres r = { .id = VX_RES_NUMFILE, .barrier = 100,
			     .limit = 120 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const struct nlattr *a, *in;
	int nests = 0, seen = 0;

	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	vx_kctx_put_res(nlh, &r);
	r.id = VX_RES_NUMTCPSOCK;
	r.barrier = r.limit = VX_RES_UNLIMITED;
	vx_kctx_put_res(nlh, &r);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		CHECK(mnl_attr_get_type(a) == VX_A_RES);
		CHECK(a->nla_type & NLA_F_NESTED);
		mnl_attr_for_each_nested(in, a) {
			switch (mnl_attr_get_type(in)) {
			case VX_RES_A_ID:
				CHECK(mnl_attr_get_u32(in) ==
				      (nests ? VX_RES_NUMTCPSOCK : VX_RES_NUMFILE));
				seen |= 1;
				break;
			case VX_RES_A_BARRIER:
				CHECK(mnl_attr_get_u64(in) ==
				      (nests ? VX_RES_UNLIMITED : 100));
				seen |= 2;
				break;
			case VX_RES_A_LIMIT:
				CHECK(mnl_attr_get_u64(in) ==
				      (nests ? VX_RES_UNLIMITED : 120));
				seen |= 4;
				break;
			default:
				CHECK(!"unexpected attribute in a res-set row");
			}
		}
		nests++;
	}
	CHECK(nests == 2);
	CHECK(seen == 7);
}

/* NLMSG_ERROR as the kernel sends it with NETLINK_EXT_ACK; capped: the
 * request header only, else the whole request is echoed first. */
static struct nlmsghdr *error_msg(int error, const char *msg, int miss,
				  bool capped)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = sizeof(struct nlmsghdr);
	if (!capped) {
		/* an echoed request of 24 bytes: header + 8 payload bytes */
		e->msg.nlmsg_len = sizeof(struct nlmsghdr) + 8;
		mnl_nlmsg_put_extra_header(nlh, 8);
	}
	if (msg)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, msg);
	if (miss >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_MISS_TYPE, (uint32_t)miss);
	return nlh;
}

static void parse_ack(void)
{
	struct vx_kctx_ack ack;

	vx_kctx_parse_ack(error_msg(-EINVAL, "numfile: barrier 5 > limit 3",
				    -1, true), &ack);
	CHECK(ack.error == -EINVAL);
	CHECK_STR(ack.msg, "numfile: barrier 5 > limit 3");
	CHECK(!ack.has_miss);

	vx_kctx_parse_ack(error_msg(-EINVAL, NULL, VX_A_CTID, false), &ack);
	CHECK(ack.error == -EINVAL);
	CHECK_STR(ack.msg, "");
	CHECK(ack.has_miss && ack.miss_type == VX_A_CTID);

	vx_kctx_parse_ack(error_msg(-EBUSY, "context 101 still has 2 tasks",
				    -1, false), &ack);
	CHECK(ack.error == -EBUSY);
	CHECK_STR(ack.msg, "context 101 still has 2 tasks");

	/* a plain ACK: error 0, no TLVs */
	vx_kctx_parse_ack(error_msg(0, NULL, -1, true), &ack);
	CHECK(ack.error == 0 && !ack.msg[0]);

	/* the end of a dump */
	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		int *e;

		nlh->nlmsg_type = NLMSG_DONE;
		nlh->nlmsg_flags = NLM_F_ACK_TLVS;
		e = mnl_nlmsg_put_extra_header(nlh, sizeof(int));
		*e = -EPERM;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "caller is inside a context");
		vx_kctx_parse_ack(nlh, &ack);
		CHECK(ack.error == -EPERM);
		CHECK_STR(ack.msg, "caller is inside a context");
	}
}

/* A row as the kernel's res-get reply carries it: u64 with PAD. */
static void reply_row(struct nlmsghdr *nlh, uint32_t id, const char *name,
		      uint64_t base, bool with_id)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, VX_A_RES);

	if (with_id)
		mnl_attr_put_u32(nlh, VX_RES_A_ID, id);
	if (name)
		mnl_attr_put_strz(nlh, VX_RES_A_NAME, name);
	mnl_attr_put(nlh, VX_RES_A_PAD, 0, NULL);
	for (int t = VX_RES_A_HELD; t <= VX_RES_A_FAILCNT; t++)
		mnl_attr_put_u64(nlh, t, base + t);
	mnl_attr_nest_end(nlh, nest);
}

static struct nlmsghdr *res_reply(bool broken)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = 0x20;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	mnl_attr_put_u32(nlh, VX_A_CTID, 101);
	reply_row(nlh, VX_RES_NUMPROC, "numproc", 0, true);
	reply_row(nlh, VX_RES_NUMFILE, NULL, 1000, true);
	/* an attribute a newer kernel might add: skipped */
	mnl_attr_put_u32(nlh, VX_A_NR_TASKS, 3);
	if (broken)
		reply_row(nlh, 0, "noid", 0, false);
	return nlh;
}

static void parse_res(void)
{
	struct vx_kres rows[4];
	size_t n = 0;

	CHECK(vx_kctx_parse_res(res_reply(false), rows, 4, &n) == 0);
	CHECK(n == 2);
	CHECK(rows[0].id == VX_RES_NUMPROC);
	CHECK_STR(rows[0].name, "numproc");
	CHECK(rows[0].held == VX_RES_A_HELD);
	CHECK(rows[0].maxheld == VX_RES_A_MAXHELD);
	CHECK(rows[0].barrier == VX_RES_A_BARRIER);
	CHECK(rows[0].limit == VX_RES_A_LIMIT);
	CHECK(rows[0].failcnt == VX_RES_A_FAILCNT);
	CHECK(rows[1].id == VX_RES_NUMFILE);
	/* no NAME attribute: the name comes from our own table */
	CHECK_STR(rows[1].name, "numfile");
	CHECK(rows[1].failcnt == 1000 + VX_RES_A_FAILCNT);

	n = 0;
	CHECK(vx_kctx_parse_res(res_reply(true), rows, 4, &n) == -EPROTO);
	n = 0;
	CHECK(vx_kctx_parse_res(res_reply(false), rows, 1, &n) == -E2BIG);
	CHECK(n == 1);
}

/* The host kernel normally lacks the family: the error must name it.
 * In a guest on the patched kernel the handle must carry its id. */
static void open_family(void)
{
	struct vx_error *err = NULL;
	struct vx_kctx *k = NULL;
	int ret = vx_kctx_open(&k, &err);

	if (ret == 0) {
		CHECK(k && k->family != 0 && k->family != GENL_ID_CTRL);
		CHECK(vx_kctx_present());
	} else if (ret == -EOPNOTSUPP) {
		CHECK(!k);
		CHECK(err && err->code == VX_E_NOKERNEL);
		CHECK_MSG(err, "\"vserver\"");
		CHECK(!vx_kctx_present());
	} else {
		/* no netlink at all (a sandbox): still a clean error */
		CHECK(!k && err && err->msg[0]);
	}
	vx_kctx_close(k);
	vx_error_free(err);
}

/* ctx-enter with neither a pid nor a pidfd is refused before anything is
 * sent (the handle is not even looked at), naming what is missing. */
static void enter_needs_process(void)
{
	struct vx_error *err = NULL;

	CHECK(vx_kctx_enter(NULL, 777, 0, -1, &err) == -EINVAL);
	CHECK_MSG(err, "ctid 777: no process given");
	vx_error_free(err);
}

int main(void)
{
	RUN(names);
	RUN(put_res);
	RUN(parse_ack);
	RUN(parse_res);
	RUN(open_family);
	RUN(enter_needs_process);
	return unit_failed_total;
}
