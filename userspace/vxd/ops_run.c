// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd handlers for exec and enter.
 *
 * exec: the client passes its own stdin/stdout/stderr (SCM_RIGHTS), so the
 * command reads and writes the user's files directly and vxd copies no data.
 * enter: vxd spawns a login shell on a new pty from the CT's devpts and hands
 * the pty master back in an interim message; the client relays it to the
 * user's terminal. In both cases the worker then waits for the command and
 * the client at once: the command's status becomes the final response, and
 * a client that goes away (Ctrl-C, ssh drop) gets its command killed, so no
 * orphaned shells pile up inside CTs. Neither takes the CT lock (OpenVZ
 * doesn't either): exec must work while a long operation holds it.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "ct.h"
#include "run.h"
#include "state.h"
#include "vxd.h"

/* Collects the repeated "argv" fields into a NULL-terminated vector whose
 * strings point into the message. */
static char **req_argv(const struct vx_msg *m)
{
	struct vx_field f;
	size_t off = 0, n = 0;
	char **v = calloc(m->len / 8 + 2, sizeof(*v));

	if (!v)
		return NULL;
	while (vx_field_next(m->buf, m->len, &off, &f) > 0)
		if (f.type == VX_F_STR && !strcmp(f.key, "argv"))
			v[n++] = (char *)f.val;
	v[n] = NULL;
	return v;
}

static int load_running(struct vxd_req *r, struct vx_ct **ct,
			struct vx_error **err)
{
	unsigned int ctid;
	int ret;

	ret = vxd_req_ctid(r, &ctid, err);
	if (ret < 0)
		return ret;
	ret = vx_ct_load(r->g, ctid, ct, err);
	if (ret < 0)
		return ret;
	if (!vx_ct_is_running(r->g, ctid)) {
		vx_ct_free(*ct);
		*ct = NULL;
		return vx_error_set(err, VX_E_NOT_RUNNING, 0,
				    "CT %u is not running; start it with: vzctl start %u",
				    ctid, ctid);
	}
	return 0;
}

/*
 * Kills a command started by vx_ct_exec_spawn/enter_spawn. pid is a relay
 * in the host's pid namespace whose child is the command itself, a session
 * (and process group) leader inside the CT; killing only the relay would
 * leave the command running, so the command's whole process group goes
 * first. The children are read from /proc/PID/task/PID/children.
 */
static void kill_command(pid_t pid)
{
	char path[64];
	FILE *f;
	int child;

	kill(pid, SIGSTOP);	/* no new children while we look */
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid,
		 (int)pid);
	f = fopen(path, "re");
	if (f) {
		while (fscanf(f, "%d", &child) == 1) {
			kill(-child, SIGKILL);
			kill(child, SIGKILL);
		}
		fclose(f);
	}
	kill(pid, SIGKILL);
}

/*
 * Waits for pid while watching the client. Returns 0 with the wait status
 * in *status, or -ECONNRESET after killing pid because the client left.
 */
static int wait_cmd_or_client(int sock, pid_t pid, int *status)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	sigset_t term;
	int sfd;

	/* SIGTERM = vxd died (our parent-death signal) or was told to stop:
	 * the command goes with us rather than running on unsupervised. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, NULL);
	sfd = signalfd(-1, &term, SFD_CLOEXEC);
	if (getppid() != vxd_main_pid)
		kill(getpid(), SIGTERM);	/* vxd died before we blocked it */

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = sock, .events = POLLIN | POLLRDHUP },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
		};
		int n = poll(p, pidfd >= 0 ? 3 : 2, pidfd >= 0 ? -1 : 200);

		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && p[1].revents) {
			kill_command(pid);
			waitpid(pid, status, 0);
			_exit(1);
		}
		if (n > 0 && p[0].revents) {
			char c;

			/* The client sends nothing after its request, so any
			 * readability means EOF or an error: it is gone. */
			if (recv(sock, &c, 1, MSG_DONTWAIT) <= 0 ||
			    (p[0].revents & (POLLHUP | POLLRDHUP | POLLERR))) {
				kill_command(pid);
				waitpid(pid, status, 0);
				if (pidfd >= 0)
					close(pidfd);
				if (sfd >= 0)
					close(sfd);
				return -ECONNRESET;
			}
		}
		if (waitpid(pid, status, WNOHANG) == pid)
			break;
	}
	if (pidfd >= 0)
		close(pidfd);
	if (sfd >= 0)
		close(sfd);
	return 0;
}

