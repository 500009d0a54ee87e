// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * CT storage: create, destroy, mount, umount, recover (see storage.h).
 *
 * Crash safety of create rests on one rule: the journal LOCKDIR/CTID.creating
 * is written (atomically) *before* anything else, and lists everything the
 * create may leave behind: the temp dir, the private area, the VE_ROOT
 * mount point (only if create makes it), the config, the name link. Create
 * removes it last. Whoever later holds the CT lock and finds a journal knows
 * the creator died (its flock is gone) and undoes every listed item; each
 * undo step tolerates "already gone", so a rollback that itself is
 * interrupted is simply run again. The journal only ever lists paths that
 * did not exist when it was written, so a rollback never removes anything
 * the create did not make.
 *
 * Destroy renames the private area to PRIVATE.destroyed first (atomic: the
 * CT's files are gone at once), deletes the tree, the name link, the mount
 * point and the state file, and removes the config last: a destroy killed
 * anywhere leaves a CT whose destroy finishes the job.
 *
 * The journal's rollback and recovery live in journal.c, mounting in
 * mount.c, filling the temp dir per layout in storage_fill.c.
 */
#include <errno.h>
#include <ftw.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btrfs.h"
#include "cleanup.h"
#include "journal.h"
#include "quota.h"
#include "layout.h"
#include "lock.h"
#include "setup.h"
#include "state.h"
#include "storage.h"
#include "storage_fill.h"
#include "values.h"
#include "crashpoint.h"

/* ---- helpers ---- */

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* ---- create ---- */

static void create_free(struct create *c)
{
	free(c->hostname);
	free(c->tpl_path);
	free(c->private);
	free(c->root);
	free(c->tmp);
	free(c->jpath);
	free(c->destroyed);
	vx_ct_free(c->ct);
	vx_conf_free(c->journal);
	/* Only now, after commit or rollback: until then a `template
	 * remove` must not take the lower tree the new CT links to. */
	if (c->lower_lock >= 0)
		close(c->lower_lock);
}

/*
 * The new CT's layout: --layout, else the sample's VE_LAYOUT, else
 * vz.conf's, else the built-in default. A layout vx does not have is
 * refused wherever it is written, instead of ignoring a setting the user
 * made on purpose.
 */
static int pick_layout(struct create *c, const struct vx_create_opts *o,
		       const char *sample, struct vx_error **err)
{
	const char *s = vx_conf_get(c->ct->conf, "VE_LAYOUT");
	const char *g = vx_conf_get(c->g->conf, "VE_LAYOUT");
	enum vx_layout l;
	int ret;

	c->layout = VX_LAYOUT_DEFAULT;
	if (g && *g) {
		ret = vx_layout_parse(g, "vz.conf", &l, err);
		if (ret)
			return ret;
		c->layout = l;
	}
	if (s && *s) {
		ret = vx_layout_parse(s, sample, &l, err);
		if (ret)
			return ret;
		c->layout = l;
	}
	if (o->layout && *o->layout) {
		ret = vx_layout_parse(o->layout, "--layout", &l, err);
		if (ret)
			return ret;
		c->layout = l;
	}
	return 0;
}

/* --diskspace / --diskinodes: checked and stored as "soft:hard" numbers
 * (1 KiB blocks, inodes) over the sample's, before the image is sized. */
static int disk_opts(struct vx_conf *conf, const struct vx_create_opts *o,
		     struct vx_error **err)
{
	const char *arg[] = { o->diskspace, o->diskinodes };
	const char *key[] = { "DISKSPACE", "DISKINODES" };
	const enum vx_unit unit[] = { VX_UNIT_KBYTES, VX_UNIT_COUNT };

	for (size_t i = 0; i < ARRAY_SIZE(arg); i++) {
		uint64_t b, l;
		char v[64];

		if (!arg[i])
			continue;
		if (vx_parse_barrier_limit(arg[i], unit[i], &b, &l, err) < 0)
			return -EINVAL;
		snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)b,
			 (unsigned long long)l);
		if (vx_conf_set(conf, key[i], v) < 0)
			return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	}
	return 0;
}

