// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The btrfs layout (see btrfs.h and docs/storage.md).
 *
 * Why referenced bytes: a CT's qgroup counts both what it shares with the
 * template and what it wrote itself (rfer), or only the extents nobody
 * else references (excl). A hoster sells "10G of disk" and the customer
 * counts the OS in it, as with OpenVZ's simfs and ploop, where the CT has
 * its own copy; and rfer does not move when *other* subvolumes go: excl
 * would jump by the template's size the day the template subvolume is
 * pruned, pushing CTs over their limit without a byte written by them.
 *
 * A snapshot's limit is set by QGROUP_LIMIT right after SNAP_CREATE_V2,
 * before the snapshot is renamed into place, and needs no commit of its
 * own: btrfs transactions reach the disk whole and in order, and the
 * rename of a subvolume root makes the fsync of its parent that create
 * does next a full commit (btrfs_rename(): "force full log commit if
 * subvolume involved"), so the rename is never on disk without the limit;
 * a crash before it leaves only the temp subvolume, which the journal
 * rolls back. No CT ever exists without its limit. (2 commits per create,
 * counted in /sys/fs/btrfs/UUID/commit_stats; 3 with a commit here.)
 * A qgroup_inherit with BTRFS_QGROUP_INHERIT_SET_LIMITS would set it in
 * the snapshot's own transaction, but for a snapshot the kernel then
 * copies the source's limits over it: checked on 6.12 and this host's
 * 6.18, btrfs_qgroup_inherit().
 *
 * btrfs checks qgroup limits for every writer, CAP_SYS_RESOURCE included
 * (unless an admin sets the file system's quota_override in sysfs), so a
 * VPS's root is limited too, unlike with project quotas.
 *
 * Inconsistent qgroups: btrfs gives up accounting (and then counts no new
 * writes at all, so limits stop biting) when it would have to trace a big
 * subvolume's drop (tree level >= qgroups/drop_subtree_threshold in sysfs,
 * 3 by default: a destroyed CT of millions of files) and marks the qgroups
 * inconsistent until a rescan. vx starts that rescan at the next btrfs
 * create or `set --diskspace`, and vzlist shows no usage meanwhile instead
 * of a stale one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/btrfs.h>
#include <linux/btrfs_tree.h>
#include <linux/magic.h>
#include <endian.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "btrfs.h"
#include "cleanup.h"
#include "layout.h"
#include "storage.h"
#include "values.h"

static bool is_btrfs_fd(int fd)
{
	struct statfs sf;

	return fstatfs(fd, &sf) == 0 && sf.f_type == (typeof(sf.f_type))BTRFS_SUPER_MAGIC;
}

static const char *fs_name(unsigned long type)
{
	switch (type) {
	case 0xEF53: return "ext4";
	case 0x58465342: return "xfs";
	case 0x01021994: return "tmpfs";
	case 0x794c7630: return "overlayfs";
	default: return "not btrfs";
	}
}

int vx_btrfs_check_private(const char *private, unsigned int ctid,
			   struct vx_error **err)
{
	char p[PATH_MAX];
	struct statfs sf = { 0 };

	/* The private area does not exist yet: its nearest ancestor that
	 * does is where the snapshot will go. */
	snprintf(p, sizeof(p), "%s", private);
	for (;;) {
		char *slash = strrchr(p, '/');

		if (!slash)
			break;
		*slash = '\0';
		if (!p[0])
			snprintf(p, sizeof(p), "/");
		if (statfs(p, &sf) == 0)
			break;
		if (errno != ENOENT)
			return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
					    "ct %u: statfs %s", ctid, p);
		if (!strcmp(p, "/"))
			break;
	}
	if (sf.f_type == (typeof(sf.f_type))BTRFS_SUPER_MAGIC)
		return 0;
	vx_error_set(err, VX_E_INVAL_VALUE, 0,
		     "ct %u: VE_LAYOUT=\"btrfs\" needs the private area on a btrfs file system, but %s is on %s (%s, f_type 0x%lx); put VE_PRIVATE on btrfs (vzctl create --private /BTRFS/PATH/$VEID, or VE_PRIVATE in vz.conf) or choose another layout (--layout overlay)",
		     ctid, private, p, fs_name((unsigned long)sf.f_type),
		     (unsigned long)sf.f_type);
	return -EINVAL;
}

