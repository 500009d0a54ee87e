// SPDX-License-Identifier: GPL-2.0
/*
 * quota_test.c - a context's disk limits hold for its root
 * (kernel-patches/0015-0017).
 *
 * Every test gets a fresh ext4 with project quotas and 25% root-reserved
 * blocks on a loop device, and a directory tagged with project PROJID and
 * PROJINHERIT, as vzctl tags a VPS's private area. The helper inside the
 * context keeps every capability of the test process, CAP_SYS_RESOURCE
 * and CAP_FOWNER included, like a VPS's root. Inside the context: EDQUOT
 * at the block and inode hard limits and after an expired soft-limit
 * grace, EINVAL for a project id change, ENOSPC where only the reserved
 * blocks are left. The host's root (the test process) is exempt from all
 * of these, as before the patches.
 *
 * xfs enforces quotas for root too, but forces the quota transfer of a
 * chown by a CAP_FOWNER task: inside a context that chown fails with
 * EDQUOT (user quota on an xfs, mounted uquota,prjquota).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/quota.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

#include "vxtest.h"

#define PROJID		4242
#define IMG_MB		32
#define RESERVE_PCT	25
#define CHUNK		(64 * 1024)

struct result {
	long long bytes;	/* written before the first error */
	int files;		/* created before the first error */
	int err;		/* errno of the first error, 0 if none */
	int err2;		/* a second operation's errno */
};

static struct result *R;
static const char *mnt;		/* mount point of the test file system */

/* Write up to @max bytes to @path (appending); fill R. */
static int write_upto(const char *path, long long max)
{
	static char buf[CHUNK];
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	R->bytes = 0;
	R->err = 0;
	if (fd < 0) {
		R->err = errno;
		return 0;
	}
	while (R->bytes < max) {
		ssize_t n = write(fd, buf, sizeof(buf));

		if (n < 0) {
			R->err = errno;
			break;
		}
		R->bytes += n;
	}
	if (!R->err && fsync(fd) < 0)
		R->err = errno;
	close(fd);
	return 0;
}

static int write_1m_to(void *path)
{
	return write_upto(path, 1LL << 20);
}

static int write_4m_to(void *path)
{
	return write_upto(path, 4LL << 20);
}

static int write_64k_to(void *path)
{
	return write_upto(path, CHUNK);
}

static int fill_fs(void *path)
{
	return write_upto(path, (long long)IMG_MB << 20);
}

/* Create files @arg/f0, f1, ... until an error or 64 of them. */
static int create_files(void *arg)
{
	char path[128];

	R->files = 0;
	R->err = 0;
	for (int i = 0; i < 64; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%d", (char *)arg, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			R->err = errno;
			break;
		}
		close(fd);
		R->files++;
	}
	return 0;
}

static int set_fsx(const char *path, uint32_t projid, uint32_t set,
		   uint32_t clear)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct fsxattr fa;
	int err = 0;

	if (fd < 0)
		return errno;
	if (ioctl(fd, FS_IOC_FSGETXATTR, &fa) < 0) {
		err = errno;
	} else {
		fa.fsx_projid = projid;
		fa.fsx_xflags = (fa.fsx_xflags | set) & ~clear;
		if (ioctl(fd, FS_IOC_FSSETXATTR, &fa) < 0)
			err = errno;
	}
	close(fd);
	return err;
}

/* In the context: move a file to project 0, clear PROJINHERIT on a dir. */
static int change_projects(void *arg)
{
	char file[128], dir[128];

	(void)arg;
	snprintf(file, sizeof(file), "%s/p/file", mnt);
	snprintf(dir, sizeof(dir), "%s/p/sub", mnt);
	R->err = set_fsx(file, 0, 0, 0);
	R->err2 = set_fsx(dir, PROJID, 0, FS_XFLAG_PROJINHERIT);
	/* other attributes stay settable: NOATIME, same project */
	R->files = set_fsx(file, PROJID, FS_XFLAG_NOATIME, 0);
	return 0;
}

