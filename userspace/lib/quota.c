// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Project quotas for the overlay and plain layouts: when the private
 * area's file system has project quotas on (ext4 made with `-O
 * quota,project` and mounted with `prjquota`, or xfs with `prjquota`), a
 * CT's private directory gets project id = CTID with the inherit flag
 * (FS_IOC_FSSETXATTR, FS_XFLAG_PROJINHERIT) while it is still empty at
 * create, so everything written below it - the unpacked tree of a plain
 * CT, an overlay CT's upper and work dirs - is charged to the CT. The
 * limits are DISKSPACE (1 KiB blocks, soft:hard) and DISKINODES, set with
 * quotactl_fd(2) (Linux 5.14; no block device path needed). Writes beyond
 * the hard limit get EDQUOT inside the CT, and ext4/xfs report the
 * project's limit and usage from statfs() on a directory with the inherit
 * flag, so `df` inside shows the CT's own size (through overlayfs too,
 * which asks the upper dir).
 *
 * Kernels without CONFIG_QUOTA (this project's development host) and file
 * systems without project quotas are detected (vx_quota_available) and the
 * caller says so; nothing here fails obscurely.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "quota.h"
#include "values.h"

#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif

static int qctl(int fd, int cmd, unsigned int id, void *addr)
{
	return (int)syscall(SYS_quotactl_fd, fd, QCMD(cmd, PRJQUOTA), id, addr);
}

bool vx_quota_available(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct if_dqinfo info;

	return fd >= 0 && qctl(fd, Q_GETINFO, 0, &info) == 0;
}

static int fs_projid(int fd, unsigned int *id, bool *inherit)
{
	struct fsxattr fa;

	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return -errno;
	*id = fa.fsx_projid;
	*inherit = fa.fsx_xflags & FS_XFLAG_PROJINHERIT;
	return 0;
}

bool vx_quota_active(const char *dir, unsigned int ctid)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct if_dqinfo info;
	unsigned int id = 0;
	bool inherit = false;

	return fd >= 0 && qctl(fd, Q_GETINFO, 0, &info) == 0 &&
	       fs_projid(fd, &id, &inherit) == 0 && id == ctid && inherit;
}

/* DISKSPACE / DISKINODES "soft:hard" -> dqblk limits (0 = none). */
static void limits(const char *space, const char *inodes, struct if_dqblk *q)
{
	uint64_t b, l;

	memset(q, 0, sizeof(*q));
	q->dqb_valid = QIF_LIMITS;
	if (space && vx_parse_barrier_limit(space, VX_UNIT_KBYTES, &b, &l, NULL) == 0) {
		/* blocks are 1 KiB quota blocks (QIF_DQBLKSIZE) */
		q->dqb_bsoftlimit = b == VX_UNLIMITED ? 0 : b;
		q->dqb_bhardlimit = l == VX_UNLIMITED ? 0 : l;
	}
	if (inodes && vx_parse_barrier_limit(inodes, VX_UNIT_COUNT, &b, &l, NULL) == 0) {
		q->dqb_isoftlimit = b == VX_UNLIMITED ? 0 : b;
		q->dqb_ihardlimit = l == VX_UNLIMITED ? 0 : l;
	}
}

int vx_quota_limit(const char *dir, unsigned int ctid, const char *space,
		   const char *inodes, struct vx_error **err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct if_dqblk q;

	if (fd < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "open %s", dir);
	limits(space, inodes, &q);
	if (qctl(fd, Q_SETQUOTA, ctid, &q) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "ct %u: set the project quota of %s", ctid,
				    dir);
	return 0;
}

int vx_quota_setup(const char *dir, unsigned int ctid, const char *space,
		   const char *inodes, struct vx_error **err)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct fsxattr fa;

	if (fd < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "open %s", dir);
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "ct %u: read the project of %s", ctid, dir);
	fa.fsx_projid = ctid;
	fa.fsx_xflags |= FS_XFLAG_PROJINHERIT;
	if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "ct %u: set project %u on %s", ctid, ctid, dir);
	return vx_quota_limit(dir, ctid, space, inodes, err);
}

int vx_quota_usage(const char *dir, unsigned int ctid, long long *kb,
		   long long *inodes)
{
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct if_dqblk q;

	if (fd < 0 || qctl(fd, Q_GETQUOTA, ctid, &q) < 0)
		return -errno;
	*kb = (long long)(q.dqb_curspace / 1024);
	*inodes = (long long)q.dqb_curinodes;
	return 0;
}
