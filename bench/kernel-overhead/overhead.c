// SPDX-License-Identifier: GPL-2.0
/*
 * overhead.c - micro-benchmark of the syscalls the vserver patchset hooks:
 * fork+exit+wait, open+close, socket+close (unix and tcp), mmap+touch+
 * munmap, flock+unlock, sending a signal, a pipe ping-pong between two
 * processes (one round trip = two context switches: the scheduler path
 * the per-context load average must not slow down), and reading the
 * /proc files a context's view replaces (open+read+close of meminfo,
 * stat, loadavg, uptime, cpuinfo).
 *
 * Each loop is calibrated to about --ms milliseconds, then timed --reps
 * times; the minimum ns/op is reported (the least disturbed run: the
 * guest shares two cores with everything else on the host).
 *
 * With --ctx the loops run in a child that was moved into a fresh context
 * (every resource given a finite, never-reached limit, so each charge takes
 * the full compare-and-count path) and a /proc view (256 MiB, 1 CPU)
 * -- the case whose overhead matters.
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

/* The ping-pong peer: echoes every byte back until its pipe closes. */
static int pp_to[2] = { -1, -1 }, pp_from[2] = { -1, -1 };
static pid_t pp_peer = -1;

static int pp_start(void)
{
	char c;

	if (pipe(pp_to) < 0 || pipe(pp_from) < 0)
		return -1;
	pp_peer = fork();
	if (pp_peer < 0)
		return -1;
	if (pp_peer == 0) {
		close(pp_to[1]);
		close(pp_from[0]);
		while (read(pp_to[0], &c, 1) == 1)
			if (write(pp_from[1], &c, 1) != 1)
				break;
		_exit(0);
	}
	close(pp_to[0]);
	close(pp_from[1]);
	return 0;
}

static void pp_stop(void)
{
	if (pp_peer <= 0)
		return;
	close(pp_to[1]);
	close(pp_from[0]);
	waitpid(pp_peer, NULL, 0);
	pp_peer = -1;
}

static void op_pingpong(void)
{
	char c = 'p';

	if (write(pp_to[1], &c, 1) == 1 && read(pp_from[0], &c, 1) != 1)
		abort();
}

static void read_file(const char *path)
{
	static char buf[64 * 1024];
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		abort();
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

static void op_meminfo(void) { read_file("/proc/meminfo"); }
static void op_stat(void) { read_file("/proc/stat"); }
static void op_loadavg(void) { read_file("/proc/loadavg"); }
static void op_uptime(void) { read_file("/proc/uptime"); }
static void op_cpuinfo(void) { read_file("/proc/cpuinfo"); }

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
	{ "pipe_pingpong",	op_pingpong },
	{ "read_meminfo",	op_meminfo },
	{ "read_stat",		op_stat },
	{ "read_loadavg",	op_loadavg },
	{ "read_uptime",	op_uptime },
	{ "read_cpuinfo",	op_cpuinfo },
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
	if (pp_start() < 0) {
		perror("ping-pong peer");
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
	pp_stop();
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
	/* a VPS-like view: the /proc loops read the context's figures */
	struct vx_view_req view = VX_VIEW_REQ_NONE;

	view.mem_bytes = 256ULL << 20;
	view.swap_bytes = 0;
	view.nr_cpus = 1;
	if (vx_view_set(&nl, ctid, &view, &ack))
		fprintf(stderr, "overhead: view-set: %s (%s): /proc loops read the host's files\n",
			strerror(-ack.error), ack.msg);
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
