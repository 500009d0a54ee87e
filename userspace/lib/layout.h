/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Storage layouts: how a CT's private area (VE_PRIVATE) becomes the tree
 * mounted on VE_ROOT. docs/storage.md has the full picture.
 *
 *   plain (also "simfs", OpenVZ's name): VE_PRIVATE *is* the tree, a full
 *     private copy of the template; mount = bind mount.
 *   overlay: the template is unpacked once into a shared lower tree
 *     TEMPLATE/lower/NAME@ID (ID identifies the archive it came from, so a
 *     rebuilt template gets a new lower and CTs made from the old one keep
 *     theirs); VE_PRIVATE holds only the CT's own changes:
 *         VE_PRIVATE/upper   overlayfs upper directory
 *         VE_PRIVATE/work    overlayfs work directory
 *         VE_PRIVATE/lower   symlink -> TEMPLATE/lower/NAME@ID
 *     mount = overlayfs lowerdir=lower, upperdir=upper, workdir=work. Create
 *     writes three entries, so it takes milliseconds and almost no disk.
 *   image: VE_PRIVATE/root.img, a sparse ext4 image sized by DISKSPACE,
 *     mounted through a loop device: the disk limit is the file system's
 *     size (image.c).
 *   image-overlay: both. root.img holds only the overlayfs upper/ and
 *     work/ and is loop-mounted on VE_PRIVATE/mnt; VE_PRIVATE/lower links
 *     to the shared tree, and VE_ROOT is an overlayfs of the two. Create
 *     is an mkfs of a small sparse image (no unpack), the disk limit is the
 *     image's size, as with image.
 *   btrfs: VE_PRIVATE is a writable snapshot of the template's read-only
 *     subvolume dirname(VE_PRIVATE)/.vx-template/NAME@ID with a qgroup
 *     limit on its referenced bytes; mount = bind mount, as plain (btrfs.h).
 *
 * A CT's layout is VE_LAYOUT in its own config, which create always writes;
 * a config without it predates layouts and is plain. vz.conf's VE_LAYOUT
 * (or `create --layout`) only picks the layout of new CTs.
 *
 * Lower trees and concurrency: TEMPLATE/lower/.NAME.lock is flocked shared
 * by every create that links a CT to a lower of NAME (until the CT is
 * committed) and exclusively by whoever unpacks or removes one. The first
 * create unpacks into TEMPLATE/lower/.NAME@ID.tmp.PID and renames it into
 * place, so many concurrent first creates unpack once and nobody ever sees a
 * half-unpacked lower; a killed unpacker leaves only a .tmp dir that the next
 * unpacker removes. `template remove` takes the lock exclusively, so it can
 * never pull a lower from under a create, and refuses while CTs link to it.
 */
#ifndef VX_LAYOUT_H
#define VX_LAYOUT_H

#include <stdbool.h>
#include "ct.h"
#include "global.h"
#include "template.h"

enum vx_layout {
	VX_LAYOUT_PLAIN,
	VX_LAYOUT_OVERLAY,
	VX_LAYOUT_IMAGE,
	VX_LAYOUT_IMAGE_OVERLAY,
	VX_LAYOUT_BTRFS,	/* btrfs.h */
};

/* Disk limit = the size of the CT's own ext4 image (image.c, disk.c). */
static inline bool vx_layout_is_image(enum vx_layout l)
{
	return l == VX_LAYOUT_IMAGE || l == VX_LAYOUT_IMAGE_OVERLAY;
}

/* VE_PRIVATE/lower links to a shared template tree (overlay.c). */
static inline bool vx_layout_has_lower(enum vx_layout l)
{
	return l == VX_LAYOUT_OVERLAY || l == VX_LAYOUT_IMAGE_OVERLAY;
}

/* The layout new CTs get when neither --layout nor vz.conf names one. */
#define VX_LAYOUT_DEFAULT VX_LAYOUT_OVERLAY

/* "plain"/"simfs"/"overlay"/"image"/"image-overlay"/"btrfs" -> layout.
 * Anything else (ploop, quota layouts) is VX_E_INVAL_VALUE with a message that starts
 * "WHERE: VE_LAYOUT=\"X\" is not supported" and says why. */
int vx_layout_parse(const char *s, const char *where, enum vx_layout *out,
		    struct vx_error **err);
const char *vx_layout_name(enum vx_layout l);
/* An existing CT's layout: its config's VE_LAYOUT, plain if unset or
 * unknown (an unknown value is reported by mount, not guessed at). */
enum vx_layout vx_ct_layout(const struct vx_ct *ct);

/* ---- overlay.c ---- */

/* TEMPLATE/lower (malloc'd). */
char *vx_lower_dir(const struct vx_global *g);

/*
 * Makes sure the lower tree of template NAME (archive at `archive`) exists,
 * unpacking it if needed, and returns its path in *lower. Returns the lock
 * fd (>= 0), held shared: the caller keeps it until the CT that links to the
 * lower is committed (or rolled back), then closes it.
 */
int vx_lower_get(const struct vx_global *g, const char *name,
		 const char *archive, const struct vx_progress *progress,
		 char **lower, struct vx_error **err);

/* Locks TEMPLATE/lower/.NAME.lock (exclusive or shared, waiting). Returns
 * the fd. Used by template remove and prune. */
int vx_lower_lock(const struct vx_global *g, const char *name, bool excl,
		  struct vx_error **err);

/* Removes DIR/.NAME@*.tmp.* left by killed unpackers (lower trees and
 * btrfs template subvolumes alike). The caller holds NAME's lock
 * exclusively, so none of them is in progress. */
void vx_tpl_remove_stale_tmp(const char *dir, const char *name);

/* Makes sure the shared template tree `path` (what: "lower tree",
 * "subvolume") exists, calling unpack(ctx) under NAME's exclusive lock
 * if not. Returns the lock fd, held shared: the caller keeps it until the
 * CT using the tree is committed or rolled back. */
int vx_tpl_ensure(const struct vx_global *g, const char *name,
		  const char *path, const char *what,
		  int (*unpack)(void *ctx, struct vx_error **err), void *ctx,
		  struct vx_error **err);

/* Fills an empty directory with upper/, work/ and the lower symlink. */
int vx_overlay_fill(const char *dir, const char *lower,
		    struct vx_error **err);

/* VE_PRIVATE/lower's target (malloc'd) or NULL. */
char *vx_overlay_lower_of(const char *private);

/* Paths go into overlayfs' option string: refuse the characters that
 * would break it (',' ':' '\' and blanks), naming the path. */
int vx_overlay_check_path(const char *path, const char *what,
			  struct vx_error **err);

int vx_overlay_mount(const struct vx_ct *ct, struct vx_error **err);
bool vx_overlay_is_mounted(const struct vx_ct *ct);

/* ---- image.c: an ext4 image per CT on a loop device ---- */

/* image-overlay: the image is mounted on VE_PRIVATE/VX_IMAGE_MNT. */
#define VX_IMAGE_MNT "mnt"

/* VE_PRIVATE/root.img (malloc'd). */
char *vx_image_path(const char *private);
/* The image's size from DISKSPACE's limit (bytes) and inode count from
 * DISKINODES's limit (0: mkfs default). Unlimited DISKSPACE is refused. */
int vx_image_size(const struct vx_conf *conf, unsigned long long *bytes,
		  unsigned long long *inodes, struct vx_error **err);
/* Creates the sparse image file img and makes an ext4 in it; with seed,
 * the new file system holds a copy of that directory (mkfs.ext4 -d). */
int vx_image_make(const char *img, unsigned long long bytes,
		  unsigned long long inodes, const char *seed,
		  struct vx_error **err);
/* Attaches img to a free loop device (autoclear) and mounts it on target. */
int vx_image_mount_at(const char *img, const char *target,
		      struct vx_error **err);
/* image: the ext4 on VE_ROOT; image-overlay: the ext4 on VE_PRIVATE/mnt
 * (a stale one first unmounted), then the overlay on VE_ROOT. */
int vx_image_mount(const struct vx_ct *ct, struct vx_error **err);
/* Is the CT's ext4 mounted where its layout mounts it (vx_image_dir)? */
bool vx_image_is_mounted(const struct vx_ct *ct);
/* N of the /dev/loopN under that mount, or -1 if not mounted. */
int vx_image_loop_nr(const struct vx_ct *ct);
/* After the umount: waits (up to 10 s) until loop device nr (from
 * vx_image_loop_nr before it; < 0: nothing to wait for) is detached,
 * i.e. the ext4 is gone and its superblock written. */
int vx_image_wait_released(const struct vx_ct *ct, int nr,
			   struct vx_error **err);
/* Where the CT's ext4 is mounted: VE_ROOT, or VE_PRIVATE/mnt for
 * image-overlay. 0, or -ENAMETOOLONG. */
int vx_image_dir(const struct vx_ct *ct, char *buf, size_t size);
/* image-overlay: unmounts the ext4 from VE_PRIVATE/mnt if it is mounted
 * there (after the overlay's umount, or left by a killed mount); a no-op
 * for the other layouts. */
int vx_image_upper_umount(const struct vx_ct *ct, struct vx_error **err);
/* Runs argv (argv[0] an absolute path) with stdio on /dev/null, its
 * stderr into msg; returns its exit status (128+N: killed by signal N). */
int vx_image_run_tool(char *const argv[], char *msg, size_t msize);

#endif /* VX_LAYOUT_H */
