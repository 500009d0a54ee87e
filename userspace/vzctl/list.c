// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzlist / vzctl list: the container table.
 *
 * vxd sends one nested "ct" record per container with every known field;
 * filtering (-a, -S, CTIDs on the command line), field selection (-o),
 * sorting (-s) and formatting (table or -j JSON) happen here. The default
 * table matches OpenVZ's vzlist byte for byte in layout:
 *       CTID      NPROC STATUS    IP_ADDR         HOSTNAME
 * so scripts that cut columns keep working. In JSON, keys are stable,
 * numbers are numbers, absent values are null and "ip" is an array.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "values.h"
#include "vzctl.h"

/* F_UBC: a beancounter-like resource; the table shows its held value,
 * JSON an object {held, maxheld, barrier, limit, failcnt} as OpenVZ. */
enum ftype { F_STR, F_NUM, F_BOOL, F_LIST, F_UBC };

struct field {
	const char *name;
	const char *header;
	int width;		/* 0: last column style, no padding */
	bool right;
	enum ftype type;
	const char *key;	/* field in vxd's record */
};

/* Column widths and alignment are OpenVZ's, so the default table lines up
 * exactly like vzlist's output that scripts cut with awk or cut -c. */
static const struct field fields[] = {
	{ "ctid", "CTID", 10, true, F_NUM, "ctid" },
	{ "veid", "VEID", 10, true, F_NUM, "ctid" },
	{ "numproc", "NPROC", 10, true, F_UBC, "numproc" },
	{ "status", "STATUS", 9, false, F_STR, "status" },
	{ "ip", "IP_ADDR", 15, false, F_LIST, "ip" },
	{ "hostname", "HOSTNAME", 20, false, F_STR, "hostname" },
	{ "name", "NAME", 10, false, F_STR, "name" },
	{ "ostemplate", "OSTEMPLATE", 12, false, F_STR, "ostemplate" },
	{ "onboot", "ONBOOT", 6, false, F_BOOL, "onboot" },
	{ "private", "PRIVATE", 20, false, F_STR, "private" },
	{ "root", "ROOT", 20, false, F_STR, "root" },
	{ "description", "DESCRIPTION", 20, false, F_STR, "description" },
	/* resources: usage from the CT's cgroups, limits from its config */
#define RES(n, h) \
	{ n, h, 10, true, F_UBC, n }, \
	{ n ".m", h ".M", 10, true, F_NUM, n ".m" }, \
	{ n ".b", h ".B", 19, true, F_NUM, n ".b" }, \
	{ n ".l", h ".L", 19, true, F_NUM, n ".l" }, \
	{ n ".f", h ".F", 10, true, F_NUM, n ".f" }
	RES("physpages", "PHYSPAGES"),
	RES("swappages", "SWAPPAGES"),
	/* kernel beancounters: usage from the kernel context (the vx
	 * patchset), limits from the config */
	RES("numfile", "NFILE"),
	RES("numtcpsock", "NTCPSOCK"),
	RES("numothersock", "NOTHSOCK"),
	RES("numflock", "NFLOCK"),
	RES("numpty", "NPTY"),
	RES("numsiginfo", "NSIGINFO"),
	RES("privvmpages", "PRIVVMP"),
#undef RES
	{ "numproc.m", "NPROC.M", 10, true, F_NUM, "numproc.m" },
	{ "numproc.b", "NPROC.B", 19, true, F_NUM, "numproc.b" },
	{ "numproc.l", "NPROC.L", 19, true, F_NUM, "numproc.l" },
	{ "numproc.f", "NPROC.F", 10, true, F_NUM, "numproc.f" },
	{ "cpulimit", "CPULIM", 7, true, F_NUM, "cpulimit" },
	{ "cpuunits", "CPUUNI", 8, true, F_NUM, "cpuunits" },
	{ "cpus", "CPUS", 5, true, F_NUM, "cpus" },
	{ "cpumask", "CPUMASK", 10, false, F_STR, "cpumask" },
	{ "iolimit", "IOLIMIT", 12, true, F_NUM, "iolimit" },
	{ "iopslimit", "IOPSLIMIT", 10, true, F_NUM, "iopslimit" },
	{ "ioprio", "IOPRIO", 6, true, F_NUM, "ioprio" },
	{ "laverage", "LAVERAGE", 14, false, F_STR, "laverage" },
	/* disk: usage (1K blocks, inodes) where the layout enforces it
	 * (image), soft/hard limits from DISKSPACE/DISKINODES */
	{ "diskspace", "DQBLOCKS", 10, true, F_NUM, "diskspace" },
	{ "diskspace.s", "DQBLOCKS.S", 19, true, F_NUM, "diskspace.s" },
	{ "diskspace.h", "DQBLOCKS.H", 19, true, F_NUM, "diskspace.h" },
	{ "diskinodes", "DQINODES", 10, true, F_NUM, "diskinodes" },
	{ "diskinodes.s", "DQINODES.S", 19, true, F_NUM, "diskinodes.s" },
	{ "diskinodes.h", "DQINODES.H", 19, true, F_NUM, "diskinodes.h" },
	{ "uptime", "UPTIME", 10, true, F_NUM, "uptime" },
	/* traffic of a running CT, seen from inside it (docs/network.md) */
	{ "netif.rx_bytes", "RX_BYTES", 14, true, F_NUM, "netif.rx_bytes" },
	{ "netif.tx_bytes", "TX_BYTES", 14, true, F_NUM, "netif.tx_bytes" },
	{ "netif.rx_packets", "RX_PKTS", 12, true, F_NUM, "netif.rx_packets" },
	{ "netif.tx_packets", "TX_PKTS", 12, true, F_NUM, "netif.tx_packets" },
};

