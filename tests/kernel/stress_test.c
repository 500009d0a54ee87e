// SPDX-License-Identifier: GPL-2.0
/*
 * stress_test.c - 1,000 create/enter/fork/kill/delete cycles leak nothing:
 * the context count returns to its baseline, and the slab caches that
 * would grow with a per-cycle leak (task_struct, files, sockets, pids,
 * and the kmalloc caches a context lives in) stay within a small slack.
 * (The guest harness additionally runs a kmemleak scan after the run.)
 */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <sys/socket.h>
#include <fcntl.h>

#include "vxtest.h"

#define CYCLES	1000
#define SLACK	64	/* objects; a per-cycle leak shows as >= CYCLES */

struct slab { char name[64]; long active; };
#define MAXSLAB 512

/* Read active_objs of every cache; returns the count or -errno. */
static int read_slabinfo(struct slab *s)
{
	FILE *f = fopen("/proc/slabinfo", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f) && n < MAXSLAB) {
		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld", s[n].name, &s[n].active) == 2)
			n++;
	}
	fclose(f);
	return n;
}

static long slab_active(struct slab *s, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s[i].name, name))
			return s[i].active;
	return -1;
}

/* "allocated N" of /proc/vz/stat: context structures not yet freed. */
static long vz_allocated(void)
{
	FILE *f = fopen("/proc/vz/stat", "r");
	char key[32];
	long v, r = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%31s %ld", key, &v) == 2)
		if (!strcmp(key, "allocated"))
			r = v;
	fclose(f);
	return r;
}

static int count_ctx(struct vxnl *nl)
{
	static struct vx_ctx_info list[16];
	int n = 0;

	if (vx_ctx_dump(nl, list, 16, &n, NULL))
		return -1;
	return n;
}

/* The helper forks a child that holds a socket and a file, then both wait. */
static int fork_and_hold(void *arg)
{
	pid_t *child = arg;
	pid_t p = fork();

	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		socket(AF_UNIX, SOCK_DGRAM, 0);
		open("/dev/null", O_RDONLY);
		pause();
		_exit(0);
	}
	if (p < 0)
		return 1;
	*child = p;
	pause();
	return 0;
}

TEST_TIMEOUT(create_enter_fork_kill_delete_1000, 600)
{
	static struct slab before[MAXSLAB], after[MAXSLAB];
	static const char *const watch[] = {
		"task_struct", "filp", "pid", "UNIX", "signal_cache",
		"kmalloc-64", "kmalloc-128", "kmalloc-256", "kmalloc-512",
		"kmalloc-1k", "kmalloc-2k", "kmalloc-4k",
	};
	pid_t *child = vxt_shared(sizeof(pid_t));
	int nb = 0, na, base;
	struct vxnl nl;
	struct timespec t0, t1;

	VXT_OPEN(&nl);
	ASSERT_NE(NULL, child);
	/* orphaned grandchildren come back to us to be reaped */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	base = count_ctx(&nl);
	ASSERT_GE(base, 0);
	long alloc0 = vz_allocated();
	clock_gettime(CLOCK_MONOTONIC, &t0);

	for (int i = 0; i < CYCLES + 50; i++) {
		uint32_t ctid = 2000000000U + i;
		struct vxt_task t;
		int err;

		/* the first 50 cycles warm the caches; measure after them */
		if (i == 50) {
			vxt_msleep(200);
			nb = read_slabinfo(before);
		}
		ASSERT_EQ(0, vx_ctx_new(&nl, ctid, NULL)) TH_LOG("cycle %d", i);
		*child = 0;
		ASSERT_EQ(0, vxt_spawn_in(&nl, ctid, &t, fork_and_hold, child, NULL));
		ASSERT_EQ(2, vxt_wait_nr_tasks(&nl, ctid, 2, 5000)) TH_LOG("cycle %d", i);
		while (!*child)
			vxt_msleep(1);
		kill(*child, SIGKILL);
		kill(t.pid, SIGKILL);
		ASSERT_EQ(128 + SIGKILL, vxt_reap(&t));
		while (waitpid(-1, NULL, 0) > 0)	/* the orphaned child */
			;
		err = vxt_ctx_del_wait(&nl, ctid, 5000);
		ASSERT_EQ(0, err) TH_LOG("cycle %d: ctx-del: %s", i, strerror(-err));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%d cycles in %.2f s", CYCLES + 50,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	EXPECT_EQ(base, count_ctx(&nl));
	/* every context structure freed again (frees are RCU-delayed) */
	long alloc1 = vz_allocated();

	for (int ms = 0; alloc1 > alloc0 && ms < 5000; ms += 50) {
		vxt_msleep(50);
		alloc1 = vz_allocated();
	}
	TH_LOG("/proc/vz/stat allocated: %ld -> %ld", alloc0, alloc1);
	EXPECT_LE(alloc1, alloc0);
	vxt_msleep(500);	/* RCU-delayed frees */
	na = read_slabinfo(after);
	if (nb <= 0 || na <= 0) {
		TH_LOG("no /proc/slabinfo (%s): checked the context count only",
		       strerror(nb < 0 ? -nb : -na));
	} else {
		for (unsigned int i = 0; i < sizeof(watch) / sizeof(watch[0]); i++) {
			long b = slab_active(before, nb, watch[i]);
			long a = slab_active(after, na, watch[i]);

			if (b < 0 || a < 0)
				continue;
			TH_LOG("%-14s %6ld -> %6ld", watch[i], b, a);
			EXPECT_LT(a - b, SLACK) TH_LOG("%s grew by %ld", watch[i], a - b);
		}
	}
	vxnl_close(&nl);
}

TEST_HARNESS_MAIN
