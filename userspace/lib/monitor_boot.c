// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One boot of a CT by its monitor (monitor.h): mount VE_ROOT, open the
 * cgroups, clone init into its namespaces (or have CRIU restore it on a
 * resume), apply the limits and bring the network up before init may
 * exec, write the state file, and for --wait poll until init has booted.
 * monitor.c calls it at start and again after each reboot inside the CT,
 * and owns everything else: the wait loop, stop requests, teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "beancounter.h"
#include "checkpoint.h"
#include "cleanup.h"
#include "crashpoint.h"
#include "resources.h"
#include "mntns.h"
#include "monitor.h"
#include "proto.h"
#include "net.h"
#include "state.h"
#include "storage.h"

/* Mirrors struct clone_args (v0, 64 bytes) without pulling in
 * <linux/sched.h>, which clashes with glibc's <sched.h>. */
struct vx_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls;
};

/*
 * --wait: has init finished booting? No kernel event exists for that, so
 * this is the one place we poll. Two signs, either suffices:
 *  - the template's marker /run/booted (the busybox template's rcS writes
 *    it last; /run is a fresh tmpfs at every start, so it is never stale);
 *  - init sits in its idle-loop wait: busybox >= 1.28 waits for signals in
 *    rt_sigtimedwait, older busybox sleeps, sysvinit-like inits pause.
 *    While it runs sysinit/wait entries busybox is in wait4(-1) instead,
 *    which is why a wait for children does *not* count as booted.
 */
static bool init_booted(pid_t pid)
{
	char path[64], buf[256];
	cleanup_close int fd = -1;
	unsigned long long nr;
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%d/root/run/booted", (int)pid);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || (r = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return false;
	buf[r] = '\0';
	if (sscanf(buf, "%llu", &nr) != 1)
		return false;	/* "running" */
	return nr == SYS_rt_sigtimedwait || nr == SYS_nanosleep ||
	       nr == SYS_clock_nanosleep || nr == SYS_pause ||
	       nr == SYS_rt_sigsuspend;
}

static int wait_booted(struct monitor *m, struct vx_error **err)
{
	long long end = vx_now_ms() + m->cfg->boot_timeout * 1000LL;
	int delay = 1;

	while (!init_booted(m->init_pid)) {
		struct pollfd p = { .fd = m->init_fd, .events = POLLIN };

		/* Too slow is not dead: report it, keep the CT running
		 * (returns 1, see vx_monitor_main). */
		if (vx_now_ms() > end) {
			vx_error_set(err, VX_E_START, 0,
				     "ct %u: started, but init did not finish "
				     "booting within BOOT_TIMEOUT=%d s; it keeps "
				     "running (see `vzctl status`)",
				     m->ct->ctid, m->cfg->boot_timeout);
			return 1;
		}
		if (poll(&p, 1, delay) > 0)
			return vx_error_set(err, VX_E_START, 0,
					    "ct %u: init exited while booting; "
					    "see %s/ct/%u.console", m->ct->ctid,
					    m->g->rundir, m->ct->ctid);
		vx_mon_drain_console(m);
		if (delay < 16)
			delay *= 2;
	}
	return 0;
}

/* Kills a half-made init and prefers its own error (it failed first and
 * knows why) over ours. */
static int spawn_fail(struct monitor *m, int err_r, int ret,
		      struct vx_error **err)
{
	struct vx_error *child_err = NULL;

	kill(m->init_pid, SIGKILL);
	waitpid(m->init_pid, NULL, 0);
	close(steal_fd(m->init_fd));
	if (vx_error_recv(err_r, &child_err) < 0 && child_err &&
	    err && *err) {
		vx_error_free(*err);
		*err = child_err;
		return -(child_err->errnum ? child_err->errnum : EIO);
	}
	vx_error_free(child_err);
	return ret;
}

/* Resource limits go in before init joins the cgroups (and its kernel
 * context), so it never runs unlimited. After a reboot inside the CT the config is read again: a
 * `vzctl set --save` made meanwhile applies, as it would at a start. */