struct row {
	const char *buf;	/* the nested record, inside the response */
	size_t len;
};

struct list_opts {
	bool all, stopped, no_header, json, ids_only, name_col;
	const char *host_pat, *name_pat;	/* -h / -N shell patterns */
	const struct field *cols[ARRAY_SIZE(fields)];
	int ncols;
	const struct field *sort;
	bool sort_desc;
};

static const char list_usage[] =
	"Usage: vzlist [-a | -S] [-H] [-o FIELD[,FIELD...]] [-s [-]FIELD] [-j] [-1]\n"
	"              [-n] [-h PATTERN] [-N PATTERN] [CTID|NAME...]\n"
	"       vzctl list [same options]\n"
	"\n"
	"Lists running containers (all with -a, stopped ones with -S, or the\n"
	"ones named on the command line).\n"
	"\n"
	"  -a, --all          all containers\n"
	"  -S, --stopped      stopped containers only\n"
	"  -H, --no-header    no header line\n"
	"  -o, --output LIST  columns: ctid veid name hostname status ostemplate\n"
	"                     private root onboot description ip numproc\n"
	"                     numproc.m .b .l .f (maxheld barrier limit failcnt)\n"
	"                     physpages[.m.b.l.f] swappages[.m.b.l.f]\n"
	"                     kernel beancounters (vx patchset) numfile numtcpsock\n"
	"                     numothersock numflock numpty numsiginfo privvmpages,\n"
	"                     each also .m .b .l .f; cpulimit\n"
	"                     cpuunits cpus cpumask iolimit iopslimit ioprio\n"
	"                     laverage uptime\n"
	"                     netif.rx_bytes netif.tx_bytes netif.rx_packets\n"
	"                     netif.tx_packets (traffic, seen from the CT)\n"
	"  -s, --sort FIELD   sort by FIELD (-FIELD: descending)\n"
	"  -j, --json         a JSON array of objects\n"
	"  -1                 CTIDs only, one per line\n"
	"  -n, --name         NAME column instead of HOSTNAME in the default table\n"
	"  -h, --hostname PAT only CTs whose hostname matches the shell pattern\n"
	"  -N, --name_filter PAT  only CTs whose name matches the shell pattern\n"
	"      --help         this help\n";

