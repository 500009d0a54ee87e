// SPDX-License-Identifier: GPL-2.0
/*
 * proc_test.c - /proc/user_beancounters and /proc/vz.
 *
 * /proc/user_beancounters must be OpenVZ's "Version: 2.5" format, column
 * for column, since hoster scripts parse it both by fields and by fixed
 * columns:
 *
 *   Version: 2.5
 *          uid  resource                     held              maxheld ...
 *         101:  numproc                         1                    1 ...
 *               numfile                         0                    0 ...
 *
 * i.e. "%10s  %-12s %20s %20s %20s %20s %20s" for the header and the same
 * widths for rows, the uid ("CTID:") only on a context's first row,
 * unlimited printed as 9223372036854775807.  The host sees every context
 * in ascending ctid order; a task inside a context sees only its own.
 * Every row is checked against res-get.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "vxtest.h"

#define UBC		"/proc/user_beancounters"
#define VEINFO		"/proc/vz/veinfo"
#define MAXCTX		256
#define BUFSZ		(256 * 1024)

struct ubc_block {
	uint32_t ctid;
	int nrows;
	char name[VX_RES_NR_ACCOUNTED][16];
	uint64_t v[VX_RES_NR_ACCOUNTED][5];	/* held maxheld barrier limit failcnt */
};

struct ubc {
	int nblocks;
	struct ubc_block b[MAXCTX];
	char err[256];		/* first format error, "" if none */
};

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return n < 0 ? -errno : (int)len;
}

/* A right-aligned unsigned decimal filling exactly @w columns. */
static bool number_field(const char *s, int w, uint64_t *v)
{
	int i = 0;

	while (i < w && s[i] == ' ')
		i++;
	if (i == w)
		return false;
	*v = 0;
	for (; i < w; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

#define FAIL(u, fmt, ...) do {						\
	if (!(u)->err[0])						\
		snprintf((u)->err, sizeof((u)->err), "line %d: " fmt,	\
			 lineno, ##__VA_ARGS__);			\
	return;								\
} while (0)

static void parse_ubc(char *text, struct ubc *u)
{
	char head[256];
	struct ubc_block *b = NULL;
	int lineno = 0;
	char *line, *save = NULL;

	memset(u, 0, sizeof(*u));
	snprintf(head, sizeof(head), "%10s  %-12s %20s %20s %20s %20s %20s",
		 "uid", "resource", "held", "maxheld", "barrier", "limit", "failcnt");
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);
		char uid[11], name[13];
		int i;

		lineno++;
		if (lineno == 1) {
			if (strcmp(line, "Version: 2.5"))
				FAIL(u, "want \"Version: 2.5\", got \"%s\"", line);
			continue;
		}
		if (lineno == 2) {
			if (strcmp(line, head))
				FAIL(u, "header \"%s\"", line);
			continue;
		}
		if (len != 10 + 2 + 12 + 5 * 21)
			FAIL(u, "length %zu, want %d", len, 10 + 2 + 12 + 5 * 21);
		memcpy(uid, line, 10);
		uid[10] = '\0';
		if (line[10] != ' ' || line[11] != ' ')
			FAIL(u, "no two spaces after the uid column");
		memcpy(name, line + 12, 12);
		name[12] = '\0';
		for (i = 11; i >= 0 && name[i] == ' '; i--)
			name[i] = '\0';
		if (!name[0] || strchr(name, ' '))
			FAIL(u, "resource column \"%.12s\"", line + 12);

		if (strspn(uid, " ") != 10) {		/* a new context */
			char *p = uid + strspn(uid, " ");
			char *end;
			unsigned long ctid = strtoul(p, &end, 10);

			if (end == p || strcmp(end, ":"))
				FAIL(u, "uid column \"%s\"", uid);
			if (b && b->nrows != VX_RES_NR_ACCOUNTED)
				FAIL(u, "ctid %u has %d rows", b->ctid, b->nrows);
			if (b && ctid <= b->ctid)
				FAIL(u, "ctid %lu after %u: not ascending", ctid, b->ctid);
			if (u->nblocks == MAXCTX)
				FAIL(u, "too many contexts");
			b = &u->b[u->nblocks++];
			b->ctid = ctid;
		} else if (!b) {
			FAIL(u, "row before any uid");
		}
		if (b->nrows == VX_RES_NR_ACCOUNTED)
			FAIL(u, "ctid %u: more than %d rows", b->ctid, VX_RES_NR_ACCOUNTED);
		snprintf(b->name[b->nrows], sizeof(b->name[0]), "%s", name);
		for (i = 0; i < 5; i++) {
			const char *f = line + 24 + 21 * i;

			if (f[0] != ' ' || !number_field(f + 1, 20, &b->v[b->nrows][i]))
				FAIL(u, "field %d \"%.21s\"", i + 1, f);
		}
		b->nrows++;
	}
	if (lineno < 2)
		FAIL(u, "truncated file");
	if (b && b->nrows != VX_RES_NR_ACCOUNTED)
		FAIL(u, "ctid %u has %d rows", b->ctid, b->nrows);
}

