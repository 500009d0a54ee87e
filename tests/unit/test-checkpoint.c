// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * checkpoint: the CRIU-vs-kernel gate, where dumps go, and what makes a
 * CT "suspended" (a complete dump: its vx-dump.conf). The CRIU runs
 * themselves are tested in tests/guest-x86/checkpoint.bats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpoint.h"
#include "config.h"
#include "unit.h"

static void kernel_gate(void)
{
	CHECK(!vx_criu_fits_kernel("6.18.44-fc-v782", "3.17.1"));
	CHECK(!vx_criu_fits_kernel("6.13.0", "4.0"));
	CHECK(!vx_criu_fits_kernel("7.1.0", "3.19"));
	CHECK(vx_criu_fits_kernel("6.13.0", "4.1"));
	CHECK(vx_criu_fits_kernel("6.18.2", "4.2.1"));
	CHECK(vx_criu_fits_kernel("6.12.117+", "3.17.1"));
	CHECK(vx_criu_fits_kernel("5.10.0-28-amd64", "3.15"));
}

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f)
		fclose(f);
}

static void dump_dirs(void)
{
	char *tmp = unit_tmpdir(), buf[1024], *d;
	char priv[256], run[256], dumps[256];
	struct vx_global g = { 0 };
	struct vx_ct ct = { .ctid = 101 };
	char *dir = NULL;
	int r;

	snprintf(priv, sizeof(priv), "%s/private", tmp);
	snprintf(run, sizeof(run), "%s/run", tmp);
	snprintf(dumps, sizeof(dumps), "%s/dump", tmp);
	g.rundir = run;
	g.dumpdir = dumps;
	ct.private = priv;
	ct.conf = vx_conf_new();
	CHECK(ct.conf != NULL);
	if (!ct.conf)
		return;
	vx_conf_set(ct.conf, "VE_LAYOUT", "overlay");
	d = vx_ckpt_default_dir(&g, &ct);
	snprintf(buf, sizeof(buf), "%s/dump/Dump", priv);
	CHECK_STR(d, buf);
	free(d);
	/* plain: VE_PRIVATE is the CT's own tree, the dump goes elsewhere */
	vx_conf_set(ct.conf, "VE_LAYOUT", "simfs");
	d = vx_ckpt_default_dir(&g, &ct);
	snprintf(buf, sizeof(buf), "%s/Dump.101", dumps);
	CHECK_STR(d, buf);
	free(d);

	/* suspended = a complete dump where the CT's dump would be */
	vx_conf_set(ct.conf, "VE_LAYOUT", "overlay");
	CHECK(!vx_ckpt_suspended(&g, &ct, &dir));
	CHECK(dir == NULL);
	snprintf(buf, sizeof(buf), "mkdir -p %s/dump/Dump %s/ct %s/elsewhere",
		 priv, run, tmp);
	r = system(buf);
	CHECK(r == 0);
	CHECK(!vx_ckpt_suspended(&g, &ct, NULL));	/* no marker: partial */
	snprintf(buf, sizeof(buf), "%s/dump/Dump/%s", priv, VX_DUMP_MARKER);
	touch(buf);
	CHECK(vx_ckpt_suspended(&g, &ct, &dir));
	snprintf(buf, sizeof(buf), "%s/dump/Dump", priv);
	CHECK_STR(dir, buf);
	free(dir);
	dir = NULL;
	/* the record of a --dumpfile suspend wins when its dump is complete */
	snprintf(buf, sizeof(buf), "%s/ct/101.suspended", run);
	{
		FILE *f = fopen(buf, "w");

		if (f) {
			fprintf(f, "DUMPDIR=\"%s/elsewhere\"\n", tmp);
			fclose(f);
		}
	}
	CHECK(vx_ckpt_suspended(&g, &ct, &dir));
	snprintf(buf, sizeof(buf), "%s/dump/Dump", priv);
	CHECK_STR(dir, buf);		/* elsewhere is not complete yet */
	free(dir);
	dir = NULL;
	snprintf(buf, sizeof(buf), "%s/elsewhere/%s", tmp, VX_DUMP_MARKER);
	touch(buf);
	CHECK(vx_ckpt_suspended(&g, &ct, &dir));
	snprintf(buf, sizeof(buf), "%s/elsewhere", tmp);
	CHECK_STR(dir, buf);
	free(dir);
	vx_ckpt_record_remove(&g, ct.ctid);
	snprintf(buf, sizeof(buf), "%s/ct/101.suspended", run);
	CHECK(access(buf, F_OK) < 0);

	vx_conf_free(ct.conf);
	snprintf(buf, sizeof(buf), "rm -rf %s", tmp);
	r = system(buf);
	(void)r;
	free(tmp);
}

int main(void)
{
	RUN(kernel_gate);
	RUN(dump_dirs);
	UNIT_EXIT();
}
