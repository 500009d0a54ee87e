// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vx_ct_stop(): ask the CT's monitor to stop it and wait until the monitor
 * has cleaned up (cgroups removed, VE_ROOT unmounted, state file gone).
 *
 * The stop itself (STOP_SIGNAL, STOP_TIMEOUT, SIGKILL) is done by the
 * monitor, which is told by a signal: SIGTERM = graceful, SIGUSR1 = fast.
 * Only the monitor knows whether init's death is a reboot or a stop, so
 * routing the stop through it closes the race between `vzctl stop` and a
 * `reboot` typed inside the CT. For --fast we also SIGKILL init directly,
 * saving the monitor's wake-up from the critical path (the monitor sees
 * its signal before init's death: the signal is queued first).
 * If the monitor is gone (killed by hand), we do its work here.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "beancounter.h"
#include "cgroup.h"
#include "net.h"
#include "cleanup.h"
#include "run.h"
#include "runtime.h"
#include "state.h"
#include "storage.h"

int vx_pidfd_open_live(pid_t pid, unsigned long long start)
{
	struct pollfd p = { .events = POLLIN };

	if (pid <= 0)
		return -ESRCH;
	p.fd = vx_pidfd_open_checked(pid, start);
	if (p.fd < 0)
		return p.fd;
	/* a pidfd polls readable once its process has exited */
	if (poll(&p, 1, 0) > 0) {
		close(p.fd);
		return -ESRCH;
	}
	return p.fd;
}

/* Waits for a pidfd to signal exit; false on timeout. */
static bool wait_exit(int pidfd, long long timeout_ms)
{
	long long end = vx_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		long long left = end - vx_now_ms();
		int r;

		if (left < 0)
			left = 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return true;
		if (r == 0 || errno != EINTR)
			return false;
	}
}

/* The monitor died: stop init and clean up in its stead. */
static int stop_orphan(const struct vx_global *g, struct vx_ct *ct,
		       const struct vx_state *st, int init_fd,
		       const struct vx_run_cfg *cfg, bool fast,
		       struct vx_error **err)
{
	struct vx_cgroup *cg = NULL;
	int ret = 0;

	if (init_fd >= 0) {
		if (!fast) {
			pidfd_send_signal(init_fd, cfg->stop_signal, NULL, 0);
			fast = !wait_exit(init_fd, cfg->stop_timeout * 1000LL);
		}
		if (fast) {
			pidfd_send_signal(init_fd, SIGKILL, NULL, 0);
			if (!wait_exit(init_fd, 30000))
				return vx_error_set(err, VX_E_STOP, 0,
						    "ct %u: init (pid %d) does "
						    "not die", ct->ctid,
						    (int)st->init_pid);
		}
	}
	if (vx_cgroup_open(g, ct->ctid, st->cgroup, &cg, err) == 0) {
		ret = vx_cgroup_destroy(cg, err);
		vx_cgroup_free(cg);
	}
	vx_net_down(g, ct->ctid, VX_NET_DOWN_SYNC, NULL);
	if (ret == 0)
		ret = vx_bc_stop(ct->ctid, err);
	if (ret == 0 && vx_ct_is_mounted(ct))
		ret = vx_ct_umount(g, ct, err);
	/* see teardown() in monitor.c: a bind of a deleted private area */
	if (!vx_ct_private_exists(ct) && vx_is_mount_point(ct->root))
		umount2(ct->root, MNT_DETACH);
	vx_state_remove(g, ct->ctid);
	return ret;
}

int vx_ct_stop(const struct vx_global *g, struct vx_ct *ct, bool fast,
	       struct vx_error **err)
{
	struct vx_run_cfg cfg;
	struct vx_state st;
	cleanup_close int mon = -1, init = -1;
	long long timeout;
	int ret;
	struct vx_error *cfg_err = NULL;

	if (vx_state_read(g, ct->ctid, &st, NULL) < 0)
		return vx_error_set(err, VX_E_NOT_RUNNING, 0,
				    "ct %u is not running", ct->ctid);

	ret = vx_run_cfg_load(g, ct, &cfg, &cfg_err);
	if (ret < 0) {
		/* A broken config must not make a CT unstoppable. */
		vx_error_free(cfg_err);
		cfg.stop_signal = SIGUSR2;
		cfg.stop_timeout = g->stop_timeout > 0 ? g->stop_timeout : 60;
	}
	mon = vx_pidfd_open_live(st.monitor_pid, st.monitor_start);
	init = vx_pidfd_open_live(st.init_pid, st.init_start);
	if (mon < 0) {
		ret = stop_orphan(g, ct, &st, init, &cfg, fast, err);
		if (ret == 0 && init < 0)
			return vx_error_set(err, VX_E_NOT_RUNNING, 0,
					    "ct %u is not running (stale state "
					    "removed)", ct->ctid);
		return ret;
	}
	pidfd_send_signal(mon, fast ? SIGUSR1 : SIGTERM, NULL, 0);
	if (fast && init >= 0)
		pidfd_send_signal(init, SIGKILL, NULL, 0);
	/* The monitor enforces STOP_TIMEOUT; we only guard against a stuck
	 * monitor (e.g. an unkillable task keeping a cgroup busy). */
	timeout = (fast ? 0 : cfg.stop_timeout * 1000LL) + 30000;
	if (!wait_exit(mon, timeout))
		return vx_error_set(err, VX_E_STOP, 0,
				    "ct %u: the monitor (pid %d) did not finish "
				    "the stop within %lld s; see %s/ct/%u.log",
				    ct->ctid, (int)st.monitor_pid,
				    timeout / 1000, g->rundir, ct->ctid);
	/* The monitor removes the state file last: still there, it was
	 * killed in the middle of its teardown; finish it (init is dead,
	 * the rest is idempotent). */
	if (vx_state_read(g, ct->ctid, &st, NULL) == 0)
		return stop_orphan(g, ct, &st, -1, &cfg, true, err);
	return 0;
}