static struct ubc_block *find(struct ubc *u, uint32_t ctid)
{
	for (int i = 0; i < u->nblocks; i++)
		if (u->b[i].ctid == ctid)
			return &u->b[i];
	return NULL;
}

/* Compare a parsed block with res-get. */
static void check_block(struct vxt_meta *_metadata, struct vxnl *nl,
			struct ubc_block *b)
{
	struct vx_res_table t;

	ASSERT_EQ(0, vx_res_get(nl, b->ctid, &t, NULL));
	for (int i = 0; i < VX_RES_NR_ACCOUNTED; i++) {
		struct vx_res_row *r = &t.row[i];

		EXPECT_STREQ(r->name, b->name[i]);
		EXPECT_EQ(r->held, b->v[i][0]);
		EXPECT_EQ(r->maxheld, b->v[i][1]);
		EXPECT_EQ(r->barrier, b->v[i][2]);
		EXPECT_EQ(r->limit, b->v[i][3]);
		EXPECT_EQ(r->failcnt, b->v[i][4]);
	}
}

struct view {
	int err;
	int len;
	char text[BUFSZ];
	int veinfo_err;
	char veinfo[8192];
};

static struct view *V;

static int read_views(void *arg)
{
	(void)arg;
	V->len = read_file(UBC, V->text, sizeof(V->text));
	V->err = V->len < 0 ? V->len : 0;
	V->veinfo_err = read_file(VEINFO, V->veinfo, sizeof(V->veinfo));
	if (V->veinfo_err > 0)
		V->veinfo_err = 0;
	return 0;
}

FIXTURE(proc) {
	struct vxnl nl;
	uint32_t a, b;
	struct vxt_task t;
	int p[2];
	struct ubc u;
};

FIXTURE_SETUP(proc)
{
	VXT_OPEN(&self->nl);
	self->a = vxt_new_ctid();
	self->b = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->a, NULL));
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->b, NULL));
	ASSERT_EQ(0, vx_res_set(&self->nl, self->a, VX_RES_NUMFILE, 123, 456, NULL));
	ASSERT_EQ(0, vx_res_set(&self->nl, self->b, VX_RES_PRIVVMPAGES, 1000, 2000, NULL));
	ASSERT_EQ(0, pipe(self->p));
	/* one live task in A so that held/maxheld are not all zero */
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->a, &self->t, vxt_idle, self->p, NULL));
	V = vxt_shared(sizeof(*V));
	ASSERT_NE(NULL, V);
}

FIXTURE_TEARDOWN(proc)
{
	if (!self->nl.sk)	/* setup never got the family */
		return;
	close(self->p[0]);
	close(self->p[1]);
	vxt_reap(&self->t);
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->a, 5000));
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->b, 5000));
	vxnl_close(&self->nl);
}

TEST_F(proc, host_sees_every_context)
{
	static struct vx_ctx_info list[MAXCTX];
	struct ubc_block *ba, *bb;
	int n;

	read_views(NULL);
	ASSERT_EQ(0, V->err) TH_LOG("read %s: %s", UBC, strerror(-V->err));
	/* unlimited as OpenVZ prints it (checked before parsing splits lines) */
	EXPECT_NE(NULL, strstr(V->text, " 9223372036854775807 "));
	parse_ubc(V->text, &self->u);
	ASSERT_STREQ("", self->u.err);

	ASSERT_EQ(0, vx_ctx_dump(&self->nl, list, MAXCTX, &n, NULL));
	ASSERT_EQ(n, self->u.nblocks);
	for (int i = 0; i < n; i++)
		EXPECT_EQ(list[i].ctid, self->u.b[i].ctid);

	ba = find(&self->u, self->a);
	bb = find(&self->u, self->b);
	ASSERT_NE(NULL, ba);
	ASSERT_NE(NULL, bb);
	check_block(_metadata, &self->nl, ba);
	check_block(_metadata, &self->nl, bb);
	EXPECT_EQ(1U, ba->v[VX_RES_NUMPROC][0]);
	EXPECT_EQ(123U, ba->v[VX_RES_NUMFILE][2]);
	EXPECT_EQ(456U, ba->v[VX_RES_NUMFILE][3]);
	EXPECT_EQ(1000U, bb->v[VX_RES_PRIVVMPAGES][2]);
	EXPECT_EQ(UNLIMITED, bb->v[VX_RES_NUMPROC][3]);
}

