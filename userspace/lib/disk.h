/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Disk limits and usage of a CT (disk.c): DISKSPACE / DISKINODES, enforced
 * by the image layout, shown by vzlist, changed by `vzctl set --diskspace`.
 */
#ifndef VX_DISK_H
#define VX_DISK_H

#include <stdbool.h>

#include "ct.h"
#include "error.h"

struct vx_disk_usage {
	long long used_kb;	/* 1 KiB blocks in use, -1 unknown */
	long long used_inodes;	/* -1 unknown */
	long long limit_kb;	/* the limit the file system enforces, read
				 * back from it (btrfs qgroup); -1 unknown */
};

/* Usage of an image CT (mounted or not); -EOPNOTSUPP for the layouts
 * whose usage vx does not track (overlay, plain). */
int vx_disk_usage(const struct vx_ct *ct, struct vx_disk_usage *u);

/* Resizes an image CT's file system to bytes: grows online or offline,
 * shrinks only when it is not mounted (VX_E_INVAL_VALUE otherwise).
 * Caller holds the CT lock. */
int vx_disk_resize(const struct vx_ct *ct, unsigned long long bytes,
		   struct vx_error **err);

/* Why a CT's disk limit is not enforced (static text), NULL if it is. */
const char *vx_disk_unenforced(const struct vx_ct *ct);

/* Why DISKINODES is not enforced where DISKSPACE is (btrfs), else NULL. */
const char *vx_disk_inodes_unenforced(const struct vx_ct *ct);

/* Does this kernel have quota support (CONFIG_QUOTA)? */
bool vx_disk_quota_kernel(void);

#endif /* VX_DISK_H */
