// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for the state tree (global.c), CTs and names (ct.c), the CT
 * lock (lock.c) and state files (state.c). Everything runs in a private
 * VX_ROOT under /tmp; nothing here needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct.h"
#include "global.h"
#include "lock.h"
#include "state.h"
#include "unit.h"

static char *root;

static struct vx_global *load(void)
{
	struct vx_global *g = NULL;
	struct vx_error *err = NULL;

	if (vx_global_load(root, &g, &err)) {
		printf("#   vx_global_load: %s\n", err->msg);
		vx_error_free(err);
		exit(2);
	}
	return g;
}

static void path_is(const char *got, const char *rel)
{
	char want[512];

	snprintf(want, sizeof(want), "%s%s", root, rel);
	CHECK_STR(got, want);
}

static void global_defaults_under_root(void)
{
	struct vx_global *g = load();

	CHECK_STR(g->root, root);
	path_is(g->confdir, "/etc/vz");
	path_is(g->ctconfdir, "/etc/vz/conf");
	path_is(g->namesdir, "/etc/vz/names");
	path_is(g->rundir, "/run/vx");
	path_is(g->sock_path, "/run/vx/vxd.sock");
	path_is(g->ve_root, "/vz/root/$VEID");
	path_is(g->ve_private, "/vz/private/$VEID");
	path_is(g->template_dir, "/vz/template");
	path_is(g->lockdir, "/vz/lock");
	path_is(g->dumpdir, "/vz/dump");
	CHECK_STR(g->def_ostemplate, "busybox");
	CHECK_STR(g->configfile, "basic");
	CHECK(g->stop_timeout == 60);
	CHECK(g->ve_parallel >= 2);
	/* Loading wrote nothing: read-only commands never change the host. */
	CHECK(access(g->confdir, F_OK) < 0);
	vx_global_free(g);
}

static void global_env_and_trailing_slash(void)
{
	struct vx_global *g = NULL;
	char slashed[512];

	setenv("VX_ROOT", root, 1);
	CHECK(vx_global_load(NULL, &g, NULL) == 0);
	CHECK(g && !strcmp(g->root, root));
	vx_global_free(g);
	unsetenv("VX_ROOT");
	g = NULL;
	CHECK(vx_global_load(NULL, &g, NULL) == 0);
	CHECK(g && !strcmp(g->root, "") && !strcmp(g->confdir, "/etc/vz") &&
	      !strcmp(g->sock_path, "/run/vx/vxd.sock"));
	vx_global_free(g);
	snprintf(slashed, sizeof(slashed), "%s//", root);
	g = NULL;
	CHECK(vx_global_load(slashed, &g, NULL) == 0);
	CHECK(g && !strcmp(g->root, root));
	vx_global_free(g);
	g = NULL;
	CHECK(vx_global_load("relative/dir", &g, NULL) < 0 && !g);
}

