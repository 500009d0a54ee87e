// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The per-CT monitor: parent of the CT's init, owner of its console, and
 * the only process that tears the CT down.
 *
 * Life cycle: boot() (mount, cgroups, clone init, state file) -> report
 * "OK pid" or the error to vx_ct_start() over report_fd -> wait: a poll on
 * the init pidfd, a signalfd and the console master. Stop requests arrive
 * as signals to the monitor (SIGTERM graceful, SIGUSR1 fast) so that a stop
 * and a reboot inside the CT can never race: once stopping is set, init's
 * death is never taken for a reboot.
 * init killed by SIGHUP (reboot(2) in the pid namespace) and no stop in
 * progress -> clean the cgroups and boot again, same monitor, under the CT
 * lock; anything else -> full teardown (cgroups, umount, state file), exit.
 * The monitor holds no fd of vxd, so CTs outlive vxd.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "beancounter.h"
#include "checkpoint.h"
#include "cleanup.h"
#include "crashpoint.h"
#include "resources.h"
#include "lock.h"
#include "mntns.h"
#include "net.h"
#include "runtime.h"
#include "state.h"
#include "storage.h"

#define CONSOLE_MAX (1 << 20)	/* console log is truncated beyond 1 MiB */

struct monitor {
	const struct vx_global *g;
	struct vx_ct *ct;
	const struct vx_run_cfg *cfg;
	struct vx_cgroup *cg;
	int report_fd;		/* to vx_ct_start(); -1 once reported */
	int sig_fd;
	int init_fd;		/* pidfd of init */
	pid_t init_pid;
	int console;		/* pty master */
	int console_hold;	/* our own slave: the master never sees HUP */
	int console_log;
	bool stopping;
	bool rebooted;		/* at least one reboot inside the CT */
	bool was_mounted;	/* mounted before we started: failed start
				 * leaves it mounted */
	long long deadline;	/* ms: SIGKILL init then (graceful stop) */
};

long long vx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

