// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * OS template caches (see template.h).
 *
 * tar runs as a plain child: stdin is the archive, fed by us (so we know
 * how far it is: the progress of long unpacks), stderr is captured for the
 * error message, and every other descriptor is closed before exec, because
 * vxd holds sockets, pidfds and lock fds that a tar must never inherit (a
 * lock fd kept open by a stray child would keep a CT locked). Everything
 * tar needs (its path, argv, envp) is prepared before fork(), so the child
 * only calls async-signal-safe functions - vxd is multi-threaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "template.h"

static const struct {
	const char *ext;
	const char *tar_flag;
} formats[] = {
	{ .ext = ".tar.zst", .tar_flag = "--zstd" },
	{ .ext = ".tar.gz", .tar_flag = "--gzip" },
	{ .ext = ".tar.xz", .tar_flag = "--xz" },
};

static char *cache_dir(const struct vx_global *g)
{
	char *s;

	return asprintf(&s, "%s/cache", g->template_dir) < 0 ? NULL : s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int vx_template_list(const struct vx_global *g, char ***names,
		     struct vx_error **err)
{
	cleanup_free char *dir = cache_dir(g);
	cleanup_dir DIR *d = NULL;
	cleanup_strv char **v = calloc(1, sizeof(char *));
	size_t n = 0;
	struct dirent *de;

	if (!dir || !v)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "list templates");
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;	/* temp files of a builder */
		for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
			size_t elen = strlen(formats[i].ext);
			char **t;

			if (len <= elen ||
			    strcmp(de->d_name + len - elen, formats[i].ext))
				continue;
			t = realloc(v, (n + 2) * sizeof(*v));
			if (!t)
				return vx_error_set(err, VX_E_SYSTEM, ENOMEM,
						    "list templates");
			v = t;
			v[n] = strndup(de->d_name, len - elen);
			v[++n] = NULL;
			if (!v[n - 1])
				return vx_error_set(err, VX_E_SYSTEM, ENOMEM,
						    "list templates");
			break;
		}
	}
	qsort(v, n, sizeof(*v), cmp_str);
	/* The same name in two formats is listed once. */
	for (size_t i = 1; i < n;) {
		if (strcmp(v[i], v[i - 1])) {
			i++;
			continue;
		}
		free(v[i]);
		memmove(&v[i], &v[i + 1], (n - i) * sizeof(*v));
		n--;
	}
	*names = steal_ptr(v);
	return 0;
}

int vx_template_find(const struct vx_global *g, const char *name,
		     char **path, struct vx_error **err)
{
	cleanup_free char *dir = cache_dir(g);
	cleanup_strv char **have = NULL;
	char avail[512] = "";
	struct stat st;

	if (!dir)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "find template");
	if (!name || !*name || strchr(name, '/') || name[0] == '.') {
		vx_error_set(err, VX_E_INVAL_VALUE, 0,
			     "invalid OS template name '%s': expected a file name in %s without .tar.zst",
			     name ? name : "", dir);
		return -EINVAL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		char *p;

		if (asprintf(&p, "%s/%s%s", dir, name, formats[i].ext) < 0)
			return vx_error_set(err, VX_E_SYSTEM, ENOMEM,
					    "find template");
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			*path = p;
			return 0;
		}
		free(p);
	}
	/* Say what is there, so the user can pick one. */
	if (vx_template_list(g, &have, NULL) == 0) {
		for (char **s = have; *s; s++) {
			size_t len = strlen(avail);

			snprintf(avail + len, sizeof(avail) - len, "%s%s",
				 len ? ", " : "", *s);
		}
	}
	vx_error_set(err, VX_E_NO_OSTEMPLATE_FILE, 0,
		     "OS template '%s' not found: no %s.tar.zst, .tar.gz or .tar.xz in %s; %s%s%s",
		     name, name, dir,
		     avail[0] ? "available: " : "build one with `make template` or pick another with --ostemplate",
		     avail, avail[0] ? " (pick one with --ostemplate)" : "");
	return -ENOENT;
}

/* Keys a template may set in the configs of its CTs: those that depend on
 * what is inside the tree (its init), not on the hoster's policy. */
static const char *const tpl_keys[] = { "STOP_SIGNAL" };

