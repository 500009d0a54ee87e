/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The btrfs layout (btrfs.c, docs/storage.md): the template is unpacked
 * once into a read-only subvolume next to the private areas,
 *     dirname(VE_PRIVATE)/.vx-template/NAME@ID
 * (ID = the archive's identity, as for the overlay lower trees; snapshots
 * cannot cross file systems, so it lives where the private areas live),
 * and every CT's private area is a writable snapshot of it, limited by a
 * qgroup limit on its referenced bytes (DISKSPACE's hard limit). Mounted
 * by a bind mount, like plain. Only ioctls of <linux/btrfs.h>, no tools.
 */
#ifndef VX_BTRFS_H
#define VX_BTRFS_H

#include <stdbool.h>

#include "global.h"
#include "template.h"

/* Refuses (VX_E_INVAL_VALUE, naming the path, its file system and the fix)
 * a private area whose nearest existing ancestor is not on btrfs. */
int vx_btrfs_check_private(const char *private, unsigned int ctid,
			   struct vx_error **err);

/* Turns quotas (qgroups) on for the file system of path if they are off,
 * and waits for the rescan that counts the existing data. Failure:
 * VX_E_CREATE_PRIVATE naming the path and what to do. */
int vx_btrfs_quota_enable(const char *path, unsigned int ctid,
			  struct vx_error **err);

/* The template's read-only subvolume for a CT whose private area is
 * `private`, made (unpacked) if missing, exactly as vx_lower_get() makes a
 * lower tree: returns the template lock fd (held shared) and the path. */
int vx_btrfs_tpl_get(const struct vx_global *g, const char *private,
		     const char *name, const char *archive,
		     const struct vx_progress *progress, char **tpl,
		     struct vx_error **err);

/* Directories that may hold template subvolumes: next to vz.conf's
 * VE_PRIVATE and next to every btrfs CT's private area (NULL-terminated,
 * free with vx_strvfreep). For `vzctl template`. */
char **vx_btrfs_tpl_dirs(const struct vx_global *g);

/* Writable snapshot of subvolume src at dst (which must not exist). With
 * limit_kb > 0 its qgroup gets that limit on referenced bytes (quotas must
 * be on); on disk with the next commit, which renaming dst (a subvolume
 * root) and fsyncing its parent forces. */
int vx_btrfs_snapshot(const char *src, const char *dst,
		      unsigned long long limit_kb, struct vx_error **err);

/* Sets the qgroup limit of the subvolume `private` from a DISKSPACE value
 * ("soft:hard" KiB; the hard one counts, unlimited clears it), turning
 * quotas on first if needed. Live: applies to the next write. */
int vx_btrfs_limit(const char *private, unsigned int ctid,
		   const char *diskspace, struct vx_error **err);

/* The subvolume's referenced bytes (KiB; -1 while the qgroups are
 * inconsistent or being rescanned) and its qgroup limit (KiB, -1 none) as
 * of the last transaction commit. -EOPNOTSUPP: quotas are off. */
int vx_btrfs_usage(const char *private, long long *used_kb,
		   long long *limit_kb);

/* If path is a btrfs subvolume, deletes it (BTRFS_IOC_SNAP_DESTROY_V2)
 * and returns 1; 0 if it is not one; < 0 (error with `code`) if it could
 * not be deleted. vx_rm_rf() calls it first. */
int vx_btrfs_subvol_rm(const char *path, int code, struct vx_error **err);

#endif /* VX_BTRFS_H */
