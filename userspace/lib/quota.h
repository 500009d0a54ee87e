/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Project quotas for overlay and plain CTs (quota.c): project id = CTID on
 * the private area, limits from DISKSPACE / DISKINODES.
 */
#ifndef VX_QUOTA_H
#define VX_QUOTA_H

#include <stdbool.h>

#include "error.h"

/* Does the file system of path have project quotas on (and the kernel
 * quota support)? */
bool vx_quota_available(const char *path);
/* Is dir tagged as project ctid (with inheritance) on such a file system? */
bool vx_quota_active(const char *dir, unsigned int ctid);
/* Tags the (empty) dir as project ctid, inherited by all below, and sets
 * the limits ("soft:hard" strings as in the config; NULL or unlimited =
 * none). Code VX_E_CREATE_PRIVATE. */
int vx_quota_setup(const char *dir, unsigned int ctid, const char *space,
		   const char *inodes, struct vx_error **err);
/* Changes the limits of project ctid (live). */
int vx_quota_limit(const char *dir, unsigned int ctid, const char *space,
		   const char *inodes, struct vx_error **err);
/* Usage of project ctid: KiB and inodes. */
int vx_quota_usage(const char *dir, unsigned int ctid, long long *kb,
		   long long *inodes);

#endif /* VX_QUOTA_H */
