// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vx_ct_resume() and the monitor's half of it, vx_ckpt_restore_tree().
 *
 * Why the monitor runs CRIU: the CT's init must be the monitor's child
 * (only the parent sees init's exit status, which tells a reboot from a
 * halt, and waitid on its pidfd). `criu restore --restore-sibling` creates
 * the restored root task with CLONE_PARENT, i.e. as a child of CRIU's
 * parent, which is the monitor; --restore-detached lets CRIU exit once the
 * tree runs. The monitor has made the CT's cgroups (device policy, limits
 * of the config as they are now) before, and CRIU's "soft" cgroup mode
 * puts the tasks into those existing directories without overwriting
 * their settings.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "beancounter.h"
#include "cgroup.h"
#include "checkpoint.h"
#include "cleanup.h"
#include "net.h"
#include "run.h"
#include "runtime.h"
#include "state.h"
#include "storage.h"

/* A fresh pty from the host's devpts for the restored console: CRIU
 * bind-mounts its slave on the CT's /dev/console and hands the slave to
 * every process that had the old console open. */
static int new_console(int *master, int *slave, char *name, size_t len,
		       struct vx_error **err)
{
	cleanup_close int m = -1;
	int unlock = 0;

	m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return vx_error_set(err, VX_E_RESTORE, errno,
				    "open /dev/ptmx for the CT's console");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ptsname_r(m, name, len))
		return vx_error_set(err, VX_E_RESTORE, errno,
				    "unlock the console pty");
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0)
		return vx_error_set(err, VX_E_RESTORE, errno, "open %s", name);
	*master = steal_fd(m);
	return 0;
}

/* A new network namespace with lo up, as an fd for --inherit-fd. The
 * monitor is single-threaded, so it may step into it and back. */
static int new_netns(struct vx_error **err)
{
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int fd = -1, ret = 0;

	if (self < 0)
		return vx_error_set(err, VX_E_RESTORE, errno,
				    "open /proc/self/ns/net");
	if (unshare(CLONE_NEWNET) < 0)
		return vx_error_set(err, VX_E_RESTORE, errno,
				    "new network namespace for the VPS");
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ret = vx_error_set(err, VX_E_RESTORE, errno,
				   "open the new network namespace");
	if (ret == 0)
		ret = vx_net_lo_up(err);
	if (setns(self, CLONE_NEWNET) < 0)
		ret = vx_error_set(err, VX_E_RESTORE, errno,
				   "back to the host network namespace");
	if (ret < 0) {
		if (fd >= 0)
			close(fd);
		return ret;
	}
	return fd;
}

/* The VPS's links and addresses (IP_ADDRESS, NETIF) into the new
 * namespace before CRIU runs, so that sockets bound to the VPS's addresses
 * can be restored. vx_net_up() wants a process in the target namespace:
 * a child that joins it and waits for EOF. */
static int net_setup(const struct vx_global *g, const struct vx_ct *ct,
		     int netns, struct vx_error **err)
{
	int p[2], ret, status;
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return vx_error_set(err, VX_E_RESTORE, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return vx_error_set(err, VX_E_RESTORE, errno, "fork");
	}
	if (pid == 0) {
		close(p[1]);
		if (setns(netns, CLONE_NEWNET) < 0)
			_exit(1);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	ret = vx_net_up(g, ct, pid, err);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return ret;
}

static pid_t read_pidfile(const char *path)
{
	FILE *f = fopen(path, "re");
	int pid = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &pid) != 1)
		pid = 0;
	fclose(f);
	return pid;
}

int vx_ckpt_restore_tree(const struct vx_global *g, const struct vx_ct *ct,
			 const struct vx_run_cfg *cfg, pid_t *pid, int *pidfd,
int *console,
			 struct vx_error **err)
{
	cleanup_free char *mpath = NULL, *log = NULL, *pidf = NULL;
	cleanup_close int master = -1, slave = -1, netns = -1;
	char pts[64], extmnt[128], inh[128], inhnet[64], reason[400];
	const char *tty, *tcp, *lock;
	struct vx_conf *c = NULL;
	int ret;

