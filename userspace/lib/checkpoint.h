/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Checkpoint / restore of a whole CT with CRIU (docs/checkpoint.md).
 *
 * suspend: CRIU freezes the CT's cgroup, dumps the tree rooted at the CT's
 * init (all its namespaces: pid, mnt, uts, ipc, net, cgroup) into a dump
 * directory and kills it; the CT's monitor then tears the CT down as for a
 * stop. The dump is written to DIR.tmp and renamed to DIR only once CRIU
 * succeeded and vx-dump.conf (what restore needs to know) is in it, so a
 * directory named DIR is always a complete dump.
 * resume: a new monitor mounts the CT, creates its cgroups with the limits
 * of the config, and runs `criu restore --restore-sibling` itself, so the
 * restored init is the monitor's child again, exactly as after a start
 * (stop, exec, status, reboot work unchanged). The dump is removed after a
 * successful resume; a failed one leaves the CT stopped and the dump as it
 * was.
 *
 * The CT's console is a pty of the CT's own devpts whose master the old
 * monitor held; CRIU cannot dump a master it does not see, so the console
 * is declared external (the /dev/console bind mount and the tty) and the
 * new monitor hands CRIU a fresh pty in its place.
 *
 * The network namespace is not dumped either (CRIU's --external net):
 * resume gives the restored tree a new one with lo up and the VPS's links
 * and addresses from its config (before CRIU runs, so sockets bound to
 * them come back). Two reasons: the
 * VPS's network is built by vx from the config anyway (a veth whose host
 * end CRIU could not restore), and CRIU 3.17 cannot dump a network
 * namespace on a kernel without CONFIG_NF_CT_NETLINK (it dumps conntrack
 * entries unconditionally). Lost on resume: routes, firewall rules and
 * sysctls the VPS set in its namespace itself. Sockets, listening and
 * established TCP on the VPS's addresses included, come back.
 */
#ifndef VX_CHECKPOINT_H
#define VX_CHECKPOINT_H

#include <stdbool.h>
#include <sys/types.h>
#include "ct.h"
#include "global.h"
#include "runtime.h"

#define VX_DUMP_MARKER "vx-dump.conf"
#define VX_CKPT_NETNS_KEY "vxnet"	/* --external net[ino]:KEY */

struct vx_ckpt_opts {
	const char *dumpdir;	/* NULL: the default (vx_ckpt_default_dir) */
	bool tcp;		/* --tcp-established: dump live TCP connections */
};

/* What CRIU and the kernel offer here. */
struct vx_criu_info {
	char version[32];	/* "3.17.1" */
	char kernel[64];	/* uname release */
};

/*
 * Can CRIU checkpoint on this host? Checks that criu is installed, its
 * version against the kernel (Linux >= 6.13 changed the vDSO layout; CRIU
 * < 4.1 cannot handle it) and `criu check`. The verdict is cached per boot
 * in rundir. Failure: VX_E_NO_CHKPNT with the reason and what to install.
 */
int vx_criu_probe(const struct vx_global *g, struct vx_criu_info *ci,
		  struct vx_error **err);

/* false if this CRIU version cannot work with this kernel release at all
 * (Linux >= 6.13 needs CRIU >= 4.1). Pure: for the probe and the tests. */
bool vx_criu_fits_kernel(const char *kernel, const char *criu);

/* Default dump directory: VE_PRIVATE/dump/Dump, except for the plain
 * layout, whose VE_PRIVATE is the CT's own tree (the CT could read or
 * forge its dump there): DUMPDIR/Dump.CTID. malloc'd. */
char *vx_ckpt_default_dir(const struct vx_global *g, const struct vx_ct *ct);

/* Is the CT suspended? true with *dir (malloc'd, may be NULL) set to the
 * dump directory: the one recorded by the last suspend (rundir/ct/
 * CTID.suspended) or the default one, if it holds a complete dump. */
bool vx_ckpt_suspended(const struct vx_global *g, const struct vx_ct *ct,
		       char **dir);

/* Caller holds the CT lock. VX_E_NOT_RUNNING, VX_E_NO_CHKPNT,
 * VX_E_CHKPNT (the CT keeps running, unchanged). */
int vx_ct_suspend(const struct vx_global *g, struct vx_ct *ct,
		  const struct vx_ckpt_opts *o, struct vx_error **err);

/* Caller holds the CT lock. VX_E_RUNNING, VX_E_NO_CHKPNT, VX_E_RESTORE
 * (the CT stays stopped, the dump intact). */
int vx_ct_resume(const struct vx_global *g, struct vx_ct *ct,
		 const struct vx_ckpt_opts *o, struct vx_error **err);

/* In the monitor (checkpoint_restore.c): runs criu restore of cfg->restore
 * into the CT whose root is mounted and whose cgroups exist. On success
 * the restored init is our child: *pid, *pidfd and the new console's
 * master in *console. */
int vx_ckpt_restore_tree(const struct vx_global *g, const struct vx_ct *ct,
			 const struct vx_run_cfg *cfg, pid_t *pid, int *pidfd,
			 int *console, struct vx_error **err);

/* Internal to checkpoint*.c: runs criu with argv (NULL-terminated),
 * stdio on /dev/null, keep[i] as fd 3 + i; returns its exit status (0 ok),
 * or a negative errno if it could not run. reason gets CRIU's first real
 * error line from log (or ""). */
int vx_criu_run(char *const argv[], const int *keep, int nkeep,
		const char *log, char *reason, size_t reason_len);
/* The CT's cgroup directory with a freezer: the v2 one, else the v1
 * freezer controller's; NULL if none. */
struct vx_cgroup;
const char *vx_ckpt_freezer_dir(const struct vx_cgroup *cg);

/* In the monitor, after vx_ckpt_restore_tree(), on the patched kernel: the
 * restored tree into the CT's kernel context (beancounters, /proc view),
 * frozen while each process moves. A no-op without the patchset. */
int vx_ckpt_enter_context(const struct vx_ct *ct, const struct vx_cgroup *cg,
			  pid_t init_pid, int init_fd, struct vx_error **err);

/* Forgets where the last suspend put its dump (after a resume). */
void vx_ckpt_record_remove(const struct vx_global *g, unsigned int ctid);
/* Network lock method CRIU can use here: "iptables" if iptables-restore
 * exists, else "nftables". */
const char *vx_criu_netlock(void);

#endif /* VX_CHECKPOINT_H */
