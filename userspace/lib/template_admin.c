// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Template administration: info, remove, prune, install (see template.h).
 *
 * Who uses a template is found by looking at the CTs themselves (each
 * overlay and image-overlay CT's VE_PRIVATE/lower link), not kept in a separate registry that
 * a crash could leave out of date. remove and prune hold the template's
 * lower lock exclusively while they look and delete; a create holds it
 * shared from choosing the lower until its CT is committed, so a CT can
 * never end up linked to a tree that was just deleted.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btrfs.h"
#include "cleanup.h"
#include "ct.h"
#include "layout.h"
#include "storage.h"
#include "template.h"

static const char *const exts[] = { ".tar.zst", ".tar.gz", ".tar.xz" };

static int check_name(const struct vx_global *g, const char *name,
		      struct vx_error **err)
{
	if (name && *name && !strchr(name, '/') && name[0] != '.' &&
	    !strchr(name, '@'))
		return 0;
	vx_error_set(err, VX_E_INVAL_VALUE, 0,
		     "invalid OS template name '%s': expected a file name in %s/cache without .tar.zst",
		     name ? name : "", g->template_dir);
	return -EINVAL;
}

void vx_template_info_free(struct vx_template_info *ti)
{
	if (!ti)
		return;
	free(ti->name);
	free(ti->archive);
	vx_strvfreep(&ti->lowers);
	free(ti->current);
	free(ti->users);
	free(ti->copies);
	free(ti);
}

static int push_id(unsigned int **v, size_t *n, unsigned int id)
{
	unsigned int *t = realloc(*v, (*n + 1) * sizeof(**v));

	if (!t)
		return -ENOMEM;
	t[(*n)++] = id;
	*v = t;
	return 0;
}

/* "DIR/NAME@ID" belongs to NAME? */
static bool lower_of_name(const char *path, const char *name)
{
	const char *base = strrchr(path, '/');
	size_t len = strlen(name);

	base = base ? base + 1 : path;
	return !strncmp(base, name, len) && base[len] == '@';
}

/* Overlay and image-overlay CTs linked to a lower of NAME, and plain and
 * image CTs made from it. */
static int scan_users(const struct vx_global *g, struct vx_template_info *ti,
		      struct vx_error **err)
{
	cleanup_free unsigned int *ids = NULL;
	size_t n = 0;
	int ret = vx_ct_list(g, &ids, &n, err);

	for (size_t i = 0; !ret && i < n; i++) {
		struct vx_ct *ct = NULL;

		if (vx_ct_load(g, ids[i], &ct, NULL) < 0)
			continue;	/* unreadable config: vzlist reports it */
		if (vx_layout_has_lower(vx_ct_layout(ct))) {
			cleanup_free char *l = vx_overlay_lower_of(ct->private);

			if (l && lower_of_name(l, ti->name))
				ret = push_id(&ti->users, &ti->nusers, ids[i]);
		} else if (!strcmp(vx_ct_get(ct, "OSTEMPLATE", ""), ti->name)) {
			ret = push_id(&ti->copies, &ti->ncopies, ids[i]);
		}
		vx_ct_free(ct);
	}
	if (ret == -ENOMEM)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s",
				    ti->name);
	return ret;
}

static __thread long long du_bytes;

static int du_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	if (flag == FTW_F || flag == FTW_D || flag == FTW_SL)
		du_bytes += (long long)st->st_blocks * 512;
	return 0;
}

/* The trees of NAME in dir (overlay lowers or btrfs template subvolumes)
 * appended to ti->lowers, which holds n. */
static int scan_dir(const char *dir, struct vx_template_info *ti, bool du,
		    size_t *np, struct vx_error **err)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = *np;

	while (d && (de = readdir(d))) {
		char **t;

		if (de->d_name[0] == '.' || !lower_of_name(de->d_name, ti->name))
			continue;
		t = realloc(ti->lowers, (n + 2) * sizeof(*t));
		if (!t)
			return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template");
		ti->lowers = t;
		if (asprintf(&t[n], "%s/%s", dir, de->d_name) < 0)
			return t[n] = NULL,
			       vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template");
		t[++n] = NULL;
		if (du) {
			du_bytes = 0;
			nftw(t[n - 1], du_one, 32, FTW_PHYS | FTW_MOUNT);
			ti->lower_bytes += du_bytes;
		}
		*np = n;
	}
	return 0;
}

