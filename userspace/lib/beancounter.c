// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel beancounters of a CT (see beancounter.h for the model).
 *
 * Every function opens its own netlink socket: they run in different
 * processes (the monitor, vxd, an exec relay about to setns into the CT's
 * network namespace), a socket costs a few microseconds, and a handle kept
 * across fork() would be shared by two processes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "beancounter.h"
#include "cleanup.h"
#include "procview.h"
#include "values.h"

static const struct {
	const char *key;
	enum vx_unit unit;
} bc_keys[VX_RES_NR_ACCOUNTED] = {
	[VX_RES_NUMPROC] = { "NUMPROC", VX_UNIT_COUNT },
	[VX_RES_NUMFILE] = { "NUMFILE", VX_UNIT_COUNT },
	[VX_RES_NUMTCPSOCK] = { "NUMTCPSOCK", VX_UNIT_COUNT },
	[VX_RES_NUMOTHERSOCK] = { "NUMOTHERSOCK", VX_UNIT_COUNT },
	[VX_RES_NUMFLOCK] = { "NUMFLOCK", VX_UNIT_COUNT },
	[VX_RES_NUMPTY] = { "NUMPTY", VX_UNIT_COUNT },
	[VX_RES_NUMSIGINFO] = { "NUMSIGINFO", VX_UNIT_COUNT },
	[VX_RES_PRIVVMPAGES] = { "PRIVVMPAGES", VX_UNIT_PAGES },
};

const char *vx_bc_key(int id)
{
	return id >= 0 && id < VX_RES_NR_ACCOUNTED ? bc_keys[id].key : NULL;
}

int vx_bc_from_conf(const struct vx_conf *conf, unsigned int ctid,
		    struct vx_kres rows[VX_RES_NR_ACCOUNTED],
		    struct vx_error **err)
{
	for (int i = 0; i < VX_RES_NR_ACCOUNTED; i++) {
		const char *v = vx_conf_get(conf, bc_keys[i].key);
		int ret;

		memset(&rows[i], 0, sizeof(rows[i]));
		rows[i].id = (uint32_t)i;
		rows[i].barrier = rows[i].limit = VX_RES_UNLIMITED;
		if (!v || !*v)
			continue;
		ret = vx_parse_barrier_limit(v, bc_keys[i].unit,
					     &rows[i].barrier, &rows[i].limit,
					     err);
		if (ret < 0) {
			vx_error_prefix(err, "ct %u: %s=\"%s\"", ctid,
					bc_keys[i].key, v);
			return ret;
		}
	}
	return 0;
}

/* A context left by a monitor that died (or a vx crash) is reused only if
 * empty, and then made anew so that its counters start from zero. One that
 * still has tasks belongs to something alive: refuse. */
static int ctx_fresh(struct vx_kctx *k, unsigned int ctid,
		     struct vx_error **err)
{
	struct vx_error *e = NULL;
	uint32_t tasks = 0;
	int ret = vx_kctx_new(k, ctid, &e);

	if (ret != -EEXIST) {
		if (ret < 0 && err && !*err)
			*err = e;
		else
			vx_error_free(e);
		return ret;
	}
	vx_error_free(e);
	ret = vx_kctx_get(k, ctid, &tasks, err);
	if (ret < 0)
		return ret;
	if (tasks)
		return vx_error_set(err, VX_E_RUNNING, EBUSY,
				    "kernel context %u still has %u tasks from an earlier run of the CT; kill them (they are listed in /proc/vz/veinfo) or reboot the host",
				    ctid, tasks);
	ret = vx_kctx_del(k, ctid, err);
	if (ret == 0)
		ret = vx_kctx_new(k, ctid, err);
	return ret;
}

int vx_bc_start(const struct vx_conf *conf, unsigned int ctid,
		int init_pidfd, struct vx_error **err)
{
	struct vx_kres rows[VX_RES_NR_ACCOUNTED];
	cleanup_kctx struct vx_kctx *k = NULL;
	int ret;

	if (!vx_kctx_present())
		return 0;
	ret = vx_bc_from_conf(conf, ctid, rows, err);
	if (ret < 0)
		return ret;
	ret = vx_kctx_open(&k, err);
	if (ret == 0)
		ret = ctx_fresh(k, ctid, err);
	if (ret < 0) {
		vx_error_prefix(err, "ct %u: create kernel context", ctid);
		return ret;
	}
	ret = vx_kctx_res_set(k, ctid, rows, VX_RES_NR_ACCOUNTED, err);
	if (ret < 0)
		vx_error_prefix(err, "ct %u: set beancounters", ctid);
	/* free, nproc, uptime inside the CT tell its limits (procview.h) */
	if (ret == 0)
		ret = vx_procview_apply(k, conf, ctid, err);
	if (ret == 0) {
		ret = vx_kctx_enter(k, ctid, 0, init_pidfd, err);
		if (ret < 0)
			vx_error_prefix(err, "ct %u: move init into kernel context %u",
					ctid, ctid);
	}
	if (ret < 0)
		vx_kctx_del(k, ctid, NULL);
	return ret;
}

