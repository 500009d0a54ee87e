// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests for resource options and their resolution into cgroup limits
 * (resources.c): option -> config value, config -> struct vx_limits. */
#include <errno.h>
#include <stdlib.h>

#include "cgroup.h"
#include "cleanup.h"
#include "resources.h"
#include "unit.h"
#include "values.h"

/* option value -> config value, or NULL (error code in *code). */
static char *opt(const char *name, const char *arg, int *code)
{
	const struct vx_res_opt *o = vx_res_find_opt(name);
	struct vx_error *err = NULL;
	char *v = NULL;

	*code = 0;
	if (!o)
		return NULL;
	if (vx_res_option(o, arg, &v, &err) < 0) {
		*code = err ? err->code : -1;
		vx_error_free(err);
		return NULL;
	}
	return v;
}

static void check_opt(const char *name, const char *arg, const char *want)
{
	int code;
	char *v = opt(name, arg, &code);

	CHECK_STR(v, want);
	free(v);
}

static void check_bad(const char *name, const char *arg, int want_code)
{
	int code;
	char *v = opt(name, arg, &code);

	CHECK(v == NULL);
	CHECK(code == want_code);
	free(v);
}

static void options(void)
{
	char two[16];

	check_opt("ram", "64M", "0:16384");
	check_opt("ram", "unlimited", "0:unlimited");
	check_opt("swap", "0", "0:0");
	check_opt("numproc", "64", "64:64");
	check_opt("numproc", "10:20", "10:20");
	check_opt("numproc", "unlimited", "unlimited:unlimited");
	check_opt("physpages", "0:1G", "0:262144");
	check_opt("cpulimit", "25%", "25");
	check_opt("cpulimit", "0", "0");
	check_opt("cpuunits", "1000", "1000");
	check_opt("cpus", "1", "1");
	check_opt("cpus", "unlimited", "0");
	check_opt("cpumask", "0", "0");
	check_opt("cpumask", "all", "all");
	check_opt("iolimit", "10M", "10485760");
	check_opt("iopslimit", "500", "500");
	check_opt("ioprio", "7", "7");
	check_bad("ram", "-5", VX_E_INVAL_VALUE);
	check_bad("ram", "0", VX_E_INVAL_VALUE);
	check_bad("numproc", "10:5", VX_E_INVAL_VALUE);
	check_bad("numproc", "0", VX_E_INVAL_VALUE);
	check_bad("numproc", "1K", VX_E_INVAL_VALUE);
	check_bad("cpus", "0", VX_E_INVAL_VALUE);
	check_bad("cpulimit", "-1", VX_E_INVAL_VALUE);
	snprintf(two, sizeof(two), "%d%%", 100 * vx_host_cpus() + 1);
	check_bad("cpulimit", two, VX_E_INVAL_VALUE);
	check_bad("cpuunits", "7", VX_E_INVAL_VALUE);
	check_bad("cpuunits", "500001", VX_E_INVAL_VALUE);
	check_bad("cpumask", "1-0", VX_E_INVAL_VALUE);
	check_bad("cpumask", "0,", VX_E_INVAL_VALUE);
	check_bad("cpumask", "99999", VX_E_INVAL_VALUE);
	check_bad("ioprio", "8", VX_E_INVAL_VALUE);
	check_bad("iolimit", "fast", VX_E_INVAL_VALUE);
	/* a bad beancounter value is a bad value; a good one needs the kernel */
	check_bad("numfile", "10:5", VX_E_INVAL_VALUE);
	check_bad("numfile", "100", VX_E_NOKERNEL);
	CHECK(vx_res_find_opt("nosuch") == NULL);
	CHECK(vx_res_is_key("CPULIMIT"));
	CHECK(!vx_res_is_key("HOSTNAME"));
}

static struct vx_conf *conf(const char *text)
{
	struct vx_conf *c = NULL;

	CHECK(vx_conf_parse(text, "test", &c, NULL) == 0);
	return c;
}