void vx_mon_log(const char *fmt, ...)
{
	char buf[1024];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	int n;

	gmtime_r(&now, &tm);
	n = (int)strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

static int recv_fd(int sock)
{
	char dummy;
	struct iovec iov = { .iov_base = &dummy, .iov_len = 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Mirrors struct clone_args (v0, 64 bytes) without pulling in
 * <linux/sched.h>, which clashes with glibc's <sched.h>. */
struct vx_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack,
		 stack_size, tls;
};

static void drain_console(struct monitor *m)
{
	char buf[16384];
	ssize_t r;

	while (m->console >= 0 &&
	       (r = read(m->console, buf, sizeof(buf))) > 0) {
		struct stat st;

		if (m->console_log < 0)
			continue;
		if (fstat(m->console_log, &st) == 0 && st.st_size > CONSOLE_MAX)
			if (ftruncate(m->console_log, 0) < 0)
				continue;
		if (write(m->console_log, buf, r) < 0)
			continue;
	}
}

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
		drain_console(m);
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
	long long t0 = now_us();
	int ret;

	if (m->rebooted && vx_ct_load(m->g, m->ct->ctid, &fresh, NULL) < 0)
		fresh = NULL;
	ret = vx_net_up(m->g, fresh ? fresh : m->ct, m->init_pid, err);
	vx_ct_free(fresh);
	if (ret > 0)
		vx_mon_log("ct %u: network up in %lld us", m->ct->ctid,
			   now_us() - t0);
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
	m->console = recv_fd(sock_m);
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

static int boot(struct monitor *m, struct vx_error **err)
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

/* Undoes boot(). full: also umount (unless keep_mount) and remove the
 * state file. */
static void teardown(struct monitor *m, bool full, bool keep_mount)
{
	struct vx_error *err = NULL;
	long long t0;
	int ret;

	drain_console(m);
	if (m->init_fd >= 0) {
		/* boot failed half-way, or we are exiting: make sure */
		syscall(SYS_pidfd_send_signal, m->init_fd, SIGKILL, NULL, 0);
		waitid(P_PIDFD, m->init_fd, NULL, WEXITED);
		close(steal_fd(m->init_fd));
	}
	if (m->console >= 0)
		close(steal_fd(m->console));
	if (m->console_hold >= 0)
		close(steal_fd(m->console_hold));
	if (m->cg && vx_cgroup_destroy(m->cg, &err) < 0) {
		vx_mon_log("ct %u: %s", m->ct->ctid, err ? err->msg : "?");
		vx_error_free(steal_ptr(err));
	}
	if (vx_bc_stop(m->ct->ctid, &err) < 0) {
		vx_mon_log("ct %u: %s", m->ct->ctid, err ? err->msg : "?");
		vx_error_free(steal_ptr(err));
	}
	/* links go with init's namespace; the rest is ours to remove */
	t0 = now_us();
	ret = vx_net_down(m->g, m->ct->ctid, full ? VX_NET_DOWN_EXITING :
			  VX_NET_DOWN_DETACH, &err);
	if (ret < 0) {
		vx_mon_log("ct %u: %s", m->ct->ctid, err ? err->msg : "?");
		vx_error_free(steal_ptr(err));
	} else if (ret > 0) {
		vx_mon_log("ct %u: network down in %lld us", m->ct->ctid,
			   now_us() - t0);
	}
	if (!full)
		return;
	vx_crashpoint("stop-before-umount");
	/* vx_ct_umount checks that it is mounted itself (a mountinfo read,
	 * one line per running CT): not mounted is no error here */
	if (!keep_mount && vx_ct_umount(m->g, m->ct, &err) < 0 &&
	    err && err->code != VX_E_NOT_MOUNTED)
		vx_mon_log("ct %u: %s", m->ct->ctid, err->msg);
	vx_error_free(steal_ptr(err));
	/* The private area was deleted under a running CT: VE_ROOT is
	 * still a bind of the deleted directory, which is_mounted() cannot
	 * recognise any more. Ours to remove: nothing else is mounted on a
	 * running CT's root. */
	if (!keep_mount && !vx_ct_private_exists(m->ct) &&
	    vx_is_mount_point(m->ct->root))
		umount2(m->ct->root, MNT_DETACH);
	vx_state_remove(m->g, m->ct->ctid);
}

/* Returns true if init died and the CT should reboot. */
static bool wait_init(struct monitor *m)
{
	siginfo_t si = { 0 };

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = m->init_fd, .events = POLLIN },
			{ .fd = m->sig_fd, .events = POLLIN },
			{ .fd = m->console, .events = POLLIN },
		};
		int timeout = -1;

		if (m->stopping && m->deadline)
			timeout = (int)(m->deadline > vx_now_ms() ?
					m->deadline - vx_now_ms() : 0);
		if (poll(p, m->console >= 0 ? 3 : 2, timeout) < 0 &&
		    errno != EINTR)
			break;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo ssi;

			while (read(m->sig_fd, &ssi, sizeof(ssi)) > 0) {
				bool fast = ssi.ssi_signo != SIGTERM;

				vx_mon_log("ct %u: %s stop requested",
					   m->ct->ctid, fast ? "fast" : "graceful");
				if (!fast && !m->stopping) {
					m->deadline = vx_now_ms() +
						      m->cfg->stop_timeout * 1000LL;
					syscall(SYS_pidfd_send_signal, m->init_fd,
						m->cfg->stop_signal, NULL, 0);
				} else if (fast) {
					m->deadline = vx_now_ms();
				}
				m->stopping = true;
			}
		}
		if (p[2].revents)
			drain_console(m);
		if (m->stopping && m->deadline && vx_now_ms() >= m->deadline) {
			syscall(SYS_pidfd_send_signal, m->init_fd, SIGKILL,
				NULL, 0);
			m->deadline = 0;
		}
		if (p[0].revents & POLLIN)
			break;
	}
	if (waitid(P_PIDFD, m->init_fd, &si, WEXITED) < 0)
		return false;
	close(steal_fd(m->init_fd));
	vx_mon_log("ct %u: init %s %d", m->ct->ctid,
		   si.si_code == CLD_EXITED ? "exited with" : "killed by signal",
		   si.si_status);
	return !m->stopping && si.si_code == CLD_KILLED &&
	       si.si_status == SIGHUP;
}

/* The reboot happens under the CT lock so that it cannot interleave with
 * a start/stop/mount by vxd. A stop holding the lock wins: we poll the
 * signalfd while the lock is busy. */
static int reboot_lock(struct monitor *m)
{
	for (int i = 0; i < 3000; i++) {
		struct pollfd p = { .fd = m->sig_fd, .events = POLLIN };
		int fd = vx_lock_ct(m->g, m->ct->ctid, false, NULL);

		if (fd >= 0)
			return fd;
		if (poll(&p, 1, 10) > 0)
			return -1;
	}
	return -1;
}

