// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vz.conf and the state tree (see global.h).
 *
 * Every path in struct vx_global is absolute and computed once here, so no
 * other file joins VX_ROOT with anything. Defaults live under the prefix;
 * a path written in vz.conf is taken as written, except that "$VX_ROOT" in
 * it expands to the prefix (so a test tree's vz.conf can say
 * VE_ROOT="$VX_ROOT/vz/root/$VEID"). Nothing is created here: each user of
 * a directory creates it when it first needs it (vx_mkdir_p), so a
 * read-only command like `vzctl status` never changes the host.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "global.h"

#define DEF_STOP_TIMEOUT 60

void vx_global_free(struct vx_global *g)
{
	if (!g)
		return;
	free(g->root);
	free(g->confdir);
	free(g->ctconfdir);
	free(g->namesdir);
	free(g->rundir);
	free(g->sock_path);
	free(g->ve_root);
	free(g->ve_private);
	free(g->template_dir);
	free(g->lockdir);
	free(g->dumpdir);
	free(g->def_ostemplate);
	free(g->configfile);
	free(g->cgroup_prefix);
	vx_conf_free(g->conf);
	free(g);
}

static char *join(const char *a, const char *b)
{
	char *s;

	return asprintf(&s, "%s%s", a, b) < 0 ? NULL : s;
}

