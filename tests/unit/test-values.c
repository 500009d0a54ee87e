// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests for CTID, size, barrier:limit, bool, name and hostname parsing. */
#include <errno.h>

#include "unit.h"
#include "values.h"


static void ctid_bad(const char *s, const char *hint)
{
	struct vx_error *err = NULL;
	unsigned int id = 12345;
	char quoted[64];

	CHECK(vx_parse_ctid(s, &id, &err) < 0);
	CHECK(id == 12345);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	if (*s) {
		snprintf(quoted, sizeof(quoted), "'%s'", s);
		CHECK_MSG(err, quoted);
	}
	CHECK_MSG(err, "1..2147483647");
	CHECK_MSG(err, hint);
	vx_error_free(err);
}

static void ctid_edges(void)
{
	unsigned int id = 0;

	CHECK(vx_parse_ctid("101", &id, NULL) == 0 && id == 101);
	CHECK(vx_parse_ctid("1", &id, NULL) == 0 && id == 1);
	CHECK(vx_parse_ctid("2147483647", &id, NULL) == 0 && id == 2147483647u);
	CHECK(vx_parse_ctid("0101", &id, NULL) == 0 && id == 101);
	ctid_bad("abc", "expected a number");
	ctid_bad("0", "out of range");
	ctid_bad("-1", "expected a number");
	ctid_bad("99999999999", "out of range");
	ctid_bad("2147483648", "out of range");
	ctid_bad("4294967297", "out of range");
	ctid_bad("99999999999999999999999", "out of range");
	ctid_bad("", "empty CTID");
	ctid_bad("+5", "expected a number");
	ctid_bad(" 5", "expected a number");
	ctid_bad("5 ", "expected a number");
	ctid_bad("0x10", "expected a number");
	ctid_bad("1e3", "expected a number");
	ctid_bad("101abc", "expected a number");
}

static uint64_t val(const char *s, enum vx_unit unit)
{
	struct vx_error *err = NULL;
	uint64_t v = 0;

	if (vx_parse_value(s, unit, &v, &err)) {
		printf("#   '%s' rejected: %s\n", s, err ? err->msg : "?");
		unit_failed_now = 1;
		vx_error_free(err);
	}
	return v;
}

static void val_bad(const char *s, enum vx_unit unit, const char *hint)
{
	struct vx_error *err = NULL;
	uint64_t v = 77;
	char quoted[128];

	CHECK(vx_parse_value(s, unit, &v, &err) < 0);
	CHECK(v == 77);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	if (*s) {
		snprintf(quoted, sizeof(quoted), "'%s'", s);
		CHECK_MSG(err, quoted);
	}
	CHECK_MSG(err, hint);
	vx_error_free(err);
}

static void value_suffixes(void)
{
	CHECK(val("0", VX_UNIT_BYTES) == 0);
	CHECK(val("123", VX_UNIT_BYTES) == 123);
	CHECK(val("1K", VX_UNIT_BYTES) == 1024);
	CHECK(val("1k", VX_UNIT_BYTES) == 1024);
	CHECK(val("2M", VX_UNIT_BYTES) == 2u << 20);
	CHECK(val("3G", VX_UNIT_BYTES) == 3ull << 30);
	CHECK(val("4T", VX_UNIT_BYTES) == 4ull << 40);
	CHECK(val("5P", VX_UNIT_BYTES) == 5ull * 4096);
	/* Pages: bare numbers are pages; byte sizes round up to pages. */
	CHECK(val("100", VX_UNIT_PAGES) == 100);
	CHECK(val("1G", VX_UNIT_PAGES) == 262144);
	CHECK(val("256M", VX_UNIT_PAGES) == 65536);
	CHECK(val("7P", VX_UNIT_PAGES) == 7);
	CHECK(val("1K", VX_UNIT_PAGES) == 1);
	CHECK(val("5K", VX_UNIT_PAGES) == 2);
	CHECK(val("0K", VX_UNIT_PAGES) == 0);
	CHECK(val("1000", VX_UNIT_COUNT) == 1000);
	/* 1K blocks (DISKSPACE): bare numbers are KiB. */
	CHECK(val("100", VX_UNIT_KBYTES) == 100);
	CHECK(val("2G", VX_UNIT_KBYTES) == 2097152);
	CHECK(val("1P", VX_UNIT_KBYTES) == 4);
	CHECK(val("1K", VX_UNIT_KBYTES) == 1);
}