/* Everything that can be refused is checked before anything is written. */
static int create_check(struct create *c, const struct vx_create_opts *o,
			struct vx_error **err)
{
	const struct vx_global *g = c->g;
	cleanup_free char *sample = NULL;
	unsigned int owner;
	int ret;

	if (vx_ct_exists(g, c->ctid)) {
		cleanup_free char *p = vx_ct_conf_path(g, c->ctid);

		return vx_error_set(err, VX_E_PRIVATE_EXISTS, 0,
				    "ct %u already exists (%s); destroy it first or pick another CTID",
				    c->ctid, p ?: "config"), -EEXIST;
	}
	if (c->hostname && vx_check_hostname(c->hostname, err))
		return -EINVAL;
	if (o->name) {
		if (vx_check_name(o->name, err))
			return -EINVAL;
		if (vx_ct_resolve(g, o->name, &owner, NULL) == 0)
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "name '%s' is already used by CT %u; pick another name",
					    o->name, owner), -EEXIST;
	}
	if ((o->private && o->private[0] != '/') || (o->root && o->root[0] != '/'))
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "--private and --root need absolute paths (got '%s')",
				    o->private && o->private[0] != '/' ?
				    o->private : o->root), -EINVAL;
	if (strchr(c->sample, '/') || !*c->sample)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "invalid --config '%s': expected a sample name such as 'basic'",
				    c->sample), -EINVAL;
	ret = vx_template_find(g, c->ostemplate, &c->tpl_path, err);
	if (ret)
		return ret;

	if (asprintf(&sample, "%s/ve-%s.conf-sample", g->ctconfdir, c->sample) < 0) {
		sample = NULL;
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	}
	c->ct = calloc(1, sizeof(*c->ct));
	if (!c->ct)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	c->ct->ctid = c->ctid;
	ret = vx_conf_load(sample, &c->ct->conf, err);
	if (ret == -ENOENT) {
		vx_error_free(err ? *err : NULL);
		if (err)
			*err = NULL;
		return vx_error_set(err, VX_E_NOCONFIG, 0,
				    "sample config %s not found; install it there or pick another sample with --config NAME (file ve-NAME.conf-sample)",
				    sample), -ENOENT;
	}
	if (ret)
		return ret;
	ret = vx_template_apply_conf(g, c->ostemplate, c->ct->conf, err);
	if (ret)
		return ret;
	ret = disk_opts(c->ct->conf, o, err);
	if (ret)
		return ret;
	ret = pick_layout(c, o, sample, err);
	if (ret)
		return ret;

	c->private = vx_expand_veid(o->private ?: g->ve_private, c->ctid);
	c->root = vx_expand_veid(o->root ?: g->ve_root, c->ctid);
	c->ct->conf_path = vx_ct_conf_path(g, c->ctid);
	c->jpath = vx_journal_path(g, c->ctid);
	if (c->private && c->root) {
		c->ct->private = strdup(c->private);
		c->ct->root = strdup(c->root);
		c->destroyed = vx_path_suffixed(c->private, ".destroyed");
		if (asprintf(&c->tmp, "%s.tmp.%d", c->private, (int)getpid()) < 0)
			c->tmp = NULL;
	}
	if (!c->ct->private || !c->ct->root || !c->ct->conf_path || !c->jpath ||
	    !c->tmp || !c->destroyed)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	if (!strcmp(c->private, c->root))
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "VE_PRIVATE and VE_ROOT are both %s; they must differ",
				    c->root), -EINVAL;
	if (vx_layout_has_lower(c->layout) &&
	    (vx_overlay_check_path(c->private, "private area", err) ||
	     vx_overlay_check_path(g->template_dir, "TEMPLATE", err)))
		return -EINVAL;
	if (c->layout == VX_LAYOUT_BTRFS &&
	    vx_btrfs_check_private(c->private, c->ctid, err))
		return -EINVAL;
	if (exists(c->private))
		return vx_error_set(err, VX_E_PRIVATE_EXISTS, 0,
				    "ct %u: private area %s already exists (left over from a CT whose config was removed?); remove it or choose another with --private",
				    c->ctid, c->private), -EEXIST;
	return 0;
}

