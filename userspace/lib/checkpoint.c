// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vx_ct_suspend() and what it shares with resume: running CRIU, probing
 * whether it can work on this host, where dumps live. See checkpoint.h for
 * the design; checkpoint_restore.c has the resume side.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "checkpoint.h"
#include "cleanup.h"
#include "layout.h"
#include "run.h"
#include "state.h"
#include "storage.h"

char *vx_ckpt_default_dir(const struct vx_global *g, const struct vx_ct *ct)
{
	char *dir = NULL;
	int r;

	/* plain and btrfs: VE_PRIVATE is the CT's own tree, so not there */
	if (vx_ct_layout(ct) == VX_LAYOUT_PLAIN ||
	    vx_ct_layout(ct) == VX_LAYOUT_BTRFS)
		r = asprintf(&dir, "%s/Dump.%u", g->dumpdir, ct->ctid);
	else
		r = asprintf(&dir, "%s/dump/Dump", ct->private);
	return r < 0 ? NULL : dir;
}

static bool dump_complete(const char *dir)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, VX_DUMP_MARKER);
	return access(path, F_OK) == 0;
}

static char *record_path(const struct vx_global *g, unsigned int ctid)
{
	char *p = NULL;

	return asprintf(&p, "%s/ct/%u.suspended", g->rundir, ctid) < 0 ?
	       NULL : p;
}

bool vx_ckpt_suspended(const struct vx_global *g, const struct vx_ct *ct,
		       char **dir)
{
	cleanup_free char *rec = record_path(g, ct->ctid);
	struct vx_conf *c = NULL;
	char *d = NULL;

	if (dir)
		*dir = NULL;
	if (rec && vx_conf_load(rec, &c, NULL) == 0) {
		const char *v = vx_conf_get(c, "DUMPDIR");

		if (v && dump_complete(v))
			d = strdup(v);
		vx_conf_free(c);
	}
	if (!d) {
		d = vx_ckpt_default_dir(g, ct);
		if (d && !dump_complete(d)) {
			free(d);
			d = NULL;
		}
	}
	if (dir)
		*dir = d;
	else
		free(d);
	return d != NULL;
}

/* rundir/ct/CTID.suspended: where the dump went, so that resume and
 * status find a --dumpfile directory too. */
static void record_write(const struct vx_global *g, unsigned int ctid,
			 const char *dir)
{
	cleanup_free char *rec = record_path(g, ctid), *text = NULL;
	struct vx_conf *c = vx_conf_new();
	char at[32];

	snprintf(at, sizeof(at), "%lld", (long long)time(NULL));
	if (c && rec && !vx_conf_set(c, "DUMPDIR", dir) &&
	    !vx_conf_set(c, "SUSPENDED_AT", at) &&
	    (text = vx_conf_format(c)))
		vx_write_file_replace(rec, text, strlen(text), 0644, true, NULL);
	vx_conf_free(c);
}

void vx_ckpt_record_remove(const struct vx_global *g, unsigned int ctid)
{
	cleanup_free char *rec = record_path(g, ctid);

	if (rec)
		unlink(rec);
}

/* tty[rdev:dev] of the console pty, in CRIU's notation (hex of the
 * st_rdev and st_dev CRIU gets from fstat of the fd). */
static int console_id(pid_t init, char *buf, size_t len)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/root/dev/console", (int)init);
	if (stat(path, &st) < 0 || !S_ISCHR(st.st_mode))
		return -1;
	snprintf(buf, len, "tty[%llx:%llx]", (unsigned long long)st.st_rdev,
		 (unsigned long long)st.st_dev);
	return 0;
}

/* net[inode] of init's network namespace, which CRIU is told to treat as
 * external: see checkpoint.h for why resume builds a new one instead. */
static int netns_id(pid_t init, char *buf, size_t len)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
	if (stat(path, &st) < 0)
		return -1;
	snprintf(buf, len, "net[%llu]:" VX_CKPT_NETNS_KEY,
		 (unsigned long long)st.st_ino);
	return 0;
}

const char *vx_ckpt_freezer_dir(const struct vx_cgroup *cg)
{
	for (size_t i = 0; i < cg->ndirs; i++)
		if (cg->dirs[i].v2 && cg->mode == VX_CGROUP_V2)
			return cg->dirs[i].path;
	for (size_t i = 0; i < cg->ndirs; i++)
		if (strstr(cg->dirs[i].ctrls, "freezer"))
			return cg->dirs[i].path;
	return NULL;
}

