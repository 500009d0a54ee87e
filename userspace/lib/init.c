// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The CT's init between clone and exec, and the confinement every process
 * entering a CT gets (init, exec, enter).
 *
 * Ordering inside init, and why:
 *   1. mark every inherited fd close-on-exec: nothing of the monitor (its
 *      log, the report pipe to vxd) may survive into the CT;
 *   2. hostname and lo, while we hold every capability;
 *   3. pivot_root and the mounts (rootfs.c), console to the monitor;
 *   4. wait for the monitor's "go": meanwhile it has created the CT's
 *      cgroups and moved us into them (done in parallel with 2-3, which
 *      saves their ~3-5 ms on every start); then unshare the cgroup
 *      namespace, so the CT's cgroup becomes the root the CT sees;
 *   5. console as controlling terminal and stdio;
 *   6. seccomp *before* dropping capabilities: without CAP_SYS_ADMIN,
 *      loading a filter needs no_new_privs, which would break setuid
 *      programs in the CT;
 *   7. capabilities, signal mask reset, exec.
 * Steps 2-3 run outside the CT's cgroups (device policy included): that is
 * our own code, and nothing of the CT runs before step 4.
 * Errors go back to the monitor over err_fd (close-on-exec, so a
 * successful exec reads as EOF there).
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "proto.h"
#include "rootfs.h"
#include "runtime.h"
#include "seccomp_filter.h"

void vx_error_send(int fd, const struct vx_error *e)
{
	char buf[4000];
	int n;

	n = snprintf(buf, sizeof(buf), "ERR %d %d\n%s", e ? e->code : VX_E_SYSTEM,
		     e ? e->errnum : 0, e ? e->msg : "unknown error");
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	/* one write below PIPE_BUF: atomic, never interleaved */
	if (write(fd, buf, n) < 0)
		return;
}

int vx_error_recv(int fd, struct vx_error **err)
{
	char buf[4096];
	size_t len = 0;
	ssize_t r;
	int code = VX_E_SYSTEM, errnum = 0, off = 0;
	struct vx_error *e;

	while (len < sizeof(buf) - 1 &&
	       (r = read(fd, buf + len, sizeof(buf) - 1 - len)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += r;
	}
	buf[len] = '\0';
	if (len == 0)
		return 0;
	if (sscanf(buf, "ERR %d %d\n%n", &code, &errnum, &off) < 2 || !off)
		return 1;	/* not an error: caller parses buf itself */
	if (!err || *err)
		return errnum ? -errnum : -EIO;
	e = calloc(1, sizeof(*e));
	if (e) {
		e->code = code;
		e->errnum = errnum;
		e->msg = strdup(buf + off);
		if (!e->msg) {
			free(e);
			e = NULL;
		}
	}
	*err = e;
	return errnum ? -errnum : -EIO;
}

int vx_net_lo_up(struct vx_error **err)
{
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr = { .ifr_name = "lo" };

	if (s < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "socket");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "get lo flags");
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "bring lo up");
	return 0;
}

int vx_confine(uint64_t caps, struct vx_error **err)
{
	int ret = vx_seccomp_apply(err);

	if (ret == 0)
		ret = vx_caps_apply(caps, err);
	return ret;
}

static const char *const init_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/", "TERM=linux", "container=vx", NULL,
};

static int init_prepare(const struct vx_run_cfg *cfg, int go_fd,
			int sock_fd, int tree_fd, struct vx_error **err)
{
	cleanup_close int master = -1, slave = -1;
	const char *hostname;
	sigset_t none;
	char go;
	int ret;

	/* Always set one: the new UTS namespace starts as a copy of the
	 * host's, whose name is none of the CT's business. */
	hostname = cfg->hostname && *cfg->hostname ? cfg->hostname :
		   "localhost";
	if (sethostname(hostname, strlen(hostname)) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "ct %u: set hostname \"%s\"", cfg->ctid,
				    hostname);
	ret = vx_net_lo_up(err);
	if (ret < 0) {
		vx_error_prefix(err, "ct %u", cfg->ctid);
		return ret;
	}
	ret = vx_rootfs_setup(cfg->ctid, cfg->root, tree_fd, &master, &slave,
			      err);
	if (ret < 0)
		return ret;
	if (vx_fd_send(sock_fd, master) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "ct %u: pass the console to the monitor",
				    cfg->ctid);
	/* EOF instead of the byte: the monitor failed (and reports why) */
	if (read(go_fd, &go, 1) != 1)
		return vx_error_set(err, VX_E_START, 0,
				    "ct %u: the monitor gave up", cfg->ctid);
	if (unshare(CLONE_NEWCGROUP) < 0)
		return vx_error_set(err, VX_E_NOKERNEL, errno,
				    "ct %u: cgroup namespace", cfg->ctid);
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "ct %u: console as controlling tty",
				    cfg->ctid);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return vx_error_set(err, VX_E_SYSTEM, errno, "dup2");
	/* Checked after pivot_root: an absolute symlink such as
	 * /sbin/init -> /bin/busybox must resolve inside the CT. */
	if (access(cfg->init, X_OK) < 0)
		return vx_error_set(err, VX_E_BAD_CT, 0,
				    "ct %u: %s not found or not executable in "
				    "%s (%s); set INIT in the CT's config or "
				    "repair the CT", cfg->ctid, cfg->init,
				    cfg->root, strerror(errno));
	ret = vx_confine(cfg->caps, err);
	if (ret < 0) {
		vx_error_prefix(err, "ct %u", cfg->ctid);
		return ret;
	}
	/* The monitor blocks its stop signals and ignores SIGPIPE/SIGHUP;
	 * exec keeps both mask and SIG_IGN, and init must start clean. */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	return 0;
}

void vx_init_child(const struct vx_run_cfg *cfg, int go_fd, int err_fd,
		   int sock_fd, int tree_fd)
{
	struct vx_error *err = NULL;
	char *argv[] = { (char *)cfg->init, NULL };

	/* 1: nothing inherited from the monitor survives exec. */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (init_prepare(cfg, go_fd, sock_fd, tree_fd, &err) == 0) {
		execve(cfg->init, argv, (char **)init_env);
		vx_error_set(&err, VX_E_BAD_CT, errno, "ct %u: exec %s",
			     cfg->ctid, cfg->init);
	}
	vx_error_send(err_fd, err);
	_exit(1);
}
