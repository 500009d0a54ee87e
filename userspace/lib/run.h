/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running CTs: start, stop, status, exec, enter.
 *
 * Process model: vx_ct_start() forks a per-CT *monitor* (setsid, its own
 * process, not killed with vxd) which sets up cgroups, then clones the CT's
 * init into new pid/mount/uts/ipc/net/cgroup namespaces; init pivot_roots
 * into VE_ROOT, builds /proc /sys /dev /dev/pts /dev/shm /run, drops to the
 * CAPABILITY bounding set, installs the seccomp filter and execs /sbin/init.
 * The monitor waits for init: on a reboot inside the CT (init killed with
 * SIGHUP by the pid namespace) it starts the CT again; on halt/poweroff or
 * stop it tears down cgroups and mounts and removes the state file. So CTs
 * outlive vxd, and a restarted vxd learns everything from the state files.
 * vx_ct_start() returns once init runs (or with the monitor's error text).
 */
#ifndef VX_RUN_H
#define VX_RUN_H

#include <stdbool.h>
#include <sys/types.h>
#include "ct.h"
#include "global.h"

struct vx_start_opts {
	bool wait;	/* --wait: return when the CT finished booting */
	const char *restore;	/* resume from this dump (checkpoint.h) */
};

/* Caller holds the CT lock. VX_E_RUNNING, VX_E_NO_PRIVATE, VX_E_BAD_CT,
 * VX_E_START. Mounts the CT if needed. */
int vx_ct_start(const struct vx_global *g, struct vx_ct *ct,
		const struct vx_start_opts *o, struct vx_error **err);

/* Caller holds the CT lock. Graceful: sends STOP_SIGNAL (config; default by
 * template, busybox init: SIGUSR2 = poweroff) to init, waits STOP_TIMEOUT
 * seconds, then kills the whole CT. fast: kill at once. Returns when the
 * monitor has cleaned up. VX_E_NOT_RUNNING, VX_E_STOP. */
int vx_ct_stop(const struct vx_global *g, struct vx_ct *ct, bool fast,
	       struct vx_error **err);

struct vx_status {
	bool exists;	/* config present */
	bool mounted;
	bool running;
	bool suspended;
	pid_t init_pid;	/* host pid of init when running */
	long long started_at;
};
int vx_ct_status(const struct vx_global *g, unsigned int ctid,
		 struct vx_status *st, struct vx_error **err);

/*
 * Runs argv inside the running CT (its namespaces, cgroups, capability
 * bounding set and seccomp filter, cwd /, a clean environment) with the given
 * stdin/stdout/stderr. Returns the pid of a child of the caller whose exit
 * status mirrors the command's (waitpid it). VX_E_NOT_RUNNING.
 */
int vx_ct_exec_spawn(const struct vx_global *g, struct vx_ct *ct,
		     char *const argv[], const int stdio[3], pid_t *pid,
		     struct vx_error **err);

/*
 * Like exec, but on a new pty allocated from the CT's own devpts: the command
 * becomes a session leader with the pty as controlling terminal. *master is
 * the pty master (the caller relays it to the user's terminal).
 */
int vx_ct_enter_spawn(const struct vx_global *g, struct vx_ct *ct,
		      char *const argv[], int *master, pid_t *pid,
		      struct vx_error **err);

/* "USR2", "SIGUSR2", "RTMIN+4", "RTMAX-1", "12" -> signal number, as in
 * STOP_SIGNAL. -EINVAL if not a signal. */
int vx_signal_parse(const char *s, int *sig);

#endif /* VX_RUN_H */
