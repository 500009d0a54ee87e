// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd handler for `vzctl set`: hostname, name, onboot, description, and
 * resource limits (--ram, --numproc, --cpulimit ..., --applyconfig).
 *
 * OpenVZ's rules: a setting that matters at run time (the hostname) is
 * applied to a running CT at once and written to the config only with
 * --save; on a stopped CT there is nothing to apply, so the config is
 * written even without --save. Settings that only live in the config
 * (onboot, description, name) are always written: without that they would
 * have no effect at all. Resource limits follow the hostname's rule: live
 * on a running CT (written into its cgroups), saved with --save. The whole
 * resulting config is checked before anything changes.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "beancounter.h"
#include "cleanup.h"
#include "ct.h"
#include "cgroup.h"
#include "resources.h"
#include "run.h"
#include "btrfs.h"
#include "disk.h"
#include "layout.h"
#include "quota.h"
#include "setup.h"
#include "state.h"
#include "values.h"
#include "vxd.h"

/*
 * Sets the hostname of a running CT. A CT has no CAP_SYS_ADMIN, so it cannot
 * call sethostname() itself: a child of ours joins the CT's UTS namespace
 * (through a pidfd of its init, checked against the state file so a
 * recycled pid is never used) and sets it there. /etc/hostname is then
 * rewritten by a shell *inside* the CT, never through the host path, because
 * the CT owns that file and could have made it a symlink to a host file.
 */
static int set_hostname_live(struct vxd_req *r, struct vx_ct *ct,
			     const char *hostname, struct vx_error **err)
{
	char *const argv[] = {
		"/bin/sh", "-c",
		"if [ -e /etc/hostname ]; then echo \"$1\" > /etc/hostname; fi",
		"sh", (char *)hostname, NULL
	};
	cleanup_close int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int stdio[3] = { null, null, null };
	struct vx_state st;
	int pidfd, status, ret;
	pid_t pid;

	ret = vx_state_read(r->g, ct->ctid, &st, err);
	if (ret < 0)
		return ret;
	pidfd = vx_pidfd_open_checked(st.init_pid, st.init_start);
	if (pidfd < 0)
		return vx_error_set(err, VX_E_NOT_RUNNING, 0,
				    "CT %u stopped while setting its hostname",
				    ct->ctid);
	pid = fork();
	if (pid == 0) {
		if (setns(pidfd, CLONE_NEWUTS) < 0 ||
		    sethostname(hostname, strlen(hostname)) < 0)
			_exit(1);
		_exit(0);
	}
	close(pidfd);
	if (pid < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "fork");
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vx_error_set(err, VX_E_SYSTEM, errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return vx_error_set(err, VX_E_SYSTEM, 0,
				    "CT %u: cannot set the hostname %s in its UTS namespace",
				    ct->ctid, hostname);
	if (null < 0)
		return 0;
	/* Best effort: the live hostname is what was asked for. */
	if (vx_ct_exec_spawn(r->g, ct, argv, stdio, &pid, NULL) == 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return 0;
}

void vxd_res_changes_free(struct res_changes *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->val[i]);
}

static int res_add(struct res_changes *c, const char *key, const char *val)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->key[i], key)) {
			free(c->val[i]);
			c->val[i] = strdup(val);
			return c->val[i] ? 0 : -ENOMEM;
		}
	if (c->n == ARRAY_SIZE(c->key))
		return -E2BIG;
	c->key[c->n] = key;
	c->val[c->n] = strdup(val);
	return c->val[c->n++] ? 0 : -ENOMEM;
}

static int applyconfig_cb(const char *key, const char *value, void *data)
{
	for (size_t i = 0; i < vx_res_opts_n; i++)
		if (!strcmp(vx_res_opts[i].key, key))
			return res_add(data, vx_res_opts[i].key, value);
	return 0;
}

/* --applyconfig NAME: the resource keys of conf/ve-NAME.conf-sample,
 * as OpenVZ (which also leaves HOSTNAME, IP_ADDRESS, OSTEMPLATE, VE_ROOT
 * and VE_PRIVATE alone). */
static int res_applyconfig(struct vxd_req *r, const char *name,
			   struct res_changes *c, struct vx_error **err)
{
	cleanup_free char *path = NULL;
	struct vx_conf *sample = NULL;
	int ret;

	if (!*name || strchr(name, '/'))
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "invalid --applyconfig '%s': expected a sample name such as vswap-256m",
				    name);
	if (asprintf(&path, "%s/ve-%s.conf-sample", r->g->ctconfdir,
		     name) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "applyconfig");
	ret = vx_conf_load(path, &sample, err);
	if (ret < 0) {
		vx_error_prefix(err, "--applyconfig %s", name);
		return ret;
	}
	ret = vx_conf_foreach(sample, applyconfig_cb, c);
	vx_conf_free(sample);
	if (ret < 0)
		return vx_error_set(err, VX_E_RESOURCE, -ret, "applyconfig");
	return 0;
}

