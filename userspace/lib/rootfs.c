// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Root file system of a CT.
 *
 * Order matters for safety: we pivot_root into VE_ROOT *first* and mount
 * everything afterwards with paths inside the new root. The CT's tree is
 * under the control of the CT's root user from its previous runs, so a
 * symlink planted at /proc or /dev must resolve inside the CT, never in the
 * host's tree; after pivot_root and detaching the old root there is no host
 * tree left to escape to.
 *
 * The tree is made MS_PRIVATE (not slave): nothing the CT mounts may
 * propagate to the host, and the host's later mounts are none of the CT's
 * business. Started by vxd, init does not even copy the host's tree: it
 * starts from the seed namespace (mntns.c), whose mounts are private.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "mntns.h"
#include "rootfs.h"

#define MS_NOSX (MS_NOSUID | MS_NOEXEC)

struct devnode {
	const char *name;
	unsigned int major, minor;
};

/* Must stay in line with the devices cgroup allowlist (cgroup_v1.c). */
static const struct devnode devnodes[] = {
	{ "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 },
	{ "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const char *const dev_links[][2] = {
	{ "/proc/self/fd", "/dev/fd" },
	{ "/proc/self/fd/0", "/dev/stdin" },
	{ "/proc/self/fd/1", "/dev/stdout" },
	{ "/proc/self/fd/2", "/dev/stderr" },
	{ "pts/ptmx", "/dev/ptmx" },
};

/* Files in /proc that expose or act on the whole host: /dev/null over them. */
static const char *const proc_masked[] = {
	"/proc/kcore",		/* physical memory image */
	"/proc/kmsg",		/* host kernel log (consumes it!) */
	"/proc/sysrq-trigger",	/* reboot/crash the host */
	"/proc/timer_list",	/* host timers: leaks other CTs' activity */
	"/proc/sched_debug",	/* every task of the host */
	"/proc/keys",		/* keyrings are not namespaced */
	"/proc/key-users",
	"/proc/latency_stats",
	"/proc/kallsyms",	/* kernel addresses for exploits */
	"/proc/config.gz",
};

/* Directories in /proc that are host-wide and writable: read-only. */
static const char *const proc_readonly[] = {
	"/proc/sys", "/proc/irq", "/proc/bus", "/proc/fs",
	"/proc/asound", "/proc/acpi", "/proc/scsi", "/proc/driver",
};

static int fail(struct vx_error **err, unsigned int ctid, const char *what,
		const char *path)
{
	return vx_error_set(err, VX_E_MOUNT, errno, "ct %u: %s %s", ctid,
			    what, path);
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[256];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -1;
	for (char *s = strchr(buf + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -1;
		if (!s)
			return 0;
		*s = '/';
	}
}

static int enter_root(unsigned int ctid, const char *root, int tree,
		      struct vx_error **err)
{
	if (tree >= 0) {
		/* a copy of the seed's one mount (mntns.c), and root's clone
		 * on its empty directory */
		if (setns(vx_mntns_seed_fd(), CLONE_NEWNS) < 0 ||
		    unshare(CLONE_NEWNS) < 0)
			return fail(err, ctid, "join the seed mount namespace for",
				    root);
		if (move_mount(tree, "", AT_FDCWD, VX_MNTNS_CT_DIR,
			       MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return fail(err, ctid, "attach", root);
		if (chdir(VX_MNTNS_CT_DIR) < 0)
			return fail(err, ctid, "chdir", root);
	} else {
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			return fail(err, ctid, "make private", "/");
		/* pivot_root needs new_root to be a mount point */
		if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
			return fail(err, ctid, "bind", root);
		if (chdir(root) < 0)
			return fail(err, ctid, "chdir", root);
	}
	/* pivot_root(".", "."): old root ends up stacked under the new one
	 * and is detached at once; no put_old directory needed in the CT. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return fail(err, ctid, "pivot_root into", root);
	if (umount2(".", MNT_DETACH) < 0)
		return fail(err, ctid, "detach the host's root from", root);
	if (chdir("/") < 0)
		return fail(err, ctid, "chdir", "/");
	return 0;
}

static int mount_at(unsigned int ctid, const char *src, const char *dst,
		    const char *type, unsigned long flags, const char *data,
		    struct vx_error **err)
{
	if (mkdir_p(dst, 0755) < 0)
		return fail(err, ctid, "mkdir", dst);
	if (mount(src, dst, type, flags, data) < 0)
		return fail(err, ctid, type ? "mount" : "bind", dst);
	return 0;
}

static int make_dev(unsigned int ctid, struct vx_error **err)
{
	int ret;

	ret = mount_at(ctid, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
		       "mode=755,size=65536k", err);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < ARRAY_SIZE(devnodes); i++) {
		char path[32];

		snprintf(path, sizeof(path), "/dev/%s", devnodes[i].name);
		if (mknod(path, S_IFCHR | 0666,
			  makedev(devnodes[i].major, devnodes[i].minor)) < 0)
			return fail(err, ctid, "mknod", path);
		/* mknod obeys the umask */
		chmod(path, 0666);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dev_links); i++)
		if (symlink(dev_links[i][0], dev_links[i][1]) < 0)
			return fail(err, ctid, "symlink", dev_links[i][1]);
	/* A private devpts instance: the CT sees only its own ptys, and
	 * ptmxmode=0666 lets /dev/ptmx -> pts/ptmx work for everyone. */
	ret = mount_at(ctid, "devpts", "/dev/pts", "devpts", MS_NOSX,
		       "newinstance,ptmxmode=0666,mode=0620,gid=5", err);
	if (ret == 0)
		ret = mount_at(ctid, "shm", "/dev/shm", "tmpfs",
			       MS_NOSUID | MS_NODEV, "mode=1777", err);
	if (ret == 0)
		ret = mount_at(ctid, "mqueue", "/dev/mqueue", "mqueue",
			       MS_NOSX | MS_NODEV, NULL, err);
	return ret;
}

static int mask_proc(unsigned int ctid, struct vx_error **err)
{
	for (size_t i = 0; i < ARRAY_SIZE(proc_masked); i++) {
		if (access(proc_masked[i], F_OK) < 0)
			continue;
		if (mount("/dev/null", proc_masked[i], NULL, MS_BIND, NULL) < 0)
			return fail(err, ctid, "mask", proc_masked[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(proc_readonly); i++) {
		const char *p = proc_readonly[i];

		if (access(p, F_OK) < 0)
			continue;
		/* A bind mount becomes read-only only through a remount. */
		if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
			  MS_NOSX | MS_NODEV, NULL) < 0)
			return fail(err, ctid, "make read-only", p);
	}
	return 0;
}

/* The console: a pty from the CT's devpts, its slave bound over
 * /dev/console, its master kept by the monitor (which drains it into the
 * log so the console never blocks a writer). */
static int make_console(unsigned int ctid, int *master, int *slave,
			struct vx_error **err)
{
	cleanup_close int m = -1, s = -1;
	char name[64];
	int fd, unlock = 0;

	m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return fail(err, ctid, "open", "/dev/pts/ptmx");
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ptsname_r(m, name,
							    sizeof(name)))
		return fail(err, ctid, "unlock", "the console pty");
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0)
		return fail(err, ctid, "open", name);
	fd = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(err, ctid, "create", "/dev/console");
	close(fd);
	if (mount(name, "/dev/console", NULL, MS_BIND, NULL) < 0)
		return fail(err, ctid, "bind the console over", "/dev/console");
	*master = steal_fd(m);
	*slave = steal_fd(s);
	return 0;
}

int vx_rootfs_setup(unsigned int ctid, const char *root, int tree,
		    int *master, int *slave, struct vx_error **err)
{
	int ret;

	umask(022);
	ret = enter_root(ctid, root, tree, err);
	if (ret == 0)
		ret = mount_at(ctid, "proc", "/proc", "proc",
			       MS_NOSX | MS_NODEV, NULL, err);
	/* sysfs shows the CT's own netns devices; read-only because the
	 * rest of it (kernel, block, module parameters) is the host's. */
	if (ret == 0)
		ret = mount_at(ctid, "sysfs", "/sys", "sysfs",
			       MS_RDONLY | MS_NOSX | MS_NODEV, NULL, err);
	if (ret == 0)
		ret = make_dev(ctid, err);
	if (ret == 0)
		ret = mount_at(ctid, "tmpfs", "/run", "tmpfs",
			       MS_NOSUID | MS_NODEV, "mode=755", err);
	/* /run/lock, where every distribution's /var/lock points, as the
	 * host's early boot makes it in a fresh /run (Debian: 1777): one
	 * mkdir process less in the CT's boot script. */
	if (ret == 0 && (mkdir("/run/lock", 01777) < 0 ||
			 chmod("/run/lock", 01777) < 0))
		ret = fail(err, ctid, "mkdir", "/run/lock");
	if (ret == 0)
		ret = mask_proc(ctid, err);
	if (ret == 0)
		ret = make_console(ctid, master, slave, err);
	return ret;
}
