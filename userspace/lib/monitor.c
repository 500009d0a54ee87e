// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The per-CT monitor: parent of the CT's init, owner of its console, and
 * the only process that tears the CT down.
 *
 * Life cycle: vx_mon_boot() (monitor_boot.c: mount, cgroups, clone init,
 * state file) -> report "OK pid" or the error to vx_ct_start() over
 * report_fd -> wait: a poll on the init pidfd, a signalfd and the console
 * master. Stop requests arrive
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
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "beancounter.h"
#include "cleanup.h"
#include "crashpoint.h"
#include "lock.h"
#include "mntns.h"
#include "monitor.h"
#include "net.h"
#include "runtime.h"
#include "state.h"
#include "storage.h"

#define CONSOLE_MAX (1 << 20)	/* console log is truncated beyond 1 MiB */

long long vx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

long long vx_mon_now_us(void)
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

void vx_mon_drain_console(struct monitor *m)
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

/* Undoes vx_mon_boot(). full: also umount (unless keep_mount) and remove the
 * state file. */
static void teardown(struct monitor *m, bool full, bool keep_mount)
{
	struct vx_error *err = NULL;
	long long t0;
	int ret;

	vx_mon_drain_console(m);
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
	t0 = vx_mon_now_us();
	ret = vx_net_down(m->g, m->ct->ctid, full ? VX_NET_DOWN_EXITING :
			  VX_NET_DOWN_DETACH, &err);
	if (ret < 0) {
		vx_mon_log("ct %u: %s", m->ct->ctid, err ? err->msg : "?");
		vx_error_free(steal_ptr(err));
	} else if (ret > 0) {
		vx_mon_log("ct %u: network down in %lld us", m->ct->ctid,
			   vx_mon_now_us() - t0);
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
			vx_mon_drain_console(m);
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
	ret = vx_mon_boot(&m, &err);
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
		if (vx_mon_boot(&m, &err) < 0) {
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
