// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Removal of stopped VPSes' nftables tables, batched (see net.h).
 *
 * Each nftables transaction waits for an RCU grace period (10-20 ms here)
 * with the namespace's commit mutex held, and the close of any nftables
 * socket takes that mutex too: one removal per stop, hundreds of stops
 * at once, made every stop wait behind all the others' grace periods. So
 * a stop removes nothing itself. It drops an empty file "CTID.HANDLE" into
 * rundir/nft-gc/ and makes sure a reaper runs; the reaper removes all
 * queued tables in one transaction (whatever queued up while the previous
 * one waited) and exits when the queue is empty.
 *
 * By handle, recorded when the table was made: only the table of the run
 * that stopped goes, never the one a quick restart has made meanwhile.
 *
 * One reaper at a time: it holds an flock on rundir/nft-gc/.lock. A stop
 * that finds the lock taken leaves its entry to the holder, which, having
 * unlocked, looks once more and takes the lock again if anything is left,
 * so no entry is stranded. A killed reaper leaves its entries queued for
 * the next stop's reaper or for vxd's start.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "net.h"
#include "nft.h"

#define REAP_BATCH 256	/* tables per transaction */

static char *queue_dir(const struct vx_global *g)
{
	char *p = NULL;

	if (asprintf(&p, "%s/nft-gc", g->rundir) < 0)
		return NULL;
	return p;
}

/* The reaper's lock, taken without waiting; -1 if another holds it. */
static int reap_lock(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Up to REAP_BATCH queued entries; their count. */
static size_t queued(const char *dir, unsigned int *ctids, uint64_t *handles)
{
	cleanup_dir DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	while (d && n < REAP_BATCH && (de = readdir(d))) {
		unsigned long long h;
		unsigned int ctid;
		char end;

		if (sscanf(de->d_name, "%u.%llu%c", &ctid, &h, &end) != 2 || !h)
			continue;
		ctids[n] = ctid;
		handles[n++] = h;
	}
	return n;
}

/* Empties the queue; lock is held on entry and released on return. */
static void reap(const char *dir, int lock)
{
	unsigned int ctids[REAP_BATCH];
	uint64_t handles[REAP_BATCH];
	char path[4096];
	size_t n;

	for (;;) {
		n = queued(dir, ctids, handles);
		if (!n) {
			close(lock);
			/* an entry queued while we held the lock */
			if (!queued(dir, ctids, handles) ||
			    (lock = reap_lock(dir)) < 0)
				return;
			continue;
		}
		/* a table that cannot go is logged by nobody and retried by
		 * nobody: dropping the entry keeps one bad table from
		 * blocking the queue (the next start of that CTID replaces
		 * it) */
		vx_nft_ct_del_handles(ctids, handles, n);
		for (size_t i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/%u.%llu", dir, ctids[i],
				 (unsigned long long)handles[i]);
			unlink(path);
		}
	}
}

/* A reaper in a child holding lock; the caller keeps running. */
static void reaper_spawn(const char *dir, int lock, bool detach)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* a caller that lives on gets no zombie: one more fork */
		if (detach && fork() != 0)
			_exit(0);
		/* nothing of the caller's (a client's socket, a CT lock)
		 * may stay open in a process that outlives it */
		close_range(3, (unsigned int)lock - 1, 0);
		close_range((unsigned int)lock + 1, ~0U, 0);
		reap(dir, lock);
		_exit(0);
	}
	if (pid < 0)
		reap(dir, lock);	/* no process to spare: do it here */
	else {
		close(lock);
		if (detach)
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
}

void vx_net_reap_queue(const struct vx_global *g, unsigned int ctid,
		       uint64_t handle, bool detach)
{
	cleanup_free char *dir = queue_dir(g);
	char path[4096];
	int fd, lock;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%u.%llu", dir, ctid,
		 (unsigned long long)handle);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	/* the directory only at the first stop: mkdir -p is a syscall per
	 * path component */
	if (fd < 0 && errno == ENOENT && vx_mkdir_p(dir, 0700, NULL) == 0)
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	close(fd);
	/* held: that reaper takes our entry too */
	lock = reap_lock(dir);
	if (lock >= 0)
		reaper_spawn(dir, lock, detach);
}

void vx_net_reap_kick(const struct vx_global *g)
{
	cleanup_free char *dir = queue_dir(g);
	unsigned int ctids[REAP_BATCH];
	uint64_t handles[REAP_BATCH];
	int lock;

	if (!dir || !queued(dir, ctids, handles))
		return;
	lock = reap_lock(dir);
	if (lock >= 0)
		reaper_spawn(dir, lock, true);
}
