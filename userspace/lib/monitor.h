/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-CT monitor's state and the functions its two files share:
 * monitor.c (process setup, the wait loop, reboot, teardown) and
 * monitor_boot.c (one boot: mount, cgroups, init, state file). Internal to
 * libvx; vx_monitor_main() itself is declared in runtime.h.
 */
#ifndef VX_MONITOR_H
#define VX_MONITOR_H

#include <stdbool.h>
#include <sys/types.h>
#include "cgroup.h"
#include "ct.h"
#include "error.h"
#include "global.h"
#include "runtime.h"

struct monitor {
	const struct vx_global *g;
	struct vx_ct *ct;
	const struct vx_run_cfg *cfg;
	struct vx_cgroup *cg;
	int report_fd;		/* to vx_ct_start(); -1 once reported */
	int sig_fd;
	int init_fd;		/* pidfd of init */
	pid_t init_pid;
	int console;		/* pty master */
	int console_hold;	/* our own slave: the master never sees HUP */
	int console_log;
	bool stopping;
	bool rebooted;		/* at least one reboot inside the CT */
	bool was_mounted;	/* mounted before we started: failed start
				 * leaves it mounted */
	long long deadline;	/* ms: SIGKILL init then (graceful stop) */
};

/* Microseconds on CLOCK_MONOTONIC, for the log's timings (monitor.c). */
long long vx_mon_now_us(void);
/* Copies what init wrote to its console into the console log, truncated
 * beyond 1 MiB (monitor.c). */
void vx_mon_drain_console(struct monitor *m);
/* Mounts the CT if needed, opens its cgroups, clones (or, resuming,
 * restores) init, writes the state file and, for --wait, waits for init
 * to finish booting. 0, 1 (booted too slowly, still running; err says
 * so) or a negative errno with err set (monitor_boot.c). */
int vx_mon_boot(struct monitor *m, struct vx_error **err);

#endif /* VX_MONITOR_H */
