// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The /proc view of a CT from its limits (see procview.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "procview.h"
#include "values.h"

/* Bytes of a pages key's limit; 0 if unset or unlimited. */
static int limit_bytes(const struct vx_conf *conf, const char *key,
		       uint64_t *bytes, struct vx_error **err)
{
	const char *v = vx_conf_get(conf, key);
	uint64_t barrier, limit;

	*bytes = 0;
	if (!v || !*v)
		return 0;
	if (vx_parse_barrier_limit(v, VX_UNIT_PAGES, &barrier, &limit, err) < 0) {
		vx_error_prefix(err, "%s=\"%s\"", key, v);
		return -EINVAL;
	}
	if (limit < VX_UNLIMITED / VX_PAGE_SIZE)
		*bytes = limit * VX_PAGE_SIZE;
	return 0;
}

int vx_procview_from_conf(const struct vx_conf *conf, unsigned int ctid,
			  struct vx_kview *v, struct vx_error **err)
{
	const char *cpus = vx_conf_get(conf, "CPUS");
	const char *mask = vx_conf_get(conf, "CPUMASK");
	uint64_t n = 0;

	memset(v, 0, sizeof(*v));
	if (limit_bytes(conf, "PHYSPAGES", &v->mem_bytes, err) < 0 ||
	    limit_bytes(conf, "SWAPPAGES", &v->swap_bytes, err) < 0) {
		vx_error_prefix(err, "ct %u", ctid);
		return -EINVAL;
	}
	if (cpus && *cpus && strcasecmp(cpus, "unlimited") &&
	    vx_parse_value(cpus, VX_UNIT_COUNT, &n, err) < 0) {
		vx_error_prefix(err, "ct %u: CPUS=\"%s\"", ctid, cpus);
		return -EINVAL;
	}
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	if (mask && strcmp(mask, "all"))
		snprintf(v->cpus, sizeof(v->cpus), "%s", mask);
	v->nr_cpus = (uint32_t)n;
	v->set = VX_KVIEW_MEM | VX_KVIEW_SWAP | VX_KVIEW_CPUS;
	/* A CPU list alone shows all of its CPUs (the kernel counts them). */
	if (n || !v->cpus[0])
		v->set |= VX_KVIEW_NR_CPUS;
	return 0;
}

int vx_procview_apply(struct vx_kctx *k, const struct vx_conf *conf,
		      unsigned int ctid, struct vx_error **err)
{
	struct vx_error *e = NULL;
	struct vx_kview v;
	int ret;

	ret = vx_procview_from_conf(conf, ctid, &v, err);
	if (ret < 0)
		return ret;
	ret = vx_kctx_view_set(k, ctid, &v, &e);
	if (ret == -EOPNOTSUPP)
		ret = 0;
	if (ret < 0 && err && !*err) {
		*err = e;
		e = NULL;
		vx_error_prefix(err, "ct %u: set the /proc view", ctid);
	}
	vx_error_free(e);
	return ret;
}