/* A failure the caller sees (its first error, with what we were doing);
 * ENOENT (no such context: nothing to do) is success. */
static int pass_err(int ret, struct vx_error *e, struct vx_error **err,
		    const char *what, unsigned int ctid)
{
	if (ret == -ENOENT)
		ret = 0;
	if (ret < 0 && err && !*err) {
		*err = e;
		e = NULL;
		vx_error_prefix(err, "ct %u: %s", ctid, what);
	}
	vx_error_free(e);
	return ret;
}

int vx_bc_stop(unsigned int ctid, struct vx_error **err)
{
	cleanup_kctx struct vx_kctx *k = NULL;
	struct vx_error *e = NULL;
	int ret, delay_us = 1000;
	struct timespec t0, now;

	if (!vx_kctx_present())
		return 0;
	ret = vx_kctx_open(&k, err);
	if (ret < 0)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* The cgroup empties before the kernel counts a task out of its
	 * context (exit_notify() comes later in do_exit()): wait a little
	 * for tasks that are still on their way out. */
	while ((ret = vx_kctx_del(k, ctid, &e)) == -EBUSY) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec >= 5)
			break;
		vx_error_free(e);
		e = NULL;
		usleep(delay_us);
		if (delay_us < 64000)
			delay_us *= 2;
	}
	return pass_err(ret, e, err, "delete kernel context", ctid);
}

int vx_bc_join(unsigned int ctid, struct vx_error **err)
{
	cleanup_kctx struct vx_kctx *k = NULL;
	struct vx_error *e = NULL;
	int ret;

	if (!vx_kctx_present())
		return 0;
	ret = vx_kctx_open(&k, err);
	if (ret < 0)
		return ret;
	ret = vx_kctx_enter(k, ctid, getpid(), -1, &e);
	return pass_err(ret, e, err, "join kernel context", ctid);
}

int vx_bc_set_live(const struct vx_conf *conf, unsigned int ctid,
		   const char *const *keys, size_t nkeys,
		   struct vx_error **err)
{
	struct vx_kres rows[VX_RES_NR_ACCOUNTED];
	cleanup_kctx struct vx_kctx *k = NULL;
	struct vx_error *e = NULL;
	size_t n = 0;
	int ret;

	if (!vx_kctx_present())
		return 0;
	ret = vx_bc_from_conf(conf, ctid, rows, err);
	if (ret < 0)
		return ret;
	for (int i = 0; i < VX_RES_NR_ACCOUNTED; i++)
		for (size_t j = 0; j < nkeys; j++)
			if (!strcmp(keys[j], bc_keys[i].key)) {
				rows[n++] = rows[i];
				break;
			}
	ret = vx_kctx_open(&k, err);
	if (ret < 0)
		return ret;
	/* no beancounter named (e.g. only --ram): the view still follows */
	ret = n ? vx_kctx_res_set(k, ctid, rows, n, &e) : 0;
	if (ret == 0)
		ret = vx_procview_apply(k, conf, ctid, err);
	if (ret == -ENOENT)
		vx_error_set(err, VX_E_SETUBC, 0,
			     "ct %u runs without a kernel context (started before the kernel or vx had beancounters); restart it to apply beancounters",
			     ctid);
	else if (ret < 0 && err && !*err) {
		*err = e;
		e = NULL;
		vx_error_prefix(err, "ct %u: set beancounters", ctid);
	}
	vx_error_free(e);
	return ret;
}

int vx_bc_usage(struct vx_kctx *k, unsigned int ctid,
		struct vx_kres rows[VX_RES_NR_ACCOUNTED], size_t *n,
		struct vx_error **err)
{
	struct vx_kres all[VX_RES_MAX + 1];
	struct vx_error *e = NULL;
	size_t got = 0;
	int ret;

	*n = 0;
	if (!k)
		return 0;
	ret = vx_kctx_res_get(k, ctid, all, ARRAY_SIZE(all), &got, &e);
	ret = pass_err(ret, e, err, "read kernel beancounters", ctid);
	/* only the rows this vx knows (a newer kernel may list more) */
	for (size_t i = 0; ret == 0 && i < got; i++)
		if (all[i].id < VX_RES_NR_ACCOUNTED)
			rows[(*n)++] = all[i];
	return ret;
}