static void from_conf(void)
{
	struct vx_error *err = NULL;
	struct vx_conf *c;
	struct vx_limits l;

	/* nothing set: no limits, default weight */
	c = conf("");
	CHECK(vx_limits_from_conf(c, 101, NULL, &l, NULL) == 0);
	CHECK(l.ram == VX_UNLIMITED && l.swap == VX_UNLIMITED);
	CHECK(l.numproc == VX_UNLIMITED && l.cpuunits == 1000);
	CHECK(l.cpu_quota_us == 0 && l.ioprio == -1 && !l.cpumask[0]);
	vx_conf_free(c);

	c = conf("PHYSPAGES=\"0:256M\"\nSWAPPAGES=\"0:512M\"\n"
		 "NUMPROC=\"100:128\"\nCPUUNITS=\"500\"\nCPULIMIT=\"150%\"\n"
		 "CPUS=\"1\"\nCPUMASK=\"0\"\nIOPRIO=\"4\"\n");
	CHECK(vx_limits_from_conf(c, 101, NULL, &l, NULL) == 0);
	CHECK(l.ram == 256ull << 20 && l.swap == 512ull << 20);
	CHECK(l.numproc == 128 && l.cpuunits == 500);
	/* CPUS=1 caps CPULIMIT=150% at one CPU */
	CHECK(l.cpu_quota_us == VX_CPU_PERIOD_US);
	CHECK_STR(l.cpumask, "0");
	CHECK(l.ioprio == 4);
	vx_conf_free(c);

	c = conf("CPULIMIT=\"25\"\n");
	CHECK(vx_limits_from_conf(c, 101, NULL, &l, NULL) == 0);
	CHECK(l.cpu_quota_us == 25000);
	vx_conf_free(c);

	c = conf("NUMPROC=\"lots\"\n");
	CHECK(vx_limits_from_conf(c, 101, NULL, &l, &err) < 0);
	CHECK_MSG(err, "NUMPROC=\"lots\"");
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	vx_error_free(err);
	err = NULL;

	c = (vx_conf_free(c), conf("CPUUNITS=\"3\"\n"));
	CHECK(vx_limits_from_conf(c, 101, NULL, &l, &err) < 0);
	CHECK_MSG(err, "CPUUNITS");
	vx_error_free(err);
	err = NULL;
	vx_conf_free(c);

	/* an I/O limit needs a block device under the private area */
	c = conf("IOLIMIT=\"1M\"\n");
	CHECK(vx_limits_from_conf(c, 101, "/proc", &l, &err) < 0);
	CHECK_MSG(err, "no block device");
	vx_error_free(err);
	vx_conf_free(c);
}

/* A fake hierarchy under a temp dir: the backends write plain files, so
 * both v1 and v2 can be checked on any host (symmetry of the two). */
static char tmp[64];

static void touch(const char *dir, const char *file, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(content, f);
		fclose(f);
	}
}

static char *slurp(const char *dir, const char *file)
{
	static char buf[256];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	buf[0] = '\0';
	if (f) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	return buf;
}

static void mkdirs(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	CHECK(system(cmd) == 0);
}

static struct vx_limits sample_limits(void)
{
	struct vx_limits l = {
		.ram = 64ull << 20, .swap = 0, .numproc = 64, .cpuunits = 500,
		.cpu_quota_us = 25000, .cpumask = "0", .iolimit = 10 << 20,
		.iopslimit = 500, .ioprio = -1, .have_dev = true,
		.dev_major = 254, .dev_minor = 0,
	};
	return l;
}

