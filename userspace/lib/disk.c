// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Disk limits and usage of a CT (DISKSPACE, DISKINODES): what vzlist shows
 * and what `vzctl set --diskspace` changes.
 *
 * Enforced where the layout can: the image layout's limit is the size of
 * its ext4 (image.c). Growing works online, as OpenVZ's ploop does: the
 * image file is extended, the loop device told its new capacity
 * (LOOP_SET_CAPACITY) and the mounted ext4 grown by resize2fs. Shrinking
 * ext4 is only possible unmounted, so a running CT refuses it (exit 21,
 * "stop it first"); a stopped one is checked (e2fsck -f), shrunk by
 * resize2fs (which refuses, with its message, if the files do not fit) and
 * the file truncated. Both orders are crash-safe: a file larger than its
 * file system is harmless, and the next resize finishes the job. The inode
 * count of an ext4 is fixed at mkfs: a new DISKINODES is saved and applies
 * to the next image made, vzctl says so.
 *
 * overlay and plain CTs would need project quotas on the private area's
 * file system; that is not implemented, and on a kernel without
 * CONFIG_QUOTA (no /proc/sys/fs/quota, this project's development host)
 * it cannot be: the limit is saved and vzctl says plainly why it is not
 * enforced.
 *
 * Usage: a mounted image by statfs() of VE_ROOT (the kernel's live
 * counters); an unmounted one from its ext4 superblock (block and inode
 * counts, exact after the umount that wrote it), no mount needed, so
 * vzlist stays cheap for a thousand CTs.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/loop.h>
#include <stdint.h>
#include <sys/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "btrfs.h"
#include "cleanup.h"
#include "disk.h"
#include "layout.h"
#include "quota.h"
#include "storage.h"
#include "values.h"

/* ext4 superblock fields (offsets within the 1 KiB superblock at 1024). */
#define SB_OFF 1024
#define SB_INODES 0x00
#define SB_BLOCKS_LO 0x04
#define SB_FREE_BLOCKS_LO 0x0c
#define SB_FREE_INODES 0x10
#define SB_LOG_BLOCK 0x18
#define SB_MAGIC 0x38
#define SB_FEATURE_INCOMPAT 0x60
#define SB_BLOCKS_HI 0x150
#define SB_FREE_BLOCKS_HI 0x158
#define INCOMPAT_64BIT 0x80

static uint32_t le32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

/* Block size, block count and free blocks/inodes from the superblock. */
static int image_sb(const char *img, uint64_t *bsize, uint64_t *blocks,
		    uint64_t *freeb, uint64_t *inodes, uint64_t *freei)
{
	unsigned char sb[1024];
	cleanup_close int fd = open(img, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, sb, sizeof(sb), SB_OFF) != (ssize_t)sizeof(sb))
		return -EIO;
	if (sb[SB_MAGIC] != 0x53 || sb[SB_MAGIC + 1] != 0xef)
		return -EINVAL;
	*bsize = 1024ULL << le32(sb + SB_LOG_BLOCK);
	*blocks = le32(sb + SB_BLOCKS_LO);
	*freeb = le32(sb + SB_FREE_BLOCKS_LO);
	if (le32(sb + SB_FEATURE_INCOMPAT) & INCOMPAT_64BIT) {
		*blocks |= (uint64_t)le32(sb + SB_BLOCKS_HI) << 32;
		*freeb |= (uint64_t)le32(sb + SB_FREE_BLOCKS_HI) << 32;
	}
	*inodes = le32(sb + SB_INODES);
	*freei = le32(sb + SB_FREE_INODES);
	return 0;
}

/*
 * Usage counts everything allocated on the CT's file system, its metadata
 * (journal, inode tables) included, so it reads the same whether the CT
 * is mounted or not: the block and inode totals come from the superblock
 * (the kernel writes them there at mount and resize), the free counts from
 * statfs() while mounted (the on-disk ones lag behind then) and from the
 * superblock otherwise (exact after the umount that wrote them).
 */
