/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seed mount namespace CT inits start from, so that a start costs the
 * same with 1000 CTs running as with none (mntns.c).
 */
#ifndef VX_MNTNS_H
#define VX_MNTNS_H

/* Where init attaches VE_ROOT in its copy of the seed, before pivot_root. */
#define VX_MNTNS_CT_DIR "/ct"

/* Makes the seed (once per process; vxd at startup, so that every monitor
 * inherits it). 0, or -errno: then inits copy the caller's table. */
int vx_mntns_prepare(void);
/* The seed namespace's fd, or -1 if none was prepared. */
int vx_mntns_seed_fd(void);

#endif /* VX_MNTNS_H */
