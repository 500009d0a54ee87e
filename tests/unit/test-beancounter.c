// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for beancounter.c's config side: which kernel row each key
 * becomes, in which unit, what an unset key means, and how a bad value is
 * reported. (The kernel side is tested in the guest by
 * tests/guest-cli/beancounters.bats.)
 */
#include <errno.h>

#include "beancounter.h"
#include "cleanup.h"
#include "unit.h"

static struct vx_conf *conf(const char *text)
{
	struct vx_conf *c = NULL;

	CHECK(vx_conf_parse(text, "test.conf", &c, NULL) == 0);
	return c;
}

static void keys(void)
{
	CHECK_STR(vx_bc_key(VX_RES_NUMPROC), "NUMPROC");
	CHECK_STR(vx_bc_key(VX_RES_NUMFILE), "NUMFILE");
	CHECK_STR(vx_bc_key(VX_RES_PRIVVMPAGES), "PRIVVMPAGES");
	/* reserved ids have no key: vx never sends them */
	CHECK(vx_bc_key(VX_RES_PHYSPAGES) == NULL);
	CHECK(vx_bc_key(-1) == NULL);
}

static void rows_from_conf(void)
{
	struct vx_conf *c = conf("NUMFILE=\"100:120\"\n"
				 "NUMTCPSOCK=\"50\"\n"
				 "NUMFLOCK=\"10:unlimited\"\n"
				 "PRIVVMPAGES=\"64M:80M\"\n"
				 "NUMPROC=\"unlimited\"\n"
				 "KMEMSIZE=\"1000:2000\"\n");
	struct vx_kres r[VX_RES_NR_ACCOUNTED];

	CHECK(vx_bc_from_conf(c, 101, r, NULL) == 0);
	for (int i = 0; i < VX_RES_NR_ACCOUNTED; i++)
		CHECK(r[i].id == (uint32_t)i);
	CHECK(r[VX_RES_NUMFILE].barrier == 100 && r[VX_RES_NUMFILE].limit == 120);
	/* one value sets both */
	CHECK(r[VX_RES_NUMTCPSOCK].barrier == 50 &&
	      r[VX_RES_NUMTCPSOCK].limit == 50);
	CHECK(r[VX_RES_NUMFLOCK].barrier == 10 &&
	      r[VX_RES_NUMFLOCK].limit == VX_RES_UNLIMITED);
	/* sizes become 4 KiB pages */
	CHECK(r[VX_RES_PRIVVMPAGES].barrier == 16384 &&
	      r[VX_RES_PRIVVMPAGES].limit == 20480);
	CHECK(r[VX_RES_NUMPROC].barrier == VX_RES_UNLIMITED &&
	      r[VX_RES_NUMPROC].limit == VX_RES_UNLIMITED);
	/* unset keys: unlimited, so a reused context is reset too */
	CHECK(r[VX_RES_NUMPTY].barrier == VX_RES_UNLIMITED &&
	      r[VX_RES_NUMPTY].limit == VX_RES_UNLIMITED);
	CHECK(r[VX_RES_NUMSIGINFO].limit == VX_RES_UNLIMITED);
	vx_conf_free(c);
}

static void bad_values(void)
{
	static const char *const bad[] = {
		"NUMFILE=\"10:5\"\n",		/* barrier > limit */
		"NUMTCPSOCK=\"lots\"\n",
		"NUMOTHERSOCK=\"10K\"\n",	/* counts take no suffix */
		"PRIVVMPAGES=\"-1\"\n",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct vx_conf *c = conf(bad[i]);
		struct vx_kres r[VX_RES_NR_ACCOUNTED];
		struct vx_error *err = NULL;
		char key[32];

		CHECK(vx_bc_from_conf(c, 101, r, &err) < 0);
		CHECK(err && err->code == VX_E_INVAL_VALUE);
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
	RUN(keys);
	RUN(rows_from_conf);
	RUN(bad_values);
	return unit_failed_total;
}
