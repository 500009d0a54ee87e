// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd handlers for the CT lifecycle: create, destroy, start, stop, restart,
 * mount, umount, set.
 *
 * Each handler resolves the CT, takes its lock without waiting (OpenVZ
 * semantics: a busy CT fails at once with exit 9 naming the holder), rolls
 * back a create whose creator died, and calls exactly one libvx operation.
 * The progress lines ("info") follow OpenVZ's wording, which hosters' scripts
 * and eyes are used to.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "ct.h"
#include "disk.h"
#include "hostlimits.h"
#include "lock.h"
#include "net.h"
#include "run.h"
#include "state.h"
#include "storage.h"
#include "values.h"
#include "vxd.h"

int vxd_req_ctid(struct vxd_req *r, unsigned int *ctid, struct vx_error **err)
{
	const char *arg = vx_msg_get_str(r->in, "ct");
	int ret;

	if (!arg)
		return vx_error_set(err, VX_E_INVAL_PARAM, 0,
				    "request without a CT (field \"ct\")");
	ret = vx_ct_resolve(r->g, arg, ctid, err);
	/* OpenVZ answers an unknown name like any bad CTID ("Bad CT ID",
	 * exit 21); scripts test for that. */
	if (ret < 0 && *err && (*err)->code == VX_E_NOT_EXIST)
		(*err)->code = VX_E_INVAL_VALUE;
	return ret;
}

/*
 * Order matters: the lock first (so two operations never race on one CT),
 * then rolling back a create whose creator died (which needs the lock and
 * must happen before anything looks at the CT), then the config.
 */
int vxd_lock_load(struct vxd_req *r, unsigned int ctid, const char *op,
		  int *lockfd, struct vx_ct **ct, struct vx_error **err)
{
	int fd, ret;

	fd = vx_lock_ct_op(r->g, ctid, op, false, err);
	if (fd < 0)
		return fd;
	ret = vx_ct_recover(r->g, ctid, err);
	if (ret < 0)
		goto out_unlock;
	ret = vx_ct_load(r->g, ctid, ct, err);
	if (ret < 0)
		goto out_unlock;
	*lockfd = fd;
	return 0;

out_unlock:
	vx_unlock_ct(fd);
	return ret;
}

int vxd_req_lock_load(struct vxd_req *r, const char *op, unsigned int *ctid,
		      int *lockfd, struct vx_ct **ct, struct vx_error **err)
{
	int ret = vxd_req_ctid(r, ctid, err);

	if (ret < 0)
		return ret;
	return vxd_lock_load(r, *ctid, op, lockfd, ct, err);
}

/* Forwards the unpack's progress to vzctl (which asked for it: a
 * terminal to draw a bar on). */
static void create_progress(void *data, int percent, const char *what)
{
	struct vxd_req *r = data;
	struct vx_msg im;

	vx_msg_init(&im, r->in->cmd, VX_MSG_INTERIM);
	if (!vx_msg_put_int(&im, "progress", percent) &&
	    !vx_msg_put_str(&im, "what", what))
		vx_msg_send(r->sock, &im, NULL, 0);
	vx_msg_release(&im);
}

