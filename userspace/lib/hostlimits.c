// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Host limits that break at hundreds of VPSes, checked before each start
 * (vxd) and shown by `vzctl info`. VPSes share the host's kernel, so
 * per-user kernel quotas are shared too: every VPS's root is the host's
 * uid 0 and every VPS's uid 1000 the host's uid 1000 (no user namespaces),
 * so inotify instances and key quotas are spent by all VPSes together;
 * every VPS costs the host pids (its monitor and init at least) and vxd
 * holds descriptors per running VPS (pidfds, console, sockets).
 *
 * For each limit a need is computed for N+1 running VPSes (per VPS: 4
 * inotify instances, 256 watches, 1 key and 100 key bytes per uid, 8 of
 * vxd's descriptors; the host's current tasks and file handles plus
 * headroom for pid_max, threads-max and file-max), so stock defaults hold
 * for the first dozens of VPSes and nothing changes on a small host; a
 * limit below
 * it is raised by vxd (root) when `raise` is set, to at least twice the
 * need, never lowered; if that write fails (a read-only /proc/sys in a
 * container or sandbox) the report names the exact sysctl to set. The
 * figures per VPS are deliberately generous: a raised limit costs nothing
 * until used, a limit that bites fails a VPS in ways hard to trace
 * (EMFILE in an init, "Too many open files" from inotify_init, EAGAIN
 * from fork or add_key).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cleanup.h"
#include "hostlimits.h"

static long long read_ll(const char *path)
{
	char buf[64] = "";
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		return -1;
	buf[n] = '\0';
	return atoll(buf);
}

static int write_ll(const char *path, long long v)
{
	char buf[32];
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	int len = snprintf(buf, sizeof(buf), "%lld\n", v);

	if (fd < 0 || write(fd, buf, len) != len)
		return -errno;
	return 0;
}

/* Tasks on the host: the 4th field of /proc/loadavg ("1/234"). */
static long long host_tasks(void)
{
	cleanup_fclose FILE *f = fopen("/proc/loadavg", "re");
	long long running, total;

	if (!f || fscanf(f, "%*s %*s %*s %lld/%lld", &running, &total) != 2)
		return -1;
	return total;
}

/* Allocated file handles: the 1st field of /proc/sys/fs/file-nr. */
static long long files_allocated(void)
{
	cleanup_fclose FILE *f = fopen("/proc/sys/fs/file-nr", "re");
	long long n;

	if (!f || fscanf(f, "%lld", &n) != 1)
		return -1;
	return n;
}

static const char *sysctl_name(const char *path, char *buf, size_t size)
{
	const char *s = path + strlen("/proc/sys/");

	snprintf(buf, size, "%s", s);
	for (char *c = buf; *c; c++)
		if (*c == '/')
			*c = '.';
	return buf;
}

static void report(struct vx_host_report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct vx_host_report *r, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(r->text);

	if (len >= sizeof(r->text) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(r->text + len, sizeof(r->text) - len, fmt, ap);
	va_end(ap);
}

/* One sysctl: need it >= need; raise when asked. */
static void check_sysctl(struct vx_host_report *r, const char *path,
			 long long need, bool raise, const char *why)
{
	long long have = read_ll(path);
	char name[64];
	int ret;

	sysctl_name(path, name, sizeof(name));
	if (r->list)
		report(r, "  %-32s %lld (need >= %lld: %s)\n", name, have, need,
		       have < 0 ? "unreadable" : have >= need ? "ok" : "LOW");
	if (have < 0 || have >= need)
		return;
	if (!raise) {
		r->low++;
		if (!r->list)
			report(r, "WARNING: %s is %lld, below the %lld that %s need; set it: sysctl -w %s=%lld\n",
			       name, have, need, why, name, need * 2);
		return;
	}
	ret = write_ll(path, need * 2);
	if (ret == 0) {
		r->raised++;
		report(r, "Raised %s from %lld to %lld (%s)\n", name, have,
		       need * 2, why);
	} else {
		r->low++;
		report(r, "WARNING: %s is %lld, below the %lld that %s need, and vxd cannot raise it (%s); set it: sysctl -w %s=%lld\n",
		       name, have, need, why, strerror(-ret), name, need * 2);
	}
}

unsigned int vx_host_running_cts(const struct vx_global *g)
{
	char dir[4096];
	cleanup_dir DIR *d = NULL;
	struct dirent *de;
	unsigned int n = 0;

	snprintf(dir, sizeof(dir), "%s/ct", g->rundir);
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (len > 6 && !strcmp(de->d_name + len - 6, ".state"))
			n++;
	}
	return n;
}

