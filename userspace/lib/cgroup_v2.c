// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cgroup v2 backend: one directory, controllers enabled top-down through
 * cgroup.subtree_control, cgroup.kill for teardown.
 *
 * Device policy: the BPF device program of cgroup_bpf.c, from the same
 * allowlist as the v1 devices controller. Failing to attach it fails the
 * start: a CT without a device policy could open the host's disks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "values.h"

/* Enables the usual controllers on each ancestor; failures are tolerated
 * (a controller may be absent or bound to v1). */
static void v2_enable_controllers(const char *path)
{
	cleanup_free char *p = strdup(path);
	char *s;

	if (!p)
		return;
	/* from /sys/fs/cgroup/vx/101 enable in /sys/fs/cgroup and .../vx */
	for (s = strchr(p + sizeof("/sys/fs/cgroup") - 1, '/'); s;
	     s = strchr(s + 1, '/')) {
		static const char *const ctrls[] = { "+cpu", "+memory",
						     "+pids", "+io",
						     "+cpuset" };
		*s = '\0';
		for (size_t i = 0; i < ARRAY_SIZE(ctrls); i++)
			vx_cgroup_write(p, "cgroup.subtree_control", ctrls[i],
					NULL);
		*s = '/';
	}
}

static int v2_create(struct vx_cgroup *cg, struct vx_error **err)
{
	int ret = vx_cgroup_mkdir_p(cg->dirs[0].path, err);

	if (ret < 0)
		return ret;
	cg->fresh = ret == 1;
	v2_enable_controllers(cg->dirs[0].path);
	ret = vx_cgroup_bpf_devices(cg->dirs[0].path, vx_dev_allow,
				    vx_dev_allow_n, err);
	if (ret < 0)
		vx_error_prefix(err, "ct %u: device allowlist", cg->ctid);
	return ret;
}

static int v2_attach(struct vx_cgroup *cg, pid_t pid, struct vx_error **err)
{
	char buf[16];
	int ret;

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	ret = vx_cgroup_write(cg->dirs[0].path, "cgroup.procs", buf, err);
	if (ret < 0)
		vx_error_prefix(err, "ct %u: join cgroup", cg->ctid);
	return ret;
}

static int v2_destroy(struct vx_cgroup *cg, struct vx_error **err)
{
	const char *dir = cg->dirs[0].path;
	int ret;

	if (vx_cgroup_write(dir, "cgroup.kill", "1", NULL) < 0)
		vx_cgroup_kill_listed(dir, NULL);	/* kernel < 5.14 */
	ret = vx_cgroup_rmdir_wait(dir, err);
	if (ret < 0)
		vx_error_prefix(err, "ct %u: remove cgroup", cg->ctid);
	return ret;
}

static int v2_set(struct vx_cgroup *cg, const char *ctrl, const char *file,
		  const char *value, struct vx_error **err)
{
	return vx_cgroup_write(cg->dirs[0].path, file, value, err);
}

/* A v2 number, or "max". */
static const char *v2_num(char *buf, size_t len, uint64_t v)
{
	if (v >= VX_UNLIMITED)
		return "max";
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static int v2_write(struct vx_cgroup *cg, const char *file, const char *value,
		    int code, struct vx_error **err)
{
	int ret;

	if (vx_cgroup_fresh_default(cg, file, value))
		return 0;
	ret = vx_cgroup_write(cg->dirs[0].path, file, value, err);

	if (ret < 0 && err && *err)
		(*err)->code = (*err)->errnum == ENOENT ? VX_E_NOKERNEL : code;
	return ret;
}

/* In the CT's own directory: the v2 root lacks most of these files. */
static bool v2_has(struct vx_cgroup *cg, const char *file)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", cg->dirs[0].path, file);
	return access(path, F_OK) == 0;
}

/*
 * A limit was asked for but the CT's directory lacks its file: the
 * controller is not enabled for us (absent from the kernel, bound to a v1
 * hierarchy, or refused by cgroup.subtree_control). Exit 5, naming the key
 * and the controller rather than an ENOENT path.
 */
static int v2_missing(struct vx_cgroup *cg, const char *key,
		      const char *ctrl, struct vx_error **err)
{
	return vx_error_set(err, VX_E_NOKERNEL, 0,
			    "%s: the %s controller is not available to %s "
			    "(not in its cgroup.controllers: missing from "
			    "the kernel or not delegated by the parent's "
			    "cgroup.subtree_control)", key, ctrl,
			    cg->dirs[0].path);
}

/* The same limits as the v1 backend, in v2's files: memory.max and
 * memory.swap.max (v2 limits swap on its own, no RAM+swap sum), pids.max,
 * cpu.weight (1..10000, default 100 = OpenVZ's 1000 units), cpu.max,
 * cpuset.cpus, io.max, io.weight. A file the kernel lacks is only an
 * error when the limit is actually asked for. */
