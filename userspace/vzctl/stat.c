// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vzctl stat CTID: a vzubc-like view of one container's resources.
 *
 *   resource          held    maxheld    barrier      limit  failcnt
 *   numproc              3         64         64         64       12 *
 *   physpages         2314      16384          0      16384        0 !
 *
 * "*" marks a resource whose limit was hit (failcnt > 0), "!" one whose
 * held or maxheld value is at 90 % of its limit or above, "(+N new)" the
 * failures since the previous `vzctl stat` of this CT. Exit 0 even
 * then: this is a view, not a check. Kernel beancounters (numfile,
 * numtcpsock ... of the vx patchset) follow when the kernel counts them
 * or the config limits them. The numbers are vzlist's (one list
 * request); CPU settings and the CPU time used follow the table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config.h"
#include "global.h"
#include "kctx.h"
#include "values.h"
#include "vzctl.h"

static long long get(const char *buf, size_t len, const char *key)
{
	int64_t v;

	return vx_fields_get_int(buf, len, key, &v) ? v : -1;
}

static void cell(long long v)
{
	if (v < 0)
		printf(" %10s", "-");
	else if ((uint64_t)v >= VX_UNLIMITED)
		printf(" %10s", "unlimited");
	else
		printf(" %10lld", v);
}

/* Rows in OpenVZ's order of /proc/user_beancounters: cgroup-backed ones
 * first, then the kernel beancounters of the vx patchset. */
static const char *const res_rows[] = {
	"numproc", "physpages", "swappages", "numfile", "numtcpsock",
	"numothersock", "numflock", "numpty", "numsiginfo", "privvmpages",
};
#define NROWS ARRAY_SIZE(res_rows)

/* failcnt of each resource at the previous `vzctl stat` of this CT, kept
 * in RUNDIR/ct/CTID.failcnt (run-time state: gone at reboot, like the
 * counters themselves). */
struct seen {
	char *path;
	long long failcnt[NROWS];
	char out[512];
};

static long long *seen_slot(struct seen *s, const char *name)
{
	for (size_t i = 0; i < NROWS; i++)
		if (!strcmp(name, res_rows[i]))
			return &s->failcnt[i];
	return NULL;
}

static void seen_load(struct seen *s, unsigned int ctid)
{
	struct vx_global *g = NULL;
	FILE *f;

	for (size_t i = 0; i < NROWS; i++)
		s->failcnt[i] = -1;
	s->path = NULL;
	s->out[0] = '\0';
	if (vx_global_load(NULL, &g, NULL) < 0)
		return;
	if (asprintf(&s->path, "%s/ct/%u.failcnt", g->rundir, ctid) < 0)
		s->path = NULL;
	vx_global_free(g);
	f = s->path ? fopen(s->path, "re") : NULL;
	if (f) {
		char key[32];
		long long v;

		while (fscanf(f, "%31s %lld", key, &v) == 2)
			if (seen_slot(s, key))
				*seen_slot(s, key) = v;
		fclose(f);
	}
}

static void seen_save(struct seen *s)
{
	if (s->path && s->out[0])
		vx_write_file_replace(s->path, s->out, strlen(s->out), 0644,
				      false, NULL);
	free(s->path);
}

/* print_res: a kernel beancounter row was shown (for the footnote) */
static bool kernel_row_shown;

static void print_res(const char *buf, size_t len, const char *name,
		      struct seen *seen)
{
	long long prev = *seen_slot(seen, name), fresh = 0;
	size_t n = strlen(seen->out);
	static const char *const sfx[] = { "", ".m", ".b", ".l", ".f" };
	long long v[5], ref;
	char key[64];
	bool near;

	for (int i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "%s%s", name, sfx[i]);
		v[i] = get(buf, len, key);
	}
	/* a kernel beancounter neither counted (no context: stock kernel
	 * or stopped CT) nor limited says nothing */
	if (v[0] < 0 && v[1] < 0 && v[4] < 0 &&
	    (v[3] < 0 || (uint64_t)v[3] >= VX_UNLIMITED) &&
	    strcmp(name, "numproc") && strcmp(name, "physpages") &&
	    strcmp(name, "swappages"))
		return;
	if (strcmp(name, "numproc") && strcmp(name, "physpages") &&
	    strcmp(name, "swappages"))
		kernel_row_shown = true;
	/* soft resources (privvmpages, numflock) fail at the barrier */
	ref = v[2] > 0 && v[2] < v[3] ? v[2] : v[3];
	near = ref > 0 && (uint64_t)ref < VX_UNLIMITED &&
	       ((v[0] >= 0 && v[0] * 10 >= ref * 9) ||
		(v[1] >= 0 && v[1] * 10 >= ref * 9));
	/* a lower count than last time: the CT restarted, all are new */
	if (v[4] > 0)
		fresh = prev >= 0 && prev <= v[4] ? v[4] - prev : v[4];
	if (v[4] >= 0)
		snprintf(seen->out + n, sizeof(seen->out) - n, "%s %lld\n",
			 name, v[4]);
	printf("%-12s", name);
	for (int i = 0; i < 5; i++)
		cell(v[i]);
	printf("%s%s", v[4] > 0 ? " *" : "", near ? " !" : "");
	if (fresh > 0)
		printf(" (+%lld new)", fresh);
	printf("\n");
}