static const struct field *find_field(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

static int bad_field(const char *opt, const char *name)
{
	char valid[1024] = "";

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		strncat(valid, " ", sizeof(valid) - strlen(valid) - 1);
		strncat(valid, fields[i].name, sizeof(valid) - strlen(valid) - 1);
	}
	return vzctl_fail(VX_E_INVAL_VALUE,
			  "vzlist: unknown field '%s' for %s; valid:%s",
			  name, opt, valid);
}

static int parse_output(struct list_opts *o, const char *arg)
{
	cleanup_free char *s = strdup(arg);
	char *save = NULL;

	o->ncols = 0;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		const struct field *f = find_field(t);

		if (!f)
			return bad_field("-o", t);
		if (o->ncols < (int)ARRAY_SIZE(fields))
			o->cols[o->ncols++] = f;
	}
	if (!o->ncols)
		return vzctl_fail(VX_E_INVAL_VALUE, "vzlist: -o needs at least one field");
	return 0;
}

static const char *rstr(const struct row *r, const char *key)
{
	return vx_fields_get_str(r->buf, r->len, key);
}

static long long rnum(const struct row *r, const char *key, bool *have)
{
	int64_t v = 0;

	*have = vx_fields_get_int(r->buf, r->len, key, &v);
	return v;
}

/* qsort has no context argument; the options are set right before it. */
static const struct list_opts *sort_opts;

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	const struct field *f = sort_opts->sort;
	int c;

	if (f->type == F_NUM || f->type == F_UBC) {
		bool hx, hy;
		long long vx = rnum(x, f->key, &hx), vy = rnum(y, f->key, &hy);

		vx = hx ? vx : -1;
		vy = hy ? vy : -1;
		c = vx < vy ? -1 : vx > vy;
	} else {
		const char *sx = rstr(x, f->key), *sy = rstr(y, f->key);

		c = strcmp(sx ? sx : "", sy ? sy : "");
	}
	if (!c) {
		bool h;

		c = rnum(x, "ctid", &h) < rnum(y, "ctid", &h) ? -1 : 1;
		return c;	/* ties: ascending CTID whatever the order */
	}
	return sort_opts->sort_desc ? -c : c;
}

/* The last column is not padded (no trailing blanks), as in OpenVZ; an
 * absent value prints as "-" so columns never collapse for awk. */
static void print_cell(const struct field *f, const struct row *r, bool last)
{
	char num[32];
	const char *s = NULL;
	bool have;

	if (f->type == F_NUM || f->type == F_UBC) {
		long long v = rnum(r, f->key, &have);

		if (have) {
			snprintf(num, sizeof(num), "%lld", v);
			s = num;
		}
	} else {
		s = rstr(r, f->key);
	}
	if (!s || !*s)
		s = "-";
	if (last)
		printf("%s", s);
	else
		printf(f->right ? "%*s " : "%-*s ", f->width, s);
}

static void print_header(const struct list_opts *o)
{
	for (int i = 0; i < o->ncols; i++) {
		const struct field *f = o->cols[i];

		if (i == o->ncols - 1)
			printf("%s\n", f->header);
		else
			printf(f->right ? "%*s " : "%-*s ", f->width, f->header);
	}
}