static void value_unlimited_and_overflow(void)
{
	CHECK(val("unlimited", VX_UNIT_COUNT) == VX_UNLIMITED);
	CHECK(val("UNLIMITED", VX_UNIT_BYTES) == VX_UNLIMITED);
	CHECK(val("9223372036854775807", VX_UNIT_BYTES) == VX_UNLIMITED);
	val_bad("9223372036854775808", VX_UNIT_BYTES, "too large");
	val_bad("18446744073709551615", VX_UNIT_BYTES, "too large");
	val_bad("18446744073709551616", VX_UNIT_BYTES, "too large");
	val_bad("99999999999999999999999999", VX_UNIT_COUNT, "too large");
	val_bad("8388608T", VX_UNIT_BYTES, "too large");	/* 2^63 */
	val_bad("17179869184G", VX_UNIT_BYTES, "too large");	/* 2^64 */
	CHECK(val("8388607T", VX_UNIT_BYTES) == 8388607ull << 40);
	/* In pages 2^63 bytes is fine: the overflow check is on the result. */
	CHECK(val("8388608T", VX_UNIT_PAGES) == (8388608ull << 40) / 4096);
	val_bad("4611686018427387904P", VX_UNIT_BYTES, "too large");
}

static void value_bad_forms(void)
{
	val_bad("", VX_UNIT_BYTES, "empty value");
	val_bad("-1", VX_UNIT_BYTES, "expected");
	val_bad("+1", VX_UNIT_BYTES, "expected");
	val_bad("1.5G", VX_UNIT_BYTES, "expected");
	val_bad("G", VX_UNIT_BYTES, "expected");
	val_bad("1X", VX_UNIT_BYTES, "expected");
	val_bad("1KB", VX_UNIT_BYTES, "expected");
	val_bad(" 1", VX_UNIT_BYTES, "expected");
	val_bad("1 ", VX_UNIT_BYTES, "expected");
	val_bad("0x10", VX_UNIT_BYTES, "expected");
	val_bad("unlimitedK", VX_UNIT_BYTES, "expected");
	val_bad("10K", VX_UNIT_COUNT, "takes no size suffix");
	val_bad("10P", VX_UNIT_COUNT, "takes no size suffix");
}

static int bl(const char *s, enum vx_unit unit, uint64_t *b, uint64_t *l,
	      struct vx_error **err)
{
	return vx_parse_barrier_limit(s, unit, b, l, err);
}

static void barrier_limit(void)
{
	struct vx_error *err = NULL;
	uint64_t b = 1, l = 1;

	CHECK(bl("100:200", VX_UNIT_COUNT, &b, &l, NULL) == 0 && b == 100 &&
	      l == 200);
	CHECK(bl("300", VX_UNIT_COUNT, &b, &l, NULL) == 0 && b == 300 &&
	      l == 300);
	CHECK(bl("5:5", VX_UNIT_COUNT, &b, &l, NULL) == 0 && b == 5 && l == 5);
	CHECK(bl("1G:2G", VX_UNIT_PAGES, &b, &l, NULL) == 0 && b == 262144 &&
	      l == 524288);
	CHECK(bl("0:unlimited", VX_UNIT_PAGES, &b, &l, NULL) == 0 && b == 0 &&
	      l == VX_UNLIMITED);
	CHECK(bl("unlimited", VX_UNIT_COUNT, &b, &l, NULL) == 0 &&
	      b == VX_UNLIMITED && l == VX_UNLIMITED);
	CHECK(bl("512M:1G", VX_UNIT_BYTES, &b, &l, NULL) == 0 &&
	      b == 512ull << 20 && l == 1ull << 30);

	b = l = 9;
	CHECK(bl("200:100", VX_UNIT_COUNT, &b, &l, &err) == -EINVAL);
	CHECK(b == 9 && l == 9);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	CHECK_MSG(err, "'200:100'");
	CHECK_MSG(err, "barrier 200 is above limit 100");
	vx_error_free(err);
	err = NULL;
	CHECK(bl("unlimited:5", VX_UNIT_COUNT, &b, &l, &err) < 0);
	CHECK_MSG(err, "above limit");
	vx_error_free(err);
	err = NULL;
	CHECK(bl("1:2:3", VX_UNIT_COUNT, &b, &l, &err) < 0);
	CHECK_MSG(err, "'1:2:3'");
	CHECK_MSG(err, "one ':'");
	vx_error_free(err);
	err = NULL;
	CHECK(bl("1:", VX_UNIT_COUNT, &b, &l, &err) < 0);
	CHECK_MSG(err, "'1:'");
	vx_error_free(err);
	err = NULL;
	CHECK(bl(":1", VX_UNIT_COUNT, &b, &l, &err) < 0);
	CHECK_MSG(err, "':1'");
	vx_error_free(err);
	err = NULL;
	CHECK(bl("1:x", VX_UNIT_COUNT, &b, &l, &err) < 0);
	CHECK_MSG(err, "'x'");
	CHECK_MSG(err, "'1:x'");
	vx_error_free(err);
}