int vx_template_apply_conf(const struct vx_global *g, const char *name,
			   struct vx_conf *conf, struct vx_error **err)
{
	cleanup_free char *path = NULL;
	struct vx_conf *t = NULL;
	int ret;

	if (asprintf(&path, "%s/cache/%s.conf", g->template_dir, name) < 0)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s", name);
	ret = vx_conf_load(path, &t, err);
	if (ret == -ENOENT) {
		vx_error_free(err ? *err : NULL);
		if (err)
			*err = NULL;
		return 0;
	}
	if (ret) {
		vx_error_prefix(err, "OS template %s: its settings file", name);
		return ret;
	}
	for (size_t i = 0; !ret && i < ARRAY_SIZE(tpl_keys); i++) {
		const char *v = vx_conf_get(t, tpl_keys[i]);

		if (v && vx_conf_set(conf, tpl_keys[i], v) < 0)
			ret = vx_error_set(err, VX_E_SYSTEM, ENOMEM, "template %s",
					   name);
	}
	vx_conf_free(t);
	return ret;
}

int vx_template_check_tree(const char *dir, const char *archive,
			   struct vx_error **err)
{
	static const char *const need[] = { "sbin/init", "bin/sh" };
	char p[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, need[i]);
		/* lstat: an absolute symlink points into the CT, not here. */
		if (lstat(p, &st) == 0)
			return 0;
	}
	vx_error_set(err, VX_E_CREATE_PRIVATE, 0,
		     "OS template %s unpacked to a tree without /sbin/init or /bin/sh; the archive is corrupt or not an OS template: rebuild it",
		     archive);
	return -EINVAL;
}

/* First "tar" found in PATH (or the usual places), resolved before fork. */
static char *find_tar(void)
{
	const char *path = getenv("PATH");
	cleanup_free char *copy = strdup(path && *path ? path :
					 "/usr/bin:/bin:/usr/sbin:/sbin");
	char *save = NULL, *p;

	if (!copy)
		return NULL;
	for (char *d = strtok_r(copy, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		if (asprintf(&p, "%s/tar", d) < 0)
			return NULL;
		if (access(p, X_OK) == 0)
			return p;
		free(p);
	}
	return strdup("/bin/tar");
}

/*
 * Feeds the archive into tar's stdin and collects tar's stderr, both
 * through poll(): the bytes fed are the progress (the archive size is
 * known), and a tar that writes much to stderr while we write its stdin
 * cannot deadlock us. Returns the number of stderr bytes kept in msg.
 */
static size_t pump(int afd, off_t total, int in_w, int err_r, char *msg,
		   size_t msize, const struct vx_progress *p)
{
	cleanup_free char *buf = malloc(1 << 16);
	struct pollfd pf[2] = {
		{ .fd = err_r, .events = POLLIN },
		{ .fd = in_w, .events = POLLOUT },
	};
	size_t mlen = 0, have = 0, off = 0;
	unsigned long long fed = 0;
	int last = -1;

	if (!buf) {
		close(in_w);	/* tar fails on the empty archive */
		pf[1].fd = -1;
	}

	while (pf[0].fd >= 0 || pf[1].fd >= 0) {
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[0].revents) {
			char sink[512];
			ssize_t r = mlen < msize - 1 ?
				read(err_r, msg + mlen, msize - 1 - mlen) :
				read(err_r, sink, sizeof(sink));

			if (r > 0 && mlen < msize - 1)
				mlen += r;
			else if (r == 0 || (r < 0 && errno != EINTR))
				pf[0].fd = -1;
		}
		if (pf[1].fd < 0 || !pf[1].revents)
			continue;
		if (pf[1].revents & (POLLERR | POLLHUP)) {
			pf[1].fd = -1;	/* tar gave up: its stderr says why */
			continue;
		}
		if (off == have) {
			ssize_t r = read(afd, buf, 1 << 16);

			if (r <= 0) {
				close(in_w);	/* EOF for tar */
				pf[1].fd = -1;
				continue;
			}
			have = r;
			off = 0;
		}
		ssize_t w = write(in_w, buf + off, have - off);

		if (w < 0) {
			if (errno != EINTR && errno != EAGAIN)
				pf[1].fd = -1;
			continue;
		}
		off += w;
		fed += w;
		if (p && p->fn && total > 0) {
			int pct = (int)(fed * 100 / (unsigned long long)total);

			if (pct != last && pct < 100)
				p->fn(p->data, pct, "unpacking");
			last = pct;
		}
	}
	if (pf[1].fd >= 0)
		close(in_w);
	if (p && p->fn)
		p->fn(p->data, 100, "unpacking");
	return mlen;
}