static void global_vz_conf(void)
{
	char path[512];
	struct vx_global *g;
	struct vx_error *err = NULL;

	snprintf(path, sizeof(path), "%s/etc/vz/vz.conf", root);
	unit_write(path,
		   "# test\nVE_ROOT=\"$VX_ROOT/r/$VEID\"\nVE_PRIVATE=/abs/p/${VEID}\n"
		   "TEMPLATE=\"$VX_ROOT/tpl\"\nSTOP_TIMEOUT=5\nVE_PARALLEL=3\n"
		   "DEF_OSTEMPLATE=\"debian\"\nCONFIGFILE=light\nUNKNOWN=1\n"
		   "VX_CGROUP_PREFIX=vxtest\n");
	g = load();
	path_is(g->ve_root, "/r/$VEID");
	CHECK_STR(g->ve_private, "/abs/p/${VEID}");
	path_is(g->template_dir, "/tpl");
	CHECK(g->stop_timeout == 5 && g->ve_parallel == 3);
	CHECK_STR(g->def_ostemplate, "debian");
	CHECK_STR(g->configfile, "light");
	CHECK_STR(g->cgroup_prefix, "vxtest");
	CHECK_STR(vx_conf_get(g->conf, "UNKNOWN"), "1");
	vx_global_free(g);

	/* The environment overrides vz.conf's cgroup prefix. */
	setenv("VX_CGROUP_PREFIX", "vx-env", 1);
	g = load();
	CHECK_STR(g->cgroup_prefix, "vx-env");
	vx_global_free(g);
	setenv("VX_CGROUP_PREFIX", "a/b", 1);
	g = NULL;
	CHECK(vx_global_load(root, &g, &err) < 0);
	CHECK_MSG(err, "'a/b'");
	vx_error_free(err);
	err = NULL;
	unsetenv("VX_CGROUP_PREFIX");

	unit_write(path, "VE_ROOT=\"\"\n");
	CHECK(vx_global_load(root, &g, &err) < 0);
	CHECK(err && err->code == VX_E_NO_VE_ROOT);
	CHECK_MSG(err, "VE_ROOT is empty");
	vx_error_free(err);
	err = NULL;

	unit_write(path, "VE_PRIVATE=/vz/private\n");
	CHECK(vx_global_load(root, &g, &err) < 0);
	CHECK(err && err->code == VX_E_NO_VE_PRIVATE);
	CHECK_MSG(err, "does not contain $VEID");
	vx_error_free(err);
	err = NULL;

	unit_write(path, "TEMPLATE=vz/template\n");
	CHECK(vx_global_load(root, &g, &err) < 0);
	CHECK(err && err->code == VX_E_NO_TEMPLATE_DIR);
	CHECK_MSG(err, "must be an absolute path");
	vx_error_free(err);
	err = NULL;

	unit_write(path, "STOP_TIMEOUT=soon\n");
	CHECK(vx_global_load(root, &g, &err) < 0);
	CHECK(err && err->code == VX_E_GLOBAL_CONFIG);
	CHECK_MSG(err, "STOP_TIMEOUT=\"soon\"");
	vx_error_free(err);
	err = NULL;

	unit_write(path, "A=1\nbroken line\n");
	CHECK(vx_global_load(root, &g, &err) < 0);
	CHECK(err && err->code == VX_E_CONFIG_PARSE);
	CHECK_MSG(err, "vz.conf:2:");
	vx_error_free(err);
	unlink(path);
}

static void mkdir_p(void)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/a//b/c/", root);
	CHECK(vx_mkdir_p(p, 0700, NULL) == 0);
	CHECK(vx_mkdir_p(p, 0700, NULL) == 0);
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
	      (st.st_mode & 0777) == 0700);
	CHECK(vx_mkdir_p("", 0700, NULL) < 0);
	CHECK(vx_mkdir_p("rel/dir", 0700, NULL) < 0);
	snprintf(p, sizeof(p), "%s/file", root);
	unit_write(p, "x");
	snprintf(p, sizeof(p), "%s/file/sub", root);
	CHECK(vx_mkdir_p(p, 0700, NULL) < 0);
}

static void expand_veid(void)
{
	char *s;

	s = vx_expand_veid("/vz/root/$VEID", 101);
	CHECK_STR(s, "/vz/root/101");
	free(s);
	s = vx_expand_veid("/a/${VEID}/b/$VEID.x/$VE_ID", 7);
	CHECK_STR(s, "/a/7/b/7.x/7");
	free(s);
	/* $VEIDX is another variable: left alone. */
	s = vx_expand_veid("/a/$VEIDX/$", 7);
	CHECK_STR(s, "/a/$VEIDX/$");
	free(s);
}

static struct vx_ct *make_ct(struct vx_global *g, unsigned int ctid)
{
	char path[512];
	struct vx_ct *ct = NULL;

	snprintf(path, sizeof(path), "%s/etc/vz/conf/%u.conf", root, ctid);
	unit_write(path, "# sample\nONBOOT=\"no\"\n");
	CHECK(vx_ct_load(g, ctid, &ct, NULL) == 0);
	return ct;
}

