// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd handlers that only look: hello, status, list.
 *
 * They take no lock, like OpenVZ's status and vzlist: a CT in the middle of
 * a long stop must still be listable. What they report is therefore a
 * snapshot that may be stale by the time the client prints it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "beancounter.h"
#include "cgroup.h"
#include "cleanup.h"
#include "kctx.h"
#include "ct.h"
#include "disk.h"
#include "values.h"
#include "net.h"
#include "resources.h"
#include "run.h"
#include "state.h"
#include "storage.h"
#include "vxd.h"

int vxd_op_hello(struct vxd_req *r, struct vx_error **err)
{
	vx_msg_put_str(r->out, "version", VXD_VERSION);
	vx_msg_put_int(r->out, "protocol", VX_PROTO_VERSION);
	vx_msg_put_int(r->out, "pid", getpid());
	return 0;
}

int vxd_op_status(struct vxd_req *r, struct vx_error **err)
{
	struct vx_status st = { 0 };
	unsigned int ctid;
	int ret;

	ret = vxd_req_ctid(r, &ctid, err);
	if (ret < 0)
		return ret;
	ret = vx_ct_status(r->g, ctid, &st, err);
	if (ret < 0)
		return ret;
	vx_msg_put_int(r->out, "ctid", ctid);
	vx_msg_put_int(r->out, "exist", st.exists);
	vx_msg_put_int(r->out, "mounted", st.mounted);
	vx_msg_put_int(r->out, "running", st.running);
	vx_msg_put_int(r->out, "suspended", st.suspended);
	if (st.running)
		vx_msg_put_int(r->out, "init_pid", st.init_pid);
	return 0;
}

static long long read_ll(const char *dir, const char *file)
{
	char path[512], buf[64];
	cleanup_fclose FILE *f = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		return -1;
	return atoll(buf);
}

static long long count_lines(const char *dir, const char *file)
{
	char path[512];
	cleanup_fclose FILE *f = NULL;
	long long n = 0;
	int c;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	return n;
}

/* Tasks in the CT, as OpenVZ's numproc counts them (threads included):
 * pids.current of the CT's pids cgroup, else the length of a cgroup's
 * task list. -1 if unknown. */
static long long ct_numproc(const struct vx_global *g, unsigned int ctid,
			    const struct vx_state *st)
{
	struct vx_cgroup *cg = NULL;
	struct vx_cgroup_dir *d;
	long long n = -1;

	if (vx_cgroup_open(g, ctid, st->cgroup[0] ? st->cgroup : NULL, &cg,
			   NULL) < 0)
		return -1;
	d = vx_cgroup_find(cg, "pids");
	if (d)
		n = read_ll(d->path, "pids.current");
	if (n < 0 && cg->ndirs)
		n = count_lines(cg->dirs[0].path, "tasks");
	if (n < 0 && cg->ndirs)
		n = count_lines(cg->dirs[0].path, "cgroup.threads");
	vx_cgroup_free(cg);
	return n;
}

static void put_res(struct vx_msg *row, const char *name,
		    const struct vx_res_usage *u)
{
	static const char *const sfx[] = { "", ".m", ".b", ".l", ".f" };
	const long long v[] = { u->held, u->maxheld, u->barrier, u->limit,
				u->failcnt };
	char key[64];

	for (size_t i = 0; i < ARRAY_SIZE(sfx); i++) {
		/* "numproc" itself comes from ct_numproc() */
		if (v[i] < 0 || (i == 0 && !strcmp(name, "numproc")))
			continue;
		snprintf(key, sizeof(key), "%s%s", name, sfx[i]);
		vx_msg_put_int(row, key, v[i]);
	}
}

/* Kernel beancounters (numproc aside, which the cgroup rows carry):
 * barrier and limit from the config, unlimited when a key is unset. */
static void put_bc_limits(struct vx_msg *row, const struct vx_ct *ct)
{
	struct vx_kres rows[VX_RES_NR_ACCOUNTED];

	if (vx_bc_from_conf(ct->conf, ct->ctid, rows, NULL) < 0)
		return;
	for (int i = VX_RES_NUMPROC + 1; i < VX_RES_NR_ACCOUNTED; i++)
		put_res(row, vx_kres_name(i), &(struct vx_res_usage){
				.held = -1, .maxheld = -1, .failcnt = -1,
				.barrier = (long long)rows[i].barrier,
				.limit = (long long)rows[i].limit });
}

/* Kernel beancounters of a running CT, from its kernel context (no-op
 * without the vx patchset). numproc is counted by the kernel and by the
 * pids cgroup with the same limit; the kernel charges first at fork(), so
 * a refused fork shows in one failcnt or the other: vzlist adds them. */
