// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for storage.c, storage_fill.c and template.c: create
 * (journal, unpack, config from the sample), rollback of failed and
 * crashed creates, mount/umount state, destroy. Uses a tiny template
 * built here with tar(1), in a private VX_ROOT. Mount tests need root
 * (CAP_SYS_ADMIN) and are skipped otherwise. If
 * build/template/cache/busybox.tar.zst exists, create time for it is
 * measured and printed as a TAP comment.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ct.h"
#include "global.h"
#include "layout.h"
#include "lock.h"
#include "storage.h"
#include "unit.h"

static char *root;
static char cwd[512];

static void sh(const char *cmd)
{
	if (system(cmd) != 0) {
		printf("# command failed: %s\n", cmd);
		exit(2);
	}
}

static void setup_tree(void)
{
	char p[512], cmd[2048];

	snprintf(p, sizeof(p), "%s/etc/vz/conf/ve-basic.conf-sample", root);
	unit_write(p, "# the sample\nONBOOT=\"no\"\nCUSTOM_KEY=\"kept\"\n");
	/* tiny template: a dir, a file with mode 0750, symlinks; bin/sh so
	 * that it passes as an OS tree. */
	snprintf(cmd, sizeof(cmd),
		 "set -e; d=%s/src; mkdir -p $d/bin $d/etc; echo hi > $d/etc/motd;"
		 " chmod 0750 $d/etc/motd; ln -s ../etc/motd $d/bin/link;"
		 " ln -s /bin/busybox $d/bin/sh;"
		 " mkdir -p %s/vz/template/cache;"
		 " tar --numeric-owner -C $d -c . | zstd -q -o %s/vz/template/cache/tiny.tar.zst",
		 root, root, root);
	sh(cmd);
	snprintf(p, sizeof(p), "%s/vz/template/cache/broken.tar.gz", root);
	unit_write(p, "this is not gzip\n");
}

static struct vx_global *load(void)
{
	struct vx_global *g = NULL;

	if (vx_global_load(root, &g, NULL))
		exit(2);
	return g;
}

/* Does ROOT + fmt (with the CTID filled in) exist? */
#define exists(fmt, ctid)                                                \
	({                                                               \
		char _p[512];                                            \
		snprintf(_p, sizeof(_p), "%s" fmt, root, (ctid));        \
		access(_p, F_OK) == 0;                                   \
	})

/* Nothing of CT ctid is left anywhere in the tree. */
static void check_no_trace(unsigned int ctid)
{
	CHECK(!exists("/etc/vz/conf/%u.conf", ctid));
	CHECK(!exists("/vz/private/%u", ctid));
	CHECK(!exists("/vz/private/%u.destroyed", ctid));
	CHECK(!exists("/vz/root/%u", ctid));
	CHECK(!exists("/vz/lock/%u.creating", ctid));
	/* no temp dirs either */
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "test -z \"$(ls -A %s/vz/private | grep '^%u\\.')\"", root, ctid);
	CHECK(system(cmd) == 0);
}

