// SPDX-License-Identifier: GPL-2.0
/*
 * enforce_test.c - each beancounter refuses a charge past its limit with
 * the errno the syscall would naturally return, counts every refusal in
 * failcnt, tracks held/maxheld, and gives everything back on free/exit.
 *
 * Shape of every test: a helper enters the context; the test reads the
 * resource's held value H0, sets barrier = limit = H0 + N units and
 * releases the helper, which allocates until refused and then tries
 * VXT_REFUSALS - 1 more times.  The test checks the counters while the
 * helper holds everything, lets it free it all, checks held is back at
 * H0, lets it exit and checks held reaches 0.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "vxtest.h"

#define N		8	/* units granted above H0 */
#define VXT_REFUSALS	3	/* refused attempts per test */
#define MAXOBJ		64
#define CHUNK_PAGES	16	/* privvmpages: pages per mmap */

struct shared {
	/* 1 ready, 2 go, 3 all held, 4 free, 5 freed, 6 exit */
	volatile int phase;
	int ok;			/* allocations that succeeded */
	int first_err;		/* errno of the first refusal */
	int refused;		/* refusals seen (should be VXT_REFUSALS) */
	int errs[VXT_REFUSALS];
	int fd[MAXOBJ];
	void *ptr[MAXOBJ];
	int memfd;
};

struct res_case {
	uint32_t res;
	uint64_t unit;			/* held per successful alloc */
	int (*alloc)(struct shared *s, int i);	/* 0 or -errno */
	int (*refuse)(struct shared *s, int k);	/* extra refused attempt */
	void (*release)(struct shared *s, int i);
	int want[2];			/* acceptable errnos */
	bool fork_first;		/* work in a child forked inside */
};

static struct shared *S;

static void wait_phase(int p)
{
	while (S->phase < p)
		vxt_msleep(1);
}

static int do_exhaust(const struct res_case *rc)
{
	int i, r = 0;

	S->phase = 1;		/* ready: the test reads H0 and sets the limit */
	wait_phase(2);
	for (i = 0; i < MAXOBJ; i++) {
		r = rc->alloc(S, i);
		if (r < 0)
			break;
	}
	S->ok = i;
	S->first_err = i < MAXOBJ ? -r : 0;
	S->errs[0] = S->first_err;
	S->refused = i < MAXOBJ;
	for (int k = 1; k < VXT_REFUSALS && i < MAXOBJ; k++) {
		r = rc->refuse ? rc->refuse(S, k) : rc->alloc(S, i);
		S->errs[k] = r < 0 ? -r : 0;
		S->refused += r < 0;
	}
	S->phase = 3;
	wait_phase(4);
	for (int j = 0; j < S->ok; j++)
		rc->release(S, j);
	S->phase = 5;
	wait_phase(6);
	return 0;
}

/*
 * An address space stays charged to the context that created it, so a
 * task that merely entered still has a host mm: privvmpages work happens
 * in a child forked inside the context.
 */
static int exhaust(void *arg)
{
	const struct res_case *rc = arg;
	int status;
	pid_t pid;

	if (!rc->fork_first)
		return do_exhaust(rc);
	pid = fork();
	if (pid < 0)
		return 100;
	if (pid == 0)
		_exit(do_exhaust(rc));
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 101;
	return WEXITSTATUS(status);
}

static void close_fd(struct shared *s, int i)
{
	close(s->fd[i]);
}

static int keep_fd(struct shared *s, int i, int fd)
{
	if (fd < 0)
		return -errno;
	s->fd[i] = fd;
	return 0;
}

static int open_file(struct shared *s, int i)
{
	return keep_fd(s, i, open("/dev/null", O_RDONLY | O_CLOEXEC));
}