/* TEMPLATE/lower, and the btrfs layout's template directories next to
 * the private areas (btrfs.h). */
static int scan_lowers(const struct vx_global *g, struct vx_template_info *ti,
		       bool du, struct vx_error **err)
{
	cleanup_free char *dir = vx_lower_dir(g);
	cleanup_strv char **bdirs = vx_btrfs_tpl_dirs(g);
	size_t n = 0;
	int ret;

	ti->lowers = calloc(1, sizeof(char *));
	if (!dir || !bdirs || !ti->lowers)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template");
	ret = scan_dir(dir, ti, du, &n, err);
	for (char **d = bdirs; !ret && *d; d++)
		ret = scan_dir(*d, ti, du, &n, err);
	return ret;
}

int vx_template_info(const struct vx_global *g, const char *name, bool du,
		     struct vx_template_info **out, struct vx_error **err)
{
	struct vx_template_info *ti;
	struct stat st;
	int ret;

	ret = check_name(g, name, err);
	if (ret)
		return ret;
	ti = calloc(1, sizeof(*ti));
	if (!ti || !(ti->name = strdup(name))) {
		free(ti);
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	}
	if (vx_template_find(g, name, &ti->archive, NULL) == 0 &&
	    stat(ti->archive, &st) == 0) {
		char id[64];

		ti->size = st.st_size;
		ti->mtime = st.st_mtim.tv_sec;
		/* the same identity as vx_lower_get() */
		snprintf(id, sizeof(id), "@%llx-%llx",
			 (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
			 (unsigned long long)st.st_mtim.tv_nsec,
			 (unsigned long long)st.st_size);
		ret = scan_lowers(g, ti, du, err);
		for (char **l = ti->lowers; !ret && *l; l++) {
			size_t ll = strlen(*l), il = strlen(id);

			if (ll > il && !strcmp(*l + ll - il, id) && !ti->current)
				ti->current = strdup(*l);
		}
	} else {
		free(ti->archive);
		ti->archive = NULL;
		ret = scan_lowers(g, ti, du, err);
	}
	if (!ret)
		ret = scan_users(g, ti, err);
	if (!ret && !ti->archive && !ti->lowers[0] && !ti->nusers) {
		vx_template_find(g, name, &(char *){ NULL }, err);
		ret = -ENOENT;
	}
	if (ret) {
		vx_template_info_free(ti);
		return ret;
	}
	*out = ti;
	return 0;
}

/* "101, 102, 103" (at most 20, then "and N more"). */
static void format_ids(char *buf, size_t size, const unsigned int *ids,
		       size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && i < 20; i++)
		len += snprintf(buf + len, len < size ? size - len : 0, "%s%u",
				i ? ", " : "", ids[i]);
	if (n > 20 && len < size)
		snprintf(buf + len, size - len, " and %zu more", n - 20);
}

/* Renames a lower away (atomic: no CT can link to it any more), then
 * deletes it. */
static int remove_lower(const char *path, struct vx_error **err)
{
	cleanup_free char *gone = NULL;
	const char *base = strrchr(path, '/');
	int ret;

	if (!base || asprintf(&gone, "%.*s/.%s.tmp.rm%d", (int)(base - path),
			      path, base + 1, (int)getpid()) < 0) {
		gone = NULL;
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "remove %s", path);
	}
	if (rename(path, gone) < 0)
		return errno == ENOENT ? 0 :
			vx_error_set(err, VX_E_DESTROY, errno, "rename %s", path);
	ret = vx_rm_rf(gone, VX_E_DESTROY, err);
	return ret;
}

int vx_template_remove(const struct vx_global *g, const char *name,
		       struct vx_error **err)
{
	struct vx_template_info *ti = NULL;
	cleanup_close int lock = -1;
	char ids[256];
	int ret;