static void ct_load_save_list(void)
{
	struct vx_global *g = load();
	struct vx_ct *ct = make_ct(g, 102), *ct2 = NULL;
	struct vx_error *err = NULL;
	unsigned int *ids = NULL;
	size_t n = 0;
	char path[512];

	vx_ct_free(make_ct(g, 7));
	CHECK(ct && ct->ctid == 102);
	path_is(ct->root, "/vz/root/102");
	path_is(ct->private, "/vz/private/102");
	CHECK_STR(vx_ct_get(ct, "ONBOOT", "x"), "no");
	CHECK_STR(vx_ct_get(ct, "NOPE", "dflt"), "dflt");
	CHECK(vx_conf_set(ct->conf, "VE_PRIVATE", "/srv/ct/$VEID") == 0);
	CHECK(vx_ct_save(ct, &err) == 0);
	CHECK(vx_ct_load(g, 102, &ct2, &err) == 0);
	CHECK(ct2 && !strcmp(ct2->private, "/srv/ct/102"));
	vx_ct_free(ct2);

	/* Samples, temp files and junk are not CTs. */
	snprintf(path, sizeof(path), "%s/etc/vz/conf/ve-basic.conf-sample", root);
	unit_write(path, "\n");
	snprintf(path, sizeof(path), "%s/etc/vz/conf/0.conf", root);
	unit_write(path, "\n");
	snprintf(path, sizeof(path), "%s/etc/vz/conf/abc.conf", root);
	unit_write(path, "\n");
	CHECK(vx_ct_list(g, &ids, &n, &err) == 0);
	CHECK(n == 2 && ids[0] == 7 && ids[1] == 102);
	free(ids);
	CHECK(vx_ct_exists(g, 102) && vx_ct_exists(g, 7) && !vx_ct_exists(g, 8));

	/* A CT whose create has not committed (journal present) does not
	 * exist yet, for status and list alike. */
	snprintf(path, sizeof(path), "%s/vz/lock/7.creating", root);
	unit_write(path, "TMP=\"\"\n");
	CHECK(!vx_ct_exists(g, 7));
	CHECK(vx_ct_list(g, &ids, &n, &err) == 0);
	CHECK(n == 1 && ids[0] == 102);
	free(ids);
	unlink(path);

	ct2 = NULL;
	CHECK(vx_ct_load(g, 8, &ct2, &err) == -ENOENT);
	CHECK(err && err->code == VX_E_NOCONFIG);
	CHECK_MSG(err, "ct 8 does not exist");
	vx_error_free(err);
	err = NULL;

	/* A corrupt line in a CT config: code and file:line. */
	snprintf(path, sizeof(path), "%s/etc/vz/conf/9.conf", root);
	unit_write(path, "A=1\nB=\"unterminated\n");
	CHECK(vx_ct_load(g, 9, &ct2, &err) == -EINVAL);
	CHECK(err && err->code == VX_E_CONFIG_PARSE);
	CHECK_MSG(err, "9.conf:2:");
	vx_error_free(err);
	unlink(path);
	vx_ct_free(ct);
	vx_global_free(g);
}

