/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The create journal (journal.c), shared by storage.c's create. Internal
 * to libvx.
 */
#ifndef VX_JOURNAL_H
#define VX_JOURNAL_H

#include "config.h"
#include "global.h"

/* LOCKDIR/CTID.creating (malloc'd). */
char *vx_journal_path(const struct vx_global *g, unsigned int ctid);
/* path + suffix (malloc'd). */
char *vx_path_suffixed(const char *path, const char *suffix);
/* Undoes everything journal j lists, then removes it (jpath). Every step
 * tolerates "already gone", so an interrupted rollback is run again. */
int vx_journal_rollback(const struct vx_global *g, unsigned int ctid,
			const struct vx_conf *j, const char *jpath,
			struct vx_error **err);

#endif /* VX_JOURNAL_H */