/* One item of the quota tree by its exact key (objectid 0, type, qgroup
 * id). Needs CAP_SYS_ADMIN. -ENOENT: no such item, or quotas are off. */
static int quota_item(int fd, uint32_t type, uint64_t qgid, void *item,
		      size_t size)
{
	struct btrfs_ioctl_search_args a;
	struct btrfs_ioctl_search_header h;

	memset(&a, 0, sizeof(a));
	a.key.tree_id = BTRFS_QUOTA_TREE_OBJECTID;
	a.key.min_type = a.key.max_type = type;
	a.key.min_offset = a.key.max_offset = qgid;
	a.key.max_transid = UINT64_MAX;
	a.key.nr_items = 1;
	if (ioctl(fd, BTRFS_IOC_TREE_SEARCH, &a) < 0)
		return -errno;
	if (a.key.nr_items < 1)
		return -ENOENT;
	memcpy(&h, a.buf, sizeof(h));
	if (h.objectid != 0 || h.type != type || h.offset != qgid)
		return -ENOENT;
	memset(item, 0, size);
	memcpy(item, a.buf + sizeof(h), h.len < size ? h.len : size);
	return 0;
}

int vx_btrfs_quota_enable(const char *path, unsigned int ctid,
			  struct vx_error **err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct btrfs_ioctl_quota_ctl_args q = { .cmd = BTRFS_QUOTA_CTL_ENABLE };
	struct btrfs_qgroup_status_item st;

	if (fd < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "open %s",
				    path);
	if (quota_item(fd, BTRFS_QGROUP_STATUS_KEY, 0, &st, sizeof(st)) == 0) {
		struct btrfs_ioctl_quota_rescan_args r = { 0 };

		/* In the background: on a big file system it takes long. */
		if ((le64toh(st.flags) & BTRFS_QGROUP_STATUS_FLAG_INCONSISTENT) &&
		    !(le64toh(st.flags) & BTRFS_QGROUP_STATUS_FLAG_RESCAN))
			ioctl(fd, BTRFS_IOC_QUOTA_RESCAN, &r);
		return 0;	/* on already: nothing to wait for */
	}
	if (ioctl(fd, BTRFS_IOC_QUOTA_CTL, &q) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "ct %u: a disk limit on btrfs needs quotas (qgroups), and they cannot be turned on for the file system of %s; turn them on by hand (btrfs quota enable MOUNTPOINT) or give the CT no disk limit (--diskspace unlimited)",
				    ctid, path);
	/* Counting what is already on the file system: usage and limits are
	 * wrong until it ends. Only the first enable pays for it. */
	if (ioctl(fd, BTRFS_IOC_QUOTA_RESCAN_WAIT) < 0 && errno != EINVAL)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "ct %u: wait for the btrfs quota rescan of %s",
				    ctid, path);
	return 0;
}

/* dirname(private)/.vx-template (malloc'd). */
static char *vx_btrfs_tpl_dir_of(const char *private)
{
	cleanup_free char *copy = strdup(private);
	char *s;

	if (!copy)
		return NULL;
	return asprintf(&s, "%s/.vx-template", dirname(copy)) < 0 ? NULL : s;
}

static int subvol_create(const char *path, struct vx_error **err)
{
	cleanup_free char *copy = strdup(path);
	struct btrfs_ioctl_vol_args_v2 a;
	cleanup_close int dfd = -1;
	char *base;

	if (!copy || !(base = strrchr(copy, '/')))
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "%s", path);
	*base++ = '\0';
	dfd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", base);
	if (dfd < 0 || ioctl(dfd, BTRFS_IOC_SUBVOL_CREATE_V2, &a) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "create btrfs subvolume %s", path);
	return 0;
}

