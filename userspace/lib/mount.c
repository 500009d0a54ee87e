// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Mounting a CT's private area on VE_ROOT, for each layout (layout.h).
 *
 * plain: VE_PRIVATE is bind-mounted on VE_ROOT; overlay: an overlayfs of
 * the template's lower tree and VE_PRIVATE/upper; image and image-overlay:
 * image.c. Then the new mount is made private,
 * so mounts made inside a running CT never propagate to the host's view and
 * the host's never appear inside (systemd makes / shared, and a bind mount
 * inherits that). "Mounted" means: VE_ROOT is a mount point in
 * /proc/self/mountinfo *and* its root is this private area (same inode), so
 * an unrelated mount on VE_ROOT is never taken for the CT. For overlay the
 * root inode is the overlay's own, so the mountinfo entry is matched by
 * its upperdir instead (overlay.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "layout.h"
#include "storage.h"

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Undoes the octal escapes (\040 for space ...) of /proc/self/mountinfo. */
static void unescape_mountinfo(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0');
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/* Is path (resolved) a mount point in our mount namespace? statx says so
 * in one call (Linux >= 5.8); mountinfo, the fallback, has a line per
 * running CT. */
bool vx_is_mount_point(const char *path)
{
	char real[PATH_MAX], mnt[PATH_MAX + 1];
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *line = NULL;
	struct statx stx;
	size_t cap = 0;

	if (statx(AT_FDCWD, path, 0, 0, &stx) < 0)
		return false;
	if (stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT)
		return stx.stx_attributes & STATX_ATTR_MOUNT_ROOT;
	if (!realpath(path, real))
		return false;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	/* Fields: id parent major:minor root mountpoint ... */
	while (getline(&line, &cap, f) > 0) {
		if (sscanf(line, "%*d %*d %*s %*s %4096s", mnt) != 1)
			continue;
		unescape_mountinfo(mnt);
		if (!strcmp(mnt, real))
			return true;
	}
	return false;
}

bool vx_ct_private_exists(const struct vx_ct *ct)
{
	char upper[PATH_MAX];
	struct stat st;

	if (vx_layout_is_image(vx_ct_layout(ct))) {
		snprintf(upper, sizeof(upper), "%s/root.img", ct->private);
		return stat(upper, &st) == 0 && S_ISREG(st.st_mode);
	}
	if (vx_ct_layout(ct) != VX_LAYOUT_OVERLAY)
		return is_dir(ct->private);
	snprintf(upper, sizeof(upper), "%s/upper", ct->private);
	return is_dir(upper);
}

bool vx_ct_is_mounted(const struct vx_ct *ct)
{
	struct stat r, p;

	if (vx_layout_has_lower(vx_ct_layout(ct)))
		return vx_overlay_is_mounted(ct);
	if (vx_ct_layout(ct) == VX_LAYOUT_IMAGE)
		return vx_image_is_mounted(ct);

	/* Mounted = VE_ROOT is a mount point whose root is this private
	 * area (same inode), not just "something is mounted there". */
	if (stat(ct->root, &r) < 0 || stat(ct->private, &p) < 0)
		return false;
	if (r.st_dev != p.st_dev || r.st_ino != p.st_ino)
		return false;
	return vx_is_mount_point(ct->root);
}

int vx_ct_mount(const struct vx_global *g, struct vx_ct *ct,
		struct vx_error **err)
{
	int ret;

	if (!vx_ct_private_exists(ct))
		return vx_error_set(err, VX_E_NO_PRIVATE, 0,
				    "ct %u: private area %s not found; its files are gone: restore the directory or remove the CT with `vzctl destroy %u`",
				    ct->ctid, ct->private, ct->ctid), -ENOENT;
	if (vx_ct_is_mounted(ct))
		return vx_error_set(err, VX_E_MOUNTED, 0,
				    "ct %u is already mounted on %s", ct->ctid,
				    ct->root), -EBUSY;
	if (vx_is_mount_point(ct->root))
		return vx_error_set(err, VX_E_MOUNT, 0,
				    "ct %u: something else is mounted on %s; unmount it first (umount %s)",
				    ct->ctid, ct->root, ct->root), -EBUSY;
	ret = vx_mkdir_p(ct->root, 0755, err);
	if (ret) {
		if (err && *err)
			(*err)->code = VX_E_MOUNT;
		vx_error_prefix(err, "ct %u: mount", ct->ctid);
		return ret;
	}
	/* plain and btrfs (a subvolume): a bind mount */
	if (vx_layout_is_image(vx_ct_layout(ct)) ||
	    vx_layout_has_lower(vx_ct_layout(ct))) {
		ret = vx_layout_is_image(vx_ct_layout(ct)) ?
			vx_image_mount(ct, err) : vx_overlay_mount(ct, err);
		if (ret)
			return ret;
	} else if (mount(ct->private, ct->root, NULL, MS_BIND, NULL) < 0) {
		return vx_error_set(err, VX_E_MOUNT, errno,
				    "ct %u: bind mount %s on %s", ct->ctid,
				    ct->private, ct->root);
	}
	if (mount(NULL, ct->root, NULL, MS_PRIVATE, NULL) < 0) {
		int e = errno;

		umount2(ct->root, MNT_DETACH);
		return vx_error_set(err, VX_E_MOUNT, e,
				    "ct %u: make %s a private mount", ct->ctid,
				    ct->root);
	}
	return 0;
}

int vx_ct_umount(const struct vx_global *g, struct vx_ct *ct,
		 struct vx_error **err)
{
	/* image: the ext4 on VE_ROOT, waited for below */
	int nr = vx_ct_layout(ct) == VX_LAYOUT_IMAGE ? vx_image_loop_nr(ct) : -1;

	if (!vx_ct_is_mounted(ct))
		return vx_error_set(err, VX_E_NOT_MOUNTED, 0,
				    "ct %u is not mounted", ct->ctid), -EINVAL;
	if (umount2(ct->root, UMOUNT_NOFOLLOW) < 0) {
		if (errno == EBUSY)
			return vx_error_set(err, VX_E_UMOUNT, EBUSY,
					    "ct %u: unmount %s (a process on the host uses files in it or something is mounted below it; see `fuser -vm %s`)",
					    ct->ctid, ct->root, ct->root);
		return vx_error_set(err, VX_E_UMOUNT, errno,
				    "ct %u: unmount %s", ct->ctid, ct->root);
	}
	/* image-overlay: the ext4 under the overlay goes after it. */
	return vx_image_wait_released(ct, nr, err) ?:
	       vx_image_upper_umount(ct, err);
}
