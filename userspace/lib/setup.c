// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-distribution setup of a CT's files at create: /etc/hostname and the
 * hostname's line in /etc/hosts (Debian's convention: "127.0.1.1 FQDN
 * SHORT", a line vx owns and replaces; every other line is kept).
 *
 * The tree is the CT's, so nothing here follows a symlink out of it: the
 * etc directory is opened with RESOLVE_IN_ROOT, files are created with
 * O_NOFOLLOW after removing whatever was there. With the overlay layout the
 * template's files are read from the shared tree (read_root) and the new
 * ones written into the CT's upper directory (write_root), whose etc/ is
 * created with the template's owner and mode so the merged view is
 * unchanged apart from the two files.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "setup.h"

static int open_in_root(const char *root, const char *rel, int flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	cleanup_close int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (rfd < 0)
		return -1;
	return (int)syscall(SYS_openat2, rfd, rel, &how, sizeof(how));
}

/* Whole small file (at most 64 KiB) or NULL. */
static char *read_small(int dirfd, const char *name)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *buf;
	ssize_t n;

	if (fd < 0)
		return NULL;
	buf = calloc(1, 65537);
	if (!buf)
		return NULL;
	n = read(fd, buf, 65536);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int write_file(int dirfd, const char *name, const char *text)
{
	cleanup_close int fd = -1;
	size_t len = strlen(text);

	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return -errno;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		return errno ? -errno : -EIO;
	return 0;
}

/* hosts with our 127.0.1.1 line replaced (or added). */
static char *new_hosts(const char *old, const char *hostname)
{
	size_t cap = (old ? strlen(old) : 0) + 2 * strlen(hostname) + 128;
	char *out = calloc(1, cap), *o = out;
	const char *dot = strchr(hostname, '.');

	if (!out)
		return NULL;
	if (!old || !*old)
		old = "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n";
	for (const char *l = old; *l;) {
		const char *e = strchrnul(l, '\n');

		if (strncmp(l, "127.0.1.1", 9) ||
		    (l[9] != ' ' && l[9] != '\t')) {
			memcpy(o, l, e - l);
			o += e - l;
			*o++ = '\n';
		}
		l = *e ? e + 1 : e;
	}
	if (dot)
		sprintf(o, "127.0.1.1\t%s %.*s\n", hostname, (int)(dot - hostname),
			hostname);
	else
		sprintf(o, "127.0.1.1\t%s\n", hostname);
	return out;
}

int vx_setup_hostname(const char *read_root, const char *write_root,
		      const char *hostname, struct vx_error **err)
{
	cleanup_close int rd = -1, wr = -1;
	cleanup_free char *hosts = NULL, *text = NULL;
	struct stat st;
	int ret;

	rd = open_in_root(read_root, "etc", O_RDONLY | O_DIRECTORY);
	if (rd < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "set up /etc/hostname: %s/etc", read_root);
	if (strcmp(read_root, write_root)) {
		int wroot = open(write_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (wroot < 0 || fstat(rd, &st) < 0 ||
		    (mkdirat(wroot, "etc", st.st_mode & 07777) < 0 &&
		     errno != EEXIST)) {
			ret = errno;
			if (wroot >= 0)
				close(wroot);
			return vx_error_set(err, VX_E_CREATE_PRIVATE, ret,
					    "mkdir %s/etc", write_root);
		}
		wr = openat(wroot, "etc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		close(wroot);
		if (wr >= 0 && (fchown(wr, st.st_uid, st.st_gid) < 0 ||
				fchmod(wr, st.st_mode & 07777) < 0))
			return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
					    "chown %s/etc", write_root);
	} else {
		wr = dup(rd);
	}
	if (wr < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "set up /etc/hostname in %s", write_root);
	hosts = read_small(rd, "hosts");
	text = new_hosts(hosts, hostname);
	if (!text)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "hosts");
	ret = write_file(wr, "hosts", text);
	free(text);
	text = NULL;
	if (!ret && asprintf(&text, "%s\n", hostname) < 0) {
		text = NULL;
		ret = -ENOMEM;
	}
	if (!ret)
		ret = write_file(wr, "hostname", text);
	if (ret)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, -ret,
				    "write /etc/hostname and /etc/hosts in %s",
				    write_root);
	return 0;
}