static void print_json_value(const struct field *f, const struct row *r)
{
	const char *s;
	bool have;

	switch (f->type) {
	case F_NUM: {
		long long v = rnum(r, f->key, &have);

		if (have)
			printf("%lld", v);
		else
			printf("null");
		break;
	}
	case F_UBC: {
		static const char *const sub[][2] = {
			{ "held", "" }, { "maxheld", ".m" }, { "barrier", ".b" },
			{ "limit", ".l" }, { "failcnt", ".f" },
		};
		char key[64];

		printf("{");
		for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
			long long v;

			snprintf(key, sizeof(key), "%s%s", f->key, sub[i][1]);
			v = rnum(r, key, &have);
			printf(i ? ", \"%s\": " : "\"%s\": ", sub[i][0]);
			if (have)
				printf("%lld", v);
			else
				printf("null");
		}
		printf("}");
		break;
	}
	case F_BOOL:
		s = rstr(r, f->key);
		printf("%s", s && !strcmp(s, "yes") ? "true" : "false");
		break;
	case F_LIST:
		/* IP_ADDRESS is a space-separated list in OpenVZ configs. */
		s = rstr(r, f->key);
		printf("[");
		if (s) {
			cleanup_free char *c = strdup(s);
			char *save = NULL;
			int n = 0;

			for (char *t = strtok_r(c, " ", &save); t;
			     t = strtok_r(NULL, " ", &save)) {
				printf(n++ ? "," : "");
				vzctl_json_string(stdout, t);
			}
		}
		printf("]");
		break;
	default:
		vzctl_json_string(stdout, rstr(r, f->key));
	}
}

/* 1 if r is named on the command line (or none are named). */
static bool named(const struct row *r, char **names, int nnames)
{
	const char *name = rstr(r, "name");
	char num[24];
	bool have;

	if (!nnames)
		return true;
	snprintf(num, sizeof(num), "%lld", rnum(r, "ctid", &have));
	for (int i = 0; i < nnames; i++)
		if (!strcmp(names[i], num) || (name && !strcmp(names[i], name)))
			return true;
	return false;
}

/* Named CTs are shown whatever their state unless -S asks for stopped
 * ones only; otherwise running ones, or all with -a. */
static bool selected(const struct row *r, const struct list_opts *o,
		     int nnames)
{
	const char *st = rstr(r, "status");
	bool running = st && !strcmp(st, "running");

	const char *h = rstr(r, "hostname"), *n = rstr(r, "name");

	if (o->host_pat && (!h || fnmatch(o->host_pat, h, 0)))
		return false;
	if (o->name_pat && (!n || fnmatch(o->name_pat, n, 0)))
		return false;
	if (o->stopped)
		return !running;
	return nnames || o->all || running;
}

