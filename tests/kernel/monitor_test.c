// SPDX-License-Identifier: GPL-2.0
/*
 * monitor_test.c - the "monitor" multicast group: ctx created, emptied
 * (last task gone) and deleted, in that order, and the first failed charge
 * of each resource (once, re-armed by res-reset).
 */
#define _GNU_SOURCE
#include <linux/genetlink.h>
#include <sys/socket.h>

#include "vxtest.h"

#define MAXEV 64

struct event {
	uint8_t cmd;
	struct vx_res_table res;	/* ctid + rows (RES_FAILED) */
};

struct evlog {
	int n;
	struct event ev[MAXEV];
};

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct evlog *log = data;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct event *e;

	if (log->n >= MAXEV)
		return MNL_CB_OK;
	e = &log->ev[log->n++];
	memset(e, 0, sizeof(*e));
	e->cmd = g->cmd;
	vx_parse_res(nlh, &e->res);
	return MNL_CB_OK;
}

FIXTURE(mon) {
	struct vxnl nl, mon;
	uint32_t ctid;
	struct evlog log;
};

FIXTURE_SETUP(mon)
{
	VXT_OPEN(&self->nl);
	VXT_OPEN(&self->mon);
	ASSERT_NE(0U, self->mon.monitor_grp) TH_LOG("no \"monitor\" group");
	ASSERT_EQ(0, vxnl_subscribe(&self->mon, self->mon.monitor_grp));
	self->ctid = vxt_new_ctid();
}

FIXTURE_TEARDOWN(mon)
{
	if (!self->nl.sk)	/* setup never got the family */
		return;
	vxt_ctx_del_wait(&self->nl, self->ctid, 5000);
	vxnl_close(&self->mon);
	vxnl_close(&self->nl);
}

/* Collect events about our ctid until @cmd arrives or @ms pass. */
static struct event *wait_event(FIXTURE_DATA(mon) *self, uint8_t cmd, int ms)
{
	struct evlog batch;

	for (; ms > 0; ms -= 50) {
		batch.n = 0;
		if (vxnl_recv_event(&self->mon, 50, ev_cb, &batch) < 0)
			return NULL;
		for (int i = 0; i < batch.n; i++) {
			if (batch.ev[i].res.ctid != self->ctid ||
			    self->log.n >= MAXEV)
				continue;
			self->log.ev[self->log.n++] = batch.ev[i];
			if (batch.ev[i].cmd == cmd)
				return &self->log.ev[self->log.n - 1];
		}
	}
	return NULL;
}

static int count(FIXTURE_DATA(mon) *self, uint8_t cmd)
{
	int n = 0;

	for (int i = 0; i < self->log.n; i++)
		n += self->log.ev[i].cmd == cmd;
	return n;
}

static int exit_now(void *arg)
{
	(void)arg;
	return 0;
}

TEST_F(mon, lifecycle_events_in_order)
{
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	ASSERT_NE(NULL, wait_event(self, VX_CMD_EVT_CTX_CREATED, 5000));

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, exit_now, NULL));
	ASSERT_NE(NULL, wait_event(self, VX_CMD_EVT_CTX_EMPTIED, 5000));

	ASSERT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 2000));
	ASSERT_NE(NULL, wait_event(self, VX_CMD_EVT_CTX_DELETED, 5000));

	EXPECT_EQ(3, self->log.n);
	EXPECT_EQ(VX_CMD_EVT_CTX_CREATED, self->log.ev[0].cmd);
	EXPECT_EQ(VX_CMD_EVT_CTX_EMPTIED, self->log.ev[1].cmd);
	EXPECT_EQ(VX_CMD_EVT_CTX_DELETED, self->log.ev[2].cmd);
}

TEST_F(mon, emptied_before_deleted_on_fast_delete)
{
	/* delete right after the exit: EMPTIED must still come first */
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, exit_now, NULL));
	ASSERT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 2000));
	ASSERT_NE(NULL, wait_event(self, VX_CMD_EVT_CTX_DELETED, 5000));
	EXPECT_EQ(1, count(self, VX_CMD_EVT_CTX_EMPTIED));
	ASSERT_GE(self->log.n, 2);
	EXPECT_EQ(VX_CMD_EVT_CTX_EMPTIED, self->log.ev[self->log.n - 2].cmd);
}