int vx_disk_usage(const struct vx_ct *ct, struct vx_disk_usage *u)
{
	cleanup_free char *img = NULL;
	uint64_t bsize, blocks, freeb, inodes, freei;
	struct statfs sf;
	int ret;

	u->used_kb = u->used_inodes = u->limit_kb = -1;
	/* btrfs: the qgroup's referenced bytes and limit; it counts no
	 * inodes. */
	if (vx_ct_layout(ct) == VX_LAYOUT_BTRFS)
		return vx_btrfs_usage(ct->private, &u->used_kb, &u->limit_kb);
	if (!vx_layout_is_image(vx_ct_layout(ct))) {
		if (!vx_quota_active(ct->private, ct->ctid))
			return -EOPNOTSUPP;
		return vx_quota_usage(ct->private, ct->ctid, &u->used_kb,
				      &u->used_inodes);
	}
	img = vx_image_path(ct->private);
	if (!img)
		return -ENOMEM;
	ret = image_sb(img, &bsize, &blocks, &freeb, &inodes, &freei);
	if (ret < 0)
		return ret;
	if (vx_image_is_mounted(ct)) {
		char dir[PATH_MAX];

		if (vx_image_dir(ct, dir, sizeof(dir)) < 0 || statfs(dir, &sf) < 0)
			return -errno;
		freeb = sf.f_bfree * (uint64_t)sf.f_bsize / bsize;
		freei = sf.f_ffree;
	}
	u->used_kb = blocks > freeb ? (long long)((blocks - freeb) * bsize / 1024) : 0;
	u->used_inodes = inodes > freei ? (long long)(inodes - freei) : 0;
	return 0;
}

bool vx_disk_quota_kernel(void)
{
	return access("/proc/sys/fs/quota", F_OK) == 0;
}

static bool has_sys_resource(void)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (caps) {
		cap_get_flag(caps, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v);
		cap_free(caps);
	}
	return v == CAP_SET;
}

static const char *find_tool(const char *name, char *buf, size_t size)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(buf, size, "%s/%s", dirs[i], name);
		if (access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* The loop device under a mounted image CT (/dev/loopN), from mountinfo. */
static int image_loop_dev(const struct vx_ct *ct, char *dev, size_t size)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	char root[PATH_MAX], dir[PATH_MAX];
	size_t cap = 0;

	if (!f || vx_image_dir(ct, dir, sizeof(dir)) < 0 || !realpath(dir, root))
		return -ENOENT;
	while (getline(&line, &cap, f) > 0) {
		char mnt[PATH_MAX + 1], src[PATH_MAX + 1];
		const char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*d %*d %*s %*s %4096s", mnt) != 1 ||
		    sscanf(dash + 3, "%*s %4096s", src) != 1)
			continue;
		if (!strcmp(mnt, root) && !strncmp(src, "/dev/loop", 9) &&
		    strlen(src) < size) {
			memcpy(dev, src, strlen(src) + 1);
			return 0;
		}
	}
	return -ENOENT;
}

static int tool(const char *name, char *const args[], const char *what,
		unsigned int ctid, struct vx_error **err)
{
	char path[64], msg[512];
	char *argv[8] = { NULL };
	size_t n = 0;
	int ret;

	if (!find_tool(name, path, sizeof(path)))
		return vx_error_set(err, VX_E_SYSTEM, 0,
				    "ct %u: %s needs %s: apt-get install e2fsprogs",
				    ctid, what, name);
	argv[n++] = path;
	for (size_t i = 0; args[i] && n < ARRAY_SIZE(argv) - 1; i++)
		argv[n++] = args[i];
	ret = vx_image_run_tool(argv, msg, sizeof(msg));
	/* e2fsck: 1 = errors corrected, fine */
	if (ret && !(ret == 1 && !strcmp(name, "e2fsck")))
		return vx_error_set(err, VX_E_SYSTEM, 0,
				    "ct %u: %s: %s failed (exit %d): %s", ctid,
				    what, name, ret, msg[0] ? msg : "no message");
	return 0;
}

int vx_disk_resize(const struct vx_ct *ct, unsigned long long bytes,
		   struct vx_error **err)
{
	cleanup_free char *img = vx_image_path(ct->private);
	cleanup_close int fd = -1;
	char dev[PATH_MAX], size[32];
	struct stat st;
	bool mounted;
	int ret;

