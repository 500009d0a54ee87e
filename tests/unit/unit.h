/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal unit-test harness for libvx (no dependencies).
 *
 * Each test is a function; RUN(fn) runs it and prints one TAP-style line,
 * "ok - fn" or "not ok - fn", which tests/unit/run.sh numbers across all
 * test programs. CHECK() records a failure with file:line as a "# " comment
 * line and continues, so one run shows every broken expectation. The
 * programs run under ASan+UBSan: a leak or an overflow fails the program,
 * and run.sh reports that as a failure too.
 */
#ifndef VX_UNIT_H
#define VX_UNIT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unit_failed_now, unit_failed_total;

#define CHECK(cond)                                                      \
	do {                                                             \
		if (!(cond)) {                                           \
			printf("#   %s:%d: CHECK(%s) failed\n", __FILE__,    \
			       __LINE__, #cond);                         \
			unit_failed_now = 1;                             \
		}                                                        \
	} while (0)

#define CHECK_STR(a, b)                                                  \
	do {                                                             \
		const char *_a = (a), *_b = (b);                         \
		if (!_a || !_b || strcmp(_a, _b)) {                      \
			printf("#   %s:%d: '%s' != '%s'\n", __FILE__,        \
			       __LINE__, _a ? _a : "(null)",             \
			       _b ? _b : "(null)");                      \
			unit_failed_now = 1;                             \
		}                                                        \
	} while (0)

/* err's message contains needle (err may be NULL: then it fails). */
#define CHECK_MSG(err, needle)                                           \
	do {                                                             \
		const char *_m = (err) ? (err)->msg : NULL;              \
		if (!_m || !strstr(_m, (needle))) {                      \
			printf("#   %s:%d: message '%s' lacks '%s'\n",       \
			       __FILE__, __LINE__, _m ? _m : "(none)",   \
			       (needle));                                \
			unit_failed_now = 1;                             \
		}                                                        \
	} while (0)

#define RUN(fn)                                                          \
	do {                                                             \
		unit_failed_now = 0;                                     \
		fn();                                                    \
		printf("%s - %s\n", unit_failed_now ? "not ok" : "ok", #fn); \
		fflush(stdout);                                          \
		unit_failed_total |= unit_failed_now;                    \
	} while (0)

/* A test that cannot run here (not root, tool missing): TAP skip. */
#define SKIP(fn, reason)                                                 \
	do {                                                             \
		printf("ok - %s # SKIP %s\n", #fn, (reason));            \
		fflush(stdout);                                          \
	} while (0)

#define UNIT_EXIT() return unit_failed_total ? 1 : 0

/* Scratch directories for tests that touch files: mkdtemp + rm -rf. */
static inline char *unit_tmpdir(void)
{
	char *d = strdup("/tmp/vx-unit.XXXXXX");

	if (!d || !mkdtemp(d)) {
		printf("# mkdtemp failed\n");
		exit(2);
	}
	return d;
}

static inline void unit_rmtree(const char *d)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system '%s'", d);
	if (system(cmd) != 0)
		printf("# cleanup of %s failed\n", d);
}

/* Writes text to path (creating parent directories). */
static inline void unit_write(const char *path, const char *text)
{
	char cmd[1024];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0 || !(f = fopen(path, "w"))) {
		printf("# cannot write %s\n", path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

#endif /* VX_UNIT_H */
