// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Supervision of running CTs and onboot start.
 *
 * vxd does not own CT processes: each CT has its own monitor (run.h), which
 * survives vxd and handles reboot and teardown. What vxd keeps is a view:
 * one pidfd per running CT's init, built from the state files at startup
 * ("re-attach") and kept current from then on by inotify on rundir/ct (a
 * monitor writes CTID.state by rename once its init runs, after every
 * reboot too) and by the pidfds themselves (an init exits). Pidfds are
 * opened with the init's start time checked, so a recycled pid is never
 * taken for a CT. The view feeds the log ("ct 101: init exited") and
 * catches stale state files left by a monitor that was killed.
 *
 * Cost: the main process serves every request, so nothing here may grow
 * with the number of running CTs per request. Each event touches one CT;
 * the directory (four files per running CT) is scanned only at startup, on
 * SIGHUP and when the inotify queue overflowed (or, without inotify, after
 * every worker and init exit). The pidfds sit in an epoll set (no cap on how many CTs
 * are watched) at descriptor numbers from PIDFD_BASE up when the open-file
 * limit allows, so a worker drops them all with one close_range().
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
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "ct.h"
#include "run.h"
#include "state.h"
#include "vxd.h"

#define PIDFD_BASE 4096

struct supervised {
	unsigned int ctid;
	pid_t init_pid;
	unsigned long long init_start;
	int pidfd;
};

static struct supervised *cts;
static size_t n_cts, cap_cts;
static int ep = -1, ino = -1;
static char *ctdir;

static struct supervised *find(unsigned int ctid)
{
	for (size_t i = 0; i < n_cts; i++)
		if (cts[i].ctid == ctid)
			return &cts[i];
	return NULL;
}

static void drop(struct supervised *s)
{
	close(s->pidfd);	/* also leaves the epoll set */
	*s = cts[--n_cts];
}

/* Moves fd up to PIDFD_BASE or beyond when the limit allows (see top). */
static int park_fd(int fd)
{
	struct rlimit rl;
	int hi;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur <= PIDFD_BASE)
		return fd;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, PIDFD_BASE);
	if (hi < 0)
		return fd;
	close(fd);
	return hi;
}

/* Watches ctid if its state file names a live init, replacing a watched
 * init the file no longer names (a reboot). An init that just exited
 * (dead_pid) may still be an unreaped zombie that passes the start time
 * check: its state file is the monitor's to replace or remove. */
static bool attach(const struct vx_global *g, unsigned int ctid, bool log,
		   pid_t dead_pid, unsigned long long dead_start)
{
	struct supervised *old = find(ctid);
	struct epoll_event ev = { .events = EPOLLIN };
	struct vx_state st;
	int fd;

	if (vx_state_read(g, ctid, &st, NULL) < 0)
		return false;
	if (old && old->init_pid == st.init_pid &&
	    old->init_start == st.init_start)
		return true;
	if (st.init_pid == dead_pid && st.init_start == dead_start)
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
	if (old)
		drop(old);
	fd = park_fd(fd);
	if (n_cts == cap_cts) {
		size_t cap = cap_cts ? 2 * cap_cts : 64;
		struct supervised *n = realloc(cts, cap * sizeof(*n));

		if (!n) {
			close(fd);
			return false;
		}
		cts = n;
		cap_cts = cap;
	}
	ev.data.u32 = ctid;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		return false;
	}
	cts[n_cts++] = (struct supervised){
		.ctid = ctid, .init_pid = st.init_pid,
		.init_start = st.init_start, .pidfd = fd,
	};
	if (log)
		vxd_log("ct %u: re-attached (init pid %d, monitor pid %d)",
			ctid, (int)st.init_pid, (int)st.monitor_pid);
	return true;
}

/* "CTID.state" -> ctid; false for every other name. */
static bool state_name(const char *name, unsigned int *ctid)
{
	char tail[8];

	return sscanf(name, "%u.%7s", ctid, tail) == 2 &&
	       !strcmp(tail, "state");
}

