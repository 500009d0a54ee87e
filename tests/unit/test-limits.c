// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests for resource options and their resolution into cgroup limits
 * (resources.c): option -> config value, config -> struct vx_limits. */
#include <errno.h>

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

int main(void)
{
	RUN(options);
	RUN(from_conf);
	UNIT_EXIT();
}
