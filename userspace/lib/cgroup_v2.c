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

#include "cgroup.h"
#include "cleanup.h"

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
						     "+pids", "+io" };
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

const struct vx_cgroup_ops vx_cgroup_v2_ops = {
	.name = "v2",
	.create = v2_create,
	.attach = v2_attach,
	.destroy = v2_destroy,
	.set = v2_set,
};
