// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Containers as config files (see ct.h).
 *
 * The config file is the CT's existence: conf/CTID.conf present = CT exists.
 * Names are symlinks names/NAME -> ../conf/CTID.conf, as in OpenVZ, so
 * resolving a name is one readlink and a name can never outlive its CT
 * unnoticed: a link whose target is gone is treated as no name at all.
 * Setting a name takes a host-wide lock (names/.lock) so two CTs can never
 * both claim a name; the per-CT lock alone cannot give that.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "ct.h"
#include "values.h"

void vx_ct_free(struct vx_ct *ct)
{
	if (!ct)
		return;
	free(ct->conf_path);
	vx_conf_free(ct->conf);
	free(ct->root);
	free(ct->private);
	free(ct);
}

/*
 * A create journal (LOCKDIR/CTID.creating) means a create is running or
 * died half-way; either way the CT does not exist yet: its removal is the
 * create's commit point (see storage.c).
 */
static bool being_created(const struct vx_global *g, unsigned int ctid)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%u.creating", g->lockdir, ctid);
	return access(path, F_OK) == 0;
}

bool vx_ct_exists(const struct vx_global *g, unsigned int ctid)
{
	cleanup_free char *path = vx_ct_conf_path(g, ctid);

	return path && access(path, F_OK) == 0 && !being_created(g, ctid);
}

/* "101.conf" or ".../101.conf" -> 101; 0 if it is not a CT config name. */
static unsigned int ctid_of_conf_name(const char *name)
{
	const char *base = strrchr(name, '/');
	char buf[16];
	size_t len;
	unsigned int ctid;

	base = base ? base + 1 : name;
	len = strlen(base);
	if (len <= 5 || len - 5 >= sizeof(buf) || strcmp(base + len - 5, ".conf"))
		return 0;
	memcpy(buf, base, len - 5);
	buf[len - 5] = '\0';
	if (vx_parse_ctid(buf, &ctid, NULL))
		return 0;
	return ctid;
}

/*
 * The config is the truth: a link counts only if CTID.conf exists and says
 * NAME="name". set_name writes the link first and the config last, so a
 * crash in between leaves a link that is simply ignored (and overwritten
 * by the next set_name of that name).
 */
static bool name_in_conf(const struct vx_global *g, unsigned int ctid,
			 const char *name)
{
	cleanup_free char *path = vx_ct_conf_path(g, ctid);
	struct vx_conf *c = NULL;
	const char *v;
	bool ok;

	if (!path || vx_conf_load(path, &c, NULL))
		return false;
	v = vx_conf_get(c, "NAME");
	ok = v && !strcmp(v, name);
	vx_conf_free(c);
	return ok;
}

/* ctid the name link points at, 0 if none (or if its CT is gone). */
static unsigned int name_lookup(const struct vx_global *g, const char *name)
{
	cleanup_free char *link = NULL;
	char target[PATH_MAX];
	unsigned int ctid;
	ssize_t r;

	if (asprintf(&link, "%s/%s", g->namesdir, name) < 0) {
		link = NULL;
		return 0;
	}
	r = readlink(link, target, sizeof(target) - 1);
	if (r <= 0)
		return 0;
	target[r] = '\0';
	ctid = ctid_of_conf_name(target);
	return ctid && name_in_conf(g, ctid, name) ? ctid : 0;
}

int vx_ct_resolve(const struct vx_global *g, const char *arg,
		  unsigned int *ctid, struct vx_error **err)
{
	unsigned int id;

	/* Names start with a letter: anything starting with a digit or a
	 * sign is a CTID, maybe a bad one ("0", "-1", "101abc") that then
	 * gets the CTID message rather than "no such name". */
	if (!arg || !*arg || arg[0] == '-' || arg[0] == '+' ||
	    (arg[0] >= '0' && arg[0] <= '9'))
		return vx_parse_ctid(arg, ctid, err);
	if (vx_check_name(arg, NULL)) {
		vx_error_set(err, VX_E_INVAL_VALUE, 0,
			     "invalid CTID '%s': expected a number 1..%u or a name set with --name",
			     arg, VX_CTID_MAX);
		return -EINVAL;
	}
	id = name_lookup(g, arg);
	if (!id) {
		vx_error_set(err, VX_E_NOT_EXIST, 0,
			     "no CT is named '%s'; a CTID is a number 1..%u or a name set with --name (see vzlist -o ctid,name)",
			     arg, VX_CTID_MAX);
		return -ENOENT;
	}
	*ctid = id;
	return 0;
}