TEST_F(proc, context_sees_only_itself)
{
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, read_views, NULL));
	ASSERT_EQ(0, V->err) TH_LOG("read %s inside: %s", UBC, strerror(-V->err));
	parse_ubc(V->text, &self->u);
	ASSERT_STREQ("", self->u.err);
	ASSERT_EQ(1, self->u.nblocks);
	EXPECT_EQ(self->a, self->u.b[0].ctid);
	/* the reader itself was a second task of A */
	EXPECT_EQ(2U, self->u.b[0].v[VX_RES_NUMPROC][0]);
	EXPECT_EQ(456U, self->u.b[0].v[VX_RES_NUMFILE][3]);
}

TEST_F(proc, user_beancounters_is_world_readable_and_read_only)
{
	struct stat st;

	ASSERT_EQ(0, stat(UBC, &st));
	EXPECT_EQ(0444U, st.st_mode & 0777);
	/* root may open it for writing (DAC override), never write to it */
	int fd = open(UBC, O_WRONLY);

	if (fd >= 0) {
		EXPECT_EQ(-1, write(fd, "x", 1));
		close(fd);
	}
}

TEST_F(proc, vz_directory_and_veinfo)
{
	static struct vx_ctx_info list[MAXCTX];
	char buf[8192], *line, *save = NULL;
	bool has_veinfo = false, seen_a = false, seen_b = false;
	DIR *d = opendir("/proc/vz");
	struct dirent *de;
	int n, lines = 0;

	ASSERT_NE(NULL, d) TH_LOG("/proc/vz: %m");
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, "veinfo"))
			has_veinfo = true;
		else if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			TH_LOG("/proc/vz also has %s", de->d_name);
	}
	closedir(d);
	ASSERT_TRUE(has_veinfo);

	ASSERT_GE(read_file(VEINFO, buf, sizeof(buf)), 0);
	ASSERT_EQ(0, vx_ctx_dump(&self->nl, list, MAXCTX, &n, NULL));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		unsigned int ctid, cls, tasks;
		char chk[64];

		ASSERT_EQ(3, sscanf(line, "%u %u %u", &ctid, &cls, &tasks)) TH_LOG("%s", line);
		snprintf(chk, sizeof(chk), "%10u %5u %5u", ctid, cls, tasks);
		EXPECT_STREQ(chk, line);
		ASSERT_LT(lines, n);
		EXPECT_EQ(list[lines].ctid, ctid);
		EXPECT_EQ(list[lines].nr_tasks, tasks);
		seen_a |= ctid == self->a && tasks == 1;
		seen_b |= ctid == self->b && tasks == 0;
	}
	EXPECT_EQ(n, lines);
	EXPECT_TRUE(seen_a);
	EXPECT_TRUE(seen_b);
}

TEST_F(proc, vz_stat)
{
	char buf[512];
	long contexts = -1, allocated = -1;
	int n;

	ASSERT_GE(read_file("/proc/vz/stat", buf, sizeof(buf)), 0);
	ASSERT_EQ(2, sscanf(buf, "contexts %ld\nallocated %ld\n", &contexts,
			    &allocated)) TH_LOG("%s", buf);
	ASSERT_EQ(0, vx_ctx_dump(&self->nl, (struct vx_ctx_info[MAXCTX]){ 0 },
				 MAXCTX, &n, NULL));
	EXPECT_EQ(n, contexts);
	EXPECT_GE(allocated, contexts);
}

TEST_F(proc, veinfo_hides_other_contexts)
{
	char ctid_b[16];

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, read_views, NULL));
	if (V->veinfo_err) {
		/* refusing it outright is fine */
		EXPECT_TRUE(V->veinfo_err == -EPERM || V->veinfo_err == -EACCES ||
			    V->veinfo_err == -ENOENT);
		return;
	}
	snprintf(ctid_b, sizeof(ctid_b), " %u ", self->b);
	EXPECT_EQ(NULL, strstr(V->veinfo, ctid_b)) TH_LOG("%s", V->veinfo);
}

TEST_HARNESS_MAIN
