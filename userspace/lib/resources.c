// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Resource limits: options -> config values -> struct vx_limits (resources.h).
 *
 * Mapping choices (docs/config.md has the user's view):
 *  - VSwap: PHYSPAGES' limit is the RAM limit, SWAPPAGES' limit the swap
 *    limit; barriers are kept in the config but mean nothing to a cgroup.
 *  - NUMPROC: the limit goes to pids.max (a hard limit, as OpenVZ's).
 *  - CPULIMIT (percent of one CPU) and CPUS (number of CPUs) both become a
 *    CFS quota over a 100 ms period; the smaller one wins. CPUS is a
 *    quota, not a cpuset, so it composes with CPUMASK (which is the cpuset)
 *    and never pins a CT to particular CPUs behind the admin's back.
 *  - CPUUNITS 1000 (OpenVZ's default) = the kernel's default weight.
 *  - IOLIMIT/IOPSLIMIT throttle reads and writes on the block device that
 *    holds the CT's private area (the whole disk for a partition).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "kctx.h"
#include "resources.h"
#include "values.h"

const struct vx_res_opt vx_res_opts[] = {
	{ "ram", "PHYSPAGES", VX_RES_RAM },
	{ "swap", "SWAPPAGES", VX_RES_RAM },
	{ "physpages", "PHYSPAGES", VX_RES_BL_PAGES },
	{ "swappages", "SWAPPAGES", VX_RES_BL_PAGES },
	{ "numproc", "NUMPROC", VX_RES_BL_COUNT },
	{ "cpus", "CPUS", VX_RES_CPUS },
	{ "cpulimit", "CPULIMIT", VX_RES_PERCENT },
	{ "cpuunits", "CPUUNITS", VX_RES_UNITS },
	{ "cpumask", "CPUMASK", VX_RES_MASK },
	{ "iolimit", "IOLIMIT", VX_RES_BYTES },
	{ "iopslimit", "IOPSLIMIT", VX_RES_COUNT },
	{ "ioprio", "IOPRIO", VX_RES_PRIO },
	/* kernel beancounters without a cgroup equivalent */
	{ "numfile", "NUMFILE", VX_RES_UBC },
	{ "numtcpsock", "NUMTCPSOCK", VX_RES_UBC },
	{ "numothersock", "NUMOTHERSOCK", VX_RES_UBC },
	{ "numflock", "NUMFLOCK", VX_RES_UBC },
	{ "numpty", "NUMPTY", VX_RES_UBC },
	{ "numsiginfo", "NUMSIGINFO", VX_RES_UBC },
	{ "privvmpages", "PRIVVMPAGES", VX_RES_UBC },
	{ "kmemsize", "KMEMSIZE", VX_RES_UBC },
	{ "lockedpages", "LOCKEDPAGES", VX_RES_UBC },
	{ "shmpages", "SHMPAGES", VX_RES_UBC },
	{ "vmguarpages", "VMGUARPAGES", VX_RES_UBC },
	{ "oomguarpages", "OOMGUARPAGES", VX_RES_UBC },
	{ "tcpsndbuf", "TCPSNDBUF", VX_RES_UBC },
	{ "tcprcvbuf", "TCPRCVBUF", VX_RES_UBC },
	{ "othersockbuf", "OTHERSOCKBUF", VX_RES_UBC },
	{ "dgramrcvbuf", "DGRAMRCVBUF", VX_RES_UBC },
	{ "numiptent", "NUMIPTENT", VX_RES_UBC },
	{ "dcachesize", "DCACHESIZE", VX_RES_UBC },
};
const size_t vx_res_opts_n = ARRAY_SIZE(vx_res_opts);

#define INVAL(err, ...) \
	(vx_error_set((err), VX_E_INVAL_VALUE, 0, __VA_ARGS__), -EINVAL)

const struct vx_res_opt *vx_res_find_opt(const char *opt)
{
	for (size_t i = 0; i < vx_res_opts_n; i++)
		if (!strcmp(vx_res_opts[i].opt, opt))
			return &vx_res_opts[i];
	return NULL;
}

bool vx_res_is_key(const char *key)
{
	for (size_t i = 0; i < vx_res_opts_n; i++)
		if (!strcmp(vx_res_opts[i].key, key))
			return true;
	return false;
}

int vx_host_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

/* Plain decimal in [min, max]; false otherwise. */
static bool parse_uint(const char *s, unsigned long long min,
		       unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !*end && !errno && *out >= min && *out <= max;
}

/* "0-1,3" with every CPU below ncpu (or "all"). */
static bool mask_ok(const char *s, int ncpu)
{
	if (!strcmp(s, "all"))
		return true;
	if (!*s)
		return false;
	while (*s) {
		unsigned long a, b;
		char *end;

		if (*s < '0' || *s > '9')
			return false;
		a = b = strtoul(s, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return false;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > b || b >= (unsigned long)ncpu)
			return false;
		if (*end == ',' && end[1])
			end++;
		else if (*end)
			return false;
		s = end;
	}
	return true;
}

int vx_res_option(const struct vx_res_opt *o, const char *arg, char **value,
		  struct vx_error **err)
{
	int ncpu = vx_host_cpus();
	unsigned long long n;
	uint64_t b, l;
	char buf[128];
	int ret;

	*value = NULL;
	switch (o->kind) {
	case VX_RES_BL_PAGES:
	case VX_RES_BL_COUNT:
	case VX_RES_UBC:
		/* numfile, numtcpsock ... count objects; privvmpages and
		 * the reserved memory ones are sizes */
		ret = vx_parse_barrier_limit(arg, o->kind == VX_RES_BL_COUNT ||
					     (o->kind == VX_RES_UBC &&
					      !strncmp(o->opt, "num", 3)) ?
					     VX_UNIT_COUNT : VX_UNIT_PAGES,
					     &b, &l, err);
		if (ret < 0) {
			vx_error_prefix(err, "--%s", o->opt);
			return ret;
		}
		if (o->kind == VX_RES_UBC && !vx_kctx_present())
			return vx_error_set(err, VX_E_NOKERNEL, 0,
					    "--%s: needs kernel beancounters (the vx kernel patchset, generic-netlink family \"" VX_GENL_NAME "\"), which the running kernel lacks; only --numproc, --ram/--physpages and --swap/--swappages work on a stock kernel",
					    o->opt);
		if (o->kind == VX_RES_UBC &&
		    vx_kres_id(o->opt) >= VX_RES_NR_ACCOUNTED)
			return vx_error_set(err, VX_E_NOKERNEL, 0,
					    "--%s: the vx kernel patchset does not account %s (a reserved beancounter); accounted are numproc numfile numtcpsock numothersock numflock numpty numsiginfo privvmpages",
					    o->opt, o->opt);
		if (o->kind == VX_RES_BL_COUNT && l == 0)
			return INVAL(err, "invalid --%s '%s': a limit of 0 would forbid every process; expected barrier[:limit] >= 1 or 'unlimited'",
				     o->opt, arg);
		snprintf(buf, sizeof(buf), "%llu:%llu", (unsigned long long)b,
			 (unsigned long long)l);
		if (b == VX_UNLIMITED)
			snprintf(buf, sizeof(buf), "unlimited:unlimited");
		else if (l == VX_UNLIMITED)
			snprintf(buf, sizeof(buf), "%llu:unlimited",
				 (unsigned long long)b);
		break;
	case VX_RES_RAM:
		ret = vx_parse_value(arg, VX_UNIT_PAGES, &l, err);
		if (ret < 0) {
			vx_error_prefix(err, "--%s", o->opt);
			return ret;
		}
		if (!strcmp(o->opt, "ram") && l == 0)
			return INVAL(err, "invalid --ram '%s': expected a size above 0 such as 256M or 1G, or 'unlimited'",
				     arg);
		if (l == VX_UNLIMITED)
			snprintf(buf, sizeof(buf), "0:unlimited");
		else
			snprintf(buf, sizeof(buf), "0:%llu",
				 (unsigned long long)l);
		break;
	case VX_RES_CPUS:
		if (!strcasecmp(arg, "unlimited")) {
			snprintf(buf, sizeof(buf), "0");
			break;
		}
		if (!parse_uint(arg, 1, (unsigned long long)ncpu, &n))
			return INVAL(err, "invalid --cpus '%s': expected a number of CPUs 1..%d (this host has %d) or 'unlimited'",
				     arg, ncpu, ncpu);
		snprintf(buf, sizeof(buf), "%llu", n);
		break;
	case VX_RES_PERCENT: {
		size_t len = strlen(arg);
		char num[32];

		snprintf(num, sizeof(num), "%.*s",
			 (int)(len && arg[len - 1] == '%' ? len - 1 : len), arg);
		if (!parse_uint(num, 0, 100ull * ncpu, &n))
			return INVAL(err, "invalid --cpulimit '%s': expected a percentage of one CPU 0..%d (%d CPUs; 100%% = one CPU, 0 = no limit)",
				     arg, 100 * ncpu, ncpu);
		snprintf(buf, sizeof(buf), "%llu", n);
		break;
	}
	case VX_RES_UNITS:
		if (!parse_uint(arg, 8, 500000, &n))
			return INVAL(err, "invalid --cpuunits '%s': expected a weight 8..500000 (OpenVZ's default is 1000)",
				     arg);
		snprintf(buf, sizeof(buf), "%llu", n);
		break;
	case VX_RES_MASK:
		if (strlen(arg) > 200 || !mask_ok(arg, ncpu))
			return INVAL(err, "invalid --cpumask '%s': expected 'all' or a list of CPUs 0..%d such as 0,1 or 0-1",
				     arg, ncpu - 1);
		snprintf(buf, sizeof(buf), "%s", arg);
		break;
	case VX_RES_BYTES:
	case VX_RES_COUNT:
		ret = vx_parse_value(arg, o->kind == VX_RES_BYTES ?
				     VX_UNIT_BYTES : VX_UNIT_COUNT, &l, err);
		if (ret < 0) {
			vx_error_prefix(err, "--%s (per second, 0 = no limit)",
					o->opt);
			return ret;
		}
		snprintf(buf, sizeof(buf), "%llu",
			 l == VX_UNLIMITED ? 0ull : (unsigned long long)l);
		break;
	case VX_RES_PRIO:
		if (!parse_uint(arg, 0, 7, &n))
			return INVAL(err, "invalid --ioprio '%s': expected a priority 0..7 (OpenVZ's default is 4)",
				     arg);
		snprintf(buf, sizeof(buf), "%llu", n);
		break;
	}
	*value = strdup(buf);
	if (!*value)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "--%s", o->opt);
	return 0;
}

/* The whole disk holding path (a partition's parent), for blkio rules. */
static bool find_disk(const char *path, unsigned int *maj, unsigned int *min)
{
	char sys[PATH_MAX], real[PATH_MAX], buf[32];
	cleanup_fclose FILE *f = NULL;
	struct stat st;
	char *slash;

	if (stat(path, &st) < 0 || major(st.st_dev) == 0)
		return false;
	*maj = major(st.st_dev);
	*min = minor(st.st_dev);
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u/partition", *maj,
		 *min);
	if (access(sys, F_OK) < 0) {
		/* not a partition: a whole disk if it is a block device */
		snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", *maj, *min);
		return access(sys, F_OK) == 0;
	}
	snprintf(sys, sizeof(sys), "/sys/dev/block/%u:%u", *maj, *min);
	if (!realpath(sys, real) || !(slash = strrchr(real, '/')))
		return false;
	strcpy(slash, "/dev");
	f = fopen(real, "re");
	return f && fgets(buf, sizeof(buf), f) &&
	       sscanf(buf, "%u:%u", maj, min) == 2;
}

static int key_bl(const struct vx_conf *conf, const char *key,
		  enum vx_unit unit, uint64_t *limit, struct vx_error **err)
{
	const char *v = vx_conf_get(conf, key);
	uint64_t b;
	int ret;

	*limit = VX_UNLIMITED;
	if (!v || !*v)
		return 0;
	ret = vx_parse_barrier_limit(v, unit, &b, limit, err);
	if (ret < 0)
		vx_error_prefix(err, "%s=\"%s\"", key, v);
	return ret;
}

/* A plain number key; unset/empty: def. */
static int key_num(const struct vx_conf *conf, const char *key,
		   unsigned long long min, unsigned long long max,
		   unsigned long long def, const char *form,
		   unsigned long long *out, struct vx_error **err)
{
	const char *v = vx_conf_get(conf, key);
	char num[32];
	size_t len;

	*out = def;
	if (!v || !*v)
		return 0;
	len = strlen(v);
	/* CPULIMIT="25%" is what a human writes */
	snprintf(num, sizeof(num), "%.*s",
		 (int)(!strcmp(key, "CPULIMIT") && v[len - 1] == '%' ?
		       len - 1 : len), v);
	if (!parse_uint(num, min, max, out))
		return INVAL(err, "%s=\"%s\": expected %s", key, v, form);
	return 0;
}

int vx_limits_from_conf(const struct vx_conf *conf, unsigned int ctid,
			const char *private, struct vx_limits *l,
			struct vx_error **err)
{
	unsigned long long units, pct, cpus, iops, prio;
	const char *mask = vx_conf_get(conf, "CPUMASK");
	const char *io = vx_conf_get(conf, "IOLIMIT");
	uint64_t pages;
	int ret;

	memset(l, 0, sizeof(*l));
	l->ioprio = -1;
	ret = key_bl(conf, "PHYSPAGES", VX_UNIT_PAGES, &pages, err);
	l->ram = pages >= VX_UNLIMITED / VX_PAGE_SIZE ? VX_UNLIMITED :
		 pages * VX_PAGE_SIZE;
	if (ret == 0)
		ret = key_bl(conf, "SWAPPAGES", VX_UNIT_PAGES, &pages, err);
	l->swap = pages >= VX_UNLIMITED / VX_PAGE_SIZE ? VX_UNLIMITED :
		  pages * VX_PAGE_SIZE;
	if (ret == 0)
		ret = key_bl(conf, "NUMPROC", VX_UNIT_COUNT, &l->numproc, err);
	if (ret == 0)
		ret = key_num(conf, "CPUUNITS", 8, 500000, 1000,
			      "a weight 8..500000", &units, err);
	/* a config may come from a bigger host: no upper bound here, the
	 * quota simply allows more than the host has */
	if (ret == 0)
		ret = key_num(conf, "CPULIMIT", 0, 100000, 0,
			      "a percentage of one CPU (0 = none)", &pct, err);
	if (ret == 0 && vx_conf_get(conf, "CPUS") &&
	    !strcasecmp(vx_conf_get(conf, "CPUS"), "unlimited"))
		cpus = 0;
	else if (ret == 0)
		ret = key_num(conf, "CPUS", 0, 4096, 0,
			      "a number of CPUs (0 = all)", &cpus, err);
	if (ret == 0 && io && *io) {
		ret = vx_parse_value(io, VX_UNIT_BYTES, &l->iolimit, err);
		if (ret < 0)
			vx_error_prefix(err, "IOLIMIT=\"%s\"", io);
		if (l->iolimit == VX_UNLIMITED)
			l->iolimit = 0;
	}
	if (ret == 0)
		ret = key_num(conf, "IOPSLIMIT", 0, VX_UNLIMITED, 0,
			      "operations per second (0 = none)", &iops, err);
	if (ret == 0)
		ret = key_num(conf, "IOPRIO", 0, 7, 1000, "a priority 0..7",
			      &prio, err);
	if (ret == 0 && mask && *mask && strcmp(mask, "all")) {
		if (strlen(mask) >= sizeof(l->cpumask) ||
		    !mask_ok(mask, 4096))
			ret = INVAL(err, "CPUMASK=\"%s\": expected 'all' or a CPU list such as 0-1,3",
				    mask);
		else
			snprintf(l->cpumask, sizeof(l->cpumask), "%s", mask);
	}
	if (ret < 0) {
		vx_error_prefix(err, "ct %u", ctid);
		return ret;
	}
	l->cpuunits = (unsigned int)units;
	l->cpu_quota_us = pct * (VX_CPU_PERIOD_US / 100);
	if (cpus && (!l->cpu_quota_us || cpus * VX_CPU_PERIOD_US < l->cpu_quota_us))
		l->cpu_quota_us = cpus * VX_CPU_PERIOD_US;
	l->iopslimit = iops == VX_UNLIMITED ? 0 : iops;
	l->ioprio = prio <= 7 ? (int)prio : -1;
	if (l->iolimit || l->iopslimit) {
		l->have_dev = private && find_disk(private, &l->dev_major,
						   &l->dev_minor);
		if (!l->have_dev)
			return vx_error_set(err, VX_E_SETUBC, 0,
					    "ct %u: IOLIMIT/IOPSLIMIT: no block device found under the private area %s (tmpfs or a network file system?); remove the limit or move the CT",
					    ctid, private ? private : "?");
	} else if (private) {
		/* to lift a live limit set earlier */
		l->have_dev = find_disk(private, &l->dev_major, &l->dev_minor);
	}
	return 0;
}

int vx_limits_kernel_check(struct vx_cgroup *cg, const struct vx_limits *l,
			   struct vx_error **err)
{
	if (l->ioprio >= 0 &&
	    !vx_cgroup_has_file(cg, "blkio", "blkio.weight") &&
	    !vx_cgroup_has_file(cg, "blkio", "blkio.bfq.weight") &&
	    cg->mode != VX_CGROUP_V2)
		return vx_error_set(err, VX_E_NOKERNEL, 0,
				    "ct %u: IOPRIO cannot be enforced on this host: the kernel offers no I/O weight (no blkio.weight or blkio.bfq.weight; the BFQ I/O scheduler is not in use)",
				    cg->ctid);
	return 0;
}

int vx_limits_apply(struct vx_cgroup *cg, const struct vx_ct *ct,
		    const struct vx_conf *conf, struct vx_error **err)
{
	struct vx_limits l;
	int ret;

	ret = vx_limits_from_conf(conf ? conf : ct->conf, ct->ctid,
				  ct->private, &l, err);
	if (ret == 0)
		ret = vx_limits_kernel_check(cg, &l, err);
	if (ret == 0)
		ret = vx_cgroup_set_limits(cg, &l, err);
	return ret;
}

static long long read_ll(const char *dir, const char *file)
{
	char path[PATH_MAX], buf[64];
	cleanup_fclose FILE *f = NULL;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	if (!f || !fgets(buf, sizeof(buf), f))
		return -1;
	if (!strncmp(buf, "max", 3))
		return (long long)VX_UNLIMITED;
	return atoll(buf);
}

/* "key N" line of a flat-keyed file (pids.events, memory.events). */
static long long read_key(const char *dir, const char *file, const char *key)
{
	char path[PATH_MAX], k[64];
	cleanup_fclose FILE *f = NULL;
	long long v;

	if (!dir)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "re");
	while (f && fscanf(f, "%63s %lld", k, &v) == 2)
		if (!strcmp(k, key))
			return v;
	return -1;
}