/* A CT's path: its own setting, else the vz.conf template, with $VEID. */
static char *ct_path(const struct vx_global *g, const struct vx_conf *c,
		     const char *key, const char *def, unsigned int ctid)
{
	const char *v = vx_conf_get(c, key);

	return vx_expand_veid(v && *v ? v : def, ctid);
}

int vx_ct_load(const struct vx_global *g, unsigned int ctid,
	       struct vx_ct **out, struct vx_error **err)
{
	struct vx_ct *ct = calloc(1, sizeof(*ct));
	int ret;

	if (!ct)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u", ctid);
	ct->ctid = ctid;
	ct->conf_path = vx_ct_conf_path(g, ctid);
	if (!ct->conf_path)
		goto nomem;
	ret = vx_conf_load(ct->conf_path, &ct->conf, err);
	if (ret == -ENOENT) {
		if (err) {
			vx_error_free(*err);
			*err = NULL;
		}
		vx_error_set(err, VX_E_NOCONFIG, 0,
			     "ct %u does not exist: %s not found; create it with `vzctl create %u`",
			     ctid, ct->conf_path, ctid);
		vx_ct_free(ct);
		return -ENOENT;
	}
	if (ret) {
		vx_error_prefix(err, "ct %u", ctid);
		vx_ct_free(ct);
		return ret;
	}
	ct->root = ct_path(g, ct->conf, "VE_ROOT", g->ve_root, ctid);
	ct->private = ct_path(g, ct->conf, "VE_PRIVATE", g->ve_private, ctid);
	if (!ct->root || !ct->private)
		goto nomem;
	*out = ct;
	return 0;
nomem:
	vx_ct_free(ct);
	return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u", ctid);
}

static int ct_save(const struct vx_ct *ct, bool first, struct vx_error **err)
{
	cleanup_free char *dir = strdup(ct->conf_path);
	cleanup_free char *text = NULL;
	char *slash = dir ? strrchr(dir, '/') : NULL;
	int ret;

	if (!slash)
		return vx_error_set(err, VX_E_SAVE_CONFIG, ENOMEM, "ct %u: save",
				    ct->ctid);
	*slash = '\0';
	ret = vx_mkdir_p(dir, 0755, err);
	if (!ret && !first)
		ret = vx_conf_save(ct->conf, ct->conf_path, err);
	else if (!ret && !(text = vx_conf_format(ct->conf)))
		ret = vx_error_set(err, VX_E_SAVE_CONFIG, ENOMEM, "save %s",
				   ct->conf_path);
	else if (!ret)
		ret = vx_write_file_journalled(ct->conf_path, text, strlen(text),
					       0644, err);
	if (ret && err && *err) {
		(*err)->code = VX_E_SAVE_CONFIG;
		vx_error_prefix(err, "ct %u", ct->ctid);
	}
	return ret;
}

int vx_ct_save(const struct vx_ct *ct, struct vx_error **err)
{
	return ct_save(ct, false, err);
}

int vx_ct_save_first(const struct vx_ct *ct, struct vx_error **err)
{
	return ct_save(ct, true, err);
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

int vx_ct_list(const struct vx_global *g, unsigned int **ids, size_t *n,
	       struct vx_error **err)
{
	cleanup_dir DIR *d = opendir(g->ctconfdir);
	cleanup_free unsigned int *v = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;

	*ids = NULL;
	*n = 0;
	if (!d) {
		/* No conf dir yet: no CTs, not an error. */
		if (errno == ENOENT)
			return 0;
		return vx_error_set(err, VX_E_SYSTEM, errno, "list %s",
				    g->ctconfdir);
	}
	while ((de = readdir(d))) {
		/* Only CTID.conf: samples and temp files (.NAME.tmp.*) are
		 * not CTs. */
		unsigned int id = ctid_of_conf_name(de->d_name);

		if (!id || being_created(g, id))
			continue;
		if (cnt == cap) {
			unsigned int *t;

			cap = cap ? cap * 2 : 64;
			t = realloc(v, cap * sizeof(*v));
			if (!t)
				return vx_error_set(err, VX_E_SYSTEM, ENOMEM,
						    "list %s", g->ctconfdir);
			v = t;
		}
		v[cnt++] = id;
	}
	/* qsort(NULL, 0, ...) is undefined behaviour (UBSan flags it). */
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_uint);
	*ids = steal_ptr(v);
	*n = cnt;
	return 0;
}

const char *vx_ct_get(const struct vx_ct *ct, const char *key,
		      const char *def)
{
	const char *v = vx_conf_get(ct->conf, key);

	return v ? v : def;
}

