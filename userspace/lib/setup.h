/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-distribution setup of a CT's files (setup.c, passwd.c): hostname
 * (/etc/hostname, /etc/hosts) and a user's password (/etc/shadow);
 * /etc/resolv.conf is written by net.c (vx_net_resolv). Applied at create
 * (hostname) and at `vzctl set` on stopped and running CTs.
 */
#ifndef VX_SETUP_H
#define VX_SETUP_H

#include <sys/types.h>

#include "ct.h"
#include "error.h"
#include "global.h"

/* What to set; NULL members are left alone. */
struct vx_setup {
	const char *hostname;
	const char *userpasswd;		/* "user:password" */
	/* Written by create into a tree its journal removes on a crash:
	 * each file's data is written out, and create's commit makes it
	 * and the names durable (storage.c), no fsync per file. */
	bool in_create;
};

/* Checks every given value (exit 21 naming the bad one) before anything
 * is written. */
int vx_setup_check(const struct vx_setup *s, struct vx_error **err);

/* Writes the files of s into WRITE_ROOT/etc, reading the old ones from
 * READ_ROOT/etc (READ_ROOT == WRITE_ROOT for a plain or mounted tree; the
 * shared lower tree and the upper dir for overlay at create). */
int vx_setup_apply(const char *read_root, const char *write_root,
		   const struct vx_setup *s, struct vx_error **err);

/* vx_setup_apply with only a hostname (create). */
int vx_setup_hostname(const char *read_root, const char *write_root,
		      const char *hostname, struct vx_error **err);

/* Applies s to a CT's tree: through its mounted VE_ROOT when it runs (or
 * is mounted), else mounts it for the edit. The caller holds the CT lock. */
int vx_setup_ct(const struct vx_global *g, struct vx_ct *ct,
		const struct vx_setup *s, struct vx_error **err);

/* "user:password": user a valid login name, password non-empty, no
 * newline. */
int vx_check_userpasswd(const char *s, struct vx_error **err);

/* Sets user's password (SHA-512 crypt, fresh salt) in etc/shadow. rd and
 * wr are the read and write etc/ directories (vx_setup_open_etc). */
int vx_setup_userpasswd(int rd, int wr, const char *userpasswd,
			struct vx_error **err);

/* Helpers shared by setup.c and passwd.c. */
#define VX_SETUP_MAX (1 << 20)	/* largest /etc file read (1 MiB) */
char *vx_setup_read(int dirfd, const char *name);
int vx_setup_write(int dirfd, const char *name, const char *text, mode_t mode,
		   bool in_create);
int vx_setup_open_etc(const char *read_root, const char *write_root,
		      int *rd, int *wr, struct vx_error **err);

#endif /* VX_SETUP_H */