/* One CT's table and CPU line, from its vzlist record. */
static void print_ct(const char *buf, size_t len, unsigned int ctid)
{
	const char *st = vx_fields_get_str(buf, len, "status");
	struct seen seen;
	long long v;

	printf("CT %u (%s)\n", ctid, st ? st : "?");
	printf("%-12s %10s %10s %10s %10s %10s\n", "resource", "held",
	       "maxheld", "barrier", "limit", "failcnt");
	seen_load(&seen, ctid);
	kernel_row_shown = false;
	for (size_t i = 0; i < NROWS; i++)
		print_res(buf, len, res_rows[i], &seen);
	seen_save(&seen);
	if (kernel_row_shown && !vx_kctx_present())
		printf("(numfile ...: configured, not enforced: the running kernel lacks the vx patchset)\n");
	printf("cpulimit %lld%%  cpuunits %lld  cpus %s",
	       get(buf, len, "cpulimit"), get(buf, len, "cpuunits"),
	       get(buf, len, "cpus") > 0 ? "" : "all");
	if (get(buf, len, "cpus") > 0)
		printf("%lld", get(buf, len, "cpus"));
	v = get(buf, len, "cpu_ns");
	if (v >= 0)
		printf("  cpu time %.2f s", v / 1e9);
	v = get(buf, len, "uptime");
	if (v >= 0)
		printf("  uptime %lld s", v);
	printf("\n");
}

int cmd_stat(int argc, char **argv)
{
	static const char usage[] =
		"Usage: vzctl stat CTID\n"
		"\n"
		"Shows the container's resources as OpenVZ's vzubc does: held,\n"
		"maxheld, barrier, limit, failcnt. '*' marks a resource that hit its\n"
		"limit (failcnt > 0), '!' one at 90% of its limit (or of its barrier,\n"
		"when that is lower) or above, and\n"
		"(+N new) the failures since the previous `vzctl stat` of the container.\n"
		"`vzubc [CTID...]` shows every running container (or the ones named).\n";
	static const struct option opts[] = { { 0 } };
	struct vx_msg req, resp;
	struct vx_field f;
	unsigned int want = 0;
	const char *ctid;
	size_t off = 0;
	int64_t code = 0;
	int ret;

	ret = vzctl_parse(argc, argv, "", opts, usage, NULL, NULL, &ctid);
	if (ret)
		return ret < 0 ? 0 : ret;
	/* resolve a name through status, then read the list */
	vx_msg_init(&req, VXD_CMD_STATUS, VX_MSG_REQUEST);
	vx_msg_put_str(&req, "ct", ctid);
	ret = vzctl_query(&req, &resp);
	if (ret)
		return ret;
	vx_msg_get_int(&resp, "ctid", &code);
	want = (unsigned int)code;
	vx_msg_release(&resp);

	vx_msg_init(&req, VXD_CMD_LIST, VX_MSG_REQUEST);
	ret = vzctl_query(&req, &resp);
	if (ret)
		return ret;
	while (vx_field_next(resp.buf, resp.len, &off, &f) > 0) {
		if (f.type != VX_F_NEST || strcmp(f.key, "ct") ||
		    get(f.val, f.len, "ctid") != want)
			continue;
		print_ct(f.val, f.len, want);
		vx_msg_release(&resp);
		return 0;
	}
	vx_msg_release(&resp);
	return vzctl_fail(VX_E_NOCONFIG, "CT %s does not exist", ctid);
}

/*
 * vzubc [CTID...]: OpenVZ's vzubc, i.e. `vzctl stat` of every running CT
 * (or of the CTs named, whatever their state), one after the other, with
 * the same marks and the same memory of failures already seen.
 */
int cmd_vzubc(int argc, char **argv)
{
	struct vx_msg req, resp;
	struct vx_field f;
	size_t off = 0;
	int shown = 0, ret;

	for (int i = 1; i < argc; i++) {
		unsigned int id;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("Usage: vzubc [CTID...]\n\n"
			       "Resources of every running container (or of the ones named) as\n"
			       "`vzctl stat` shows them; see `vzctl stat --help`.\n");
			return 0;
		}
		if (vx_parse_ctid(argv[i], &id, NULL) < 0)
			return vzctl_fail(VX_E_INVAL_VALUE,
					  "vzubc: invalid CTID '%s': expected a number 1..2147483647",
					  argv[i]);
	}
	vx_msg_init(&req, VXD_CMD_LIST, VX_MSG_REQUEST);
	ret = vzctl_query(&req, &resp);
	if (ret)
		return ret;
	while (vx_field_next(resp.buf, resp.len, &off, &f) > 0) {
		long long id;
		const char *st;
		bool want = argc == 1;

		if (f.type != VX_F_NEST || strcmp(f.key, "ct"))
			continue;
		id = get(f.val, f.len, "ctid");
		st = vx_fields_get_str(f.val, f.len, "status");
		for (int i = 1; i < argc; i++)
			want |= atoll(argv[i]) == id;
		if (!want || (argc == 1 && (!st || strcmp(st, "running"))))
			continue;
		if (shown++)
			printf("\n");
		print_ct(f.val, f.len, (unsigned int)id);
	}
	vx_msg_release(&resp);
	if (argc > 1 && shown < argc - 1)
		return vzctl_fail(VX_E_NOCONFIG,
				  "vzubc: %d of the CTs named do not exist",
				  argc - 1 - shown);
	return 0;
}
