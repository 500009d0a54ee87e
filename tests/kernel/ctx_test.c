// SPDX-License-Identifier: GPL-2.0
/*
 * ctx_test.c - the context commands: ctx-new, ctx-del, ctx-get (do and
 * dump) and ctx-enter (by pid and by pidfd), their success paths and the
 * errors the UAPI header documents for each.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>

#include "vxtest.h"

FIXTURE(ctx) {
	struct vxnl nl;
	uint32_t ctid;
};

FIXTURE_SETUP(ctx)
{
	VXT_OPEN(&self->nl);
	self->ctid = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
}

FIXTURE_TEARDOWN(ctx)
{
	if (!self->nl.sk)	/* setup never got the family */
		return;
	int err = vxt_ctx_del_wait(&self->nl, self->ctid, 5000);

	EXPECT_TRUE(err == 0 || err == -ENOENT) {
		TH_LOG("ctx-del %u in teardown: %s", self->ctid, strerror(-err));
	}
	vxnl_close(&self->nl);
}

static int wait_forever(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

static int exit_zero(void *arg)
{
	(void)arg;
	return 0;
}

TEST_F(ctx, new_then_get)
{
	struct vx_ctx_info info;

	ASSERT_EQ(0, vx_ctx_get(&self->nl, self->ctid, &info, NULL));
	EXPECT_TRUE(info.has_ctid);
	EXPECT_EQ(self->ctid, info.ctid);
	EXPECT_TRUE(info.has_nr_tasks);
	EXPECT_EQ(0U, info.nr_tasks);
}

TEST_F(ctx, new_twice_is_eexist)
{
	struct vxnl_ack ack;

	ASSERT_EQ(-EEXIST, vx_ctx_new(&self->nl, self->ctid, &ack));
	ASSERT_EXTACK(&ack);
}

TEST_F(ctx, del_then_unknown)
{
	struct vx_ctx_info info;
	struct vxnl_ack ack;

	ASSERT_EQ(0, vx_ctx_del(&self->nl, self->ctid, NULL));
	ASSERT_EQ(-ENOENT, vx_ctx_get(&self->nl, self->ctid, &info, &ack));
	ASSERT_EXTACK(&ack);
	ASSERT_EQ(-ENOENT, vx_ctx_del(&self->nl, self->ctid, &ack));
	ASSERT_EXTACK(&ack);
	ASSERT_EQ(-ENOENT, vx_res_get(&self->nl, self->ctid,
				      &(struct vx_res_table){ 0 }, &ack));
	ASSERT_EXTACK(&ack);
}

TEST_F(ctx, ctid_reusable_after_del)
{
	ASSERT_EQ(0, vx_ctx_del(&self->nl, self->ctid, NULL));
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
}

TEST_F(ctx, dump_lists_all_ascending)
{
	static struct vx_ctx_info list[4096];
	uint32_t extra[2] = { vxt_new_ctid(), vxt_new_ctid() };
	int n = 0, found = 0;

	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, vx_ctx_new(&self->nl, extra[i], NULL));
	EXPECT_EQ(0, vx_ctx_dump(&self->nl, list, 4096, &n, NULL));
	EXPECT_GE(n, 3);
	for (int i = 0; i < n && i < 4096; i++) {
		EXPECT_TRUE(list[i].has_ctid && list[i].has_nr_tasks);
		if (i)
			EXPECT_LT(list[i - 1].ctid, list[i].ctid);
		found += list[i].ctid == self->ctid || list[i].ctid == extra[0] ||
			 list[i].ctid == extra[1];
	}
	EXPECT_EQ(3, found);
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, vx_ctx_del(&self->nl, extra[i], NULL));
}

TEST_F(ctx, enter_by_pid_and_inherit_on_fork)
{
	struct vxt_task t;
	struct vx_ctx_info info;

	ASSERT_EQ(0, vxt_spawn(&t, exit_zero, NULL));
	ASSERT_EQ(0, vx_ctx_enter(&self->nl, self->ctid, t.pid, NULL));
	ASSERT_EQ(0, vx_ctx_get(&self->nl, self->ctid, &info, NULL));
	EXPECT_EQ(1U, info.nr_tasks);
	EXPECT_EQ(1, vxt_held(&self->nl, self->ctid, VX_RES_NUMPROC));
	vxt_release(&t);
	EXPECT_EQ(0, vxt_reap(&t));
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 2000));
	EXPECT_EQ(0, vxt_held(&self->nl, self->ctid, VX_RES_NUMPROC));
}

