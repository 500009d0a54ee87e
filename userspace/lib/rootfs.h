/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's file system view, built by the CT's init (in its fresh mount
 * namespace, before exec) at every start.
 */
#ifndef VX_ROOTFS_H
#define VX_ROOTFS_H

#include "error.h"

/*
 * Enters the CT's root: with tree >= 0 (a detached clone of root, see
 * mntns.h) in a copy of the seed mount namespace, else in the caller's own
 * (fresh) namespace made private; pivot_roots into it (dropping the tree
 * it came from entirely), then mounts /proc, read-only /sys, a tmpfs /dev
 * with the allowlisted nodes, a private devpts, /dev/shm and /run, and
 * masks the host-wide parts of /proc. Allocates the console: a pty of the
 * new devpts bound over /dev/console; *master and *slave are returned
 * (CLOEXEC). ctid is for messages only.
 */
int vx_rootfs_setup(unsigned int ctid, const char *root, int tree,
		    int *master, int *slave, struct vx_error **err);

#endif /* VX_ROOTFS_H */
