// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-CT operation lock (see lock.h).
 *
 * The lock is flock(2) on LOCKDIR/CTID.lck; the kernel drops it when the
 * holder dies. While holding it, the holder writes "PID OPERATION\n" into
 * the file so that a refused caller can say "locked by pid 812 (start)"
 * instead of just "locked". The text is advisory: it is read without the
 * lock, so it may be empty for a moment after the lock is taken, and the
 * message then falls back to the generic wording. Lock files are never
 * unlinked: unlinking a flock'd file lets a second opener lock a different
 * inode under the same name, and two "holders" would then run at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "lock.h"

static char *lock_path(const struct vx_global *g, unsigned int ctid)
{
	char *s;

	return asprintf(&s, "%s/%u.lck", g->lockdir, ctid) < 0 ? NULL : s;
}

/* Fills why with " by pid N (op)" from the file, or "" if unknown. */
static void read_holder(int fd, char *why, size_t size)
{
	char buf[128], op[64] = "";
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);
	int pid = 0;

	why[0] = '\0';
	if (r <= 0)
		return;
	buf[r] = '\0';
	if (sscanf(buf, "%d %63s", &pid, op) < 1 || pid <= 0)
		return;
	if (op[0])
		snprintf(why, size, " by pid %d (%s)", pid, op);
	else
		snprintf(why, size, " by pid %d", pid);
}

int vx_lock_ct_op(const struct vx_global *g, unsigned int ctid,
		  const char *op, bool wait, struct vx_error **err)
{
	cleanup_free char *path = lock_path(g, ctid);
	cleanup_close int fd = -1;
	char info[96];
	int ret;

	if (!path)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "lock ct %u", ctid);
	ret = vx_mkdir_p(g->lockdir, 0700, err);
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "lock ct %u: open %s",
				    ctid, path);
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			char why[96];

			read_holder(fd, why, sizeof(why));
			vx_error_set(err, VX_E_LOCKED, 0,
				     "ct %u is locked%s; wait until that operation finishes and retry",
				     ctid, why[0] ? why : " by another operation");
			return -EBUSY;
		}
		return vx_error_set(err, VX_E_SYSTEM, errno, "lock ct %u: flock %s",
				    ctid, path);
	}
	/* Best effort: the lock itself is what matters. */
	snprintf(info, sizeof(info), "%d %s\n", (int)getpid(),
		 op && *op ? op : "operation");
	if (ftruncate(fd, 0) == 0 && pwrite(fd, info, strlen(info), 0) < 0)
		errno = 0;
	return steal_fd(fd);
}

int vx_lock_ct(const struct vx_global *g, unsigned int ctid, bool wait,
	       struct vx_error **err)
{
	return vx_lock_ct_op(g, ctid, NULL, wait, err);
}

void vx_unlock_ct(int fd)
{
	if (fd < 0)
		return;
	/* Clear the holder text while we still own the lock, so the next
	 * refusal does not name an operation that has finished. */
	if (ftruncate(fd, 0) < 0)
		errno = 0;
	close(fd);
}
