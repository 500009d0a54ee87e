// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Run-time state files rundir/ct/CTID.state (see state.h).
 *
 * The file uses the same KEY=value syntax as the configs, so it is read and
 * written with config.c and is easy to inspect by hand:
 *   INIT_PID=4242 INIT_START=1234567 MONITOR_PID=4240 MONITOR_START=...
 *   STARTED_AT=1700000000 CGROUP="vx/101" SUSPENDED=no
 * A pid alone is never trusted: after a reboot of the host or a long
 * uptime it may name an unrelated process. Its start time (field 22 of
 * /proc/PID/stat, in clock ticks since boot) must match as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "state.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434	/* same number on every architecture */
#endif

static char *state_path(const struct vx_global *g, unsigned int ctid)
{
	char *s;

	return asprintf(&s, "%s/ct/%u.state", g->rundir, ctid) < 0 ? NULL : s;
}

static int get_ull(const struct vx_conf *c, const char *key,
		   unsigned long long *out)
{
	const char *v = vx_conf_get(c, key);
	char *end;

	if (!v || !*v)
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int vx_state_read(const struct vx_global *g, unsigned int ctid,
		  struct vx_state *st, struct vx_error **err)
{
	cleanup_free char *path = state_path(g, ctid);
	struct vx_conf *c = NULL;
	unsigned long long ip, is, mp = 0, ms = 0, at = 0;
	const char *v;
	int ret;

	if (!path)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u: state", ctid);
	ret = vx_conf_load(path, &c, err);
	if (ret) {
		if (err && *err)
			(*err)->code = ret == -ENOENT ? VX_E_NOT_RUNNING :
							VX_E_SYSTEM;
		return ret;
	}
	memset(st, 0, sizeof(*st));
	if (get_ull(c, "INIT_PID", &ip) || get_ull(c, "INIT_START", &is) ||
	    ip == 0 || ip > INT32_MAX) {
		vx_conf_free(c);
		vx_error_set(err, VX_E_SYSTEM, 0,
			     "ct %u: state file %s lacks a valid INIT_PID/INIT_START; stop the CT with --fast or remove the file if the CT is not running",
			     ctid, path);
		return -EINVAL;
	}
	/* The rest is optional, so older files stay readable. */
	get_ull(c, "MONITOR_PID", &mp);
	get_ull(c, "MONITOR_START", &ms);
	get_ull(c, "STARTED_AT", &at);
	st->init_pid = ip;
	st->init_start = is;
	st->monitor_pid = mp <= INT32_MAX ? (pid_t)mp : 0;
	st->monitor_start = ms;
	st->started_at = at;
	v = vx_conf_get(c, "CGROUP");
	if (v)
		snprintf(st->cgroup, sizeof(st->cgroup), "%s", v);
	v = vx_conf_get(c, "SUSPENDED");
	st->suspended = v && !strcmp(v, "yes");
	vx_conf_free(c);
	return 0;
}

int vx_state_write(const struct vx_global *g, unsigned int ctid,
		   const struct vx_state *st, struct vx_error **err)
{
	cleanup_free char *path = state_path(g, ctid), *dir = NULL, *text = NULL;
	struct vx_conf *c = vx_conf_new();
	char buf[32];
	int ret;

	if (!path || !c || asprintf(&dir, "%s/ct", g->rundir) < 0) {
		vx_conf_free(c);
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u: state", ctid);
	}
	ret = 0;
#define SET_NUM(key, val)                                                 \
	do {                                                              \
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(val)); \
		ret = ret ?: vx_conf_set(c, key, buf);                        \
	} while (0)
	SET_NUM("INIT_PID", st->init_pid);
	SET_NUM("INIT_START", st->init_start);
	SET_NUM("MONITOR_PID", st->monitor_pid);
	SET_NUM("MONITOR_START", st->monitor_start);
	SET_NUM("STARTED_AT", st->started_at);
#undef SET_NUM
	ret = ret ?: vx_conf_set(c, "CGROUP", st->cgroup);
	ret = ret ?: vx_conf_set(c, "SUSPENDED", st->suspended ? "yes" : "no");
	text = ret ? NULL : vx_conf_format(c);
	vx_conf_free(c);
	if (!text)
		return vx_error_set(err, VX_E_SYSTEM, ret ? -ret : ENOMEM,
				    "ct %u: state", ctid);
	ret = vx_mkdir_p(dir, 0755, err);
	if (!ret)
		ret = vx_write_file_replace(path, text, strlen(text), 0644,
					    false, err);
	if (ret && err && *err)
		(*err)->code = VX_E_SYSTEM;
	return ret;
}

void vx_state_remove(const struct vx_global *g, unsigned int ctid)
{
	cleanup_free char *path = state_path(g, ctid);

	if (path)
		unlink(path);
}

unsigned long long vx_proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	cleanup_close int fd = -1;
	ssize_t r;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	r = read(fd, buf, sizeof(buf) - 1);
	if (r <= 0)
		return 0;
	buf[r] = '\0';
	/* comm (field 2) may contain spaces and ')': skip to the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* After ") " come fields 3..; starttime is field 22, i.e. the 20th. */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
		   &start) != 1)
		return 0;
	return start;
}

int vx_pidfd_open_checked(pid_t pid, unsigned long long starttime)
{
	int fd;

	if (pid <= 0)
		return -ESRCH;
	fd = syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return -errno;
	/*
	 * Check after opening: the pidfd pins the process it was opened for,
	 * so if the start time still matches now, the fd names the process
	 * recorded in the state file and not a later user of the same pid.
	 * starttime 0 means the caller has none to compare (no check).
	 */
	if (starttime && vx_proc_starttime(pid) != starttime) {
		close(fd);
		return -ESRCH;
	}
	/* Keep it out of exec'd children (pidfd_open sets O_CLOEXEC on
	 * kernels >= 5.3 already; this is belt and braces). */
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

bool vx_ct_is_running(const struct vx_global *g, unsigned int ctid)
{
	struct vx_state st;
	unsigned long long now;

	if (vx_state_read(g, ctid, &st, NULL))
		return false;
	now = vx_proc_starttime(st.init_pid);
	if (now && now == st.init_start)
		return true;
	/*
	 * Init is gone or its pid was reused. If its monitor is still alive,
	 * the monitor is in the middle of a restart or of tearing the CT
	 * down and owns the file; otherwise the file is stale (host crash,
	 * killed monitor) and we remove it.
	 */
	if (st.monitor_pid && st.monitor_start &&
	    vx_proc_starttime(st.monitor_pid) == st.monitor_start)
		return false;
	vx_state_remove(g, ctid);
	return false;
}
