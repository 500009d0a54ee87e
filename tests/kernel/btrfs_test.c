// SPDX-License-Identifier: GPL-2.0
/*
 * btrfs_test.c - statfs of a btrfs subvolume with a qgroup limit reports
 * the limit (kernel-patches/0018).
 *
 * Every test gets a fresh btrfs on a loop device with quotas on and two
 * subvolumes: "lim", whose level 0 qgroup limits its referenced bytes to
 * LIMIT_MB, as vzctl limits a VPS's private area, and "free", without a
 * limit. statfs of "lim" reports the limit as its size and the bytes
 * written into it as used, for the host as for a task inside a context;
 * "free", the top-level subvolume, a cleared limit and quotas turned off
 * report the file system. A stock kernel reports the file system for all.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "vxtest.h"

#define IMG_MB		512
#define LIMIT_MB	16
#define WRITE_MB	4

struct shared {
	struct statfs sf;
	int err;
};

static struct shared *S;
static const char *mnt;		/* mount point of the test file system */
static char lim[96], nolim[96];	/* the two subvolumes */

/* statfs(@path) into S (run on the host or inside the context). */
static int statfs_to_shared(void *path)
{
	memset(&S->sf, 0, sizeof(S->sf));
	S->err = statfs(path, &S->sf) < 0 ? errno : 0;
	return 0;
}

static long long size_mb(const char *path)
{
	statfs_to_shared((void *)path);
	if (S->err)
		return -S->err;
	return (long long)S->sf.f_blocks * S->sf.f_bsize >> 20;
}

static long long used_kb(const char *path)
{
	statfs_to_shared((void *)path);
	if (S->err)
		return -S->err;
	return (long long)(S->sf.f_blocks - S->sf.f_bfree) * S->sf.f_bsize >> 10;
}

/* Write @mb MiB of zeros into @path and fsync it: a log commit, not a
 * transaction commit, so the qgroup's referenced bytes do not have it yet.
 */
static int write_mb(const char *path, int mb)
{
	static char buf[1 << 20];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int err = 0;

	if (fd < 0)
		return errno;
	for (int i = 0; i < mb && !err; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			err = errno ? errno : EIO;
	if (!err && fsync(fd) < 0)
		err = errno;
	close(fd);
	return err;
}

FIXTURE(btrfs) {
	struct vxnl nl;
	uint32_t ctid;
	struct vxt_loopfs fs;
};

FIXTURE_SETUP(btrfs)
{
	if (vxt_sh("command -v mkfs.btrfs >/dev/null && command -v btrfs >/dev/null"))
		SKIP(return, "mkfs.btrfs or btrfs is missing (apt-get install btrfs-progs; scripts/kernel/check-kernel installs it)");
	VXT_OPEN(&self->nl);
	self->ctid = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	S = vxt_shared(sizeof(*S));
	ASSERT_NE(NULL, S);

	ASSERT_EQ(0, vxt_loopfs_dirs(&self->fs, "/tmp/vx-btrfs.XXXXXX"));
	mnt = self->fs.mnt;
	snprintf(lim, sizeof(lim), "%s/lim", mnt);
	snprintf(nolim, sizeof(nolim), "%s/free", mnt);
	/* sparse */
	ASSERT_EQ(0, vxt_sh("truncate -s %dM %s && mkfs.btrfs -q -f %s >/dev/null",
			IMG_MB, self->fs.img, self->fs.img)) TH_LOG("mkfs.btrfs failed");
	ASSERT_EQ(0, vxt_sh("mount -o loop %s %s >&2", self->fs.img, mnt)) {
		TH_LOG("cannot mount a btrfs (CONFIG_BTRFS_FS?)");
	}
	self->fs.mounted = true;
	ASSERT_EQ(0, vxt_sh("btrfs quota enable %s && btrfs subvolume create %s >/dev/null && btrfs subvolume create %s >/dev/null && btrfs qgroup limit %dM %s",
			mnt, lim, nolim, LIMIT_MB, lim)) TH_LOG("btrfs qgroup setup failed");
}

FIXTURE_TEARDOWN(btrfs)
{
	EXPECT_EQ(0, vxt_loopfs_remove(&self->fs));
	if (!self->nl.sk)
		return;
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 5000));
	vxnl_close(&self->nl);
}

TEST_F(btrfs, statfs_reports_the_qgroup_limit)
{
	long long used0, used1;
	char file[128];

	EXPECT_EQ(LIMIT_MB, size_mb(lim));
	EXPECT_LE(S->sf.f_bavail, S->sf.f_bfree);
	EXPECT_EQ(BTRFS_SUPER_MAGIC, (unsigned long)S->sf.f_type);
	used0 = used_kb(lim);
	/* an empty subvolume: a 16 KiB leaf */
	EXPECT_LT(used0, 1024);

	/* the same inside a context: the limit is the subvolume's */
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, statfs_to_shared, lim));
	ASSERT_EQ(0, S->err);
	EXPECT_EQ((unsigned long long)LIMIT_MB << 20,
		  (unsigned long long)S->sf.f_blocks * S->sf.f_bsize);

	/* fsync'd, not committed: counted through the qgroup's reservation */
	snprintf(file, sizeof(file), "%s/f", lim);
	ASSERT_EQ(0, write_mb(file, WRITE_MB));
	used1 = used_kb(lim);
	EXPECT_GE(used1 - used0, WRITE_MB << 10) TH_LOG("used %lld -> %lld KiB", used0, used1);
	EXPECT_LE(used1 - used0, (WRITE_MB + 1) << 10);
	/* committed: the referenced bytes */
	ASSERT_EQ(0, vxt_sh("btrfs filesystem sync %s", mnt));
	used1 = used_kb(lim);
	EXPECT_GE(used1 - used0, WRITE_MB << 10) TH_LOG("used %lld -> %lld KiB", used0, used1);
	EXPECT_LE(used1 - used0, (WRITE_MB + 1) << 10);
	EXPECT_LE((long long)S->sf.f_bavail * S->sf.f_bsize >> 10,
		  ((long long)LIMIT_MB << 10) - used1);
}

TEST_F(btrfs, without_a_limit_statfs_is_the_file_systems)
{
	long long whole = size_mb(mnt);

	/* the top-level subvolume (no qgroup limit): mkfs's size */
	EXPECT_GT(whole, IMG_MB / 2);
	EXPECT_LE(whole, IMG_MB);
	EXPECT_EQ(whole, size_mb(nolim));
	/* the limit cleared */
	ASSERT_EQ(0, vxt_sh("btrfs qgroup limit none %s", lim));
	EXPECT_EQ(whole, size_mb(lim));
	/* set again, then quotas off: no qgroups at all */
	ASSERT_EQ(0, vxt_sh("btrfs qgroup limit %dM %s", LIMIT_MB, lim));
	EXPECT_EQ(LIMIT_MB, size_mb(lim));
	ASSERT_EQ(0, vxt_sh("btrfs quota disable %s", mnt));
	EXPECT_EQ(whole, size_mb(lim));
}

TEST_HARNESS_MAIN