/* Unpacks the archive into a new subvolume .NAME@ID.tmp.PID, syncs it,
 * makes it read-only and renames it to tpl: nobody sees half a tree. */
static int unpack_tpl(const char *dir, const char *name, const char *archive,
		      const char *tpl, const struct vx_progress *progress,
		      struct vx_error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	const char *base = strrchr(tpl, '/') + 1;
	uint64_t flags = BTRFS_SUBVOL_RDONLY;
	int ret;

	vx_tpl_remove_stale_tmp(dir, name);
	if (asprintf(&tmp, "%s/.%s.tmp.%d", dir, base, (int)getpid()) < 0) {
		tmp = NULL;
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	}
	ret = subvol_create(tmp, err);
	if (ret)
		return ret;
	ret = vx_template_unpack(archive, tmp, progress, err);
	if (!ret)
		ret = vx_template_check_tree(tmp, archive, err);
	if (!ret) {
		fd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		/* syncfs: the data on disk (a commit alone does not write
		 * delayed allocations); then read-only (committed too). */
		if (fd < 0 || syncfs(fd) < 0 ||
		    ioctl(fd, BTRFS_IOC_SUBVOL_SETFLAGS, &flags) < 0)
			ret = vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
					   "sync and make read-only %s", tmp);
	}
	if (!ret && rename(tmp, tpl) < 0)
		ret = vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				   "rename %s to %s", tmp, tpl);
	if (ret) {
		vx_rm_rf(tmp, VX_E_CREATE_PRIVATE, NULL);
		vx_error_prefix(err, "unpack template %s into a btrfs subvolume",
				name);
		return ret;
	}
	vx_fsync_path(dir);
	return 0;
}

struct tpl_job {
	const char *dir, *name, *archive, *path;
	const struct vx_progress *progress;
};

static int unpack_tpl_cb(void *ctx, struct vx_error **err)
{
	const struct tpl_job *j = ctx;

	return unpack_tpl(j->dir, j->name, j->archive, j->path, j->progress,
			  err);
}

int vx_btrfs_tpl_get(const struct vx_global *g, const char *private,
		     const char *name, const char *archive,
		     const struct vx_progress *progress, char **tpl,
		     struct vx_error **err)
{
	cleanup_free char *dir = vx_btrfs_tpl_dir_of(private);
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	struct stat st;
	int ret;

	if (!dir)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	if (stat(archive, &st) < 0)
		return vx_error_set(err, VX_E_NO_OSTEMPLATE_FILE, errno, "%s",
				    archive);
	/* The same identity as vx_lower_get(): a rebuilt archive gets a new
	 * subvolume, and `vzctl template` prunes the old one. */
	if (asprintf(&path, "%s/%s@%llx-%llx", dir, name,
		     (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
		     (unsigned long long)st.st_mtim.tv_nsec,
		     (unsigned long long)st.st_size) < 0) {
		path = NULL;
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	}
	ret = vx_mkdir_p(dir, 0700, err);
	if (ret)
		return ret;
	/* The overlay lower trees' lock: `template remove` and prune take
	 * it exclusively for both kinds of tree. */
	fd = vx_tpl_ensure(g, name, path, "subvolume", unpack_tpl_cb,
			   &(struct tpl_job){ dir, name, archive, path,
					      progress }, err);
	if (fd < 0)
		return fd;
	*tpl = steal_ptr(path);
	return steal_fd(fd);
}

static int push_dir(char ***v, size_t *n, const char *private)
{
	char *d = vx_btrfs_tpl_dir_of(private);
	char **t;

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], d)) {
			free(d);
			return 0;
		}
	t = realloc(*v, (*n + 2) * sizeof(*t));
	if (!t) {
		free(d);
		return -ENOMEM;
	}
	t[(*n)++] = d;
	t[*n] = NULL;
	*v = t;
	return 0;
}