/* Closes every fd from 3 up but those in keep (n of them; -1s ignored). */
static void keep_only(int *keep, int n)
{
	int from = 3;

	for (int i = 0; i < n; i++)	/* sort: n is tiny */
		for (int j = i + 1; j < n; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];

				keep[i] = keep[j];
				keep[j] = t;
			}
	for (int i = 0; i < n; i++) {
		if (keep[i] < from)
			continue;
		if (keep[i] > from)
			close_range(from, keep[i] - 1, 0);
		from = keep[i] + 1;
	}
	close_range(from, ~0U, 0);
}

static void setup_process(const struct vx_run_cfg *cfg, int *report_fd)
{
	char name[16];
	sigset_t mask;
	int fd;

	snprintf(name, sizeof(name), "vx-mon %u", cfg->ctid);
	prctl(PR_SET_NAME, name, 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);	/* errors for KILL/STOP/RT: fine */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigfillset(&mask);
	sigprocmask(SIG_SETMASK, &mask, NULL);

	/* Keep only the report pipe, the shared device program and the
	 * seed mount namespace (each (re)boot uses them): nothing of vxd (its
	 * socket, a client's fds, the CT lock) may stay open in a process
	 * that lives on. */
	fd = fcntl(*report_fd, F_DUPFD_CLOEXEC, 3);
	keep_only((int[]){ fd, vx_cgroup_bpf_fd(), vx_mntns_seed_fd() }, 3);
	*report_fd = fd;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	dup2(fd, 0);
	dup2(fd, 1);
	close(fd);
	if (chdir("/") < 0)
		return;
	umask(022);
}

void vx_monitor_main(const struct vx_global *g, struct vx_ct *ct,
		     const struct vx_run_cfg *cfg, int report_fd)
{
	struct monitor m = {
		.g = g, .ct = ct, .cfg = cfg, .report_fd = report_fd,
		.init_fd = -1, .console = -1, .console_hold = -1,
		.console_log = -1,
	};
	cleanup_free char *log = NULL, *clog = NULL;
	struct vx_error *err = NULL;
	sigset_t stop_sigs;
	int fd, ret;

	setup_process(cfg, &m.report_fd);
	if (asprintf(&log, "%s/ct/%u.log", g->rundir, ct->ctid) < 0 ||
	    asprintf(&clog, "%s/ct/%u.console", g->rundir, ct->ctid) < 0)
		_exit(1);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd >= 0 && fd != STDERR_FILENO) {
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	m.console_log = open(clog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			     0640);
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGUSR1);
	m.sig_fd = signalfd(-1, &stop_sigs, SFD_CLOEXEC | SFD_NONBLOCK);

	vx_mon_log("ct %u: starting (monitor pid %d)", ct->ctid, getpid());
	ret = boot(&m, &err);
	if (ret < 0) {
		if (!err)
			vx_error_set(&err, VX_E_START, 0, "ct %u: start failed",
				     ct->ctid);
		vx_mon_log("ct %u: start failed: %s", ct->ctid, err->msg);
		teardown(&m, true, m.was_mounted);
		/* report after teardown: a caller retrying at once must not
		 * find our cgroups or mount still in place */
		vx_error_send(m.report_fd, err);
		_exit(1);
	}
	vx_mon_log("ct %u: running, init pid %d", ct->ctid, m.init_pid);
	if (ret > 0) {
		vx_mon_log("ct %u: %s", ct->ctid, err->msg);
		vx_error_send(m.report_fd, err);
		vx_error_free(steal_ptr(err));
	} else {
		dprintf(m.report_fd, "OK %d\n", (int)m.init_pid);
	}
	close(steal_fd(m.report_fd));

	while (wait_init(&m)) {
		int lock;

		vx_mon_log("ct %u: reboot", ct->ctid);
		m.rebooted = true;
		teardown(&m, false, true);
		lock = reboot_lock(&m);
		if (lock < 0)
			break;	/* a stop came in meanwhile */
		if (boot(&m, &err) < 0) {
			vx_mon_log("ct %u: restart failed: %s", ct->ctid,
				   err ? err->msg : "?");
			vx_error_free(steal_ptr(err));
			vx_unlock_ct(lock);
			break;
		}
		vx_unlock_ct(lock);
		vx_mon_log("ct %u: running, init pid %d", ct->ctid,
			   m.init_pid);
	}
	teardown(&m, true, false);
	vx_mon_log("ct %u: stopped", ct->ctid);
	_exit(0);
}