static int tcp_socket(struct shared *s, int i)
{
	return keep_fd(s, i, socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}

static int udp_socket(struct shared *s, int i)
{
	return keep_fd(s, i, socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

static int unix_socket(struct shared *s, int i)
{
	return keep_fd(s, i, socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
}

/* Even slots: flock() on a fresh memfd; odd: a POSIX lock on one memfd. */
static int take_lock(struct shared *s, int i)
{
	if (i % 2 == 0) {
		int fd = memfd_create("vxt-flock", MFD_CLOEXEC);

		if (fd < 0)
			return -errno;
		s->fd[i] = fd;
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			int e = errno;

			close(fd);
			s->fd[i] = -1;
			return -e;
		}
		return 0;
	}
	/* non-adjacent one-byte ranges never merge: one lock each */
	struct flock fl = {
		.l_type = F_WRLCK, .l_whence = SEEK_SET,
		.l_start = 2 * i, .l_len = 1,
	};

	if (fcntl(s->memfd, F_SETLK, &fl) < 0)
		return -errno;
	return 0;
}

static int refuse_lock(struct shared *s, int k)
{
	return take_lock(s, s->ok + k);	/* the other kind of lock */
}

static void drop_lock(struct shared *s, int i)
{
	if (i % 2 == 0) {
		close(s->fd[i]);
		return;
	}
	struct flock fl = {
		.l_type = F_UNLCK, .l_whence = SEEK_SET,
		.l_start = 2 * i, .l_len = 1,
	};

	fcntl(s->memfd, F_SETLK, &fl);
}

static int open_pty(struct shared *s, int i)
{
	return keep_fd(s, i, posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
}

static int queue_signal(struct shared *s, int i)
{
	(void)s;
	if (sigqueue(getpid(), SIGRTMIN, (union sigval){ .sival_int = i }) < 0)
		return -errno;
	return 0;
}

static void take_signal(struct shared *s, int i)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { 0, 0 };

	(void)s;
	(void)i;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigtimedwait(&set, &si, &ts);
}

static int map_chunk(struct shared *s, int i)
{
	void *p = mmap(NULL, CHUNK_PAGES * getpagesize(), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -errno;
	s->ptr[i] = p;
	return 0;
}

/* Past the limit: brk() and mremap() growth must be refused too. */
static int refuse_vm(struct shared *s, int k)
{
	long sz = CHUNK_PAGES * getpagesize();

	if (k == 1) {
		void *cur = sbrk(0);

		if (brk((char *)cur + sz) == 0) {
			brk(cur);
			return 0;
		}
		return -errno;
	}
	void *p = mremap(s->ptr[0], sz, 2 * sz, MREMAP_MAYMOVE);

	if (p == MAP_FAILED)
		return -errno;
	s->ptr[0] = mremap(p, 2 * sz, sz, 0);
	return 0;
}

static void unmap_chunk(struct shared *s, int i)
{
	munmap(s->ptr[i], CHUNK_PAGES * getpagesize());
}

FIXTURE(enforce) {
	struct vxnl nl;
	uint32_t ctid;
	struct vxt_task t;
	struct vx_res_table tab;
};

FIXTURE_SETUP(enforce)
{
	VXT_OPEN(&self->nl);
	self->ctid = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->ctid, NULL));
	S = vxt_shared(sizeof(*S));
	ASSERT_NE(NULL, S);
	S->memfd = memfd_create("vxt-posix", MFD_CLOEXEC);
	ASSERT_GE(S->memfd, 0);
}

FIXTURE_TEARDOWN(enforce)
{
	if (!self->nl.sk)	/* setup never got the family */
		return;
	if (self->t.pid > 0) {
		kill(self->t.pid, SIGKILL);
		vxt_reap(&self->t);
	}
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->ctid, 5000));
	vxnl_close(&self->nl);
}

static bool wait_shared(int phase, int ms)
{
	for (; ms > 0 && S->phase != phase; ms -= 5)
		vxt_msleep(5);
	return S->phase == phase;
}