static void conf_bl(const struct vx_conf *conf, const char *key,
		    enum vx_unit unit, struct vx_res_usage *u)
{
	const char *v = vx_conf_get(conf, key);
	uint64_t b = VX_UNLIMITED, l = VX_UNLIMITED;

	if (v && *v && vx_parse_barrier_limit(v, unit, &b, &l, NULL) < 0)
		b = l = VX_UNLIMITED;
	u->barrier = (long long)b;
	u->limit = (long long)l;
}

static long long pages(long long bytes)
{
	return bytes < 0 ? -1 : bytes / VX_PAGE_SIZE;
}

void vx_limits_usage(struct vx_cgroup *cg, const struct vx_conf *conf,
		     struct vx_ct_usage *u)
{
	bool v2 = cg->mode == VX_CGROUP_V2;
	struct vx_cgroup_dir *d;
	const char *pd, *md, *cd;

	memset(u, 0xff, sizeof(*u));	/* every field -1 */
	d = v2 ? &cg->dirs[0] : vx_cgroup_find(cg, "pids");
	pd = d ? d->path : NULL;
	d = v2 ? &cg->dirs[0] : vx_cgroup_find(cg, "memory");
	md = d ? d->path : NULL;
	d = v2 ? &cg->dirs[0] : vx_cgroup_find(cg, "cpuacct");
	cd = d ? d->path : NULL;

