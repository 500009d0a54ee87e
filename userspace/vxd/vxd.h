/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vxd internals.
 *
 * Process model: the main process only accepts connections, supervises CT
 * inits through pidfds and reaps children. Each connection is served by a
 * forked worker that handles exactly one request and exits, so operations on
 * different CTs run in parallel, a crashing operation cannot take the daemon
 * down, and libvx (which forks and setns()es) never runs in a threaded
 * process. Operations on one CT are serialised by the CT lock (flock), which
 * the worker takes without waiting: a busy CT fails at once with exit 9.
 */
#ifndef VXD_H
#define VXD_H

#include <stdbool.h>
#include <poll.h>
#include <sys/socket.h>

#include "ct.h"
#include "error.h"
#include "global.h"
#include "lock.h"
#include "proto.h"

static inline void vxd_unlockp(int *fd)
{
	vx_unlock_ct(*fd);
}

/* Releases a CT lock taken with vxd_lock_load() at scope exit. */
#define cleanup_unlock __attribute__((cleanup(vxd_unlockp)))

static inline void vxd_ct_freep(struct vx_ct **ct)
{
	vx_ct_free(*ct);
}

#define cleanup_ct __attribute__((cleanup(vxd_ct_freep)))

struct vxd_req {
	int sock;			/* the client connection */
	const struct vx_global *g;
	struct vx_msg *in;		/* the request (owns received fds) */
	struct vx_msg *out;		/* the final response being built */
	struct ucred peer;
};

typedef int (*vxd_handler_t)(struct vxd_req *r, struct vx_error **err);

/* main.c: logging (stderr in the foreground, else rundir/vxd.log). */
void vxd_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* server.c */
/* In a worker: the pid of the vxd main process that forked it. */
extern pid_t vxd_main_pid;
int vxd_listen(const struct vx_global *g, struct vx_error **err);
/* Forks a worker for a freshly accepted connection. Returns its pid. */
pid_t vxd_spawn_worker(int conn);
/* fds the main process owns; workers close them right after fork so no CT
 * monitor (forked by a worker) ever inherits the listening socket or the
 * pidfile lock. */
void vxd_register_private_fd(int fd);
void vxd_close_private_fds(void);
/* Adds one human-readable progress line to the response ("info"). */
void vxd_info(struct vxd_req *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ops_ct.c: lifecycle */
int vxd_op_create(struct vxd_req *r, struct vx_error **err);
int vxd_op_destroy(struct vxd_req *r, struct vx_error **err);
int vxd_op_start(struct vxd_req *r, struct vx_error **err);
int vxd_op_stop(struct vxd_req *r, struct vx_error **err);
int vxd_op_restart(struct vxd_req *r, struct vx_error **err);
int vxd_op_mount(struct vxd_req *r, struct vx_error **err);
int vxd_op_umount(struct vxd_req *r, struct vx_error **err);
int vxd_op_set(struct vxd_req *r, struct vx_error **err);
/* ops_net.c: the network options of set */
bool vxd_net_requested(struct vxd_req *r);
int vxd_net_check(struct vxd_req *r, struct vx_error **err);
int vxd_net_set(struct vxd_req *r, struct vx_ct *ct, bool running, bool save,
		bool *dirty, struct vx_error **err);
/* Resolves the request's "ct" field (number or name). */
int vxd_req_ctid(struct vxd_req *r, unsigned int *ctid, struct vx_error **err);
/* Locks (fail fast), rolls back a dead create, loads the config. */
int vxd_lock_load(struct vxd_req *r, unsigned int ctid, const char *op,
		  int *lockfd, struct vx_ct **ct, struct vx_error **err);
/* Both of the above: the request's CT argument, locked and loaded. */
int vxd_req_lock_load(struct vxd_req *r, const char *op, unsigned int *ctid,
		      int *lockfd, struct vx_ct **ct, struct vx_error **err);

/* ops_set.c: resource options of a set or create request (--ram,
 * --numproc ..., --applyconfig) as config keys and checked values. */
struct res_changes {
	size_t n;
	const char *key[64];
	char *val[64];
};
int vxd_res_collect(struct vxd_req *r, struct res_changes *c,
		    struct vx_error **err);
void vxd_res_changes_free(struct res_changes *c);

/* ops_run.c: exec and enter */
int vxd_op_exec(struct vxd_req *r, struct vx_error **err);
int vxd_op_enter(struct vxd_req *r, struct vx_error **err);

/* ops_ckpt.c: suspend (chkpnt) and resume (restore) */
int vxd_op_suspend(struct vxd_req *r, struct vx_error **err);
int vxd_op_resume(struct vxd_req *r, struct vx_error **err);

/* ops_info.c: hello, status, list */
int vxd_op_hello(struct vxd_req *r, struct vx_error **err);
int vxd_op_status(struct vxd_req *r, struct vx_error **err);
int vxd_op_list(struct vxd_req *r, struct vx_error **err);

/* parallel.c: takes one of VE_PARALLEL slots for a heavy operation;
 * held until the fd is closed (or the worker exits). -1: unbounded. */
int vxd_heavy_slot(const struct vx_global *g);

/* supervise.c */
void vxd_supervise_init(const struct vx_global *g);
/* Re-reads every state file (SIGHUP): the view rebuilt from scratch. */
void vxd_supervise_rescan(const struct vx_global *g);
/* A worker exited: rescans only if rundir/ct cannot be watched. */
void vxd_supervise_worker_done(const struct vx_global *g);
/* The supervisor's fds to poll (an epoll set of init pidfds, an inotify
 * watch on rundir/ct); returns how many were written (<= max, at most 2). */
int vxd_supervise_pollfds(struct pollfd *p, int max);
/* One of those fds is readable. */
void vxd_supervise_event(const struct vx_global *g, int fd);
/* Starts ONBOOT=yes CTs once per host boot, in a child process. */
void vxd_onboot(const struct vx_global *g);
/* In a worker: closes the supervisor's pidfds. */
void vxd_supervise_forget(void);
/* Running CTs as vxd saw them (in a worker: when it was forked). O(1),
 * unlike counting state files; may lag a burst of starts by a few. */
size_t vxd_supervise_count(void);

#define VXD_VERSION "0.1"

#endif /* VXD_H */
