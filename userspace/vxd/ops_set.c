// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd handler for `vzctl set`: hostname, name, onboot, description.
 *
 * OpenVZ's rules: a setting that matters at run time (the hostname) is
 * applied to a running CT at once and written to the config only with
 * --save; on a stopped CT there is nothing to apply, so the config is
 * written even without --save. Settings that only live in the config
 * (onboot, description, name) are always written: without that they would
 * have no effect at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "ct.h"
#include "run.h"
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

int vxd_op_set(struct vxd_req *r, struct vx_error **err)
{
	const char *hostname = vx_msg_get_str(r->in, "hostname");
	const char *name = vx_msg_get_str(r->in, "name");
	const char *onboot = vx_msg_get_str(r->in, "onboot");
	const char *desc = vx_msg_get_str(r->in, "description");
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	unsigned int ctid;
	int64_t save = 0;
	bool running, ob, dirty = false;
	int ret;

	vx_msg_get_int(r->in, "save", &save);
	/* Validate everything before changing anything. */
	if (hostname && (ret = vx_check_hostname(hostname, err)) < 0)
		return ret;
	if (name && name[0] && (ret = vx_check_name(name, err)) < 0)
		return ret;
	if (onboot && (ret = vx_parse_bool(onboot, &ob, err)) < 0)
		return ret;
	ret = vxd_req_ctid(r, &ctid, err);
	if (ret < 0)
		return ret;
	ret = vxd_lock_load(r, ctid, "set", &lockfd, &ct, err);
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
	else if (hostname && running)
		vxd_info(r, "WARNING: Settings were not saved to the CT config and will be lost after the CT restarts (use --save)");
	vxd_log("ct %u: set%s%s%s%s", ctid, hostname ? " hostname" : "",
		name ? " name" : "", onboot ? " onboot" : "",
		desc ? " description" : "");
	return ret;
}
