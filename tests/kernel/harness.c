// SPDX-License-Identifier: GPL-2.0
/*
 * harness.c - the runner behind harness.h.
 *
 * Each test runs in a forked child that becomes its own process group;
 * the parent waits on a pidfd with the test's timeout, then kills the
 * whole group, so helpers a test left behind (tasks inside contexts) die
 * with it.  The test's verdict travels back in a MAP_SHARED page.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <sys/syscall.h>

#include "harness.h"

struct vxt_test *vxt_head, **vxt_tail;

void vxt_report_cmp(struct vxt_meta *m, const char *file, int line,
		    const char *exp, const char *op, const char *seen,
		    intmax_t e, intmax_t s)
{
	fprintf(stderr, "# %s:%d:%s: expected %s (%jd, 0x%jx) %s %s (%jd, 0x%jx)\n",
		file, line, m->name, exp, e, (uintmax_t)e, op, seen, s,
		(uintmax_t)s);
}

void vxt_report_str(struct vxt_meta *m, const char *file, int line,
		    const char *exp, const char *seen, const char *e,
		    const char *s, bool want_equal)
{
	fprintf(stderr, "# %s:%d:%s: expected %s (\"%s\") %s %s (\"%s\")\n",
		file, line, m->name, exp, e ? e : "(null)",
		want_equal ? "==" : "!=", seen, s ? s : "(null)");
}

void vxt_end_fail(struct vxt_meta *m, bool fatal)
{
	m->failed = true;
	if (fatal)
		siglongjmp(m->bail, 1);
}

static bool vxt_selected(const char *full, int argc, char **argv)
{
	if (argc <= 1)
		return true;
	for (int i = 1; i < argc; i++)
		if (strstr(full, argv[i]))
			return true;
	return false;
}

/* Wait for @pid for at most @timeout seconds; returns false on timeout. */
static bool vxt_wait(pid_t pid, int timeout, int *status)
{
	int pidfd = syscall(SYS_pidfd_open, pid, 0);

	if (pidfd >= 0) {
		struct pollfd p = { .fd = pidfd, .events = POLLIN };
		int r;

		do {
			r = poll(&p, 1, timeout * 1000);
		} while (r < 0 && errno == EINTR);
		close(pidfd);
		if (r == 0)
			return false;
	}
	/* Without pidfds (or after the poll) a blocking wait is all we have. */
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return true;
}

static bool vxt_run_one(struct vxt_test *t, int num, struct vxt_meta *m)
{
	char full[256];
	int status = 0;
	const char *why = NULL;
	pid_t pid;

	snprintf(full, sizeof(full), "%s.%s", t->fixture, t->name);
	memset(m, 0, sizeof(*m));
	m->name = full;
	fflush(stdout);
	fflush(stderr);

	pid = fork();
	if (pid < 0) {
		printf("not ok %d - %s # fork: %s\n", num, full, strerror(errno));
		return false;
	}
	if (pid == 0) {
		setpgid(0, 0);
		t->run(m);
		fflush(stdout);
		fflush(stderr);
		_exit(m->failed ? 1 : 0);
	}
	setpgid(pid, pid);	/* close the race with the child's own call */

	if (!vxt_wait(pid, t->timeout, &status)) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		why = "timed out";
		m->failed = true;
	}
	/* Reap whatever the test left behind in its process group. */
	kill(-pid, SIGKILL);

	if (!why && WIFSIGNALED(status)) {
		why = strsignal(WTERMSIG(status));
		m->failed = true;
	} else if (!why && WIFEXITED(status) && WEXITSTATUS(status)) {
		m->failed = true;
	}

	if (m->failed)
		printf("not ok %d - %s%s%s\n", num, full, why ? " # " : "",
		       why ? why : "");
	else if (m->skipped)
		printf("ok %d - %s # SKIP %s\n", num, full,
		       m->skip_reason[0] ? m->skip_reason : "(no reason given)");
	else
		printf("ok %d - %s\n", num, full);
	fflush(stdout);
	return !m->failed;
}

int vxt_main(int argc, char **argv)
{
	struct vxt_meta *m;
	struct vxt_test *t;
	char full[256];
	int n = 0, num = 0, fails = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	m = mmap(NULL, sizeof(*m), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 2;
	}

	for (t = vxt_head; t; t = t->next) {
		snprintf(full, sizeof(full), "%s.%s", t->fixture, t->name);
		n += vxt_selected(full, argc, argv);
	}
	printf("1..%d\n", n);
	for (t = vxt_head; t; t = t->next) {
		snprintf(full, sizeof(full), "%s.%s", t->fixture, t->name);
		if (!vxt_selected(full, argc, argv))
			continue;
		if (!vxt_run_one(t, ++num, m))
			fails++;
	}
	printf("# %d tests, %d failed\n", num, fails);
	return fails ? 1 : 0;
}
