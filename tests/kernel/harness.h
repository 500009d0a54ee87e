/* SPDX-License-Identifier: GPL-2.0 */
/*
 * harness.h - a small kselftest-style test harness for the vx kernel tests.
 *
 * The shape follows tools/testing/selftests/kselftest_harness.h (FIXTURE,
 * FIXTURE_SETUP/TEARDOWN, TEST, TEST_F, ASSERT_* / EXPECT_*, TH_LOG, SKIP)
 * but it is our own, much smaller, implementation:
 *
 *  - tests register themselves from constructors, in source order;
 *  - every test runs in its own forked child (its own process group), so a
 *    failed ASSERT, a crash or a hang only ever loses that one test; the
 *    parent enforces a timeout and kills the whole group;
 *  - a failed ASSERT long-jumps back to the runner so FIXTURE_TEARDOWN still
 *    runs (teardown deletes the contexts a test made: a failing test must not
 *    leak a context into the next one);
 *  - output is TAP: "ok N - fixture.name", "not ok N - ...", and
 *    "ok N - ... # SKIP reason"; diagnostics are "# " lines.  run.sh
 *    renumbers the lines of all binaries into one stream.
 *
 * A binary takes an optional list of test names (substring match) to run.
 */
#ifndef VX_TESTS_HARNESS_H
#define VX_TESTS_HARNESS_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VXT_DEFAULT_TIMEOUT 60	/* seconds, per test */

/* What a test body sees as "_metadata". */
struct vxt_meta {
	const char *name;
	bool failed;
	bool skipped;
	char skip_reason[256];
	sigjmp_buf bail;
};

struct vxt_test {
	const char *fixture;	/* "global" for TEST() */
	const char *name;
	int timeout;
	void (*run)(struct vxt_meta *_metadata);
	struct vxt_test *next;
};

extern struct vxt_test *vxt_head, **vxt_tail;

static inline void vxt_register(struct vxt_test *t)
{
	if (!vxt_tail)
		vxt_tail = &vxt_head;
	*vxt_tail = t;
	vxt_tail = &t->next;
}

#define TH_LOG(fmt, ...)						\
	fprintf(stderr, "# %s:%d:%s: " fmt "\n", __FILE__, __LINE__,	\
		_metadata->name, ##__VA_ARGS__)

/*
 * SKIP(statement, fmt, ...): mark the test skipped with a reason and run
 * @statement (usually "return").  A skip needs a reason: run.sh rejects
 * "# SKIP" with an empty one.
 */
#define SKIP(statement, fmt, ...) do {					\
	snprintf(_metadata->skip_reason, sizeof(_metadata->skip_reason), \
		 fmt, ##__VA_ARGS__);					\
	_metadata->skipped = true;					\
	statement;							\
} while (0)

void vxt_report_cmp(struct vxt_meta *m, const char *file, int line,
		    const char *exp, const char *op, const char *seen,
		    intmax_t e, intmax_t s);
void vxt_report_str(struct vxt_meta *m, const char *file, int line,
		    const char *exp, const char *seen, const char *e,
		    const char *s, bool want_equal);
void vxt_end_fail(struct vxt_meta *m, bool fatal);

/*
 * The comparison macros are "for" loops that run their optional trailing
 * block once, only on failure, so a test can say
 *	ASSERT_EQ(0, err) { TH_LOG("%m - fork"); }
 * and the loop's increment then ends the test (ASSERT) or records the
 * failure and goes on (EXPECT).
 */
#define __VXT_CMP(expected, seen, op, fatal)				\
	for (int __vxt_fail = ({					\
		__typeof__(expected) __e = (expected);			\
		__typeof__(seen) __s = (seen);				\
		int __bad = !(__e op __s);				\
		if (__bad)						\
			vxt_report_cmp(_metadata, __FILE__, __LINE__,	\
				       #expected, #op, #seen,		\
				       (intmax_t)__e, (intmax_t)__s);	\
		__bad;							\
	}); __vxt_fail; __vxt_fail = 0, vxt_end_fail(_metadata, fatal))

#define __VXT_STR(expected, seen, want_equal, fatal)			\
	for (int __vxt_fail = ({					\
		const char *__e = (expected), *__s = (seen);		\
		int __bad = !__e || !__s ||				\
			(strcmp(__e, __s) == 0) != (want_equal);	\
		if (__bad)						\
			vxt_report_str(_metadata, __FILE__, __LINE__,	\
				       #expected, #seen, __e, __s,	\
				       want_equal);			\
		__bad;							\
	}); __vxt_fail; __vxt_fail = 0, vxt_end_fail(_metadata, fatal))

#define ASSERT_EQ(e, s)		__VXT_CMP(e, s, ==, true)
#define ASSERT_NE(e, s)		__VXT_CMP(e, s, !=, true)
#define ASSERT_LT(e, s)		__VXT_CMP(e, s, <, true)
#define ASSERT_LE(e, s)		__VXT_CMP(e, s, <=, true)
#define ASSERT_GT(e, s)		__VXT_CMP(e, s, >, true)
#define ASSERT_GE(e, s)		__VXT_CMP(e, s, >=, true)
#define ASSERT_TRUE(s)		__VXT_CMP(0, !!(s), !=, true)
#define ASSERT_FALSE(s)		__VXT_CMP(0, !!(s), ==, true)
#define ASSERT_STREQ(e, s)	__VXT_STR(e, s, true, true)
#define ASSERT_STRNE(e, s)	__VXT_STR(e, s, false, true)
#define EXPECT_EQ(e, s)		__VXT_CMP(e, s, ==, false)
#define EXPECT_NE(e, s)		__VXT_CMP(e, s, !=, false)
#define EXPECT_LT(e, s)		__VXT_CMP(e, s, <, false)
#define EXPECT_LE(e, s)		__VXT_CMP(e, s, <=, false)
#define EXPECT_GT(e, s)		__VXT_CMP(e, s, >, false)
#define EXPECT_GE(e, s)		__VXT_CMP(e, s, >=, false)
#define EXPECT_TRUE(s)		__VXT_CMP(0, !!(s), !=, false)
#define EXPECT_FALSE(s)		__VXT_CMP(0, !!(s), ==, false)
#define EXPECT_STREQ(e, s)	__VXT_STR(e, s, true, false)
#define EXPECT_STRNE(e, s)	__VXT_STR(e, s, false, false)

/* Fixtures: FIXTURE(f) { fields };  self points at a zeroed instance. */
#define FIXTURE(f)		struct _vxt_fixture_##f
#define FIXTURE_DATA(f)		struct _vxt_fixture_##f
#define FIXTURE_SETUP(f)						\
	static void _vxt_setup_##f(					\
		struct vxt_meta *_metadata __attribute__((unused)),	\
		FIXTURE_DATA(f) *self __attribute__((unused)))