static void put_status(struct vxd_req *r, int status)
{
	if (WIFEXITED(status)) {
		vx_msg_put_int(r->out, "status", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		/* Shell convention: 128 + signal. */
		vx_msg_put_int(r->out, "status", 128 + WTERMSIG(status));
		vx_msg_put_int(r->out, "signal", WTERMSIG(status));
	}
}

int vxd_op_exec(struct vxd_req *r, struct vx_error **err)
{
	cleanup_free char **argv = req_argv(r->in);
	struct vx_ct *ct = NULL;
	pid_t pid;
	int status, ret;

	if (!argv || !argv[0])
		return vx_error_set(err, VX_E_INVAL_PARAM, 0,
				    "exec: no command given");
	if (r->in->nfds != 3)
		return vx_error_set(err, VX_E_PROTOCOL, 0,
				    "exec: expected 3 fds (stdin, stdout, stderr), got %d",
				    r->in->nfds);
	ret = load_running(r, &ct, err);
	if (ret < 0)
		return ret;
	ret = vx_ct_exec_spawn(r->g, ct, argv, r->in->fds, &pid, err);
	vx_ct_free(ct);
	if (ret < 0)
		return ret;
	/* Only the command may hold the client's files now: when it exits,
	 * the client's pipes must see EOF. */
	for (int i = 0; i < r->in->nfds; i++)
		close(r->in->fds[i]);
	r->in->nfds = 0;
	ret = wait_cmd_or_client(r->sock, pid, &status);
	if (ret < 0)
		return vx_error_set(err, VX_E_EXEC, 0,
				    "client went away; command killed");
	put_status(r, status);
	return 0;
}

int vxd_op_enter(struct vxd_req *r, struct vx_error **err)
{
	const char *term = vx_msg_get_str(r->in, "term");
	cleanup_free char *script = NULL;
	struct vx_ct *ct = NULL;
	struct vx_msg im;
	int master = -1, status, ret;
	pid_t pid;

	int64_t interactive = 1;

	vx_msg_get_int(r->in, "interactive", &interactive);
	/* A login shell: bash where the CT has it, else sh. The CT's
	 * environment is clean, so the user's TERM is passed explicitly.
	 * For a client without a terminal (commands piped in) a shell that
	 * reads a pipe, so it is not interactive (no banner, no prompts) and
	 * its output is just the commands' output. */
	if (!term || strchr(term, '\''))
		term = "linux";
	if (interactive)
		ret = asprintf(&script,
			       "export TERM='%s'; [ -x /bin/bash ] && exec /bin/bash -l; exec /bin/sh -l",
			       term);
	else
		ret = asprintf(&script,
			       "export TERM='%s'; cat | /bin/sh", term);
	if (ret < 0)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "enter");
	char *const argv[] = { "/bin/sh", "-c", script, NULL };

	ret = load_running(r, &ct, err);
	if (ret < 0)
		return ret;
	ret = vx_ct_enter_spawn(r->g, ct, argv, &master, &pid, err);
	vx_ct_free(ct);
	if (ret < 0)
		return ret;
	vx_msg_init(&im, VXD_CMD_ENTER, VX_MSG_INTERIM);
	ret = vx_msg_send(r->sock, &im, &master, 1);
	vx_msg_release(&im);
	close(master);
	if (ret < 0) {
		kill_command(pid);
		waitpid(pid, &status, 0);
		return vx_error_set(err, VX_E_SYSTEM, -ret, "enter: sending the pty");
	}
	ret = wait_cmd_or_client(r->sock, pid, &status);
	if (ret < 0)
		return vx_error_set(err, VX_E_EXEC, 0,
				    "client went away; shell killed");
	put_status(r, status);
	return 0;
}
