/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxtest.h - helpers shared by the kernel tests: unique ctids, tasks that
 * run a function inside a context, shared result pages, polling.
 *
 * The model every test follows: the test process stays on the host
 * (ctid 0) and talks netlink; work that must happen inside a context runs
 * in a forked helper which blocks on a pipe until the test has moved it
 * into the context with ctx-enter, then runs its function and exits with
 * its return value.  Results richer than an exit code go through a
 * MAP_SHARED page (vxt_shared()).
 */
#ifndef VX_TESTS_VXTEST_H
#define VX_TESTS_VXTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "harness.h"
#include "vxnl.h"

#define UNLIMITED	VX_RES_UNLIMITED
#define KEEP		UINT64_MAX	/* vx_res_set(): leave value unchanged */

struct vxt_task {
	pid_t pid;
	int go;		/* write end of the start pipe, -1 once released */
};

typedef int (*vxt_fn)(void *arg);

/* A ctid no other test in this run uses (derived from the pid). */
uint32_t vxt_new_ctid(void);
/* A zeroed MAP_SHARED area visible to helpers forked afterwards. */
void *vxt_shared(size_t size);

/* Fork a helper that waits for vxt_release() and then runs @fn. */
int vxt_spawn(struct vxt_task *t, vxt_fn fn, void *arg);
/* A task body that blocks until the write end of the pipe @arg (int[2])
 * is closed everywhere: keeps a context populated for as long as a test
 * holds p[1]. */
int vxt_idle(void *arg);
void vxt_release(struct vxt_task *t);
/* Reap the helper: its exit code, or 128 + signal. */
int vxt_reap(struct vxt_task *t);
/* vxt_spawn + ctx-enter by pid + release; returns 0 or the enter error. */
int vxt_spawn_in(struct vxnl *h, uint32_t ctid, struct vxt_task *t,
		 vxt_fn fn, void *arg, struct vxnl_ack *ack);
/* Spawn in @ctid, wait, return the helper's exit code (or -errno). */
int vxt_run_in(struct vxnl *h, uint32_t ctid, vxt_fn fn, void *arg);

/* Delete @ctid, retrying while it is busy (tasks still exiting). */
int vxt_ctx_del_wait(struct vxnl *h, uint32_t ctid, int timeout_ms);
/* Poll until ctx-get reports @n tasks; returns the last count seen. */
int vxt_wait_nr_tasks(struct vxnl *h, uint32_t ctid, uint32_t n,
		      int timeout_ms);
/* held of one resource, or -1 on error. */
int64_t vxt_held(struct vxnl *h, uint32_t ctid, uint32_t res);
/* Poll until held of @res is @want; returns the last value seen. */
int64_t vxt_wait_held(struct vxnl *h, uint32_t ctid, uint32_t res,
		      int64_t want, int timeout_ms);
void vxt_msleep(int ms);
/* Drop to uid/gid 65534 and clear every capability set. */
int vxt_drop_privs(bool setuid_nobody);

/* system() of a printf-formatted command line (mkfs, mount, btrfs). */
int vxt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A scratch file system for quota and statfs tests: a temp dir (mkdtemp
 * of @tmpl, "/tmp/NAME.XXXXXX") holding the image TMP/img and the mount
 * point TMP/mnt, which vxt_loopfs_dirs() makes. The caller mkfs's and
 * mounts, then sets @mounted. */
struct vxt_loopfs {
	char tmp[40], img[48], mnt[48];
	bool mounted;
};
int vxt_loopfs_dirs(struct vxt_loopfs *fs, const char *tmpl);
/* Unmounts (if mounted) and removes it all; 0 or umount's status. */
int vxt_loopfs_remove(struct vxt_loopfs *fs);

/* The common fixture body: a netlink handle and one fresh context. */
#define VXT_OPEN(nl) do {						\
	int __err = vxnl_open(nl);					\
	ASSERT_EQ(0, __err) {						\
		TH_LOG("cannot open generic netlink family \"%s\": %s", \
		       VX_GENL_NAME, strerror(-__err));			\
	}								\
} while (0)

/* Assert that a rejection came with a non-empty extack message. */
#define ASSERT_EXTACK(ack) do {						\
	ASSERT_NE(0, (ack)->msg[0]) {					\
		TH_LOG("error %d (%s) carried no extack message",	\
		       (ack)->error, strerror(-(ack)->error));		\
	}								\
	TH_LOG("extack: \"%s\"", (ack)->msg);				\
} while (0)

#endif /* VX_TESTS_VXTEST_H */