#define FIXTURE_TEARDOWN(f)						\
	static void _vxt_teardown_##f(					\
		struct vxt_meta *_metadata __attribute__((unused)),	\
		FIXTURE_DATA(f) *self __attribute__((unused)))

#define __VXT_REGISTER(fix, tname, tmo, runfn)				\
	static struct vxt_test _vxt_t_##fix##_##tname = {		\
		.fixture = #fix, .name = #tname, .timeout = (tmo),	\
		.run = runfn,						\
	};								\
	static void __attribute__((constructor))			\
	_vxt_reg_##fix##_##tname(void)					\
	{								\
		vxt_register(&_vxt_t_##fix##_##tname);			\
	}

#define TEST_TIMEOUT(tname, tmo)					\
	static void _vxt_body_global_##tname(struct vxt_meta *);	\
	static void _vxt_run_global_##tname(struct vxt_meta *m)		\
	{								\
		if (sigsetjmp(m->bail, 0) == 0)				\
			_vxt_body_global_##tname(m);			\
	}								\
	__VXT_REGISTER(global, tname, tmo, _vxt_run_global_##tname)	\
	static void _vxt_body_global_##tname(				\
		struct vxt_meta *_metadata __attribute__((unused)))
#define TEST(tname)	TEST_TIMEOUT(tname, VXT_DEFAULT_TIMEOUT)

/*
 * A fixture test: setup, body, teardown.  A failed ASSERT in setup or
 * body jumps to teardown; a failed ASSERT in teardown ends the test.
 */
#define TEST_F_TIMEOUT(f, tname, tmo)					\
	static void _vxt_body_##f##_##tname(struct vxt_meta *,		\
					    FIXTURE_DATA(f) *);		\
	static void _vxt_run_##f##_##tname(struct vxt_meta *m)		\
	{								\
		static FIXTURE_DATA(f) self;				\
		memset(&self, 0, sizeof(self));				\
		if (sigsetjmp(m->bail, 0) == 0) {			\
			_vxt_setup_##f(m, &self);			\
			if (!m->failed && !m->skipped)			\
				_vxt_body_##f##_##tname(m, &self);	\
		}							\
		if (sigsetjmp(m->bail, 0) == 0)				\
			_vxt_teardown_##f(m, &self);			\
	}								\
	__VXT_REGISTER(f, tname, tmo, _vxt_run_##f##_##tname)		\
	static void _vxt_body_##f##_##tname(				\
		struct vxt_meta *_metadata __attribute__((unused)),	\
		FIXTURE_DATA(f) *self __attribute__((unused)))
#define TEST_F(f, tname)	TEST_F_TIMEOUT(f, tname, VXT_DEFAULT_TIMEOUT)

int vxt_main(int argc, char **argv);
#define TEST_HARNESS_MAIN						\
	int main(int argc, char **argv) { return vxt_main(argc, argv); }

#endif /* VX_TESTS_HARNESS_H */