int vxd_op_create(struct vxd_req *r, struct vx_error **err)
{
	struct vx_progress progress = { .fn = create_progress, .data = r };
	int64_t want_progress = 0;
	struct vx_create_opts o = {
		.ostemplate = vx_msg_get_str(r->in, "ostemplate"),
		.config = vx_msg_get_str(r->in, "config"),
		.hostname = vx_msg_get_str(r->in, "hostname"),
		.name = vx_msg_get_str(r->in, "name"),
		.private = vx_msg_get_str(r->in, "private"),
		.root = vx_msg_get_str(r->in, "root"),
		.layout = vx_msg_get_str(r->in, "layout"),
		.diskspace = vx_msg_get_str(r->in, "diskspace"),
		.diskinodes = vx_msg_get_str(r->in, "diskinodes"),
	};
	const char *arg = vx_msg_get_str(r->in, "ct");
	const char *ipadd = vx_msg_get_str(r->in, "ipadd");
	cleanup_free char *ip_text = NULL;
	unsigned int ctid;
	int ret;

	/* A new CT needs a number: a name is given with --name. */
	if (!arg)
		return vx_error_set(err, VX_E_INVAL_PARAM, 0, "create: no CTID");
	struct res_changes res __attribute__((cleanup(vxd_res_changes_free))) = { 0 };

	ret = vx_parse_ctid(arg, &ctid, err);
	if (ret < 0)
		return ret;
	/* resource options (--ram ...) are checked before anything is made */
	ret = vxd_res_collect(r, &res, err);
	if (ret < 0)
		return ret;
	/* so are the addresses (--ipadd); written normalised */
	if (ipadd) {
		struct vx_ip *ips = NULL;
		size_t n = 0;

		ret = vx_net_parse_ips(ipadd, &ips, &n, err);
		if (ret == 0 && !(ip_text = vx_net_format_ips(ips, n)))
			ret = vx_error_set(err, VX_E_RESOURCE, ENOMEM, "create");
		free(ips);
		if (ret < 0) {
			vx_error_prefix(err, "--ipadd");
			return ret;
		}
	}
	vx_msg_get_int(r->in, "progress", &want_progress);
	if (want_progress)
		o.progress = &progress;
	/* Written with the rest of the new config: one write, one fsync. */
	const char *keys[ARRAY_SIZE(res.key) + 1], *vals[ARRAY_SIZE(res.key) + 1];

	for (size_t i = 0; i < res.n; i++) {
		keys[o.n_set] = res.key[i];
		vals[o.n_set++] = res.val[i];
	}
	if (ip_text) {
		keys[o.n_set] = "IP_ADDRESS";
		vals[o.n_set++] = ip_text;
	}
	o.set_key = keys;
	o.set_val = vals;
	/* Held until the worker exits: bounds parallel creates. */
	vxd_heavy_slot(r->g);
	vxd_info(r, "Creating container private area (%s)",
		 o.ostemplate ? o.ostemplate : r->g->def_ostemplate);
	ret = vx_ct_create(r->g, ctid, &o, err);
	if (ret < 0)
		return ret;
	if (o.diskspace || o.diskinodes) {
		cleanup_ct struct vx_ct *ct = NULL;
		const char *why;

		if (vx_ct_load(r->g, ctid, &ct, NULL) == 0 &&
		    (why = vx_disk_unenforced(ct)))
			vxd_info(r, "WARNING: CT %u: disk limit saved but not enforced: %s",
				 ctid, why);
		else if (ct && o.diskinodes &&
			 (why = vx_disk_inodes_unenforced(ct)))
			vxd_info(r, "WARNING: CT %u: DISKINODES saved but not enforced: %s",
				 ctid, why);
	}
	vxd_log("ct %u: created", ctid);
	vxd_info(r, "CT configuration saved to %s/%u.conf", r->g->ctconfdir,
		 ctid);
	vxd_info(r, "Container private area was created");
	return 0;
}