	if (!img)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "ct %u", ct->ctid);
	fd = open(img, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return vx_error_set(err, VX_E_NO_PRIVATE, errno,
				    "ct %u: disk image %s", ct->ctid, img);
	if (bytes < 16ULL << 20)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "ct %u: an image needs a disk limit of at least 16M",
				    ct->ctid), -EINVAL;
	if ((unsigned long long)st.st_size == bytes)
		return 0;
	/* image-overlay: the ext4 sits under the overlay; one left mounted
	 * alone by a killed mount is unmounted, the CT is stopped. */
	if (!vx_ct_is_mounted(ct)) {
		ret = vx_image_upper_umount(ct, err);
		if (ret)
			return ret;
	}
	mounted = vx_image_is_mounted(ct) || vx_ct_is_mounted(ct);
	snprintf(size, sizeof(size), "%lluK", bytes / 1024);
	if ((unsigned long long)st.st_size < bytes) {
		/* ext4's online resize (EXT4_IOC_RESIZE_FS) wants
		 * CAP_SYS_RESOURCE: say so, before anything changes, instead
		 * of resize2fs's bare "Permission denied". */
		if (mounted && !has_sys_resource())
			return vx_error_set(err, VX_E_SYSTEM, EPERM,
					    "ct %u: growing a mounted ext4 needs CAP_SYS_RESOURCE, which vxd does not have here (its capability bounding set lacks it); stop the CT and run the same `vzctl set --diskspace` again to grow it offline",
					    ct->ctid);
		if (ftruncate(fd, (off_t)bytes) < 0 || fsync(fd) < 0)
			return vx_error_set(err, VX_E_SYSTEM, errno,
					    "ct %u: grow %s", ct->ctid, img);
		if (mounted) {
			cleanup_close int lfd = -1;

			if (image_loop_dev(ct, dev, sizeof(dev)) < 0 ||
			    (lfd = open(dev, O_RDWR | O_CLOEXEC)) < 0 ||
			    ioctl(lfd, LOOP_SET_CAPACITY, 0) < 0)
				return vx_error_set(err, VX_E_SYSTEM, errno,
						    "ct %u: tell the loop device of %s its new size",
						    ct->ctid, img);
			return tool("resize2fs", (char *[]){ dev, NULL },
				    "grow the mounted file system", ct->ctid, err);
		}
		ret = tool("e2fsck", (char *[]){ "-f", "-p", img, NULL },
			   "check before growing", ct->ctid, err);
		return ret ?: tool("resize2fs", (char *[]){ img, size, NULL },
				   "grow the file system", ct->ctid, err);
	}
	if (mounted)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "ct %u: shrinking the disk of an image CT needs it stopped and unmounted (ext4 cannot shrink online); stop it first, or grow instead",
				    ct->ctid), -EBUSY;
	ret = tool("e2fsck", (char *[]){ "-f", "-p", img, NULL },
		   "check before shrinking", ct->ctid, err);
	if (!ret)
		ret = tool("resize2fs", (char *[]){ img, size, NULL },
			   "shrink the file system (do the CT's files fit?)",
			   ct->ctid, err);
	if (!ret && (ftruncate(fd, (off_t)bytes) < 0 || fsync(fd) < 0))
		ret = vx_error_set(err, VX_E_SYSTEM, errno, "ct %u: truncate %s",
				   ct->ctid, img);
	return ret;
}

const char *vx_disk_unenforced(const struct vx_ct *ct)
{
	if (vx_layout_is_image(vx_ct_layout(ct)) ||
	    vx_ct_layout(ct) == VX_LAYOUT_BTRFS ||
	    vx_quota_active(ct->private, ct->ctid))
		return NULL;
	if (!vx_disk_quota_kernel())
		return "disk limits of overlay and plain CTs need project quotas, and this kernel has none (no CONFIG_QUOTA: /proc/sys/fs/quota is missing); use --layout image-overlay (or image) for an enforced limit";
	if (!vx_quota_available(ct->private))
		return "disk limits of overlay and plain CTs need project quotas on the file system of VE_PRIVATE, which has none (ext4: mkfs.ext4 -O quota,project, mount -o prjquota); use --layout image-overlay (or image) for an enforced limit";
	return "this CT was created without a disk limit, so its files are not tagged with its project id (quotas apply from create on); use --layout image-overlay (or image), or recreate it with --diskspace";
}

const char *vx_disk_inodes_unenforced(const struct vx_ct *ct)
{
	if (vx_ct_layout(ct) == VX_LAYOUT_BTRFS)
		return "btrfs qgroups limit bytes, not inodes (DISKSPACE is enforced)";
	return NULL;
}