static int create_journal(struct create *c, const struct vx_create_opts *o,
			  struct vx_error **err)
{
	cleanup_free char *text = NULL;
	struct vx_conf *j = vx_conf_new();
	int ret = 0;

	c->journal = j;
	if (!j)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ret = ret ?: vx_conf_set(j, "PID", pid);
	ret = ret ?: vx_conf_set(j, "TMP", c->tmp);
	ret = ret ?: vx_conf_set(j, "PRIVATE", c->private);
	ret = ret ?: vx_conf_set(j, "ROOT", c->root);
	ret = ret ?: vx_conf_set(j, "ROOT_CREATED", exists(c->root) ? "no" : "yes");
	ret = ret ?: vx_conf_set(j, "CONF", c->ct->conf_path);
	ret = ret ?: vx_conf_set(j, "NAME", o->name ?: "");
	/* Last: a journal without it was cut short by a power loss before
	 * its fsync returned, so nothing it lists was made yet. */
	ret = ret ?: vx_conf_set(j, "COMPLETE", "yes");
	text = ret ? NULL : vx_conf_format(j);
	if (!text)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	/* Durable (name and data) when this returns, before anything it
	 * lists exists. */
	ret = vx_write_file_journalled(c->jpath, text, strlen(text), 0600, err);
	if (ret && err && *err)
		(*err)->code = VX_E_CREATE_PRIVATE;
	return ret;
}

static bool has_disk_limit(const struct vx_conf *conf)
{
	const char *keys[] = { "DISKSPACE", "DISKINODES" };
	const enum vx_unit units[] = { VX_UNIT_KBYTES, VX_UNIT_COUNT };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		const char *v = vx_conf_get(conf, keys[i]);
		uint64_t b, l;

		if (v && vx_parse_barrier_limit(v, units[i], &b, &l, NULL) == 0 &&
		    (b != VX_UNLIMITED || l != VX_UNLIMITED))
			return true;
	}
	return false;
}

static int create_private(struct create *c, struct vx_error **err)
{
	cleanup_free char *parent = strdup(c->private);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	int ret;

	if (!slash)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	*slash = '\0';
	/* Private areas hold setuid binaries of CTs: keep them away from
	 * unprivileged host users (as OpenVZ does with /vz/private 0700). */
	ret = vx_mkdir_p(parent, 0700, err);
	if (!ret)
		ret = vx_rm_rf(c->destroyed, VX_E_CREATE_PRIVATE, err);
	if (!ret)
		ret = vx_rm_rf(c->tmp, VX_E_CREATE_PRIVATE, err);
	if (ret)
		return ret;
	if (c->layout != VX_LAYOUT_BTRFS &&
	    (mkdir(c->tmp, 0755) < 0 || chmod(c->tmp, 0755) < 0))
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "mkdir %s",
				    c->tmp);
	/* On a file system with project quotas the CT's limits are enforced
	 * for overlay and plain too: tagged while still empty, so all that
	 * is unpacked or written below is charged to it (quota.c). */
	if (!vx_layout_is_image(c->layout) && c->layout != VX_LAYOUT_BTRFS &&
	    has_disk_limit(c->ct->conf) &&
	    vx_quota_available(c->tmp)) {
		ret = vx_quota_setup(c->tmp, c->ctid,
				     vx_conf_get(c->ct->conf, "DISKSPACE"),
				     vx_conf_get(c->ct->conf, "DISKINODES"), err);
		if (ret)
			return ret;
	}
	ret = vx_create_fill(c, parent, err);
	if (ret)
		return ret;
	vx_crashpoint("create-filled");
	if (rename(c->tmp, c->private) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "rename %s to %s", c->tmp, c->private);
	/* A btrfs subvolume's rename needs its own commit (btrfs.c); other
	 * layouts reach the disk with the commit (create_commit). */
	if (c->layout == VX_LAYOUT_BTRFS)
		vx_fsync_path(parent);
	/* The mount point: its parent is kept root-only too. */
	slash = strrchr(c->root, '/');
	if (slash && slash != c->root) {
		*slash = '\0';
		ret = vx_mkdir_p(c->root, 0700, err);
		*slash = '/';
		if (ret)
			return ret;
	}
	if (mkdir(c->root, 0755) < 0 && errno != EEXIST)
		return vx_error_set(err, VX_E_CREATE_ROOT, errno, "mkdir %s",
				    c->root);
	return 0;
}

