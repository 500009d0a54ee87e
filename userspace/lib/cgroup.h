/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-CT cgroups, hiding cgroup v1 / v2 / hybrid behind one small ops table.
 *
 * The host's layout is detected once (statfs magic of /sys/fs/cgroup and of
 * /sys/fs/cgroup/unified) and never changes while we run:
 *   v1      tmpfs at /sys/fs/cgroup, one cgroup mount per controller set
 *   hybrid  v1 as above plus an (often controller-less) cgroup2 mount at
 *           /sys/fs/cgroup/unified; we use it for cgroup.kill
 *   v2      cgroup2 at /sys/fs/cgroup
 * A CT's cgroup is <hierarchy>/<VX_CGROUP_PREFIX>/<ctid> in every hierarchy,
 * absolute from the hierarchy's root (not below vxd's own cgroup), so a
 * restarted vxd in another cgroup finds the same directories. The relative
 * path ("vx/101") is what the state file records.
 */
#ifndef VX_CGROUP_H
#define VX_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "error.h"
#include "global.h"

enum vx_cgroup_mode {
	VX_CGROUP_V1,
	VX_CGROUP_HYBRID,
	VX_CGROUP_V2,
};

struct vx_cgroup;

/*
 * Resource limits in kernel units, resolved from the CT config by resources.c
 * and written by the backend's set_limits. Every field always has a value
 * ("none" included), so applying a set is idempotent and a live change
 * that removes a limit really removes it.
 */
struct vx_limits {
	uint64_t ram;		/* bytes (PHYSPAGES limit); VX_UNLIMITED: none */
	uint64_t swap;		/* bytes (SWAPPAGES limit); VX_UNLIMITED: none */
	uint64_t numproc;	/* tasks (NUMPROC limit); VX_UNLIMITED: none */
	unsigned int cpuunits;	/* OpenVZ weight 8..500000, default 1000 */
	uint64_t cpu_quota_us;	/* per VX_CPU_PERIOD_US; 0: no cap */
	char cpumask[256];	/* cpuset list; "": all of the parent's */
	uint64_t iolimit;	/* bytes/s on dev, read and write; 0: none */
	uint64_t iopslimit;	/* ops/s on dev; 0: none */
	int ioprio;		/* 0..7; -1: leave the weight alone */
	bool have_dev;		/* dev_major:dev_minor known (whole disk) */
	unsigned int dev_major, dev_minor;
};

#define VX_CPU_PERIOD_US 100000u
/* IOPRIO 0..7 -> blkio/io weight 100..975 (OpenVZ default 4 -> 600;
 * the kernel's default weight is 100 on v2, 500 on v1). */
#define VX_IOPRIO_WEIGHT(p) (100 + (p) * 125)

struct vx_cgroup_ops {
	const char *name;
	/* mkdir in every hierarchy, apply the device allowlist */
	int (*create)(struct vx_cgroup *cg, struct vx_error **err);
	/* move pid (0: the caller) into the CT's cgroups */
	int (*attach)(struct vx_cgroup *cg, pid_t pid, struct vx_error **err);
	/* kill whatever is left inside, then rmdir everywhere */
	int (*destroy)(struct vx_cgroup *cg, struct vx_error **err);
	/* write value to <controller's dir>/file, e.g. ("memory",
	 * "memory.limit_in_bytes", "1G"); controller "" means any dir */
	int (*set)(struct vx_cgroup *cg, const char *ctrl, const char *file,
		   const char *value, struct vx_error **err);
	/* write every limit of l (live or before init runs) */
	int (*set_limits)(struct vx_cgroup *cg, const struct vx_limits *l,
			  struct vx_error **err);
};

/* One directory per hierarchy. */
struct vx_cgroup_dir {
	char *path;	/* absolute: /sys/fs/cgroup/memory/vx/101 */
	char *ctrls;	/* "memory", "cpu,cpuacct", "name=systemd", "" (v2) */
	bool v2;	/* a cgroup2 hierarchy (has cgroup.kill) */
};

struct vx_cgroup {
	const struct vx_cgroup_ops *ops;
	enum vx_cgroup_mode mode;
	unsigned int ctid;
	char *rel;			/* "vx/101" */
	bool fresh;			/* every directory made by create() */
	size_t ndirs;
	struct vx_cgroup_dir *dirs;
};

extern const struct vx_cgroup_ops vx_cgroup_v1_ops;
extern const struct vx_cgroup_ops vx_cgroup_v2_ops;

enum vx_cgroup_mode vx_cgroup_mode(void);
const char *vx_cgroup_mode_name(enum vx_cgroup_mode m);

