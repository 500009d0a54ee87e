// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd: the daemon that owns running CTs (see vxd.h for the process model).
 *
 * One vxd per state tree: the pidfile rundir/vxd.pid is flock()ed for the
 * daemon's lifetime, so a second instance fails at once and a killed one
 * never leaves a stale lock. In the background (the default) the parent
 * returns only when the socket accepts connections, so `vxd && vzctl ...`
 * and vzctl's on-demand start never race the socket. Killing vxd (even with
 * SIGKILL) never touches CTs: their monitors are not our children.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "global.h"
#include "hostlimits.h"
#include "kctx.h"
#include "mntns.h"
#include "net.h"
#include "seccomp_filter.h"
#include "storage.h"
#include "vxd.h"

static int log_fd = STDERR_FILENO;

void vxd_log(const char *fmt, ...)
{
	char buf[2048];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;
	int n;

	localtime_r(&now, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S ", &tm);
	n += snprintf(buf + n, sizeof(buf) - n, "vxd[%d]: ", (int)getpid());
	va_start(ap, fmt);
	if (n < (int)sizeof(buf))
		n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf) - 1)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	/* One write per line: workers share the fd (O_APPEND). */
	if (write(log_fd, buf, n) < 0)
		errno = 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vxd [--foreground] [--no-onboot]\n"
		"\n"
		"The vx control daemon: owns running containers and serves vzctl\n"
		"on a root-only unix socket (default /run/vx/vxd.sock). vzctl starts\n"
		"it on demand. Set VX_ROOT=DIR to serve a relocated state tree.\n"
		"\n"
		"  -f, --foreground  stay in the foreground, log to stderr\n"
		"                    (default: daemonize, log to RUNDIR/vxd.log)\n"
		"      --no-onboot   do not start ONBOOT=yes containers\n"
		"  -h, --help        this text\n"
		"  -V, --version     print the version\n");
}

/* Takes the single-instance lock; returns the pidfile fd. */
static int lock_pidfile(const struct vx_global *g, const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	char buf[32] = "";

	if (fd < 0) {
		fprintf(stderr, "vxd: cannot open %s: %m\n", path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		fprintf(stderr,
			"vxd: another vxd (pid %s) already serves %s; stop it first\n",
			buf[0] ? buf : "?", g->sock_path);
		close(fd);
		return -1;
	}
	return fd;
}

static void write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, n, 0) < 0)
		vxd_log("cannot write the pidfile: %m");
}

/*
 * Classic double fork. The original process waits on a pipe until the
 * daemon reports that it listens (or failed), so its exit status is the
 * daemon's readiness.
 */
static int daemonize(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c = 1;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 1;
		_exit(c);
	}
	close(p[0]);
	setsid();
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);	/* the reader keeps waiting on the pipe */
	*ready_fd = p[1];
	return 0;
}

static void redirect_stdio(const char *logpath)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		if (fd < 0)
			dup2(null, STDOUT_FILENO);
	}
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if (null > STDERR_FILENO)
		close(null);
}

static void reap_children(const struct vx_global *g)
{
	bool any = false;
	int status;

	while (waitpid(-1, &status, WNOHANG) > 0)
		any = true;
	/* A finished worker may have started or stopped a CT. */
	if (any)
		vxd_supervise_worker_done(g);
}