	ret = check_name(g, name, err);
	if (ret)
		return ret;
	lock = vx_lower_lock(g, name, true, err);
	if (lock < 0)
		return lock;
	ret = vx_template_info(g, name, false, &ti, err);
	if (ret)
		return ret;
	if (ti->nusers) {
		format_ids(ids, sizeof(ids), ti->users, ti->nusers);
		vx_error_set(err, VX_E_INVAL_VALUE, 0,
			     "template %s is in use by %zu overlay CT%s (%s): they mount its shared tree; destroy them first",
			     name, ti->nusers, ti->nusers == 1 ? "" : "s", ids);
		vx_template_info_free(ti);
		return -EBUSY;
	}
	for (char **l = ti->lowers; !ret && *l; l++)
		ret = remove_lower(*l, err);
	for (size_t i = 0; !ret && i < ARRAY_SIZE(exts); i++) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/cache/%s%s", g->template_dir, name,
			 exts[i]);
		if (unlink(p) < 0 && errno != ENOENT)
			ret = vx_error_set(err, VX_E_DESTROY, errno, "remove %s", p);
	}
	if (!ret) {
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/cache/%s.conf", g->template_dir, name);
		if (unlink(p) < 0 && errno != ENOENT)
			ret = vx_error_set(err, VX_E_DESTROY, errno, "remove %s", p);
	}
	vx_template_info_free(ti);
	return ret;
}

int vx_template_prune(const struct vx_global *g, const char *name,
		      struct vx_error **err)
{
	struct vx_template_info *ti = NULL;
	cleanup_close int lock = -1;
	int ret, n = 0;

	ret = check_name(g, name, err);
	if (ret)
		return ret;
	lock = vx_lower_lock(g, name, true, err);
	if (lock < 0)
		return lock;
	ret = vx_template_info(g, name, false, &ti, err);
	if (ret)
		return ret;
	for (char **l = ti->lowers; !ret && *l; l++) {
		/* the current archive's trees, overlay and btrfs alike */
		bool used = ti->current &&
			    !strcmp(strrchr(*l, '/'), strrchr(ti->current, '/'));
		struct vx_ct *ct = NULL;

		for (size_t i = 0; !used && i < ti->nusers; i++) {
			cleanup_free char *link = NULL;

			if (vx_ct_load(g, ti->users[i], &ct, NULL) < 0)
				continue;
			link = vx_overlay_lower_of(ct->private);
			used = link && !strcmp(link, *l);
			vx_ct_free(ct);
		}
		if (!used) {
			ret = remove_lower(*l, err);
			n += !ret;
		}
	}
	vx_template_info_free(ti);
	return ret < 0 ? ret : n;
}

int vx_template_install(const struct vx_global *g, const char *name,
			const char *built, struct vx_error **err)
{
	cleanup_close int lock = -1;
	size_t blen = strlen(built);
	const char *ext = NULL;
	char dst[PATH_MAX], conf[PATH_MAX], cdst[PATH_MAX];
	int ret;

	ret = check_name(g, name, err);
	if (ret)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t elen = strlen(exts[i]);

		if (blen > elen && !strcmp(built + blen - elen, exts[i]))
			ext = exts[i];
	}
	if (!ext)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "%s: not a .tar.zst, .tar.gz or .tar.xz archive",
				    built);
	snprintf(dst, sizeof(dst), "%s/cache/%s%s", g->template_dir, name, ext);
	lock = vx_lower_lock(g, name, true, err);
	if (lock < 0)
		return lock;
	/* The settings file first: a create that sees the new archive must
	 * see its settings (a create takes the lock only for overlay). A
	 * builder that wrote none leaves no stale one of an older build. */
	snprintf(conf, sizeof(conf), "%.*s.conf", (int)(blen - strlen(ext)), built);
	snprintf(cdst, sizeof(cdst), "%s/cache/%s.conf", g->template_dir, name);
	if (access(conf, F_OK) == 0 ? rename(conf, cdst) < 0 :
	    unlink(cdst) < 0 && errno != ENOENT)
		return vx_error_set(err, VX_E_SYSTEM, errno, "install %s", cdst);
	if (rename(built, dst) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "rename %s to %s",
				    built, dst);
	/* Another format of the same name would shadow or be shadowed by
	 * this one (vx_template_find tries .zst first): keep only one. */
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		char p[PATH_MAX];

		if (exts[i] == ext)
			continue;
		snprintf(p, sizeof(p), "%s/cache/%s%s", g->template_dir, name,
			 exts[i]);
		unlink(p);
	}
	return 0;
}
