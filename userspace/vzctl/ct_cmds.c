// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl create, destroy (delete), start, stop, restart, mount, umount.
 *
 * Each verb is options -> one vxd request -> report. The real work and the
 * OpenVZ progress wording are in vxd and libvx.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "resources.h"
#include "vzctl.h"

/* create --ipadd is repeatable: collected here, sent space-separated */
static char *create_ipadd;

static int add_ip(const char *arg)
{
	char *grown = NULL;

	if (asprintf(&grown, "%s%s%s", create_ipadd ? create_ipadd : "",
		     create_ipadd ? " " : "", arg) < 0)
		return 3;
	free(create_ipadd);
	create_ipadd = grown;
	return 0;
}

/* Maps each option letter to its request field (docs/protocol.md); vxd
 * validates the values, so the rules live in one place. */
static int put_opt(int opt, const char *arg, void *data)
{
	struct vx_msg *req = data;

	switch (opt) {
	case 'I': return add_ip(arg);
	case 'T': return vx_msg_put_str(req, "ostemplate", arg) ? 3 : 0;
	case 'C': return vx_msg_put_str(req, "config", arg) ? 3 : 0;
	case 'H': return vx_msg_put_str(req, "hostname", arg) ? 3 : 0;
	case 'N': return vx_msg_put_str(req, "name", arg) ? 3 : 0;
	case 'P': return vx_msg_put_str(req, "private", arg) ? 3 : 0;
	case 'R': return vx_msg_put_str(req, "root", arg) ? 3 : 0;
	case 'L': return vx_msg_put_str(req, "layout", arg) ? 3 : 0;
	case 'w': return vx_msg_put_int(req, "wait", 1) ? 3 : 0;
	case 'f': return vx_msg_put_int(req, "fast", 1) ? 3 : 0;
	case 'A': return vx_msg_put_str(req, "applyconfig", arg) ? 3 : 0;
	case 'k': return vx_msg_put_str(req, "diskspace", arg) ? 3 : 0;
	case 'j': return vx_msg_put_str(req, "diskinodes", arg) ? 3 : 0;
	}
	/* create's resource options: 1000 + index in vx_res_opts */
	if (opt >= 1000 && opt < 1000 + (int)vx_res_opts_n)
		return vx_msg_put_str(req, vx_res_opts[opt - 1000].opt, arg) ?
		       3 : 0;
	return 0;
}

/* Several CTs from one create share every option: refuse those that must
 * differ per CT, before anything is made. */
static int create_batch_check(const struct vx_msg *req)
{
	static const char *const dirs[] = { "private", "root" };

	if (vx_msg_get_str(req, "name"))
		return vzctl_fail(VX_E_INVAL_PARAM,
				  "vzctl create: --name with several CTIDs would give them all one name; create them one by one or set names later with `vzctl set CTID --name NAME --save`");
	if (create_ipadd)
		return vzctl_fail(VX_E_INVAL_PARAM,
				  "vzctl create: --ipadd with several CTIDs would give them all the same address; add addresses per CT with `vzctl set CTID --ipadd ADDR --save`");
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		const char *v = vx_msg_get_str(req, dirs[i]);

		if (v && !strstr(v, "$VEID") && !strstr(v, "${VEID}"))
			return vzctl_fail(VX_E_INVAL_PARAM,
					  "vzctl create: --%s '%s' with several CTIDs would be the same directory for all; put $VEID in it (e.g. '%s/$VEID')",
					  dirs[i], v, v);
	}
	return 0;
}

/* The shape of every simple verb: parse, one request, print the answer.
 * A return of -1 from the parser means --help was printed (exit 0).
 * A multi verb (start, stop, restart, destroy) takes several CTIDs and
 * then sends one request per CT with the same options (batch.c); with
 * one CTID it behaves exactly as a single verb. */
static int run_verb(int argc, char **argv, unsigned int cmd,
		    const char *shortopts, const struct option *longopts,
		    const char *usage, bool multi)
{
	struct vx_msg req;
	const char **ctids = NULL;
	const char *ctid;
	int ret, n = 1;

	vx_msg_init(&req, cmd, VX_MSG_REQUEST);
	if (multi) {
		ctids = calloc(argc, sizeof(*ctids));
		if (!ctids)
			return vzctl_fail(VX_E_SYSTEM, "vzctl: out of memory");
		ret = vzctl_parse_ctids(argc, argv, shortopts, longopts, usage,
					put_opt, &req, ctids, &n);
		ctid = ctids[0];
	} else {
		ret = vzctl_parse(argc, argv, shortopts, longopts, usage,
				  put_opt, &req, &ctid);
	}
	if (!ret && n > 1 && cmd == VXD_CMD_CREATE)
		ret = create_batch_check(&req);
	/* A template unpack may take seconds: ask for progress reports
	 * when there is a terminal to draw them on (client.c); a batch has
	 * one line per CT instead. */
	if (!ret && n == 1 && cmd == VXD_CMD_CREATE && vzctl_progress_wanted() &&
	    vx_msg_put_int(&req, "progress", 1))
		ret = 3;
	if (!ret && create_ipadd && vx_msg_put_str(&req, "ipadd", create_ipadd))
		ret = 3;
	free(create_ipadd);
	create_ipadd = NULL;
	if (ret) {
		vx_msg_release(&req);
		free(ctids);
		return ret < 0 ? 0 : ret;
	}
	if (n > 1) {
		ret = vzctl_batch(cmd, ctids, n, &req);
		vx_msg_release(&req);
	} else {
		ret = vzctl_simple(cmd, ctid, &req);
	}
	free(ctids);
	return ret;
}

