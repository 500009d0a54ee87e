/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Run-time state of a running CT: rundir/ct/CTID.state (KEY=value lines).
 *
 * Written atomically by the CT's monitor process when the CT is up, removed
 * when it stops. PIDs are paired with their start time (field 22 of
 * /proc/PID/stat) so a recycled PID is never mistaken for the CT's init; a
 * pidfd opened with vx_pidfd_open_checked() is then race-free. This file is
 * what lets a restarted vxd re-attach to CTs that ran on without it.
 */
#ifndef VX_STATE_H
#define VX_STATE_H

#include <stdbool.h>
#include <sys/types.h>
#include "global.h"

struct vx_state {
	pid_t init_pid;			/* CT init, as seen from the host */
	unsigned long long init_start;	/* its starttime (clock ticks) */
	pid_t monitor_pid;		/* the CT's monitor (parent of init) */
	unsigned long long monitor_start;
	long long started_at;		/* unix time the CT (re)started */
	char cgroup[256];		/* cgroup path below each hierarchy */
	bool suspended;			/* checkpointed (later issue) */
};

/* -ENOENT if there is no state file (CT not running). */
int vx_state_read(const struct vx_global *g, unsigned int ctid,
		  struct vx_state *st, struct vx_error **err);
int vx_state_write(const struct vx_global *g, unsigned int ctid,
		   const struct vx_state *st, struct vx_error **err);
void vx_state_remove(const struct vx_global *g, unsigned int ctid);

/* Start time of pid from /proc (0 if gone). */
unsigned long long vx_proc_starttime(pid_t pid);
/* pidfd for pid, or -ESRCH if the pid is gone or now names another process
 * (start time differs). */
int vx_pidfd_open_checked(pid_t pid, unsigned long long starttime);

/* True if the state file exists and its init is alive (stale files are
 * removed). */
bool vx_ct_is_running(const struct vx_global *g, unsigned int ctid);

#endif /* VX_STATE_H */