static int serve_forever(const struct vx_global *g, int lfd, int sfd)
{
	for (;;) {
		struct pollfd p[4] = {	/* socket, signals, CTs' pidfds, watch */
			{ .fd = lfd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};
		int n = 2 + vxd_supervise_pollfds(p + 2, ARRAY_SIZE(p) - 2);
		struct signalfd_siginfo si;

		/* The timeout matters only without inotify (n == 2): then
		 * CTs (re)started behind our back, e.g. by a reboot inside the
		 * CT handled by its monitor, are found by a rescan. */
		if (poll(p, n, 5000) < 0) {
			if (errno == EINTR)
				continue;
			vxd_log("poll: %m");
			return 1;
		}
		if (p[1].revents & POLLIN) {
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGCHLD) {
				reap_children(g);
			} else if (si.ssi_signo == SIGHUP) {
				vxd_supervise_rescan(g);
			} else {
				/* Running CTs and in-flight workers carry on
				 * without us. */
				vxd_log("signal %d: exiting; containers keep running",
					si.ssi_signo);
				unlink(g->sock_path);
				return 0;
			}
		}
		if (p[0].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0) {
				if (vxd_spawn_worker(c) < 0)
					vxd_log("fork: %m");
				close(c);
			}
		}
		for (int i = 2; i < n; i++)
			if (p[i].revents)
				vxd_supervise_event(g, p[i].fd);
		if (n == 2)
			vxd_supervise_rescan(g);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "no-onboot", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	struct vx_global *g = NULL;
	struct vx_error *err = NULL;
	bool foreground = false, onboot = true;
	cleanup_free char *pidpath = NULL, *logpath = NULL;
	int c, pidfd, lfd, sfd, ready = -1, ret;
	sigset_t mask;

	while ((c = getopt_long(argc, argv, "fhV", opts, NULL)) != -1) {
		switch (c) {
		case 'f': foreground = true; break;
		case 'n': onboot = false; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("vxd %s (protocol %d)\n", VXD_VERSION,
				 VX_PROTO_VERSION); return 0;
		default: usage(stderr); return VX_E_INVAL_PARAM;
		}
	}
	/* Whatever fds our starter left open (a test harness's pipes, a
	 * shell's) must not live on in the daemon, its workers or CTs. */
	close_range(3, ~0U, 0);
	/* Files vxd creates (configs, state) must not depend on the umask of
	 * whoever happened to start it (vzctl starts it on demand). */
	umask(022);
	if (geteuid() != 0) {
		fprintf(stderr, "vxd: must run as root\n");
		return VX_E_PERM;
	}
	if (vx_global_load(NULL, &g, &err) < 0) {
		fprintf(stderr, "vxd: %s\n", err->msg);
		return err->code;
	}
	if (vx_mkdir_p(g->rundir, 0700, &err) < 0) {
		fprintf(stderr, "vxd: %s\n", err->msg);
		return err->code;
	}
	/* rundir holds the socket: nobody but root may traverse it. */
	chmod(g->rundir, 0700);
	if (asprintf(&pidpath, "%s/vxd.pid", g->rundir) < 0 ||
	    asprintf(&logpath, "%s/vxd.log", g->rundir) < 0)
		return VX_E_SYSTEM;
	pidfd = lock_pidfile(g, pidpath);
	if (pidfd < 0)
		return VX_E_LOCKED;
	if (!foreground && daemonize(&ready) < 0) {
		fprintf(stderr, "vxd: fork: %m\n");
		return VX_E_SYSTEM;
	}
	if (!foreground) {
		if (chdir("/") < 0)
			errno = 0;
		redirect_stdio(logpath);
	}
	write_pid(pidfd);
	vxd_register_private_fd(pidfd);
	{
		/* descriptors per running CT: room for thousands */
		unsigned long long from, to;

		if (vx_host_raise_nofile(&from, &to) > 0)
			vxd_log("raised the open-file limit from %llu to %llu",
				from, to);
	}
	/* creates killed with the previous vxd: roll them back now */
	ret = vx_ct_recover_all(g);
	if (ret > 0)
		vxd_log("rolled back %d interrupted create%s", ret,
			ret == 1 ? "" : "s");
	/* nftables tables of stopped VPSes whose reaper was killed */
	vx_net_reap_kick(g);

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	/* Per-host work every start would repeat, done once: workers and
	 * the CTs' monitors inherit the results (cgroup hierarchies, the
	 * device program, the compiled seccomp filter, whether the kernel
	 * has contexts, the seed mount namespace). */
	vx_cgroup_preload();
	vx_kctx_present();
	vx_mntns_prepare();
	if (vx_seccomp_prepare(&err) < 0) {
		vxd_log("%s", err->msg);
		vx_error_free(err);
		err = NULL;
	}
	vxd_supervise_init(g);
	/* The socket last: a killed process releases its files in reverse
	 * order of their numbers, and releasing the inotify watch and the
	 * device program waits for RCU grace periods. A client must not
	 * connect to a dying vxd meanwhile (and get a reset). */
	lfd = vxd_listen(g, &err);
	if (lfd < 0 || sfd < 0) {
		vxd_log("%s", err ? err->msg : "signalfd failed");
		return err ? err->code : VX_E_SYSTEM;
	}
	vxd_register_private_fd(lfd);
	vxd_register_private_fd(sfd);
	vxd_log("vxd %s listening on %s (root %s)", VXD_VERSION, g->sock_path,
		g->root[0] ? g->root : "/");
	if (ready >= 0) {
		char ok = 0;

		if (write(ready, &ok, 1) < 0)
			errno = 0;
		close(ready);
	}
	if (onboot)
		vxd_onboot(g);
	ret = serve_forever(g, lfd, sfd);
	vx_global_free(g);
	return ret;
}
