// SPDX-License-Identifier: GPL-2.0
/*
 * malformed_test.c - every malformed request is rejected with an error
 * and an extack message, and changes nothing: missing attributes, wrong
 * attribute types/lengths, ctids out of range (0, 2^31, 2^32-1), unknown
 * ctids, bad resource rows (missing id, unknown id, not nested, barrier
 * above limit), bad pid/pidfd, unknown attributes and commands.
 *
 * The kernel must not splat on any of them; the guest harness fails the
 * run if it does.
 */
#define _GNU_SOURCE
#include <fcntl.h>

#include "vxtest.h"

FIXTURE(bad) {
	struct vxnl nl;
	uint32_t ctid;		/* exists */
	uint32_t unknown;	/* does not */
	char buf[8192];
	struct vxnl_ack ack;
};

FIXTURE_SETUP(bad)
{
	VXT_OPEN(&self->nl);
	self->ctid = vxt_new_ctid();
	self->unknown = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
}

FIXTURE_TEARDOWN(bad)
{
	if (!self->nl.sk)	/* setup never got the family */
		return;
	struct vx_res_table t;

	/* nothing a malformed request did may have changed the context */
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &t, NULL));
	for (int i = 0; i < VX_RES_NR_ACCOUNTED; i++) {
		EXPECT_EQ(UNLIMITED, t.row[i].barrier);
		EXPECT_EQ(UNLIMITED, t.row[i].limit);
	}
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 0));
	EXPECT_EQ(0, vx_ctx_del(&self->nl, self->ctid, NULL));
	vxnl_close(&self->nl);
}

static struct nlmsghdr *req(FIXTURE_DATA(bad) *self, uint8_t cmd)
{
	return vxnl_msg(&self->nl, self->buf, cmd, 0);
}

/* Send @nlh; it must fail with @e1 or @e2 and carry a message. */
#define REJECT2(nlh, e1, e2, what) do {					\
	int __r = vxnl_xfer(&self->nl, (nlh), NULL, NULL, &self->ack);	\
	EXPECT_TRUE(__r == -(e1) || __r == -(e2)) {			\
		TH_LOG("%s: got %d (%s), want %s or %s", what, __r,	\
		       strerror(-__r), strerror(e1), strerror(e2));	\
	}								\
	EXPECT_NE(0, self->ack.msg[0]) {				\
		TH_LOG("%s: rejected (%s) without an extack message",	\
		       what, strerror(-__r));				\
	}								\
	if (self->ack.msg[0])						\
		TH_LOG("%s: %s: \"%s\"", what, strerror(-__r),		\
		       self->ack.msg);					\
} while (0)
#define REJECT(nlh, e, what)	REJECT2(nlh, e, e, what)

static const uint8_t ctid_cmds[] = {
	VX_CMD_CTX_NEW, VX_CMD_CTX_DEL, VX_CMD_CTX_GET, VX_CMD_CTX_ENTER,
	VX_CMD_RES_GET, VX_CMD_RES_SET, VX_CMD_RES_RESET,
};
#define NCMDS (sizeof(ctid_cmds) / sizeof(ctid_cmds[0]))

/* A request for @cmd that is valid apart from its CTID. */
static void put_rest(FIXTURE_DATA(bad) *self, struct nlmsghdr *nlh, uint8_t cmd)
{
	if (cmd == VX_CMD_CTX_ENTER) {
		mnl_attr_put_u32(nlh, VX_A_PID, getpid());
	} else if (cmd == VX_CMD_RES_SET) {
		struct nlattr *row = mnl_attr_nest_start(nlh, VX_A_RES);

		mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_NUMFILE);
		mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, 5);
		mnl_attr_nest_end(nlh, row);
	}
	(void)self;
}

TEST_F(bad, missing_ctid)
{
	for (unsigned int i = 0; i < NCMDS; i++) {
		struct nlmsghdr *nlh = req(self, ctid_cmds[i]);
		char what[32];

		put_rest(self, nlh, ctid_cmds[i]);
		snprintf(what, sizeof(what), "cmd %u", ctid_cmds[i]);
		REJECT(nlh, EINVAL, what);
		EXPECT_TRUE(self->ack.has_miss && self->ack.miss_type == VX_A_CTID) {
			TH_LOG("%s: missing-attribute TLV not set to VX_A_CTID", what);
		}
	}
}