static int apply_limits(struct monitor *m, struct vx_error **err)
{
	struct vx_ct *fresh = NULL;
	int ret;

	if (m->rebooted && vx_ct_load(m->g, m->ct->ctid, &fresh, NULL) < 0)
		fresh = NULL;
	ret = vx_limits_apply(m->cg, fresh ? fresh : m->ct, NULL, err);
	/* kernel beancounters (no-op without the patchset): init enters
	 * context CTID here, before it execs */
	if (ret == 0)
		ret = vx_bc_start((fresh ? fresh : m->ct)->conf, m->ct->ctid,
				  m->init_fd, err);
	vx_ct_free(fresh);
	return ret;
}

/* The VPS's links, from the host side into init's fresh namespace, before
 * init may exec: its boot scripts find the network up. */
static int net_up(struct monitor *m, struct vx_error **err)
{
	struct vx_ct *fresh = NULL;
	long long t0 = vx_mon_now_us();
	int ret;

	if (m->rebooted && vx_ct_load(m->g, m->ct->ctid, &fresh, NULL) < 0)
		fresh = NULL;
	ret = vx_net_up(m->g, fresh ? fresh : m->ct, m->init_pid, err);
	vx_ct_free(fresh);
	if (ret > 0)
		vx_mon_log("ct %u: network up in %lld us", m->ct->ctid,
			   vx_mon_now_us() - t0);
	return ret < 0 ? ret : 0;
}

/* /etc/resolv.conf from NAMESERVER and SEARCHDOMAIN. A VPS whose /etc
 * cannot take it still boots; the log says why. */
static void net_resolv(struct monitor *m)
{
	struct vx_error *err = NULL;

	if (vx_net_resolv(m->ct->root, vx_ct_get(m->ct, "NAMESERVER", NULL),
			  vx_ct_get(m->ct, "SEARCHDOMAIN", NULL), &err) < 0) {
		vx_mon_log("ct %u: %s", m->ct->ctid, err->msg);
		vx_error_free(err);
	}
}

/*
 * Clones init, then creates the cgroups and moves init into them while
 * init builds its root file system: the two are independent, and each
 * costs a few ms (cgroup_threadgroup_rwsem makes the move wait for an RCU
 * grace period on v1). init waits for one byte on go_w before it unshares
 * the cgroup namespace and execs.
 */
