// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bc-probe: run INSIDE a VPS by tests/guest-cli/beancounters.bats, on the
 * vx kernel. busybox cannot hold hundreds of files or sockets open at
 * once, so this does, and reports exactly where the kernel said no:
 *
 *   bc-probe files   open /dev/null until an open fails
 *   bc-probe tcp     socket(AF_INET, SOCK_STREAM) until one fails
 *   bc-probe show R  print held, limit and failcnt of resource R
 *
 * files/tcp print one line
 *   "RES held=H limit=L opened=K error=ENAME"
 * where H and L are read from /proc/user_beancounters (which shows this
 * VPS's own rows only) just before the loop, K is how many succeeded and
 * ENAME the errno of the first failure, so the test can check that the
 * (L - H + 1)-th object is the one refused, and with which error.
 * Exit 0 when a failure was reached, 1 otherwise. Built static on the host.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#define MAX_OBJECTS 100000

/* held, limit, failcnt of resource name in /proc/user_beancounters. */
static int ubc(const char *name, long long *held, long long *limit,
	       long long *failcnt)
{
	FILE *f = fopen("/proc/user_beancounters", "re");
	char line[512], res[64];
	long long maxheld, barrier;
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		/* the first row of a context starts with "CTID:" */
		p = p && p < line + 12 ? p + 1 : line;
		if (sscanf(p, "%63s %lld %lld %lld %lld %lld", res, held,
			   &maxheld, &barrier, limit, failcnt) == 6 &&
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
	default: return strerror(e);
	}
}

static int fill(const char *res, bool tcp)
{
	struct rlimit rl = { MAX_OBJECTS + 64, MAX_OBJECTS + 64 };
	long long held, limit, failcnt;
	int n = 0, err = 0;

	/* fds are not what we measure: lift the per-process fd limit */
	setrlimit(RLIMIT_NOFILE, &rl);
	if (ubc(res, &held, &limit, &failcnt) < 0) {
		printf("%s: not in /proc/user_beancounters\n", res);
		return 2;
	}
	/* numfile's held counted the file we read it through, which is
	 * closed again before the loop */
	if (!tcp)
		held--;
	while (n < MAX_OBJECTS) {
		int fd = tcp ? socket(AF_INET, SOCK_STREAM, 0) :
			 open("/dev/null", O_RDONLY);

		if (fd < 0) {
			err = errno;
			break;
		}
		n++;
	}
	printf("%s held=%lld limit=%lld opened=%d error=%s\n", res, held,
	       limit, n, err ? ename(err) : "none");
	return err ? 0 : 1;
}

int main(int argc, char **argv)
{
	long long held, limit, failcnt;

	if (argc == 2 && !strcmp(argv[1], "files"))
		return fill("numfile", false);
	if (argc == 2 && !strcmp(argv[1], "tcp"))
		return fill("numtcpsock", true);
	if (argc == 3 && !strcmp(argv[1], "show")) {
		if (ubc(argv[2], &held, &limit, &failcnt) < 0)
			return 2;
		printf("%s held=%lld limit=%lld failcnt=%lld\n", argv[2], held,
		       limit, failcnt);
		return 0;
	}
	fprintf(stderr, "usage: bc-probe files|tcp|show RESOURCE\n");
	return 2;
}
