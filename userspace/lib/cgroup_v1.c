// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cgroup v1 backend (also used in hybrid mode, where the cgroup2 mount at
 * /sys/fs/cgroup/unified is one more "hierarchy" in the list: it has no
 * controllers here but gives us cgroup.kill).
 *
 * Device policy: the CT may create any node (mknod is harmless by itself)
 * but may only read/write the devices a minimal /dev needs. Everything else,
 * in particular every block device, fails with EPERM at open(2) even though
 * CAP_MKNOD lets the CT create the node.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "values.h"

static int v1_devices(struct vx_cgroup *cg, struct vx_error **err)
{
	struct vx_cgroup_dir *d = vx_cgroup_find(cg, "devices");
	int ret;

	if (!d)
		return vx_error_set(err, VX_E_SETDEV, ENOENT,
				    "ct %u: no devices cgroup: refusing to run "
				    "a CT without a device allowlist", cg->ctid);
	ret = vx_cgroup_write(d->path, "devices.deny", "a", err);
	for (size_t i = 0; ret == 0 && i < vx_dev_allow_n; i++) {
		const struct vx_dev_rule *r = &vx_dev_allow[i];
		char line[64], maj[12] = "*", min[12] = "*";

		if (r->major >= 0)
			snprintf(maj, sizeof(maj), "%d", r->major);
		if (r->minor >= 0)
			snprintf(min, sizeof(min), "%d", r->minor);
		snprintf(line, sizeof(line), "%c %s:%s %s", r->type, maj, min,
			 r->access);
		ret = vx_cgroup_write(d->path, "devices.allow", line, err);
	}
	/* Hybrid: the same list as a BPF program on the unified dir; the
	 * kernel checks both. Best effort: v1 already enforces it. */
	for (size_t i = 0; ret == 0 && i < cg->ndirs; i++)
		if (cg->dirs[i].v2)
			vx_cgroup_bpf_devices(cg->dirs[i].path, vx_dev_allow,
					      vx_dev_allow_n, NULL);
	if (ret < 0) {
		vx_error_prefix(err, "ct %u: device allowlist", cg->ctid);
		if (err && *err)
			(*err)->code = VX_E_SETDEV;
	}
	return ret;
}

/* Copies cpuset.cpus/mems from the parent into dir if dir's are empty,
 * doing the parent first (recursively up to the hierarchy root). */
static int cpuset_fill(const char *dir, struct vx_error **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	cleanup_free char *parent = strdup(dir);
	char *slash = parent ? strrchr(parent, '/') : NULL;

	if (!slash)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "cpuset");
	*slash = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char buf[1024] = "", path[PATH_MAX];
		cleanup_fclose FILE *f = NULL;
		int ret;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "re");
		if (!f)
			return vx_error_set(err, VX_E_SYSTEM, errno, "open %s",
					    path);
		if (fgets(buf, sizeof(buf), f) && buf[0] != '\n')
			continue;
		ret = cpuset_fill(parent, err);
		if (ret < 0)
			return ret;
		snprintf(path, sizeof(path), "%s/%s", parent, files[i]);
		fclose(f);
		f = fopen(path, "re");
		if (!f || !fgets(buf, sizeof(buf), f))
			return vx_error_set(err, VX_E_SYSTEM, errno, "read %s",
					    path);
		ret = vx_cgroup_write(dir, files[i], buf, err);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int v1_create(struct vx_cgroup *cg, struct vx_error **err)
{
	cg->fresh = true;
	for (size_t i = 0; i < cg->ndirs; i++) {
		struct vx_cgroup_dir *d = &cg->dirs[i];
		int ret;

		ret = vx_cgroup_mkdir_p(d->path, err);
		if (ret < 0)
			return ret;
		if (ret == 0)
			cg->fresh = false;
		/* cpuset children start with empty cpus/mems, and attach
		 * then fails with ENOSPC: fill each new level from its
		 * parent, top-down. */
		if (!strcmp(d->ctrls, "cpuset")) {
			ret = cpuset_fill(d->path, err);
			if (ret < 0)
				return ret;
		}
	}
	return v1_devices(cg, err);
}

static int v1_attach(struct vx_cgroup *cg, pid_t pid, struct vx_error **err)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	for (size_t i = 0; i < cg->ndirs; i++) {
		int ret = vx_cgroup_write(cg->dirs[i].path, "cgroup.procs",
					  buf, err);

		if (ret < 0) {
			vx_error_prefix(err, "ct %u: join cgroup", cg->ctid);
			return ret;
		}
	}
	return 0;
}

