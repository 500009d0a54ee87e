// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl's side of the vxd protocol: connect (starting vxd on demand),
 * one request/response transaction, and printing a response.
 *
 * On-demand start: when the socket is missing or refuses connections, we run
 * the vxd that sits next to our own binary (/proc/self/exe), or "vxd" from
 * PATH, with our environment (so VX_ROOT carries over). vxd's parent process
 * exits only once the socket listens, so after it returns 0 one connect is
 * enough; a concurrent vzctl may have won the race to start it, which is why
 * we retry connecting for a while whatever vxd's exit status says.
 * VX_NO_AUTOSTART=1 turns this off (scripts that want to see "not running").
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "vzctl.h"

static int try_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, one = 1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	/* Harmless for us; lets vxd see our credentials on each message. */
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	return fd;
}

/* Runs vxd and waits until it reports readiness. Its stderr is captured
 * into errbuf, to be shown only if we cannot connect in the end. */
static int spawn_vxd(char *errbuf, size_t size)
{
	char self[PATH_MAX], path[PATH_MAX + 8];
	const char *exe = getenv("VX_VXD");
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int p[2], status;
	size_t got = 0;
	pid_t pid;

	errbuf[0] = '\0';
	if (!exe && n > 0) {
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s/vxd", dirname(self));
		if (access(path, X_OK) == 0)
			exe = path;
	}
	if (!exe)
		exe = "vxd";
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		close_range(3, ~0U, 0);
		execlp(exe, "vxd", (char *)NULL);
		fprintf(stderr, "cannot run %s: %m", exe);
		_exit(127);
	}
	close(p[1]);
	while (got < size - 1 && (n = read(p[0], errbuf + got,
					   size - 1 - got)) > 0)
		got += n;
	errbuf[got] = '\0';
	errbuf[strcspn(errbuf, "\n")] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return 0;
}

/* The socket vzctl_connect reached, for vzctl_reconnect. */
static char connected_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

int vzctl_reconnect(void)
{
	return connected_path[0] ? try_connect(connected_path) : -ENOTCONN;
}

int vzctl_connect(void)
{
	struct vx_global *g = NULL;
	struct vx_error *err = NULL;
	char vxd_err[512] = "";
	int fd, ret, code;

	if (vx_global_load(NULL, &g, &err) < 0) {
		code = vzctl_fail_err(err);
		vx_error_free(err);
		return -code;
	}
	fd = try_connect(g->sock_path);
	if ((fd == -ENOENT || fd == -ECONNREFUSED) &&
	    !getenv("VX_NO_AUTOSTART")) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		/* ~5 s: covers a concurrent vzctl's vxd still starting. A
		 * vxd that is just exiting still holds the pidfile lock, so a
		 * new one started then gives up: try starting it again. */
		for (int i = 0; i < 250; i++) {
			if (i % 50 == 0)
				spawn_vxd(vxd_err, sizeof(vxd_err));
			fd = try_connect(g->sock_path);
			if (fd >= 0 || (fd != -ENOENT && fd != -ECONNREFUSED))
				break;
			nanosleep(&ts, NULL);
		}
	}
	if (fd >= 0) {
		snprintf(connected_path, sizeof(connected_path), "%s",
			 g->sock_path);
		vx_global_free(g);
		return fd;
	}
	if (fd == -EACCES || fd == -EPERM)
		ret = vzctl_fail(VX_E_PERM,
				 "vxd socket %s: %s; vzctl must run as root",
				 g->sock_path, strerror(-fd));
	else
		ret = vzctl_fail(VX_E_NO_DAEMON,
				 "vxd not reachable at %s: %s%s%s; start it with `vxd` (or unset VX_NO_AUTOSTART) or check %s/vxd.log",
				 g->sock_path, strerror(-fd),
				 vxd_err[0] ? "; vxd said: " : "", vxd_err,
				 g->rundir);
	vx_global_free(g);
	return -ret;
}
bool vzctl_progress_wanted(void)
{
	return !vzctl.quiet && !vzctl.json && isatty(2);
}