static const struct option no_opts[] = { { 0 } };

/* The multi-CTID paragraph of create, start, stop, restart and destroy
 * (batch.c). */
#define BATCH_USAGE \
	"With several CTIDs, one request per CT runs side by side (up to 32\n" \
	"at once), each line prefixed with its CTID; exit 0 if all succeeded,\n" \
	"else the code of the first failed CTID in argument order; --json:\n" \
	"one array of {ctid, ok, exit, error}. A bad or repeated CTID stops\n" \
	"everything before it starts.\n"

int cmd_create(int argc, char **argv)
{
	static const struct option base[] = {
		{ "ostemplate", required_argument, NULL, 'T' },
		{ "config", required_argument, NULL, 'C' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "name", required_argument, NULL, 'N' },
		{ "private", required_argument, NULL, 'P' },
		{ "root", required_argument, NULL, 'R' },
		{ "layout", required_argument, NULL, 'L' },
		{ "ipadd", required_argument, NULL, 'I' },
		{ "diskspace", required_argument, NULL, 'k' },
		{ "diskinodes", required_argument, NULL, 'j' },
	};
	struct option opts[ARRAY_SIZE(base) + 64] = { { 0 } };
	static const char usage[] =
		"Usage: vzctl create CTID [--ostemplate NAME] [--config SAMPLE]\n"
		"                         [--hostname HOST] [--name NAME]\n"
		"                         [--private DIR] [--root DIR]\n"
		"                         [--layout overlay|plain|image|image-overlay|btrfs]\n"
		"                         [--ipadd ADDR[/PREFIX]]...\n"
		"                         [--diskspace SOFT[:HARD]] [--diskinodes SOFT[:HARD]]\n"
		"       vzctl create CTID... [same options but --name, --ipadd]\n"
		"\n"
		"Creates container CTID (a number 1..2147483647) from the OS template\n"
		"cache TEMPLATE/cache/NAME.tar.{zst,gz,xz} and the sample config\n"
		"conf/ve-SAMPLE.conf-sample. A killed create leaves nothing behind.\n"
		"Several CTIDs are created side by side with the same options\n"
		"(--private/--root then need $VEID); see below.\n"
		"\n"
		"  --ostemplate NAME  OS template (default: DEF_OSTEMPLATE in vz.conf)\n"
		"  --config SAMPLE    sample config (default: CONFIGFILE in vz.conf)\n"
		"  --hostname HOST    hostname set at start ($VEID: the CTID)\n"
		"  --name NAME        a name usable instead of the CTID\n"
		"  --private DIR      private area (default: VE_PRIVATE; $VEID allowed)\n"
		"  --root DIR         mount point (default: VE_ROOT; $VEID allowed)\n"
		"  --layout LAYOUT    overlay: shared template + own upper dir; plain\n"
		"                     (simfs): a full private copy; image: an ext4\n"
		"                     image sized by DISKSPACE; image-overlay: shared\n"
		"                     template + own upper dir in such an image;\n"
		"                     btrfs: a snapshot of the template with a\n"
		"                     qgroup limit, VE_PRIVATE on btrfs\n"
		"                     (default: VE_LAYOUT)\n"
		"  --ipadd ADDR       a routed IPv4/IPv6 address (repeatable;\n"
		"                     docs/network.md)\n"
		"  --diskspace SOFT[:HARD], --diskinodes SOFT[:HARD]\n"
		"                     disk limits (1K blocks, K/M/G/T; inodes) over\n"
		"                     the sample's: an image's size and inode count,\n"
		"                     a btrfs CT's qgroup limit (no inode limit)\n"
		"  --ram, --swap, --numproc, --cpus, --cpulimit, --cpuunits, --cpumask,\n"
		"  --iolimit, --iopslimit, --ioprio VALUE\n"
		"                     resource limits written to the new config\n"
		"                     (see `vzctl set --help`)\n"
		"\n"
		BATCH_USAGE;

	memcpy(opts, base, sizeof(base));
	for (size_t i = 0; i < vx_res_opts_n && i < 63; i++)
		opts[ARRAY_SIZE(base) + i] = (struct option){
			vx_res_opts[i].opt, required_argument, NULL, 1000 + (int)i };
	return run_verb(argc, argv, VXD_CMD_CREATE, "", opts, usage, true);
}