static int create_config(struct create *c, const struct vx_create_opts *o,
			 struct vx_error **err)
{
	struct vx_conf *conf = c->ct->conf;
	int ret = 0;

	/* Paths are stored as templates ($VEID kept) unless given, as
	 * OpenVZ does, so the config reads the same for every CT. */
	ret = ret ?: vx_conf_set(conf, "VE_ROOT", o->root ?: c->g->ve_root);
	ret = ret ?: vx_conf_set(conf, "VE_PRIVATE", o->private ?: c->g->ve_private);
	ret = ret ?: vx_conf_set(conf, "OSTEMPLATE", c->ostemplate);
	ret = ret ?: vx_conf_set(conf, "VE_LAYOUT", vx_layout_name(c->layout));
	ret = ret ?: vx_conf_set(conf, "ORIGIN_SAMPLE", c->sample);
	if (c->hostname)
		ret = ret ?: vx_conf_set(conf, "HOSTNAME", c->hostname);
	for (size_t i = 0; i < o->n_set; i++)
		ret = ret ?: vx_conf_set(conf, o->set_key[i], o->set_val[i]);
	if (ret)
		return vx_error_set(err, VX_E_SAVE_CONFIG, -ret,
				    "ct %u: config", c->ctid);
	/* The name link first: the config's fsync then carries it to disk
	 * too where both share a file system (create_commit). */
	if (o->name)
		ret = vx_ct_claim_name(c->g, c->ct, o->name, err);
	return ret ?: vx_ct_save_first(c->ct, err);
}

/* The file system of path, or 0 if it cannot be told (then it counts as
 * another one, and gets its own fsync). */
static dev_t fs_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_dev : 0;
}

/*
 * Commit point: without the journal the CT is complete. Before it, all
 * that create made must be on disk, with as few fsyncs as that takes (they
 * were most of a create's time). A journaling file system (ext4, xfs)
 * commits its metadata in order, so one fsync commits everything done on
 * it before: the config's fsync (vx_ct_save_first) covers the config's
 * file system, the fsync of LOCKDIR after the unlink covers LOCKDIR's,
 * which is usually also the private area's (/vz). Only a private area or
 * mount point on yet another file system needs its own fsync first. The
 * last fsync is for the caller: a CT reported created survives a power
 * loss. Without a file system journal nothing is ordered; fsck decides.
 */
static int create_commit(struct create *c, struct vx_error **err)
{
	cleanup_free char *pdir = strdup(c->private);
	cleanup_free char *rdir = strdup(c->root);
	const char *lockdir = c->g->lockdir;
	dev_t lock_fs, priv_fs, root_fs;

	if (!pdir || !rdir)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	lock_fs = fs_of(lockdir);
	priv_fs = fs_of(dirname(pdir));
	root_fs = fs_of(dirname(rdir));
	if (c->layout != VX_LAYOUT_BTRFS && (!priv_fs || priv_fs != lock_fs))
		vx_fsync_path(pdir);
	if (!root_fs || (root_fs != lock_fs && root_fs != priv_fs))
		vx_fsync_path(rdir);
	if (unlink(c->jpath) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "remove %s", c->jpath);
	vx_fsync_path(lockdir);
	return 0;
}

