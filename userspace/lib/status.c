// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vx_ct_status(): exist / mounted / running / suspended, for `vzctl
 * status` and vzlist. Read-only and lock-free: it may race with a start or
 * stop and then reports either side of it, never a mix that matters.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"
#include "ct.h"
#include "run.h"
#include "runtime.h"
#include "state.h"
#include "storage.h"

int vx_ct_status(const struct vx_global *g, unsigned int ctid,
		 struct vx_status *st, struct vx_error **err)
{
	struct vx_state s;
	struct vx_ct *ct = NULL;

	memset(st, 0, sizeof(*st));
	st->exists = vx_ct_exists(g, ctid);
	/* vx_ct_is_running() also drops a stale state file. */
	st->running = vx_ct_is_running(g, ctid);
	if (vx_state_read(g, ctid, &s, NULL) == 0) {
		/* A live monitor whose init is gone is rebooting the CT:
		 * still running from the user's point of view. */
		int fd = st->running ? -1 :
			 vx_pidfd_open_live(s.monitor_pid, s.monitor_start);

		if (fd >= 0) {
			st->running = true;
			close(fd);
		}
		if (st->running) {
			st->init_pid = s.init_pid;
			st->started_at = s.started_at;
		}
		st->suspended = s.suspended;
	}
	if (st->exists && vx_ct_load(g, ctid, &ct, NULL) == 0) {
		st->mounted = vx_ct_is_mounted(ct);
		/* a complete dump where the last suspend put it */
		if (!st->running && vx_ckpt_suspended(g, ct, NULL))
			st->suspended = true;
		vx_ct_free(ct);
	}
	return 0;
}