static int v1_destroy(struct vx_cgroup *cg, struct vx_error **err)
{
	struct vx_cgroup_dir *kill_dir = NULL;
	int ret = 0;

	/* Prefer cgroup.kill (atomic against forks) when hybrid gives us a
	 * cgroup2 directory; else kill what the pids (or any) hierarchy
	 * lists. Every hierarchy holds every CT process, so one suffices. */
	for (size_t i = 0; i < cg->ndirs; i++)
		if (cg->dirs[i].v2)
			kill_dir = &cg->dirs[i];
	if (kill_dir && access(kill_dir->path, F_OK) == 0 &&
	    vx_cgroup_write(kill_dir->path, "cgroup.kill", "1", NULL) == 0)
		kill_dir = NULL;
	else if (!(kill_dir = vx_cgroup_find(cg, "pids")))
		kill_dir = &cg->dirs[0];
	if (kill_dir)
		ret = vx_cgroup_kill_listed(kill_dir->path, err);
	for (size_t i = 0; i < cg->ndirs; i++) {
		int r = vx_cgroup_rmdir_wait(cg->dirs[i].path, err);

		if (r < 0 && ret == 0)
			ret = r;
	}
	if (ret < 0)
		vx_error_prefix(err, "ct %u: remove cgroups", cg->ctid);
	return ret;
}

static int v1_set(struct vx_cgroup *cg, const char *ctrl, const char *file,
		  const char *value, struct vx_error **err)
{
	struct vx_cgroup_dir *d = vx_cgroup_find(cg, ctrl);

	if (!d)
		return vx_error_set(err, VX_E_NOKERNEL, ENOENT,
				    "ct %u: no %s cgroup hierarchy", cg->ctid,
				    ctrl);
	return vx_cgroup_write(d->path, file, value, err);
}

/* A v1 number, or "-1" (v1's spelling of "no limit"). */
static const char *v1_num(char *buf, size_t len, uint64_t v)
{
	if (v >= VX_UNLIMITED)
		return "-1";
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

static int v1_write(struct vx_cgroup *cg, const char *ctrl, const char *file,
		    const char *value, int code, struct vx_error **err)
{
	int ret;

	if (vx_cgroup_fresh_default(cg, file, value) &&
	    vx_cgroup_find(cg, ctrl))
		return 0;
	ret = v1_set(cg, ctrl, file, value, err);

	if (ret < 0 && err && *err && (*err)->code != VX_E_NOKERNEL)
		(*err)->code = code;
	return ret;
}

/*
 * VSwap on v1: memory.limit_in_bytes = RAM, memory.memsw.limit_in_bytes =
 * RAM + swap. The kernel insists on memsw >= limit at every step, so memsw
 * is opened up first, then the RAM limit set, then memsw narrowed.
 */
static int v1_memory(struct vx_cgroup *cg, const struct vx_limits *l,
		     struct vx_error **err)
{
	bool memsw = vx_cgroup_has_file(cg, "memory",
					"memory.memsw.limit_in_bytes");
	uint64_t both = VX_UNLIMITED;
	char b1[32], b2[32];
	int ret = 0;

	if (!vx_cgroup_find(cg, "memory")) {
		if (l->ram >= VX_UNLIMITED)
			return 0;
		return vx_error_set(err, VX_E_NOKERNEL, 0,
				    "ct %u: RAM limit: no memory cgroup "
				    "controller on this host", cg->ctid);
	}
	if (l->ram < VX_UNLIMITED && l->swap < VX_UNLIMITED)
		both = l->ram + l->swap;
	if (!memsw && both < VX_UNLIMITED && vx_host_has_swap())
		return vx_error_set(err, VX_E_NOKERNEL, 0,
				    "ct %u: swap limit: the kernel has no "
				    "memory.memsw.* files (boot with "
				    "swapaccount=1)", cg->ctid);
	if (memsw)
		ret = v1_write(cg, "memory", "memory.memsw.limit_in_bytes",
			       "-1", VX_E_SETUBC, err);
	if (ret == 0)
		ret = v1_write(cg, "memory", "memory.limit_in_bytes",
			       v1_num(b1, sizeof(b1), l->ram), VX_E_SETUBC,
			       err);
	if (ret == 0 && memsw)
		ret = v1_write(cg, "memory", "memory.memsw.limit_in_bytes",
			       v1_num(b2, sizeof(b2), both), VX_E_SETUBC, err);
	return ret;
}

static int v1_cpu(struct vx_cgroup *cg, const struct vx_limits *l,
		  struct vx_error **err)
{
	/* OpenVZ's 1000 units = the kernel's default 1024 shares */
	uint64_t shares = (uint64_t)l->cpuunits * 1024 / 1000;
	char buf[32];
	int ret;

	/* no cpu hierarchy: fine as long as nothing is asked of it */
	if (!vx_cgroup_find(cg, "cpu") && l->cpuunits == 1000 &&
	    !l->cpu_quota_us)
		return 0;
	if (shares < 2)
		shares = 2;
	if (shares > 262144)
		shares = 262144;
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)shares);
	ret = v1_write(cg, "cpu", "cpu.shares", buf, VX_E_SETFSHD, err);
	if (ret == 0)
		ret = v1_write(cg, "cpu", "cpu.cfs_period_us", "100000",
			       VX_E_SETFSHD, err);
	if (ret == 0)
		ret = v1_write(cg, "cpu", "cpu.cfs_quota_us",
			       l->cpu_quota_us ?
			       v1_num(buf, sizeof(buf), l->cpu_quota_us) : "-1",
			       VX_E_SETFSHD, err);
	return ret;
}

