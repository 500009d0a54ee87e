/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parsing of user-supplied values: CTIDs, sizes, barrier:limit pairs, bools.
 *
 * Sizes follow vzctl: a bare number is in the parameter's own unit (items,
 * bytes or pages); suffixes K, M, G, T (binary, bytes) and P (pages, 4096
 * bytes) convert into that unit; `unlimited` is VX_UNLIMITED, printed as
 * 9223372036854775807 like OpenVZ's LONG_MAX. Every error message names the
 * bad value and what a valid one looks like.
 */
#ifndef VX_VALUES_H
#define VX_VALUES_H

#include <stdbool.h>
#include <stdint.h>
#include "error.h"

/* spelt as in <linux/vserver.h>, so both headers can be included */
#define VX_CTID_MAX 0x7fffffffU
#define VX_UNLIMITED ((uint64_t)INT64_MAX)
#define VX_PAGE_SIZE 4096u

enum vx_unit {
	VX_UNIT_COUNT,	/* plain items: no byte suffixes accepted */
	VX_UNIT_BYTES,
	VX_UNIT_PAGES,
	VX_UNIT_KBYTES,	/* 1 KiB blocks: OpenVZ's DISKSPACE */
};

/* "101" -> 101. Digits only, 1..VX_CTID_MAX. Code VX_E_INVAL_VALUE. */
int vx_parse_ctid(const char *s, unsigned int *ctid, struct vx_error **err);

/* One value with optional suffix, in the given unit, or "unlimited". */
int vx_parse_value(const char *s, enum vx_unit unit, uint64_t *out,
		   struct vx_error **err);

/* "barrier[:limit]"; a single value sets both. Rejects barrier > limit. */
int vx_parse_barrier_limit(const char *s, enum vx_unit unit,
			   uint64_t *barrier, uint64_t *limit,
			   struct vx_error **err);

/* yes/no/on/off/true/false/1/0 (case-insensitive). */
int vx_parse_bool(const char *s, bool *out, struct vx_error **err);

/* A CT name for --name: [A-Za-z0-9._-], 1..64 chars, not all digits. */
int vx_check_name(const char *s, struct vx_error **err);
/* A hostname: RFC 1123 labels, total <= 253 (64 for the UTS field). */
int vx_check_hostname(const char *s, struct vx_error **err);

#endif /* VX_VALUES_H */
