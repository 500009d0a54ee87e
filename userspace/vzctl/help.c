// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl --help and vzctl --version.
 *
 * --version also lists which kernel features this host offers, because vx
 * runs on any kernel but does more on one with the vserver patchset; the
 * admin should not have to guess which limits are really enforced.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "vzctl.h"

#define VZCTL_VERSION "0.1"

void vzctl_usage(FILE *f)
{
	fprintf(f,
		"Usage: vzctl [--quiet|--verbose] [--json] COMMAND CTID [options]\n"
		"       vzctl COMMAND --help\n"
		"       vzlist [options]\n"
		"\n"
		"OpenVZ-compatible control of vx containers. CTID is a number\n"
		"1..2147483647 or a name given with --name. vzctl asks vxd (started\n"
		"on demand) to do the work.\n"
		"\n"
		"Commands:\n");
	for (const struct vzctl_verb *v = vzctl_verbs; v->name; v++)
		if (v->summary)
			fprintf(f, "  %-9s %s\n", v->name, v->summary);
	fprintf(f,
		"\n"
		"Global options:\n"
		"  -q, --quiet     print errors only\n"
		"  -v, --verbose   say more (e.g. why exec failed)\n"
		"      --json      results and errors as JSON on stdout\n"
		"  -h, --help      this help\n"
		"  -V, --version   version and kernel features\n"
		"\n"
		"Environment: VX_ROOT=DIR relocates the whole state tree (/etc/vz, /vz,\n"
		"/run/vx) under DIR; VX_NO_AUTOSTART=1 never starts vxd.\n"
		"Exit codes: docs/exit-codes.md (OpenVZ's numbers where it has one).\n");
}

int cmd_help(int argc, char **argv)
{
	if (argc > 1) {
		for (const struct vzctl_verb *v = vzctl_verbs; v->name; v++) {
			if (!strcmp(v->name, argv[1]) && v->handler != cmd_help) {
				char *hargv[] = { argv[1], "--help", NULL };

				return v->handler(2, hargv);
			}
		}
	}
	vzctl_usage(stdout);
	return 0;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The genetlink family "vserver" registers /proc/user_beancounters too;
 * the file is the cheapest reliable probe without a netlink round trip. */
int cmd_version(int argc, char **argv)
{
	bool ubc = exists("/proc/user_beancounters");
	bool vz = exists("/proc/vz");

	printf("vzctl version %s (vx; protocol %d)\n", VZCTL_VERSION,
	       VX_PROTO_VERSION);
	printf("kernel features:\n");
	printf("  vserver patchset (beancounters, /proc views): %s\n",
	       ubc ? "present" : "absent (stock kernel: cgroup limits only)");
	printf("  /proc/user_beancounters: %s\n", ubc ? "yes" : "no");
	printf("  /proc/vz: %s\n", vz ? "yes" : "no");
	printf("  cgroups: %s\n", vx_cgroup_mode_name(vx_cgroup_mode()));
	printf("  namespaces: pid %s, net %s, cgroup %s, time %s\n",
	       exists("/proc/self/ns/pid") ? "yes" : "no",
	       exists("/proc/self/ns/net") ? "yes" : "no",
	       exists("/proc/self/ns/cgroup") ? "yes" : "no",
	       exists("/proc/self/ns/time") ? "yes" : "no");
	return 0;
}