static int v1_cpuset(struct vx_cgroup *cg, const struct vx_limits *l,
		     struct vx_error **err)
{
	struct vx_cgroup_dir *d = vx_cgroup_find(cg, "cpuset");
	char buf[1024] = "", path[PATH_MAX];
	cleanup_fclose FILE *f = NULL;

	if (!d) {
		if (!l->cpumask[0])
			return 0;
		return vx_error_set(err, VX_E_NOKERNEL, 0,
				    "ct %u: CPUMASK: no cpuset cgroup "
				    "controller on this host", cg->ctid);
	}
	if (l->cpumask[0])
		return v1_write(cg, "cpuset", "cpuset.cpus", l->cpumask,
				VX_E_SETFSHD, err);
	/* no mask: every CPU the parent has, as create() copied them */
	if (cg->fresh)
		return 0;
	snprintf(path, sizeof(path), "%s", d->path);
	*strrchr(path, '/') = '\0';
	strncat(path, "/cpuset.cpus", sizeof(path) - strlen(path) - 1);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		return vx_error_set(err, VX_E_SETFSHD, errno, "read %s", path);
	return v1_write(cg, "cpuset", "cpuset.cpus", buf, VX_E_SETFSHD, err);
}

static int v1_blkio(struct vx_cgroup *cg, const struct vx_limits *l,
		    struct vx_error **err)
{
	static const char *const bps[] = { "blkio.throttle.read_bps_device",
					   "blkio.throttle.write_bps_device" };
	static const char *const iops[] = { "blkio.throttle.read_iops_device",
					    "blkio.throttle.write_iops_device" };
	char buf[64];
	int ret = 0;

	if (!vx_cgroup_find(cg, "blkio") && !l->iolimit && !l->iopslimit &&
	    l->ioprio < 0)
		return 0;
	/* lifting limits needs no throttle files (no CONFIG_BLK_DEV_THROTTLING) */
	if (l->have_dev && (l->iolimit || l->iopslimit ||
			    vx_cgroup_has_file(cg, "blkio", bps[0]))) {
		/* 0 removes the rule: a live "no limit" really lifts it */
		for (int i = 0; ret == 0 && i < 2; i++) {
			snprintf(buf, sizeof(buf), "%u:%u %llu", l->dev_major,
				 l->dev_minor, (unsigned long long)l->iolimit);
			ret = v1_write(cg, "blkio", bps[i], buf, VX_E_SETUBC,
				       err);
			snprintf(buf, sizeof(buf), "%u:%u %llu", l->dev_major,
				 l->dev_minor,
				 (unsigned long long)l->iopslimit);
			if (ret == 0)
				ret = v1_write(cg, "blkio", iops[i], buf,
					       VX_E_SETUBC, err);
		}
	}
	if (ret == 0 && l->ioprio >= 0) {
		const char *file = vx_cgroup_has_file(cg, "blkio",
						      "blkio.bfq.weight") ?
				   "blkio.bfq.weight" : "blkio.weight";

		snprintf(buf, sizeof(buf), "%d", VX_IOPRIO_WEIGHT(l->ioprio));
		ret = v1_write(cg, "blkio", file, buf, VX_E_SETUBC, err);
	}
	return ret;
}

static int v1_set_limits(struct vx_cgroup *cg, const struct vx_limits *l,
			 struct vx_error **err)
{
	char buf[32];
	int ret = v1_memory(cg, l, err);

	if (ret == 0 && (vx_cgroup_find(cg, "pids") || l->numproc < VX_UNLIMITED))
		ret = v1_write(cg, "pids", "pids.max",
			       l->numproc >= VX_UNLIMITED ? "max" :
			       v1_num(buf, sizeof(buf), l->numproc),
			       VX_E_SETUBC, err);
	if (ret == 0)
		ret = v1_cpu(cg, l, err);
	if (ret == 0)
		ret = v1_cpuset(cg, l, err);
	if (ret == 0)
		ret = v1_blkio(cg, l, err);
	if (ret < 0)
		vx_error_prefix(err, "ct %u: set resource limits", cg->ctid);
	return ret;
}

const struct vx_cgroup_ops vx_cgroup_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.attach = v1_attach,
	.destroy = v1_destroy,
	.set = v1_set,
	.set_limits = v1_set_limits,
};