	u->numproc.held = read_ll(pd, "pids.current");
	u->numproc.maxheld = read_ll(pd, "pids.peak");
	u->numproc.failcnt = read_key(pd, "pids.events", "max");
	if (v2) {
		u->physpages.held = pages(read_ll(md, "memory.current"));
		u->physpages.maxheld = pages(read_ll(md, "memory.peak"));
		u->physpages.failcnt = read_key(md, "memory.events", "max");
		if (read_key(md, "memory.events", "oom_kill") >
		    u->physpages.failcnt)
			u->physpages.failcnt = read_key(md, "memory.events",
							"oom_kill");
		u->swappages.held = pages(read_ll(md, "memory.swap.current"));
		u->swappages.maxheld = pages(read_ll(md, "memory.swap.peak"));
		u->swappages.failcnt = read_key(md, "memory.swap.events",
						"max");
		u->cpu_usage_ns = read_key(md, "cpu.stat", "usage_usec");
		if (u->cpu_usage_ns >= 0)
			u->cpu_usage_ns *= 1000;
	} else {
		long long mem = read_ll(md, "memory.usage_in_bytes");
		long long memsw = read_ll(md, "memory.memsw.usage_in_bytes");
		long long maxsw = read_ll(md, "memory.memsw.max_usage_in_bytes");

		u->physpages.held = pages(mem);
		u->physpages.maxheld = pages(read_ll(md,
						     "memory.max_usage_in_bytes"));
		u->physpages.failcnt = read_ll(md, "memory.failcnt");
		/* with RAM+swap at the RAM limit (no swap allowed) the memsw
		 * limit is the one hit: still a failure to get RAM */
		if (read_ll(md, "memory.memsw.failcnt") > u->physpages.failcnt)
			u->physpages.failcnt = read_ll(md,
						       "memory.memsw.failcnt");
		/* an OOM kill is a failure even when the kernel's failcnt
		 * stayed 0 (seen with memsw == limit on 6.x) */
		if (read_key(md, "memory.oom_control", "oom_kill") >
		    u->physpages.failcnt)
			u->physpages.failcnt = read_key(md, "memory.oom_control",
							"oom_kill");
		if (mem >= 0 && memsw >= mem)
			u->swappages.held = pages(memsw - mem);
		if (maxsw >= 0 && u->physpages.maxheld >= 0)
			u->swappages.maxheld = pages(maxsw) >
					       u->physpages.maxheld ?
					       pages(maxsw) - u->physpages.maxheld : 0;
		u->swappages.failcnt = read_ll(md, "memory.memsw.failcnt");
		u->cpu_usage_ns = read_ll(cd, "cpuacct.usage");
	}
	vx_limits_conf_usage(conf, u);
}

