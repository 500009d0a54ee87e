// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The mount namespace a CT's init starts from (see mntns.h).
 *
 * clone(CLONE_NEWNS) copies the caller's whole mount table, and the host's
 * holds a mount per running CT (its VE_ROOT). Copying it, making every
 * copy private and detaching them all again after pivot_root cost each
 * start O(running CTs), under the kernel's global namespace lock that
 * every other start's mounts wait for: ~2.4 ms of CPU and ~10 ms of wall
 * time per start with 1000 mounts, against ~0.3 ms from a near-empty table.
 *
 * So the table init copies is kept near-empty: a seed namespace, made once
 * by vxd, whose only mount is a small read-only tmpfs root with one empty
 * directory, VX_MNTNS_CT_DIR. init joins it and unshares (copying that one
 * mount), the monitor hands it a detached clone of VE_ROOT (open_tree, taken
 * in the host's namespace), and rootfs.c attaches that at VX_MNTNS_CT_DIR
 * and pivot_roots into it. The seed's root is then detached like the
 * host's root was before; nothing of the host's table is ever in the CT.
 *
 * The namespace lives as long as a descriptor names it: vxd holds one,
 * every monitor inherits it and keeps it (monitor.c). A process that never
 * prepared a seed (a library user other than vxd) gets -1 and rootfs.c
 * copies the caller's table as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mntns.h"

static int seed = -1;

/* In the helper child: turns its private copy of the host's table into
 * the seed. The tmpfs goes over /proc, which every host has and which is
 * only this namespace's business after the unshare. */
static int build_seed(void)
{
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("vx-seed", "/proc", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,nr_inodes=4,mode=0755") < 0 ||
	    mkdir("/proc" VX_MNTNS_CT_DIR, 0755) < 0 || chdir("/proc") < 0 ||
	    syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0 ||
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID |
		  MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	return 0;
}

int vx_mntns_prepare(void)
{
	char path[64], c = 0;
	int p[2], fd = -1;
	pid_t pid;

	if (seed >= 0)
		return 0;
	/* open_tree and move_mount (Linux 5.2): without them the seed is
	 * of no use; ENOSYS from a harmless call tells */
	if (open_tree(-1, "", 0) < 0 && errno == ENOSYS)
		return -ENOSYS;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[0]);
		c = build_seed() == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1 || c != 'y')
			_exit(1);
		pause();	/* until the parent holds the namespace */
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) == 1 && c == 'y') {
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	close(p[0]);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		return -EPERM;
	seed = fd;
	return 0;
}

int vx_mntns_seed_fd(void)
{
	return seed;
}
