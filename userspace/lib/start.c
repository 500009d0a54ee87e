// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vx_ct_start(): resolve the run configuration, fork the CT's monitor
 * (see monitor.c) and wait for its one-line report.
 *
 * The monitor is made by a double fork: the intermediate child calls
 * setsid() and forks the monitor, then exits at once and is reaped here.
 * The monitor is thus re-parented to the host's init (or a subreaper): it
 * is never vxd's zombie, is not in vxd's session or process group, and
 * survives vxd being killed or restarted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "checkpoint.h"
#include "cleanup.h"
#include "run.h"
#include "runtime.h"
#include "seccomp_filter.h"
#include "state.h"
#include "storage.h"

static const struct {
	const char *name;
	int sig;
} signames[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "TERM", SIGTERM }, { "PWR", SIGPWR }, { "CONT", SIGCONT },
};

int vx_signal_parse(const char *s, int *sig)
{
	char *end;
	long n;

	if (!s || !*s)
		return -EINVAL;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(signames); i++)
		if (!strcasecmp(s, signames[i].name)) {
			*sig = signames[i].sig;
			return 0;
		}
	if (!strncasecmp(s, "RTMIN", 5) || !strncasecmp(s, "RTMAX", 5)) {
		bool min = !strncasecmp(s, "RTMIN", 5);

		n = 0;
		if (s[5]) {
			n = strtol(s + 5, &end, 10);
			if (*end || (min && n < 0) || (!min && n > 0))
				return -EINVAL;
		}
		n += min ? SIGRTMIN : SIGRTMAX;
		if (n < SIGRTMIN || n > SIGRTMAX)
			return -EINVAL;
		*sig = (int)n;
		return 0;
	}
	n = strtol(s, &end, 10);
	if (*end || n <= 0 || n >= NSIG)
		return -EINVAL;
	*sig = (int)n;
	return 0;
}

static int get_int(const struct vx_ct *ct, const char *key, int def,
		   int *out, struct vx_error **err)
{
	const char *v = vx_ct_get(ct, key, NULL);
	char *end;
	long n;

	*out = def;
	if (!v || !*v)
		return 0;
	n = strtol(v, &end, 10);
	if (*end || n < 0 || n > 86400)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "ct %u: %s=\"%s\": expected seconds "
				    "(0..86400)", ct->ctid, key, v);
	*out = (int)n;
	return 0;
}

int vx_run_cfg_load(const struct vx_global *g, const struct vx_ct *ct,
		    struct vx_run_cfg *cfg, struct vx_error **err)
{
	const char *sig = vx_ct_get(ct, "STOP_SIGNAL", "USR2");
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->ctid = ct->ctid;
	cfg->root = ct->root;
	cfg->hostname = vx_ct_get(ct, "HOSTNAME", NULL);
	cfg->init = vx_ct_get(ct, "INIT", "/sbin/init");
	if (!cfg->root || !*cfg->root)
		return vx_error_set(err, VX_E_NO_VE_ROOT, 0,
				    "ct %u: VE_ROOT is not set", ct->ctid);
	if (cfg->init[0] != '/')
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "ct %u: INIT=\"%s\": must be an absolute "
				    "path inside the CT", ct->ctid, cfg->init);
	if (vx_signal_parse(sig, &cfg->stop_signal) < 0)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "ct %u: STOP_SIGNAL=\"%s\": expected a "
				    "signal name (USR2, TERM, RTMIN+4) or "
				    "number", ct->ctid, sig);
	ret = vx_caps_parse(vx_ct_get(ct, "CAPABILITY", NULL), &cfg->caps, err);
	if (ret == 0)
		ret = get_int(ct, "STOP_TIMEOUT", g->stop_timeout > 0 ?
			      g->stop_timeout : 60, &cfg->stop_timeout, err);
	if (ret == 0)
		ret = get_int(ct, "BOOT_TIMEOUT", 60, &cfg->boot_timeout, err);
	if (ret < 0)
		vx_error_prefix(err, "ct %u", ct->ctid);
	return ret;
}

