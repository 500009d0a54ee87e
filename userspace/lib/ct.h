/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container (CT, VPS) as described by its config file conf/CTID.conf.
 *
 * A CT "exists" when its config file exists. Its private area (VE_PRIVATE)
 * holds the file tree; VE_ROOT is where the tree is mounted while the CT is
 * mounted or running. Names (`--name web1`) are symlinks in namesdir
 * pointing at the config, as in OpenVZ, so resolving a name is one readlink.
 */
#ifndef VX_CT_H
#define VX_CT_H

#include <stdbool.h>
#include "config.h"
#include "global.h"

struct vx_ct {
	unsigned int ctid;
	char *conf_path;	/* ROOT/etc/vz/conf/CTID.conf */
	struct vx_conf *conf;	/* the CT's settings; unknown keys kept */
	char *root;		/* VE_ROOT, expanded */
	char *private;		/* VE_PRIVATE, expanded */
};

/* "101" or a name set with --name -> ctid. Bad syntax: VX_E_INVAL_VALUE;
 * unknown name: VX_E_NOT_EXIST. */
int vx_ct_resolve(const struct vx_global *g, const char *arg,
		  unsigned int *ctid, struct vx_error **err);

/* Loads conf/CTID.conf. Missing: -ENOENT with code VX_E_NOCONFIG. */
int vx_ct_load(const struct vx_global *g, unsigned int ctid,
	       struct vx_ct **out, struct vx_error **err);
/* Saves ct->conf atomically (code VX_E_SAVE_CONFIG on failure). */
int vx_ct_save(const struct vx_ct *ct, struct vx_error **err);
/* The new CT's first config, under create's journal: written with one
 * fsync (vx_write_file_journalled) instead of two. */
int vx_ct_save_first(const struct vx_ct *ct, struct vx_error **err);
void vx_ct_free(struct vx_ct *ct);

bool vx_ct_exists(const struct vx_global *g, unsigned int ctid);
/* Lists existing CTIDs in ascending order; *ids malloc'd. */
int vx_ct_list(const struct vx_global *g, unsigned int **ids, size_t *n,
	       struct vx_error **err);

/* Name handling: sets (or with name == NULL clears) the CT's name, updating
 * both NAME= in the config and the names/ symlink; refuses a name another
 * CT already has. Saves the config. */
int vx_ct_set_name(const struct vx_global *g, struct vx_ct *ct,
		   const char *name, struct vx_error **err);
/* The same without the save: for create, whose one config write follows. */
int vx_ct_claim_name(const struct vx_global *g, struct vx_ct *ct,
		     const char *name, struct vx_error **err);

/* Removes the CT's names/ link (if it points at this CT). For destroy. */
void vx_ct_name_remove(const struct vx_global *g, const struct vx_ct *ct);

/* Convenience getters with defaults. */
const char *vx_ct_get(const struct vx_ct *ct, const char *key,
		      const char *def);

#endif /* VX_CT_H */
