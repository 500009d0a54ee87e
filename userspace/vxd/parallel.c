// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VE_PARALLEL: a bound on heavy operations (create, start) running at once.
 *
 * Workers are separate processes, so the bound is a set of N slot files
 * rundir/parallel/K, each flock()ed by the worker using it. A worker first
 * tries every slot without waiting, then queues on one. The kernel releases
 * a slot when its worker exits, however it exits, so a crash never leaks
 * capacity. Queueing (not failing) matches OpenVZ: a boot-time burst of
 * starts is spread out, nobody gets an error for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>

#include "vxd.h"

static int open_slot(const struct vx_global *g, int k)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/parallel/%d", g->rundir, k);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

int vxd_heavy_slot(const struct vx_global *g)
{
	int n = g->ve_parallel > 0 ? g->ve_parallel :
		2 * (int)sysconf(_SC_NPROCESSORS_ONLN);
	char dir[4096];
	int fd;

	if (n < 1)
		n = 1;
	snprintf(dir, sizeof(dir), "%s/parallel", g->rundir);
	if (vx_mkdir_p(dir, 0700, NULL) < 0)
		return -1;	/* no bound rather than no service */
	for (int k = 0; k < n; k++) {
		fd = open_slot(g, k);
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return fd;
		close(fd);
	}
	fd = open_slot(g, getpid() % n);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}
