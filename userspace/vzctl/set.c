// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl set CTID [--hostname H] [--name N] [--onboot yes|no]
 *                [--description TEXT] [--save]
 *
 * Values are checked by vxd (one place for the rules); --onboot is checked
 * here too so a typo fails before anything is contacted. See vxd's
 * ops_set.c for the OpenVZ rules on when the config is written.
 */
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "resources.h"
#include "values.h"
#include "vzctl.h"

static const char set_usage[] =
	"Usage: vzctl set CTID [--hostname HOST] [--name NAME] [--onboot yes|no]\n"
	"                      [--description TEXT] [--save]\n"
	"\n"
	"Changes container settings.\n"
	"\n"
	"  --hostname HOST     set at once in a running container\n"
	"  --name NAME         a name usable instead of the CTID (\"\" removes it)\n"
	"  --onboot yes|no     start the container when vxd starts at boot\n"
	"  --description TEXT  free text shown by vzlist -o description\n"
	"  --save              write the settings to the CT config; a stopped\n"
	"                      container's config is always written, as in OpenVZ\n"
	"\n"
	"Resource limits (live on a running container; sizes take K, M, G, T or\n"
	"P(ages) suffixes; 'unlimited'):\n"
	"  --ram SIZE          RAM limit (PHYSPAGES=0:SIZE)\n"
	"  --swap SIZE         swap on top of the RAM (SWAPPAGES=0:SIZE)\n"
	"  --physpages B[:L]   --swappages B[:L]   the same as barrier:limit pages\n"
	"  --numproc B[:L]     processes and threads (the limit is enforced)\n"
	"  --cpus N            CPU time of at most N CPUs\n"
	"  --cpulimit N[%]      CPU cap in percent of one CPU (100 = one CPU)\n"
	"  --cpuunits N        relative CPU weight 8..500000 (default 1000)\n"
	"  --cpumask LIST      CPUs the container may run on: 0-1,3 or all\n"
	"  --iolimit BYTES     disk bandwidth per second (0: none)\n"
	"  --iopslimit N       disk operations per second (0: none)\n"
	"  --ioprio 0..7       disk I/O weight (default 4)\n"
	"  --applyconfig NAME  the resource settings of conf/ve-NAME.conf-sample\n"
	"\n"
	"  --diskspace SOFT[:HARD]  disk limit (1K blocks; K, M, G, T suffixes):\n"
	"                      the image layout's size, grown online, shrunk only\n"
	"                      when stopped; a btrfs CT's qgroup limit, live;\n"
	"                      saved at once\n"
	"  --diskinodes SOFT[:HARD]  inode limit (fixed for an existing image;\n"
	"                      not enforced on btrfs)\n"
	"  --userpasswd USER:PASSWORD  sets USER's password in the container's\n"
	"                      /etc/shadow (SHA-512 crypt; stopped or running;\n"
	"                      never saved in the config)\n"
	"\n"
	"Network (live on a running container; see docs/network.md):\n"
	"  --ipadd ADDR[/PREFIX]  add an IPv4/IPv6 address (routed; repeatable)\n"
	"  --ipdel ADDR|all       remove an address (repeatable)\n"
	"  --nameserver ADDR|inherit  DNS server for /etc/resolv.conf (repeatable)\n"
	"  --searchdomain DOMAIN  search domains for /etc/resolv.conf (repeatable)\n"
	"  --netif_add IFNAME[,MAC,HOST_IFNAME,HOST_MAC,BRIDGE]\n"
	"                         a bridged veth interface (needs a restart)\n"
	"  --netif_del IFNAME|all remove one\n"
	"Kernel beancounters (--numfile, --numtcpsock, --privvmpages ...) need the\n"
	"vx kernel patchset and are refused on other kernels (exit 5).\n";

struct set_req {
	struct vx_msg *req;
	int n;
	/* repeatable options, sent space-separated */
	char *list[4];	/* ipadd, ipdel, nameserver, searchdomain */
};

static const char *const list_keys[4] = { "ipadd", "ipdel", "nameserver",
					   "searchdomain" };

static int list_add(struct set_req *s, int i, const char *arg)
{
	char *old = s->list[i], *grown = NULL;

	if (asprintf(&grown, "%s%s%s", old ? old : "", old ? " " : "",
		     arg) < 0)
		return VX_E_SYSTEM;
	free(old);
	s->list[i] = grown;
	s->n++;
	return 0;
}

