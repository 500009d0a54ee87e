// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for procview.c: which /proc view a CT's limits become (RAM,
 * swap, CPU count and list, and which fields are sent). The kernel side is
 * tested in the guest by tests/kernel/view_test and
 * tests/guest-cli/proc-view.bats.
 */
#include <errno.h>

#include "cleanup.h"
#include "procview.h"
#include "unit.h"

static struct vx_conf *conf(const char *text)
{
	struct vx_conf *c = NULL;

	CHECK(vx_conf_parse(text, "test.conf", &c, NULL) == 0);
	return c;
}

static void ram_swap_cpus(void)
{
	struct vx_conf *c = conf("PHYSPAGES=\"0:256M\"\nSWAPPAGES=\"0:64M\"\n"
				 "CPUS=\"2\"\nCPUMASK=\"1-3\"\n");
	struct vx_kview v;

	CHECK(vx_procview_from_conf(c, 101, &v, NULL) == 0);
	CHECK(v.mem_bytes == 256ULL << 20);
	CHECK(v.swap_bytes == 64ULL << 20);
	CHECK(v.nr_cpus == 2);
	CHECK_STR(v.cpus, "1-3");
	CHECK(v.set == (VX_KVIEW_MEM | VX_KVIEW_SWAP | VX_KVIEW_CPUS |
			VX_KVIEW_NR_CPUS));
	/* start is the kernel's: the context's creation */
	CHECK(!(v.set & VX_KVIEW_START));
	vx_conf_free(c);
}

static void unset_and_unlimited(void)
{
	struct vx_conf *c = conf("PHYSPAGES=\"unlimited\"\nCPUS=\"unlimited\"\n"
				 "CPUMASK=\"all\"\n");
	struct vx_kview v;

	CHECK(vx_procview_from_conf(c, 101, &v, NULL) == 0);
	/* 0 = the host's figures; sent, so a live set can lift a view */
	CHECK(v.mem_bytes == 0 && v.swap_bytes == 0 && v.nr_cpus == 0);
	CHECK_STR(v.cpus, "");
	CHECK(v.set & VX_KVIEW_MEM && v.set & VX_KVIEW_NR_CPUS &&
	      v.set & VX_KVIEW_CPUS);
	vx_conf_free(c);

	/* a CPU list alone: NR_CPUS left to the kernel (the list's weight) */
	c = conf("CPUMASK=\"0,2\"\n");
	CHECK(vx_procview_from_conf(c, 101, &v, NULL) == 0);
	CHECK_STR(v.cpus, "0,2");
	CHECK(!(v.set & VX_KVIEW_NR_CPUS));
	vx_conf_free(c);

	/* pages as OpenVZ writes them */
	c = conf("PHYSPAGES=\"0:65536\"\n");
	CHECK(vx_procview_from_conf(c, 101, &v, NULL) == 0);
	CHECK(v.mem_bytes == 256ULL << 20);
	vx_conf_free(c);
}

static void bad_values(void)
{
	static const char *const bad[] = {
		"PHYSPAGES=\"lots\"\n",
		"SWAPPAGES=\"-1\"\n",
		"CPUS=\"two\"\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vx_conf *c = conf(bad[i]);
		struct vx_error *err = NULL;
		struct vx_kview v;
		char key[32];

		CHECK(vx_procview_from_conf(c, 101, &v, &err) == -EINVAL);
		CHECK(err != NULL);
		CHECK_MSG(err, "ct 101");
		snprintf(key, sizeof(key), "%.*s", (int)strcspn(bad[i], "="),
			 bad[i]);
		CHECK_MSG(err, key);
		vx_error_free(err);
		vx_conf_free(c);
	}
}

int main(void)
{
	RUN(ram_swap_cpus);
	RUN(unset_and_unlimited);
	RUN(bad_values);
	return unit_failed_total;
}
