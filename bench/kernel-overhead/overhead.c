// SPDX-License-Identifier: GPL-2.0
/*
 * overhead.c - micro-benchmark of the syscalls the vserver patchset hooks:
 * fork+exit+wait, open+close, socket+close (unix and tcp), mmap+touch+
 * munmap, flock+unlock, and sending a signal.
 *
 * Each loop is calibrated to about --ms milliseconds, then timed --reps
 * times; the minimum ns/op is reported (the least disturbed run: the
 * guest shares two cores with everything else on the host).
 *
 * With --ctx the loops run in a child that was moved into a fresh context
 * (every resource given a finite, never-reached limit, so each charge takes
 * the full compare-and-count path) -- the case whose overhead matters.
 * Without it they run wherever the process is (ctid 0 on a patched kernel,
 * or on a kernel built with CONFIG_VSERVER=n).
 *
 * Output, one line per loop:  RESULT <name> <ns/op>
 * This is a benchmark, not a test: it never judges the numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>

#include "../../tests/kernel/vxnl.h"

static volatile sig_atomic_t sigs;
static int lock_fd;

static void on_usr1(int sig)
{
	(void)sig;
	sigs++;
}

static void op_fork(void)
{
	pid_t p = fork();

	if (p == 0)
		_exit(0);
	if (p > 0)
		waitpid(p, NULL, 0);
}

static void op_open(void)
{
	close(open("/dev/null", O_RDONLY));
}

static void op_unix_socket(void)
{
	close(socket(AF_UNIX, SOCK_DGRAM, 0));
}

static void op_tcp_socket(void)
{
	close(socket(AF_INET, SOCK_STREAM, 0));
}

static void op_mmap(void)
{
	size_t sz = 64 * 1024;
	char *p = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p != MAP_FAILED) {
		p[0] = 1;
		munmap(p, sz);
	}
}

static void op_flock(void)
{
	flock(lock_fd, LOCK_EX);
	flock(lock_fd, LOCK_UN);
}

static void op_signal(void)
{
	kill(getpid(), SIGUSR1);
}

static const struct loop {
	const char *name;
	void (*op)(void);
} loops[] = {
	{ "fork_exit_wait",	op_fork },
	{ "open_close",		op_open },
	{ "unix_socket_close",	op_unix_socket },
	{ "tcp_socket_close",	op_tcp_socket },
	{ "mmap_touch_munmap",	op_mmap },
	{ "flock_unlock",	op_flock },
	{ "signal_send",	op_signal },
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double time_loop(void (*op)(void), long n)
{
	double t0 = now_ns();

	for (long i = 0; i < n; i++)
		op();
	return now_ns() - t0;
}

static int run_loops(int ms, int reps, const char *only)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
	lock_fd = memfd_create("bench-flock", 0);
	if (lock_fd < 0) {
		perror("memfd_create");
		return 1;
	}
	for (size_t l = 0; l < sizeof(loops) / sizeof(loops[0]); l++) {
		const struct loop *lp = &loops[l];
		double best = 0;
		long n = 16;

		if (only && !strstr(lp->name, only))
			continue;
		/* calibrate: grow n until one run takes about @ms */
		for (;;) {
			double t = time_loop(lp->op, n);

			if (t >= ms * 1e6 || n >= (1L << 26))
				break;
			n = t < 1e6 ? n * 8 : (long)(n * (ms * 1e6 / t)) + 1;
		}
		for (int r = 0; r < reps; r++) {
			double t = time_loop(lp->op, n) / n;

			if (r == 0 || t < best)
				best = t;
		}
		printf("RESULT %s %.1f\n", lp->name, best);
		fflush(stdout);
	}
	return 0;
}

/* Make a context, move a child into it, run the loops there. */
static int run_in_ctx(int ms, int reps, const char *only)
{
	uint32_t ctid = 1000000 + getpid();
	struct vxnl nl;
	struct vxnl_ack ack;
	int go[2], status, err;
	pid_t pid;
	char c;

	err = vxnl_open(&nl);
	if (err) {
		fprintf(stderr, "overhead: no \"%s\" family: %s\n", VX_GENL_NAME,
			strerror(-err));
		return 2;
	}
	if (vx_ctx_new(&nl, ctid, &ack)) {
		fprintf(stderr, "overhead: ctx-new: %s\n", ack.msg);
		return 2;
	}
	/* finite limits far above use: the charge path compares and counts */
	for (uint32_t id = 0; id < VX_RES_NR_ACCOUNTED; id++)
		vx_res_set(&nl, ctid, id, 1UL << 40, 1UL << 40, NULL);
	if (pipe(go) < 0)
		return 2;
	pid = fork();
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(run_loops(ms, reps, only));
	}
	close(go[0]);
	err = vx_ctx_enter(&nl, ctid, pid, &ack);
	if (err) {
		fprintf(stderr, "overhead: ctx-enter: %s (%s)\n", strerror(-err),
			ack.msg);
		kill(pid, SIGKILL);
	} else if (write(go[1], "g", 1) != 1) {
		kill(pid, SIGKILL);
	}
	close(go[1]);
	waitpid(pid, &status, 0);
	for (int i = 0; i < 500 && vx_ctx_del(&nl, ctid, NULL) == -EBUSY; i++)
		usleep(10000);
	vxnl_close(&nl);
	return err ? 2 : WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

int main(int argc, char **argv)
{
	int ms = 200, reps = 5, ctx = 0;
	const char *only = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ctx"))
			ctx = 1;
		else if (!strcmp(argv[i], "--ms") && i + 1 < argc)
			ms = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else {
			fprintf(stderr,
				"usage: overhead [--ctx] [--ms MS] [--reps N] [--only NAME]\n");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return ctx ? run_in_ctx(ms, reps, only) : run_loops(ms, reps, only);
}
