// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Create's per-layout step (storage_fill.h): fill the temp dir
 * VE_PRIVATE.tmp.PID with the new CT's files, one function per layout.
 * storage.c has journalled the temp dir and made it before (btrfs: the
 * snapshot made here is the temp dir), and renames it into place once this
 * returns; the crash safety of create is described there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btrfs.h"
#include "cleanup.h"
#include "setup.h"
#include "storage_fill.h"
#include "values.h"

/* overlay: the CT's private area is three entries next to a shared lower
 * tree, unpacked by the first create of the template (layout.h). */
static int fill_overlay(struct create *c, struct vx_error **err)
{
	cleanup_free char *lower = NULL;
	int ret;

	c->lower_lock = vx_lower_get(c->g, c->ostemplate, c->tpl_path,
				     c->progress, &lower, err);
	if (c->lower_lock < 0)
		return c->lower_lock;
	ret = vx_overlay_fill(c->tmp, lower, err);
	if (!ret && c->hostname) {
		char upper[PATH_MAX];

		snprintf(upper, sizeof(upper), "%s/upper", c->tmp);
		ret = vx_setup_hostname(lower, upper, c->hostname, err);
	}
	/* Nothing was unpacked here: no sync of our own, the entries reach
	 * the disk with create's commit (storage.c). */
	return ret;
}

/* image: a sparse ext4 image sized by the config's DISKSPACE, filled
 * through a temporary mount inside the temp dir (image.c). */
static int fill_image(struct create *c, struct vx_error **err)
{
	cleanup_free char *img = vx_image_path(c->tmp);
	unsigned long long bytes, inodes;
	char mnt[PATH_MAX];
	cleanup_close int fd = -1;
	int ret;

	if (!img)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	ret = vx_image_size(c->ct->conf, &bytes, &inodes, err);
	if (!ret)
		ret = vx_image_make(img, bytes, inodes, NULL, err);
	if (ret)
		return ret;
	snprintf(mnt, sizeof(mnt), "%s/mnt", c->tmp);
	if (mkdir(mnt, 0700) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "mkdir %s", mnt);
	ret = vx_image_mount_at(img, mnt, err);
	if (ret)
		return ret;
	ret = vx_template_unpack(c->tpl_path, mnt, c->progress, err);
	if (!ret)
		ret = vx_template_check_tree(mnt, c->tpl_path, err);
	if (!ret && c->hostname)
		ret = vx_setup_hostname(mnt, mnt, c->hostname, err);
	if (!ret) {
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0 || syncfs(fd) < 0)
			ret = vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
					   "sync %s", mnt);
		if (fd >= 0)
			close(steal_fd(fd));
	}
	/* Lazy: a tar killed half-way may still pin it for a moment. */
	if (umount2(mnt, ret ? MNT_DETACH : 0) < 0 && !ret)
		ret = vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "umount %s",
				   mnt);
	rmdir(mnt);
	if (!ret && (fd = open(img, O_RDONLY | O_CLOEXEC)) >= 0 && fsync(fd) < 0)
		ret = vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "sync %s", img);
	return ret;
}

/*
 * image-overlay: the shared lower tree (as overlay) and an ext4 image
 * holding upper/ and work/. mkfs.ext4 -d copies them in from a seed
 * directory, so nothing is mounted or unpacked: a killed create leaves
 * only files in the temp dir. The seed is TMP/mnt, the image's later
 * mount point, emptied again once the image is made.
 */