static void run_case(struct vxt_meta *_metadata,
		     FIXTURE_DATA(enforce) *self, const struct res_case *rc)
{
	struct vx_res_row *r = &self->tab.row[rc->res];
	uint64_t h0, limit;
	sigset_t set;

	/* RT signals stay queued: block it in the helper (inherited mask) */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);

	ASSERT_EQ(0, vxt_spawn(&self->t, exhaust, (void *)rc));
	ASSERT_EQ(0, vx_ctx_enter(&self->nl, self->ctid, self->t.pid, NULL));
	vxt_release(&self->t);
	ASSERT_TRUE(wait_shared(1, 10000)) TH_LOG("helper did not start");
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->tab, NULL));
	h0 = r->held;
	limit = h0 + N * rc->unit;
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, rc->res, limit, limit, NULL));
	S->phase = 2;

	ASSERT_TRUE(wait_shared(3, 20000)) TH_LOG("helper did not finish allocating");
	if (S->ok == 0 && S->first_err != rc->want[0] && S->first_err != rc->want[1]) {
		S->phase = 6;
		SKIP(return, "the first allocation failed: %s (feature missing in the guest?)",
		     strerror(S->first_err));
	}
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->tab, NULL));
	TH_LOG("%s: H0=%ju limit=%ju ok=%d held=%ju maxheld=%ju failcnt=%ju err=%s",
	       r->name, (uintmax_t)h0, (uintmax_t)limit, S->ok, (uintmax_t)r->held,
	       (uintmax_t)r->maxheld, (uintmax_t)r->failcnt, strerror(S->first_err));
	EXPECT_EQ(N, S->ok);
	EXPECT_TRUE(S->first_err == rc->want[0] || S->first_err == rc->want[1]) {
		TH_LOG("refused with %s, want %s or %s", strerror(S->first_err),
		       strerror(rc->want[0]), strerror(rc->want[1]));
	}
	for (int k = 1; k < VXT_REFUSALS; k++)
		EXPECT_TRUE(S->errs[k] == rc->want[0] || S->errs[k] == rc->want[1]) {
			TH_LOG("refusal %d: %s", k, strerror(S->errs[k]));
		}
	EXPECT_EQ(VXT_REFUSALS, S->refused);
	EXPECT_EQ(limit, r->held);
	EXPECT_EQ(limit, r->maxheld);
	EXPECT_EQ((uint64_t)VXT_REFUSALS, r->failcnt);

	S->phase = 4;
	ASSERT_TRUE(wait_shared(5, 10000));
	EXPECT_EQ((int64_t)h0, vxt_wait_held(&self->nl, self->ctid, rc->res, h0, 2000));
	S->phase = 6;
	EXPECT_EQ(0, vxt_reap(&self->t));
	EXPECT_EQ(0, vxt_wait_held(&self->nl, self->ctid, rc->res, 0, 2000));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->tab, NULL));
	EXPECT_EQ(limit, r->maxheld);
	EXPECT_EQ((uint64_t)VXT_REFUSALS, r->failcnt);
}

TEST_F(enforce, numfile)
{
	static const struct res_case rc = {
		VX_RES_NUMFILE, 1, open_file, NULL, close_fd, { EMFILE, ENFILE }, false,
	};
	run_case(_metadata, self, &rc);
}

TEST_F(enforce, numtcpsock)
{
	static const struct res_case rc = {
		VX_RES_NUMTCPSOCK, 1, tcp_socket, NULL, close_fd, { ENOBUFS, ENOMEM }, false,
	};
	run_case(_metadata, self, &rc);
}

TEST_F(enforce, numothersock_udp)
{
	static const struct res_case rc = {
		VX_RES_NUMOTHERSOCK, 1, udp_socket, NULL, close_fd, { ENOBUFS, ENOMEM }, false,
	};
	run_case(_metadata, self, &rc);
}

TEST_F(enforce, numothersock_unix)
{
	static const struct res_case rc = {
		VX_RES_NUMOTHERSOCK, 1, unix_socket, NULL, close_fd, { ENOBUFS, ENOMEM }, false,
	};
	run_case(_metadata, self, &rc);
}

TEST_F(enforce, numflock)
{
	static const struct res_case rc = {
		VX_RES_NUMFLOCK, 1, take_lock, refuse_lock, drop_lock, { ENOLCK, ENOLCK }, false,
	};
	run_case(_metadata, self, &rc);
}

TEST_F(enforce, numpty)
{
	static const struct res_case rc = {
		VX_RES_NUMPTY, 1, open_pty, NULL, close_fd, { ENOMEM, ENOSPC }, false,
	};
	run_case(_metadata, self, &rc);
}

TEST_F(enforce, numsiginfo)
{
	static const struct res_case rc = {
		VX_RES_NUMSIGINFO, 1, queue_signal, NULL, take_signal, { EAGAIN, EAGAIN }, false,
	};
	run_case(_metadata, self, &rc);
}

TEST_F(enforce, privvmpages)
{
	static const struct res_case rc = {
		VX_RES_PRIVVMPAGES, CHUNK_PAGES, map_chunk, refuse_vm, unmap_chunk,
		{ ENOMEM, ENOMEM }, true,
	};
	run_case(_metadata, self, &rc);
}