static int v2_set_limits(struct vx_cgroup *cg, const struct vx_limits *l,
			 struct vx_error **err)
{
	uint64_t weight = l->cpuunits / 10;
	char buf[256], b2[32], b3[32];
	int ret = 0;

	if (l->ram < VX_UNLIMITED && !v2_has(cg, "memory.max"))
		ret = v2_missing(cg, "PHYSPAGES (--ram)", "memory", err);
	else if (v2_has(cg, "memory.max"))
		ret = v2_write(cg, "memory.max", v2_num(buf, sizeof(buf), l->ram),
			       VX_E_SETUBC, err);
	/* OpenVZ: an OOM kill takes the biggest process inside the CT, not
	 * the CT. 0 is the kernel's default; written so that a value left by
	 * someone else cannot turn one hog into the loss of the whole VPS. */
	if (ret == 0 && v2_has(cg, "memory.oom.group"))
		ret = v2_write(cg, "memory.oom.group", "0", VX_E_SETUBC, err);
	if (ret == 0 && ((l->swap < VX_UNLIMITED && vx_host_has_swap()) ||
			 v2_has(cg, "memory.swap.max")))
		ret = v2_write(cg, "memory.swap.max",
			       v2_num(buf, sizeof(buf), l->swap), VX_E_SETUBC,
			       err);
	if (ret == 0 && l->numproc < VX_UNLIMITED && !v2_has(cg, "pids.max"))
		ret = v2_missing(cg, "NUMPROC (--numproc)", "pids", err);
	else if (ret == 0 && v2_has(cg, "pids.max"))
		ret = v2_write(cg, "pids.max",
			       v2_num(buf, sizeof(buf), l->numproc),
			       VX_E_SETUBC, err);
	if (weight < 1)
		weight = 1;
	if (weight > 10000)
		weight = 10000;
	if (ret == 0 && (l->cpuunits != 1000 || l->cpu_quota_us) &&
	    !v2_has(cg, "cpu.max"))
		ret = v2_missing(cg, "CPUUNITS/CPULIMIT/CPUS", "cpu", err);
	else if (ret == 0 && v2_has(cg, "cpu.max")) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)weight);
		ret = v2_write(cg, "cpu.weight", buf, VX_E_SETFSHD, err);
		snprintf(buf, sizeof(buf), "%s %u",
			 l->cpu_quota_us ? v2_num(b2, sizeof(b2), l->cpu_quota_us) :
			 "max", VX_CPU_PERIOD_US);
		if (ret == 0)
			ret = v2_write(cg, "cpu.max", buf, VX_E_SETFSHD, err);
	}
	/* "" gives the CT every CPU of its parent again */
	if (ret == 0 && l->cpumask[0] && !v2_has(cg, "cpuset.cpus"))
		ret = v2_missing(cg, "CPUMASK (--cpumask)", "cpuset", err);
	else if (ret == 0 && v2_has(cg, "cpuset.cpus"))
		ret = v2_write(cg, "cpuset.cpus", l->cpumask[0] ? l->cpumask :
			       "\n", VX_E_SETFSHD, err);
	if (ret == 0 && (l->iolimit || l->iopslimit) && !v2_has(cg, "io.max"))
		ret = v2_missing(cg, "IOLIMIT/IOPSLIMIT", "io", err);
	else if (ret == 0 && l->have_dev && v2_has(cg, "io.max")) {
		snprintf(buf, sizeof(buf), "%u:%u rbps=%s wbps=%s riops=%s wiops=%s",
			 l->dev_major, l->dev_minor,
			 l->iolimit ? v2_num(b2, sizeof(b2), l->iolimit) : "max",
			 l->iolimit ? b2 : "max",
			 l->iopslimit ? v2_num(b3, sizeof(b3), l->iopslimit) : "max",
			 l->iopslimit ? b3 : "max");
		ret = v2_write(cg, "io.max", buf, VX_E_SETUBC, err);
	}
	/* BFQ's weight where BFQ is built in, else io.cost's io.weight */
	if (ret == 0 && l->ioprio >= 0) {
		const char *w = v2_has(cg, "io.bfq.weight") ? "io.bfq.weight" :
				v2_has(cg, "io.weight") ? "io.weight" : NULL;

		snprintf(buf, sizeof(buf), "%d", VX_IOPRIO_WEIGHT(l->ioprio));
		ret = w ? v2_write(cg, w, buf, VX_E_SETUBC, err) :
			  vx_error_set(err, VX_E_NOKERNEL, 0,
				       "IOPRIO cannot be enforced on this host: the kernel offers no I/O weight in %s (no io.bfq.weight: BFQ not built; no io.weight: no io.cost)",
				       cg->dirs[0].path);
	}
	if (ret < 0)
		vx_error_prefix(err, "ct %u: set resource limits", cg->ctid);
	return ret;
}

const struct vx_cgroup_ops vx_cgroup_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.attach = v2_attach,
	.destroy = v2_destroy,
	.set = v2_set,
	.set_limits = v2_set_limits,
};