int vx_ct_create(const struct vx_global *g, unsigned int ctid,
		 const struct vx_create_opts *o, struct vx_error **err)
{
	static const struct vx_create_opts none;
	struct create c = { .g = g, .ctid = ctid, .lower_lock = -1 };
	int lock, ret;

	o = o ?: &none;
	c.ostemplate = o->ostemplate && *o->ostemplate ? o->ostemplate :
		       g->def_ostemplate;
	c.sample = o->config && *o->config ? o->config : g->configfile;
	c.progress = o->progress;
	lock = vx_lock_ct_op(g, ctid, "create", false, err);
	if (lock < 0)
		return lock;
	ret = vx_ct_recover(g, ctid, err);
	/* $VEID in it: one --hostname for a batch of creates (vzctl). */
	if (ret >= 0 && o->hostname && *o->hostname &&
	    !(c.hostname = vx_expand_veid(o->hostname, ctid)))
		ret = vx_error_set(err, VX_E_SYSTEM, ENOMEM, "create");
	if (ret >= 0)
		ret = create_check(&c, o, err);
	if (ret < 0)
		goto out;
	ret = create_journal(&c, o, err);
	if (ret)
		goto out;
	vx_crashpoint("create-journal");
	ret = create_private(&c, err);
	if (!ret) {
		vx_crashpoint("create-private");
		ret = create_config(&c, o, err);
	}
	if (!ret) {
		vx_crashpoint("create-config");
		ret = create_commit(&c, err);
	}
	if (ret) {
		/* Keep the first error; a failed rollback stays journalled
		 * and is retried by the next operation on this CT. */
		vx_journal_rollback(g, ctid, c.journal, c.jpath, NULL);
	}
out:
	vx_unlock_ct(lock);
	create_free(&c);
	return ret;
}

/* ---- destroy ---- */

int vx_ct_destroy(const struct vx_global *g, struct vx_ct *ct,
		  struct vx_error **err)
{
	cleanup_free char *destroyed = vx_path_suffixed(ct->private, ".destroyed");
	int ret;

	if (!destroyed)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u", ct->ctid);
	if (vx_ct_is_mounted(ct)) {
		ret = vx_ct_umount(g, ct, err);
		if (ret)
			return ret;
	}
	/* image-overlay: an ext4 left on VE_PRIVATE/mnt by a killed mount
	 * would have its files deleted below and keep its loop device. */
	ret = vx_image_upper_umount(ct, err);
	if (ret)
		return ret;
	/*
	 * The config goes last: it is what makes the CT exist, so a destroy
	 * killed at any point leaves a CT that `vzctl destroy` finishes
	 * (every step below tolerates what is already gone), never files
	 * nobody knows about. The private area is renamed first, so a half-
	 * deleted tree is never mounted or started as the CT.
	 */
	ret = vx_rm_rf(destroyed, VX_E_DESTROY, err);
	if (ret)
		return ret;
	if (rename(ct->private, destroyed) < 0 && errno != ENOENT)
		return vx_error_set(err, VX_E_DESTROY, errno,
				    "ct %u: rename %s to %s", ct->ctid,
				    ct->private, destroyed);
	vx_crashpoint("destroy-renamed");
	ret = vx_rm_rf(destroyed, VX_E_DESTROY, err);
	if (ret)
		return ret;
	vx_ct_name_remove(g, ct);
	/* Only an empty mount point goes: rmdir refuses one that is mounted
	 * on (EBUSY) or not empty, so no mountinfo scan (one line per
	 * running CT) is needed to make sure. */
	rmdir(ct->root);
	/* A stale state file would make a new CT of this id look running. */
	vx_state_remove(g, ct->ctid);
	vx_crashpoint("destroy-cleaned");
	/* No fsync of the config directory: a crash that loses this unlink
	 * brings back a config whose private area is gone or half gone,
	 * which is the state a killed destroy leaves, and `vzctl destroy`
	 * finishes it. A directory fsync is a journal commit (10-20 ms on a
	 * busy disk), per destroy. */
	if (unlink(ct->conf_path) < 0 && errno != ENOENT)
		return vx_error_set(err, VX_E_DESTROY, errno, "ct %u: remove %s",
				    ct->ctid, ct->conf_path);
	return 0;
}
