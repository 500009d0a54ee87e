// SPDX-License-Identifier: GPL-2.0
/*
 * perm_test.c - who may talk to the family.  Every command must be refused
 * with EPERM (and an extack message) for: an unprivileged user, root with
 * its capabilities dropped, root with CAP_NET_ADMIN but not CAP_SYS_ADMIN,
 * a task inside a context (whatever socket it uses), and a caller in
 * another network namespace (there the family may also simply not exist).
 * Joining the "monitor" group needs CAP_SYS_ADMIN too.  A refused command
 * must change nothing.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include "vxtest.h"

enum { C_NEW, C_DEL, C_GET, C_DUMP, C_ENTER, C_RGET, C_RSET, C_RRESET, C_NR };
static const char *const cmd_names[C_NR] = {
	"ctx-new", "ctx-del", "ctx-get", "ctx-get dump", "ctx-enter",
	"res-get", "res-set", "res-reset",
};

struct outcome {
	int open_err;		/* vxnl_open() result in the caller */
	int err[C_NR];
	char msg[C_NR][256];
	int join_err;		/* joining "monitor" */
};

static struct outcome *O;

/* Issue every command as the current (restricted) task. */
static void try_all(struct vxnl *nl, uint32_t ctid, uint32_t fresh)
{
	static struct vx_ctx_info list[16];
	struct vx_res_table t;
	struct vx_ctx_info info;
	struct vxnl_ack ack;
	int n;

#define TRY(i, call) do {						\
		memset(&ack, 0, sizeof(ack));				\
		O->err[i] = (call);					\
		snprintf(O->msg[i], sizeof(O->msg[i]), "%s", ack.msg);	\
	} while (0)
	TRY(C_NEW, vx_ctx_new(nl, fresh, &ack));
	TRY(C_DEL, vx_ctx_del(nl, ctid, &ack));
	TRY(C_GET, vx_ctx_get(nl, ctid, &info, &ack));
	TRY(C_DUMP, vx_ctx_dump(nl, list, 16, &n, &ack));
	TRY(C_ENTER, vx_ctx_enter(nl, ctid, getpid(), &ack));
	TRY(C_RGET, vx_res_get(nl, ctid, &t, &ack));
	TRY(C_RSET, vx_res_set(nl, ctid, VX_RES_NUMFILE, 1, 1, &ack));
	TRY(C_RRESET, vx_res_reset(nl, ctid, -1, &ack));
#undef TRY
	O->join_err = vxnl_subscribe(nl, nl->monitor_grp);
}

FIXTURE(perm) {
	struct vxnl nl;
	uint32_t ctid, fresh;
};

FIXTURE_SETUP(perm)
{
	VXT_OPEN(&self->nl);
	self->ctid = vxt_new_ctid();
	self->fresh = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	O = vxt_shared(sizeof(*O));
	ASSERT_NE(NULL, O);
}

FIXTURE_TEARDOWN(perm)
{
	if (!self->nl.sk)	/* setup never got the family */
		return;
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 5000));
	vxnl_close(&self->nl);
}

/* Every command refused with EPERM + message, and nothing changed. */
static void check_refused(struct vxt_meta *_metadata,
			  FIXTURE_DATA(perm) *self, bool join_refused)
{
	struct vx_ctx_info info;
	struct vx_res_table t;

	for (int i = 0; i < C_NR; i++) {
		EXPECT_EQ(-EPERM, O->err[i]) {
			TH_LOG("%s: got %s", cmd_names[i], strerror(-O->err[i]));
		}
		EXPECT_NE(0, O->msg[i][0]) {
			TH_LOG("%s: EPERM without an extack message", cmd_names[i]);
		}
	}
	if (join_refused)
		EXPECT_EQ(-EPERM, O->join_err) TH_LOG("joined monitor: %d", O->join_err);

	EXPECT_EQ(-ENOENT, vx_ctx_get(&self->nl, self->fresh, &info, NULL));
	ASSERT_EQ(0, vx_ctx_get(&self->nl, self->ctid, &info, NULL));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &t, NULL));
	EXPECT_EQ(UNLIMITED, t.row[VX_RES_NUMFILE].limit);
}

struct restrict_how {
	FIXTURE_DATA(perm) *self;
	bool nobody;
	uint32_t keep_caps;	/* capabilities kept (low word) */
};

