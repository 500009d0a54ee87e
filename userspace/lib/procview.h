/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The /proc view of a CT: what free, top, nproc, uptime and sysinfo()
 * report inside it, set in the kernel context CTID (docs/kernel-abi.md,
 * "Per-context views") from the CT's limits:
 *
 *   RAM   = PHYSPAGES' limit (--ram)       unlimited: the host's figures
 *   swap  = SWAPPAGES' limit (--swap)      unlimited or unset: none shown
 *   CPUs  = CPUS (--cpus), numbered from 0, standing for the CPUMASK
 *           (--cpumask) CPUs if one is set; CPUMASK alone shows its CPUs;
 *           neither: the host's CPUs
 *   boot  = when the kernel context was created, i.e. the CT's start
 *
 * vx_procview_apply() is called by the beancounter start path (before
 * init is entered) and by `vzctl set` on a running CT, so a change shows
 * at once. A kernel without views (-EOPNOTSUPP) is not an error: the CT
 * then sees the host's /proc, as on any other kernel.
 */
#ifndef VX_PROCVIEW_H
#define VX_PROCVIEW_H

#include "config.h"
#include "error.h"
#include "kctx.h"

/* The view for conf (every field marked to be sent, except start). */
int vx_procview_from_conf(const struct vx_conf *conf, unsigned int ctid,
			  struct vx_kview *v, struct vx_error **err);
/* Sends it to context ctid on k. 0 also when the kernel has no views. */
int vx_procview_apply(struct vx_kctx *k, const struct vx_conf *conf,
		      unsigned int ctid, struct vx_error **err);

#endif /* VX_PROCVIEW_H */
