/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CT storage: the private area, its mount on VE_ROOT, create and destroy.
 *
 * Create is crash-safe: a journal file LOCKDIR/CTID.creating is written
 * first; the template is unpacked into VE_PRIVATE.tmp.* and renamed into
 * place; the config is written (atomically) last; then the journal is
 * removed. Any later operation on the CT that finds a journal while holding
 * the CT lock knows its creator died and rolls the half-made CT back, so a
 * killed create never leaves a half-made CT.
 * Layouts (plain = the private area is the tree, bind-mounted; overlay =
 * a shared template tree plus the CT's upper directory) are in layout.h.
 */
#ifndef VX_STORAGE_H
#define VX_STORAGE_H

#include <stdbool.h>
#include "ct.h"
#include "global.h"
#include "template.h"

struct vx_create_opts {
	const char *ostemplate;	/* NULL: DEF_OSTEMPLATE */
	const char *config;	/* sample name ("basic" -> ve-basic.conf-sample) */
	const char *hostname;
	const char *name;
	const char *private;	/* VE_PRIVATE override (may contain $VEID) */
	const char *root;	/* VE_ROOT override */
	const char *layout;	/* "overlay", "plain"/"simfs"; NULL: VE_LAYOUT */
	const char *diskspace;	/* DISKSPACE over the sample's ("10G:11G") */
	const char *diskinodes;	/* DISKINODES over the sample's */
	const struct vx_progress *progress;	/* of the unpack; may be NULL */
	/* More settings for the config (--ram, --ipadd, ...), written with
	 * the rest in create's one config write. */
	size_t n_set;
	const char *const *set_key;
	const char *const *set_val;
};

/* Takes the CT lock itself. Errors: VX_E_PRIVATE_EXISTS, VX_E_NOCONFIG (sample
 * missing), VX_E_NO_OSTEMPLATE_FILE, VX_E_CREATE_PRIVATE, ... */
int vx_ct_create(const struct vx_global *g, unsigned int ctid,
		 const struct vx_create_opts *o, struct vx_error **err);

/* Caller holds the lock and has checked the CT is not running (destroy of a
 * running CT is refused by the caller with VX_E_RUNNING). Removes private
 * area, root mount point, config, name link. */
int vx_ct_destroy(const struct vx_global *g, struct vx_ct *ct,
		  struct vx_error **err);

/* Caller holds the lock. mount: VX_E_NO_PRIVATE if the private area is gone,
 * VX_E_MOUNTED if already mounted. umount: VX_E_NOT_MOUNTED. */
int vx_ct_mount(const struct vx_global *g, struct vx_ct *ct,
		struct vx_error **err);
int vx_ct_umount(const struct vx_global *g, struct vx_ct *ct,
		 struct vx_error **err);
bool vx_ct_is_mounted(const struct vx_ct *ct);
bool vx_ct_private_exists(const struct vx_ct *ct);
/* Is path (after resolving symlinks) a mount point in our mount namespace,
 * according to /proc/self/mountinfo? */
bool vx_is_mount_point(const char *path);

/* Rolls back a create whose journal is present (creator died). Called with
 * the lock held by every operation before it looks at the CT. Returns 1 if
 * something was rolled back. */
/* Rolls back every create journal in LOCKDIR whose CT lock is free: what
 * creators killed with the previous vxd left (vxd runs it at start, so a
 * crash leaves nothing on disk for long). Returns how many. */
int vx_ct_recover_all(const struct vx_global *g);
int vx_ct_recover(const struct vx_global *g, unsigned int ctid,
		  struct vx_error **err);

/* rm -rf that never follows symlinks, never crosses into another mount
 * and refuses "/", top-level directories and relative paths. "Already
 * gone" is success. Failures get the given exit code. */
int vx_rm_rf(const char *path, int code, struct vx_error **err);
/* open + fsync of a directory (or file); -errno on failure. */
int vx_fsync_path(const char *path);

#endif /* VX_STORAGE_H */
