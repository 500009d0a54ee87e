// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Supervision of running CTs and onboot start.
 *
 * vxd does not own CT processes: each CT has its own monitor (run.h), which
 * survives vxd and handles reboot and teardown. What vxd keeps is a view:
 * one pidfd per running CT's init, built from the state files at startup
 * ("re-attach"), then kept current by an inotify watch on rundir/ct: a
 * monitor writes CTID.state by rename at every (re)boot, so each start is
 * one event naming one CT, and a pidfd fires when an init exits. Nothing
 * rereads the whole directory per operation (it holds four files per
 * running CT; a rescan after every stop of hundreds of VPSes was O(N^2)),
 * except at startup, on SIGHUP and if the inotify queue overflows.
 * Pidfds are opened with the init's start time checked, so a recycled pid is
 * never taken for a CT. The view feeds the log ("ct 101: init exited") and
 * catches stale state files left by a monitor that was killed.
 *
 * Onboot: ONBOOT=yes CTs are started once per host boot, not on every vxd
 * start, so restarting vxd after a kill never resurrects a CT the admin
 * stopped. The boot id is remembered in rundir/onboot.boot_id.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "ct.h"
#include "run.h"
#include "state.h"
#include "vxd.h"

#define MAX_CTS 256	/* pidfds we poll; more CTs are still served */

struct supervised {
	unsigned int ctid;
	pid_t init_pid;
	int pidfd;
};

static struct supervised cts[MAX_CTS];
static int n_cts;
static int watch_fd = -1;	/* inotify on rundir/ct; -1: rescans only */

static struct supervised *find(unsigned int ctid)
{
	for (int i = 0; i < n_cts; i++)
		if (cts[i].ctid == ctid)
			return &cts[i];
	return NULL;
}

static void drop(int i)
{
	close(cts[i].pidfd);
	cts[i] = cts[--n_cts];
}

/* Adds ctid if its state file names a live init. Returns true if added. */
static bool attach(const struct vx_global *g, unsigned int ctid, bool log)
{
	struct vx_state st;
	int fd;

	if (vx_state_read(g, ctid, &st, NULL) < 0)
		return false;
	fd = vx_pidfd_open_checked(st.init_pid, st.init_start);
	if (fd < 0) {
		/* The monitor normally removes its state file; if it was
		 * killed too, nothing else will. */
		if (vx_proc_starttime(st.monitor_pid) != st.monitor_start) {
			vxd_log("ct %u: stale state file (init %d and monitor %d gone); removed",
				ctid, (int)st.init_pid, (int)st.monitor_pid);
			vx_state_remove(g, ctid);
		}
		return false;
	}
	if (n_cts == MAX_CTS) {
		close(fd);
		return false;
	}
	cts[n_cts++] = (struct supervised){
		.ctid = ctid, .init_pid = st.init_pid, .pidfd = fd,
	};
	if (log)
		vxd_log("ct %u: re-attached (init pid %d, monitor pid %d)",
			ctid, (int)st.init_pid, (int)st.monitor_pid);
	return true;
}

static void scan(const struct vx_global *g, bool startup)
{
	cleanup_free char *dir = NULL;
	cleanup_dir DIR *d = NULL;
	struct dirent *de;

	if (asprintf(&dir, "%s/ct", g->rundir) < 0)
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		unsigned int ctid;
		char tail[8];

		if (sscanf(de->d_name, "%u.%7s", &ctid, tail) != 2 ||
		    strcmp(tail, "state") || find(ctid))
			continue;
		attach(g, ctid, startup);
	}
}

void vxd_supervise_init(const struct vx_global *g)
{
	cleanup_free char *dir = NULL;

	/* The watch first: a CT started during the scan is seen by one or
	 * the other (attach() ignores what it has already). */
	if (asprintf(&dir, "%s/ct", g->rundir) >= 0 &&
	    vx_mkdir_p(dir, 0755, NULL) == 0) {
		watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (watch_fd >= 0 &&
		    inotify_add_watch(watch_fd, dir, IN_MOVED_TO | IN_CREATE) < 0) {
			close(watch_fd);
			watch_fd = -1;
		}
	}
	if (watch_fd < 0)
		vxd_log("inotify on %s: %m; rescanning it after every operation",
			dir ? dir : "rundir");
	scan(g, true);
	vxd_log("supervising %d running container%s", n_cts,
		n_cts == 1 ? "" : "s");
}

void vxd_supervise_rescan(const struct vx_global *g)
{
	scan(g, false);
}

/* After a worker finished: without the watch, it may have started a CT. */
void vxd_supervise_worker_done(const struct vx_global *g)
{
	if (watch_fd < 0)
		scan(g, false);
}

int vxd_supervise_pollfds(struct pollfd *p, int max)
{
	int n = 0;

	if (watch_fd >= 0 && n < max)
		p[n++] = (struct pollfd){ .fd = watch_fd, .events = POLLIN };
	for (int i = 0; i < n_cts && n < max; i++)
		p[n++] = (struct pollfd){ .fd = cts[i].pidfd, .events = POLLIN };
	return n;
}

