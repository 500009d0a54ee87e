// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl suspend (alias chkpnt) and resume (alias restore): checkpoint a
 * running container to disk with CRIU and bring it back
 * (docs/checkpoint.md).
 */
#include <stdio.h>
#include <string.h>

#include "vzctl.h"

static int put_ckpt_opt(int opt, const char *arg, void *data)
{
	struct vx_msg *req = data;

	switch (opt) {
	case 'D': return vx_msg_put_str(req, "dumpfile", arg) ? 3 : 0;
	case 't': return vx_msg_put_int(req, "tcp", 1) ? 3 : 0;
	}
	return 0;
}

static int ckpt_verb(int argc, char **argv, unsigned int cmd,
		     const struct option *opts, const char *usage)
{
	struct vx_msg req;
	const char *ctid;
	int ret;

	vx_msg_init(&req, cmd, VX_MSG_REQUEST);
	ret = vzctl_parse(argc, argv, "", opts, usage, put_ckpt_opt, &req,
			  &ctid);
	if (ret) {
		vx_msg_release(&req);
		return ret < 0 ? 0 : ret;
	}
	return vzctl_simple(cmd, ctid, &req);
}

int cmd_suspend(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dumpfile", required_argument, NULL, 'D' },
		{ "tcp-established", no_argument, NULL, 't' },
		{ 0 }
	};
	static const char usage[] =
		"Usage: vzctl suspend CTID [--dumpfile DIR] [--tcp-established]\n"
		"       (alias: vzctl chkpnt)\n"
		"\n"
		"Checkpoints a running container with CRIU: freezes it, dumps every\n"
		"process (memory, files, sockets, namespaces, cgroups) into DIR and\n"
		"stops it. `vzctl resume` brings it back where it was. If the dump\n"
		"fails the container keeps running, unchanged (exit 16). If CRIU\n"
		"cannot work on this host (not installed, too old for the kernel,\n"
		"`criu check` fails) nothing is done and the reason is printed\n"
		"(exit 204).\n"
		"\n"
		"  --dumpfile DIR     dump directory, must not exist (default:\n"
		"                     VE_PRIVATE/dump/Dump; plain, btrfs:\n"
		"                     DUMPDIR/Dump.CTID)\n"
		"  --tcp-established  also dump established TCP connections (they\n"
		"                     are restored too; without it they are cut)\n";

	return ckpt_verb(argc, argv, VXD_CMD_SUSPEND, opts, usage);
}

int cmd_resume(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dumpfile", required_argument, NULL, 'D' },
		{ 0 }
	};
	static const char usage[] =
		"Usage: vzctl resume CTID [--dumpfile DIR]   (alias: vzctl restore)\n"
		"\n"
		"Restores a suspended container from its dump: same processes, PIDs,\n"
		"memory, open files and connections; cgroup limits are those of the\n"
		"config now. The dump is removed afterwards. If the restore fails the\n"
		"container stays stopped, the dump is kept, and CRIU's reason and the\n"
		"path of its log are printed (exit 17).\n"
		"\n"
		"  --dumpfile DIR     dump directory (default: where the last suspend\n"
		"                     put it, else VE_PRIVATE/dump/Dump)\n";

	return ckpt_verb(argc, argv, VXD_CMD_RESUME, opts, usage);
}