/* Replaces every $NAME and ${NAME} in s by val. malloc'd; NULL on ENOMEM. */
static char *expand_var(const char *s, const char *name, const char *val)
{
	size_t nlen = strlen(name), vlen = strlen(val), n = 0;
	char *out, *o;

	for (const char *p = s; *p; p++)
		if (*p == '$')
			n++;
	out = malloc(strlen(s) + n * vlen + 1);
	if (!out)
		return NULL;
	for (o = out; *s;) {
		if (s[0] == '$' && !strncmp(s + 1, name, nlen) &&
		    !(s[1 + nlen] == '_' || (s[1 + nlen] >= 'A' && s[1 + nlen] <= 'Z') ||
		      (s[1 + nlen] >= 'a' && s[1 + nlen] <= 'z') ||
		      (s[1 + nlen] >= '0' && s[1 + nlen] <= '9'))) {
			o = stpcpy(o, val);
			s += 1 + nlen;
		} else if (s[0] == '$' && s[1] == '{' &&
			   !strncmp(s + 2, name, nlen) && s[2 + nlen] == '}') {
			o = stpcpy(o, val);
			s += 3 + nlen;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

char *vx_expand_veid(const char *tmpl, unsigned int ctid)
{
	char id[16];
	cleanup_free char *a = NULL;

	snprintf(id, sizeof(id), "%u", ctid);
	/* VE_ID is an old spelling some OpenVZ configs still use. */
	a = expand_var(tmpl, "VEID", id);
	return a ? expand_var(a, "VE_ID", id) : NULL;
}

char *vx_ct_conf_path(const struct vx_global *g, unsigned int ctid)
{
	char *s;

	return asprintf(&s, "%s/%u.conf", g->ctconfdir, ctid) < 0 ? NULL : s;
}

int vx_mkdir_p(const char *path, int mode, struct vx_error **err)
{
	cleanup_free char *p = strdup(path);

	if (!p)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "mkdir %s", path);
	if (p[0] != '/')
		return vx_error_set(err, VX_E_SYSTEM, EINVAL,
				    "mkdir '%s': not an absolute path", path);
	/* Walk down component by component; EEXIST is the common case. */
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return vx_error_set(err, VX_E_SYSTEM, errno, "mkdir %s", p);
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

/*
 * A path setting from vz.conf, else the default under the prefix. An empty
 * value is an error: OpenVZ treats VE_ROOT="" as "not set" and refuses.
 */
static int path_setting(struct vx_global *g, const char *key, const char *def,
			int code, char **out, struct vx_error **err)
{
	const char *v = vx_conf_get(g->conf, key);

	if (!v) {
		*out = join(g->root, def);
	} else if (!*v) {
		vx_error_set(err, code, 0,
			     "%s/vz.conf: %s is empty; set it to a path or remove the line to use the default %s%s",
			     g->confdir, key, g->root, def);
		return -EINVAL;
	} else {
		*out = expand_var(v, "VX_ROOT", g->root);
	}
	if (!*out)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "load vz.conf");
	/* Relative paths would depend on the cwd of whoever runs. */
	if ((*out)[0] != '/') {
		vx_error_set(err, code, 0,
			     "%s/vz.conf: %s=\"%s\" must be an absolute path",
			     g->confdir, key, v);
		return -EINVAL;
	}
	return 0;
}

static int string_setting(struct vx_global *g, const char *key, const char *def,
			  char **out, struct vx_error **err)
{
	const char *v = vx_conf_get(g->conf, key);

	*out = strdup(v && *v ? v : def);
	return *out ? 0 : vx_error_set(err, VX_E_SYSTEM, ENOMEM, "load vz.conf");
}

static int int_setting(struct vx_global *g, const char *key, int def,
		       int min, int *out, struct vx_error **err)
{
	const char *v = vx_conf_get(g->conf, key);
	char *end;
	long n;

	*out = def;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > INT_MAX) {
		vx_error_set(err, VX_E_GLOBAL_CONFIG, 0,
			     "%s/vz.conf: %s=\"%s\" is not a number >= %d; fix it or remove the line (default %d)",
			     g->confdir, key, v, min, def);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

/* Per-CT path templates without $VEID would make every CT share one tree
 * (and destroy one CT's files with another's): refuse them up front. */
static int check_veid(const struct vx_global *g, const char *key,
		      const char *v, int code, struct vx_error **err)
{
	if (strstr(v, "$VEID") || strstr(v, "${VEID}") || strstr(v, "$VE_ID") ||
	    strstr(v, "${VE_ID}"))
		return 0;
	vx_error_set(err, code, 0,
		     "%s/vz.conf: %s=\"%s\" does not contain $VEID; every container needs its own directory, e.g. %s/$VEID",
		     g->confdir, key, v, v);
	return -EINVAL;
}

static int global_fill(struct vx_global *g, struct vx_error **err)
{
	const char *env;
	int ret;

	if (asprintf(&g->confdir, "%s/etc/vz", g->root) < 0 ||
	    asprintf(&g->ctconfdir, "%s/conf", g->confdir) < 0 ||
	    asprintf(&g->namesdir, "%s/names", g->confdir) < 0 ||
	    asprintf(&g->rundir, "%s/run/vx", g->root) < 0 ||
	    asprintf(&g->sock_path, "%s/vxd.sock", g->rundir) < 0)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "load vz.conf");

	ret = path_setting(g, "VE_ROOT", "/vz/root/$VEID", VX_E_NO_VE_ROOT,
			   &g->ve_root, err);
	if (!ret)
		ret = path_setting(g, "VE_PRIVATE", "/vz/private/$VEID",
				   VX_E_NO_VE_PRIVATE, &g->ve_private, err);
	if (!ret)
		ret = path_setting(g, "TEMPLATE", "/vz/template",
				   VX_E_NO_TEMPLATE_DIR, &g->template_dir, err);
	if (!ret)
		ret = path_setting(g, "LOCKDIR", "/vz/lock", VX_E_GLOBAL_CONFIG,
				   &g->lockdir, err);
	if (!ret)
		ret = path_setting(g, "DUMPDIR", "/vz/dump", VX_E_GLOBAL_CONFIG,
				   &g->dumpdir, err);
	if (!ret)
		ret = check_veid(g, "VE_ROOT", g->ve_root, VX_E_NO_VE_ROOT, err);
	if (!ret)
		ret = check_veid(g, "VE_PRIVATE", g->ve_private,
				 VX_E_NO_VE_PRIVATE, err);
	if (!ret)
		ret = string_setting(g, "DEF_OSTEMPLATE", "busybox",
				     &g->def_ostemplate, err);
	if (!ret)
		ret = string_setting(g, "CONFIGFILE", "basic", &g->configfile,
				     err);
	if (!ret)
		ret = string_setting(g, "VX_CGROUP_PREFIX", "vx",
				     &g->cgroup_prefix, err);
	if (!ret)
		ret = int_setting(g, "VE_PARALLEL", 0, 0, &g->ve_parallel, err);
	if (!ret)
		ret = int_setting(g, "STOP_TIMEOUT", DEF_STOP_TIMEOUT, 0,
				  &g->stop_timeout, err);
	if (ret)
		return ret;

	/* 0 (or unset) means "scale with the machine", as vz.conf says. */
	if (g->ve_parallel == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		g->ve_parallel = cpus > 0 ? 2 * cpus : 2;
	}
	/* The environment wins so a test run can isolate its cgroups
	 * without editing vz.conf. */
	env = getenv("VX_CGROUP_PREFIX");
	if (env && *env) {
		free(g->cgroup_prefix);
		g->cgroup_prefix = strdup(env);
		if (!g->cgroup_prefix)
			return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "load vz.conf");
	}
	if (strchr(g->cgroup_prefix, '/') || !strcmp(g->cgroup_prefix, ".") ||
	    !strcmp(g->cgroup_prefix, "..")) {
		vx_error_set(err, VX_E_GLOBAL_CONFIG, 0,
			     "VX_CGROUP_PREFIX '%s' must be a single directory name without '/'",
			     g->cgroup_prefix);
		return -EINVAL;
	}
	return 0;
}

int vx_global_load(const char *root, struct vx_global **out,
		   struct vx_error **err)
{
	struct vx_global *g = calloc(1, sizeof(*g));
	cleanup_free char *path = NULL;
	size_t len;
	int ret;

	if (!g)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "load vz.conf");
	if (!root)
		root = getenv("VX_ROOT");
	g->root = strdup(root ? root : "");
	if (!g->root)
		goto nomem;
	/* "/tmp/x/" and "/" would give "//etc/vz": normalise the prefix. */
	len = strlen(g->root);
	while (len > 0 && g->root[len - 1] == '/')
		g->root[--len] = '\0';
	if (len && g->root[0] != '/') {
		vx_error_set(err, VX_E_GLOBAL_CONFIG, 0,
			     "VX_ROOT '%s' must be an absolute path", g->root);
		vx_global_free(g);
		return -EINVAL;
	}
	if (asprintf(&path, "%s/etc/vz/vz.conf", g->root) < 0) {
		path = NULL;
		goto nomem;
	}
	ret = vx_conf_load(path, &g->conf, err);
	if (ret == -ENOENT) {
		/* No vz.conf: the built-in defaults make a working setup. */
		vx_error_free(err ? *err : NULL);
		if (err)
			*err = NULL;
		g->conf = vx_conf_new();
		if (!g->conf)
			goto nomem;
	} else if (ret) {
		if (err && *err && (*err)->code == VX_E_SYSTEM)
			(*err)->code = VX_E_GLOBAL_CONFIG;
		vx_global_free(g);
		return ret;
	}
	ret = global_fill(g, err);
	if (ret) {
		vx_global_free(g);
		return ret;
	}
	*out = g;
	return 0;
nomem:
	vx_global_free(g);
	return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "load vz.conf");
}
