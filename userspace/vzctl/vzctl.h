/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzctl internals. vzctl is a thin client of vxd: each verb parses its own
 * options (OpenVZ syntax: `vzctl VERB CTID [options]`), sends one request
 * and prints the answer; exit codes are those of docs/exit-codes.md. Only
 * main() and the print helpers here write to stdout/stderr.
 */
#ifndef VZCTL_H
#define VZCTL_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "error.h"
#include "global.h"
#include "proto.h"

struct vzctl_globals {
	bool quiet;		/* -q/--quiet: no progress lines */
	bool verbose;		/* -v/--verbose */
	bool json;		/* --json: machine-readable results/errors */
};
extern struct vzctl_globals vzctl;

struct vzctl_verb {
	const char *name;
	int (*handler)(int argc, char **argv);
	const char *summary;	/* one line for `vzctl --help` */
};

/* vzctl.c: the dispatch table. */
extern const struct vzctl_verb vzctl_verbs[];

/* Verb handlers; argv[0] is the verb. */
int cmd_create(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_restart(int argc, char **argv);
int cmd_mount(int argc, char **argv);
int cmd_umount(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_suspend(int argc, char **argv);	/* ckpt.c */
int cmd_resume(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_exec2(int argc, char **argv);
int cmd_enter(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_stat(int argc, char **argv);	/* stat.c: vzubc-like view */
int cmd_vzubc(int argc, char **argv);	/* stat.c: invoked as vzubc */
int cmd_template(int argc, char **argv);	/* template.c, runs locally */
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

/* help.c */
void vzctl_usage(FILE *f);

/* util.c: errors and argument handling. */
/* Prints an error (plain or JSON) and returns code. */
int vzctl_fail(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vzctl_fail_err(const struct vx_error *err);
/* "vzctl VERB: MSG; see `vzctl VERB --help`" with exit 20. */
int vzctl_usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Parses `VERB CTID [options]`: takes the CTID from argv[1] (OpenVZ puts it
 * first; "-1" counts as a CTID, not an option) or, failing that, from the
 * first argument left after option parsing. Options go through getopt_long;
 * for each option fn(opt, optarg, data) is called, returning 0 or an exit
 * code. --help prints usage and returns -1 (exit 0). Rejects a numeric
 * CTID out of range locally (exit 21), so bad input never needs vxd.
 */
int vzctl_parse(int argc, char **argv, const char *shortopts,
		const struct option *longopts, const char *usage,
		int (*fn)(int opt, const char *arg, void *data), void *data,
		const char **ctid);
/* Same for verbs that take several CTIDs (`vzctl stop 101 102 ...`):
 * ctids must have room for argc entries; *n gets their count (>= 1).
 * Besides vzctl_parse's checks, a CTID given twice is a usage error
 * (exit 20) naming it. */
int vzctl_parse_ctids(int argc, char **argv, const char *shortopts,
		      const struct option *longopts, const char *usage,
		      int (*fn)(int opt, const char *arg, void *data),
		      void *data, const char **ctids, int *n);

/* client.c: talking to vxd. */
/* Connects, starting vxd on demand. Returns the socket or prints the
 * error and returns -(exit code). */
int vzctl_connect(void);
/* Another connection to the vxd the last vzctl_connect reached, without
 * autostart or printing: the socket or -errno. */
int vzctl_reconnect(void);
/* Sends req (with fds) on a new connection and receives the final
 * response into resp. Returns 0 or -(exit code), error printed. */
int vzctl_call(struct vx_msg *req, const int *fds, int nfds,
	       struct vx_msg *resp);
/* Prints info lines and, on failure, the error of a final response;
 * returns its exit code. */
int vzctl_report(const struct vx_msg *resp);
/* Request whose answer carries data: sends req (and releases it); on
 * success returns 0 with *resp to read and release; on failure prints the
 * error and returns its exit code (resp already released). */
int vzctl_query(struct vx_msg *req, struct vx_msg *resp);
/* One-shot request for verbs whose whole job is request + report. */
int vzctl_simple(unsigned int cmd, const char *ctid, struct vx_msg *req);

/* batch.c: one request per CTID (tmpl's fields + "ct"), up to
 * VZCTL_BATCH_PARALLEL at once over separate connections; results are
 * printed as they come ("CTID: line"), with --json as one array at the
 * end. Returns 0, or the exit code of the first failed CTID in argument
 * order. tmpl is not released. */
#define VZCTL_BATCH_PARALLEL 32
int vzctl_batch(unsigned int cmd, const char *const *ctids, int n,
		const struct vx_msg *tmpl);

/* Progress bars: only on a terminal (stderr), never with --quiet/--json. */
bool vzctl_progress_wanted(void);

/* output.c */
void vzctl_json_string(FILE *f, const char *s);

#endif /* VZCTL_H */