static void bools(void)
{
	static const char *const yes[] = { "yes", "YES", "on", "true", "1" };
	static const char *const no[] = { "no", "Off", "false", "0" };
	struct vx_error *err = NULL;
	bool b;

	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++)
		CHECK(vx_parse_bool(yes[i], &b, NULL) == 0 && b);
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		CHECK(vx_parse_bool(no[i], &b, NULL) == 0 && !b);
	CHECK(vx_parse_bool("maybe", &b, &err) == -EINVAL);
	CHECK_MSG(err, "'maybe'");
	CHECK_MSG(err, "yes or no");
	vx_error_free(err);
	CHECK(vx_parse_bool("", &b, NULL) < 0);
}

static void names(void)
{
	struct vx_error *err = NULL;
	char long65[66];

	memset(long65, 'a', 65);
	long65[65] = '\0';
	CHECK(vx_check_name("web1", NULL) == 0);
	CHECK(vx_check_name("my.ct_2-x", NULL) == 0);
	CHECK(vx_check_name(long65 + 1, NULL) == 0);	/* 64 chars */
	CHECK(vx_check_name(long65, NULL) < 0);
	CHECK(vx_check_name("", NULL) < 0);
	CHECK(vx_check_name("a/b", &err) < 0);
	CHECK_MSG(err, "'a/b'");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_check_name("101", &err) < 0);
	CHECK_MSG(err, "must start with a letter");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_check_name("1web", &err) < 0);
	CHECK_MSG(err, "'1web'");
	vx_error_free(err);
	CHECK(vx_check_name("..", NULL) < 0);
	CHECK(vx_check_name("_x", NULL) < 0);
	CHECK(vx_check_name(".", NULL) < 0);
	CHECK(vx_check_name("-x", NULL) < 0);
	CHECK(vx_check_name("a b", NULL) < 0);
}

static void hostnames(void)
{
	struct vx_error *err = NULL;
	char h[80];

	CHECK(vx_check_hostname("ct101", NULL) == 0);
	CHECK(vx_check_hostname("web-1.example.com", NULL) == 0);
	CHECK(vx_check_hostname("a", NULL) == 0);
	CHECK(vx_check_hostname("1.2", NULL) == 0);
	memset(h, 'a', 64);
	h[64] = '\0';
	CHECK(vx_check_hostname(h, NULL) < 0);	/* one 64-char label */
	memset(h, 'a', 64);
	h[30] = '.';
	CHECK(vx_check_hostname(h, NULL) == 0);	/* 64 total */
	h[64] = 'b';
	h[65] = '\0';
	CHECK(vx_check_hostname(h, NULL) < 0);	/* 65 total */
	CHECK(vx_check_hostname("", NULL) < 0);
	CHECK(vx_check_hostname("-a", NULL) < 0);
	CHECK(vx_check_hostname("a-", NULL) < 0);
	CHECK(vx_check_hostname("a..b", NULL) < 0);
	CHECK(vx_check_hostname(".a", NULL) < 0);
	CHECK(vx_check_hostname("a.", NULL) < 0);
	CHECK(vx_check_hostname("a.-b", NULL) < 0);
	CHECK(vx_check_hostname("a_b", &err) < 0);
	CHECK_MSG(err, "'a_b'");
	CHECK_MSG(err, "'_'");
	vx_error_free(err);
}

int main(void)
{
	RUN(ctid_edges);
	RUN(value_suffixes);
	RUN(value_unlimited_and_overflow);
	RUN(value_bad_forms);
	RUN(barrier_limit);
	RUN(bools);
	RUN(names);
	RUN(hostnames);
	UNIT_EXIT();
}