void vx_host_limits_check(unsigned int running, bool raise,
			  struct vx_host_report *r)
{
	long long n = (long long)running + 1;
	long long tasks = host_tasks(), files = files_allocated();
	struct rlimit rl;
	char why[96];


	r->text[0] = '\0';
	r->raised = r->low = 0;
	snprintf(why, sizeof(why), "%lld running VPSes", n);
	/* pids: the host's tasks now, plus room for this VPS's */
	check_sysctl(r, "/proc/sys/kernel/pid_max",
		     (tasks > 0 ? tasks : 0) + 1024, raise, why);
	check_sysctl(r, "/proc/sys/kernel/threads-max",
		     (tasks > 0 ? tasks : 0) + 1024, raise, why);
	check_sysctl(r, "/proc/sys/fs/file-max",
		     (files > 0 ? files : 0) + 65536, raise, why);
	/* inotify: one per init/udev/systemd-like daemon, shared by uid */
	check_sysctl(r, "/proc/sys/fs/inotify/max_user_instances", 4 * n,
		     raise, why);
	check_sysctl(r, "/proc/sys/fs/inotify/max_user_watches", 256 * n,
		     raise, why);
	/* keys: session keyrings of logins, per uid across all VPSes */
	check_sysctl(r, "/proc/sys/kernel/keys/maxkeys", n, raise, why);
	check_sysctl(r, "/proc/sys/kernel/keys/maxbytes", 100 * n, raise, why);
	check_sysctl(r, "/proc/sys/kernel/keys/root_maxkeys", 2 * n, raise,
		     why);
	check_sysctl(r, "/proc/sys/kernel/keys/root_maxbytes", 200 * n, raise,
		     why);
	/* vxd's own descriptors: ~8 per running VPS, and nr_open caps
	 * what RLIMIT_NOFILE may be raised to */
	check_sysctl(r, "/proc/sys/fs/nr_open", 8 * n + 64, raise, why);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rlim_t need = (rlim_t)(8 * n + 64);

		if (r->list)
			report(r, "  %-32s %llu (need >= %llu: %s)\n",
			       "RLIMIT_NOFILE (this process)",
			       (unsigned long long)rl.rlim_cur,
			       (unsigned long long)need,
			       rl.rlim_cur >= need ? "ok" : "LOW");
		/* Not raised here: vxd's workers are processes, and the
		 * limit that counts is the main vxd's, which raises it
		 * once at start (vx_host_raise_nofile). */
		if (rl.rlim_cur < need && !r->list)
			report(r, "WARNING: vxd's open-file limit is %llu, below the %llu that %s need; restart vxd (it raises its limit to 32768 at start) or raise `ulimit -n` for it\n",
			       (unsigned long long)rl.rlim_cur,
			       (unsigned long long)need, why);
		if (rl.rlim_cur < need)
			r->low++;
	}
}

int vx_host_raise_nofile(unsigned long long *from, unsigned long long *to)
{
	/* 8 descriptors for each of 4000 VPSes. Not more: the CTs' inits
	 * inherit it, and some programs loop over every possible fd. */
	const rlim_t target = 32768;
	long long nr_open = read_ll("/proc/sys/fs/nr_open");
	struct rlimit rl, want;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	*from = rl.rlim_cur;
	if (rl.rlim_cur >= target)
		return 0;
	want.rlim_cur = target;
	if (nr_open > 0 && want.rlim_cur > (rlim_t)nr_open)
		want.rlim_cur = (rlim_t)nr_open;
	want.rlim_max = rl.rlim_max > want.rlim_cur ? rl.rlim_max : want.rlim_cur;
	if (setrlimit(RLIMIT_NOFILE, &want) < 0) {
		/* not allowed above the hard limit: up to the hard one */
		want = rl;
		want.rlim_cur = rl.rlim_max < target ? rl.rlim_max : target;
		if (want.rlim_cur <= rl.rlim_cur ||
		    setrlimit(RLIMIT_NOFILE, &want) < 0)
			return -errno;
	}
	*to = want.rlim_cur;
	return 1;
}