static int restricted(void *arg)
{
	struct restrict_how *how = arg;
	struct vxnl nl;
	int err;

	if (how->nobody) {
		err = vxt_drop_privs(true);
	} else {
		struct __user_cap_header_struct hdr = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct d[2] = {
			{ .effective = how->keep_caps, .permitted = how->keep_caps },
		};

		err = syscall(SYS_capset, &hdr, d) < 0 ? -errno : 0;
	}
	if (err)
		return 10;
	O->open_err = vxnl_open(&nl);
	if (O->open_err)
		return 11;
	try_all(&nl, how->self->ctid, how->self->fresh);
	vxnl_close(&nl);
	return 0;
}

static void run_restricted(struct vxt_meta *_metadata,
			   FIXTURE_DATA(perm) *self, bool nobody, uint32_t caps)
{
	struct restrict_how how = { self, nobody, caps };
	struct vxt_task t;

	ASSERT_EQ(0, vxt_spawn(&t, restricted, &how));
	vxt_release(&t);
	ASSERT_EQ(0, vxt_reap(&t)) TH_LOG("open: %s", strerror(-O->open_err));
}

TEST_F(perm, unprivileged_user)
{
	run_restricted(_metadata, self, true, 0);
	check_refused(_metadata, self, true);
}

TEST_F(perm, root_without_capabilities)
{
	run_restricted(_metadata, self, false, 0);
	check_refused(_metadata, self, true);
}

TEST_F(perm, root_with_net_admin_only)
{
	run_restricted(_metadata, self, false, 1U << CAP_NET_ADMIN);
	check_refused(_metadata, self, true);
}

TEST_F(perm, root_with_sys_admin_only)
{
	/* the header asks for both; SYS_ADMIN alone must not be enough */
	run_restricted(_metadata, self, false, 1U << CAP_SYS_ADMIN);
	check_refused(_metadata, self, false);
}

/* Inside a context, through a socket opened there. */
static int inside_new_socket(void *arg)
{
	FIXTURE_DATA(perm) *self = arg;
	struct vxnl nl;

	O->open_err = vxnl_open(&nl);
	if (O->open_err)
		return 11;
	try_all(&nl, self->ctid, self->fresh);
	vxnl_close(&nl);
	return 0;
}

TEST_F(perm, inside_context_new_socket)
{
	uint32_t other = vxt_new_ctid();

	/* target context of the commands is another one */
	ASSERT_EQ(0, vx_ctx_new(&self->nl, other, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, other, inside_new_socket, self))
		TH_LOG("open: %s", strerror(-O->open_err));
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, other, 2000));
	check_refused(_metadata, self, false);
}

/* Inside a context, through a socket it had opened on the host. */
static struct vxnl host_sock;

static int inside_old_socket(void *arg)
{
	FIXTURE_DATA(perm) *self = arg;

	try_all(&host_sock, self->ctid, self->fresh);
	return 0;
}

TEST_F(perm, inside_context_host_socket)
{
	uint32_t other = vxt_new_ctid();

	ASSERT_EQ(0, vx_ctx_new(&self->nl, other, NULL));
	ASSERT_EQ(0, vxnl_open(&host_sock));
	ASSERT_EQ(0, vxt_run_in(&self->nl, other, inside_old_socket, self));
	vxnl_close(&host_sock);
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, other, 2000));
	check_refused(_metadata, self, false);
}

/* Inside its own context, too: it cannot even read its own counters. */
TEST_F(perm, inside_same_context)
{
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, inside_new_socket, self))
		TH_LOG("open: %s", strerror(-O->open_err));
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 2000));
	check_refused(_metadata, self, false);
}

static int other_netns(void *arg)
{
	FIXTURE_DATA(perm) *self = arg;
	struct vxnl nl;

	if (unshare(CLONE_NEWNET) < 0)
		return 10;
	O->open_err = vxnl_open(&nl);
	if (O->open_err)
		return 0;	/* family not visible there: refused too */
	try_all(&nl, self->ctid, self->fresh);
	vxnl_close(&nl);
	return 0;
}

TEST_F(perm, other_network_namespace)
{
	struct vxt_task t;

	ASSERT_EQ(0, vxt_spawn(&t, other_netns, self));
	vxt_release(&t);
	ASSERT_EQ(0, vxt_reap(&t)) TH_LOG("unshare(CLONE_NEWNET) failed");
	if (O->open_err) {
		EXPECT_EQ(-ENOENT, O->open_err);
		TH_LOG("family not registered in a new netns (%s)",
		       strerror(-O->open_err));
		return;
	}
	/* joining "monitor" there is harmless: events go to init_net only */
	check_refused(_metadata, self, false);
}

TEST_HARNESS_MAIN