static void watch_dir(void)
{
	if (ino >= 0 &&
	    inotify_add_watch(ino, ctdir, IN_MOVED_TO | IN_ONLYDIR) < 0) {
		close(ino);
		ino = -1;
	}
}

static void scan(const struct vx_global *g, bool startup)
{
	cleanup_dir DIR *d = opendir(ctdir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		unsigned int ctid;

		if (state_name(de->d_name, &ctid))
			attach(g, ctid, startup, 0, 0);
	}
}

void vxd_supervise_init(const struct vx_global *g)
{
	if (asprintf(&ctdir, "%s/ct", g->rundir) < 0)
		ctdir = NULL;
	ep = epoll_create1(EPOLL_CLOEXEC);
	ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!ctdir || ep < 0) {
		vxd_log("cannot supervise containers: %m");
		return;
	}
	/* watched before the scan: nothing started meanwhile is missed */
	vx_mkdir_p(ctdir, 0755, NULL);
	watch_dir();
	if (ino < 0)
		vxd_log("inotify on %s: %m; rescanning it after every operation",
			ctdir);
	scan(g, true);
	vxd_log("supervising %zu running container%s", n_cts,
		n_cts == 1 ? "" : "s");
}

void vxd_supervise_rescan(const struct vx_global *g)
{
	if (ctdir && ep >= 0)
		scan(g, false);
}

void vxd_supervise_worker_done(const struct vx_global *g)
{
	if (ino < 0)
		vxd_supervise_rescan(g);
}

int vxd_supervise_pollfds(struct pollfd *p, int max)
{
	int n = 0;

	if (ep >= 0 && n < max)
		p[n++] = (struct pollfd){ .fd = ep, .events = POLLIN };
	if (ino >= 0 && n < max)
		p[n++] = (struct pollfd){ .fd = ino, .events = POLLIN };
	return n;
}

/* inotify: a state file was (re)written, i.e. a CT started or rebooted. */
static void dir_events(const struct vx_global *g)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t len;

	while ((len = read(ino, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *e = (struct inotify_event *)p;
			unsigned int ctid;

			p += sizeof(*e) + e->len;
			if (e->mask & (IN_Q_OVERFLOW | IN_IGNORED)) {
				/* lost events, or rundir/ct was removed */
				if (e->mask & IN_IGNORED) {
					vx_mkdir_p(ctdir, 0755, NULL);
					watch_dir();
				}
				scan(g, false);
			} else if (e->len && state_name(e->name, &ctid)) {
				attach(g, ctid, false, 0, 0);
			}
		}
	}
}

void vxd_supervise_event(const struct vx_global *g, int fd)
{
	struct epoll_event evs[64];
	int n;

	if (fd == ino) {
		dir_events(g);
		return;
	}
	while ((n = epoll_wait(ep, evs, ARRAY_SIZE(evs), 0)) > 0) {
		for (int i = 0; i < n; i++) {
			struct supervised *s = find(evs[i].data.u32);
			pid_t pid;
			unsigned long long start;

			if (!s)
				continue;
			pid = s->init_pid;
			start = s->init_start;
			vxd_log("ct %u: init (pid %d) exited", s->ctid, (int)pid);
			drop(s);
			/* On a reboot inside the CT the monitor starts a new
			 * init; its state file may name it already. */
			attach(g, evs[i].data.u32, false, pid, start);
		}
	}
	if (ino < 0)
		vxd_supervise_rescan(g);
}

/* Kept by a worker after forget(): the count as of its fork. */
static size_t n_known;

size_t vxd_supervise_count(void)
{
	return ep >= 0 ? n_cts : n_known;
}

void vxd_supervise_forget(void)
{
	n_known = n_cts;
	for (size_t i = 0; i < n_cts; i++)
		if (cts[i].pidfd < PIDFD_BASE)
			close(cts[i].pidfd);
	n_cts = 0;
	close_range(PIDFD_BASE, ~0U, 0);
	if (ep >= 0)
		close(ep);
	if (ino >= 0)
		close(ino);
	ep = ino = -1;
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