TEST_F(mon, no_events_for_failed_commands)
{
	struct evlog batch = { 0 };

	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	ASSERT_NE(NULL, wait_event(self, VX_CMD_EVT_CTX_CREATED, 5000));
	ASSERT_EQ(-EEXIST, vx_ctx_new(&self->nl, self->ctid, NULL));
	ASSERT_EQ(-ENOENT, vx_ctx_del(&self->nl, vxt_new_ctid(), NULL));
	EXPECT_EQ(0, vxnl_recv_event(&self->mon, 300, ev_cb, &batch)) {
		TH_LOG("unexpected event %u", batch.ev[0].cmd);
	}
}

static int refused_sockets(void *arg)
{
	int n = *(int *)arg, refused = 0;

	for (int i = 0; i < n; i++)
		refused += socket(AF_UNIX, SOCK_DGRAM, 0) < 0;
	return refused == n ? 0 : 1;
}

TEST_F(mon, first_failed_charge_once_then_rearmed)
{
	struct event *e;
	int three = 3, one = 1;

	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMOTHERSOCK, 0, 0, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, refused_sockets, &three));
	e = wait_event(self, VX_CMD_EVT_RES_FAILED, 5000);
	ASSERT_NE(NULL, e);
	ASSERT_EQ(1, e->res.nrows);
	EXPECT_EQ((uint32_t)VX_RES_NUMOTHERSOCK, e->res.order[0]);
	EXPECT_STREQ("numothersock", e->res.row[VX_RES_NUMOTHERSOCK].name);
	EXPECT_GE(e->res.row[VX_RES_NUMOTHERSOCK].failcnt, 1U);
	EXPECT_EQ(0U, e->res.row[VX_RES_NUMOTHERSOCK].limit);
	/* only the first failure is announced */
	ASSERT_NE(NULL, wait_event(self, VX_CMD_EVT_CTX_EMPTIED, 5000));
	wait_event(self, 0, 300);
	EXPECT_EQ(1, count(self, VX_CMD_EVT_RES_FAILED));

	/* a second run does not announce it again... */
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, refused_sockets, &one));
	wait_event(self, 0, 300);
	EXPECT_EQ(1, count(self, VX_CMD_EVT_RES_FAILED));

	/* ...until res-reset re-arms it */
	ASSERT_EQ(0, vx_res_reset(&self->nl, self->ctid, VX_RES_NUMOTHERSOCK, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, refused_sockets, &one));
	ASSERT_NE(NULL, wait_event(self, VX_CMD_EVT_RES_FAILED, 5000));
	EXPECT_EQ(2, count(self, VX_CMD_EVT_RES_FAILED));
}

static int refused_fork(void *arg)
{
	pid_t p;

	(void)arg;
	p = fork();
	if (p == 0)
		_exit(0);
	if (p > 0)
		waitpid(p, NULL, 0);
	return p < 0 ? 0 : 1;
}

TEST_F(mon, failed_charge_per_resource)
{
	struct event *e;

	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMPROC, 1, 1, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, refused_fork, NULL));
	e = wait_event(self, VX_CMD_EVT_RES_FAILED, 5000);
	ASSERT_NE(NULL, e);
	EXPECT_EQ((uint32_t)VX_RES_NUMPROC, e->res.order[0]);
	EXPECT_EQ(1U, e->res.row[VX_RES_NUMPROC].failcnt);
}

static int try_join(void *arg)
{
	struct vxnl nl;
	int err;

	(void)arg;
	if (vxt_drop_privs(true))
		return 10;
	if (vxnl_open(&nl))
		return 11;
	err = vxnl_subscribe(&nl, nl.monitor_grp);
	vxnl_close(&nl);
	return err == -EPERM ? 0 : 12;
}

TEST_F(mon, join_needs_privilege)
{
	struct vxt_task t;

	ASSERT_EQ(0, vxt_spawn(&t, try_join, NULL));
	vxt_release(&t);
	EXPECT_EQ(0, vxt_reap(&t)) TH_LOG("unprivileged join was not refused with EPERM");
}

TEST_HARNESS_MAIN