static void resolve_and_names(void)
{
	struct vx_global *g = load();
	struct vx_ct *a = make_ct(g, 201), *b = make_ct(g, 202);
	struct vx_error *err = NULL;
	unsigned int id = 0;
	char link[512], target[128];
	ssize_t r;

	CHECK(vx_ct_resolve(g, "201", &id, NULL) == 0 && id == 201);
	CHECK(vx_ct_resolve(g, "0", &id, &err) == -ERANGE);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	vx_error_free(err);
	err = NULL;
	CHECK(vx_ct_resolve(g, "-1", &id, &err) == -EINVAL);
	CHECK_MSG(err, "'-1'");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_ct_resolve(g, "99999999999", &id, &err) == -ERANGE);
	vx_error_free(err);
	err = NULL;
	CHECK(vx_ct_resolve(g, "abc", &id, &err) == -ENOENT);
	CHECK(err && err->code == VX_E_NOT_EXIST);
	CHECK_MSG(err, "'abc'");
	CHECK_MSG(err, "1..2147483647");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_ct_resolve(g, "a b", &id, &err) == -EINVAL);
	vx_error_free(err);
	err = NULL;

	CHECK(vx_ct_set_name(g, a, "web", &err) == 0);
	CHECK_STR(vx_conf_get(a->conf, "NAME"), "web");
	CHECK(vx_ct_resolve(g, "web", &id, NULL) == 0 && id == 201);
	snprintf(link, sizeof(link), "%s/etc/vz/names/web", root);
	r = readlink(link, target, sizeof(target) - 1);
	CHECK(r > 0);
	target[r > 0 ? r : 0] = '\0';
	CHECK_STR(target, "../conf/201.conf");

	/* Unique: another CT cannot take it. */
	CHECK(vx_ct_set_name(g, b, "web", &err) == -EEXIST);
	CHECK_MSG(err, "already used by CT 201");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_conf_get(b->conf, "NAME") == NULL);
	/* Setting the same name again is fine; renaming drops the old link. */
	CHECK(vx_ct_set_name(g, a, "web", NULL) == 0);
	CHECK(vx_ct_set_name(g, a, "web2", NULL) == 0);
	CHECK(access(link, F_OK) < 0 && errno == ENOENT);
	CHECK(vx_ct_resolve(g, "web", &id, NULL) == -ENOENT);
	CHECK(vx_ct_set_name(g, b, "web", NULL) == 0);
	CHECK(vx_ct_resolve(g, "web", &id, NULL) == 0 && id == 202);
	/* Bad names are refused before anything changes. */
	CHECK(vx_ct_set_name(g, b, "12", &err) == -EINVAL);
	CHECK_MSG(err, "must start with a letter");
	vx_error_free(err);
	err = NULL;
	CHECK_STR(vx_conf_get(b->conf, "NAME"), "web");
	/* A link the config does not confirm (crash between link and
	 * config write) is no name. */
	snprintf(link, sizeof(link), "%s/etc/vz/names/orphan", root);
	CHECK(symlink("../conf/202.conf", link) == 0);
	CHECK(vx_ct_resolve(g, "orphan", &id, NULL) == -ENOENT);
	CHECK(vx_ct_set_name(g, a, "orphan", NULL) == 0);
	CHECK(vx_ct_resolve(g, "orphan", &id, NULL) == 0 && id == 201);
	/* Names start with a letter; "1web" is a bad CTID. */
	CHECK(vx_ct_set_name(g, b, "1web", NULL) == -EINVAL);
	CHECK(vx_ct_resolve(g, "1web", &id, &err) == -EINVAL);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	CHECK_MSG(err, "invalid CTID '1web'");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_ct_set_name(g, b, "web", NULL) == 0);
	/* Clearing. */
	CHECK(vx_ct_set_name(g, b, NULL, NULL) == 0);
	CHECK(vx_conf_get(b->conf, "NAME") == NULL);
	CHECK(vx_ct_resolve(g, "web", &id, NULL) == -ENOENT);
	/* A name whose CT config vanished is no name. */
	CHECK(vx_ct_set_name(g, b, "gone", NULL) == 0);
	unlink(b->conf_path);
	CHECK(vx_ct_resolve(g, "gone", &id, NULL) == -ENOENT);
	/* ... and can be taken by another CT. */
	CHECK(vx_ct_set_name(g, a, "gone", NULL) == 0);
	CHECK(vx_ct_resolve(g, "gone", &id, NULL) == 0 && id == 201);
	vx_ct_free(a);
	vx_ct_free(b);
	vx_global_free(g);
}

