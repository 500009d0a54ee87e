// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Error printing and the common `VERB CTID [options]` parser.
 *
 * Errors go to stderr as one line, plain like OpenVZ's, or with --json as
 * {"exit":N,"error":"..."} on stdout so scripts get a stable shape.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "values.h"
#include "vzctl.h"

struct vzctl_globals vzctl;

static int fail_v(int code, const char *fmt, va_list ap)
{
	char *msg = NULL;

	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	fflush(stdout);
	if (vzctl.json) {
		printf("{\"exit\":%d,\"error\":", code);
		vzctl_json_string(stdout, msg ? msg : "");
		printf("}\n");
		fflush(stdout);
	} else {
		fprintf(stderr, "%s\n", msg ? msg : "out of memory");
	}
	free(msg);
	return code;
}

int vzctl_fail(int code, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = fail_v(code, fmt, ap);
	va_end(ap);
	return ret;
}

int vzctl_fail_err(const struct vx_error *err)
{
	return vzctl_fail(err->code, "%s", err->msg);
}

int vzctl_usage_error(const char *verb, const char *fmt, ...)
{
	cleanup_free char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	return vzctl_fail(VX_E_INVAL_PARAM, "vzctl %s: %s; see `vzctl %s --help`",
			  verb, msg ? msg : "bad usage", verb);
}

/* OpenVZ options a hoster may well type that vx does not implement yet:
 * say so, instead of the puzzling "unknown option". */
static bool is_openvz_option(const char *arg)
{
	static const char *const known[] = {
		"ipadd", "ipdel",
		"netif_add", "netif_del", "ram", "swap", "cpus", "cpuunits",
		"cpulimit", "numproc", "numfile",
		"kmemsize", "privvmpages", "physpages", "swappages",
		"capability", "devices", "devnodes", "features", "iptables",
		"layout", "setmode", "skip_arpdetect", "force", "skip-fsck",
		"local_uid", "local_gid", "bindmount_add", "quotaugidlimit",
	};
	size_t n;

	if (strncmp(arg, "--", 2))
		return false;
	arg += 2;
	n = strcspn(arg, "=");
	for (size_t i = 0; i < ARRAY_SIZE(known); i++)
		if (strlen(known[i]) == n && !strncmp(known[i], arg, n))
			return true;
	return false;
}

static bool looks_numeric(const char *s)
{
	if (*s == '-' || *s == '+')
		s++;
	return *s >= '0' && *s <= '9';
}

/* "-1", "-42": OpenVZ reads the word after the verb as the CTID. */
static bool is_ctid_word(const char *s)
{
	return s[0] != '-' || (s[1] >= '0' && s[1] <= '9');
}

/* Same CTID, spelled as a number or not: "101" and "0101" are one CT. */
static bool same_ctid(const char *a, const char *b)
{
	if (looks_numeric(a) && looks_numeric(b))
		return strtoull(a, NULL, 10) == strtoull(b, NULL, 10);
	return !strcmp(a, b);
}

/* The parser behind vzctl_parse and vzctl_parse_ctids: takes up to max
 * CTIDs into out[], their count into *n. */
static int parse_args(int argc, char **argv, const char *shortopts,
		      const struct option *longopts, const char *usage,
		      int (*fn)(int opt, const char *arg, void *data),
		      void *data, const char **out, int max, int *n)
{
	cleanup_free char *opts = NULL;
	const char *verb = argv[0];
	int c, ret;

	*n = 0;
	/* --help anywhere wins, even without a CTID. */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("%s", usage);
			return -1;
		}
	}
	if (argc > 1 && is_ctid_word(argv[1])) {
		out[(*n)++] = argv[1];
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	/* Leading ':' reports a missing argument as ':' rather than '?'. */
	if (asprintf(&opts, ":%s", shortopts) < 0)
		return VX_E_SYSTEM;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		switch (c) {
		case ':':
			return vzctl_usage_error(verb, "option %s needs a value",
						 argv[optind - 1]);
		case '?':
			if (optopt)
				return vzctl_usage_error(verb, "unknown option -%c",
							 optopt);
			if (is_openvz_option(argv[optind - 1]))
				return vzctl_usage_error(verb,
							 "option %s is an OpenVZ option this version of vx does not support yet",
							 argv[optind - 1]);
			return vzctl_usage_error(verb, "unknown option %s",
						 argv[optind - 1]);
		default:
			ret = fn(c, optarg, data);
			if (ret)
				return ret;
		}
	}
	while (*n < max && optind < argc)
		out[(*n)++] = argv[optind++];
	if (!*n)
		return vzctl_usage_error(verb, "no CTID given");
	if (optind < argc)
		return vzctl_usage_error(verb, "unexpected argument '%s'",
					 argv[optind]);
	/* Every CTID checked before anything runs: a batch never stops
	 * half-way over a typo. */
	for (int i = 0; i < *n; i++) {
		if (looks_numeric(out[i])) {
			struct vx_error *err = NULL;

			if (vx_parse_ctid(out[i], &(unsigned int){ 0 },
					  &err) < 0) {
				ret = vzctl_fail_err(err);
				vx_error_free(err);
				return ret;
			}
		}
		for (int j = 0; j < i; j++)
			if (same_ctid(out[j], out[i]))
				return vzctl_usage_error(verb,
							 "CTID %s given twice (as '%s' and '%s'); name each CT once",
							 out[i], out[j], out[i]);
	}
	return 0;
}

int vzctl_parse(int argc, char **argv, const char *shortopts,
		const struct option *longopts, const char *usage,
		int (*fn)(int opt, const char *arg, void *data), void *data,
		const char **ctid)
{
	int n;

	*ctid = NULL;
	return parse_args(argc, argv, shortopts, longopts, usage, fn, data,
			  ctid, 1, &n);
}

int vzctl_parse_ctids(int argc, char **argv, const char *shortopts,
		      const struct option *longopts, const char *usage,
		      int (*fn)(int opt, const char *arg, void *data),
		      void *data, const char **ctids, int *n)
{
	return parse_args(argc, argv, shortopts, longopts, usage, fn, data,
			  ctids, argc, n);
}