void vx_limits_conf_usage(const struct vx_conf *conf, struct vx_ct_usage *u)
{
	conf_bl(conf, "NUMPROC", VX_UNIT_COUNT, &u->numproc);
	conf_bl(conf, "PHYSPAGES", VX_UNIT_PAGES, &u->physpages);
	conf_bl(conf, "SWAPPAGES", VX_UNIT_PAGES, &u->swappages);
}

static bool file_has(const char *path, const char *word)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	char w[64];

	while (f && fscanf(f, "%63s", w) == 1)
		if (!strcmp(w, word))
			return true;
	return false;
}

void vx_res_features(FILE *out)
{
	bool v2 = vx_cgroup_mode() == VX_CGROUP_V2;
	const char *ctl = "/sys/fs/cgroup/cgroup.controllers";
#define HAVE(v1path, v2ctrl) \
	(v2 ? file_has(ctl, v2ctrl) : access("/sys/fs/cgroup/" v1path, F_OK) == 0)

	fprintf(out, "  resource limits: memory %s, swap limit %s, pids %s, "
		"cpu quota/weight %s, cpuset %s\n",
		HAVE("memory", "memory") ? "yes" : "no",
		(v2 ? file_has(ctl, "memory") :
		 access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes",
			F_OK) == 0) ? "yes" :
		vx_host_has_swap() ? "no (swap accounting off)" : "n/a (no swap)",
		HAVE("pids", "pids") ? "yes" : "no",
		HAVE("cpu", "cpu") ? "yes" : "no",
		HAVE("cpuset", "cpuset") ? "yes" : "no");
	fprintf(out, "  disk I/O limits: throttle %s, weight (--ioprio) %s\n",
		HAVE("blkio/blkio.throttle.read_bps_device", "io") ? "yes" : "no",
		(v2 ? file_has(ctl, "io") :
		 access("/sys/fs/cgroup/blkio/blkio.weight", F_OK) == 0 ||
		 access("/sys/fs/cgroup/blkio/blkio.bfq.weight", F_OK) == 0) ?
		"yes" : "no (no BFQ/CFQ I/O scheduler)");
	fprintf(out, "  RT group scheduling: %s\n",
		vx_cgroup_rt_group_sched() ?
		"yes (a VPS gets no RT budget: SCHED_FIFO/RR refused inside)" :
		"no (SCHED_FIFO/RR allowed with CAP_SYS_NICE, bounded by the kernel's global RT throttle)");
	if (vx_kctx_present()) {
		fprintf(out, "  kernel contexts: yes (generic-netlink family \"" VX_GENL_NAME "\", context id = CTID)\n");
		fprintf(out, "  kernel beancounters:");
		for (int i = 0; i < VX_RES_NR_ACCOUNTED; i++)
			fprintf(out, " %s", vx_kres_name(i));
		fprintf(out, " (/proc/user_beancounters)\n");
	} else {
		fprintf(out, "  kernel contexts and beancounters (--numfile, --numtcpsock ...): no, the vx kernel patchset is not running (those options are refused with exit 5)\n");
	}
#undef HAVE
}
