// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The overlay layout: shared lower trees and the per-CT overlayfs mount
 * (see layout.h for the model and the locking rules).
 *
 * A lower tree is never written after its rename: overlayfs copies a file
 * up into the CT's upper directory before changing it, and nothing else
 * mounts a lower writable. Its parent, TEMPLATE/lower, is 0700 like the
 * private areas, because the trees hold setuid binaries of CTs.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "layout.h"
#include "storage.h"
#include "template.h"

char *vx_lower_dir(const struct vx_global *g)
{
	char *s;

	return asprintf(&s, "%s/lower", g->template_dir) < 0 ? NULL : s;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int vx_lower_lock(const struct vx_global *g, const char *name, bool excl,
		  struct vx_error **err)
{
	cleanup_free char *dir = vx_lower_dir(g);
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	int ret;

	if (!dir || asprintf(&path, "%s/.%s.lock", dir, name) < 0) {
		path = NULL;
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	}
	ret = vx_mkdir_p(dir, 0700, err);
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "open %s", path);
	/* Held for an unpack at most (seconds): waiting is right. */
	while (flock(fd, excl ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR)
			return vx_error_set(err, VX_E_SYSTEM, errno, "flock %s",
					    path);
	return steal_fd(fd);
}

void vx_tpl_remove_stale_tmp(const char *dir, const char *name)
{
	cleanup_dir DIR *d = opendir(dir);
	size_t len = strlen(name);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char p[PATH_MAX];

		if (de->d_name[0] != '.' || strncmp(de->d_name + 1, name, len) ||
		    de->d_name[1 + len] != '@' || !strstr(de->d_name, ".tmp."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		vx_rm_rf(p, VX_E_CREATE_PRIVATE, NULL);
	}
}

static int unpack_lower(const char *dir, const char *name, const char *id,
			const char *archive, const char *lower,
			const struct vx_progress *progress,
			struct vx_error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	int ret;

	vx_tpl_remove_stale_tmp(dir, name);
	if (asprintf(&tmp, "%s/.%s@%s.tmp.%d", dir, name, id, (int)getpid()) < 0) {
		tmp = NULL;
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	}
	if (mkdir(tmp, 0755) < 0 || chmod(tmp, 0755) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "mkdir %s",
				    tmp);
	ret = vx_template_unpack(archive, tmp, progress, err);
	if (!ret)
		ret = vx_template_check_tree(tmp, archive, err);
	if (!ret) {
		/* On disk before the rename publishes it to every CT. */
		fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd) < 0)
			ret = vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
					   "sync %s", tmp);
	}
	if (!ret && rename(tmp, lower) < 0)
		ret = vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				   "rename %s to %s", tmp, lower);
	if (ret) {
		vx_rm_rf(tmp, VX_E_CREATE_PRIVATE, NULL);
		vx_error_prefix(err, "unpack template %s into the shared lower tree",
				name);
		return ret;
	}
	vx_fsync_path(dir);
	return 0;
}

struct lower_job {
	const char *dir, *name, *id, *archive, *path;
	const struct vx_progress *progress;
};

static int unpack_lower_cb(void *ctx, struct vx_error **err)
{
	const struct lower_job *j = ctx;

	return unpack_lower(j->dir, j->name, j->id, j->archive, j->path,
			    j->progress, err);
}

int vx_tpl_ensure(const struct vx_global *g, const char *name,
		  const char *path, const char *what,
		  int (*unpack)(void *ctx, struct vx_error **err), void *ctx,
		  struct vx_error **err)
{
	cleanup_close int fd = vx_lower_lock(g, name, false, err);
	int ret;

	if (fd < 0)
		return fd;
	/*
	 * flock cannot upgrade atomically: after unpacking under the
	 * exclusive lock we go back to shared and look again, since a
	 * `template remove` may have run in between.
	 */
	for (int tries = 0; !is_dir(path); tries++) {
		if (tries == 3)
			return vx_error_set(err, VX_E_CREATE_PRIVATE, 0,
					    "template %s: %s %s keeps disappearing (is `vzctl template remove %s` running in a loop?)",
					    name, what, path, name);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return vx_error_set(err, VX_E_SYSTEM, errno,
						    "flock template %s", name);
		if (!is_dir(path)) {
			ret = unpack(ctx, err);
			if (ret)
				return ret;
		}
		while (flock(fd, LOCK_SH) < 0)
			if (errno != EINTR)
				return vx_error_set(err, VX_E_SYSTEM, errno,
						    "flock template %s", name);
	}
	return steal_fd(fd);
}