char **vx_btrfs_tpl_dirs(const struct vx_global *g)
{
	cleanup_free unsigned int *ids = NULL;
	cleanup_free char *def = vx_expand_veid(g->ve_private, 0);
	char **v = calloc(1, sizeof(*v));
	size_t n = 0, nids = 0;

	if (!v || !def || push_dir(&v, &n, def) < 0)
		goto fail;
	if (vx_ct_list(g, &ids, &nids, NULL) < 0)
		return v;
	for (size_t i = 0; i < nids; i++) {
		struct vx_ct *ct = NULL;
		int ret = 0;

		if (vx_ct_load(g, ids[i], &ct, NULL) < 0)
			continue;
		if (vx_ct_layout(ct) == VX_LAYOUT_BTRFS)
			ret = push_dir(&v, &n, ct->private);
		vx_ct_free(ct);
		if (ret < 0)
			goto fail;
	}
	return v;
fail:
	vx_strvfreep(&v);
	return NULL;
}

static int subvol_id(int fd, uint64_t *id)
{
	struct btrfs_ioctl_ino_lookup_args il;

	memset(&il, 0, sizeof(il));
	il.objectid = BTRFS_FIRST_FREE_OBJECTID;	/* -> treeid of fd */
	if (ioctl(fd, BTRFS_IOC_INO_LOOKUP, &il) < 0)
		return -errno;
	*id = il.treeid;
	return 0;
}

/*
 * Sets the referenced-bytes limit of subvolume `path` (UINT64_MAX: none)
 * through an fd on its parent directory, not on the subvolume: the ioctl
 * starts a transaction on the fd's subvolume, which reserves metadata
 * against that subvolume's qgroup, so on a CT that is at or over its limit
 * it would fail with EDQUOT, and the limit could never be raised (or
 * lowered). In memory at once, on disk with the next commit. -errno.
 */
static int set_limit(const char *path, uint64_t bytes)
{
	cleanup_free char *parent = strdup(path);
	cleanup_close int fd = -1, pfd = -1;
	struct btrfs_ioctl_qgroup_limit_args a;
	uint64_t id;
	int ret;

	if (!parent)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	pfd = open(dirname(parent), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	memset(&a, 0, sizeof(a));
	ret = subvol_id(fd, &id);
	if (ret)
		return ret;
	a.qgroupid = id;
	a.lim.flags = BTRFS_QGROUP_LIMIT_MAX_RFER;
	a.lim.max_rfer = bytes;
	if (ioctl(pfd, BTRFS_IOC_QGROUP_LIMIT, &a) < 0)
		return -errno;
	return 0;
}

int vx_btrfs_snapshot(const char *src, const char *dst,
		      unsigned long long limit_kb, struct vx_error **err)
{
	cleanup_free char *copy = strdup(dst);
	cleanup_close int sfd = -1, dfd = -1;
	struct btrfs_ioctl_vol_args_v2 a;
	char *base;
	int ret;

	if (!copy || !(base = strrchr(copy, '/')))
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "%s", dst);
	*base++ = '\0';
	sfd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "open %s", src);
	dfd = open(copy, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno, "open %s", copy);
	memset(&a, 0, sizeof(a));
	a.fd = sfd;
	snprintf(a.name, sizeof(a.name), "%s", base);
	if (ioctl(dfd, BTRFS_IOC_SNAP_CREATE_V2, &a) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "snapshot btrfs subvolume %s to %s", src, dst);
	if (!limit_kb)
		return 0;
	ret = set_limit(dst, limit_kb * 1024);
	if (ret < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, -ret,
				    "set the btrfs qgroup limit of %s", dst);
	return 0;
}