int vxd_res_collect(struct vxd_req *r, struct res_changes *c,
		       struct vx_error **err)
{
	const char *ac = vx_msg_get_str(r->in, "applyconfig");
	int ret;

	if (ac && (ret = res_applyconfig(r, ac, c, err)) < 0)
		return ret;
	/* explicit options win over the sample, as in OpenVZ */
	for (size_t i = 0; i < vx_res_opts_n; i++) {
		const struct vx_res_opt *o = &vx_res_opts[i];
		const char *arg = vx_msg_get_str(r->in, o->opt);
		cleanup_free char *val = NULL;

		if (!arg)
			continue;
		ret = vx_res_option(o, arg, &val, err);
		if (ret < 0)
			return ret;
		if (res_add(c, o->key, val) < 0)
			return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "set");
	}
	return 0;
}

/* A copy of conf with the changes: what the CT will run with. */
static struct vx_conf *res_merged(const struct vx_conf *conf,
				  const struct res_changes *c)
{
	cleanup_free char *text = vx_conf_format(conf);
	struct vx_conf *out = NULL;

	if (!text || vx_conf_parse(text, "config", &out, NULL) < 0)
		return NULL;
	for (size_t i = 0; i < c->n; i++)
		vx_conf_set(out, c->key[i], c->val[i]);
	return out;
}

/* Checks the merged config and, on a running CT, writes it into the
 * CT's cgroups and its kernel context. */
static int res_apply(struct vxd_req *r, struct vx_ct *ct,
		     const struct res_changes *c, bool running,
		     struct vx_error **err)
{
	struct vx_conf *merged = res_merged(ct->conf, c);
	struct vx_cgroup *cg = NULL;
	struct vx_limits l;
	struct vx_state st;
	int ret;

	if (!merged)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "set");
	ret = vx_limits_from_conf(merged, ct->ctid, ct->private, &l, err);
	if (ret == 0 && running)
		ret = vx_state_read(r->g, ct->ctid, &st, err);
	if (ret == 0)
		ret = vx_cgroup_open(r->g, ct->ctid,
				     running && st.cgroup[0] ? st.cgroup : NULL,
				     &cg, err);
	/* also on a stopped CT: a limit this host cannot enforce would
	 * only fail the next start */
	if (ret == 0)
		ret = vx_limits_kernel_check(cg, &l, err);
	if (ret == 0 && running)
		ret = vx_cgroup_set_limits(cg, &l, err);
	/* kernel beancounters: a no-op on a kernel without them */
	if (ret == 0 && running)
		ret = vx_bc_set_live(merged, ct->ctid, c->key, c->n, err);
	vx_cgroup_free(cg);
	vx_conf_free(merged);
	return ret;
}

/* --diskspace / --diskinodes: "soft:hard" in the config's units (1 KiB
 * blocks, inodes). The image layout's file system is resized to the hard
 * limit at once (grown online; disk.c), and the limits are always saved:
 * they describe the disk as it now is, running or not. */
static int disk_parse(const char *arg, enum vx_unit unit, char *out,
		      size_t size, struct vx_error **err)
{
	uint64_t b, l;
	int ret = vx_parse_barrier_limit(arg, unit, &b, &l, err);

	if (ret < 0)
		return ret;
	snprintf(out, size, "%llu:%llu", (unsigned long long)b,
		 (unsigned long long)l);
	return 0;
}

static int disk_set(struct vxd_req *r, struct vx_ct *ct, const char *ds,
		    const char *di, struct vx_error **err)
{
	const char *why = vx_disk_unenforced(ct);
	uint64_t b, l;
	int ret;

	if (vx_ct_layout(ct) == VX_LAYOUT_BTRFS) {
		/* qgroup limit (btrfs.c): live, quotas turned on if off */
		if (ds && (ret = vx_btrfs_limit(ct->private, ct->ctid, ds, err)) < 0)
			return ret;
	} else if ((ds || di) && !why && !vx_layout_is_image(vx_ct_layout(ct))) {
		/* project quota (quota.c): new limits, live */
		ret = vx_quota_limit(ct->private, ct->ctid,
				     ds ? ds : vx_ct_get(ct, "DISKSPACE", NULL),
				     di ? di : vx_ct_get(ct, "DISKINODES", NULL),
				     err);
		if (ret < 0)
			return ret;
	} else if (ds && !why) {
		vx_parse_barrier_limit(ds, VX_UNIT_KBYTES, &b, &l, NULL);
		if (l == VX_UNLIMITED)
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "ct %u: an image CT's disk cannot be unlimited: its limit is its size; give a size such as --diskspace 10G",
					    ct->ctid), -EINVAL;
		ret = vx_disk_resize(ct, (unsigned long long)l * 1024, err);
		if (ret < 0)
			return ret;
	}
	if (ds)
		vx_conf_set(ct->conf, "DISKSPACE", ds);
	if (di)
		vx_conf_set(ct->conf, "DISKINODES", di);
	if (why)
		vxd_info(r, "WARNING: CT %u: limit saved but not enforced: %s",
			 ct->ctid, why);
	else if (di && vx_disk_inodes_unenforced(ct))
		vxd_info(r, "WARNING: CT %u: DISKINODES saved but not enforced: %s",
			 ct->ctid, vx_disk_inodes_unenforced(ct));
	else if (di && vx_layout_is_image(vx_ct_layout(ct)))
		vxd_info(r, "CT %u: DISKINODES saved; an image's inode count is fixed when it is made, so it applies to new images only",
			 ct->ctid);
	return 0;
}