/* Points names/NAME at the CT's config, replacing any link atomically. */
static int name_link(const struct vx_global *g, const struct vx_ct *ct,
		     const char *name, struct vx_error **err)
{
	cleanup_free char *link = NULL, *tmp = NULL, *target = NULL;

	if (asprintf(&link, "%s/%s", g->namesdir, name) < 0 ||
	    asprintf(&tmp, "%s/.%s.tmp.%d", g->namesdir, name, (int)getpid()) < 0 ||
	    asprintf(&target, "../conf/%u.conf", ct->ctid) < 0)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "name %s", name);
	/* A relative target keeps the link valid when VX_ROOT moves. */
	unlink(tmp);
	if (symlink(target, tmp) < 0)
		return vx_error_set(err, VX_E_SAVE_CONFIG, errno,
				    "ct %u: name %s: symlink %s", ct->ctid, name,
				    tmp);
	if (rename(tmp, link) < 0) {
		int e = errno;

		unlink(tmp);
		return vx_error_set(err, VX_E_SAVE_CONFIG, e,
				    "ct %u: name %s: rename to %s", ct->ctid,
				    name, link);
	}
	return 0;
}

/* Removes names/NAME if (and only if) it belongs to ctid. */
static void name_unlink(const struct vx_global *g, const char *name,
			unsigned int ctid)
{
	cleanup_free char *link = NULL;
	char target[PATH_MAX];
	ssize_t r;

	if (!name || vx_check_name(name, NULL) ||
	    asprintf(&link, "%s/%s", g->namesdir, name) < 0) {
		link = NULL;
		return;
	}
	r = readlink(link, target, sizeof(target) - 1);
	if (r <= 0)
		return;
	target[r] = '\0';
	if (ctid_of_conf_name(target) == ctid)
		unlink(link);
}

void vx_ct_name_remove(const struct vx_global *g, const struct vx_ct *ct)
{
	name_unlink(g, vx_conf_get(ct->conf, "NAME"), ct->ctid);
}

static int names_lock(const struct vx_global *g, struct vx_error **err)
{
	cleanup_free char *path = NULL;
	cleanup_close int fd = -1;
	int ret = vx_mkdir_p(g->namesdir, 0755, err);

	if (ret)
		return ret;
	if (asprintf(&path, "%s/.lock", g->namesdir) < 0) {
		path = NULL;
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "names lock");
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "open %s", path);
	/* Held only for a readlink + symlink + config write: just wait. */
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return vx_error_set(err, VX_E_SYSTEM, errno, "flock %s",
					    path);
	return steal_fd(fd);
}

static int set_name(const struct vx_global *g, struct vx_ct *ct,
		    const char *name, bool save, struct vx_error **err)
{
	cleanup_close int lock = -1;
	cleanup_free char *old = NULL;
	const char *cur = vx_conf_get(ct->conf, "NAME");
	unsigned int owner;
	int ret;

	if (name && *name == '\0')
		name = NULL;
	if (name && vx_check_name(name, err))
		return -EINVAL;
	old = cur ? strdup(cur) : NULL;
	if (cur && !old)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u: name",
				    ct->ctid);
	lock = names_lock(g, err);
	if (lock < 0)
		return lock;
	if (name) {
		owner = name_lookup(g, name);
		if (owner && owner != ct->ctid) {
			vx_error_set(err, VX_E_INVAL_VALUE, 0,
				     "name '%s' is already used by CT %u; pick another name or clear it there with `vzctl set %u --name '' --save`",
				     name, owner, owner);
			return -EEXIST;
		}
		ret = name_link(g, ct, name, err);
		if (ret)
			return ret;
		ret = vx_conf_set(ct->conf, "NAME", name);
	} else {
		vx_conf_unset(ct->conf, "NAME");
		ret = 0;
	}
	if (!ret && save)
		ret = vx_ct_save(ct, err);
	else if (ret)
		vx_error_set(err, VX_E_SYSTEM, -ret, "ct %u: name", ct->ctid);
	if (ret) {
		/* Config unchanged on disk: drop the new link, keep the old. */
		if (name && (!old || strcmp(old, name)))
			name_unlink(g, name, ct->ctid);
		return ret;
	}
	if (old && (!name || strcmp(old, name)))
		name_unlink(g, old, ct->ctid);
	return 0;
}

int vx_ct_set_name(const struct vx_global *g, struct vx_ct *ct,
		   const char *name, struct vx_error **err)
{
	return set_name(g, ct, name, true, err);
}

int vx_ct_claim_name(const struct vx_global *g, struct vx_ct *ct,
		     const char *name, struct vx_error **err)
{
	return set_name(g, ct, name, false, err);
}