/*
 * Opt-in host tuning, vz.conf VX_CGROUP_FAVORDYNMODS=yes: remounts the
 * cgroup2 (else one v1) hierarchy with "favordynmods". Moving a task
 * between cgroups (every CT start and exec) otherwise waits for an RCU
 * grace period, 5-30 ms here; with it the move costs ~0.5 ms, and fork/exit
 * pay a little more on the whole host. Idempotent, once per process.
 */
void vx_cgroup_tune(const struct vx_global *g);

/* Reads what every later start needs once, in a long-lived parent (vxd)
 * whose children inherit it: the hierarchies (mountinfo) and the loaded
 * device program. Optional: without it each process does it itself. */
void vx_cgroup_preload(void);

/* Builds the handle (no filesystem change). rel == NULL: prefix/ctid. */
int vx_cgroup_open(const struct vx_global *g, unsigned int ctid,
		   const char *rel, struct vx_cgroup **out,
		   struct vx_error **err);
void vx_cgroup_free(struct vx_cgroup *cg);

static inline int vx_cgroup_create(struct vx_cgroup *cg, struct vx_error **err)
{
	return cg->ops->create(cg, err);
}

static inline int vx_cgroup_attach(struct vx_cgroup *cg, pid_t pid,
				   struct vx_error **err)
{
	return cg->ops->attach(cg, pid, err);
}

static inline int vx_cgroup_destroy(struct vx_cgroup *cg,
				    struct vx_error **err)
{
	return cg->ops->destroy(cg, err);
}

static inline int vx_cgroup_set(struct vx_cgroup *cg, const char *ctrl,
				const char *file, const char *value,
				struct vx_error **err)
{
	return cg->ops->set(cg, ctrl, file, value, err);
}

static inline int vx_cgroup_set_limits(struct vx_cgroup *cg,
				       const struct vx_limits *l,
				       struct vx_error **err)
{
	return cg->ops->set_limits(cg, l, err);
}

/* One device allowlist entry; -1 = any major/minor. */
struct vx_dev_rule {
	char type;		/* 'c' or 'b' */
	int major, minor;
	const char *access;	/* subset of "rwm" */
};

/* The CT device allowlist (cgroup.c), shared by the v1 devices controller
 * and the v2 BPF program so the two can never disagree. */
extern const struct vx_dev_rule vx_dev_allow[];
extern const size_t vx_dev_allow_n;

/* Attaches a BPF device program allowing exactly rules to the cgroup2
 * directory dir (cgroup_bpf.c). The program for vx_dev_allow is loaded
 * once per process and shared by every CT. */
int vx_cgroup_bpf_devices(const char *dir, const struct vx_dev_rule *rules,
			  size_t n, struct vx_error **err);
/* Loads the shared vx_dev_allow program now (vx_cgroup_preload). */
void vx_cgroup_bpf_prepare(void);
/* Its fd, or -1: a process that closes its fds keeps this one. */
int vx_cgroup_bpf_fd(void);

/* Helpers shared by the backends (cgroup.c). */
int vx_cgroup_write(const char *dir, const char *file, const char *value,
		    struct vx_error **err);
/* 1: path was made here, 0: it existed, < 0: error. */
int vx_cgroup_mkdir_p(const char *path, struct vx_error **err);
/* true if cg is fresh and file already holds value (see cgroup.c). */
bool vx_cgroup_fresh_default(const struct vx_cgroup *cg, const char *file,
			     const char *value);
int vx_cgroup_rmdir_wait(const char *path, struct vx_error **err);
/* SIGKILLs every process listed in dir/cgroup.procs until it is empty. */
int vx_cgroup_kill_listed(const char *dir, struct vx_error **err);
/* true if the hierarchy of ctrl offers file (checked at its root, so it
 * works before the CT's directory exists). */
bool vx_cgroup_has_file(struct vx_cgroup *cg, const char *ctrl,
			const char *file);
/* false if the host has no swap at all (SwapTotal 0): a swap limit is
 * then vacuous, and a kernel without swap accounting is no reason to
 * refuse it. */
bool vx_host_has_swap(void);
/* true if the kernel has RT group scheduling: v1 shows cpu.rt_runtime_us;
 * v2 has no file for it, so /boot/config-RELEASE is asked (absent: false).
 * A VPS then gets an RT budget of 0 (docs/config.md). */
bool vx_cgroup_rt_group_sched(void);
/* Pointer to the dir of the hierarchy holding controller ctrl, or NULL. */
struct vx_cgroup_dir *vx_cgroup_find(struct vx_cgroup *cg, const char *ctrl);

#endif /* VX_CGROUP_H */