static int fill_image_overlay(struct create *c, struct vx_error **err)
{
	cleanup_free char *img = vx_image_path(c->tmp);
	cleanup_free char *lower = NULL;
	char seed[PATH_MAX], path[PATH_MAX + 16], link[PATH_MAX];
	unsigned long long bytes, inodes;
	int ret;

	if (!img)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	ret = vx_image_size(c->ct->conf, &bytes, &inodes, err);
	if (ret)
		return ret;
	c->lower_lock = vx_lower_get(c->g, c->ostemplate, c->tpl_path,
				     c->progress, &lower, err);
	if (c->lower_lock < 0)
		return c->lower_lock;
	snprintf(seed, sizeof(seed), "%s/" VX_IMAGE_MNT, c->tmp);
	if (mkdir(seed, 0700) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "mkdir %s",
				    seed);
	ret = vx_overlay_fill(seed, lower, err);
	if (ret)
		return ret;
	/* The link lives next to the image, where template remove and
	 * mount look for it, not inside it. */
	snprintf(path, sizeof(path), "%s/lower", seed);
	snprintf(link, sizeof(link), "%s/lower", c->tmp);
	if (rename(path, link) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "rename %s to %s", path, link);
	snprintf(path, sizeof(path), "%s/upper", seed);
	if (c->hostname)
		ret = vx_setup_hostname(lower, path, c->hostname, err);
	if (!ret)
		ret = vx_image_make(img, bytes, inodes, seed, err);
	if (ret)
		return ret;
	ret = vx_rm_rf(path, VX_E_CREATE_PRIVATE, err);
	snprintf(path, sizeof(path), "%s/work", seed);
	if (!ret && rmdir(path) < 0)
		ret = vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "rmdir %s",
				   path);
	/* mkfs.ext4 syncs the image; the entries of TMP reach the disk with
	 * create's commit (storage.c). */
	return ret;
}

static int fill_plain(struct create *c, struct vx_error **err)
{
	cleanup_close int fd = -1;
	int ret;

	ret = vx_template_unpack(c->tpl_path, c->tmp, c->progress, err);
	if (ret)
		return ret;
	ret = vx_template_check_tree(c->tmp, c->tpl_path, err);
	if (!ret && c->hostname)
		ret = vx_setup_hostname(c->tmp, c->tmp, c->hostname, err);
	if (ret)
		return ret;
	/* The unpacked files must be on disk before the rename makes them
	 * the CT's: otherwise a power loss could leave a "complete" CT of
	 * empty files. One syncfs is much cheaper than fsync per file. */
	fd = open(c->tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "sync %s",
				    c->tmp);
	return 0;
}

/* btrfs: a writable snapshot of the template's read-only subvolume with
 * its qgroup limit (btrfs.c). No mkdir: the snapshot is TMP. */
static int fill_btrfs(struct create *c, const char *parent,
		      struct vx_error **err)
{
	const char *ds = vx_conf_get(c->ct->conf, "DISKSPACE");
	cleanup_free char *tpl = NULL;
	uint64_t b = VX_UNLIMITED, l = VX_UNLIMITED;
	int ret;

	if (ds)
		vx_parse_barrier_limit(ds, VX_UNIT_KBYTES, &b, &l, NULL);
	/* Quotas first: a CT with a limit is never made without one. */
	if (l != VX_UNLIMITED) {
		ret = vx_btrfs_quota_enable(parent, c->ctid, err);
		if (ret)
			return ret;
	}
	c->lower_lock = vx_btrfs_tpl_get(c->g, c->private, c->ostemplate,
					 c->tpl_path, c->progress, &tpl, err);
	if (c->lower_lock < 0)
		return c->lower_lock;
	ret = vx_btrfs_snapshot(tpl, c->tmp, l == VX_UNLIMITED ? 0 : l, err);
	/* The snapshot is committed, the limit goes with the fsync after the
	 * rename (a full commit for a subvolume: btrfs.c); setup fsyncs. */
	if (!ret && c->hostname)
		ret = vx_setup_hostname(c->tmp, c->tmp, c->hostname, err);
	return ret;
}

int vx_create_fill(struct create *c, const char *parent,
		   struct vx_error **err)
{
	return c->layout == VX_LAYOUT_OVERLAY ? fill_overlay(c, err) :
	       c->layout == VX_LAYOUT_IMAGE ? fill_image(c, err) :
	       c->layout == VX_LAYOUT_IMAGE_OVERLAY ? fill_image_overlay(c, err) :
	       c->layout == VX_LAYOUT_BTRFS ? fill_btrfs(c, parent, err) :
					      fill_plain(c, err);
}
