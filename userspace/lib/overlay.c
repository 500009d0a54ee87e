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
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
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

/* Removes .NAME@*.tmp.* left by killed unpackers. Caller holds NAME's
 * lock exclusively, so none of them is in progress. */
static void remove_stale_tmp(const char *dir, const char *name)
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

	remove_stale_tmp(dir, name);
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

int vx_lower_get(const struct vx_global *g, const char *name,
		 const char *archive, const struct vx_progress *progress,
		 char **lower, struct vx_error **err)
{
	cleanup_free char *dir = vx_lower_dir(g);
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	char id[64];
	struct stat st;
	int ret;

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
	fd = vx_lower_lock(g, name, false, err);
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
					    "template %s: lower tree %s keeps disappearing (is `vzctl template remove %s` running in a loop?)",
					    name, path, name);
		while (flock(fd, LOCK_EX) < 0)
			if (errno != EINTR)
				return vx_error_set(err, VX_E_SYSTEM, errno,
						    "flock template %s", name);
		if (!is_dir(path)) {
			ret = unpack_lower(dir, name, id, archive, path,
					   progress, err);
			if (ret)
				return ret;
		}
		while (flock(fd, LOCK_SH) < 0)
			if (errno != EINTR)
				return vx_error_set(err, VX_E_SYSTEM, errno,
						    "flock template %s", name);
	}
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

/* realpath(private)/upper etc.: the strings the mount is made with and
 * later recognised by in mountinfo. */
static int overlay_opts(const struct vx_ct *ct, char *opts, size_t size,
			struct vx_error **err)
{
	cleanup_free char *lower = vx_overlay_lower_of(ct->private);
	char priv[PATH_MAX], low[PATH_MAX];
	int ret;

	if (!realpath(ct->private, priv))
		return vx_error_set(err, VX_E_NO_PRIVATE, errno,
				    "ct %u: private area %s", ct->ctid,
				    ct->private);
	upper_base(ct, priv, sizeof(priv));
	if (!lower)
		return vx_error_set(err, VX_E_MOUNT, errno,
				    "ct %u: %s/lower: not an overlay private area (VE_LAYOUT=\"%s\" in the config, but no lower link)",
				    ct->ctid, ct->private,
				    vx_layout_name(vx_ct_layout(ct)));
	if (!realpath(lower, low))
		return vx_error_set(err, VX_E_MOUNT, errno,
				    "ct %u: the template tree %s it was made from is gone; restore it (the same archive unpacked there) or destroy the CT",
				    ct->ctid, lower);
	ret = vx_overlay_check_path(priv, "private area", err);
	if (!ret)
		ret = vx_overlay_check_path(low, "template tree", err);
	if (ret)
		return ret;
	if ((size_t)snprintf(opts, size, "lowerdir=%s,upperdir=%s/upper,workdir=%s/work",
			     low, priv, priv) >= size)
		return vx_error_set(err, VX_E_MOUNT, ENAMETOOLONG,
				    "ct %u: overlay options", ct->ctid);
	return 0;
}

int vx_overlay_mount(const struct vx_ct *ct, struct vx_error **err)
{
	char opts[3 * PATH_MAX + 64];
	int ret = overlay_opts(ct, opts, sizeof(opts), err);

	if (ret)
		return ret;
	if (mount("overlay", ct->root, "overlay", 0, opts) < 0)
		return vx_error_set(err, VX_E_MOUNT, errno,
				    "ct %u: mount overlay on %s (%s)", ct->ctid,
				    ct->root, opts);
	return 0;
}

/* Undoes the octal escapes (\040 for space ...) of /proc/self/mountinfo. */
static void unescape(char *s)
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

/* Mounted = an overlay on VE_ROOT whose upperdir is this CT's. */
bool vx_overlay_is_mounted(const struct vx_ct *ct)
{
	char root[PATH_MAX], priv[PATH_MAX], want[PATH_MAX + 16];
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0, wlen;

	struct stat r, up;

	if (!realpath(ct->root, root) || !realpath(ct->private, priv))
		return false;
	/* Fast path, the common case of a stopped CT: an overlay root has
	 * its own device number, so VE_ROOT on its parent's device is not
	 * one, and mountinfo (one line per running CT) need not be read. */
	snprintf(want, sizeof(want), "%s/..", root);
	if (stat(root, &r) < 0 || stat(want, &up) < 0 || r.st_dev == up.st_dev)
		return false;
	upper_base(ct, priv, sizeof(priv));
	wlen = (size_t)snprintf(want, sizeof(want), "upperdir=%s/upper", priv);
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	/* id parent maj:min root mountpoint opts [optional...] - fstype
	 * source superopts */
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *mnt = NULL, *tok, *dash, *fstype, *sopts;
		int i = 0;

		dash = strstr(line, " - ");
		if (!dash)
			continue;
		*dash = '\0';
		for (tok = strtok_r(line, " ", &save); tok && i < 4;
		     tok = strtok_r(NULL, " ", &save))
			i++;
		mnt = tok;
		if (!mnt)
			continue;
		unescape(mnt);
		if (strcmp(mnt, root))
			continue;
		save = NULL;
		fstype = strtok_r(dash + 3, " ", &save);
		strtok_r(NULL, " ", &save);	/* source */
		sopts = strtok_r(NULL, " \n", &save);
		if (!fstype || strcmp(fstype, "overlay") || !sopts)
			continue;
		for (tok = strtok_r(sopts, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			unescape(tok);
			if (!strncmp(tok, want, wlen) && !tok[wlen])
				return true;
		}
	}
	return false;
}