int vx_template_unpack(const char *path, const char *dir,
		       const struct vx_progress *progress,
		       struct vx_error **err)
{
	cleanup_free char *tar = find_tar();
	cleanup_close int afd = -1;
	const char *flag = NULL;
	char msg[1024];
	size_t mlen = 0, plen = strlen(path);
	int errp[2], inp[2], status;
	struct stat st;
	pid_t pid, parent;

	for (size_t i = 0; i < ARRAY_SIZE(formats); i++) {
		size_t elen = strlen(formats[i].ext);

		if (plen > elen && !strcmp(path + plen - elen, formats[i].ext))
			flag = formats[i].tar_flag;
	}
	if (!flag)
		return vx_error_set(err, VX_E_NO_OSTEMPLATE_FILE, 0,
				    "%s: unknown archive type (want .tar.zst, .tar.gz or .tar.xz)",
				    path);
	if (!tar)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "unpack %s", path);
	afd = open(path, O_RDONLY | O_CLOEXEC);
	if (afd < 0 || fstat(afd, &st) < 0)
		return vx_error_set(err, VX_E_NO_OSTEMPLATE_FILE, errno,
				    "open %s", path);

	/* Owners as numbers (the host's passwd is not the CT's), and
	 * everything a root filesystem may carry: modes, xattrs (file
	 * capabilities live there), ACLs. The archive comes on stdin. */
	char *const argv[] = {
		"tar", "-x", (char *)flag, "--numeric-owner", "--same-owner",
		"--same-permissions", "--xattrs", "--xattrs-include=*", "--acls",
		"-f", "-", "-C", (char *)dir, NULL,
	};
	char *const envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin:/usr/sbin:/sbin",
			       NULL };

	if (pipe2(errp, O_CLOEXEC) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "unpack %s", path);
	if (pipe2(inp, O_CLOEXEC) < 0) {
		int e = errno;

		close(errp[0]);
		close(errp[1]);
		return vx_error_set(err, VX_E_SYSTEM, e, "unpack %s", path);
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(errp[0]);
		close(errp[1]);
		close(inp[0]);
		close(inp[1]);
		return vx_error_set(err, VX_E_SYSTEM, e, "unpack %s: fork", path);
	}
	if (pid == 0) {
		int null;

		/* A tar outliving a killed creator would keep writing into
		 * the temp dir while the next operation rolls it back. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(inp[0], 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(errp[1], 2) < 0)
			_exit(127);
		syscall(SYS_close_range, 3, ~0U, 0);
		execve(tar, argv, envp);
		_exit(127);
	}
	close(errp[1]);
	close(inp[0]);
	/* A tar that dies early must not kill us with SIGPIPE (vxd ignores
	 * it; a library caller may not). */
	sigset_t pipeset, old;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipeset, &old);
	mlen = pump(afd, st.st_size, inp[1], errp[0], msg, sizeof(msg),
		    progress);
	{
		/* drop a SIGPIPE of ours before unblocking */
		struct timespec zero = { 0 };

		while (sigtimedwait(&pipeset, NULL, &zero) > 0)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(errp[0]);
	msg[mlen] = '\0';
	while (mlen > 0 && msg[mlen - 1] == '\n')
		msg[--mlen] = '\0';
	for (char *c = msg; *c; c++)
		if (*c == '\n')
			*c = ' ';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return vx_error_set(err, VX_E_SYSTEM, errno, "wait for tar");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !mlen)
		snprintf(msg, sizeof(msg), "cannot run %s; install tar", tar);
	vx_error_set(err, VX_E_CREATE_PRIVATE, 0,
		     "unpack %s into %s: tar failed (%s %d): %s", path, dir,
		     WIFEXITED(status) ? "exit" : "signal",
		     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
		     mlen || msg[0] ? msg : "no message");
	return -EIO;
}