/* One bar line on stderr, redrawn in place; pct < 0 erases it (the
 * answer came). */
static void progress_draw(int pct, const char *what)
{
	static bool shown;
	char bar[31];
	int cells;

	if (pct < 0) {
		if (shown)
			fprintf(stderr, "\r%*s\r", 60, "");
		shown = false;
		return;
	}
	if (pct > 100)
		pct = 100;
	cells = pct * 30 / 100;
	memset(bar, '#', cells);
	memset(bar + cells, ' ', 30 - cells);
	bar[30] = '\0';
	fprintf(stderr, "\r  [%s] %3d%% %-20.20s", bar, pct, what ? what : "");
	fflush(stderr);
	shown = true;
}


int vzctl_call(struct vx_msg *req, const int *fds, int nfds,
	       struct vx_msg *resp)
{
	cleanup_close int fd = vzctl_connect();
	int ret;

	if (fd < 0)
		return fd;
	ret = vx_msg_send(fd, req, fds, nfds);
	if (ret < 0)
		return -vzctl_fail(VX_E_NO_DAEMON, "sending the request to vxd: %s",
				   strerror(-ret));
	do {
		ret = vx_msg_recv(fd, resp, NULL);
		if (ret < 0) {
			vx_msg_release(resp);
			return -vzctl_fail(VX_E_PROTOCOL,
					   "no answer from vxd to %s: %s; see vxd.log",
					   vxd_cmd_name(req->cmd),
					   ret == -ECONNRESET ? "connection closed" :
					   strerror(-ret));
		}
		if (resp->kind == VX_MSG_RESPONSE) {
			progress_draw(-1, NULL);
			return 0;
		}
		int64_t pct;

		if (vx_msg_get_int(resp, "progress", &pct) &&
		    vzctl_progress_wanted())
			progress_draw((int)pct, vx_msg_get_str(resp, "what"));
		/* Progress lines arrive as they happen. */
		if (!vzctl.quiet && !vzctl.json) {
			const char *info = vx_msg_get_str(resp, "info");

			if (info) {
				progress_draw(-1, NULL);
				printf("%s\n", info);
				fflush(stdout);
			}
		}
		vx_msg_release(resp);
	} while (1);
}

int vzctl_report(const struct vx_msg *resp)
{
	const char *msg = vx_msg_get_str(resp, "message");
	int64_t code = VX_E_PROTOCOL;
	struct vx_field f;
	size_t off = 0;

	vx_msg_get_int(resp, "exit", &code);
	if (!vzctl.quiet && !vzctl.json)
		while (vx_field_next(resp->buf, resp->len, &off, &f) > 0)
			if (f.type == VX_F_STR && !strcmp(f.key, "info"))
				printf("%s\n", f.val);
	fflush(stdout);
	if (code != 0)
		return vzctl_fail(code, "%s", msg ? msg : "vxd gave no reason");
	if (vzctl.json)
		printf("{\"exit\":0}\n");
	return 0;
}

int vzctl_query(struct vx_msg *req, struct vx_msg *resp)
{
	int64_t code = 0;
	int ret = vzctl_call(req, NULL, 0, resp);

	vx_msg_release(req);
	if (ret < 0)
		return -ret;
	vx_msg_get_int(resp, "exit", &code);
	if (code) {
		ret = vzctl_report(resp);
		vx_msg_release(resp);
		return ret;
	}
	return 0;
}

int vzctl_simple(unsigned int cmd, const char *ctid, struct vx_msg *req)
{
	struct vx_msg resp;
	int ret;

	req->cmd = cmd;
	req->kind = VX_MSG_REQUEST;
	if (ctid)
		vx_msg_put_str(req, "ct", ctid);
	ret = vzctl_call(req, NULL, 0, &resp);
	vx_msg_release(req);
	if (ret < 0)
		return -ret;
	ret = vzctl_report(&resp);
	vx_msg_release(&resp);
	return ret;
}