int vxd_op_destroy(struct vxd_req *r, struct vx_error **err)
{
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	unsigned int ctid;
	int ret;

	ret = vxd_req_lock_load(r, "destroy", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	/* OpenVZ refuses to destroy a running CT (exit 32) rather than
	 * stopping it implicitly: destroy is not undoable. */
	if (vx_ct_is_running(r->g, ctid)) {
		ret = vx_error_set(err, VX_E_RUNNING, 0,
				   "CT %u is running; stop it first: vzctl stop %u",
				   ctid, ctid);
		return ret;
	}
	if (vx_ct_is_mounted(ct)) {
		ret = vx_ct_umount(r->g, ct, err);
		if (ret < 0)
			return ret;
		vxd_info(r, "Container is unmounted");
	}
	vxd_info(r, "Destroying container private area: %s", ct->private);
	ret = vx_ct_destroy(r->g, ct, err);
	if (!ret) {
		vxd_log("ct %u: destroyed", ctid);
		vxd_info(r, "Container private area was destroyed");
	}
	return ret;
}

/* Host limits that bite at hundreds of VPSes: raised before they do
 * (hostlimits.c); what was raised, or could not be, is told and logged.
 * The running count is vxd's supervision view rather than a scan of the
 * run directory, which would cost every start O(running CTs). */
static void host_limits(struct vxd_req *r)
{
	struct vx_host_report hr = { .list = false };
	char *save = NULL;

	vx_host_limits_check((unsigned int)vxd_supervise_count(), true, &hr);
	for (char *l = strtok_r(hr.text, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		vxd_info(r, "%s", l);
		vxd_log("%s", l);
	}
}

static int do_start(struct vxd_req *r, struct vx_ct *ct,
		    struct vx_error **err)
{
	int64_t wait = 0;
	struct vx_start_opts o = { 0 };
	int ret;

	vx_msg_get_int(r->in, "wait", &wait);
	o.wait = wait != 0;
	/* Held until the worker exits (after the CT is up or failed). */
	vxd_heavy_slot(r->g);
	host_limits(r);
	vxd_info(r, "Starting container...");
	ret = vx_ct_start(r->g, ct, &o, err);
	if (ret < 0)
		return ret;
	vxd_log("ct %u: started", ct->ctid);
	vxd_info(r, o.wait ? "Container is started" :
		 "Container start in progress...");
	return 0;
}

/* The CT's monitor unmounts after the stop; we only report what we see. */
static int do_stop(struct vxd_req *r, struct vx_ct *ct, bool fast,
		   struct vx_error **err)
{
	int ret;

	vxd_info(r, "Stopping container ...");
	ret = vx_ct_stop(r->g, ct, fast, err);
	if (ret < 0)
		return ret;
	vxd_log("ct %u: stopped%s", ct->ctid, fast ? " (fast)" : "");
	vxd_info(r, "Container was stopped");
	if (!vx_ct_is_mounted(ct))
		vxd_info(r, "Container is unmounted");
	return 0;
}

int vxd_op_start(struct vxd_req *r, struct vx_error **err)
{
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	unsigned int ctid;
	int ret;

	ret = vxd_req_lock_load(r, "start", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	ret = do_start(r, ct, err);
	return ret;
}

int vxd_op_stop(struct vxd_req *r, struct vx_error **err)
{
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	unsigned int ctid;
	int64_t fast = 0;
	int ret;

	vx_msg_get_int(r->in, "fast", &fast);
	ret = vxd_req_lock_load(r, "stop", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	ret = do_stop(r, ct, fast != 0, err);
	return ret;
}

int vxd_op_restart(struct vxd_req *r, struct vx_error **err)
{
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	unsigned int ctid;
	int64_t fast = 0;
	int ret;

	vx_msg_get_int(r->in, "fast", &fast);
	ret = vxd_req_lock_load(r, "restart", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	vxd_info(r, "Restarting container");
	/* Like OpenVZ, restarting a stopped CT just starts it. */
	if (vx_ct_is_running(r->g, ctid))
		ret = do_stop(r, ct, fast != 0, err);
	if (!ret)
		ret = do_start(r, ct, err);
	return ret;
}

int vxd_op_mount(struct vxd_req *r, struct vx_error **err)
{
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	unsigned int ctid;
	int ret;

	ret = vxd_req_lock_load(r, "mount", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	ret = vx_ct_mount(r->g, ct, err);
	if (!ret)
		vxd_info(r, "Container is mounted");
	return ret;
}

int vxd_op_umount(struct vxd_req *r, struct vx_error **err)
{
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	unsigned int ctid;
	int ret;

	ret = vxd_req_lock_load(r, "umount", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	if (vx_ct_is_running(r->g, ctid))
		ret = vx_error_set(err, VX_E_RUNNING, 0,
				   "CT %u is running; stop it first: vzctl stop %u",
				   ctid, ctid);
	else
		ret = vx_ct_umount(r->g, ct, err);
	if (!ret)
		vxd_info(r, "Container is unmounted");
	return ret;
}