static int fork_two_and_wait(void *arg)
{
	int *go = arg;	/* pipe: children block reading it */

	for (int i = 0; i < 2; i++) {
		pid_t p = fork();

		if (p < 0)
			return 1;
		if (p == 0) {
			char c;

			close(go[1]);
			_exit(read(go[0], &c, 1) < 0);
		}
	}
	close(go[0]);
	close(go[1]);
	while (wait(NULL) > 0)
		;
	return 0;
}

TEST_F(ctx, children_inherit_context)
{
	struct vxt_task t;
	int go[2];

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->ctid, &t,
				  fork_two_and_wait, go, NULL));
	close(go[0]);
	/* helper + two children, all in the context */
	EXPECT_EQ(3, vxt_wait_nr_tasks(&self->nl, self->ctid, 3, 2000));
	EXPECT_EQ(3, vxt_held(&self->nl, self->ctid, VX_RES_NUMPROC));
	close(go[1]);
	EXPECT_EQ(0, vxt_reap(&t));
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 2000));
	EXPECT_EQ(0, vxt_wait_held(&self->nl, self->ctid, VX_RES_NUMPROC, 0, 2000));
}

TEST_F(ctx, enter_by_pidfd)
{
	struct vxt_task t;
	struct vx_ctx_info info;
	struct vxnl_ack ack;
	int pidfd;

	ASSERT_EQ(0, vxt_spawn(&t, exit_zero, NULL));
	pidfd = syscall(SYS_pidfd_open, t.pid, 0);
	ASSERT_GE(pidfd, 0) TH_LOG("pidfd_open: %m");
	EXPECT_EQ(0, vx_ctx_enter_pidfd(&self->nl, self->ctid, pidfd, &ack)) {
		TH_LOG("extack: %s", ack.msg);
	}
	ASSERT_EQ(0, vx_ctx_get(&self->nl, self->ctid, &info, NULL));
	EXPECT_EQ(1U, info.nr_tasks);
	vxt_release(&t);
	EXPECT_EQ(0, vxt_reap(&t));
	close(pidfd);
}

/* The usual pattern: a host child enters itself, then runs the VPS. */
static int enter_self(void *arg)
{
	uint32_t ctid = *(uint32_t *)arg;
	struct vxnl nl;
	struct vxnl_ack ack;
	int err = vxnl_open(&nl);

	if (err)
		return 10;
	err = vx_ctx_enter(&nl, ctid, getpid(), &ack);
	if (err) {
		fprintf(stderr, "# enter self: %s (%s)\n", strerror(-err), ack.msg);
		return 11;
	}
	return 0;
}

TEST_F(ctx, enter_self)
{
	struct vxt_task t;

	ASSERT_EQ(0, vxt_spawn(&t, enter_self, &self->ctid));
	vxt_release(&t);
	EXPECT_EQ(0, vxt_reap(&t));
	/* it was counted while alive: maxheld remembers it */
	struct vx_res_table tab;

	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &tab, NULL));
	EXPECT_EQ(1U, tab.row[VX_RES_NUMPROC].maxheld);
}

static void *thread_pause(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static int threads_then_wait(void *arg)
{
	(void)arg;
	pause();
	return 0;
}

TEST_F(ctx, enter_moves_every_thread)
{
	struct vx_ctx_info info;
	int ready[2], go[2];
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		pthread_t th;

		for (int i = 0; i < 2; i++)
			if (pthread_create(&th, NULL, thread_pause, NULL))
				_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		_exit(threads_then_wait(NULL));
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, vx_ctx_enter(&self->nl, self->ctid, pid, NULL));
	ASSERT_EQ(0, vx_ctx_get(&self->nl, self->ctid, &info, NULL));
	EXPECT_EQ(3U, info.nr_tasks);
	EXPECT_EQ(3, vxt_held(&self->nl, self->ctid, VX_RES_NUMPROC));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 2000));
	EXPECT_EQ(0, vxt_wait_held(&self->nl, self->ctid, VX_RES_NUMPROC, 0, 2000));
	close(go[0]);
	close(go[1]);
}

