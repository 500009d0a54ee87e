/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-CT operation lock: flock(2) on LOCKDIR/CTID.lck.
 *
 * Every operation that changes a CT (create, destroy, start, stop, mount,
 * umount, set) holds it; exec/enter/status do not. flock is released by the
 * kernel when the holder dies, so a killed vxd or vzctl never leaves a stale
 * lock behind. Like OpenVZ, a busy lock fails at once with VX_E_LOCKED
 * unless the caller asks to wait.
 */
#ifndef VX_LOCK_H
#define VX_LOCK_H

#include <stdbool.h>
#include "global.h"

/* Returns the lock fd (>= 0) or a negative errno (-EBUSY: held elsewhere). */
int vx_lock_ct(const struct vx_global *g, unsigned int ctid, bool wait,
	       struct vx_error **err);
/* Same, recording "PID OP" in the lock file while held, so a refused caller
 * learns which operation to wait for ("ct 101 is locked by pid 812 (start)").
 * op is one word, e.g. "start"; NULL is "operation". */
int vx_lock_ct_op(const struct vx_global *g, unsigned int ctid,
		  const char *op, bool wait, struct vx_error **err);
void vx_unlock_ct(int fd);

#endif /* VX_LOCK_H */