int vxd_op_set(struct vxd_req *r, struct vx_error **err)
{
	char ds[64], di[64];
	const char *ds_arg = vx_msg_get_str(r->in, "diskspace");
	const char *di_arg = vx_msg_get_str(r->in, "diskinodes");
	const char *hostname = vx_msg_get_str(r->in, "hostname");
	const char *name = vx_msg_get_str(r->in, "name");
	const char *onboot = vx_msg_get_str(r->in, "onboot");
	const char *desc = vx_msg_get_str(r->in, "description");
	/* files in the CT's tree (setup.c): on a stopped CT too */
	struct vx_setup su = {
		.hostname = hostname,
		.userpasswd = vx_msg_get_str(r->in, "userpasswd"),
	};
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	unsigned int ctid;
	int64_t save = 0;
	bool running, ob, net, dirty = false;
	int ret;

	struct res_changes res __attribute__((cleanup(vxd_res_changes_free))) = { 0 };

	vx_msg_get_int(r->in, "save", &save);
	ret = vxd_res_collect(r, &res, err);
	if (ret < 0)
		return ret;
	/* Validate everything before changing anything. */
	if (hostname && (ret = vx_check_hostname(hostname, err)) < 0)
		return ret;
	if (name && name[0] && (ret = vx_check_name(name, err)) < 0)
		return ret;
	if (onboot && (ret = vx_parse_bool(onboot, &ob, err)) < 0)
		return ret;
	net = vxd_net_requested(r);
	if (net && (ret = vxd_net_check(r, err)) < 0)
		return ret;
	if ((ret = vx_setup_check(&su, err)) < 0)
		return ret;
	if (ds_arg && (ret = disk_parse(ds_arg, VX_UNIT_KBYTES, ds, sizeof(ds),
					err)) < 0)
		return ret;
	if (di_arg && (ret = disk_parse(di_arg, VX_UNIT_COUNT, di, sizeof(di),
					err)) < 0)
		return ret;
	ret = vxd_req_lock_load(r, "set", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	running = vx_ct_is_running(r->g, ctid);

	if (hostname) {
		if (running) {
			ret = set_hostname_live(r, ct, hostname, err);
			if (ret < 0)
				return ret;
		}
		if (!running || save) {
			vx_conf_set(ct->conf, "HOSTNAME", hostname);
			dirty = true;
		}
	}
	if (su.hostname || su.userpasswd) {
		ret = vx_setup_ct(r->g, ct, &su, err);
		if (ret < 0)
			return ret;
	}
	if (ds_arg || di_arg) {
		ret = disk_set(r, ct, ds_arg ? ds : NULL, di_arg ? di : NULL, err);
		if (ret < 0)
			return ret;
		dirty = true;
	}
	if (res.n) {
		ret = res_apply(r, ct, &res, running, err);
		if (ret < 0)
			return ret;
		if (!running || save) {
			for (size_t i = 0; i < res.n; i++)
				vx_conf_set(ct->conf, res.key[i], res.val[i]);
			dirty = true;
		}
	}
	if (net) {
		ret = vxd_net_set(r, ct, running, save, &dirty, err);
		if (ret < 0)
			return ret;
	}
	if (onboot) {
		vx_conf_set(ct->conf, "ONBOOT", ob ? "yes" : "no");
		dirty = true;
	}
	if (desc) {
		vx_conf_set(ct->conf, "DESCRIPTION", desc);
		dirty = true;
	}
	if (dirty) {
		ret = vx_ct_save(ct, err);
		if (ret < 0)
			return ret;
	}
	/* Last: vx_ct_set_name saves the config itself. */
	if (name) {
		ret = vx_ct_set_name(r->g, ct, name[0] ? name : NULL, err);
		if (ret < 0)
			return ret;
		dirty = true;
	}
	if (dirty)
		vxd_info(r, "Saved parameters for CT %u", ctid);
	if (su.userpasswd)
		vxd_info(r, "Password of user %.*s set in CT %u",
			 (int)strcspn(su.userpasswd, ":"), su.userpasswd, ctid);
	if (running && !save && (hostname || res.n || net))
		vxd_info(r, "WARNING: Settings were not saved to the CT config and will be lost after the CT restarts (use --save)");
	vxd_log("ct %u: set%s%s%s%s%s%s%s%s", ctid, hostname ? " hostname" : "",
		name ? " name" : "", onboot ? " onboot" : "",
		desc ? " description" : "", res.n ? " limits" : "",
		net ? " network" : "", su.userpasswd ? " userpasswd" : "",
		ds_arg || di_arg ? " disk" : "");
	return ret;
}