int vx_btrfs_limit(const char *private, unsigned int ctid,
		   const char *diskspace, struct vx_error **err)
{
	uint64_t b = VX_UNLIMITED, l = VX_UNLIMITED;
	int ret;

	if (access(private, F_OK) < 0)
		return vx_error_set(err, VX_E_NO_PRIVATE, errno,
				    "ct %u: private area %s", ctid, private);
	if (diskspace)
		vx_parse_barrier_limit(diskspace, VX_UNIT_KBYTES, &b, &l, NULL);
	if (l != VX_UNLIMITED) {
		ret = vx_btrfs_quota_enable(private, ctid, err);
		if (ret) {
			if (err && *err)
				(*err)->code = VX_E_SYSTEM;	/* not a create */
			return ret;
		}
	}
	/* Live: the next write is checked against it. Not committed here:
	 * a crash before the next commit (30 s at most) keeps the old limit
	 * and the config the new one; `vzctl set` again applies it. */
	ret = set_limit(private, l == VX_UNLIMITED ? UINT64_MAX : l * 1024);
	/* clearing the limit with quotas off: nothing to clear */
	if (ret == -ENOTCONN && l == VX_UNLIMITED)
		return 0;
	if (ret < 0)
		return vx_error_set(err, VX_E_SYSTEM, -ret,
				    "ct %u: set the btrfs qgroup limit of %s",
				    ctid, private);
	return 0;
}

int vx_btrfs_usage(const char *private, long long *used_kb,
		   long long *limit_kb)
{
	cleanup_close int fd = open(private, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct btrfs_qgroup_status_item st;
	struct btrfs_qgroup_info_item info;
	struct btrfs_qgroup_limit_item lim;
	uint64_t id;
	int ret;

	*used_kb = *limit_kb = -1;
	if (fd < 0)
		return -errno;
	ret = subvol_id(fd, &id);
	if (ret)
		return ret;
	ret = quota_item(fd, BTRFS_QGROUP_INFO_KEY, id, &info, sizeof(info));
	if (ret < 0)
		return ret == -ENOENT ? -EOPNOTSUPP : ret;
	/* stale while inconsistent or rescanning: no number beats a wrong one */
	if (quota_item(fd, BTRFS_QGROUP_STATUS_KEY, 0, &st, sizeof(st)) == 0 &&
	    !(le64toh(st.flags) & (BTRFS_QGROUP_STATUS_FLAG_INCONSISTENT |
				   BTRFS_QGROUP_STATUS_FLAG_RESCAN)))
		*used_kb = (long long)(le64toh(info.rfer) / 1024);
	if (quota_item(fd, BTRFS_QGROUP_LIMIT_KEY, id, &lim, sizeof(lim)) == 0 &&
	    (le64toh(lim.flags) & BTRFS_QGROUP_LIMIT_MAX_RFER))
		*limit_kb = (long long)(le64toh(lim.max_rfer) / 1024);
	return 0;
}

int vx_btrfs_subvol_rm(const char *path, int code, struct vx_error **err)
{
	cleanup_free char *copy = strdup(path);
	struct btrfs_ioctl_vol_args_v2 a;
	cleanup_close int fd = -1, dfd = -1;
	struct stat st;
	char *base;

	/* A subvolume's root directory is inode 256 of its own tree. */
	if (!copy || lstat(path, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    st.st_ino != BTRFS_FIRST_FREE_OBJECTID)
		return 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !is_btrfs_fd(fd))
		return 0;
	base = strrchr(copy, '/');
	if (!base)
		return 0;
	*base++ = '\0';
	dfd = open(copy[0] ? copy : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", base);
	if (dfd >= 0 && ioctl(dfd, BTRFS_IOC_SNAP_DESTROY_V2, &a) == 0)
		return 1;
	if (errno == ENOTEMPTY)
		return vx_error_set(err, code, errno,
				    "delete btrfs subvolume %s: it holds other subvolumes; delete those first (btrfs subvolume list -o %s) and run the command again",
				    path, path);
	if (errno == EPERM)
		return vx_error_set(err, code, errno,
				    "delete btrfs subvolume %s: needs CAP_SYS_ADMIN (or the file system mounted with user_subvol_rm_allowed)",
				    path);
	return vx_error_set(err, code, errno, "delete btrfs subvolume %s", path);
}
