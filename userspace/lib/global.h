/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The global configuration (vz.conf) and the host's state tree.
 *
 * A real install uses /etc/vz, /vz and /run/vx. Setting VX_ROOT=/some/dir in
 * the environment (or passing a root to vx_global_load) relocates the whole
 * tree under that prefix: ROOT/etc/vz/vz.conf, ROOT/etc/vz/conf/CTID.conf,
 * ROOT/vz/{private,root,template,lock,dump}, ROOT/run/vx/vxd.sock. Tests use
 * this to run in a private temp tree and never touch a real installation.
 * If vz.conf is missing, built-in defaults (under the prefix) are used; paths
 * written in vz.conf are used as they are.
 */
#ifndef VX_GLOBAL_H
#define VX_GLOBAL_H

#include "config.h"
#include "error.h"

struct vx_global {
	char *root;		/* VX_ROOT prefix; "" for a real install */
	char *confdir;		/* ROOT/etc/vz */
	char *ctconfdir;	/* ROOT/etc/vz/conf: CTID.conf and samples */
	char *namesdir;		/* ROOT/etc/vz/names: NAME -> ../conf/CTID.conf */
	char *rundir;		/* ROOT/run/vx: vxd.sock, ct/CTID.state */
	char *sock_path;	/* rundir/vxd.sock */
	char *ve_root;		/* VE_ROOT, with $VEID unexpanded */
	char *ve_private;	/* VE_PRIVATE, with $VEID unexpanded */
	char *template_dir;	/* TEMPLATE; caches in TEMPLATE/cache */
	char *lockdir;		/* LOCKDIR */
	char *dumpdir;		/* DUMPDIR */
	char *def_ostemplate;	/* DEF_OSTEMPLATE, default "busybox" */
	char *configfile;	/* CONFIGFILE: default sample, "basic" */
	char *cgroup_prefix;	/* VX_CGROUP_PREFIX: cgroup dir name, "vx" */
	int ve_parallel;	/* VE_PARALLEL: bound on parallel heavy work */
	int stop_timeout;	/* STOP_TIMEOUT seconds, default 60 */
	struct vx_conf *conf;	/* vz.conf as read (empty if missing) */
};

/* root == NULL: take VX_ROOT from the environment ("" if unset). */
int vx_global_load(const char *root, struct vx_global **out,
		   struct vx_error **err);
void vx_global_free(struct vx_global *g);

/* Expands $VEID / ${VEID} / $VE_ID in a path template. malloc'd. */
char *vx_expand_veid(const char *tmpl, unsigned int ctid);
/* ROOT/etc/vz/conf/CTID.conf (malloc'd). */
char *vx_ct_conf_path(const struct vx_global *g, unsigned int ctid);

/* mkdir -p: creates path and missing parents with mode (existing ones are
 * left as they are). Directories of the state tree are created lazily by
 * whoever first needs them, so read-only commands never write. */
int vx_mkdir_p(const char *path, int mode, struct vx_error **err);

#endif /* VX_GLOBAL_H */
