// SPDX-License-Identifier: GPL-2.0
/*
 * res_test.c - the beancounter commands: res-get, res-set, res-reset.
 * Enforcement of each resource is in enforce_test.c; here we check what
 * the commands report and accept.
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include "vxtest.h"

static const char *const ovz_names[VX_RES_NR_ACCOUNTED] = {
	[VX_RES_NUMPROC]	= "numproc",
	[VX_RES_NUMFILE]	= "numfile",
	[VX_RES_NUMTCPSOCK]	= "numtcpsock",
	[VX_RES_NUMOTHERSOCK]	= "numothersock",
	[VX_RES_NUMFLOCK]	= "numflock",
	[VX_RES_NUMPTY]		= "numpty",
	[VX_RES_NUMSIGINFO]	= "numsiginfo",
	[VX_RES_PRIVVMPAGES]	= "privvmpages",
};

FIXTURE(res) {
	struct vxnl nl;
	uint32_t ctid;
	struct vx_res_table t;
};

FIXTURE_SETUP(res)
{
	VXT_OPEN(&self->nl);
	self->ctid = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
}

FIXTURE_TEARDOWN(res)
{
	if (!self->nl.sk)	/* setup never got the family */
		return;
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 5000));
	vxnl_close(&self->nl);
}

TEST_F(res, get_lists_every_accounted_row)
{
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(self->ctid, self->t.ctid);
	ASSERT_EQ(VX_RES_NR_ACCOUNTED, self->t.nrows);
	for (int i = 0; i < VX_RES_NR_ACCOUNTED; i++) {
		struct vx_res_row *r = &self->t.row[i];

		EXPECT_EQ((uint32_t)i, self->t.order[i]);
		EXPECT_TRUE(r->present);
		EXPECT_STREQ(ovz_names[i], r->name);
		EXPECT_EQ(0U, r->held);
		EXPECT_EQ(0U, r->maxheld);
		EXPECT_EQ(UNLIMITED, r->barrier);
		EXPECT_EQ(UNLIMITED, r->limit);
		EXPECT_EQ(0U, r->failcnt);
	}
}

TEST_F(res, set_barrier_and_limit)
{
	struct vx_res_row *r = &self->t.row[VX_RES_NUMFILE];

	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMFILE, 100, 200, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(100U, r->barrier);
	EXPECT_EQ(200U, r->limit);

	/* an absent attribute keeps its value */
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMFILE, KEEP, 300, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(100U, r->barrier);
	EXPECT_EQ(300U, r->limit);
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMFILE, 250, KEEP, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(250U, r->barrier);
	EXPECT_EQ(300U, r->limit);

	/* other rows untouched */
	EXPECT_EQ(UNLIMITED, self->t.row[VX_RES_NUMPROC].limit);

	/* back to unlimited */
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMFILE,
				UNLIMITED, UNLIMITED, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(UNLIMITED, r->barrier);
	EXPECT_EQ(UNLIMITED, r->limit);
}

TEST_F(res, set_is_all_or_nothing)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(&self->nl, buf, VX_CMD_RES_SET, 0);
	struct vxnl_ack ack;
	struct nlattr *row;

	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	row = mnl_attr_nest_start(nlh, VX_A_RES);		/* valid */
	mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_NUMFILE);
	mnl_attr_put_u64(nlh, VX_RES_A_BARRIER, 10);
	mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, 10);
	mnl_attr_nest_end(nlh, row);
	row = mnl_attr_nest_start(nlh, VX_A_RES);		/* barrier > limit */
	mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_NUMPROC);
	mnl_attr_put_u64(nlh, VX_RES_A_BARRIER, 20);
	mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, 10);
	mnl_attr_nest_end(nlh, row);
	ASSERT_EQ(-EINVAL, vxnl_xfer(&self->nl, nlh, NULL, NULL, &ack));
	ASSERT_EXTACK(&ack);

	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(UNLIMITED, self->t.row[VX_RES_NUMFILE].limit);
	EXPECT_EQ(UNLIMITED, self->t.row[VX_RES_NUMPROC].limit);
}

