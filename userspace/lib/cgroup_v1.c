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

#include "cgroup.h"
#include "cleanup.h"

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
	for (size_t i = 0; i < cg->ndirs; i++) {
		struct vx_cgroup_dir *d = &cg->dirs[i];
		int ret;

		ret = vx_cgroup_mkdir_p(d->path, err);
		if (ret < 0)
			return ret;
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

const struct vx_cgroup_ops vx_cgroup_v1_ops = {
	.name = "v1",
	.create = v1_create,
	.attach = v1_attach,
	.destroy = v1_destroy,
	.set = v1_set,
};