static void backend_v2(void)
{
	struct vx_cgroup_dir dir;
	struct vx_cgroup cg = {
		.ops = &vx_cgroup_v2_ops, .mode = VX_CGROUP_V2, .ctid = 101,
		.rel = "vx/101", .ndirs = 1, .dirs = &dir,
	};
	static const char *const files[] = {
		"memory.max", "memory.swap.max", "pids.max", "cpu.weight",
		"cpu.max", "cpuset.cpus", "io.max", "io.weight",
	};
	char path[128], cmd[256];
	struct vx_limits l = sample_limits();
	struct vx_error *err = NULL;

	snprintf(path, sizeof(path), "%s/v2/vx/101", tmp);
	mkdirs(path);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++)
		touch(path, files[i], "");
	dir = (struct vx_cgroup_dir){ .path = path, .ctrls = "", .v2 = true };
	CHECK(vx_cgroup_set_limits(&cg, &l, &err) == 0);
	vx_error_free(err);
	CHECK_STR(slurp(path, "memory.max"), "67108864");
	CHECK_STR(slurp(path, "memory.swap.max"), "0");
	CHECK_STR(slurp(path, "pids.max"), "64");
	CHECK_STR(slurp(path, "cpu.weight"), "50");
	CHECK_STR(slurp(path, "cpu.max"), "25000 100000");
	CHECK_STR(slurp(path, "cpuset.cpus"), "0");
	CHECK_STR(slurp(path, "io.max"),
		  "254:0 rbps=10485760 wbps=10485760 riops=500 wiops=500");

	/* one OOM kill must never take the whole CT (OpenVZ semantics) */
	touch(path, "memory.oom.group", "1");
	/* --ioprio 2: BFQ's weight when the kernel has one */
	touch(path, "io.bfq.weight", "");
	l.ioprio = 2;
	CHECK(vx_cgroup_set_limits(&cg, &l, &err) == 0);
	vx_error_free(err);
	err = NULL;
	CHECK_STR(slurp(path, "memory.oom.group"), "0");
	CHECK_STR(slurp(path, "io.bfq.weight"), "350");
	CHECK_STR(slurp(path, "io.weight"), "");

	/* a limit whose controller is not delegated: exit 5, named */
	snprintf(cmd, sizeof(cmd), "%s/cpuset.cpus", path);
	CHECK(unlink(cmd) == 0);
	CHECK(vx_cgroup_set_limits(&cg, &l, &err) < 0);
	CHECK(err && err->code == VX_E_NOKERNEL);
	CHECK_MSG(err, "CPUMASK");
	CHECK_MSG(err, "cpuset controller");
	vx_error_free(err);
	err = NULL;
	/* ... but no mask asked: no error */
	l.cpumask[0] = '\0';
	CHECK(vx_cgroup_set_limits(&cg, &l, &err) == 0);
	vx_error_free(err);
}

static void backend_v1(void)
{
	static const char *const ctrls[] = { "memory", "pids", "cpu",
					     "cpuset", "blkio" };
	static const char *const files[][4] = {
		{ "memory.limit_in_bytes", "memory.memsw.limit_in_bytes" },
		{ "pids.max" },
		{ "cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us" },
		{ "cpuset.cpus" },
		{ "blkio.throttle.read_bps_device",
		  "blkio.throttle.write_bps_device",
		  "blkio.throttle.read_iops_device",
		  "blkio.throttle.write_iops_device" },
	};
	struct vx_cgroup_dir dirs[5];
	char paths[5][128], root[128];
	struct vx_cgroup cg = {
		.ops = &vx_cgroup_v1_ops, .mode = VX_CGROUP_V1, .ctid = 101,
		.rel = "vx/101", .ndirs = 5, .dirs = dirs,
	};
	struct vx_limits l = sample_limits();
	struct vx_error *err = NULL;

	for (int i = 0; i < 5; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/v1/%s/vx/101", tmp,
			 ctrls[i]);
		mkdirs(paths[i]);
		snprintf(root, sizeof(root), "%s/v1/%s", tmp, ctrls[i]);
		for (int k = 0; k < 4 && files[i][k]; k++) {
			touch(paths[i], files[i][k], "");
			touch(root, files[i][k], "");	/* has_file looks here */
		}
		dirs[i] = (struct vx_cgroup_dir){ .path = paths[i],
						  .ctrls = (char *)ctrls[i] };
	}
	touch(paths[0], "memory.memsw.limit_in_bytes", "");
	l.swap = 32ull << 20;
	CHECK(vx_cgroup_set_limits(&cg, &l, &err) == 0);
	if (err)
		printf("# %s\n", err->msg);
	vx_error_free(err);
	CHECK_STR(slurp(paths[0], "memory.limit_in_bytes"), "67108864");
	CHECK_STR(slurp(paths[0], "memory.memsw.limit_in_bytes"), "100663296");
	CHECK_STR(slurp(paths[1], "pids.max"), "64");
	CHECK_STR(slurp(paths[2], "cpu.shares"), "512");
	CHECK_STR(slurp(paths[2], "cpu.cfs_quota_us"), "25000");
	CHECK_STR(slurp(paths[3], "cpuset.cpus"), "0");
	CHECK_STR(slurp(paths[4], "blkio.throttle.read_bps_device"),
		  "254:0 10485760");
	CHECK_STR(slurp(paths[4], "blkio.throttle.write_iops_device"),
		  "254:0 500");
}

int main(void)
{
	char cmd[128];

	snprintf(tmp, sizeof(tmp), "/tmp/vx-unit-limits.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	RUN(options);
	RUN(from_conf);
	RUN(backend_v2);
	RUN(backend_v1);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		return 1;
	UNIT_EXIT();
}
