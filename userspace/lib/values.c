// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Parsing of user-supplied values (see values.h).
 *
 * All parsers are strict: no leading/trailing blanks, no signs, no hex, no
 * partial numbers. strtoull() alone would accept " -1" as 2^64-1, so digits
 * are checked by hand before it runs. Messages quote the value and say what
 * a valid one looks like, since they reach the user verbatim.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"
#include "values.h"

/*
 * A bad value is the user's mistake, not a system error: no strerror()
 * suffix in the message, but the errno still says what kind of mistake.
 */
#define INVAL(err, ...) \
	(vx_error_set((err), VX_E_INVAL_VALUE, 0, __VA_ARGS__), -EINVAL)
#define RANGE(err, ...) \
	(vx_error_set((err), VX_E_INVAL_VALUE, 0, __VA_ARGS__), -ERANGE)

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int vx_parse_ctid(const char *s, unsigned int *ctid, struct vx_error **err)
{
	unsigned long long v;

	if (!s || !*s)
		return INVAL(err,
				    "empty CTID: expected a number 1..%u",
				    VX_CTID_MAX);
	if (!all_digits(s))
		return INVAL(err,
				    "invalid CTID '%s': expected a number 1..%u",
				    s, VX_CTID_MAX);
	errno = 0;
	v = strtoull(s, NULL, 10);
	if (errno == ERANGE || v > VX_CTID_MAX || v == 0)
		return RANGE(err,
				    "invalid CTID '%s': out of range, expected 1..%u",
				    s, VX_CTID_MAX);
	*ctid = v;
	return 0;
}

/* Multiplier of a size suffix in bytes; 0 if c is not a suffix. */
static uint64_t suffix_bytes(char c)
{
	switch (c) {
	case 'k': case 'K': return 1ull << 10;
	case 'm': case 'M': return 1ull << 20;
	case 'g': case 'G': return 1ull << 30;
	case 't': case 'T': return 1ull << 40;
	case 'p': case 'P': return VX_PAGE_SIZE;
	}
	return 0;
}

static const char *unit_hint(enum vx_unit unit)
{
	switch (unit) {
	case VX_UNIT_COUNT:
		return "a plain number of items or 'unlimited'";
	case VX_UNIT_BYTES:
		return "a number of bytes, optionally with a K, M, G, T (binary) or P (pages) suffix, or 'unlimited'";
	case VX_UNIT_PAGES:
		return "a number of pages, or a size with a K, M, G, T (binary bytes) or P (pages) suffix, or 'unlimited'";
	case VX_UNIT_KBYTES:
		return "a number of 1K blocks, or a size with a K, M, G, T (binary bytes) or P (pages) suffix, or 'unlimited'";
	}
	return "a number";
}

int vx_parse_value(const char *s, enum vx_unit unit, uint64_t *out,
		   struct vx_error **err)
{
	size_t len = s ? strlen(s) : 0;
	uint64_t num, mul = 1, res;
	char *digits;

	if (!len)
		return INVAL(err,
				    "empty value: expected %s", unit_hint(unit));
	if (!strcasecmp(s, "unlimited")) {
		*out = VX_UNLIMITED;
		return 0;
	}
	if (len > 1 && suffix_bytes(s[len - 1])) {
		if (unit == VX_UNIT_COUNT)
			return INVAL(err,
					    "invalid value '%s': this parameter counts items and takes no size suffix; expected %s",
					    s, unit_hint(unit));
		mul = suffix_bytes(s[len - 1]);
		len--;
	}
	digits = strndup(s, len);
	if (!digits)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "parse '%s'", s);
	if (!all_digits(digits)) {
		free(digits);
		return INVAL(err,
				    "invalid value '%s': expected %s",
				    s, unit_hint(unit));
	}
	errno = 0;
	num = strtoull(digits, NULL, 10);
	free(digits);
	if (errno == ERANGE || __builtin_mul_overflow(num, mul, &res))
		goto too_big;
	/* A size given in bytes for a parameter kept in pages (or KiB): round up so
	 * that a small non-zero limit never becomes 0 (which would forbid
	 * everything). A bare number is already in pages. */
	if (unit == VX_UNIT_PAGES && mul != 1)
		res = res / VX_PAGE_SIZE + (res % VX_PAGE_SIZE != 0);
	if (unit == VX_UNIT_KBYTES && mul != 1)
		res = res / 1024 + (res % 1024 != 0);
	/* INT64_MAX itself is how OpenVZ spells unlimited; above it nothing
	 * fits the kernel's signed counters. */
	if (res > VX_UNLIMITED)
		goto too_big;
	*out = res;
	return 0;