static size_t put_bc_usage(struct vx_msg *row, struct vx_kctx *k,
			   unsigned int ctid, struct vx_res_usage *numproc)
{
	struct vx_kres rows[VX_RES_NR_ACCOUNTED];
	size_t n = 0;

	if (vx_bc_usage(k, ctid, rows, &n, NULL) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		struct vx_res_usage u = {
			.held = (long long)rows[i].held,
			.maxheld = (long long)rows[i].maxheld,
			.barrier = (long long)rows[i].barrier,
			.limit = (long long)rows[i].limit,
			.failcnt = (long long)rows[i].failcnt,
		};

		if (rows[i].id != VX_RES_NUMPROC) {
			put_res(row, rows[i].name, &u);
			continue;
		}
		if (numproc->failcnt < 0)
			numproc->failcnt = 0;
		numproc->failcnt += u.failcnt;
		if (u.maxheld > numproc->maxheld)
			numproc->maxheld = u.maxheld;
	}
	return n;
}

/* Configured limits (also for stopped CTs), as vzlist shows them. */
static void put_limits(struct vx_msg *row, const struct vx_ct *ct)
{
	struct vx_ct_usage u;
	struct vx_limits l;
	const char *v;

	memset(&u, 0xff, sizeof(u));
	if (vx_limits_from_conf(ct->conf, ct->ctid, NULL, &l, NULL) < 0)
		return;
	/* barrier/limit of a stopped CT; a running one gets all of it
	 * from put_usage() */
	vx_limits_conf_usage(ct->conf, &u);
	put_res(row, "numproc", &u.numproc);
	put_res(row, "physpages", &u.physpages);
	put_res(row, "swappages", &u.swappages);
	v = vx_ct_get(ct, "CPULIMIT", "0");
	vx_msg_put_int(row, "cpulimit", atoll(v));
	vx_msg_put_int(row, "cpuunits", l.cpuunits);
	v = vx_ct_get(ct, "CPUS", "0");
	if (atoll(v) > 0)
		vx_msg_put_int(row, "cpus", atoll(v));
	vx_msg_put_str(row, "cpumask", vx_ct_get(ct, "CPUMASK", NULL));
	v = vx_ct_get(ct, "IOLIMIT", NULL);
	if (v)
		vx_msg_put_int(row, "iolimit", (long long)l.iolimit);
	v = vx_ct_get(ct, "IOPSLIMIT", NULL);
	if (v)
		vx_msg_put_int(row, "iopslimit", (long long)l.iopslimit);
	if (l.ioprio >= 0)
		vx_msg_put_int(row, "ioprio", l.ioprio);
}

/* Disk limits from DISKSPACE/DISKINODES (soft, hard) and, where vx
 * knows it (the image layout, disk.c), the usage: vzlist's diskspace,
 * diskspace.s, diskspace.h, diskinodes, diskinodes.s, diskinodes.h. */
static void put_disk(struct vx_msg *row, const struct vx_ct *ct)
{
	static const struct {
		const char *key, *name;
		enum vx_unit unit;
	} lim[] = {
		{ "DISKSPACE", "diskspace", VX_UNIT_KBYTES },
		{ "DISKINODES", "diskinodes", VX_UNIT_COUNT },
	};
	struct vx_disk_usage u;
	bool have = vx_disk_usage(ct, &u) == 0;
	char key[32];

	for (size_t i = 0; i < ARRAY_SIZE(lim); i++) {
		const char *v = vx_ct_get(ct, lim[i].key, NULL);
		uint64_t b, l;

		if (!v || vx_parse_barrier_limit(v, lim[i].unit, &b, &l, NULL) < 0)
			continue;
		snprintf(key, sizeof(key), "%s.s", lim[i].name);
		vx_msg_put_int(row, key, (long long)b);
		snprintf(key, sizeof(key), "%s.h", lim[i].name);
		/* what the file system enforces (btrfs: read back from the
		 * qgroup) over what the config says */
		vx_msg_put_int(row, key, i == 0 && have && u.limit_kb >= 0 ?
				 u.limit_kb : (long long)l);
	}
	if (have) {
		if (u.used_kb >= 0)
			vx_msg_put_int(row, "diskspace", u.used_kb);
		if (u.used_inodes >= 0)
			vx_msg_put_int(row, "diskinodes", u.used_inodes);
	}
}

/* Usage of a running CT from its cgroups (pids, memory, cpuacct) and
 * its kernel context. */
static size_t put_usage(struct vxd_req *r, struct vx_kctx *k,
			struct vx_msg *row, const struct vx_ct *ct,
			const struct vx_state *s)
{
	struct vx_cgroup *cg = NULL;
	struct vx_ct_usage u;
	size_t nbc;

	if (vx_cgroup_open(r->g, ct->ctid, s->cgroup[0] ? s->cgroup : NULL,
			   &cg, NULL) < 0)
		return 0;
	vx_limits_usage(cg, ct->conf, &u);
	vx_cgroup_free(cg);
	nbc = put_bc_usage(row, k, ct->ctid, &u.numproc);
	put_res(row, "numproc", &u.numproc);
	put_res(row, "physpages", &u.physpages);
	put_res(row, "swappages", &u.swappages);
	if (u.cpu_usage_ns >= 0)
		vx_msg_put_int(row, "cpu_ns", u.cpu_usage_ns);
	return nbc;
}

/* vzlist's STATUS column: one word, running wins over everything else. */
static const char *status_word(const struct vx_status *st)
{
	if (st->running)
		return "running";
	if (st->suspended)
		return "suspended";
	if (st->mounted)
		return "mounted";
	return "stopped";
}