static void lock_reports_holder(void)
{
	struct vx_global *g = load();
	struct vx_error *err = NULL;
	char want[64];
	int fd, fd2;

	fd = vx_lock_ct_op(g, 301, "start", false, &err);
	CHECK(fd >= 0);
	/* A second open file description conflicts even in one process,
	 * which is exactly what two vxd threads would see. */
	fd2 = vx_lock_ct(g, 301, false, &err);
	CHECK(fd2 == -EBUSY);
	CHECK(err && err->code == VX_E_LOCKED);
	snprintf(want, sizeof(want), "ct 301 is locked by pid %d (start)",
		 (int)getpid());
	CHECK_MSG(err, want);
	vx_error_free(err);
	err = NULL;
	/* Other CTs are independent. */
	fd2 = vx_lock_ct(g, 302, false, NULL);
	CHECK(fd2 >= 0);
	vx_unlock_ct(fd2);
	vx_unlock_ct(fd);
	fd = vx_lock_ct(g, 301, false, &err);
	CHECK(fd >= 0);
	vx_unlock_ct(fd);
	vx_global_free(g);
}

static void state_roundtrip_and_liveness(void)
{
	struct vx_global *g = load();
	struct vx_state st = { 0 }, rd;
	struct vx_error *err = NULL;
	unsigned long long me = vx_proc_starttime(getpid());
	int fd;

	CHECK(me > 0);
	CHECK(vx_proc_starttime(0) == 0);
	CHECK(vx_state_read(g, 401, &rd, &err) == -ENOENT);
	CHECK(err && err->code == VX_E_NOT_RUNNING);
	vx_error_free(err);
	err = NULL;
	CHECK(!vx_ct_is_running(g, 401));

	st.init_pid = getpid();
	st.init_start = me;
	st.monitor_pid = getppid();
	st.monitor_start = vx_proc_starttime(getppid());
	st.started_at = 1700000000;
	snprintf(st.cgroup, sizeof(st.cgroup), "vx/401");
	CHECK(vx_state_write(g, 401, &st, &err) == 0);
	CHECK(vx_state_read(g, 401, &rd, &err) == 0);
	CHECK(rd.init_pid == st.init_pid && rd.init_start == me &&
	      rd.monitor_pid == st.monitor_pid &&
	      rd.monitor_start == st.monitor_start &&
	      rd.started_at == 1700000000 && !rd.suspended);
	CHECK_STR(rd.cgroup, "vx/401");
	CHECK(vx_ct_is_running(g, 401));

	fd = vx_pidfd_open_checked(getpid(), me);
	CHECK(fd >= 0);
	if (fd >= 0)
		close(fd);
	CHECK(vx_pidfd_open_checked(getpid(), me + 1) == -ESRCH);
	CHECK(vx_pidfd_open_checked(0, 0) == -ESRCH);

	/* A recycled pid (start time differs) with no live monitor: the
	 * state file is stale and goes away. */
	st.init_start = me + 12345;
	st.monitor_pid = 0;
	CHECK(vx_state_write(g, 401, &st, NULL) == 0);
	CHECK(!vx_ct_is_running(g, 401));
	CHECK(vx_state_read(g, 401, &rd, NULL) == -ENOENT);

	/* ... but while its monitor lives, the monitor owns the file. */
	st.monitor_pid = getpid();
	st.monitor_start = me;
	CHECK(vx_state_write(g, 401, &st, NULL) == 0);
	CHECK(!vx_ct_is_running(g, 401));
	CHECK(vx_state_read(g, 401, &rd, NULL) == 0);
	vx_state_remove(g, 401);
	CHECK(vx_state_read(g, 401, &rd, NULL) == -ENOENT);
	vx_global_free(g);
}

int main(void)
{
	root = unit_tmpdir();
	unsetenv("VX_CGROUP_PREFIX");
	RUN(global_defaults_under_root);
	RUN(global_env_and_trailing_slash);
	RUN(global_vz_conf);
	RUN(expand_veid);
	RUN(mkdir_p);
	RUN(ct_load_save_list);
	RUN(resolve_and_names);
	RUN(lock_reports_holder);
	RUN(state_roundtrip_and_liveness);
	unit_rmtree(root);
	free(root);
	UNIT_EXIT();
}
