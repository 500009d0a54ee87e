// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ckpt-probe: run INSIDE a VPS by tests/guest-x86/checkpoint.bats, so that
 * a suspend + resume has state worth checking. Built static on the host so
 * it runs in the busybox VPS.
 *
 *   mem MB DIR       touch MB of memory with a pattern, write its checksum
 *                    to DIR/mem.sum, then sleep; on SIGUSR1 checksum the
 *                    memory again into DIR/mem.check (after a restore it
 *                    must match mem.sum)
 *   server PORT      TCP echo server on 127.0.0.1:PORT, one child per
 *                    connection (the listener must keep accepting)
 *   client PORT FILE connect, then every 100 ms send a counter, read the
 *                    echo and write it to FILE; on any error write
 *                    "BROKEN <reason>" and exit 1 (an established connection
 *                    must survive)
 *   once PORT        connect, one echo round trip, exit 0
 *   uring            hold an io_uring instance (CRIU 3.17 cannot dump one:
 *                    makes a suspend fail on purpose), then sleep
 * Exit 2 on a usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t want_check;

static void on_usr1(int sig)
{
	(void)sig;
	want_check = 1;
}

static void write_file(const char *path, const char *text)
{
	char tmp[512];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (write(fd, text, strlen(text)) < 0) {
		close(fd);
		return;
	}
	close(fd);
	rename(tmp, path);
}

static uint64_t checksum(const uint64_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

static int mem(long mb, const char *dir)
{
	size_t n = (size_t)mb << 17;	/* 8-byte words */
	uint64_t *p = mmap(NULL, n * 8, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t x = 88172645463325252ULL;
	char path[256], buf[64];

	if (p == MAP_FAILED)
		return 2;
	for (size_t i = 0; i < n; i++) {	/* xorshift: no zero pages */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = x;
	}
	signal(SIGUSR1, on_usr1);
	snprintf(buf, sizeof(buf), "%016llx\n",
		 (unsigned long long)checksum(p, n));
	snprintf(path, sizeof(path), "%s/mem.sum", dir);
	write_file(path, buf);
	for (;;) {
		pause();
		if (!want_check)
			continue;
		want_check = 0;
		snprintf(buf, sizeof(buf), "%016llx\n",
			 (unsigned long long)checksum(p, n));
		snprintf(path, sizeof(path), "%s/mem.check", dir);
		write_file(path, buf);
	}
}

static int connect_to(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return s;
}

static int server(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(s, 16) < 0)
		return 2;
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		char buf[256];
		ssize_t r;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			continue;
		if (fork() == 0) {
			close(s);
			while ((r = read(c, buf, sizeof(buf))) > 0)
				if (write(c, buf, r) != r)
					break;
			_exit(0);
		}
		close(c);
	}
}

static int client(int port, const char *file)
{
	char out[64], in[64], line[96];
	int s = connect_to(port);

	if (s < 0) {
		snprintf(line, sizeof(line), "BROKEN connect: %s\n",
			 strerror(errno));
		write_file(file, line);
		return 1;
	}
	for (unsigned long i = 1;; i++) {
		int n = snprintf(out, sizeof(out), "%lu\n", i);
		ssize_t r;

		if (write(s, out, n) != n ||
		    (r = read(s, in, sizeof(in) - 1)) != n) {
			snprintf(line, sizeof(line), "BROKEN at %lu: %s\n", i,
				 strerror(errno));
			write_file(file, line);
			return 1;
		}
		write_file(file, out);
		usleep(100000);
	}
}

static int once(int port)
{
	char in[8];
	int s = connect_to(port);

	if (s < 0 || write(s, "x\n", 2) != 2 || read(s, in, sizeof(in)) != 2)
		return 1;
	return 0;
}

static int uring(void)
{
	/* struct io_uring_params is 120 bytes; zeroed asks for defaults */
	char params[120] = { 0 };
	long fd = syscall(SYS_io_uring_setup, 4, params);

	if (fd < 0) {
		perror("io_uring_setup");
		return 2;
	}
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "mem"))
		return mem(atol(argv[2]), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "client"))
		return client(atoi(argv[2]), argv[3]);
	if (argc == 3 && !strcmp(argv[1], "once"))
		return once(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "uring"))
		return uring();
	fprintf(stderr, "usage: ckpt-probe mem MB DIR | server PORT | "
		"client PORT FILE | once PORT | uring\n");
	return 2;
}