TEST_F(bad, ctid_wrong_type)
{
	for (unsigned int i = 0; i < NCMDS; i++) {
		char what[32];
		struct nlmsghdr *nlh = req(self, ctid_cmds[i]);

		mnl_attr_put_u8(nlh, VX_A_CTID, 1);		/* too short */
		put_rest(self, nlh, ctid_cmds[i]);
		snprintf(what, sizeof(what), "u8 ctid, cmd %u", ctid_cmds[i]);
		REJECT2(nlh, EINVAL, ERANGE, what);

		nlh = req(self, ctid_cmds[i]);
		mnl_attr_put_u64(nlh, VX_A_CTID, self->ctid);	/* too long */
		put_rest(self, nlh, ctid_cmds[i]);
		snprintf(what, sizeof(what), "u64 ctid, cmd %u", ctid_cmds[i]);
		REJECT2(nlh, EINVAL, ERANGE, what);

		nlh = req(self, ctid_cmds[i]);
		/* a string (not 4 bytes long, or it would pass as a u32) */
		mnl_attr_put_strz(nlh, VX_A_CTID, "ctid-101");
		put_rest(self, nlh, ctid_cmds[i]);
		snprintf(what, sizeof(what), "string ctid, cmd %u", ctid_cmds[i]);
		REJECT2(nlh, EINVAL, ERANGE, what);
	}
}

TEST_F(bad, ctid_out_of_range)
{
	static const uint32_t bad_ids[] = { 0, VX_CTID_MAX + 1U, UINT32_MAX };

	for (unsigned int i = 0; i < NCMDS; i++) {
		for (unsigned int j = 0; j < 3; j++) {
			struct nlmsghdr *nlh = req(self, ctid_cmds[i]);
			char what[48];

			mnl_attr_put_u32(nlh, VX_A_CTID, bad_ids[j]);
			put_rest(self, nlh, ctid_cmds[i]);
			snprintf(what, sizeof(what), "ctid %u, cmd %u",
				 bad_ids[j], ctid_cmds[i]);
			REJECT2(nlh, EINVAL, ERANGE, what);
		}
	}
}

TEST_F(bad, unknown_ctid)
{
	for (unsigned int i = 1; i < NCMDS; i++) {	/* all but ctx-new */
		struct nlmsghdr *nlh = req(self, ctid_cmds[i]);
		char what[32];

		mnl_attr_put_u32(nlh, VX_A_CTID, self->unknown);
		put_rest(self, nlh, ctid_cmds[i]);
		snprintf(what, sizeof(what), "unknown ctid, cmd %u", ctid_cmds[i]);
		REJECT(nlh, ENOENT, what);
	}
}

TEST_F(bad, ctid_max_is_valid)
{
	/* the edge of the range is accepted (unless a test already uses it) */
	int err = vx_ctx_new(&self->nl, VX_CTID_MAX, &self->ack);

	EXPECT_TRUE(err == 0 || err == -EEXIST) TH_LOG("%s", self->ack.msg);
	if (!err)
		EXPECT_EQ(0, vx_ctx_del(&self->nl, VX_CTID_MAX, NULL));
	err = vx_ctx_new(&self->nl, 1, &self->ack);
	EXPECT_TRUE(err == 0 || err == -EEXIST) TH_LOG("%s", self->ack.msg);
	if (!err)
		EXPECT_EQ(0, vx_ctx_del(&self->nl, 1, NULL));
}

TEST_F(bad, unknown_attribute)
{
	struct nlmsghdr *nlh = req(self, VX_CMD_CTX_GET);

	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	mnl_attr_put_u32(nlh, VX_A_MAX + 1, 1);
	REJECT2(nlh, EINVAL, EOPNOTSUPP, "attribute VX_A_MAX + 1");
}

TEST_F(bad, res_set_rows)
{
	struct nlmsghdr *nlh;
	struct nlattr *row;

	nlh = req(self, VX_CMD_RES_SET);		/* no row at all */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	REJECT(nlh, EINVAL, "res-set without rows");

	nlh = req(self, VX_CMD_RES_SET);		/* row without id */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	row = mnl_attr_nest_start(nlh, VX_A_RES);
	mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, 5);
	mnl_attr_nest_end(nlh, row);
	REJECT(nlh, EINVAL, "row without RES_ID");

	nlh = req(self, VX_CMD_RES_SET);		/* row with neither value */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	row = mnl_attr_nest_start(nlh, VX_A_RES);
	mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_NUMFILE);
	mnl_attr_nest_end(nlh, row);
	{
		/* harmless (keeps both) or refused: either way no change */
		int r = vxnl_xfer(&self->nl, nlh, NULL, NULL, &self->ack);

		EXPECT_TRUE(r == 0 || (r == -EINVAL && self->ack.msg[0]));
	}

	static const uint32_t bad_ids[] = { VX_RES_MAX + 1, UINT32_MAX };

	for (int j = 0; j < 2; j++) {
		nlh = req(self, VX_CMD_RES_SET);
		mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
		row = mnl_attr_nest_start(nlh, VX_A_RES);
		mnl_attr_put_u32(nlh, VX_RES_A_ID, bad_ids[j]);
		mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, 5);
		mnl_attr_nest_end(nlh, row);
		REJECT2(nlh, EINVAL, ERANGE, "unknown RES_ID");
	}

	nlh = req(self, VX_CMD_RES_SET);		/* RES not nested */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	mnl_attr_put_u32(nlh, VX_A_RES, VX_RES_NUMFILE);
	REJECT2(nlh, EINVAL, ERANGE, "RES as u32");

	nlh = req(self, VX_CMD_RES_SET);		/* u32 limit */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	row = mnl_attr_nest_start(nlh, VX_A_RES);
	mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_NUMFILE);
	mnl_attr_put_u32(nlh, VX_RES_A_LIMIT, 5);
	mnl_attr_nest_end(nlh, row);
	REJECT2(nlh, EINVAL, ERANGE, "u32 LIMIT");

	nlh = req(self, VX_CMD_RES_SET);		/* barrier > limit */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	row = mnl_attr_nest_start(nlh, VX_A_RES);
	mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_NUMFILE);
	mnl_attr_put_u64(nlh, VX_RES_A_BARRIER, 6);
	mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, 5);
	mnl_attr_nest_end(nlh, row);
	REJECT(nlh, EINVAL, "barrier > limit");

	nlh = req(self, VX_CMD_RES_SET);		/* limit > unlimited */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	row = mnl_attr_nest_start(nlh, VX_A_RES);
	mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_NUMFILE);
	mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, UINT64_MAX);
	mnl_attr_nest_end(nlh, row);
	REJECT2(nlh, EINVAL, ERANGE, "limit 2^64-1");

	nlh = req(self, VX_CMD_RES_RESET);		/* reset of unknown id */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	row = mnl_attr_nest_start(nlh, VX_A_RES);
	mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_MAX + 1);
	mnl_attr_nest_end(nlh, row);
	REJECT2(nlh, EINVAL, ERANGE, "res-reset unknown RES_ID");
}

