/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host limits that break at scale (hostlimits.c): pid_max, threads-max,
 * file-max, nr_open and vxd's RLIMIT_NOFILE, inotify instances and
 * watches, key quotas. Checked by vxd before each start (raised when low)
 * and listed by `vzctl info`.
 */
#ifndef VX_HOSTLIMITS_H
#define VX_HOSTLIMITS_H

#include <stdbool.h>

#include "global.h"

struct vx_host_report {
	bool list;		/* in: one line per limit (vzctl info) */
	unsigned int raised;	/* out: limits raised */
	unsigned int low;	/* out: limits still too low */
	char text[3072];	/* out: lines, each ending in '\n' */
};

/* Running CTs (state files in RUNDIR/ct). */
unsigned int vx_host_running_cts(const struct vx_global *g);

/* Checks the limits for running + 1 CTs; raise: write the sysctls (and
 * setrlimit) that are too low. Without list, text holds only what was
 * raised or is still too low, with the exact sysctl to set. */
void vx_host_limits_check(unsigned int running, bool raise,
			  struct vx_host_report *r);

/* vxd at start: its open-file limit (it holds descriptors per running
 * CT) raised to 32768 (4000 CTs; capped by fs.nr_open), the hard limit
 * with it if lower (root may). 1 if raised (from, to set), 0 if it was
 * already enough, < 0 on error. */
int vx_host_raise_nofile(unsigned long long *from, unsigned long long *to);

#endif /* VX_HOSTLIMITS_H */
