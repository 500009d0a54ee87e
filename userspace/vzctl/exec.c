// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl exec / exec2: run a command inside a running container.
 *
 * As in OpenVZ the arguments are joined with spaces and run by the CT's
 * /bin/sh -c, so `vzctl exec 101 'ps | wc -l'` pipes inside the CT; a lone
 * `-` runs the CT's shell reading commands from our stdin. Our stdin, stdout
 * and stderr are handed to vxd, so the command uses them directly (no copy,
 * ttys and pipes behave as they would locally). exec exits 8 when the
 * command fails; exec2 exits with the command's own status. If we die
 * (Ctrl-C), vxd sees the connection drop and kills the command.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "values.h"
#include "vzctl.h"

static const char exec_usage[] =
	"Usage: vzctl exec CTID COMMAND [ARG...]\n"
	"       vzctl exec2 CTID COMMAND [ARG...]\n"
	"       vzctl exec CTID -\n"
	"\n"
	"Runs COMMAND inside the running container CTID. The words are joined\n"
	"with spaces and run by the container's /bin/sh -c, so shell syntax\n"
	"works: vzctl exec 101 'ps | wc -l'. With `-`, the container's shell\n"
	"reads commands from stdin. stdin, stdout and stderr are connected.\n"
	"\n"
	"exec exits 8 if the command fails; exec2 exits with its own status.\n";

/* A closed fd 0/1/2 cannot be passed; /dev/null stands in for it. */
static int stdio_fd(int fd)
{
	if (fcntl(fd, F_GETFD) >= 0)
		return fd;
	return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static int do_exec(int argc, char **argv, bool exec2)
{
	const char *verb = argv[0], *ctid;
	cleanup_free char *cmd = NULL;
	struct vx_msg req, resp;
	int64_t code = 0, status = 0, sig = 0;
	int fds[3], ret;
	size_t len = 0;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("%s", exec_usage);
		return 0;
	}
	if (argc < 2)
		return vzctl_usage_error(verb, "no CTID given");
	ctid = argv[1];
	if (argc < 3)
		return vzctl_usage_error(verb, "no command given");
	if (ctid[0] == '-' || (ctid[0] >= '0' && ctid[0] <= '9')) {
		struct vx_error *err = NULL;

		if (vx_parse_ctid(ctid, &(unsigned int){ 0 }, &err) < 0) {
			ret = vzctl_fail_err(err);
			vx_error_free(err);
			return ret;
		}
	}
	vx_msg_init(&req, VXD_CMD_EXEC, VX_MSG_REQUEST);
	vx_msg_put_str(&req, "ct", ctid);
	vx_msg_put_str(&req, "argv", "/bin/sh");
	if (!(argc == 3 && !strcmp(argv[2], "-"))) {
		for (int i = 2; i < argc; i++)
			len += strlen(argv[i]) + 1;
		cmd = calloc(1, len + 1);
		if (!cmd)
			return vzctl_fail(VX_E_SYSTEM, "out of memory");
		for (int i = 2; i < argc; i++) {
			if (i > 2)
				strcat(cmd, " ");
			strcat(cmd, argv[i]);
		}
		vx_msg_put_str(&req, "argv", "-c");
		vx_msg_put_str(&req, "argv", cmd);
	}
	for (int i = 0; i < 3; i++)
		fds[i] = stdio_fd(i);
	ret = vzctl_call(&req, fds, 3, &resp);
	vx_msg_release(&req);
	if (ret < 0)
		return -ret;
	vx_msg_get_int(&resp, "exit", &code);
	if (code != 0) {
		ret = vzctl_report(&resp);
		vx_msg_release(&resp);
		return ret;
	}
	vx_msg_get_int(&resp, "status", &status);
	vx_msg_get_int(&resp, "signal", &sig);
	vx_msg_release(&resp);
	if (exec2)
		return status;
	if (status == 0)
		return 0;
	if (vzctl.verbose || vzctl.json) {
		if (sig)
			return vzctl_fail(VX_E_EXEC, "command killed by signal %lld",
					  (long long)sig);
		return vzctl_fail(VX_E_EXEC, "command failed with exit status %lld",
				  (long long)status);
	}
	return VX_E_EXEC;
}

int cmd_exec(int argc, char **argv)
{
	return do_exec(argc, argv, false);
}

int cmd_exec2(int argc, char **argv)
{
	return do_exec(argc, argv, true);
}
