// SPDX-License-Identifier: GPL-2.0
/*
 * vxtest.c - helpers shared by the kernel tests (see vxtest.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "vxtest.h"

uint32_t vxt_new_ctid(void)
{
	static uint32_t seq;

	/* pids are < 2^22; 256 ctids per test process is plenty. */
	return 1000 + ((uint32_t)getpid() << 8) % 0x7f000000U + (seq++ & 0xff);
}

void *vxt_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void vxt_msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int vxt_spawn(struct vxt_task *t, vxt_fn fn, void *arg)
{
	int p[2];
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	t->pid = fork();
	if (t->pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (t->pid == 0) {
		close(p[1]);
		/* Die with the test if it goes away before releasing us. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (read(p[0], &c, 1) != 1)
			_exit(125);
		close(p[0]);
		fflush(stderr);
		_exit(fn(arg));
	}
	close(p[0]);
	t->go = p[1];
	return 0;
}

void vxt_release(struct vxt_task *t)
{
	if (t->go >= 0) {
		if (write(t->go, "g", 1) != 1)
			kill(t->pid, SIGKILL);
		close(t->go);
		t->go = -1;
	}
}

int vxt_reap(struct vxt_task *t)
{
	int status;

	if (t->go >= 0) {	/* never released: it only waits, kill it */
		kill(t->pid, SIGKILL);
		close(t->go);
		t->go = -1;
	}
	if (t->pid <= 0)
		return -ECHILD;
	while (waitpid(t->pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	t->pid = 0;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int vxt_spawn_in(struct vxnl *h, uint32_t ctid, struct vxt_task *t,
		 vxt_fn fn, void *arg, struct vxnl_ack *ack)
{
	int err = vxt_spawn(t, fn, arg);

	if (err)
		return err;
	err = vx_ctx_enter(h, ctid, t->pid, ack);
	if (err) {
		vxt_reap(t);
		return err;
	}
	vxt_release(t);
	return 0;
}

int vxt_run_in(struct vxnl *h, uint32_t ctid, vxt_fn fn, void *arg)
{
	struct vxt_task t;
	struct vxnl_ack ack;
	int err = vxt_spawn_in(h, ctid, &t, fn, arg, &ack);

	if (err) {
		fprintf(stderr, "# ctx-enter %u: %s (%s)\n", ctid,
			strerror(-err), ack.msg);
		return err;
	}
	return vxt_reap(&t);
}

int vxt_ctx_del_wait(struct vxnl *h, uint32_t ctid, int timeout_ms)
{
	struct vxnl_ack ack;
	int err;

	for (;;) {
		err = vx_ctx_del(h, ctid, &ack);
		if (err != -EBUSY || timeout_ms <= 0)
			return err;
		vxt_msleep(10);
		timeout_ms -= 10;
	}
}

int vxt_wait_nr_tasks(struct vxnl *h, uint32_t ctid, uint32_t n,
		      int timeout_ms)
{
	struct vx_ctx_info info;

	for (;;) {
		int err = vx_ctx_get(h, ctid, &info, NULL);

		if (err)
			return err;
		if (info.nr_tasks == n || timeout_ms <= 0)
			return info.nr_tasks;
		vxt_msleep(10);
		timeout_ms -= 10;
	}
}

int64_t vxt_held(struct vxnl *h, uint32_t ctid, uint32_t res)
{
	static struct vx_res_table t;

	if (vx_res_get(h, ctid, &t, NULL) || !t.row[res].present)
		return -1;
	return (int64_t)t.row[res].held;
}

int64_t vxt_wait_held(struct vxnl *h, uint32_t ctid, uint32_t res,
		      int64_t want, int timeout_ms)
{
	for (;;) {
		int64_t v = vxt_held(h, ctid, res);

		if (v == want || v < 0 || timeout_ms <= 0)
			return v;
		vxt_msleep(10);
		timeout_ms -= 10;
	}
}

int vxt_drop_privs(bool setuid_nobody)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };

	if (setuid_nobody) {
		if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
		    setresuid(65534, 65534, 65534) < 0)
			return -errno;
	}
	/* Clear bounding-set-independent sets: effective, permitted, inheritable. */
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

int vxt_idle(void *arg)
{
	int *p = arg;
	char c;

	close(p[1]);
	return read(p[0], &c, 1) < 0;
}

int vxt_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

int vxt_loopfs_dirs(struct vxt_loopfs *fs, const char *tmpl)
{
	memset(fs, 0, sizeof(*fs));
	snprintf(fs->tmp, sizeof(fs->tmp), "%s", tmpl);
	if (!mkdtemp(fs->tmp)) {
		fs->tmp[0] = '\0';
		return -errno;
	}
	snprintf(fs->img, sizeof(fs->img), "%s/img", fs->tmp);
	snprintf(fs->mnt, sizeof(fs->mnt), "%s/mnt", fs->tmp);
	return mkdir(fs->mnt, 0755) < 0 ? -errno : 0;
}

int vxt_loopfs_remove(struct vxt_loopfs *fs)
{
	int ret = 0;

	if (fs->mounted)
		ret = vxt_sh("umount %s", fs->mnt);
	fs->mounted = false;
	if (fs->tmp[0])
		vxt_sh("rm -rf %s", fs->tmp);
	return ret;
}
