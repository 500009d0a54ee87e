/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenVZ-style configuration files: vz.conf, conf/CTID.conf, samples.
 *
 * Format: one `KEY="value"` (or KEY=value, or KEY='value') per line; blank
 * lines and `#` comments. The file is kept as an ordered list of lines, so a
 * rewrite preserves comments, unknown keys and their order; vx_conf_set()
 * replaces a key in place or appends it. The last occurrence of a key wins,
 * as in a shell. A line that is none of the above is a parse error naming
 * "file:line" (we refuse rather than silently drop a setting a user wrote).
 * Saving is atomic: write a temp file in the same directory, fsync, rename.
 */
#ifndef VX_CONFIG_H
#define VX_CONFIG_H

#include <stdbool.h>
#include "error.h"

struct vx_conf;

struct vx_conf *vx_conf_new(void);
void vx_conf_free(struct vx_conf *c);

/* Parses text; name is used in messages ("conf/101.conf:3: ..."). */
int vx_conf_parse(const char *text, const char *name, struct vx_conf **out,
		  struct vx_error **err);
/* Loads a file. Returns -ENOENT (err code VX_E_NOCONFIG) if missing,
 * parse errors with code VX_E_CONFIG_PARSE. */
int vx_conf_load(const char *path, struct vx_conf **out, struct vx_error **err);

/* Value of key, or NULL. The string lives as long as the key is not changed. */
const char *vx_conf_get(const struct vx_conf *c, const char *key);
/* Sets key (replacing the last occurrence in place, or appending). */
int vx_conf_set(struct vx_conf *c, const char *key, const char *value);
/* Removes every occurrence of key. */
void vx_conf_unset(struct vx_conf *c, const char *key);

/* Calls fn for each key that is set (last value per key), in file order. */
int vx_conf_foreach(const struct vx_conf *c,
		    int (*fn)(const char *key, const char *value, void *data),
		    void *data);

/* Serialises to a malloc'd string (what vx_conf_save writes). */
char *vx_conf_format(const struct vx_conf *c);
/* Atomic write: temp file + fsync + rename; mode 0644. */
int vx_conf_save(const struct vx_conf *c, const char *path,
		 struct vx_error **err);

/* Writes buf to path atomically (temp + fsync + rename). Used for every
 * state and config file the project writes. */
int vx_write_file_atomic(const char *path, const char *buf, size_t len,
			 int mode, struct vx_error **err);

/* Atomic for readers (temp + rename) with one fsync instead of two: the
 * file is renamed first and then fsynced, which on a journaling file
 * system (ext4, xfs, btrfs) makes its data and its new name durable
 * together. A power cut before that fsync returns can leave the name with
 * no data, so only for files a create journal removes again: the journal
 * itself (empty means nothing was made yet) and the new CT's config. */
int vx_write_file_journalled(const char *path, const char *buf, size_t len,
			     int mode, struct vx_error **err);

/* vx_write_file_atomic; durable == false skips both fsyncs: the rename
 * still makes the write atomic (readers see the old or the new file, never
 * a torn one), only a power cut may lose it. For run-time state that dies with the boot
 * anyway (rundir/ct/CTID.state), where the fsyncs were the largest single
 * cost of a CT start. */
int vx_write_file_replace(const char *path, const char *buf, size_t len,
			  int mode, bool durable, struct vx_error **err);

#endif /* VX_CONFIG_H */