/* CTID.state was (re)written: a start, or a reboot's new init. */
static void state_written(const struct vx_global *g, const char *name)
{
	struct supervised *s;
	struct vx_state st;
	unsigned int ctid;
	char tail[8];

	if (sscanf(name, "%u.%7s", &ctid, tail) != 2 || strcmp(tail, "state"))
		return;
	s = find(ctid);
	/* a reboot's state may come before the old init's pidfd fires */
	if (s && vx_state_read(g, ctid, &st, NULL) == 0 &&
	    st.init_pid != s->init_pid) {
		drop((int)(s - cts));
		s = NULL;
	}
	if (!s)
		attach(g, ctid, false);
}

static void watch_event(const struct vx_global *g)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(watch_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const void *)p;

			if (ev->mask & IN_Q_OVERFLOW)
				scan(g, false);
			else if (ev->len)
				state_written(g, ev->name);
			p += sizeof(*ev) + ev->len;
		}
	}
}

void vxd_supervise_event(const struct vx_global *g, int fd)
{
	if (fd == watch_fd) {
		watch_event(g);
		return;
	}
	for (int i = 0; i < n_cts; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		/* fd may be a new CT's pidfd that took a number dropped
		 * earlier in this poll round: only an exited init counts */
		if (cts[i].pidfd != fd || poll(&p, 1, 0) != 1)
			continue;
		vxd_log("ct %u: init (pid %d) exited", cts[i].ctid,
			(int)cts[i].init_pid);
		drop(i);
		break;
	}
	/* On a reboot inside the CT the monitor starts a new init and
	 * rewrites the state file: the watch sees that. */
	if (watch_fd < 0)
		scan(g, false);
}

void vxd_supervise_forget(void)
{
	while (n_cts)
		drop(n_cts - 1);
	if (watch_fd >= 0)
		close(watch_fd);
	watch_fd = -1;
}

static bool onboot_due(const struct vx_global *g)
{
	cleanup_free char *path = NULL;
	char boot[64] = "", seen[64] = "";
	cleanup_fclose FILE *f = NULL;
	FILE *b = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (b) {
		if (!fgets(boot, sizeof(boot), b))
			boot[0] = '\0';
		fclose(b);
	}
	if (asprintf(&path, "%s/onboot.boot_id", g->rundir) < 0)
		return false;
	f = fopen(path, "re");
	if (f && fgets(seen, sizeof(seen), f) && !strcmp(seen, boot))
		return false;
	vx_write_file_atomic(path, boot, strlen(boot), 0600, NULL);
	return true;
}

static int start_one(const struct vx_global *g, unsigned int ctid)
{
	struct vx_start_opts o = { .wait = false };
	struct vx_error *err = NULL;
	struct vx_ct *ct = NULL;
	int fd, ret;

	fd = vx_lock_ct_op(g, ctid, "onboot", false, &err);
	if (fd < 0)
		goto out;
	ret = vx_ct_load(g, ctid, &ct, &err);
	if (!ret && !vx_ct_is_running(g, ctid))
		ret = vx_ct_start(g, ct, &o, &err);
	vx_unlock_ct(fd);
	vx_ct_free(ct);
	if (!ret) {
		vxd_log("ct %u: started (onboot)", ctid);
		return 0;
	}
out:
	vxd_log("ct %u: onboot start failed: %s", ctid,
		err ? err->msg : "unknown error");
	vx_error_free(err);
	return 1;
}

static bool wants_onboot(const struct vx_global *g, unsigned int ctid)
{
	struct vx_ct *ct = NULL;
	bool yes = false;

	if (vx_ct_load(g, ctid, &ct, NULL) < 0)
		return false;
	yes = !strcasecmp(vx_ct_get(ct, "ONBOOT", "no"), "yes");
	vx_ct_free(ct);
	return yes;
}

void vxd_onboot(const struct vx_global *g)
{
	cleanup_free unsigned int *ids = NULL;
	int parallel = g->ve_parallel > 0 ? g->ve_parallel :
		       2 * (int)sysconf(_SC_NPROCESSORS_ONLN);
	size_t n = 0;
	int busy = 0;

	if (!onboot_due(g))
		return;
	/* A child does the work so the socket is served meanwhile; it forks
	 * one starter per CT, at most VE_PARALLEL at a time. */
	if (fork() != 0)
		return;
	vxd_close_private_fds();
	vxd_supervise_forget();
	prctl(PR_SET_NAME, "vxd:onboot");
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (vx_ct_list(g, &ids, &n, NULL) < 0)
		_exit(1);
	for (size_t i = 0; i < n; i++) {
		if (!wants_onboot(g, ids[i]))
			continue;
		if (busy == parallel) {
			wait(NULL);
			busy--;
		}
		if (fork() == 0)
			_exit(start_one(g, ids[i]));
		busy++;
	}
	while (wait(NULL) > 0)
		;
	_exit(0);
}