/* After a failed dump CRIU thaws what it froze; this makes sure, so a
 * failed suspend never leaves a frozen CT behind. */
static void thaw(const char *fdir)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.freeze", fdir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "0", 1) < 0)
			close(fd);
		else
			close(fd);
		return;
	}
	snprintf(path, sizeof(path), "%s/freezer.state", fdir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "THAWED", 6) < 0)
			close(fd);
		else
			close(fd);
	}
}

static int write_marker(const char *tmp, const struct vx_ct *ct,
			const struct vx_criu_info *ci, const char *tty,
			bool tcp, struct vx_error **err)
{
	cleanup_free char *text = NULL;
	char path[4200], buf[32];
	struct vx_conf *c = vx_conf_new();
	int ret;

	if (!c)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "dump");
	snprintf(buf, sizeof(buf), "%u", ct->ctid);
	ret = vx_conf_set(c, "CTID", buf);
	ret = ret ?: vx_conf_set(c, "CRIU_VERSION", ci->version);
	ret = ret ?: vx_conf_set(c, "KERNEL", ci->kernel);
	ret = ret ?: vx_conf_set(c, "CONSOLE", tty);
	ret = ret ?: vx_conf_set(c, "TCP_ESTABLISHED", tcp ? "yes" : "no");
	ret = ret ?: vx_conf_set(c, "NETWORK_LOCK", vx_criu_netlock());
	snprintf(buf, sizeof(buf), "%lld", (long long)time(NULL));
	ret = ret ?: vx_conf_set(c, "DUMPED_AT", buf);
	text = ret ? NULL : vx_conf_format(c);
	vx_conf_free(c);
	if (!text)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "dump");
	snprintf(path, sizeof(path), "%s/%s", tmp, VX_DUMP_MARKER);
	return vx_write_file_atomic(path, text, strlen(text), 0600, err);
}

/* Waits (max 30 s) for the monitor to finish tearing the CT down after
 * CRIU killed its init. */
static void wait_monitor(const struct vx_state *st)
{
	int fd = vx_pidfd_open_checked(st->monitor_pid, st->monitor_start);

	if (fd < 0)
		return;
	for (int i = 0; i < 3000; i++) {
		if (vx_proc_starttime(st->monitor_pid) != st->monitor_start)
			break;
		usleep(10000);
	}
	close(fd);
}

/* The dump directory's parent, made if needed, never readable by others:
 * a dump holds every secret in the CT's memory. */
static int prepare_dirs(const char *dir, const char *tmp,
			struct vx_error **err)
{
	cleanup_free char *parent = strdup(dir);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	int ret;

	if (!slash || slash == parent)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "--dumpfile %s: expected an absolute path "
				    "of a directory to create", dir);
	*slash = '\0';
	ret = vx_mkdir_p(parent, 0700, err);
	if (ret < 0)
		return ret;
	ret = vx_rm_rf(tmp, VX_E_CHKPNT, err);
	if (ret < 0)
		return ret;
	if (mkdir(tmp, 0700) < 0)
		return vx_error_set(err, VX_E_CHKPNT, errno, "mkdir %s", tmp);
	return 0;
}

