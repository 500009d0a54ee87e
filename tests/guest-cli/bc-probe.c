// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bc-probe: run INSIDE a VPS by tests/guest-cli/beancounters.bats, on the
 * vx kernel. busybox cannot hold hundreds of files or sockets open at
 * once, so this does, and reports exactly where the kernel said no:
 *
 *   bc-probe files   open /dev/null until an open fails
 *   bc-probe tcp     socket(AF_INET, SOCK_STREAM) until one fails
 *   bc-probe fill R  take objects of resource R until refused: numfile,
 *                    numtcpsock, numothersock (UDP sockets), numpty
 *                    (/dev/ptmx), numflock (POSIX locks), numsiginfo
 *                    (queued RT signals), privvmpages (1-page mmaps)
 *   bc-probe show R  print held, limit and failcnt of resource R
 *
 * files/tcp/fill print one line
 *   "RES held=H barrier=B limit=L opened=K error=ENAME"
 * where H and L are read from /proc/user_beancounters (which shows this
 * VPS's own rows only) just before the loop, K is how many succeeded and
 * ENAME the errno of the first failure, so the test can check that the
 * (L - H + 1)-th object (B for soft resources) is the one refused, and
 * with which error.
 * Exit 0 when a failure was reached, 1 otherwise. Built static on the host.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#define MAX_OBJECTS 100000

/* held, limit, failcnt of resource name in /proc/user_beancounters. */
static int ubc(const char *name, long long *held, long long *barrier,
	       long long *limit, long long *failcnt)
{
	FILE *f = fopen("/proc/user_beancounters", "re");
	char line[512], res[64];
	long long maxheld;
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		/* the first row of a context starts with "CTID:" */
		p = p && p < line + 12 ? p + 1 : line;
		if (sscanf(p, "%63s %lld %lld %lld %lld %lld", res, held,
			   &maxheld, barrier, limit, failcnt) == 6 &&
		    !strcmp(res, name)) {
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

static const char *ename(int e)
{
	switch (e) {
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOBUFS: return "ENOBUFS";
	case ENOMEM: return "ENOMEM";
	case EAGAIN: return "EAGAIN";
	case ENOLCK: return "ENOLCK";
	case ENOSPC: return "ENOSPC";
	default: return strerror(e);
	}
}

/* One object of resource res; fd-backed ones stay open, the rest stay
 * allocated until exit. Returns < 0 with errno on refusal. */
static int take(const char *res, int i, int lockfd)
{
	if (!strcmp(res, "numfile"))
		return open("/dev/null", O_RDONLY);
	if (!strcmp(res, "numtcpsock"))
		return socket(AF_INET, SOCK_STREAM, 0);
	if (!strcmp(res, "numothersock"))
		return socket(AF_INET, SOCK_DGRAM, 0);
	if (!strcmp(res, "numpty"))
		return open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (!strcmp(res, "numflock")) {
		/* non-adjacent byte ranges never merge: one lock each */
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
				    .l_start = 2 * i, .l_len = 1 };

		return fcntl(lockfd, F_SETLK, &fl);
	}
	if (!strcmp(res, "numsiginfo")) {
		union sigval v = { .sival_int = i };

		return sigqueue(getpid(), SIGRTMIN, v);
	}
	if (!strcmp(res, "privvmpages")) {
		void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		return p == MAP_FAILED ? -1 : 0;
	}
	errno = EINVAL;
	return -1;
}

static int fill(const char *res)
{
	struct rlimit rl = { MAX_OBJECTS + 64, MAX_OBJECTS + 64 };
	long long held, barrier, limit, failcnt;
	int n = 0, err = 0, lockfd = -1;
	sigset_t rt;

	/* fds and queued signals are not what we measure: lift the
	 * per-process limits; keep SIGRTMIN queued, never delivered */
	setrlimit(RLIMIT_NOFILE, &rl);
	setrlimit(RLIMIT_SIGPENDING, &rl);
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &rt, NULL);
	if (!strcmp(res, "numflock"))
		lockfd = open("/tmp/bc-probe.lock", O_RDWR | O_CREAT, 0600);
	/* twice: the first read grows the heap (privvmpages) for good */
	ubc(res, &held, &barrier, &limit, &failcnt);
	if (ubc(res, &held, &barrier, &limit, &failcnt) < 0) {
		printf("%s: not in /proc/user_beancounters\n", res);
		return 2;
	}
	/* numfile's held counted the file we read it through, which is
	 * closed again before the loop */
	if (!strcmp(res, "numfile"))
		held--;
	while (n < MAX_OBJECTS) {
		if (take(res, n, lockfd) < 0) {
			err = errno;
			break;
		}
		n++;
	}
	printf("%s held=%lld barrier=%lld limit=%lld opened=%d error=%s\n",
	       res, held, barrier, limit, n, err ? ename(err) : "none");
	return err ? 0 : 1;
}

int main(int argc, char **argv)
{
	long long held, barrier, limit, failcnt;

	if (argc == 2 && !strcmp(argv[1], "files"))
		return fill("numfile");
	if (argc == 2 && !strcmp(argv[1], "tcp"))
		return fill("numtcpsock");
	if (argc == 3 && !strcmp(argv[1], "fill"))
		return fill(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "show")) {
		if (ubc(argv[2], &held, &barrier, &limit, &failcnt) < 0)
			return 2;
		printf("%s held=%lld limit=%lld failcnt=%lld\n", argv[2], held,
		       limit, failcnt);
		return 0;
	}
	fprintf(stderr, "usage: bc-probe files|tcp|show RESOURCE\n");
	return 2;
}
