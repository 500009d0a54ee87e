// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The image layout: one ext4 file system in a sparse image file per CT,
 * VE_PRIVATE/root.img, attached to a loop device and mounted on VE_ROOT
 * (OpenVZ's ploop idea without its format). The file system's size is the
 * CT's disk limit: DISKSPACE's limit (1 KiB blocks) sizes it and
 * DISKINODES's limit its inode count, so ENOSPC inside the CT comes from
 * its own file system and the host and other CTs are unaffected, and `df`
 * inside shows the CT's own size and usage. Works on any kernel with loop
 * and ext4 (no quota support needed).
 *
 * Loop devices are taken with LOOP_CTL_GET_FREE + LOOP_CONFIGURE and
 * LO_FLAGS_AUTOCLEAR: the device detaches itself at the last umount, so a
 * crashed vxd never leaks one. Create builds the image inside the create's
 * temp directory (mkfs.ext4, then the template unpacked into it through a
 * temporary mount), so the journal/rename crash safety of storage.c holds
 * unchanged.
 *
 * image-overlay: the image holds only overlayfs' upper/ and work/ (made by
 * mkfs.ext4 -d at create: no mount, no unpack), is mounted on
 * VE_PRIVATE/mnt, and VE_ROOT is an overlayfs of VE_PRIVATE/lower (the
 * shared template tree) and mnt/upper. overlayfs reports its upper file
 * system in statfs, so df inside shows the image's size and usage. The
 * ext4 is unmounted only after the overlay: overlayfs keeps a private
 * clone of the upper mount, so unmounting mnt under a mounted overlay
 * would succeed and leave the image in use where nobody looks for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "crashpoint.h"
#include "layout.h"
#include "storage.h"
#include "values.h"

#define IMAGE_NAME "root.img"

char *vx_image_path(const char *private)
{
	char *s;

	return asprintf(&s, "%s/" IMAGE_NAME, private) < 0 ? NULL : s;
}

int vx_image_size(const struct vx_conf *conf, unsigned long long *bytes,
		  unsigned long long *inodes, struct vx_error **err)
{
	const char *ds = vx_conf_get(conf, "DISKSPACE");
	const char *di = vx_conf_get(conf, "DISKINODES");
	uint64_t b, l;

	if (!ds || vx_parse_barrier_limit(ds, VX_UNIT_KBYTES, &b, &l, NULL) < 0 ||
	    l == VX_UNLIMITED)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "the image layout needs a disk limit: DISKSPACE=\"%s\" in the config is %s; set e.g. DISKSPACE=\"2G:2G\" in the sample (--config)",
				    ds ? ds : "", ds ? "unlimited or invalid" : "missing");
	if (l < 16 * 1024)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "DISKSPACE=\"%s\": an image needs at least 16M", ds);
	*bytes = (unsigned long long)l * 1024;
	*inodes = 0;
	if (di && vx_parse_barrier_limit(di, VX_UNIT_COUNT, &b, &l, NULL) == 0 &&
	    l != VX_UNLIMITED)
		*inodes = l;
	/* Inode tables are allocated up front: more inodes than one per
	 * 4 KiB would eat a small image (220000 inodes fill 64M). */
	if (*inodes > *bytes / 4096)
		*inodes = *bytes / 4096;
	return 0;
}