static int spawn_init(struct monitor *m, struct vx_error **err)
{
	cleanup_close int err_r = -1, err_w = -1, sock_m = -1, sock_c = -1;
	cleanup_close int go_r = -1, go_w = -1, tree = -1;
	struct vx_clone_args args = { 0 };
	int pipefd[2], gofd[2], sv[2], pidfd = -1, ret;
	pid_t pid;

	/* VE_ROOT for init to enter from the seed namespace (mntns.c) */
	if (vx_mntns_seed_fd() >= 0)
		tree = open_tree(AT_FDCWD, m->cfg->root, OPEN_TREE_CLONE |
				 AT_RECURSIVE | OPEN_TREE_CLOEXEC);

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return vx_error_set(err, VX_E_RESOURCE, errno, "pipe");
	err_r = pipefd[0];
	err_w = pipefd[1];
	if (pipe2(gofd, O_CLOEXEC) < 0)
		return vx_error_set(err, VX_E_RESOURCE, errno, "pipe");
	go_r = gofd[0];
	go_w = gofd[1];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return vx_error_set(err, VX_E_RESOURCE, errno, "socketpair");
	sock_m = sv[0];
	sock_c = sv[1];
	args.flags = CLONE_PIDFD | VX_CT_NS;
	if (tree >= 0)
		args.flags &= ~(uint64_t)CLONE_NEWNS;
	args.pidfd = (uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return vx_error_set(err, errno == EINVAL ? VX_E_NOKERNEL :
				    VX_E_RESOURCE, errno,
				    "ct %u: clone init into new namespaces",
				    m->ct->ctid);
	if (pid == 0)
		vx_init_child(m->cfg, go_r, err_w, sock_c, tree);

	m->init_pid = pid;
	m->init_fd = pidfd;
	close(steal_fd(err_w));
	close(steal_fd(sock_c));
	close(steal_fd(go_r));
	close(steal_fd(tree));
	ret = vx_cgroup_create(m->cg, err);
	if (ret == 0)
		ret = apply_limits(m, err);
	if (ret == 0)
		ret = vx_cgroup_attach(m->cg, pid, err);
	if (ret == 0)
		ret = net_up(m, err);
	if (ret == 0 && write(go_w, "g", 1) != 1)
		ret = vx_error_set(err, VX_E_START, errno,
				   "ct %u: release init", m->ct->ctid);
	if (ret < 0)
		return spawn_fail(m, err_r, ret, err);
	close(steal_fd(go_w));
	/* The console comes first, then EOF (exec) or an error. A child
	 * dying early closes both, so neither read can hang. */
	m->console = vx_fd_recv(sock_m);
	ret = vx_error_recv(err_r, err);
	if (ret == 0 && m->console < 0)
		ret = vx_error_set(err, VX_E_START, 0,
				   "ct %u: init died during setup",
				   m->ct->ctid);
	if (ret < 0)
		return spawn_fail(m, err_r, ret, err);
	m->console_hold = ioctl(m->console, TIOCGPTPEER,
				O_RDWR | O_NOCTTY | O_CLOEXEC);
	fcntl(m->console, F_SETFL, O_NONBLOCK);
	return 0;
}

/* resume (checkpoint_restore.c): the CT's cgroups with the limits of the
 * config as it is now, then CRIU restores the tree into them and into a
 * new network namespace with the VPS's links, and on the patched kernel
 * into its kernel context (checkpoint_restore.c). */
static int restore_init(struct monitor *m, struct vx_error **err)
{
	int ret = vx_cgroup_create(m->cg, err);

	if (ret == 0)
		ret = vx_limits_apply(m->cg, m->ct, NULL, err);
	if (ret == 0)
		ret = vx_ckpt_restore_tree(m->g, m->ct, m->cfg, &m->init_pid,
					   &m->init_fd, &m->console, err);
	if (ret == 0)
		ret = vx_ckpt_enter_context(m->ct, m->cg, m->init_pid,
					    m->init_fd, err);
	if (ret < 0)
		return ret;
	m->console_hold = ioctl(m->console, TIOCGPTPEER,
				O_RDWR | O_NOCTTY | O_CLOEXEC);
	fcntl(m->console, F_SETFL, O_NONBLOCK);
	return 0;
}

int vx_mon_boot(struct monitor *m, struct vx_error **err)
{
	struct vx_state st = { 0 };
	int ret;

	if (vx_ct_is_mounted(m->ct)) {
		m->was_mounted = true;
	} else {
		ret = vx_ct_mount(m->g, m->ct, err);
		if (!ret)
			vx_crashpoint("start-mounted");
		if (ret < 0)
			return ret;
	}
	if (!m->cg) {
		vx_cgroup_tune(m->g);
		ret = vx_cgroup_open(m->g, m->ct->ctid, NULL, &m->cg, err);
		if (ret < 0)
			return ret;
	}
	if (m->cfg->restore && !m->rebooted) {
		ret = restore_init(m, err);
	} else {
		net_resolv(m);
		ret = spawn_init(m, err);
	}
	if (ret < 0)
		return ret;
	st.init_pid = m->init_pid;
	st.init_start = vx_proc_starttime(m->init_pid);
	st.monitor_pid = getpid();
	st.monitor_start = vx_proc_starttime(st.monitor_pid);
	st.started_at = time(NULL);
	snprintf(st.cgroup, sizeof(st.cgroup), "%s", m->cg->rel);
	ret = vx_state_write(m->g, m->ct->ctid, &st, err);
	/* --wait concerns the start the caller asked for, not reboots */
	if (ret == 0 && m->cfg->wait && !m->rebooted)
		ret = wait_booted(m, err);
	return ret;
}