static int list_opt(int c, const char *arg, struct list_opts *o)
{
	switch (c) {
	case 'a': o->all = true; return 0;
	case 'S': o->stopped = true; return 0;
	case 'H': o->no_header = true; return 0;
	case 'j': o->json = true; return 0;
	case '1': o->ids_only = true; return 0;
	case 'n': o->name_col = true; return 0;
	case 'h': o->host_pat = arg; return 0;
	case 'N': o->name_pat = arg; return 0;
	case 'o': return parse_output(o, arg);
	case 's':
		o->sort_desc = arg[0] == '-';
		o->sort = find_field(arg + o->sort_desc);
		return o->sort ? 0 : bad_field("-s", arg + o->sort_desc);
	}
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "stopped", no_argument, NULL, 'S' },
		{ "no-header", no_argument, NULL, 'H' },
		{ "output", required_argument, NULL, 'o' },
		{ "sort", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "name", no_argument, NULL, 'n' },
		{ "hostname", required_argument, NULL, 'h' },
		{ "name_filter", required_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'H' + 256 },
		{ 0 }
	};
	struct list_opts o = { .json = vzctl.json };
	cleanup_free struct row *rows = NULL;
	struct vx_msg req, resp;
	struct vx_field f;
	size_t off = 0, n = 0, cap = 0, matched = 0;
	int c, ret;

	opterr = 0;
	optind = 1;
	/* OpenVZ: -h is the hostname filter; help is --help only. */
	while ((c = getopt_long(argc, argv, ":aSHo:s:j1nh:N:", opts, NULL)) != -1) {
		if (c == 'H' + 256) {
			printf("%s", list_usage);
			return 0;
		}
		if (c == '?' || c == ':') {
			return vzctl_fail(VX_E_INVAL_PARAM,
					  "%s: %s %s; see `vzlist --help`", argv[0],
					  c == ':' ? "option needs a value:" : "unknown option",
					  argv[optind - 1]);
		}
		ret = list_opt(c, optarg, &o);
		if (ret)
			return ret;
	}
	/* Without -o: OpenVZ's default table, or every field for JSON so a
	 * script gets the whole record with one call. */
	if (!o.ncols) {
		static const char *def[] = { "ctid", "numproc", "status", "ip",
					     "hostname" };
		static const char *defn[] = { "ctid", "numproc", "status", "ip",
					      "name" };
		static const char *all[] = { "ctid", "name", "hostname", "status",
					     "ostemplate", "private", "root",
					     "onboot", "description", "ip",
					     "numproc", "physpages", "swappages",
					     "numfile", "numtcpsock",
					     "numothersock", "numflock", "numpty",
					     "numsiginfo", "privvmpages",
					     "cpulimit", "cpuunits", "cpus",
					     "cpumask", "iolimit", "iopslimit",
					     "ioprio", "laverage", "uptime" };
		const char **d = o.json ? all : o.name_col ? defn : def;
		size_t nd = o.json ? ARRAY_SIZE(all) : ARRAY_SIZE(def);

		for (size_t i = 0; i < nd; i++)
			o.cols[o.ncols++] = find_field(d[i]);
	}
	vx_msg_init(&req, VXD_CMD_LIST, VX_MSG_REQUEST);
	ret = vzctl_query(&req, &resp);
	if (ret)
		return ret;
	while (vx_field_next(resp.buf, resp.len, &off, &f) > 0) {
		struct row r = { f.val, f.len };

		if (f.type != VX_F_NEST || strcmp(f.key, "ct") ||
		    !named(&r, argv + optind, argc - optind))
			continue;
		matched++;
		if (!selected(&r, &o, argc - optind))
			continue;
		/* A CT whose config cannot be read is still listed (the admin
		 * must see it), with the reason on stderr. */
		if (rstr(&r, "error"))
			fprintf(stderr, "vzlist: warning: %s\n", rstr(&r, "error"));
		if (n == cap) {
			struct row *nr = realloc(rows, (cap = cap * 2 + 16) *
						 sizeof(*rows));

			if (!nr)
				return vzctl_fail(VX_E_SYSTEM, "out of memory");
			rows = nr;
		}
		rows[n++] = r;
	}
	if (o.sort) {
		sort_opts = &o;
		qsort(rows, n, sizeof(*rows), cmp_rows);
	}
	if (o.json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			printf(i ? ",\n  {" : "\n  {");
			for (int k = 0; k < o.ncols; k++) {
				printf(k ? ", \"%s\": " : "\"%s\": ", o.cols[k]->name);
				print_json_value(o.cols[k], &rows[i]);
			}
			printf("}");
		}
		printf(n ? "\n]\n" : "]\n");
	} else if (o.ids_only) {
		bool have;

		for (size_t i = 0; i < n; i++)
			printf("%lld\n", rnum(&rows[i], "ctid", &have));
	} else {
		if (!o.no_header)
			print_header(&o);
		for (size_t i = 0; i < n; i++) {
			for (int k = 0; k < o.ncols; k++)
				print_cell(o.cols[k], &rows[i], k == o.ncols - 1);
			printf("\n");
		}
	}
	fflush(stdout);
	vx_msg_release(&resp);
	/* Naming only CTs that do not exist is an error; naming ones that
	 * the filters hide just prints nothing, as in OpenVZ. */
	if (argc - optind > 0 && matched == 0)
		return vzctl_fail(VX_E_NOT_EXIST, "vzlist: no such container: %s",
				  argv[optind]);
	return 0;
}
