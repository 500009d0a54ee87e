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
	"                      container's config is always written, as in OpenVZ\n";

struct set_req {
	struct vx_msg *req;
	int n;
};

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
		return 0;
	}
	s->n++;
	return ret ? VX_E_SYSTEM : 0;
}

int cmd_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hostname", required_argument, NULL, 'H' },
		{ "name", required_argument, NULL, 'N' },
		{ "onboot", required_argument, NULL, 'o' },
		{ "description", required_argument, NULL, 'D' },
		{ "save", no_argument, NULL, 's' },
		{ 0 }
	};
	struct vx_msg req;
	struct set_req s = { .req = &req };
	const char *ctid;
	int ret;

	vx_msg_init(&req, VXD_CMD_SET, VX_MSG_REQUEST);
	ret = vzctl_parse(argc, argv, "", opts, set_usage, set_opt, &s, &ctid);
	if (ret) {
		vx_msg_release(&req);
		return ret < 0 ? 0 : ret;
	}
	if (!s.n) {
		vx_msg_release(&req);
		return vzctl_usage_error(argv[0],
					 "nothing to set; give --hostname, --name, --onboot or --description");
	}
	return vzctl_simple(VXD_CMD_SET, ctid, &req);
}