/*
 * numproc: limit 10 means ten tasks; the helper is the first, so nine
 * forks succeed and the 11th task is refused with EAGAIN.  Every refused
 * fork counts in failcnt; held returns to 0 once all have been reaped.
 */
static int fork_until_refused(void *arg)
{
	int *p = arg;
	int i, e = 0;
	char c;

	for (i = 0; i < 64; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			e = errno;
			break;
		}
		if (pid == 0) {
			close(p[1]);
			_exit(read(p[0], &c, 1) < 0);
		}
	}
	S->ok = i;
	S->first_err = e;
	S->refused = e != 0;
	for (int k = 1; k < 5; k++) {
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		else
			S->refused += errno == EAGAIN;
	}
	S->phase = 1;
	wait_phase(2);
	close(p[1]);
	close(p[0]);
	while (wait(NULL) > 0)
		;
	return 0;
}

TEST_F(enforce, numproc)
{
	struct vx_res_row *r = &self->tab.row[VX_RES_NUMPROC];
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMPROC, 10, 10, NULL));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->ctid, &self->t,
				  fork_until_refused, p, NULL));
	close(p[0]);
	close(p[1]);
	ASSERT_TRUE(wait_shared(1, 20000));
	EXPECT_EQ(9, S->ok);
	EXPECT_EQ(EAGAIN, S->first_err) TH_LOG("fork refused with %s", strerror(S->first_err));
	EXPECT_EQ(5, S->refused);
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->tab, NULL));
	EXPECT_EQ(10U, r->held);
	EXPECT_EQ(10U, r->maxheld);
	EXPECT_EQ(5U, r->failcnt);
	S->phase = 2;
	EXPECT_EQ(0, vxt_reap(&self->t));
	EXPECT_EQ(0, vxt_wait_held(&self->nl, self->ctid, VX_RES_NUMPROC, 0, 2000));
	EXPECT_EQ(0, vxt_wait_nr_tasks(&self->nl, self->ctid, 0, 2000));
	ASSERT_EQ(0, vx_res_get(&self->nl, self->ctid, &self->tab, NULL));
	EXPECT_EQ(5U, r->failcnt);
}

/* A thread is a task: clone(CLONE_THREAD) is refused the same way. */
static void *idle_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static int threads_until_refused(void *arg)
{
	pthread_t th;
	int i, e = 0;

	(void)arg;
	for (i = 0; i < 64; i++) {
		e = pthread_create(&th, NULL, idle_thread, NULL);
		if (e)
			break;
	}
	S->ok = i;
	S->first_err = e;
	S->phase = 1;
	wait_phase(2);
	return 0;
}

TEST_F(enforce, numproc_threads)
{
	ASSERT_EQ(0, vx_res_set(&self->nl, self->ctid, VX_RES_NUMPROC, 4, 4, NULL));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->ctid, &self->t,
				  threads_until_refused, NULL, NULL));
	ASSERT_TRUE(wait_shared(1, 20000));
	EXPECT_EQ(3, S->ok);
	EXPECT_EQ(EAGAIN, S->first_err);
	EXPECT_EQ(4, vxt_held(&self->nl, self->ctid, VX_RES_NUMPROC));
	S->phase = 2;
	EXPECT_EQ(0, vxt_reap(&self->t));
	EXPECT_EQ(0, vxt_wait_held(&self->nl, self->ctid, VX_RES_NUMPROC, 0, 2000));
}

/* A file passed out of the context stays charged until it is freed. */
static int pass_fd(void *arg)
{
	int *sp = arg;
	int fd = open("/dev/null", O_RDONLY);
	char c = 'f';
	struct iovec iov = { &c, 1 };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	if (fd < 0)
		return 1;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sp[1], &msg, 0) == 1 ? 0 : 2;
}

TEST_F(enforce, numfile_uncharged_when_freed_elsewhere)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	int sp[2], fd;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sp));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->ctid, pass_fd, sp));
	ASSERT_EQ(1, recvmsg(sp[0], &msg, 0));
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	EXPECT_EQ(1, vxt_held(&self->nl, self->ctid, VX_RES_NUMFILE));
	close(fd);
	EXPECT_EQ(0, vxt_wait_held(&self->nl, self->ctid, VX_RES_NUMFILE, 0, 2000));
	close(sp[0]);
	close(sp[1]);
}

TEST_HARNESS_MAIN
