/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OS template caches: TEMPLATE/cache/NAME.tar.{zst,gz,xz}.
 *
 * A template cache is a tarball of a complete CT file tree (OpenVZ's
 * "precreated template cache"). vx only looks them up and unpacks them; the
 * builders live in templates/. Unpacking runs the real tar(1) (it is the
 * tool whose job that is), with numeric owners, permissions, xattrs and
 * ACLs preserved, as root.
 */
#ifndef VX_TEMPLATE_H
#define VX_TEMPLATE_H

#include <stdbool.h>
#include "config.h"
#include "global.h"

/* TEMPLATE/cache/NAME.tar.{zst,gz,xz} -> malloc'd path, or
 * VX_E_NO_OSTEMPLATE_FILE naming the directory searched and the templates
 * that are there. NAME may not contain '/' or start with '.'. */
int vx_template_find(const struct vx_global *g, const char *name,
		     char **path, struct vx_error **err);

/* Lists template names found in TEMPLATE/cache (sorted, NULL-terminated,
 * free with vx_strvfreep). */
int vx_template_list(const struct vx_global *g, char ***names,
		     struct vx_error **err);

/* Progress of a long step: fn(data, percent, what) is called when the
 * percentage changes, last with 100. vxd forwards it to vzctl, which draws
 * a bar on a terminal. */
struct vx_progress {
	void (*fn)(void *data, int percent, const char *what);
	void *data;
};

/* Unpacks the archive at path into the existing directory dir. The
 * compression is chosen from the file name. Errors carry tar's own message
 * (code VX_E_CREATE_PRIVATE). progress may be NULL. */
int vx_template_unpack(const char *path, const char *dir,
		       const struct vx_progress *progress,
		       struct vx_error **err);

/* TEMPLATE/cache/NAME.conf, written by the template's builder next to the
 * archive, holds settings the template's tree needs in the configs of its
 * CTs (STOP_SIGNAL: which signal its init shuts down on). Create copies
 * those keys over the sample's. No file: nothing to do. */
int vx_template_apply_conf(const struct vx_global *g, const char *name,
			   struct vx_conf *conf, struct vx_error **err);

/* A CT without init or a shell can never start: refuses a tree that has
 * neither /sbin/init nor /bin/sh (GNU tar exits 0 on an empty or garbage
 * stream). archive names the culprit in the message. */
int vx_template_check_tree(const char *dir, const char *archive,
			   struct vx_error **err);

/*
 * Administration (`vzctl template list|info|remove|build`). Users of a
 * template are the overlay CTs whose VE_PRIVATE/lower points at one of its
 * lower trees: they need it to mount. Plain CTs made from it carry a full
 * copy and are only listed as "copies".
 */
struct vx_template_info {
	char *name;
	char *archive;		/* cache file, NULL if only lower trees remain */
	long long size;		/* archive bytes */
	long long mtime;	/* archive mtime (seconds) */
	char **lowers;		/* TEMPLATE/lower/NAME@ID paths (NULL-terminated) */
	char *current;		/* the lower of the current archive, NULL if
				 * not unpacked yet */
	long long lower_bytes;	/* disk used by all its lower trees */
	unsigned int *users;	/* overlay CTs linked to one of its lowers */
	size_t nusers;
	unsigned int *copies;	/* plain CTs with OSTEMPLATE=NAME */
	size_t ncopies;
};

/* Fills *out for NAME (archive and/or lower trees must exist, else
 * VX_E_NO_OSTEMPLATE_FILE). du: also sum the lower trees' disk use. */
int vx_template_info(const struct vx_global *g, const char *name, bool du,
		     struct vx_template_info **out, struct vx_error **err);
void vx_template_info_free(struct vx_template_info *ti);

/* Removes the cache file(s) and every lower tree of NAME. Refuses (exit 21)
 * while overlay CTs use it, naming them. */
int vx_template_remove(const struct vx_global *g, const char *name,
		       struct vx_error **err);

/* Removes the lower trees of NAME that no CT uses and that do not belong
 * to the current archive (left behind by a rebuild). Returns how many. */
int vx_template_prune(const struct vx_global *g, const char *name,
		      struct vx_error **err);

/* Publishes a freshly built archive: renames `built` to
 * TEMPLATE/cache/NAME.EXT under the template's lock, so no overlay create
 * ever labels a lower tree with the identity of the other archive. */
int vx_template_install(const struct vx_global *g, const char *name,
			const char *built, struct vx_error **err);

#endif /* VX_TEMPLATE_H */
