/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel beancounters of a CT: its config keys (NUMPROC, NUMFILE,
 * NUMTCPSOCK, NUMOTHERSOCK, NUMFLOCK, NUMPTY, NUMSIGINFO, PRIVVMPAGES)
 * applied to the kernel context CTID of the vx patchset (kctx.h).
 *
 * Model: context id = CTID. At every boot the monitor creates the context
 * (a leftover empty one from a crash is deleted and made anew, so counters
 * start from zero), sets every accounted row from the config (a key not set
 * = unlimited), and enters init into it *before* init execs, so everything
 * the CT runs is charged. `vzctl exec`/`enter` relays join it the same way.
 * At teardown the context is deleted once its last task is gone. NUMPROC
 * goes to the kernel row as well as to the pids cgroup: the cgroup works
 * on every kernel, the row makes /proc/user_beancounters inside the CT tell
 * the truth and counts failures the way OpenVZ does.
 *
 * On a kernel without the "vserver" family every function here is a no-op
 * that succeeds (the keys stay in the config, unenforced; `vzctl set`
 * refuses the options themselves, see resources.c).
 */
#ifndef VX_BEANCOUNTER_H
#define VX_BEANCOUNTER_H

#include <stdbool.h>
#include <stddef.h>
#include "config.h"
#include "error.h"
#include "kctx.h"

/* Config key of an accounted resource id ("NUMFILE"), NULL if none. */
const char *vx_bc_key(int id);

/* The VX_RES_NR_ACCOUNTED rows conf asks for (id, barrier, limit; a key
 * not set is unlimited). Errors name the key and its value. */
int vx_bc_from_conf(const struct vx_conf *conf, unsigned int ctid,
		    struct vx_kres rows[VX_RES_NR_ACCOUNTED],
		    struct vx_error **err);

/* Creates context ctid with conf's rows and moves the process behind
 * init_pidfd into it. */
int vx_bc_start(const struct vx_conf *conf, unsigned int ctid,
		int init_pidfd, struct vx_error **err);

/* Deletes context ctid once its tasks are gone (waits up to 5 s for
 * exiting ones). A missing context is fine. */
int vx_bc_stop(unsigned int ctid, struct vx_error **err);

/* Moves the calling process into context ctid (exec/enter relays). A
 * missing context (a CT started by a vx without beancounters) is fine. */
int vx_bc_join(unsigned int ctid, struct vx_error **err);

/* Applies conf's rows named by keys[nkeys] (config keys such as
 * "NUMFILE"; others are ignored) to a running CT's context, in one
 * all-or-nothing request. Rows not named keep their live values, as in
 * OpenVZ, where `set` touches only the parameters given. The /proc view
 * (procview.h) is re-applied from conf in the same go. */
int vx_bc_set_live(const struct vx_conf *conf, unsigned int ctid,
		   const char *const *keys, size_t nkeys,
		   struct vx_error **err);

/* The kernel rows of a running CT: *n = 0 when there is no context.
 * k: a handle from vx_kctx_open() that a caller reading many CTs opens once
 * (vzlist: one socket for the whole list); NULL (no vserver family): *n = 0. */
int vx_bc_usage(struct vx_kctx *k, unsigned int ctid,
		struct vx_kres rows[VX_RES_NR_ACCOUNTED], size_t *n,
		struct vx_error **err);

#endif /* VX_BEANCOUNTER_H */
