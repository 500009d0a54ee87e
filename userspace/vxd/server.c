// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd's socket, per-request authentication and dispatch table.
 *
 * The socket lives in rundir (mode 0700) and is itself mode 0600, so only
 * root can even connect; on top of that every request is checked: the
 * SCM_CREDENTIALS the kernel attaches to the request (SO_PASSCRED) and the
 * SO_PEERCRED of the connection must both say uid 0, and the peer must live
 * in vxd's own user and pid namespaces, which rules out a root process inside
 * a CT (own pid namespace) or a "root" of an unprivileged user namespace.
 * As in lxc's commands.c, each command number indexes a name table (proto.c)
 * and the handler table below; a number never changes meaning.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "vxd.h"

static const vxd_handler_t handlers[VXD_CMD_MAX] = {
	[VXD_CMD_HELLO] = vxd_op_hello,
	[VXD_CMD_CREATE] = vxd_op_create,
	[VXD_CMD_DESTROY] = vxd_op_destroy,
	[VXD_CMD_START] = vxd_op_start,
	[VXD_CMD_STOP] = vxd_op_stop,
	[VXD_CMD_RESTART] = vxd_op_restart,
	[VXD_CMD_MOUNT] = vxd_op_mount,
	[VXD_CMD_UMOUNT] = vxd_op_umount,
	[VXD_CMD_STATUS] = vxd_op_status,
	[VXD_CMD_EXEC] = vxd_op_exec,
	[VXD_CMD_ENTER] = vxd_op_enter,
	[VXD_CMD_SET] = vxd_op_set,
	[VXD_CMD_LIST] = vxd_op_list,
	[VXD_CMD_SUSPEND] = vxd_op_suspend,
	[VXD_CMD_RESUME] = vxd_op_resume,
};

pid_t vxd_main_pid;

static int private_fds[8];
static int n_private_fds;

void vxd_register_private_fd(int fd)
{
	if (n_private_fds < (int)ARRAY_SIZE(private_fds))
		private_fds[n_private_fds++] = fd;
}

void vxd_close_private_fds(void)
{
	for (int i = 0; i < n_private_fds; i++)
		close(private_fds[i]);
	n_private_fds = 0;
}

int vxd_listen(const struct vx_global *g, struct vx_error **err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	cleanup_close int fd = -1;
	int one = 1;
	mode_t old;

	if (strlen(g->sock_path) >= sizeof(sa.sun_path))
		return vx_error_set(err, VX_E_SYSTEM, ENAMETOOLONG,
				    "socket path %s is longer than %zu bytes; use a shorter VX_ROOT",
				    g->sock_path, sizeof(sa.sun_path) - 1);
	strcpy(sa.sun_path, g->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "socket");
	/* We hold the pidfile lock, so any socket file here is stale. */
	unlink(g->sock_path);
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		return vx_error_set(err, VX_E_SYSTEM, errno, "bind %s",
				    g->sock_path);
	}
	umask(old);
	if (chmod(g->sock_path, 0600) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    listen(fd, 128) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "listen on %s",
				    g->sock_path);
	return steal_fd(fd);
}

void vxd_info(struct vxd_req *r, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	/* Sent at once, not with the final response: a graceful stop can
	 * take STOP_TIMEOUT seconds and the user should see it started. */
	if (s) {
		struct vx_msg im;

		vx_msg_init(&im, r->in->cmd, VX_MSG_INTERIM);
		if (!vx_msg_put_str(&im, "info", s))
			vx_msg_send(r->sock, &im, NULL, 0);
		vx_msg_release(&im);
	}
	free(s);
}

static bool same_ns(pid_t pid, const char *ns)
{
	char path[64];
	struct stat a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	if (stat(path, &a) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	if (stat(path, &b) < 0)
		return false;
	return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Every request passes here before its handler runs. */
static int check_peer(int sock, const struct ucred *msgcred,
		      struct vx_error **err)
{
	struct ucred pc;
	socklen_t len = sizeof(pc);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &pc, &len) < 0)
		return vx_error_set(err, VX_E_PERM, errno, "SO_PEERCRED");
	if (pc.uid != 0 || msgcred->uid != 0)
		return vx_error_set(err, VX_E_PERM, EPERM,
				    "vxd accepts requests from root only (peer uid %d)",
				    (int)(pc.uid != 0 ? pc.uid : msgcred->uid));
	/* pid 0: the sender's pid is not visible in our pid namespace. */
	if (pc.pid <= 0 || msgcred->pid <= 0 || !same_ns(pc.pid, "user") ||
	    !same_ns(pc.pid, "pid"))
		return vx_error_set(err, VX_E_PERM, EPERM,
				    "vxd accepts requests from the host's root only (pid %d is in another namespace)",
				    (int)pc.pid);
	return 0;
}