	if (asprintf(&mpath, "%s/%s", cfg->restore, VX_DUMP_MARKER) < 0 ||
	    asprintf(&log, "%s/restore.log", cfg->restore) < 0 ||
	    asprintf(&pidf, "%s/restore.pid", cfg->restore) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "restore");
	ret = vx_conf_load(mpath, &c, err);
	if (ret < 0) {
		if (err && *err)
			(*err)->code = VX_E_RESTORE;
		return ret;
	}
	tty = vx_conf_get(c, "CONSOLE");
	tcp = vx_conf_get(c, "TCP_ESTABLISHED");
	lock = vx_conf_get(c, "NETWORK_LOCK");
	if (!tty || strncmp(tty, "tty[", 4)) {
		vx_conf_free(c);
		return vx_error_set(err, VX_E_RESTORE, 0,
				    "ct %u: %s has no valid CONSOLE= line; "
				    "the dump is damaged", cfg->ctid, mpath);
	}
	ret = new_console(&master, &slave, pts, sizeof(pts), err);
	if (ret == 0)
		ret = netns = new_netns(err);
	if (ret >= 0)
		ret = net_setup(g, ct, netns, err);
	if (ret < 0) {
		vx_conf_free(c);
		return ret;
	}
	snprintf(extmnt, sizeof(extmnt), "console:%s", pts);
	/* vx_criu_run moves the slave to fd 3, the netns to fd 4 */
	snprintf(inh, sizeof(inh), "fd[3]:%s", tty);
	snprintf(inhnet, sizeof(inhnet), "fd[4]:%s", VX_CKPT_NETNS_KEY);
	unlink(pidf);
	{
		int keep[2] = { slave, netns };
		char *argv[40];
		int n = 0;

		argv[n++] = "criu";
		argv[n++] = "restore";
		argv[n++] = "--images-dir";
		argv[n++] = (char *)cfg->restore;
		argv[n++] = "--log-file";
		argv[n++] = log;
		argv[n++] = "-v4";
		argv[n++] = "--root";
		argv[n++] = (char *)cfg->root;
		argv[n++] = "--restore-detached";
		argv[n++] = "--restore-sibling";
		argv[n++] = "--pidfile";
		argv[n++] = pidf;
		argv[n++] = "--manage-cgroups=soft";
		argv[n++] = "--file-locks";
		argv[n++] = "--ext-mount-map";
		argv[n++] = extmnt;
		argv[n++] = "--inherit-fd";
		argv[n++] = inh;
		argv[n++] = "--inherit-fd";
		argv[n++] = inhnet;
		argv[n++] = "--network-lock";
		argv[n++] = (char *)(lock ? lock : vx_criu_netlock());
		if (tcp && !strcmp(tcp, "yes"))
			argv[n++] = "--tcp-established";
		argv[n] = NULL;
		ret = vx_criu_run(argv, keep, 2, log, reason, sizeof(reason));
	}
	vx_conf_free(c);
	if (ret != 0)
		return vx_error_set(err, ret == -ENOENT ? VX_E_NO_CHKPNT :
				    VX_E_RESTORE, 0,
				    "ct %u: criu restore failed (exit %d): %s; "
				    "log: %s; the VPS stays stopped, the dump "
				    "in %s is kept", cfg->ctid, ret,
				    *reason ? reason : "no error line in the log",
				    log, cfg->restore);
	*pid = read_pidfile(pidf);
	*pidfd = *pid > 0 ? (int)syscall(SYS_pidfd_open, *pid, 0) : -1;
	if (*pidfd < 0)
		return vx_error_set(err, VX_E_RESTORE, errno,
				    "ct %u: criu restore succeeded but the "
				    "restored init (pid file %s) is gone; log: "
				    "%s", cfg->ctid, pidf, log);
	unlink(pidf);
	*console = steal_fd(master);
	return 0;
}

/* cgroup freezer on (waits until the whole cgroup is frozen) or off */
static int freeze(const char *dir, bool on)
{
	const char *files[][3] = {
		{ "cgroup.freeze", "1", "0" },
		{ "freezer.state", "FROZEN", "THAWED" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char path[4200], buf[256];
		const char *v = on ? files[i][1] : files[i][2];
		ssize_t r;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = write(fd, v, strlen(v));
		close(fd);
		if (r < 0)
			return -errno;
		if (!on)
			return 0;
		/* v2 reports "frozen 1" in cgroup.events, v1 FROZEN */
		snprintf(path, sizeof(path), "%s/%s", dir,
			 i == 0 ? "cgroup.events" : "freezer.state");
		for (int t = 0; t < 1000; t++) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			r = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
			if (fd >= 0)
				close(fd);
			buf[r > 0 ? r : 0] = '\0';
			if (strstr(buf, i == 0 ? "frozen 1" : "FROZEN"))
				return 0;
			usleep(2000);
		}
		return -ETIMEDOUT;
	}
	return -ENOENT;
}