TEST_F(ctx, del_busy_while_tasks)
{
	struct vxt_task t;
	struct vxnl_ack ack;

	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->ctid, &t, wait_forever,
				  NULL, NULL));
	EXPECT_EQ(-EBUSY, vx_ctx_del(&self->nl, self->ctid, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("no extack message for EBUSY");
	kill(t.pid, SIGKILL);
	vxt_reap(&t);
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 2000));
}

TEST_F(ctx, enter_unknown_ctid)
{
	struct vxt_task t;
	struct vxnl_ack ack;

	ASSERT_EQ(0, vx_ctx_del(&self->nl, self->ctid, NULL));
	ASSERT_EQ(0, vxt_spawn(&t, exit_zero, NULL));
	EXPECT_EQ(-ENOENT, vx_ctx_enter(&self->nl, self->ctid, t.pid, &ack));
	vxt_reap(&t);
	ASSERT_EXTACK(&ack);
}

TEST_F(ctx, enter_no_such_pid)
{
	struct vxt_task t;
	struct vxnl_ack ack;
	pid_t gone;

	ASSERT_EQ(0, vxt_spawn(&t, exit_zero, NULL));
	gone = t.pid;
	vxt_reap(&t);
	ASSERT_EQ(-ESRCH, vx_ctx_enter(&self->nl, self->ctid, gone, &ack));
	ASSERT_EXTACK(&ack);
}

TEST_F(ctx, enter_needs_exactly_one_of_pid_pidfd)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct vxnl_ack ack;
	struct vxt_task t;
	int pidfd;

	ASSERT_EQ(0, vxt_spawn(&t, exit_zero, NULL));
	pidfd = syscall(SYS_pidfd_open, t.pid, 0);
	ASSERT_GE(pidfd, 0);

	nlh = vxnl_msg(&self->nl, buf, VX_CMD_CTX_ENTER, 0);
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	mnl_attr_put_u32(nlh, VX_A_PID, t.pid);
	mnl_attr_put_u32(nlh, VX_A_PIDFD, pidfd);
	EXPECT_EQ(-EINVAL, vxnl_xfer(&self->nl, nlh, NULL, NULL, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("both: no extack message");

	nlh = vxnl_msg(&self->nl, buf, VX_CMD_CTX_ENTER, 0);
	mnl_attr_put_u32(nlh, VX_A_CTID, self->ctid);
	EXPECT_EQ(-EINVAL, vxnl_xfer(&self->nl, nlh, NULL, NULL, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("neither: no extack message");

	vxt_reap(&t);
	close(pidfd);
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 0));
}

TEST_F(ctx, enter_host_init_or_kthread_refused)
{
	struct vxnl_ack ack;

	EXPECT_EQ(-EPERM, vx_ctx_enter(&self->nl, self->ctid, 1, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("init: no extack message");
	/* pid 2 is kthreadd */
	EXPECT_EQ(-EINVAL, vx_ctx_enter(&self->nl, self->ctid, 2, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("kthreadd: no extack message");
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 0));
}

TEST_F(ctx, enter_twice_refused)
{
	uint32_t other = vxt_new_ctid();
	struct vxnl_ack ack;
	struct vxt_task t;

	ASSERT_EQ(0, vx_ctx_new(&self->nl, other, NULL));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->ctid, &t, wait_forever,
				  NULL, NULL));
	EXPECT_EQ(-EPERM, vx_ctx_enter(&self->nl, self->ctid, t.pid, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("same ctx: no extack message");
	EXPECT_EQ(-EPERM, vx_ctx_enter(&self->nl, other, t.pid, &ack));
	EXPECT_NE(0, ack.msg[0]) TH_LOG("other ctx: no extack message");
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, other, 0, 0));
	kill(t.pid, SIGKILL);
	vxt_reap(&t);
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, other, 2000));
}

TEST_F(ctx, enter_over_numproc_limit)
{
	struct vxnl_ack ack;
	struct vxt_task t;

	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMPROC, 0, 0, NULL));
	ASSERT_EQ(0, vxt_spawn(&t, exit_zero, NULL));
	EXPECT_EQ(-EAGAIN, vx_ctx_enter(&self->nl, self->ctid, t.pid, &ack));
	vxt_release(&t);
	EXPECT_EQ(0, vxt_reap(&t));
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 0));
	EXPECT_EQ(0, vxt_held(&self->nl, self->ctid, VX_RES_NUMPROC));
}

TEST_HARNESS_MAIN