static void serve(int sock)
{
	struct vx_msg in, out;
	struct vx_error *err = NULL;
	struct vx_global *g = NULL;
	struct timeval tv = { .tv_sec = 30 };
	struct vxd_req r = { .sock = sock, .in = &in, .out = &out };
	int ret;

	/* A client that connects and says nothing must not pin a worker. */
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	ret = vx_msg_recv(sock, &in, &r.peer);
	if (ret < 0) {
		if (ret != -ECONNRESET)
			vxd_log("bad request: %s", strerror(-ret));
		vx_msg_release(&in);
		return;
	}
	tv.tv_sec = 0;
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	vx_msg_init(&out, in.cmd, VX_MSG_RESPONSE);

	ret = check_peer(sock, &r.peer, &err);
	/* vz.conf is re-read for every request, so an edit takes effect
	 * without restarting vxd, and a broken one is reported to the user
	 * who asked rather than only to our log. */
	if (!ret)
		ret = vx_global_load(NULL, &g, &err);
	r.g = g;
	if (!ret && in.kind != VX_MSG_REQUEST)
		ret = vx_error_set(&err, VX_E_PROTOCOL, 0,
				   "expected a request, got message kind %u",
				   in.kind);
	if (!ret && (in.cmd >= VXD_CMD_MAX || !handlers[in.cmd]))
		ret = vx_error_set(&err, VX_E_PROTOCOL, 0,
				   "unknown command %u: this vxd (protocol %d) is older than vzctl; restart vxd",
				   in.cmd, VX_PROTO_VERSION);
	if (!ret) {
		char title[16];

		/* The process name shows up in ps and in lock holders. */
		snprintf(title, sizeof(title), "vxd:%s", vxd_cmd_name(in.cmd));
		prctl(PR_SET_NAME, title);
		ret = handlers[in.cmd](&r, &err);
	}
	if (ret < 0) {
		const char *ct = vx_msg_get_str(&in, "ct");

		vx_msg_set_result(&out, err ? err->code : VX_E_SYSTEM,
				  err ? err->msg : "internal error");
		vxd_log("%s%s%s: exit %d: %s", vxd_cmd_name(in.cmd),
			ct ? " " : "", ct ? ct : "", err ? err->code : 3,
			err ? err->msg : "internal error");
	} else {
		const char *ct = vx_msg_get_str(&in, "ct");
		char msg[128];

		/* Success carries a message too, so every response has the
		 * same shape: exit + message. */
		snprintf(msg, sizeof(msg), "%s%s%s: ok", vxd_cmd_name(in.cmd),
			 ct ? " " : "", ct ? ct : "");
		vx_msg_set_result(&out, 0, msg);
	}
	ret = vx_msg_send(sock, &out, NULL, 0);
	if (ret < 0 && ret != -EPIPE)
		vxd_log("%s: sending the response: %s", vxd_cmd_name(in.cmd),
			strerror(-ret));
	vx_error_free(err);
	vx_msg_release(&out);
	vx_msg_release(&in);
	vx_global_free(g);
}

pid_t vxd_spawn_worker(int conn)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	sigset_t all;

	if (pid != 0)
		return pid;
	/* An operation in flight dies with vxd (the CT lock then frees
	 * itself and the next operation rolls a half-made create back);
	 * running CTs do not, they belong to their monitors. SIGTERM rather
	 * than SIGKILL so that exec/enter, which catch it, can kill the
	 * command they run first (ops_run.c). */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
	vxd_main_pid = parent;
	/* Worker: drop everything that belongs to the main process before
	 * any libvx code can fork a long-lived CT monitor. */
	vxd_close_private_fds();
	vxd_supervise_forget();
	sigemptyset(&all);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	/* Commands run in a CT inherit our dispositions; they expect the
	 * default SIGPIPE. We never need it: sends use MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_DFL);
	sigprocmask(SIG_SETMASK, &all, NULL);
	serve(conn);
	close(conn);
	_exit(0);
}
