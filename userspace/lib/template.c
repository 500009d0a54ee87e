// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * OS template caches (see template.h).
 *
 * tar runs as a plain child: stdin is /dev/null, stderr is captured for the
 * error message, and every other descriptor is closed before exec, because
 * vxd holds sockets, pidfds and lock fds that a tar must never inherit (a
 * lock fd kept open by a stray child would keep a CT locked). Everything
 * tar needs (its path, argv, envp) is prepared before fork(), so the child
 * only calls async-signal-safe functions - vxd is multi-threaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

int vx_template_unpack(const char *path, const char *dir,
		       struct vx_error **err)
{
	cleanup_free char *tar = find_tar();
	const char *flag = NULL;
	char msg[1024];
	size_t mlen = 0, plen = strlen(path);
	int pipefd[2], status;
	pid_t pid, parent;
	ssize_t r;

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

	/* Owners as numbers (the host's passwd is not the CT's), and
	 * everything a root filesystem may carry: modes, xattrs (file
	 * capabilities live there), ACLs. */
	char *const argv[] = {
		"tar", "-x", (char *)flag, "--numeric-owner", "--same-owner",
		"--same-permissions", "--xattrs", "--xattrs-include=*", "--acls",
		"-f", (char *)path, "-C", (char *)dir, NULL,
	};
	char *const envp[] = { "LC_ALL=C", "PATH=/usr/bin:/bin:/usr/sbin:/sbin",
			       NULL };

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "unpack %s", path);
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		int e = errno;

		close(pipefd[0]);
		close(pipefd[1]);
		return vx_error_set(err, VX_E_SYSTEM, e, "unpack %s: fork", path);
	}
	if (pid == 0) {
		int null;

		/* A tar outliving a killed creator would keep writing into
		 * the temp dir while the next operation rolls it back. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(127);
		null = open("/dev/null", O_RDWR);

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(pipefd[1], 2) < 0)
			_exit(127);
		syscall(SYS_close_range, 3, ~0U, 0);
		execve(tar, argv, envp);
		_exit(127);
	}
	close(pipefd[1]);
	/* Keep the start of tar's complaint: the first line names the cause. */
	while ((r = read(pipefd[0], msg + mlen, sizeof(msg) - 1 - mlen)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			break;
		mlen += r;
		if (mlen == sizeof(msg) - 1) {
			char sink[256];

			while (read(pipefd[0], sink, sizeof(sink)) > 0)
				;
			break;
		}
	}
	close(pipefd[0]);
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