static long long proj_usage_kb(void)
{
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct if_dqblk q;
	long r;

	memset(&q, 0, sizeof(q));
	if (fd < 0)
		return -errno;
	r = syscall(SYS_quotactl_fd, fd, QCMD(Q_GETQUOTA, PRJQUOTA), PROJID, &q);
	close(fd);
	return r < 0 ? -errno : (long long)(q.dqb_curspace >> 10);
}

static int set_limits(uint64_t bsoft_kb, uint64_t bhard_kb, uint64_t ihard,
		      uint64_t bgrace)
{
	int fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct if_dqblk q = {
		.dqb_bsoftlimit = bsoft_kb, .dqb_bhardlimit = bhard_kb,
		.dqb_ihardlimit = ihard, .dqb_valid = QIF_LIMITS,
	};
	struct if_dqinfo qi = { .dqi_bgrace = bgrace, .dqi_valid = IIF_BGRACE };
	int err = 0;

	if (fd < 0)
		return errno;
	if (syscall(SYS_quotactl_fd, fd, QCMD(Q_SETQUOTA, PRJQUOTA), PROJID, &q) < 0 ||
	    (bgrace && syscall(SYS_quotactl_fd, fd, QCMD(Q_SETINFO, PRJQUOTA), 0, &qi) < 0))
		err = errno;
	close(fd);
	return err;
}

static bool has_cap(int cap)
{
	char line[256];
	unsigned long long eff = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff >> cap & 1;
}

FIXTURE(quota) {
	struct vxnl nl;
	uint32_t ctid;
	struct vxt_loopfs fs;
	char proj[96];
};

FIXTURE_SETUP(quota)
{
	if (!has_cap(CAP_SYS_RESOURCE) || !has_cap(CAP_FOWNER))
		SKIP(return, "the test process lacks CAP_SYS_RESOURCE or CAP_FOWNER: neither the host's exemption nor its denial inside a context can be shown");
	VXT_OPEN(&self->nl);
	self->ctid = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	R = vxt_shared(sizeof(*R));
	ASSERT_NE(NULL, R);

	ASSERT_EQ(0, vxt_loopfs_dirs(&self->fs, "/tmp/vx-quota.XXXXXX"));
	mnt = self->fs.mnt;
	snprintf(self->proj, sizeof(self->proj), "%s/p", mnt);
	ASSERT_EQ(0, vxt_sh("truncate -s %dM %s && mkfs.ext4 -q -F -O quota,project -m %d %s >&2",
			IMG_MB, self->fs.img, RESERVE_PCT, self->fs.img)) TH_LOG("mkfs.ext4 failed");
	ASSERT_EQ(0, vxt_sh("mount -o loop,prjquota %s %s >&2", self->fs.img, mnt)) {
		TH_LOG("cannot mount an ext4 with prjquota (CONFIG_QUOTA, QFMT_V2?)");
	}
	self->fs.mounted = true;
	ASSERT_EQ(0, mkdir(self->proj, 0777));
	ASSERT_EQ(0, set_fsx(self->proj, PROJID, FS_XFLAG_PROJINHERIT, 0));
}

FIXTURE_TEARDOWN(quota)
{
	EXPECT_EQ(0, vxt_loopfs_remove(&self->fs));
	if (!self->nl.sk)
		return;
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 5000));
	vxnl_close(&self->nl);
}

TEST_F(quota, block_hard_limit_holds_in_context)
{
	char ctx[128], host[128];

	snprintf(ctx, sizeof(ctx), "%s/ctx", self->proj);
	snprintf(host, sizeof(host), "%s/host", self->proj);
	ASSERT_EQ(0, set_limits(0, 1024, 0, 0));

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, write_4m_to, ctx));
	EXPECT_EQ(EDQUOT, R->err) TH_LOG("context root wrote %lld bytes: %s",
					 R->bytes, strerror(R->err));
	EXPECT_LE(R->bytes, 1LL << 20);
	EXPECT_GE(R->bytes, 512LL << 10);

	/* the host's root goes past the limit */
	write_4m_to(host);
	EXPECT_EQ(0, R->err) TH_LOG("host write: %s", strerror(R->err));
	EXPECT_GT(proj_usage_kb(), 4096);
}