/* Every process of the cgroup but init into context ctid. */
static int enter_rest(unsigned int ctid, const char *dir, pid_t init,
		      struct vx_error **err)
{
	cleanup_kctx struct vx_kctx *k = NULL;
	char path[4200];
	FILE *f;
	int pid, ret;

	ret = vx_kctx_open(&k, err);
	if (ret < 0)
		return ret;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return vx_error_set(err, VX_E_RESTORE, errno, "open %s", path);
	/* 0 stands for a process outside our pid namespace: not ours to move */
	while (ret == 0 && fscanf(f, "%d", &pid) == 1)
		if (pid > 0 && pid != init)
			ret = vx_kctx_enter(k, ctid, pid, -1, err);
	fclose(f);
	return ret;
}

int vx_ckpt_enter_context(const struct vx_ct *ct, const struct vx_cgroup *cg,
			  pid_t init_pid, int init_fd, struct vx_error **err)
{
	const char *dir = vx_ckpt_freezer_dir(cg);
	int ret;

	if (!vx_kctx_present())
		return 0;
	if (!dir)
		return vx_error_set(err, VX_E_RESTORE, 0,
				    "ct %u: no cgroup freezer to hold the "
				    "restored tree still", ct->ctid);
	ret = freeze(dir, true);
	if (ret < 0)
		return vx_error_set(err, VX_E_RESTORE, -ret,
				    "ct %u: freeze %s", ct->ctid, dir);
	/* creates the context with the config's rows, moves init */
	ret = vx_bc_start(ct->conf, ct->ctid, init_fd, err);
	if (ret == 0)
		ret = enter_rest(ct->ctid, dir, init_pid, err);
	if (ret < 0)
		vx_error_prefix(err, "ct %u: restored tree into its kernel "
				"context", ct->ctid);
	freeze(dir, false);
	return ret;
}

int vx_ct_resume(const struct vx_global *g, struct vx_ct *ct,
		 const struct vx_ckpt_opts *o, struct vx_error **err)
{
	cleanup_free char *dir = NULL, *marker = NULL;
	struct vx_start_opts so = { 0 };
	struct vx_criu_info ci;
	int ret;

	if (vx_ct_is_running(g, ct->ctid))
		return vx_error_set(err, VX_E_RUNNING, 0,
				    "ct %u is already running", ct->ctid);
	if (o && o->dumpdir) {
		dir = strdup(o->dumpdir);
	} else if (!vx_ckpt_suspended(g, ct, &dir)) {
		cleanup_free char *def = vx_ckpt_default_dir(g, ct);

		return vx_error_set(err, VX_E_RESTORE, 0,
				    "ct %u is not suspended: no dump in %s; "
				    "give its directory with --dumpfile DIR",
				    ct->ctid, def ? def : "VE_PRIVATE/dump/Dump");
	}
	if (!dir || asprintf(&marker, "%s/%s", dir, VX_DUMP_MARKER) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "resume");
	if (access(marker, F_OK) < 0)
		return vx_error_set(err, VX_E_RESTORE, errno,
				    "ct %u: %s is not a complete vx dump (no "
				    "%s)", ct->ctid, dir, VX_DUMP_MARKER);
	ret = vx_criu_probe(g, &ci, err);
	if (ret < 0)
		return ret;
	so.restore = dir;
	ret = vx_ct_start(g, ct, &so, err);
	if (ret < 0)
		return ret;
	/* Running again: the dump is spent (its files no longer match the
	 * CT's), as in OpenVZ. A dump that cannot be removed only costs
	 * disk space; status no longer counts it (record removed). */
	vx_ckpt_record_remove(g, ct->ctid);
	vx_rm_rf(dir, VX_E_RESTORE, NULL);
	return 0;
}