/* Traffic over the CT's veths, from the host-side counters (see
 * docs/network.md). Nothing for a CT without network. */
/* A running CT's addresses are the live ones (a set without --save may
 * have changed them), as OpenVZ's vzlist shows what the kernel has. */
static void put_ip(struct vx_msg *row, const struct vx_global *g,
		   const struct vx_ct *ct, bool running)
{
	struct vx_net live = { 0 };

	if (running && vx_net_live_load(g, ct->ctid, &live) == 0) {
		cleanup_free char *ips = vx_net_format_ips(live.ips, live.n_ips);

		vx_net_free(&live);
		if (ips && *ips)
			vx_msg_put_str(row, "ip", ips);
		return;
	}
	vx_net_free(&live);
	vx_msg_put_str(row, "ip", vx_ct_get(ct, "IP_ADDRESS", NULL));
}

static void put_net_stats(struct vx_msg *row, const struct vx_ct *ct)
{
	struct vx_net_stats s;
	struct vx_net n;

	if (vx_net_load(ct, &n, NULL) < 0)
		return;
	if (vx_net_stats(&n, &s, NULL) == 0) {
		vx_msg_put_int(row, "netif.rx_bytes", (int64_t)s.rx_bytes);
		vx_msg_put_int(row, "netif.tx_bytes", (int64_t)s.tx_bytes);
		vx_msg_put_int(row, "netif.rx_packets", (int64_t)s.rx_packets);
		vx_msg_put_int(row, "netif.tx_packets", (int64_t)s.tx_packets);
	}
	vx_net_free(&n);
}

static int list_one(struct vxd_req *r, struct vx_kctx *k, unsigned int ctid)
{
	struct vx_error *err = NULL;
	struct vx_status st = { 0 };
	struct vx_ct *ct = NULL;
	struct vx_msg row;
	size_t nbc = 0;
	int ret;

	vx_msg_init(&row, 0, 0);
	vx_msg_put_int(&row, "ctid", ctid);
	if (vx_ct_load(r->g, ctid, &ct, &err) < 0) {
		/* Still list it: a broken config is what the admin must see. */
		vx_msg_put_str(&row, "error", err->msg);
		vx_error_free(err);
		err = NULL;
	}
	if (vx_ct_status(r->g, ctid, &st, &err) < 0) {
		vx_error_free(err);
		err = NULL;
	}
	vx_msg_put_str(&row, "status", status_word(&st));
	if (ct) {
		vx_msg_put_str(&row, "name", vx_ct_get(ct, "NAME", NULL));
		vx_msg_put_str(&row, "hostname",
			       vx_ct_get(ct, "HOSTNAME", NULL));
		vx_msg_put_str(&row, "ostemplate",
			       vx_ct_get(ct, "OSTEMPLATE", NULL));
		vx_msg_put_str(&row, "private", ct->private);
		vx_msg_put_str(&row, "root", ct->root);
		vx_msg_put_str(&row, "onboot", vx_ct_get(ct, "ONBOOT", "no"));
		vx_msg_put_str(&row, "description",
			       vx_ct_get(ct, "DESCRIPTION", NULL));
		put_ip(&row, r->g, ct, st.running);
	}
	if (ct) {
		put_limits(&row, ct);
		put_disk(&row, ct);
	}
	if (st.running) {
		struct vx_state s = { 0 };
		long long n;

		if (vx_state_read(r->g, ctid, &s, NULL) == 0) {
			n = ct_numproc(r->g, ctid, &s);
			if (n >= 0)
				vx_msg_put_int(&row, "numproc", n);
			vx_msg_put_int(&row, "started_at", s.started_at);
			vx_msg_put_int(&row, "uptime",
				       time(NULL) - s.started_at);
			if (ct)
				nbc = put_usage(r, k, &row, ct, &s);
		}
		vx_msg_put_int(&row, "init_pid", st.init_pid);
		if (ct)
			put_net_stats(&row, ct);
	}
	/* no kernel context: the configured beancounter limits */
	if (ct && !nbc)
		put_bc_limits(&row, ct);
	ret = vx_msg_put_nest(r->out, "ct", &row);
	vx_ct_free(ct);
	vx_msg_release(&row);
	return ret;
}

/* Every field of every CT in one response: the client filters and
 * formats, so vzlist options never need a protocol change. */
int vxd_op_list(struct vxd_req *r, struct vx_error **err)
{
	cleanup_free unsigned int *ids = NULL;
	cleanup_kctx struct vx_kctx *k = NULL;
	size_t n = 0;
	int ret;

	ret = vx_ct_list(r->g, &ids, &n, err);
	if (ret < 0)
		return ret;
	/* one netlink socket for every CT's kernel rows; none (k stays
	 * NULL) without the vserver family: the rows are left out */
	if (vx_kctx_present())
		vx_kctx_open(&k, NULL);
	for (size_t i = 0; i < n; i++) {
		ret = list_one(r, k, ids[i]);
		if (ret < 0)
			return vx_error_set(err, VX_E_SYSTEM, -ret,
					    "list: encoding CT %u", ids[i]);
	}
	return 0;
}
