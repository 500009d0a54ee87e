/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state of one vx_ct_create(), shared by storage.c (checks, journal,
 * rename into place, config) and storage_fill.c (filling the temp dir per
 * layout). Internal to libvx.
 */
#ifndef VX_STORAGE_FILL_H
#define VX_STORAGE_FILL_H

#include "config.h"
#include "ct.h"
#include "error.h"
#include "global.h"
#include "layout.h"
#include "storage.h"

struct create {
	const struct vx_global *g;
	unsigned int ctid;
	const char *ostemplate, *sample;
	char *hostname;		/* --hostname, $VEID expanded; NULL: none */
	const struct vx_progress *progress;
	char *tpl_path, *private, *root, *tmp, *jpath, *destroyed;
	enum vx_layout layout;
	int lower_lock;		/* overlay: shared lock on the template */
	struct vx_ct *ct;	/* the new CT: conf from the sample */
	struct vx_conf *journal;
};

/* Fills c->tmp with the new CT's files as c->layout wants them (for
 * btrfs, makes c->tmp: a snapshot); parent is the directory of the private
 * area. Sets c->lower_lock for the layouts with a shared tree. */
int vx_create_fill(struct create *c, const char *parent,
		   struct vx_error **err);

#endif /* VX_STORAGE_FILL_H */
