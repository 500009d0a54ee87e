// SPDX-License-Identifier: GPL-2.0
/*
 * isolation_test.c - a task in context A cannot signal, ptrace or see in
 * /proc the tasks of context B or of the host (ESRCH or EPERM), but can
 * those of its own context; the host can all of them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "vxtest.h"

enum { T_SAME, T_OTHER, T_HOST, T_INIT, T_NR };
static const char *const tname[T_NR] = {
	"same context", "other context", "host task", "host init",
};

struct probe {
	pid_t pid[T_NR];
	int kill_err[T_NR];	/* kill(pid, 0) */
	int kill9_err[T_NR];	/* kill(pid, SIGKILL) (not for T_SAME/T_INIT) */
	int ptrace_err[T_NR];	/* PTRACE_SEIZE + detach */
	int stat_err[T_NR];	/* stat("/proc/PID") */
	int pidfd_err[T_NR];	/* pidfd_open + pidfd_send_signal(0) */
	bool listed[T_NR];	/* PID in readdir(/proc) */
};

static struct probe *P;

static int err_of(int r)
{
	return r < 0 ? errno : 0;
}

static void probe_one(int i, bool try_kill)
{
	char path[64];
	struct stat st;
	pid_t pid = P->pid[i];
	int fd;

	P->kill_err[i] = err_of(kill(pid, 0));
	P->kill9_err[i] = try_kill && (i == T_OTHER || i == T_HOST) ?
			  err_of(kill(pid, SIGKILL)) : -1;
	P->ptrace_err[i] = err_of(ptrace(PTRACE_SEIZE, pid, 0, 0));
	if (!P->ptrace_err[i]) {
		/* detaching needs a stopped tracee: interrupt, wait, detach */
		ptrace(PTRACE_INTERRUPT, pid, 0, 0);
		waitpid(pid, NULL, __WALL);
		ptrace(PTRACE_DETACH, pid, 0, 0);
	}
	snprintf(path, sizeof(path), "/proc/%d", pid);
	P->stat_err[i] = err_of(stat(path, &st));
	/* a pidfd may be had, but signalling through it must fail too */
	fd = syscall(SYS_pidfd_open, pid, 0);
	P->pidfd_err[i] = err_of(fd);
	if (fd >= 0) {
		P->pidfd_err[i] = err_of(syscall(SYS_pidfd_send_signal, fd, 0,
						 NULL, 0));
		close(fd);
	}
}

static void list_proc(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		pid_t pid = atoi(de->d_name);

		for (int i = 0; i < T_NR; i++)
			if (pid && pid == P->pid[i])
				P->listed[i] = true;
	}
	closedir(d);
}

/* @arg non-NULL: also try to SIGKILL the tasks that must be protected. */
static int prober(void *arg)
{
	for (int i = 0; i < T_NR; i++)
		probe_one(i, arg != NULL);
	list_proc();
	return 0;
}

FIXTURE(iso) {
	struct vxnl nl;
	uint32_t a, b;
	struct vxt_task same, other, host;
	int p[2];
};

FIXTURE_SETUP(iso)
{
	VXT_OPEN(&self->nl);
	self->a = vxt_new_ctid();
	self->b = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->a, NULL));
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->b, NULL));
	P = vxt_shared(sizeof(*P));
	ASSERT_NE(NULL, P);
	ASSERT_EQ(0, pipe(self->p));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->a, &self->same, vxt_idle, self->p, NULL));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->b, &self->other, vxt_idle, self->p, NULL));
	ASSERT_EQ(0, vxt_spawn(&self->host, vxt_idle, self->p));
	vxt_release(&self->host);
	P->pid[T_SAME] = self->same.pid;
	P->pid[T_OTHER] = self->other.pid;
	P->pid[T_HOST] = self->host.pid;
	P->pid[T_INIT] = 1;
}

FIXTURE_TEARDOWN(iso)
{
	if (!self->nl.sk)	/* setup never got the family */
		return;
	close(self->p[0]);
	close(self->p[1]);
	/* all three must still be alive: nobody may have killed them */
	EXPECT_EQ(0, vxt_reap(&self->same));
	EXPECT_EQ(0, vxt_reap(&self->other));
	EXPECT_EQ(0, vxt_reap(&self->host));
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->a, 5000));
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->b, 5000));
	vxnl_close(&self->nl);
}

#define EXPECT_HIDDEN(e, what, i) EXPECT_TRUE((e) == ESRCH || (e) == EPERM || \
					      (e) == ENOENT) {		\
	TH_LOG("%s of %s (pid %d): %s", what, tname[i], P->pid[i],	\
	       (e) ? strerror(e) : "allowed");				\
}

TEST_F(iso, context_sees_only_itself)
{
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, prober, "kill"));

	EXPECT_EQ(0, P->kill_err[T_SAME]);
	EXPECT_EQ(0, P->ptrace_err[T_SAME]) TH_LOG("%s", strerror(P->ptrace_err[T_SAME]));
	EXPECT_EQ(0, P->stat_err[T_SAME]);
	EXPECT_EQ(0, P->pidfd_err[T_SAME]);
	EXPECT_TRUE(P->listed[T_SAME]);

	for (int i = T_OTHER; i < T_NR; i++) {
		EXPECT_HIDDEN(P->kill_err[i], "kill(0)", i);
		EXPECT_HIDDEN(P->ptrace_err[i], "PTRACE_SEIZE", i);
		EXPECT_HIDDEN(P->stat_err[i], "stat /proc/PID", i);
		EXPECT_HIDDEN(P->pidfd_err[i], "pidfd_send_signal", i);
		EXPECT_FALSE(P->listed[i]) TH_LOG("%s listed in /proc", tname[i]);
	}
	EXPECT_HIDDEN(P->kill9_err[T_OTHER], "kill(SIGKILL)", T_OTHER);
	EXPECT_HIDDEN(P->kill9_err[T_HOST], "kill(SIGKILL)", T_HOST);
}

TEST_F(iso, host_sees_every_context)
{
	prober(NULL);	/* on the host itself, without SIGKILL */
	for (int i = 0; i < T_NR; i++) {
		EXPECT_EQ(0, P->kill_err[i]) TH_LOG("kill %s", tname[i]);
		EXPECT_EQ(0, P->stat_err[i]) TH_LOG("stat %s", tname[i]);
		EXPECT_EQ(0, P->pidfd_err[i]) TH_LOG("pidfd %s", tname[i]);
		EXPECT_TRUE(P->listed[i]) TH_LOG("%s not listed", tname[i]);
		if (i != T_INIT)
			EXPECT_EQ(0, P->ptrace_err[i]) TH_LOG("ptrace %s: %s",
				tname[i], strerror(P->ptrace_err[i]));
	}
	/* host really can signal into a context: stop and continue one */
	EXPECT_EQ(0, kill(self->other.pid, SIGSTOP));
	EXPECT_EQ(0, kill(self->other.pid, SIGCONT));
}

TEST_HARNESS_MAIN