static int set_opt(int opt, const char *arg, void *data)
{
	struct set_req *s = data;
	struct vx_error *err = NULL;
	bool b;
	int ret;

	switch (opt) {
	case 'H': ret = vx_msg_put_str(s->req, "hostname", arg); break;
	case 'N': ret = vx_msg_put_str(s->req, "name", arg); break;
	case 'D': ret = vx_msg_put_str(s->req, "description", arg); break;
	case 's': return vx_msg_put_int(s->req, "save", 1) ? VX_E_SYSTEM : 0;
	case 'A': ret = vx_msg_put_str(s->req, "applyconfig", arg); break;
	case 'P': ret = vx_msg_put_str(s->req, "userpasswd", arg); break;
	case 'k': ret = vx_msg_put_str(s->req, "diskspace", arg); break;
	case 'I': ret = vx_msg_put_str(s->req, "diskinodes", arg); break;
	case 900: case 901: case 902: case 903:
		return list_add(s, opt - 900, arg);
	case 904: ret = vx_msg_put_str(s->req, "netif_add", arg); break;
	case 905: ret = vx_msg_put_str(s->req, "netif_del", arg); break;
	case 'o':
		if (vx_parse_bool(arg, &b, &err) < 0) {
			ret = vzctl_fail(VX_E_INVAL_VALUE,
					 "invalid --onboot value '%s': use yes or no",
					 arg);
			vx_error_free(err);
			return ret;
		}
		ret = vx_msg_put_str(s->req, "onboot", b ? "yes" : "no");
		break;
	default:
		/* resource options: 1000 + index in vx_res_opts; vxd checks
		 * the value (one place for the rules) */
		if (opt < 1000 || opt >= 1000 + (int)vx_res_opts_n)
			return 0;
		ret = vx_msg_put_str(s->req, vx_res_opts[opt - 1000].opt, arg);
		break;
	}
	s->n++;
	return ret ? VX_E_SYSTEM : 0;
}

int cmd_set(int argc, char **argv)
{
	static const struct option base[] = {
		{ "hostname", required_argument, NULL, 'H' },
		{ "name", required_argument, NULL, 'N' },
		{ "onboot", required_argument, NULL, 'o' },
		{ "description", required_argument, NULL, 'D' },
		{ "save", no_argument, NULL, 's' },
		{ "applyconfig", required_argument, NULL, 'A' },
		{ "userpasswd", required_argument, NULL, 'P' },
		{ "diskspace", required_argument, NULL, 'k' },
		{ "diskinodes", required_argument, NULL, 'I' },
		{ "ipadd", required_argument, NULL, 900 },
		{ "ipdel", required_argument, NULL, 901 },
		{ "nameserver", required_argument, NULL, 902 },
		{ "searchdomain", required_argument, NULL, 903 },
		{ "netif_add", required_argument, NULL, 904 },
		{ "netif_del", required_argument, NULL, 905 },
	};
	struct option opts[ARRAY_SIZE(base) + 64] = { { 0 } };
	struct vx_msg req;
	struct set_req s = { .req = &req };
	const char *ctid;
	int ret;

	memcpy(opts, base, sizeof(base));
	for (size_t i = 0; i < vx_res_opts_n && i < 63; i++)
		opts[ARRAY_SIZE(base) + i] = (struct option){
			vx_res_opts[i].opt, required_argument, NULL, 1000 + (int)i };
	vx_msg_init(&req, VXD_CMD_SET, VX_MSG_REQUEST);
	ret = vzctl_parse(argc, argv, "", opts, set_usage, set_opt, &s, &ctid);
	for (int i = 0; i < 4; i++) {
		if (!ret && s.list[i] &&
		    vx_msg_put_str(&req, list_keys[i], s.list[i]))
			ret = VX_E_SYSTEM;
		free(s.list[i]);
	}
	if (ret) {
		vx_msg_release(&req);
		return ret < 0 ? 0 : ret;
	}
	if (!s.n) {
		vx_msg_release(&req);
		return vzctl_usage_error(argv[0],
					 "nothing to set; give --hostname, --name, --onboot, --description or a resource option such as --ram");
	}
	return vzctl_simple(VXD_CMD_SET, ctid, &req);
}