static void create_basic(void)
{
	struct vx_global *g = load();
	struct vx_create_opts o = { .ostemplate = "tiny", .layout = "plain",
				    .hostname = "ct1.test",
				    .name = "one" };
	struct vx_error *err = NULL;
	struct vx_ct *ct = NULL;
	unsigned int id;
	struct stat st;
	char p[512];

	CHECK(vx_ct_create(g, 501, &o, &err) == 0);
	if (err)
		printf("#   %s\n", err->msg);
	CHECK(vx_ct_load(g, 501, &ct, NULL) == 0);
	if (!ct) {
		vx_global_free(g);
		return;
	}
	CHECK_STR(vx_ct_get(ct, "OSTEMPLATE", NULL), "tiny");
	CHECK_STR(vx_ct_get(ct, "HOSTNAME", NULL), "ct1.test");
	CHECK_STR(vx_ct_get(ct, "NAME", NULL), "one");
	CHECK_STR(vx_ct_get(ct, "CUSTOM_KEY", NULL), "kept");
	CHECK_STR(vx_ct_get(ct, "ORIGIN_SAMPLE", NULL), "basic");
	CHECK_STR(vx_ct_get(ct, "VE_PRIVATE", NULL), g->ve_private);
	CHECK(vx_ct_private_exists(ct));
	snprintf(p, sizeof(p), "%s/etc/motd", ct->private);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 07777) == 0750);
	snprintf(p, sizeof(p), "%s/bin/link", ct->private);
	CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(stat(ct->root, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK(!exists("/vz/lock/%u.creating", 501));
	CHECK(vx_ct_resolve(g, "one", &id, NULL) == 0 && id == 501);
	/* private areas are not world-accessible */
	snprintf(p, sizeof(p), "%s/vz/private", root);
	CHECK(stat(p, &st) == 0 && (st.st_mode & 0077) == 0);

	/* second create: refused, nothing changed */
	CHECK(vx_ct_create(g, 501, &o, &err) == -EEXIST);
	CHECK(err && err->code == VX_E_PRIVATE_EXISTS);
	CHECK_MSG(err, "ct 501 already exists");
	vx_error_free(err);
	err = NULL;
	/* the name is taken */
	CHECK(vx_ct_create(g, 502, &o, &err) == -EEXIST);
	CHECK_MSG(err, "name 'one' is already used by CT 501");
	vx_error_free(err);
	check_no_trace(502);

	CHECK(vx_ct_destroy(g, ct, NULL) == 0);
	check_no_trace(501);
	CHECK(vx_ct_resolve(g, "one", &id, NULL) == -ENOENT);
	vx_ct_free(ct);
	vx_global_free(g);
}

static void create_errors(void)
{
	struct vx_global *g = load();
	struct vx_create_opts o = { .ostemplate = "nosuch" };
	struct vx_error *err = NULL;
	char p[512];

	CHECK(vx_ct_create(g, 510, &o, &err) == -ENOENT);
	CHECK(err && err->code == VX_E_NO_OSTEMPLATE_FILE);
	CHECK_MSG(err, "OS template 'nosuch' not found");
	CHECK_MSG(err, "available: broken, tiny");
	vx_error_free(err);
	err = NULL;
	check_no_trace(510);

	o.ostemplate = "tiny";
	o.config = "missing";
	CHECK(vx_ct_create(g, 510, &o, &err) == -ENOENT);
	CHECK(err && err->code == VX_E_NOCONFIG);
	CHECK_MSG(err, "ve-missing.conf-sample not found");
	CHECK_MSG(err, "--config");
	vx_error_free(err);
	err = NULL;
	check_no_trace(510);

	/* A layout vx does not have is refused, not ignored. */
	snprintf(p, sizeof(p), "%s/etc/vz/conf/ve-ploop.conf-sample", root);
	unit_write(p, "VE_LAYOUT=\"ploop\"\n");
	o.config = "ploop";
	CHECK(vx_ct_create(g, 510, &o, &err) == -EINVAL);
	CHECK_MSG(err, "VE_LAYOUT=\"ploop\" is not supported");
	vx_error_free(err);
	err = NULL;
	unlink(p);
	check_no_trace(510);

	o.config = NULL;
	o.hostname = "bad_host";
	CHECK(vx_ct_create(g, 510, &o, &err) == -EINVAL);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	vx_error_free(err);
	err = NULL;
	o.hostname = NULL;

	/* A corrupt archive: tar's complaint reaches the user, and the
	 * half-made CT is rolled back. */
	o.ostemplate = "broken";
	CHECK(vx_ct_create(g, 510, &o, &err) < 0);
	CHECK(err && err->code == VX_E_CREATE_PRIVATE);
	CHECK_MSG(err, "tar failed");
	vx_error_free(err);
	err = NULL;
	check_no_trace(510);

	/* tar accepts a stream too short for a header as an empty archive:
	 * the empty tree must still be refused. */
	snprintf(p, sizeof(p),
		 "echo not a tar | zstd -q > %s/vz/template/cache/short.tar.zst", root);
	CHECK(system(p) == 0);
	o.ostemplate = "short";
	CHECK(vx_ct_create(g, 510, &o, &err) < 0);
	CHECK(err && err->code == VX_E_CREATE_PRIVATE);
	CHECK_MSG(err, "without /sbin/init or /bin/sh");
	vx_error_free(err);
	err = NULL;
	check_no_trace(510);

	/* A leftover private area without config. */
	snprintf(p, sizeof(p), "%s/vz/private/510", root);
	mkdir(p, 0755);
	o.ostemplate = "tiny";
	CHECK(vx_ct_create(g, 510, &o, &err) == -EEXIST);
	CHECK(err && err->code == VX_E_PRIVATE_EXISTS);
	CHECK_MSG(err, p);
	vx_error_free(err);
	rmdir(p);

	/* A create on a locked CT fails at once with the lock message. */
	int fd = vx_lock_ct_op(g, 510, "stop", false, NULL);

	err = NULL;
	CHECK(vx_ct_create(g, 510, &o, &err) == -EBUSY);
	CHECK(err && err->code == VX_E_LOCKED);
	CHECK_MSG(err, "(stop)");
	vx_error_free(err);
	vx_unlock_ct(fd);
	check_no_trace(510);
	vx_global_free(g);
}

/*
 * A creator killed at any point leaves a journal; the next operation
 * (here: vx_ct_recover under the lock, or a new create) removes every
 * trace. We kill real creators at several moments to hit different steps.
 */
static void killed_create_is_rolled_back(void)
{
	struct vx_global *g = load();
	struct vx_create_opts o = { .ostemplate = "tiny", .name = "killed",
				    .layout = "plain" };
	unsigned int id;
	int rolled = 0;

	for (int delay_us = 0; delay_us <= 24000; delay_us += 2000) {
		pid_t pid = fork();
		int status, lock;

		if (pid == 0)
			_exit(vx_ct_create(g, 520, &o, NULL) ? 1 : 0);
		usleep(delay_us);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		lock = vx_lock_ct(g, 520, true, NULL);
		CHECK(lock >= 0);
		if (vx_ct_recover(g, 520, NULL) == 1)
			rolled++;
		vx_unlock_ct(lock);
		if (vx_ct_exists(g, 520)) {
			/* The create finished before the kill: complete. */
			struct vx_ct *ct = NULL;

			CHECK(!exists("/vz/lock/%u.creating", 520));
			CHECK(exists("/vz/private/%u/etc/motd", 520));
			CHECK(vx_ct_resolve(g, "killed", &id, NULL) == 0);
			CHECK(vx_ct_load(g, 520, &ct, NULL) == 0);
			CHECK(ct && vx_ct_destroy(g, ct, NULL) == 0);
			vx_ct_free(ct);
		}
		check_no_trace(520);
		CHECK(vx_ct_resolve(g, "killed", &id, NULL) == -ENOENT);
	}
	printf("#   %d of 13 killed creates needed a rollback\n", rolled);
	vx_global_free(g);
}

static void mount_cycle(void)
{
	struct vx_global *g = load();
	struct vx_create_opts o = { .ostemplate = "tiny", .layout = "plain" };
	struct vx_error *err = NULL;
	struct vx_ct *ct = NULL;
	char p[512];

	CHECK(vx_ct_create(g, 530, &o, NULL) == 0);
	CHECK(vx_ct_load(g, 530, &ct, NULL) == 0);
	if (!ct)
		return;
	CHECK(!vx_ct_is_mounted(ct));
	CHECK(vx_ct_umount(g, ct, &err) < 0);
	CHECK(err && err->code == VX_E_NOT_MOUNTED);
	vx_error_free(err);
	err = NULL;
	CHECK(vx_ct_mount(g, ct, &err) == 0);
	if (err)
		printf("#   %s\n", err->msg);
	CHECK(vx_ct_is_mounted(ct));
	snprintf(p, sizeof(p), "%s/etc/motd", ct->root);
	CHECK(access(p, F_OK) == 0);
	CHECK(vx_ct_mount(g, ct, &err) == -EBUSY);
	CHECK(err && err->code == VX_E_MOUNTED);
	vx_error_free(err);
	err = NULL;
	CHECK(vx_ct_umount(g, ct, &err) == 0);
	CHECK(!vx_ct_is_mounted(ct));
	CHECK(access(p, F_OK) < 0);

	/* Destroy of a mounted CT unmounts first. */
	CHECK(vx_ct_mount(g, ct, NULL) == 0);
	CHECK(vx_ct_destroy(g, ct, &err) == 0);
	if (err)
		printf("#   %s\n", err->msg);
	check_no_trace(530);
	vx_ct_free(ct);

	/* Private area deleted by hand: mount says so; destroy still works. */
	ct = NULL;
	CHECK(vx_ct_create(g, 531, &o, NULL) == 0);
	CHECK(vx_ct_load(g, 531, &ct, NULL) == 0);
	if (!ct)
		return;
	unit_rmtree(ct->private);
	CHECK(!vx_ct_private_exists(ct));
	err = NULL;
	CHECK(vx_ct_mount(g, ct, &err) == -ENOENT);
	CHECK(err && err->code == VX_E_NO_PRIVATE);
	CHECK_MSG(err, "vzctl destroy 531");
	vx_error_free(err);
	CHECK(vx_ct_destroy(g, ct, NULL) == 0);
	check_no_trace(531);
	vx_ct_free(ct);
	vx_global_free(g);
}

static void layout_names(void)
{
	struct vx_error *err = NULL;
	enum vx_layout l = VX_LAYOUT_OVERLAY;

	CHECK(vx_layout_parse(NULL, "x", &l, NULL) == 0 && l == VX_LAYOUT_PLAIN);
	CHECK(vx_layout_parse("simfs", "x", &l, NULL) == 0 && l == VX_LAYOUT_PLAIN);
	CHECK(vx_layout_parse("plain", "x", &l, NULL) == 0 && l == VX_LAYOUT_PLAIN);
	CHECK(vx_layout_parse("overlay", "x", &l, NULL) == 0 &&
	      l == VX_LAYOUT_OVERLAY);
	CHECK(vx_layout_parse("btrfs", "x", &l, NULL) == 0 &&
	      l == VX_LAYOUT_BTRFS);
	CHECK(strcmp(vx_layout_name(VX_LAYOUT_BTRFS), "btrfs") == 0);
	CHECK(vx_layout_parse("ploop", "vz.conf", &l, &err) == -EINVAL);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	CHECK_MSG(err, "vz.conf: VE_LAYOUT=\"ploop\" is not supported");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_layout_parse("prjquota", "x", &l, &err) == -EINVAL);
	if (access("/proc/sys/fs/quota", F_OK) < 0)
		CHECK_MSG(err, "CONFIG_QUOTA");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_overlay_check_path("/vz/private/1", "p", NULL) == 0);
	CHECK(vx_overlay_check_path("/vz/a,b", "p", &err) == -EINVAL);
	CHECK_MSG(err, "/vz/a,b");
	vx_error_free(err);
	CHECK(strcmp(vx_layout_name(VX_LAYOUT_PLAIN), "simfs") == 0);
	/* image-overlay: an image's disk limit, an overlay's shared tree */
	CHECK(vx_layout_parse("image-overlay", "x", &l, NULL) == 0 &&
	      l == VX_LAYOUT_IMAGE_OVERLAY);
	CHECK(strcmp(vx_layout_name(l), "image-overlay") == 0);
	CHECK(vx_layout_is_image(l) && vx_layout_has_lower(l));
	CHECK(vx_layout_parse("image", "x", &l, NULL) == 0 &&
	      l == VX_LAYOUT_IMAGE && vx_layout_is_image(l) &&
	      !vx_layout_has_lower(l));
	CHECK(!vx_layout_is_image(VX_LAYOUT_OVERLAY) &&
	      vx_layout_has_lower(VX_LAYOUT_OVERLAY));
}

