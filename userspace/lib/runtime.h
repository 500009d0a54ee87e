/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals shared by start.c, monitor.c, monitor_boot.c, init.c, exec.c
 * and stop.c.
 * Not part of the libvx API (see run.h for that).
 */
#ifndef VX_RUNTIME_H
#define VX_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "cgroup.h"
#include "ct.h"
#include "global.h"

/* Namespaces a CT gets; the cgroup namespace is unshared by init itself
 * once it is in the CT's cgroups (so the CT's cgroup is its root). */
#define VX_CT_NS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
		  CLONE_NEWNET)

/* Everything a start needs, resolved from the config before forking, so
 * that configuration errors reach the user without a monitor. */
struct vx_run_cfg {
	unsigned int ctid;
	const char *root;	/* VE_ROOT, expanded (owned by the ct) */
	const char *hostname;	/* HOSTNAME or NULL */
	const char *init;	/* INIT, default /sbin/init */
	uint64_t caps;		/* bounding set */
	int stop_signal;
	int stop_timeout;	/* seconds */
	int boot_timeout;	/* seconds, for --wait */
	bool wait;
	const char *restore;	/* resume: dump directory, else NULL */
};

int vx_run_cfg_load(const struct vx_global *g, const struct vx_ct *ct,
		    struct vx_run_cfg *cfg, struct vx_error **err);

/* The monitor process: never returns. report_fd gets "OK <pid>\n" or
 * "ERR <code> <errno>\n<message>" once, then is closed. */
__attribute__((noreturn))
void vx_monitor_main(const struct vx_global *g, struct vx_ct *ct,
		     const struct vx_run_cfg *cfg, int report_fd);

/* The CT's init before exec (child of the monitor, in the new
 * namespaces). Sends the console master over sock_fd, waits for one byte
 * on go_fd (the monitor has put it into the CT's cgroups), reports an
 * error over err_fd; on success execs and never returns. tree_fd: VE_ROOT
 * cloned by open_tree, to enter through the seed mount namespace (mntns.h;
 * init was cloned without CLONE_NEWNS), or -1. */
__attribute__((noreturn))
void vx_init_child(const struct vx_run_cfg *cfg, int go_fd, int err_fd,
		   int sock_fd, int tree_fd);

/* Applies seccomp and the capability bounding set to the caller. */
int vx_confine(uint64_t caps, struct vx_error **err);

/* Serialises an error for the pipes above / parses it back. */
void vx_error_send(int fd, const struct vx_error *e);
int vx_error_recv(int fd, struct vx_error **err);

/* Brings lo up in the caller's network namespace. */
int vx_net_lo_up(struct vx_error **err);

/* Log line to the monitor's log (stderr of the monitor). */
void vx_mon_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A pidfd for pid if it is the recorded process and has not exited; a
 * zombie counts as gone (its parent may be slow to reap it). -ESRCH else. */
int vx_pidfd_open_live(pid_t pid, unsigned long long start);

/* Milliseconds on CLOCK_MONOTONIC. */
long long vx_now_ms(void);

#endif /* VX_RUNTIME_H */