TEST_F(quota, inode_hard_limit_holds_in_context)
{
	char ctx[128], host[128];

	snprintf(ctx, sizeof(ctx), "%s/c", self->proj);
	snprintf(host, sizeof(host), "%s/h", self->proj);
	ASSERT_EQ(0, mkdir(ctx, 0777));	/* p and c: 2 inodes */
	ASSERT_EQ(0, mkdir(host, 0777));	/* 3 */
	ASSERT_EQ(0, set_limits(0, 0, 8, 0));

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, create_files, ctx));
	EXPECT_EQ(EDQUOT, R->err) TH_LOG("context root created %d files: %s",
					 R->files, strerror(R->err));
	EXPECT_EQ(5, R->files);

	create_files(host);
	EXPECT_EQ(64, R->files) TH_LOG("host: %s", strerror(R->err));
}

TEST_F(quota, expired_grace_holds_in_context)
{
	char ctx[128], host[128];

	snprintf(ctx, sizeof(ctx), "%s/ctx", self->proj);
	snprintf(host, sizeof(host), "%s/host", self->proj);
	/*
	 * soft 256K with a 3 s grace (its end is rounded to whole seconds:
	 * 1 s could be over at once), hard 8M
	 */
	ASSERT_EQ(0, set_limits(256, 8192, 0, 3));

	/* past the soft limit: allowed, and the grace period starts */
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, write_1m_to, ctx));
	ASSERT_EQ(0, R->err) TH_LOG("within the grace: %s", strerror(R->err));
	vxt_msleep(4500);

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, write_64k_to, ctx));
	EXPECT_EQ(EDQUOT, R->err) TH_LOG("after the grace, context root: %s",
					 strerror(R->err));
	write_64k_to(host);
	EXPECT_EQ(0, R->err) TH_LOG("after the grace, host: %s", strerror(R->err));
}

TEST_F(quota, project_id_is_fixed_in_context)
{
	char file[128], sub[128];
	int fd;

	snprintf(file, sizeof(file), "%s/file", self->proj);
	snprintf(sub, sizeof(sub), "%s/sub", self->proj);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, mkdir(sub, 0777));

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, change_projects, NULL));
	EXPECT_EQ(EINVAL, R->err) TH_LOG("project 0 on a file: %s", strerror(R->err));
	EXPECT_EQ(EINVAL, R->err2) TH_LOG("clear PROJINHERIT: %s", strerror(R->err2));
	EXPECT_EQ(0, R->files) TH_LOG("NOATIME: %s", strerror(R->files));

	/* the host may */
	EXPECT_EQ(0, set_fsx(file, 7, 0, 0));
	EXPECT_EQ(0, set_fsx(sub, PROJID, 0, FS_XFLAG_PROJINHERIT));
}

TEST_F_TIMEOUT(quota, reserved_blocks_are_the_hosts, 180)
{
	char ctx[128], host[128];
	struct statvfs sv;
	long long free_kb, reserve_kb;

	/* outside the project: only the file system's own size limits */
	snprintf(ctx, sizeof(ctx), "%s/ctx.fill", mnt);
	snprintf(host, sizeof(host), "%s/host.fill", mnt);
	ASSERT_EQ(0, statvfs(mnt, &sv));
	reserve_kb = (long long)(sv.f_bfree - sv.f_bavail) * sv.f_frsize >> 10;
	EXPECT_GE(reserve_kb, IMG_MB * 1024 * RESERVE_PCT / 100 * 9 / 10);

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, fill_fs, ctx));
	EXPECT_EQ(ENOSPC, R->err) TH_LOG("context root wrote %lld bytes: %s",
					 R->bytes, strerror(R->err));
	ASSERT_EQ(0, statvfs(mnt, &sv));
	free_kb = (long long)sv.f_bfree * sv.f_frsize >> 10;
	/* what is left is (nearly all) the reserve */
	EXPECT_GE(free_kb, reserve_kb * 3 / 4) TH_LOG("context left %lld KiB of a %lld KiB reserve",
						     free_kb, reserve_kb);

	/* the host's root still writes into the reserve */
	write_1m_to(host);
	EXPECT_EQ(0, R->err) TH_LOG("host write into the reserve: %s",
				    strerror(R->err));
}

