// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Per-distribution setup of a CT's files, at create and at `vzctl set`:
 * /etc/hostname and the hostname's line in /etc/hosts (Debian's
 * convention: "127.0.1.1 FQDN SHORT", a line vx owns and replaces; every
 * other line is kept) and, in passwd.c, a user's password in /etc/shadow
 * (/etc/resolv.conf is net.c's, from NAMESERVER/SEARCHDOMAIN). busybox and
 * Debian trees use the same files, so one writer serves both; a tree
 * without /etc/hostname still gets one, as OpenVZ's dist scripts do.
 *
 * The tree is the CT's, so nothing here follows a symlink out of it: etc/
 * is opened with RESOLVE_IN_ROOT (a symlink the CT planted resolves inside
 * the CT), files are written as a temp file created O_EXCL|O_NOFOLLOW in
 * that directory, synced and renamed over the old one: a crash leaves the
 * old file or the new one, never half of /etc/shadow. The new file keeps
 * the old one's owner and mode (shadow: root:shadow 0640).
 *
 * With the overlay layout at create, the template's files are read from the
 * shared tree (read_root) and the new ones written into the CT's upper
 * directory (write_root), whose etc/ is created with the template's owner
 * and mode so the merged view is unchanged apart from the files written.
 * At `set` both are the mounted VE_ROOT (vx_setup_ct).
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
#include "storage.h"
#include "values.h"

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

char *vx_setup_read(int dirfd, const char *name)
{
	cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char *buf;
	ssize_t n, len = 0;

	if (fd < 0)
		return NULL;
	buf = calloc(1, VX_SETUP_MAX + 1);
	if (!buf)
		return NULL;
	while (len < VX_SETUP_MAX &&
	       (n = read(fd, buf + len, VX_SETUP_MAX - len)) > 0)
		len += n;
	return buf;
}

int vx_setup_write(int dirfd, const char *name, const char *text,
		   mode_t mode, bool in_create)
{
	char tmp[64];
	cleanup_close int fd = -1;
	size_t len = strlen(text);
	uid_t uid = 0;
	gid_t gid = 0;
	struct stat st;
	int ret = 0;

	/* Keep the owner and mode the distribution gave the file. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISREG(st.st_mode)) {
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	}
	snprintf(tmp, sizeof(tmp), ".%s.vx-%d", name, (int)getpid());
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0 ||
	    write(fd, text, len) != (ssize_t)len ||
	    (!in_create && fsync(fd) < 0))
		ret = errno ? -errno : -EIO;
	if (!ret && renameat(dirfd, tmp, dirfd, name) < 0)
		ret = -errno;
	if (ret) {
		unlinkat(dirfd, tmp, 0);
		return ret;
	}
	/* In create: the data written and waited for, no journal commit
	 * of our own. Create's commit fsyncs this file system (LOCKDIR on
	 * it, or the private area's parent: storage.c), which commits the
	 * name and the new size with a cache flush, one commit for every
	 * file of the CT instead of one per file. */
	if (in_create)
		return sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
				       SYNC_FILE_RANGE_WRITE |
				       SYNC_FILE_RANGE_WAIT_AFTER) < 0 ?
		       -errno : 0;
	fsync(dirfd);
	return 0;
}

int vx_setup_open_etc(const char *read_root, const char *write_root,
		      int *rd_out, int *wr_out, struct vx_error **err)
{
	cleanup_close int rd = -1, wr = -1;
	struct stat st;

	rd = open_in_root(read_root, "etc", O_RDONLY | O_DIRECTORY);
	if (rd < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "CT setup: open %s/etc", read_root);
	if (strcmp(read_root, write_root)) {
		int wroot = open(write_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (wroot < 0 || fstat(rd, &st) < 0 ||
		    (mkdirat(wroot, "etc", st.st_mode & 07777) < 0 &&
		     errno != EEXIST)) {
			int e = errno;

			if (wroot >= 0)
				close(wroot);
			return vx_error_set(err, VX_E_CREATE_PRIVATE, e,
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
				    "CT setup: open %s/etc", write_root);
	*rd_out = steal_fd(rd);
	*wr_out = steal_fd(wr);
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

static int setup_hostname(int rd, int wr, const char *hostname,
			  bool in_create)
{
	cleanup_free char *hosts = vx_setup_read(rd, "hosts");
	cleanup_free char *text = new_hosts(hosts, hostname);
	char line[300];
	int ret;

	if (!text)
		return -ENOMEM;
	ret = vx_setup_write(wr, "hosts", text, 0644, in_create);
	snprintf(line, sizeof(line), "%s\n", hostname);
	return ret ?: vx_setup_write(wr, "hostname", line, 0644, in_create);
}

int vx_setup_check(const struct vx_setup *s, struct vx_error **err)
{
	if (s->hostname && vx_check_hostname(s->hostname, err) < 0)
		return -EINVAL;
	if (s->userpasswd && vx_check_userpasswd(s->userpasswd, err) < 0)
		return -EINVAL;
	return 0;
}

int vx_setup_apply(const char *read_root, const char *write_root,
		   const struct vx_setup *s, struct vx_error **err)
{
	cleanup_close int rd = -1, wr = -1;
	int ret;

	ret = vx_setup_open_etc(read_root, write_root, &rd, &wr, err);
	if (ret)
		return ret;
	/* The password first: its refusal (no such user) is the likely
	 * one, and it then comes before anything is written. */
	if (s->userpasswd) {
		ret = vx_setup_userpasswd(rd, wr, s->userpasswd, err);
		if (ret)
			return ret;
	}
	ret = s->hostname ? setup_hostname(rd, wr, s->hostname, s->in_create) :
			    0;
	if (ret)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, -ret,
				    "write /etc/hostname and /etc/hosts in %s",
				    write_root);
	return 0;
}

int vx_setup_hostname(const char *read_root, const char *write_root,
		      const char *hostname, struct vx_error **err)
{
	struct vx_setup s = { .hostname = hostname, .in_create = true };

	return vx_setup_apply(read_root, write_root, &s, err);
}

int vx_setup_ct(const struct vx_global *g, struct vx_ct *ct,
		const struct vx_setup *s, struct vx_error **err)
{
	bool mounted = vx_ct_is_mounted(ct);
	int ret;

	/* A stopped CT is mounted for the edit, as `vzctl mount` would;
	 * the caller holds the CT's lock, so nothing starts meanwhile. */
	if (!mounted && (ret = vx_ct_mount(g, ct, err)) < 0)
		return ret;
	ret = vx_setup_apply(ct->root, ct->root, s, err);
	/* not a create: a failed write is a system error here */
	if (ret && err && *err && (*err)->code == VX_E_CREATE_PRIVATE)
		(*err)->code = VX_E_SYSTEM;
	if (!mounted) {
		struct vx_error *uerr = NULL;

		if (vx_ct_umount(g, ct, ret ? NULL : &uerr) < 0 && !ret) {
			ret = -EBUSY;
			if (err)
				*err = uerr;
			else
				vx_error_free(uerr);
		}
	}
	return ret;
}
