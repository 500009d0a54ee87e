// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl: the dispatch table. Invoked as `vzlist`, it behaves as `vzctl list`;
 * as `vzubc`, it shows `vzctl stat` of every running CT.
 * Global options come before the verb, as in OpenVZ.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>

#include "vzctl.h"

const struct vzctl_verb vzctl_verbs[] = {
	{ "create", cmd_create, "create a container from an OS template" },
	{ "destroy", cmd_destroy, "remove a stopped container (alias: delete)" },
	{ "delete", cmd_destroy, NULL },
	{ "start", cmd_start, "start a container" },
	{ "stop", cmd_stop, "stop a container" },
	{ "restart", cmd_restart, "stop and start a container" },
	{ "mount", cmd_mount, "mount a container's file tree" },
	{ "umount", cmd_umount, "unmount a stopped container" },
	{ "status", cmd_status, "show a container's state" },
	{ "suspend", cmd_suspend, "checkpoint a container to disk and stop it (alias: chkpnt)" },
	{ "chkpnt", cmd_suspend, NULL },
	{ "resume", cmd_resume, "restore a suspended container (alias: restore)" },
	{ "restore", cmd_resume, NULL },
	{ "exec", cmd_exec, "run a command in a container (exit 8 on failure)" },
	{ "exec2", cmd_exec2, "run a command, exit with its status" },
	{ "enter", cmd_enter, "open a shell in a container" },
	{ "set", cmd_set, "change settings and resource limits" },
	{ "list", cmd_list, "list containers (same as vzlist)" },
	{ "stat", cmd_stat, "resource usage, limits and failures (as vzubc)" },
	{ "template", cmd_template, "list, inspect, remove or build OS templates" },
	{ "help", cmd_help, "this help" },
	{ "version", cmd_version, "version and available kernel features" },
	{ "info", cmd_version, NULL },
	{ 0 }
};

int main(int argc, char **argv)
{
	char *prog = basename(argv[0]);
	int i;

	if (!strcmp(prog, "vzlist")) {
		argv[0] = "vzlist";
		return cmd_list(argc, argv);
	}
	if (!strcmp(prog, "vzubc"))
		return cmd_vzubc(argc, argv);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--quiet") || !strcmp(o, "-q"))
			vzctl.quiet = true;
		else if (!strcmp(o, "--verbose") || !strcmp(o, "-v"))
			vzctl.verbose = true;
		else if (!strcmp(o, "--json"))
			vzctl.json = true;
		else if (!strcmp(o, "--help") || !strcmp(o, "-h"))
			return cmd_help(1, argv);
		else if (!strcmp(o, "--version") || !strcmp(o, "-V"))
			return cmd_version(1, argv);
		else
			return vzctl_fail(VX_E_INVAL_PARAM,
					  "vzctl: unknown option %s; see `vzctl --help`",
					  o);
	}
	if (i == argc) {
		vzctl_usage(stderr);
		return VX_E_INVAL_PARAM;
	}
	for (const struct vzctl_verb *v = vzctl_verbs; v->name; v++)
		if (!strcmp(v->name, argv[i]))
			return v->handler(argc - i, argv + i);
	return vzctl_fail(VX_E_INVAL_PARAM,
			  "vzctl: unknown command '%s'; see `vzctl --help`",
			  argv[i]);
}