/* xfs: a chown by a CAP_FOWNER task inside a context is quota-checked. */

#define XFS_UID		4321

static int chown_to_uid(void *path)
{
	R->err = chown(path, XFS_UID, -1) < 0 ? errno : 0;
	return 0;
}

FIXTURE(xfs) {
	struct vxnl nl;
	uint32_t ctid;
	struct vxt_loopfs fs;
};

FIXTURE_SETUP(xfs)
{
	if (!has_cap(CAP_FOWNER) || !has_cap(CAP_CHOWN))
		SKIP(return, "the test process lacks CAP_FOWNER or CAP_CHOWN");
	if (vxt_sh("command -v mkfs.xfs >/dev/null"))
		SKIP(return, "mkfs.xfs is missing (apt-get install xfsprogs; scripts/kernel/check-kernel installs it)");
	VXT_OPEN(&self->nl);
	self->ctid = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	R = vxt_shared(sizeof(*R));
	ASSERT_NE(NULL, R);

	ASSERT_EQ(0, vxt_loopfs_dirs(&self->fs, "/tmp/vx-xfs.XXXXXX"));
	mnt = self->fs.mnt;
	/* 300 MB is mkfs.xfs's minimum; the file is sparse */
	ASSERT_EQ(0, vxt_sh("truncate -s 320M %s && mkfs.xfs -q -f %s >&2",
			self->fs.img, self->fs.img)) TH_LOG("mkfs.xfs failed");
	ASSERT_EQ(0, vxt_sh("mount -o loop,uquota,prjquota %s %s >&2", self->fs.img, mnt)) {
		TH_LOG("cannot mount an xfs with uquota,prjquota (CONFIG_XFS_QUOTA?)");
	}
	self->fs.mounted = true;
}

FIXTURE_TEARDOWN(xfs)
{
	EXPECT_EQ(0, vxt_loopfs_remove(&self->fs));
	if (!self->nl.sk)
		return;
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 5000));
	vxnl_close(&self->nl);
}

TEST_F(xfs, chown_over_user_quota_fails_in_context)
{
	struct if_dqblk q = { .dqb_bhardlimit = 1024, .dqb_valid = QIF_LIMITS };
	char ctx[128], host[128];
	int fd;

	snprintf(ctx, sizeof(ctx), "%s/ctx", mnt);
	snprintf(host, sizeof(host), "%s/host", mnt);
	write_4m_to(ctx);
	ASSERT_EQ(0, R->err) TH_LOG("host write: %s", strerror(R->err));
	write_4m_to(host);
	ASSERT_EQ(0, R->err) TH_LOG("host write: %s", strerror(R->err));
	fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, syscall(SYS_quotactl_fd, fd, QCMD(Q_SETQUOTA, USRQUOTA),
			     XFS_UID, &q)) TH_LOG("Q_SETQUOTA: %m");
	close(fd);

	/* 4 MiB to a user with a 1 MiB hard limit */
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, chown_to_uid, ctx));
	EXPECT_EQ(EDQUOT, R->err) TH_LOG("chown in the context: %s",
					 strerror(R->err));
	chown_to_uid(host);
	EXPECT_EQ(0, R->err) TH_LOG("chown on the host: %s", strerror(R->err));
}

TEST_HARNESS_MAIN