TEST_F(bad, enter_bad_targets)
{
	struct nlmsghdr *nlh;
	int fd;

	nlh = req(self, VX_CMD_CTX_ENTER);
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	mnl_attr_put_u32(nlh, VX_A_PID, 0);
	REJECT2(nlh, ERANGE, EINVAL, "pid 0");

	nlh = req(self, VX_CMD_CTX_ENTER);
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	mnl_attr_put_u32(nlh, VX_A_PID, 0x7fffffff);
	REJECT2(nlh, EINVAL, ESRCH, "pid 2^31-1");

	nlh = req(self, VX_CMD_CTX_ENTER);
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	mnl_attr_put_u32(nlh, VX_A_PIDFD, (uint32_t)-1);
	REJECT2(nlh, ERANGE, EBADF, "pidfd -1");

	fd = open("/dev/null", O_RDONLY);
	ASSERT_GE(fd, 0);
	nlh = req(self, VX_CMD_CTX_ENTER);
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	mnl_attr_put_u32(nlh, VX_A_PIDFD, fd);
	REJECT2(nlh, EBADF, EINVAL, "pidfd of /dev/null");
	close(fd);

	nlh = req(self, VX_CMD_CTX_ENTER);
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	mnl_attr_put_u8(nlh, VX_A_PID, 1);
	REJECT2(nlh, EINVAL, ERANGE, "u8 pid");
}

TEST_F(bad, reserved_and_unknown_commands)
{
	struct nlmsghdr *nlh;
	int r;

	nlh = req(self, VX_CMD_VIEW_SET);
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	r = vxnl_xfer(&self->nl, nlh, NULL, NULL, &self->ack);
	/* view-set is implemented: without a VIEW nest it is incomplete */
	EXPECT_EQ(-EINVAL, r) TH_LOG("view-set: %d", r);
	EXPECT_TRUE(self->ack.has_miss && self->ack.miss_type == VX_A_VIEW);

	/* events and unknown numbers are not requests */
	static const uint8_t cmds[] = {
		VX_CMD_UNSPEC, VX_CMD_EVT_CTX_CREATED, VX_CMD_EVT_RES_FAILED,
		VX_CMD_MAX + 1, 255,
	};
	for (unsigned int i = 0; i < sizeof(cmds); i++) {
		nlh = req(self, cmds[i]);
		mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
		r = vxnl_xfer(&self->nl, nlh, NULL, NULL, &self->ack);
		EXPECT_TRUE(r == -EOPNOTSUPP || r == -EINVAL) {
			TH_LOG("command %u: %d", cmds[i], r);
		}
	}
}

TEST_F(bad, truncated_attribute)
{
	struct nlmsghdr *nlh = req(self, VX_CMD_CTX_GET);
	struct nlattr *a;
	int r;

	/* an attribute header claiming more bytes than the message has */
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	a = (struct nlattr *)((char *)nlh + nlh->nlmsg_len - MNL_ALIGN(8));
	a->nla_len = 64;
	r = vxnl_xfer(&self->nl, nlh, NULL, NULL, &self->ack);
	EXPECT_TRUE(r == -EINVAL || r == -ERANGE) TH_LOG("got %d", r);
}

TEST_HARNESS_MAIN