/* overlay: create links to one shared tree, writes go to upper, the
 * mount is recognised by its upperdir, destroy keeps the shared tree. */
static void overlay_cycle(void)
{
	struct vx_global *g = load();
	struct vx_create_opts o = { .ostemplate = "tiny", .layout = "overlay" };
	struct vx_error *err = NULL;
	struct vx_ct *a = NULL, *b = NULL;
	char *la, *lb, p[512];

	CHECK(vx_ct_create(g, 540, &o, &err) == 0);
	if (err)
		printf("#   %s\n", err->msg);
	CHECK(vx_ct_create(g, 541, &o, NULL) == 0);
	CHECK(vx_ct_load(g, 540, &a, NULL) == 0);
	CHECK(vx_ct_load(g, 541, &b, NULL) == 0);
	if (!a || !b)
		return;
	CHECK(vx_ct_layout(a) == VX_LAYOUT_OVERLAY);
	la = vx_overlay_lower_of(a->private);
	lb = vx_overlay_lower_of(b->private);
	CHECK(la && lb && !strcmp(la, lb));
	CHECK(exists("/vz/template/lower/%s", la ? strrchr(la, '/') + 1 : "x"));
	CHECK(vx_ct_private_exists(a));
	CHECK(!vx_ct_is_mounted(a));
	err = NULL;
	CHECK(vx_ct_mount(g, a, &err) == 0);
	if (err)
		printf("#   %s\n", err->msg);
	CHECK(vx_ct_is_mounted(a));
	CHECK(!vx_ct_is_mounted(b));
	snprintf(p, sizeof(p), "%s/etc/motd", a->root);
	CHECK(access(p, F_OK) == 0);
	snprintf(p, sizeof(p), "%s/etc/new", a->root);
	unit_write(p, "x\n");
	CHECK(exists("/vz/private/%u/upper/etc/new", 540));
	snprintf(p, sizeof(p), "%s/etc/new", la ? la : "/nonexistent");
	CHECK(access(p, F_OK) < 0);
	CHECK(vx_ct_destroy(g, a, NULL) == 0);
	check_no_trace(540);
	CHECK(la && access(la, F_OK) == 0);
	CHECK(vx_ct_destroy(g, b, NULL) == 0);
	check_no_trace(541);
	free(la);
	free(lb);
	vx_ct_free(a);
	vx_ct_free(b);
	vx_global_free(g);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void busybox_create_time(void)
{
	struct vx_global *g = load();
	struct vx_create_opts o = { .ostemplate = "busybox", .layout = "plain" };
	double t0, create = 0, destroy = 0, ocreate = 0;
	const int n = 10;
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cp %s/build/template/cache/busybox.tar.zst %s/vz/template/cache/",
		 cwd, root);
	CHECK(system(cmd) == 0);
	for (int i = 0; i < n; i++) {
		struct vx_ct *ct = NULL;
		struct vx_error *err = NULL;

		t0 = now_ms();
		CHECK(vx_ct_create(g, 600 + i, &o, &err) == 0);
		if (err)
			printf("#   %s\n", err->msg);
		vx_error_free(err);
		create += now_ms() - t0;
		CHECK(exists("/vz/private/%u/bin/busybox", 600 + i));
		CHECK(vx_ct_load(g, 600 + i, &ct, NULL) == 0);
		t0 = now_ms();
		CHECK(ct && vx_ct_destroy(g, ct, NULL) == 0);
		destroy += now_ms() - t0;
		vx_ct_free(ct);
	}
	/* overlay: the first create unpacks the shared tree; time the rest */
	o.layout = "overlay";
	CHECK(vx_ct_create(g, 650, &o, NULL) == 0);
	for (int i = 1; i < n; i++) {
		t0 = now_ms();
		CHECK(vx_ct_create(g, 650 + i, &o, NULL) == 0);
		ocreate += now_ms() - t0;
	}
	for (int i = 0; i < n; i++) {
		struct vx_ct *ct = NULL;

		CHECK(vx_ct_load(g, 650 + i, &ct, NULL) == 0);
		CHECK(ct && vx_ct_destroy(g, ct, NULL) == 0);
		vx_ct_free(ct);
	}
	printf("#   busybox template: plain create %.1f ms, destroy %.1f ms (mean of %d); overlay create %.1f ms (mean of %d)\n",
	       create / n, destroy / n, n, ocreate / (n - 1), n - 1);
	vx_global_free(g);
}

int main(void)
{
	char tpl[600];

	if (!getcwd(cwd, sizeof(cwd)))
		return 2;
	/* Our mounts stay in a private mount namespace: a test that dies
	 * half-way can never leave a bind mount behind on the host. */
	if (geteuid() == 0 && (unshare(CLONE_NEWNS) < 0 ||
			       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)) {
		printf("# cannot make a private mount namespace\n");
		return 2;
	}
	root = unit_tmpdir();
	setup_tree();
	RUN(create_basic);
	RUN(create_errors);
	RUN(killed_create_is_rolled_back);
	RUN(layout_names);
	if (geteuid() == 0) {
		RUN(mount_cycle);
		RUN(overlay_cycle);
	} else {
		SKIP(mount_cycle, "needs root for mount(2)");
		SKIP(overlay_cycle, "needs root for mount(2)");
	}
	snprintf(tpl, sizeof(tpl), "%s/build/template/cache/busybox.tar.zst", cwd);
	if (access(tpl, R_OK) == 0)
		RUN(busybox_create_time);
	else
		SKIP(busybox_create_time, "no build/template/cache/busybox.tar.zst (make template)");
	unit_rmtree(root);
	free(root);
	UNIT_EXIT();
}