/* Runs argv (argv[0] an absolute path) quietly; its stderr ends up in msg. */
int vx_image_run_tool(char *const argv[], char *msg, size_t msize)
{
	char *const envp[] = { "LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			       NULL };
	int pipefd[2], status;
	size_t len = 0;
	ssize_t r;
	pid_t pid, parent = getpid();

	msg[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent ||
		    null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
		    dup2(pipefd[1], 2) < 0)
			_exit(127);
		syscall(SYS_close_range, 3, ~0U, 0);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(pipefd[1]);
	while ((r = read(pipefd[0], msg + len, msize - 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += r;
		if (len == msize - 1)
			break;
	}
	close(pipefd[0]);
	msg[len] = '\0';
	for (char *c = msg; *c; c++)
		if (*c == '\n')
			*c = ' ';
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static const char *find_mkfs(void)
{
	static const char *const where[] = { "/usr/sbin/mkfs.ext4",
					     "/sbin/mkfs.ext4" };

	for (size_t i = 0; i < ARRAY_SIZE(where); i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

int vx_image_make(const char *img, unsigned long long bytes,
		  unsigned long long inodes, const char *seed,
		  struct vx_error **err)
{
	const char *mkfs = find_mkfs();
	cleanup_close int fd = -1;
	char n[32], msg[512];
	char *argv[16];
	size_t k = 0;
	int ret;

	if (!mkfs)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, 0,
				    "the image layout needs mkfs.ext4: apt-get install e2fsprogs");
	fd = open(img, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)bytes) < 0)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, errno,
				    "create %s", img);
	snprintf(n, sizeof(n), "%llu", inodes);
	/* Sparse file, lazy init: the image costs only what is written. */
	argv[k++] = (char *)mkfs;
	argv[k++] = "-q";
	argv[k++] = "-F";
	argv[k++] = "-m";
	argv[k++] = "0";
	argv[k++] = "-E";
	argv[k++] = "lazy_itable_init=1,lazy_journal_init=1";
	if (inodes) {
		argv[k++] = "-N";
		argv[k++] = n;
	}
	if (seed) {
		argv[k++] = "-d";
		argv[k++] = (char *)seed;
	}
	argv[k++] = (char *)img;
	argv[k] = NULL;
	ret = vx_image_run_tool(argv, msg, sizeof(msg));
	if (ret)
		return vx_error_set(err, VX_E_CREATE_PRIVATE, ret < 0 ? -ret : 0,
				    "mkfs.ext4 %s failed (exit %d): %s", img,
				    ret, msg[0] ? msg : "no message");
	return 0;
}

/* Attaches img to a free loop device (autoclear). Returns the device fd,
 * which must stay open until the file system is mounted. */
static int loop_attach(const char *img, char *dev, size_t dsize,
		       struct vx_error **err)
{
	cleanup_close int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	cleanup_close int ffd = open(img, O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return vx_error_set(err, VX_E_MOUNT, errno,
				    "open /dev/loop-control (modprobe loop?)");
	if (ffd < 0)
		return vx_error_set(err, VX_E_MOUNT, errno, "open %s", img);
	/* Another attacher may take the free device first: retry. */
	for (int tries = 0; tries < 16; tries++) {
		struct loop_config cfg = {
			.fd = (unsigned int)ffd,
			.info = { .lo_flags = LO_FLAGS_AUTOCLEAR },
		};
		int nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		int lfd;

		if (nr < 0)
			return vx_error_set(err, VX_E_MOUNT, errno,
					    "no free loop device");
		snprintf(dev, dsize, "/dev/loop%d", nr);
		lfd = open(dev, O_RDWR | O_CLOEXEC);
		if (lfd < 0)
			return vx_error_set(err, VX_E_MOUNT, errno, "open %s", dev);
		snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", img);
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0)
			return lfd;
		close(lfd);
		if (errno != EBUSY)
			return vx_error_set(err, VX_E_MOUNT, errno,
					    "attach %s to %s", img, dev);
	}
	return vx_error_set(err, VX_E_MOUNT, EBUSY, "attach %s to a loop device",
			    img);
}

int vx_image_mount_at(const char *img, const char *target,
		      struct vx_error **err)
{
	char dev[64];
	int lfd = loop_attach(img, dev, sizeof(dev), err);
	int ret = 0;

	if (lfd < 0)
		return lfd;
	if (mount(dev, target, "ext4", MS_NOSUID | MS_NODEV, NULL) < 0)
		ret = vx_error_set(err, VX_E_MOUNT, errno, "mount %s (%s) on %s",
				   img, dev, target);
	/* The mount holds the device now; autoclear detaches it at umount
	 * (or right now, if the mount failed). */
	close(lfd);
	return ret;
}

int vx_image_dir(const struct vx_ct *ct, char *buf, size_t size)
{
	size_t n = vx_ct_layout(ct) == VX_LAYOUT_IMAGE_OVERLAY ?
		   (size_t)snprintf(buf, size, "%s/" VX_IMAGE_MNT, ct->private) :
		   (size_t)snprintf(buf, size, "%s", ct->root);

	return n >= size ? -ENAMETOOLONG : 0;
}

/* Mounted = an ext4 on the image's directory (vx_image_dir) from a loop
 * device backed by our image. */
bool vx_image_is_mounted(const struct vx_ct *ct)
{
	return vx_image_loop_nr(ct) >= 0;
}

int vx_image_loop_nr(const struct vx_ct *ct)
{
	char root[PATH_MAX], img[PATH_MAX + 16], up[PATH_MAX + 4];
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *line = NULL;
	char priv[PATH_MAX], dir[PATH_MAX];
	struct stat r, u;
	size_t cap = 0;

	if (vx_image_dir(ct, dir, sizeof(dir)) < 0 || !realpath(dir, root) ||
	    !realpath(ct->private, priv))
		return -1;
	snprintf(up, sizeof(up), "%s/..", root);
	if (stat(root, &r) < 0 || stat(up, &u) < 0 || r.st_dev == u.st_dev)
		return -1;
	snprintf(img, sizeof(img), "%s/" IMAGE_NAME, priv);
	f = fopen("/proc/self/mountinfo", "re");
	while (f && getline(&line, &cap, f) > 0) {
		char mnt[PATH_MAX + 1], fstype[64], src[PATH_MAX + 1], path[128];
		char back[PATH_MAX + 1];
		const char *dash = strstr(line, " - ");
		cleanup_fclose FILE *b = NULL;
		unsigned int nr;

		if (!dash || sscanf(line, "%*d %*d %*s %*s %4096s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s %4096s", fstype, src) != 2)
			continue;
		if (strcmp(mnt, root) || strcmp(fstype, "ext4") ||
		    sscanf(src, "/dev/loop%u", &nr) != 1)
			continue;
		snprintf(path, sizeof(path), "/sys/block/loop%u/loop/backing_file",
			 nr);
		b = fopen(path, "re");
		if (b && fgets(back, sizeof(back), b)) {
			back[strcspn(back, "\n")] = '\0';
			if (!strcmp(back, img))
				return (int)nr;
		}
	}
	return -1;
}

/* What /sys says backs loop device nr ("" when detached). */
static void loop_backing(int nr, char *buf, size_t size)
{
	char path[128];
	cleanup_fclose FILE *b = NULL;

	snprintf(path, sizeof(path), "/sys/block/loop%d/loop/backing_file", nr);
	b = fopen(path, "re");
	if (!b || !fgets(buf, (int)size, b))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/*
 * After the umount, the ext4 may live on for a moment (on this host up to
 * ~0.1 s after a stop, still attached to its loop device, superblock not
 * yet written): someone's last reference to it goes after ours. Until the
 * autoclear detaches the device, the file must not be checked or resized
 * offline, and its superblock's counts are not final.
 */
int vx_image_wait_released(const struct vx_ct *ct, int nr,
			   struct vx_error **err)
{
	char was[PATH_MAX + 1], now[PATH_MAX + 1];

	if (nr < 0)
		return 0;
	loop_backing(nr, was, sizeof(was));
	for (int i = 0; i < 2000 && was[0]; i++) {
		loop_backing(nr, now, sizeof(now));
		if (strcmp(now, was))
			return 0;
		usleep(5000);
	}
	if (!was[0])
		return 0;
	return vx_error_set(err, VX_E_UMOUNT, EBUSY,
			    "ct %u: its disk image is still in use by /dev/loop%d 10 s after the unmount (is its file system mounted elsewhere? `grep -l loop%d /proc/*/mountinfo`)",
			    ct->ctid, nr, nr);
}

int vx_image_upper_umount(const struct vx_ct *ct, struct vx_error **err)
{
	char dir[PATH_MAX];
	int nr;

	if (vx_ct_layout(ct) != VX_LAYOUT_IMAGE_OVERLAY ||
	    vx_image_dir(ct, dir, sizeof(dir)) < 0 || !vx_is_mount_point(dir))
		return 0;
	/* The overlay's clone of this mount would keep the ext4 busy
	 * unseen (see the top of this file). */
	if (vx_overlay_is_mounted(ct))
		return vx_error_set(err, VX_E_UMOUNT, EBUSY,
				    "ct %u: %s is still mounted on %s; unmount that first",
				    ct->ctid, dir, ct->root);
	nr = vx_image_loop_nr(ct);
	if (umount2(dir, UMOUNT_NOFOLLOW) < 0)
		return vx_error_set(err, VX_E_UMOUNT, errno,
				    "ct %u: unmount the disk image from %s%s",
				    ct->ctid, dir, errno == EBUSY ?
				    " (a process on the host uses files in it; see `fuser -vm` on it)" : "");
	return vx_image_wait_released(ct, nr, err);
}

int vx_image_mount(const struct vx_ct *ct, struct vx_error **err)
{
	cleanup_free char *img = vx_image_path(ct->private);
	char real[PATH_MAX], dir[PATH_MAX];
	int ret;

	if (!img)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u", ct->ctid);
	if (!realpath(img, real))
		return vx_error_set(err, VX_E_NO_PRIVATE, errno,
				    "ct %u: disk image %s", ct->ctid, img);
	if (vx_ct_layout(ct) != VX_LAYOUT_IMAGE_OVERLAY)
		return vx_image_mount_at(real, ct->root, err);
	if (vx_image_dir(ct, dir, sizeof(dir)) < 0)
		return vx_error_set(err, VX_E_MOUNT, ENAMETOOLONG, "ct %u: %s",
				    ct->ctid, ct->private);
	/* A mount killed between the two steps left the ext4 on mnt. */
	ret = vx_image_upper_umount(ct, err);
	if (ret)
		return ret;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return vx_error_set(err, VX_E_MOUNT, errno, "ct %u: mkdir %s",
				    ct->ctid, dir);
	ret = vx_image_mount_at(real, dir, err);
	if (ret)
		return ret;
	/* As VE_ROOT's (mount.c): nothing mounted below it propagates. */
	if (mount(NULL, dir, NULL, MS_PRIVATE, NULL) < 0)
		ret = vx_error_set(err, VX_E_MOUNT, errno,
				   "ct %u: make %s a private mount", ct->ctid, dir);
	vx_crashpoint("mount-image-upper");
	if (!ret)
		ret = vx_overlay_mount(ct, err);
	if (ret)
		umount2(dir, MNT_DETACH);
	return ret;
}
