// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-distribution setup writers (setup.c, passwd.c) on a scratch tree:
 * /etc/hosts keeps every other line, /etc/shadow keeps the other users and
 * the aging fields, a short or missing shadow line is completed, the file
 * keeps its mode, bad USER:PASSWORD values and unknown users are refused
 * before anything is written, overlay-style read/write roots work.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "setup.h"
#include "unit.h"

static char root[64];

static void put(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static char *get(const char *dir, const char *rel)
{
	static char buf[4096];
	char p[256];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void fresh_tree(void)
{
	char p[128];

	snprintf(root, sizeof(root), "/tmp/vx-setup-test.XXXXXX");
	if (!mkdtemp(root))
		abort();
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	put("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
	    "bob:x:1000:1000::/home/bob:/bin/sh\n"
	    "carol:x:1001:1001::/home/carol:/bin/sh\n"
	    "dave:x:1002:1002::/home/dave:/bin/sh\n", 0644);
	put("etc/shadow", "root:*:19000:0:99999:7:::\n"
	    "bob:!:19001:1:90:14:30::\n"
	    "daemon:*:19000\n"
	    "dave:*\n", 0640);
	put("etc/hosts", "127.0.0.1\tlocalhost\n10.0.0.5\tdb\n"
	    "127.0.1.1\told.example old\n", 0644);
}

static void drop_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		abort();
}

/* The hash of user's line in text verifies pass. */
static int verifies(const char *text, const char *user, const char *pass)
{
	char line[512], hash[256];
	const char *l = strstr(text, user);
	struct crypt_data cd = { 0 };
	const char *c;

	if (!l || sscanf(l, "%511[^\n]", line) != 1)
		return 0;
	if (sscanf(line + strlen(user) + 1, "%255[^:]", hash) != 1)
		return 0;
	c = crypt_r(pass, hash, &cd);
	return c && !strcmp(c, hash);
}

static void hostname_keeps_other_lines(void)
{
	struct vx_error *err = NULL;
	char *t;

	fresh_tree();
	CHECK(vx_setup_hostname(root, root, "web.example.com", &err) == 0);
	t = get(root, "etc/hosts");
	CHECK(t && strstr(t, "10.0.0.5\tdb\n"));
	CHECK(t && strstr(t, "127.0.1.1\tweb.example.com web\n"));
	CHECK(t && !strstr(t, "old.example"));
	CHECK_STR(get(root, "etc/hostname"), "web.example.com\n");
	drop_tree();
}

static void shadow_root_line_replaced(void)
{
	struct vx_setup s = { .userpasswd = "root:pa:ss" };
	struct vx_error *err = NULL;
	char want[64];
	struct stat st;
	char p[256];
	char *t;

	fresh_tree();
	CHECK(vx_setup_check(&s, &err) == 0);
	CHECK(vx_setup_apply(root, root, &s, &err) == 0);
	t = get(root, "etc/shadow");
	CHECK(t && !strncmp(t, "root:$6$", 8));
	CHECK(t && verifies(t, "root", "pa:ss"));
	CHECK(t && !verifies(t, "root", "pa"));
	snprintf(want, sizeof(want), ":%ld:0:99999:7:::\nbob:", (long)(time(NULL) / 86400));
	CHECK(t && strstr(t, want));
	CHECK(t && strstr(t, "bob:!:19001:1:90:14:30::\ndaemon:*:19000\ndave:*\n"));
	snprintf(p, sizeof(p), "%s/etc/shadow", root);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0640);
	drop_tree();
}

static void shadow_short_and_missing_lines(void)
{
	struct vx_setup s = { .userpasswd = "carol:x1" };
	struct vx_error *err = NULL;
	char *t;

	fresh_tree();
	/* carol is in passwd only: a line is appended */
	CHECK(vx_setup_apply(root, root, &s, &err) == 0);
	t = get(root, "etc/shadow");
	CHECK(t && verifies(t, "carol", "x1"));
	CHECK(t && strstr(t, "dave:*\ncarol:$6$"));
	/* dave's line is cut short: completed with default aging */
	s.userpasswd = "dave:d4";
	CHECK(vx_setup_apply(root, root, &s, &err) == 0);
	t = get(root, "etc/shadow");
	CHECK(t && verifies(t, "dave", "d4"));
	CHECK(t && strstr(t, ":0:99999:7:::\ncarol:$6$"));
	/* daemon has a shadow line but no passwd line: refused */
	s.userpasswd = "daemon:x2";
	CHECK(vx_setup_apply(root, root, &s, &err) < 0);
	CHECK_MSG(err, "no user 'daemon'");
	vx_error_free(err);
	drop_tree();
}

static void bad_values_refused(void)
{
	static const char *const bad[] = { "root", "root:", ":pw", "ro ot:x",
					   "-root:x", "root:a\nb" };
	struct vx_error *err = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vx_setup s = { .userpasswd = bad[i] };

		CHECK(vx_setup_check(&s, &err) < 0);
		CHECK(err && err->code == VX_E_INVAL_VALUE);
		vx_error_free(err);
		err = NULL;
	}
}

static void overlay_roots(void)
{
	struct vx_setup s = { .hostname = "ov", .userpasswd = "bob:b0b" };
	struct vx_error *err = NULL;
	char upper[128];
	char *t;

	fresh_tree();
	snprintf(upper, sizeof(upper), "%s/upper", root);
	mkdir(upper, 0755);
	CHECK(vx_setup_apply(root, upper, &s, &err) == 0);
	t = get(upper, "etc/shadow");
	CHECK(t && verifies(t, "bob", "b0b"));
	CHECK(t && strstr(t, "bob:$6$") && strstr(t, ":1:90:14:30::\n"));
	CHECK(get(upper, "etc/hosts") && strstr(get(upper, "etc/hosts"), "db"));
	/* the read root is untouched */
	t = get(root, "etc/shadow");
	CHECK(t && strstr(t, "bob:!:19001"));
	drop_tree();
}

int main(void)
{
	RUN(hostname_keeps_other_lines);
	RUN(shadow_root_line_replaced);
	RUN(shadow_short_and_missing_lines);
	RUN(bad_values_refused);
	RUN(overlay_roots);
	return unit_failed_total;
}
