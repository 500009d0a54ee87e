/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-CT resource limits: OpenVZ's options and config keys, checked and
 * turned into struct vx_limits (cgroup.h), which the cgroup backend writes.
 *
 * One table maps each option (--ram, --numproc, --cpulimit ...) to its
 * config key (PHYSPAGES, NUMPROC, CPULIMIT ...) and value syntax. Options
 * are converted to the value written in the config, so `set --save`,
 * `create`, `--applyconfig` and the start path all read the same keys.
 * Kernel beancounters that no cgroup can express (NUMFILE, NUMTCPSOCK ...)
 * are kept in configs but refused as options on a kernel without the vx
 * patchset's "vserver" family (VX_E_NOKERNEL): never silently ignored.
 */
#ifndef VX_RESOURCES_H
#define VX_RESOURCES_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "cgroup.h"
#include "config.h"
#include "ct.h"
#include "error.h"

enum vx_res_kind {
	VX_RES_BL_PAGES,	/* barrier:limit in pages (PHYSPAGES ...) */
	VX_RES_BL_COUNT,	/* barrier:limit items (NUMPROC) */
	VX_RES_RAM,		/* one size -> "0:pages" (--ram, --swap) */
	VX_RES_CPUS,		/* 1..host CPUs, or unlimited */
	VX_RES_PERCENT,		/* N or N%, 0..100 x host CPUs */
	VX_RES_UNITS,		/* 8..500000 */
	VX_RES_MASK,		/* cpu list "0-1,3" or "all" */
	VX_RES_BYTES,		/* bytes/s, suffixes, 0 = none */
	VX_RES_COUNT,		/* items/s, 0 = none */
	VX_RES_PRIO,		/* 0..7 */
	VX_RES_UBC,		/* kernel beancounter: needs the patchset */
};

struct vx_res_opt {
	const char *opt;	/* command line option without "--" */
	const char *key;	/* config key */
	enum vx_res_kind kind;
};

extern const struct vx_res_opt vx_res_opts[];
extern const size_t vx_res_opts_n;

/* The entry for option opt ("ram"), or NULL. */
const struct vx_res_opt *vx_res_find_opt(const char *opt);
/* true if key is a resource key (for --applyconfig). */
bool vx_res_is_key(const char *key);

/* Checks an option's value and returns the config value in *value
 * (malloc'd). Bad value: VX_E_INVAL_VALUE naming it and the valid form;
 * a beancounter option on a kernel without them: VX_E_NOKERNEL. */
int vx_res_option(const struct vx_res_opt *o, const char *arg, char **value,
		  struct vx_error **err);

/* Resolves every resource key of conf into l. private: the CT's private
 * area, whose block device gets IOLIMIT/IOPSLIMIT. Errors name the key. */
int vx_limits_from_conf(const struct vx_conf *conf, unsigned int ctid,
			const char *private, struct vx_limits *l,
			struct vx_error **err);

/* Refuses limits of l the host cannot enforce (VX_E_NOKERNEL); cg need
 * not exist yet. */
int vx_limits_kernel_check(struct vx_cgroup *cg, const struct vx_limits *l,
			   struct vx_error **err);

/* Resolves ct's config (or conf) and writes it into its cgroups. */
int vx_limits_apply(struct vx_cgroup *cg, const struct vx_ct *ct,
		    const struct vx_conf *conf, struct vx_error **err);

/* OpenVZ-style usage of one resource; -1 = unknown. */
struct vx_res_usage {
	long long held, maxheld, barrier, limit, failcnt;
};

struct vx_ct_usage {
	struct vx_res_usage numproc, physpages, swappages;
	long long cpu_usage_ns;	/* cpuacct.usage / cpu.stat usage_usec */
};

/* Reads a running CT's usage from its cgroups; barrier/limit from conf. */
void vx_limits_usage(struct vx_cgroup *cg, const struct vx_conf *conf,
		     struct vx_ct_usage *u);

/* Only the barrier/limit fields of u, from conf (a stopped CT). */
void vx_limits_conf_usage(const struct vx_conf *conf, struct vx_ct_usage *u);

/* Lines for `vzctl info`/`--version`: which limits this host enforces. */
void vx_res_features(FILE *out);

/* Online CPUs of the host (>= 1). */
int vx_host_cpus(void);

#endif /* VX_RESOURCES_H */