int vx_lower_get(const struct vx_global *g, const char *name,
		 const char *archive, const struct vx_progress *progress,
		 char **lower, struct vx_error **err)
{
	cleanup_free char *dir = vx_lower_dir(g);
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	char id[64];
	struct stat st;

	if (!dir)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	if (stat(archive, &st) < 0)
		return vx_error_set(err, VX_E_NO_OSTEMPLATE_FILE, errno, "%s",
				    archive);
	/* The archive's identity: a rebuilt cache (written to a temp file
	 * and renamed) has a new mtime, so it gets a new lower and CTs made
	 * from the old one keep the tree they were made from. */
	snprintf(id, sizeof(id), "%llx-%llx",
		 (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
		 (unsigned long long)st.st_mtim.tv_nsec,
		 (unsigned long long)st.st_size);
	if (asprintf(&path, "%s/%s@%s", dir, name, id) < 0) {
		path = NULL;
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	}
	fd = vx_tpl_ensure(g, name, path, "lower tree", unpack_lower_cb,
			   &(struct lower_job){ dir, name, id, archive, path,
						progress }, err);
	if (fd < 0)
		return fd;
	*lower = steal_ptr(path);
	return steal_fd(fd);
}

int vx_overlay_fill(const char *dir, const char *lower,
		    struct vx_error **err)
{
	char upper[PATH_MAX], work[PATH_MAX], link[PATH_MAX];
	struct stat st;

	if (stat(lower, &st) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "%s", lower);
	snprintf(upper, sizeof(upper), "%s/upper", dir);
	snprintf(work, sizeof(work), "%s/work", dir);
	snprintf(link, sizeof(link), "%s/lower", dir);
	/* The merged root takes its owner and mode from the upper dir. */
	if (mkdir(upper, 0755) < 0 || chown(upper, st.st_uid, st.st_gid) < 0 ||
	    chmod(upper, st.st_mode & 07777) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "mkdir %s",
				    upper);
	if (mkdir(work, 0700) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "mkdir %s",
				    work);
	if (symlink(lower, link) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "symlink %s", link);
	return 0;
}

char *vx_overlay_lower_of(const char *private)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t r;

	snprintf(link, sizeof(link), "%s/lower", private);
	r = readlink(link, target, sizeof(target) - 1);
	if (r <= 0)
		return NULL;
	target[r] = '\0';
	return strdup(target);
}

int vx_overlay_check_path(const char *path, const char *what,
			  struct vx_error **err)
{
	if (!strpbrk(path, ",:\\ \t\n"))
		return 0;
	vx_error_set(err, VX_E_INVAL_VALUE, 0,
		     "%s %s contains one of , : \\ or a blank, which overlayfs mount options cannot carry; choose another path or --layout plain",
		     what, path);
	return -EINVAL;
}

/* Where upper/ and work/ are: realpath(private), or for image-overlay
 * the CT's ext4 image mounted on its mnt/ (image.c). */
static void upper_base(const struct vx_ct *ct, char *priv, size_t size)
{
	if (vx_ct_layout(ct) == VX_LAYOUT_IMAGE_OVERLAY &&
	    strlen(priv) + sizeof("/" VX_IMAGE_MNT) <= size)
		strcat(priv, "/" VX_IMAGE_MNT);
}

/* The layers are named relative to the directory holding upper/ and
 * work/ (the mount is made from there): overlayfs shows its options as
 * given in every mountinfo, the CT's own included, and absolute paths
 * would tell a VPS where the host keeps it. Resolves and checks the
 * absolute paths first, for the errors. Returns the upper base in dir. */
static int overlay_opts(const struct vx_ct *ct, char *opts, size_t size,
			char *dir, struct vx_error **err)
{
	cleanup_free char *lower = vx_overlay_lower_of(ct->private);
	char low[PATH_MAX];
	bool image = vx_ct_layout(ct) == VX_LAYOUT_IMAGE_OVERLAY;

	if (!realpath(ct->private, dir))
		return vx_error_set(err, VX_E_NO_PRIVATE, errno,
				    "ct %u: private area %s", ct->ctid,
				    ct->private);
	upper_base(ct, dir, PATH_MAX);
	if (!lower)
		return vx_error_set(err, VX_E_MOUNT, errno,
				    "ct %u: %s/lower: not an overlay private area (VE_LAYOUT=\"%s\" in the config, but no lower link)",
				    ct->ctid, ct->private,
				    vx_layout_name(vx_ct_layout(ct)));
	if (!realpath(lower, low))
		return vx_error_set(err, VX_E_MOUNT, errno,
				    "ct %u: the template tree %s it was made from is gone; restore it (the same archive unpacked there) or destroy the CT",
				    ct->ctid, lower);
	/* the lower link sits in VE_PRIVATE, one level above mnt/ */
	snprintf(opts, size, "lowerdir=%slower,upperdir=upper,workdir=work",
		 image ? "../" : "");
	return 0;
}

int vx_overlay_mount(const struct vx_ct *ct, struct vx_error **err)
{
	char opts[128], dir[PATH_MAX];
	cleanup_close int cwd = -1;
	int ret = overlay_opts(ct, opts, sizeof(opts), dir, err), saved = 0;

	if (ret)
		return ret;
	/* Callers are single-threaded processes (a vxd worker, a monitor):
	 * the cwd is theirs to borrow. */
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (chdir(dir) < 0)
		return vx_error_set(err, VX_E_MOUNT, errno, "ct %u: chdir %s",
				    ct->ctid, dir);
	if (mount("overlay", ct->root, "overlay", 0, opts) < 0)
		saved = errno;
	if (cwd >= 0 && fchdir(cwd) < 0)
		saved = saved ? saved : errno;
	if (saved)
		return vx_error_set(err, VX_E_MOUNT, saved,
				    "ct %u: mount overlay on %s (%s in %s)",
				    ct->ctid, ct->root, opts, dir);
	return 0;
}

bool vx_overlay_is_mounted(const struct vx_ct *ct)
{
	char up[PATH_MAX + 4];
	struct stat r, p;
	struct statfs sf;

	/* VE_ROOT is a mount point iff its device differs from its
	 * parent's (a stopped CT's, the common case, does not); it is this
	 * CT's root iff that mount is an overlay: VE_ROOT is the CT's own
	 * directory. O(1): no mountinfo, which has a line per running CT. */
	snprintf(up, sizeof(up), "%s/..", ct->root);
	if (stat(ct->root, &r) < 0 || stat(up, &p) < 0 || r.st_dev == p.st_dev)
		return false;
	return statfs(ct->root, &sf) == 0 && sf.f_type == OVERLAYFS_SUPER_MAGIC;
}