int cmd_destroy(int argc, char **argv)
{
	static const char usage[] =
		"Usage: vzctl destroy CTID...   (alias: vzctl delete CTID...)\n"
		"\n"
		"Removes a stopped container: its private area, mount point, config\n"
		"and name. A running container is refused: stop it first.\n"
		"\n"
		BATCH_USAGE;

	return run_verb(argc, argv, VXD_CMD_DESTROY, "", no_opts, usage, true);
}

int cmd_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ 0 }
	};
	static const char usage[] =
		"Usage: vzctl start CTID... [--wait]\n"
		"\n"
		"Mounts the container if needed and starts its init.\n"
		"\n"
		"  --wait   return only when the container has finished booting\n"
		"\n"
		BATCH_USAGE;

	return run_verb(argc, argv, VXD_CMD_START, "", opts, usage, true);
}

int cmd_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fast", no_argument, NULL, 'f' },
		{ 0 }
	};
	static const char usage[] =
		"Usage: vzctl stop CTID... [--fast]\n"
		"\n"
		"Asks the container's init to shut down (STOP_SIGNAL in the CT config),\n"
		"kills every process left after STOP_TIMEOUT seconds (vz.conf), then\n"
		"unmounts the container.\n"
		"\n"
		"  --fast   kill all processes at once, without a clean shutdown\n"
		"\n"
		BATCH_USAGE;

	return run_verb(argc, argv, VXD_CMD_STOP, "", opts, usage, true);
}

int cmd_restart(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "fast", no_argument, NULL, 'f' },
		{ 0 }
	};
	static const char usage[] =
		"Usage: vzctl restart CTID... [--wait] [--fast]\n"
		"\n"
		"Stops the container (if it runs) and starts it again.\n"
		"\n"
		"  --wait   return only when the container has finished booting\n"
		"  --fast   stop by killing all processes at once\n"
		"\n"
		BATCH_USAGE;

	return run_verb(argc, argv, VXD_CMD_RESTART, "", opts, usage, true);
}

int cmd_mount(int argc, char **argv)
{
	static const char usage[] =
		"Usage: vzctl mount CTID\n"
		"\n"
		"Mounts the container's private area on its root (VE_ROOT) without\n"
		"starting it, e.g. to edit its files from the host.\n";

	return run_verb(argc, argv, VXD_CMD_MOUNT, "", no_opts, usage, false);
}

int cmd_umount(int argc, char **argv)
{
	static const char usage[] =
		"Usage: vzctl umount CTID\n"
		"\n"
		"Unmounts a stopped container's root (VE_ROOT).\n";

	return run_verb(argc, argv, VXD_CMD_UMOUNT, "", no_opts, usage, false);
}

int cmd_status(int argc, char **argv)
{
	static const char usage[] =
		"Usage: vzctl status CTID\n"
		"\n"
		"Prints the container's state in OpenVZ's form:\n"
		"  CTID 101 exist mounted running\n"
		"  CTID 101 exist unmounted down\n"
		"  CTID 101 deleted unmounted down\n"
		"with \"suspended\" appended for a checkpointed container.\n";
	struct vx_msg req, resp;
	int64_t ctid = 0, exist = 0, mounted = 0, running = 0, susp = 0;
	const char *arg;
	int ret;

	vx_msg_init(&req, VXD_CMD_STATUS, VX_MSG_REQUEST);
	ret = vzctl_parse(argc, argv, "", no_opts, usage, put_opt, &req, &arg);
	if (ret) {
		vx_msg_release(&req);
		return ret < 0 ? 0 : ret;
	}
	vx_msg_put_str(&req, "ct", arg);
	ret = vzctl_query(&req, &resp);
	if (ret)
		return ret;
	vx_msg_get_int(&resp, "ctid", &ctid);
	vx_msg_get_int(&resp, "exist", &exist);
	vx_msg_get_int(&resp, "mounted", &mounted);
	vx_msg_get_int(&resp, "running", &running);
	vx_msg_get_int(&resp, "suspended", &susp);
	vx_msg_release(&resp);
	if (vzctl.json)
		printf("{\"ctid\":%lld,\"exist\":%s,\"mounted\":%s,\"running\":%s,\"suspended\":%s}\n",
		       (long long)ctid, exist ? "true" : "false",
		       mounted ? "true" : "false", running ? "true" : "false",
		       susp ? "true" : "false");
	else
		printf("CTID %lld %s %s %s%s\n", (long long)ctid,
		       exist ? "exist" : "deleted",
		       mounted ? "mounted" : "unmounted",
		       running ? "running" : "down",
		       susp ? " suspended" : "");
	return 0;
}
