// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl enter CTID: an interactive shell on a new pty inside the container.
 *
 * vxd allocates the pty from the CT's own devpts, starts a login shell on
 * the slave and hands us the master; we relay between it and our terminal.
 * On a terminal we switch it to raw mode (so ^C, ^Z, arrows reach the CT
 * shell, not us), copy its size to the pty and again on every SIGWINCH, and
 * restore it however we leave (exit, SIGTERM, SIGHUP). Without a terminal
 * (a pipe, a script) we turn the pty's echo off and send EOF (^D) when our
 * stdin ends, so `echo hostname | vzctl enter 101` prints just the output
 * and returns. The shell's end comes as vxd's final response on the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "values.h"
#include "vzctl.h"

static const char enter_usage[] =
	"Usage: vzctl enter CTID\n"
	"\n"
	"Opens a login shell (bash if present, else sh) on a new terminal\n"
	"inside the running container. Leave it with `exit` or Ctrl-D.\n"
	"Works from a terminal, script(1) and tmux; with stdin not a terminal\n"
	"the shell reads commands from stdin.\n";

static struct termios saved_tio;
static bool tio_saved;

static void restore_tty(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
	tio_saved = false;
}

static void copy_winsize(int master)
{
	struct winsize ws;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
		ioctl(master, TIOCSWINSZ, &ws);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pf = { .fd = fd, .events = POLLOUT };

				poll(&pf, 1, -1);
				continue;
			}
			return -1;
		}
		p += w;
		n -= w;
	}
	return 0;
}

/* Copies what is available. Returns 1 if more may come, 0 at EOF/EIO of
 * `from` (the pty master reads EIO once the last process holding the slave
 * has exited), -1 if `to` cannot be written (our stdout went away). */
static int pump(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	return write_all(to, buf, n) == 0 ? 1 : -1;
}

static int relay(int sock, int master, bool tty)
{
	bool in_open = true, master_open = true;
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);	/* a closed stdout is handled in pump() */
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN },
			{ .fd = master_open ? master : -1, .events = POLLIN },
			{ .fd = sock, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};

		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (p[3].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH)
					copy_winsize(master);
				else
					return -(int)si.ssi_signo;
			}
		}
		if (p[1].revents) {
			int ret = pump(master, STDOUT_FILENO);

			/* Nobody reads the shell's output any more: leave,
			 * and vxd kills the shell when we disconnect. */
			if (ret < 0)
				return -SIGPIPE;
			master_open = ret > 0;
		}
		if (p[0].revents && pump(STDIN_FILENO, master) <= 0) {
			in_open = false;
			/* End of our input = ^D to the CT's shell. */
			if (!tty)
				write_all(master, "\x04", 1);
		}
		if (p[2].revents) {
			/* The shell ended: flush what it printed last. */
			while (master_open && pump(master, STDOUT_FILENO) > 0) {
				struct pollfd m = { .fd = master, .events = POLLIN };

				if (poll(&m, 1, 50) <= 0)
					break;
			}
			close(sfd);
			return 0;
		}
	}
}

int cmd_enter(int argc, char **argv)
{
	struct vx_msg req, resp;
	const char *ctid, *term = getenv("TERM");
	bool tty = isatty(STDIN_FILENO);
	int64_t code = 0;
	int sock, master, ret;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("%s", enter_usage);
		return 0;
	}
	if (argc < 2)
		return vzctl_usage_error(argv[0], "no CTID given");
	if (argc > 2)
		return vzctl_usage_error(argv[0], "unexpected argument '%s'",
					 argv[2]);
	ctid = argv[1];
	if (ctid[0] == '-' || (ctid[0] >= '0' && ctid[0] <= '9')) {
		struct vx_error *err = NULL;

		if (vx_parse_ctid(ctid, &(unsigned int){ 0 }, &err) < 0) {
			ret = vzctl_fail_err(err);
			vx_error_free(err);
			return ret;
		}
	}
	sock = vzctl_connect();
	if (sock < 0)
		return -sock;
	vx_msg_init(&req, VXD_CMD_ENTER, VX_MSG_REQUEST);
	vx_msg_put_str(&req, "ct", ctid);
	vx_msg_put_str(&req, "term", term ? term : "linux");
	vx_msg_put_int(&req, "interactive", tty);
	ret = vx_msg_send(sock, &req, NULL, 0);
	vx_msg_release(&req);
	/* Skip progress-only interim messages until the pty (or an error). */
	for (;;) {
		if (ret < 0 || vx_msg_recv(sock, &resp, NULL) < 0) {
			close(sock);
			return vzctl_fail(VX_E_PROTOCOL,
					  "enter: no answer from vxd; see vxd.log");
		}
		if (resp.kind != VX_MSG_INTERIM || resp.nfds)
			break;
		vx_msg_release(&resp);
	}
	if (resp.kind == VX_MSG_RESPONSE || resp.nfds != 1) {
		ret = vzctl_report(&resp);
		vx_msg_release(&resp);
		close(sock);
		return ret ? ret : VX_E_PROTOCOL;
	}
	master = resp.fds[0];
	resp.nfds = 0;
	vx_msg_release(&resp);

	if (tty) {
		struct termios raw;

		copy_winsize(master);
		if (tcgetattr(STDIN_FILENO, &saved_tio) == 0) {
			tio_saved = true;
			atexit(restore_tty);
			raw = saved_tio;
			cfmakeraw(&raw);
			tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
		}
	} else {
		struct termios t;

		if (tcgetattr(master, &t) == 0) {
			t.c_lflag &= ~(ECHO | ECHONL);
			tcsetattr(master, TCSANOW, &t);
		}
	}
	if (!vzctl.quiet)
		fprintf(stderr, "entered into CT %s\r\n", ctid);
	ret = relay(sock, master, tty);
	restore_tty();
	close(master);
	if (ret < 0) {
		close(sock);
		fprintf(stderr, "vzctl enter: terminated by signal %d; the shell in CT %s is killed\n",
			-ret, ctid);
		return 128 - ret;
	}
	ret = vx_msg_recv(sock, &resp, NULL);
	close(sock);
	if (ret < 0)
		return vzctl_fail(VX_E_PROTOCOL, "enter: vxd closed the connection");
	vx_msg_get_int(&resp, "exit", &code);
	if (code) {
		ret = vzctl_report(&resp);
		vx_msg_release(&resp);
		return ret;
	}
	vx_msg_release(&resp);
	if (!vzctl.quiet)
		fprintf(stderr, "exited from CT %s\n", ctid);
	return 0;
}