too_big:
	return RANGE(err,
			    "invalid value '%s': too large (maximum %llu, or 'unlimited')",
			    s, (unsigned long long)VX_UNLIMITED);
}

int vx_parse_barrier_limit(const char *s, enum vx_unit unit,
			   uint64_t *barrier, uint64_t *limit,
			   struct vx_error **err)
{
	const char *colon = s ? strchr(s, ':') : NULL;
	uint64_t b, l;
	char *first;
	int ret;

	if (!colon) {
		ret = vx_parse_value(s, unit, &b, err);
		if (ret)
			return ret;
		*barrier = *limit = b;
		return 0;
	}
	if (strchr(colon + 1, ':'))
		return INVAL(err,
				    "invalid value '%s': expected barrier[:limit] with one ':'",
				    s);
	first = strndup(s, colon - s);
	if (!first)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "parse '%s'", s);
	ret = vx_parse_value(first, unit, &b, err);
	free(first);
	if (!ret)
		ret = vx_parse_value(colon + 1, unit, &l, err);
	if (ret) {
		vx_error_prefix(err, "in barrier:limit '%s'", s);
		return ret;
	}
	if (b > l)
		return INVAL(err,
				    "invalid value '%s': barrier %llu is above limit %llu; the barrier must be <= the limit",
				    s, (unsigned long long)b, (unsigned long long)l);
	*barrier = b;
	*limit = l;
	return 0;
}

int vx_parse_bool(const char *s, bool *out, struct vx_error **err)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; s && i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return INVAL(err,
			    "invalid value '%s': expected yes or no",
			    s ? s : "");
}

int vx_check_name(const char *s, struct vx_error **err)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len > 64)
		return INVAL(err,
				    "invalid name '%s': expected 1..64 characters from A-Z a-z 0-9 . _ -",
				    s ? s : "");
	for (const char *p = s; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || strchr("._-", *p);

		if (!ok)
			return INVAL(err,
					    "invalid name '%s': character '%c' not allowed; use A-Z a-z 0-9 . _ -",
					    s, *p);
	}
	/* A leading digit or sign would read as a (bad) CTID, a leading '-'
	 * as an option, and "." / ".." are directory entries in names/: a
	 * name starts with a letter, so it can never be mistaken. */
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return INVAL(err,
			     "invalid name '%s': a name must start with a letter (a CTID is all digits)",
			     s);
	return 0;
}

int vx_check_hostname(const char *s, struct vx_error **err)
{
	size_t len = s ? strlen(s) : 0, label = 0;

	/* The UTS nodename field holds 64 characters: longer names would be
	 * cut by sethostname(2) in the CT, so refuse them here. */
	if (len == 0 || len > 64)
		return INVAL(err,
				    "invalid hostname '%s': expected 1..64 characters",
				    s ? s : "");
	for (const char *p = s;; p++) {
		if (*p == '.' || !*p) {
			if (label == 0 || label > 63 || p[-1] == '-' ||
			    p[-(ptrdiff_t)label] == '-')
				return INVAL(err,
						    "invalid hostname '%s': each dot-separated label needs 1..63 characters and cannot start or end with '-'",
						    s);
			if (!*p)
				break;
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return INVAL(err,
					    "invalid hostname '%s': character '%c' not allowed; use letters, digits, '-' and '.'",
					    s, *p);
		label++;
	}
	return 0;
}