TEST_F(res, set_several_rows_at_once)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = vxnl_msg(&self->nl, buf, VX_CMD_RES_SET, 0);

	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	for (uint32_t id = 0; id < VX_RES_NR_ACCOUNTED; id++) {
		struct nlattr *row = mnl_attr_nest_start(nlh, VX_A_RES);

		mnl_attr_put_u32(nlh, VX_RES_A_ID, id);
		mnl_attr_put_u64(nlh, VX_RES_A_BARRIER, 1000 + id);
		mnl_attr_put_u64(nlh, VX_RES_A_LIMIT, 2000 + id);
		mnl_attr_nest_end(nlh, row);
	}
	ASSERT_EQ(0, vxnl_xfer(&self->nl, nlh, NULL, NULL, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	for (uint32_t id = 0; id < VX_RES_NR_ACCOUNTED; id++) {
		EXPECT_EQ(1000 + id, self->t.row[id].barrier);
		EXPECT_EQ(2000 + id, self->t.row[id].limit);
	}
}

TEST_F(res, set_rejects_bad_values)
{
	struct vxnl_ack ack;

	EXPECT_EQ(-EINVAL, vx_res_set(&self->nl, self->ctid, VX_RES_NUMFILE, 11, 10, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("barrier > limit: no extack message");
	/* the policy's range check answers ERANGE, a handler would say EINVAL */
	EXPECT_TRUE(vx_res_set(&self->nl, self->ctid, VX_RES_NUMFILE, KEEP,
			       UNLIMITED + 1, &ack) == -ERANGE || ack.error == -EINVAL) {
		TH_LOG("limit > unlimited: %s", strerror(-ack.error));
	}
	EXPECT_NE(0, ack.msg[0]) TH_LOG("limit > unlimited: no extack message");
	/* barrier above the limit already set */
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMFILE, 5, 10, NULL));
	EXPECT_EQ(-EINVAL, vx_res_set(&self->nl, self->ctid, VX_RES_NUMFILE, 11, KEEP, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("barrier > old limit: no extack message");
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(5U, self->t.row[VX_RES_NUMFILE].barrier);
	EXPECT_EQ(10U, self->t.row[VX_RES_NUMFILE].limit);
}

TEST_F(res, set_rejects_read_only_fields)
{
	static const uint16_t ro[] = { VX_RES_A_HELD, VX_RES_A_MAXHELD, VX_RES_A_FAILCNT };
	char buf[MNL_SOCKET_BUFFER_SIZE];

	for (unsigned int i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		struct nlmsghdr *nlh = vxnl_msg(&self->nl, buf, VX_CMD_RES_SET, 0);
		struct vxnl_ack ack;
		struct nlattr *row;

		mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
		row = mnl_attr_nest_start(nlh, VX_A_RES);
		mnl_attr_put_u32(nlh, VX_RES_A_ID, VX_RES_NUMFILE);
		mnl_attr_put_u64(nlh, ro[i], 5);
		mnl_attr_nest_end(nlh, row);
		EXPECT_EQ(-EINVAL, vxnl_xfer(&self->nl, nlh, NULL, NULL, &ack)) {
			TH_LOG("read-only attribute %u accepted", ro[i]);
		}
		EXPECT_NE(0, ack.msg[0]) TH_LOG("attr %u: no extack message", ro[i]);
	}
}

TEST_F(res, set_reserved_resource_is_eopnotsupp)
{
	struct vxnl_ack ack;

	for (uint32_t id = VX_RES_NR_ACCOUNTED; id <= VX_RES_MAX; id++) {
		EXPECT_EQ(-EOPNOTSUPP, vx_res_set(&self->nl, self->ctid, id, 1, 1, &ack)) {
			TH_LOG("reserved resource %u", id);
		}
		EXPECT_NE(0, ack.msg[0]) TH_LOG("id %u: no extack message", id);
	}
}

static int wait_go(void *arg)
{
	int *p = arg;
	char c;

	close(p[1]);	/* so that the test closing its end means EOF */
	return read(p[0], &c, 1) < 0;
}

TEST_F(res, limit_below_held_is_allowed)
{
	struct vxt_task t;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->ctid, &t, wait_go, p, NULL));
	EXPECT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMPROC, 0, 0, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(1U, self->t.row[VX_RES_NUMPROC].held);
	EXPECT_EQ(0U, self->t.row[VX_RES_NUMPROC].limit);
	close(p[1]);
	close(p[0]);
	EXPECT_EQ(0, vxt_reap(&t));
	EXPECT_EQ(0, vxt_wait_held(&self->nl, self->ctid, VX_RES_NUMPROC, 0, 2000));
}

/* Inside the context: one refused fork and one refused socket. */
static int fail_fork_and_socket(void *arg)
{
	pid_t p;
	int s;

	(void)arg;
	p = fork();
	if (p == 0)
		_exit(0);
	if (p > 0) {
		waitpid(p, NULL, 0);
		return 1;	/* the fork should have been refused */
	}
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s >= 0)
		return 2;
	return 0;
}

TEST_F(res, reset_clears_failcnt_and_maxheld)
{
	struct vx_res_row *proc = &self->t.row[VX_RES_NUMPROC];
	struct vx_res_row *sock = &self->t.row[VX_RES_NUMOTHERSOCK];

	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMPROC, 1, 1, NULL));
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMOTHERSOCK, 0, 0, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, fail_fork_and_socket, NULL));
	ASSERT_EQ(0, vxt_wait_held(&self->nl, self->ctid, VX_RES_NUMPROC, 0, 2000));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(1U, proc->failcnt);
	EXPECT_EQ(1U, proc->maxheld);
	EXPECT_EQ(1U, sock->failcnt);

	/* one row: only that one is reset */
	ASSERT_EQ(0, vx_res_reset(&self->nl, self->ctid, VX_RES_NUMPROC, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(0U, proc->failcnt);
	EXPECT_EQ(0U, proc->maxheld);
	EXPECT_EQ(1U, sock->failcnt);
	/* barrier and limit are not touched by a reset */
	EXPECT_EQ(1U, proc->limit);

	/* no rows: all are reset */
	ASSERT_EQ(0, vx_res_reset(&self->nl, self->ctid, -1, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	for (int i = 0; i < VX_RES_NR_ACCOUNTED; i++) {
		EXPECT_EQ(0U, self->t.row[i].failcnt);
		EXPECT_EQ(self->t.row[i].held, self->t.row[i].maxheld);
	}
}

TEST_F(res, reset_keeps_maxheld_at_held)
{
	struct vxt_task t;
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->ctid, &t, wait_go, p, NULL));
	ASSERT_EQ(0, vx_res_reset(&self->nl, self->ctid, -1, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->t, NULL));
	EXPECT_EQ(1U, self->t.row[VX_RES_NUMPROC].maxheld);
	close(p[1]);
	close(p[0]);
	EXPECT_EQ(0, vxt_reap(&t));
}

TEST_HARNESS_MAIN