int vx_ct_suspend(const struct vx_global *g, struct vx_ct *ct,
		  const struct vx_ckpt_opts *o, struct vx_error **err)
{
	cleanup_free char *dir = NULL, *tmp = NULL, *log = NULL;
	char tidarg[16], tty[80], net[80], extmnt[128], reason[400];
	struct vx_cgroup *cg = NULL;
	struct vx_criu_info ci;
	struct vx_state st;
	const char *fdir;
	int ret;

	/* first: whether checkpointing can work here at all */
	ret = vx_criu_probe(g, &ci, err);
	if (ret < 0)
		return ret;
	if (!vx_ct_is_running(g, ct->ctid) ||
	    vx_state_read(g, ct->ctid, &st, NULL) < 0)
		return vx_error_set(err, VX_E_NOT_RUNNING, 0,
				    "ct %u is not running", ct->ctid);
	dir = o && o->dumpdir ? strdup(o->dumpdir) :
	      vx_ckpt_default_dir(g, ct);
	if (!dir || asprintf(&tmp, "%s.tmp", dir) < 0 ||
	    asprintf(&log, "%s/dump.log", tmp) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "suspend");
	if (dir[0] != '/')
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "--dumpfile %s: expected an absolute path",
				    dir);
	if (access(dir, F_OK) == 0)
		return vx_error_set(err, VX_E_CHKPNT, 0,
				    "ct %u: %s already exists (an earlier "
				    "dump?); resume from it or remove it "
				    "first", ct->ctid, dir);
	if (console_id(st.init_pid, tty, sizeof(tty)) < 0)
		return vx_error_set(err, VX_E_CHKPNT, errno,
				    "ct %u: cannot find the console of init "
				    "(pid %d)", ct->ctid, (int)st.init_pid);
	if (netns_id(st.init_pid, net, sizeof(net)) < 0)
		return vx_error_set(err, VX_E_CHKPNT, errno,
				    "ct %u: cannot find the network namespace "
				    "of init (pid %d)", ct->ctid,
				    (int)st.init_pid);
	ret = vx_cgroup_open(g, ct->ctid, st.cgroup, &cg, err);
	if (ret < 0)
		return ret;
	fdir = vx_ckpt_freezer_dir(cg);
	if (!fdir) {
		vx_cgroup_free(cg);
		return vx_error_set(err, VX_E_NO_CHKPNT, 0,
				    "ct %u: no cgroup freezer (cgroup v1 "
				    "without the freezer controller)",
				    ct->ctid);
	}
	ret = prepare_dirs(dir, tmp, err);
	if (ret < 0) {
		vx_cgroup_free(cg);
		return ret;
	}
	snprintf(tidarg, sizeof(tidarg), "%d", (int)st.init_pid);
	snprintf(extmnt, sizeof(extmnt), "/dev/console:console");
	{
		char *argv[40];
		int n = 0;

		argv[n++] = "criu";
		argv[n++] = "dump";
		argv[n++] = "--tree";
		argv[n++] = tidarg;
		argv[n++] = "--images-dir";
		argv[n++] = tmp;
		argv[n++] = "--log-file";
		argv[n++] = log;
		argv[n++] = "-v4";
		argv[n++] = "--manage-cgroups";
		argv[n++] = "--freeze-cgroup";
		argv[n++] = (char *)fdir;
		argv[n++] = "--file-locks";
		argv[n++] = "--link-remap";
		argv[n++] = "--ext-mount-map";
		argv[n++] = extmnt;
		argv[n++] = "--external";
		argv[n++] = tty;
		argv[n++] = "--external";
		argv[n++] = net;
		argv[n++] = "--network-lock";
		argv[n++] = (char *)vx_criu_netlock();
		if (o && o->tcp)
			argv[n++] = "--tcp-established";
		argv[n] = NULL;
		ret = vx_criu_run(argv, NULL, 0, log, reason, sizeof(reason));
	}
	if (ret != 0) {
		thaw(fdir);
		vx_cgroup_free(cg);
		if (ret == -ENOENT)
			return vx_error_set(err, VX_E_NO_CHKPNT, 0,
					    "criu not found in PATH");
		return vx_error_set(err, VX_E_CHKPNT, 0,
				    "ct %u: criu dump failed (exit %d): %s; "
				    "log: %s; the VPS keeps running",
				    ct->ctid, ret, *reason ? reason : "no error "
				    "line in the log", log);
	}
	vx_cgroup_free(cg);
	/* CRIU has killed the tree: the monitor sees init die and tears
	 * the CT down (cgroups, mount, state file), as for a stop. */
	wait_monitor(&st);
	ret = write_marker(tmp, ct, &ci, tty, o && o->tcp, err);
	if (ret == 0 && rename(tmp, dir) < 0)
		ret = vx_error_set(err, VX_E_CHKPNT, errno, "rename %s to %s",
				   tmp, dir);
	if (ret < 0) {
		vx_error_prefix(err, "ct %u: dumped and stopped, but the dump "
				"in %s could not be completed", ct->ctid, tmp);
		return ret;
	}
	record_write(g, ct->ctid, dir);
	return 0;
}
