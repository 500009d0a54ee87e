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
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/vserver.h>

#include "cgroup.h"
#include "resources.h"
#include "hostlimits.h"
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
		"on demand) to do the work. start, stop, restart and destroy take\n"
		"several CTIDs (run side by side; exit: 0, or the code of the first\n"
		"failed CTID in argument order).\n"
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

/* Asks the generic netlink controller whether the "vserver" family (the
 * vx kernel patchset's interface) is registered. */
static bool have_genl_family(const char *name)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	bool found = false;
	int n;

	if (!nl)
		return false;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto out;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = time(NULL);
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	/* The controller answers with the family, or an NLMSG_ERROR
	 * (ENOENT) when no such family exists. */
	if (n > 0) {
		nlh = (struct nlmsghdr *)buf;
		found = mnl_nlmsg_ok(nlh, n) && nlh->nlmsg_type == GENL_ID_CTRL;
	}
out:
	mnl_socket_close(nl);
	return found;
}

/* The host limits vxd checks before each start (hostlimits.c), for one
 * more VPS than run now; vxd raises the low ones at the next start. */
static void host_limits(void)
{
	struct vx_host_report hr = { .list = true };
	struct vx_global *g = NULL;
	unsigned int n = 0;

	if (vx_global_load(NULL, &g, NULL) == 0) {
		n = vx_host_running_cts(g);
		vx_global_free(g);
	}
	vx_host_limits_check(n, false, &hr);
	printf("host limits for %u running VPSes + 1 (vxd raises low ones at start):\n%s",
	       n, hr.text);
}

int cmd_version(int argc, char **argv)
{
	bool ubc = exists("/proc/user_beancounters");
	bool vz = exists("/proc/vz");
	bool genl = have_genl_family(VX_GENL_NAME);

	printf("vzctl version %s (vx; protocol %d)\n", VZCTL_VERSION,
	       VX_PROTO_VERSION);
	printf("kernel features:\n");
	printf("  vserver patchset (beancounters, /proc views): %s\n",
	       genl || ubc ? "present" :
	       "absent (stock kernel: cgroup limits only)");
	printf("  generic netlink family \"%s\": %s\n", VX_GENL_NAME,
	       genl ? "yes" : "no");
	printf("  /proc/user_beancounters: %s\n", ubc ? "yes" : "no");
	printf("  /proc/vz: %s\n", vz ? "yes" : "no");
	printf("  cgroups: %s\n", vx_cgroup_mode_name(vx_cgroup_mode()));
	vx_res_features(stdout);
	printf("  namespaces: pid %s, net %s, cgroup %s, time %s\n",
	       exists("/proc/self/ns/pid") ? "yes" : "no",
	       exists("/proc/self/ns/net") ? "yes" : "no",
	       exists("/proc/self/ns/cgroup") ? "yes" : "no",
	       exists("/proc/self/ns/time") ? "yes" : "no");
	host_limits();
	return 0;
}
