// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The create journal (LOCKDIR/CTID.creating), its rollback and recovery,
 * and the file helpers storage.c shares with it (see storage.c's header
 * for the crash-safety rule the journal implements).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btrfs.h"
#include "cleanup.h"
#include "journal.h"
#include "layout.h"
#include "lock.h"
#include "storage.h"

/* ---- small file helpers ---- */

static __thread int rm_errno;
static __thread char rm_failed[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT && !rm_errno) {
		rm_errno = errno;
		snprintf(rm_failed, sizeof(rm_failed), "%s", path);
	}
	return 0;	/* keep going: remove as much as we can */
}

/*
 * rm -rf that never follows symlinks and never crosses into another
 * filesystem (FTW_MOUNT): a mount left inside a CT tree makes the removal
 * fail with EBUSY instead of deleting the host's files behind it.
 */
int vx_rm_rf(const char *path, int code, struct vx_error **err)
{
	struct stat st;
	const char *p;
	int slashes = 0, ret;

	for (p = path; *p; p++)
		slashes += *p == '/' && p[1] && p[1] != '/';
	/* Refuse "/", "/vz" and relative paths: never ours to delete. */
	if (path[0] != '/' || slashes < 2)
		return vx_error_set(err, code, EINVAL,
				    "refusing to remove '%s'", path);
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 :
			vx_error_set(err, code, errno, "remove %s", path);
	/* A btrfs subvolume (the btrfs layout's private areas and template
	 * trees) goes in one ioctl, read-only ones too. */
	ret = vx_btrfs_subvol_rm(path, code, err);
	if (ret)
		return ret < 0 ? ret : 0;
	rm_errno = 0;
	if (nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 &&
	    !rm_errno) {
		rm_errno = errno;
		snprintf(rm_failed, sizeof(rm_failed), "%s", path);
	}
	if (rm_errno)
		return vx_error_set(err, code, rm_errno, "remove %s", rm_failed);
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int vx_fsync_path(const char *path)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 || fsync(fd) < 0 ? -errno : 0;
}

char *vx_journal_path(const struct vx_global *g, unsigned int ctid)
{
	char *s;

	return asprintf(&s, "%s/%u.creating", g->lockdir, ctid) < 0 ? NULL : s;
}

char *vx_path_suffixed(const char *path, const char *suffix)
{
	char *s;

	return asprintf(&s, "%s%s", path, suffix) < 0 ? NULL : s;
}

/* ---- create journal and rollback ---- */

/* Undoes everything a journal lists. Every step tolerates "not there". */
int vx_journal_rollback(const struct vx_global *g, unsigned int ctid,
		    const struct vx_conf *j, const char *jpath,
		    struct vx_error **err)
{
	const char *tmp = vx_conf_get(j, "TMP");
	const char *priv = vx_conf_get(j, "PRIVATE");
	const char *root = vx_conf_get(j, "ROOT");
	const char *conf = vx_conf_get(j, "CONF");
	const char *name = vx_conf_get(j, "NAME");
	int ret = 0;

	if (conf && *conf && unlink(conf) < 0 && errno != ENOENT)
		ret = vx_error_set(err, VX_E_DESTROY, errno, "remove %s", conf);
	if (name && *name) {
		struct vx_ct fake = { .ctid = ctid, .conf = vx_conf_new() };

		/* Removes names/NAME only if it points at this CTID. */
		if (fake.conf && !vx_conf_set(fake.conf, "NAME", name))
			vx_ct_name_remove(g, &fake);
		vx_conf_free(fake.conf);
	}
	if (!ret && tmp && *tmp) {
		char mnt[PATH_MAX];

		/* image layout: a creator killed while filling the image left
		 * it mounted on TMP/mnt; lazily, the loop device goes with it
		 * (autoclear). */
		snprintf(mnt, sizeof(mnt), "%s/mnt", tmp);
		if (vx_is_mount_point(mnt))
			umount2(mnt, MNT_DETACH);
		ret = vx_rm_rf(tmp, VX_E_DESTROY, err);
	}
	if (!ret && priv && *priv)
		ret = vx_rm_rf(priv, VX_E_DESTROY, err);
	/* rmdir: only an empty mount point we made, never a busy mount. */
	if (!ret && root && *root && !strcmp(vx_conf_get(j, "ROOT_CREATED") ?: "",
					     "yes"))
		rmdir(root);
	if (ret) {
		vx_error_prefix(err, "ct %u: roll back unfinished create (journal %s)",
				ctid, jpath);
		return ret;
	}
	if (unlink(jpath) < 0 && errno != ENOENT)
		return vx_error_set(err, VX_E_DESTROY, errno, "remove %s", jpath);
	vx_fsync_path(g->lockdir);
	return 0;
}

int vx_ct_recover(const struct vx_global *g, unsigned int ctid,
		  struct vx_error **err)
{
	cleanup_free char *jpath = vx_journal_path(g, ctid);
	struct vx_conf *j = NULL;
	int ret;

	if (!jpath)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u", ctid);
	if (!exists(jpath))
		return 0;
	ret = vx_conf_load(jpath, &j, err);
	if (ret == -ENOENT) {
		vx_error_free(err ? *err : NULL);
		if (err)
			*err = NULL;
		return 0;
	}
	if (ret) {
		vx_error_prefix(err, "ct %u: unreadable create journal; inspect and remove it by hand",
				ctid);
		return ret;
	}
	if (!vx_conf_get(j, "COMPLETE")) {
		/* Empty or cut short by a power loss before create's fsync of
		 * it returned: create had made nothing yet (storage.c). */
		vx_conf_free(j);
		if (unlink(jpath) < 0 && errno != ENOENT)
			return vx_error_set(err, VX_E_DESTROY, errno,
					    "remove %s", jpath);
		return 1;
	}
	ret = vx_journal_rollback(g, ctid, j, jpath, err);
	vx_conf_free(j);
	return ret < 0 ? ret : 1;
}

int vx_ct_recover_all(const struct vx_global *g)
{
	cleanup_dir DIR *d = opendir(g->lockdir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		unsigned int ctid;
		char rest[16];
		int lock;

		if (sscanf(de->d_name, "%u.%15s", &ctid, rest) != 2 ||
		    strcmp(rest, "creating"))
			continue;
		/* Held: that create is alive (or another recovery runs). */
		lock = vx_lock_ct_op(g, ctid, "recover", false, NULL);
		if (lock < 0)
			continue;
		if (vx_ct_recover(g, ctid, NULL) > 0)
			n++;
		vx_unlock_ct(lock);
	}
	return n;
}
