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

/* Unpacks the archive at path into the existing directory dir. The
 * compression is chosen from the file name. Errors carry tar's own message
 * (code VX_E_CREATE_PRIVATE). */
int vx_template_unpack(const char *path, const char *dir,
		       struct vx_error **err);

/* A CT without init or a shell can never start: refuses a tree that has
 * neither /sbin/init nor /bin/sh (GNU tar exits 0 on an empty or garbage
 * stream). archive names the culprit in the message. */
int vx_template_check_tree(const char *dir, const char *archive,
			   struct vx_error **err);

#endif /* VX_TEMPLATE_H */