/* A monitor alive with its init gone is a CT in the middle of a reboot
 * (or of its teardown): still "running" as far as start is concerned. */
static bool monitor_alive(const struct vx_global *g, unsigned int ctid)
{
	struct vx_state st;
	int fd;

	if (vx_state_read(g, ctid, &st, NULL) < 0)
		return false;
	fd = vx_pidfd_open_live(st.monitor_pid, st.monitor_start);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int read_report(int fd, unsigned int ctid, struct vx_error **err)
{
	char buf[64];
	int ret, pid;

	/* vx_error_recv reads everything; a non-error report comes back as
	 * 1 with the text lost, so peek at it first. */
	ret = (int)recv(fd, buf, sizeof(buf) - 1, MSG_PEEK);
	if (ret > 0) {
		buf[ret] = '\0';
		if (sscanf(buf, "OK %d", &pid) == 1)
			return 0;
	}
	ret = vx_error_recv(fd, err);
	if (ret == 0 || ret == 1)
		return vx_error_set(err, VX_E_START, 0,
				    "ct %u: the monitor died before reporting "
				    "(see its log in the run directory)", ctid);
	return ret;
}

int vx_ct_start(const struct vx_global *g, struct vx_ct *ct,
		const struct vx_start_opts *o, struct vx_error **err)
{
	struct vx_run_cfg cfg;
	cleanup_free char *ctdir = NULL;
	cleanup_close int rd = -1, wr = -1;
	int sv[2], ret, status;
	pid_t pid;

	if (vx_ct_is_running(g, ct->ctid) || monitor_alive(g, ct->ctid))
		return vx_error_set(err, VX_E_RUNNING, 0,
				    "ct %u is already running", ct->ctid);
	/* A fresh start would make the dump stale: its files no longer
	 * what its processes had open. */
	if (!(o && o->restore)) {
		cleanup_free char *dump = NULL;

		if (vx_ckpt_suspended(g, ct, &dump))
			return vx_error_set(err, VX_E_RUNNING, 0,
					    "ct %u is suspended (dump in %s): "
					    "resume it with `vzctl resume %u`, or "
					    "remove %s to start it afresh",
					    ct->ctid, dump, ct->ctid, dump);
	}
	if (!vx_ct_private_exists(ct))
		return vx_error_set(err, VX_E_NO_PRIVATE, 0,
				    "ct %u: private area %s does not exist; "
				    "recreate the CT or restore its files",
				    ct->ctid, ct->private);
	ret = vx_run_cfg_load(g, ct, &cfg, err);
	if (ret < 0)
		return ret;
	cfg.wait = o && o->wait;
	cfg.restore = o ? o->restore : NULL;
	/* compiled once per process: vxd does it at startup, so this
	 * worker and the monitor inherit it */
	ret = vx_seccomp_prepare(err);
	if (ret < 0)
		return ret;
	if (asprintf(&ctdir, "%s/ct", g->rundir) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "start");
	ret = vx_mkdir_p(ctdir, 0755, err);
	if (ret < 0)
		return ret;
	/* A socketpair rather than a pipe: read_report() peeks. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return vx_error_set(err, VX_E_RESOURCE, errno, "socketpair");
	rd = sv[0];
	wr = sv[1];

	pid = fork();
	if (pid < 0)
		return vx_error_set(err, VX_E_RESOURCE, errno,
				    "ct %u: fork the monitor", ct->ctid);
	if (pid == 0) {
		close(rd);
		if (setsid() < 0)
			_exit(1);
		pid = fork();
		if (pid == 0)
			vx_monitor_main(g, ct, &cfg, wr);
		_exit(pid < 0 ? 1 : 0);
	}
	close(steal_fd(wr));
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return read_report(rd, ct->ctid, err);
}
