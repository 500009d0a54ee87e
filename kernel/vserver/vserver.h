/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vserver internals shared by context.c, res.c, proc.c and netlink.c.
 *
 * Lifetime of a context: created by ctx-new (one reference held by the
 * table vx_contexts), every task and every charged object holds one more.
 * ctx-del removes it from the table (only while it has no live task) and
 * drops the table's reference; the memory goes when the last object
 * charged to it is freed (RCU-delayed, so lockless readers are safe).
 */
#ifndef _KERNEL_VSERVER_VSERVER_H
#define _KERNEL_VSERVER_VSERVER_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/vserver.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/netlink.h>

/**
 * struct vx_res - one beancounter row
 * @held: current usage
 * @maxheld: highest usage seen (racy, like pids.c's watermark)
 * @barrier: soft charges fail above it
 * @limit: hard charges fail above it
 * @failcnt: number of refused charges
 *
 * All fields are read and written locklessly; barrier and limit are set
 * under vx_ctx_mutex so that a reader never sees barrier > limit for long,
 * but a charge racing with res-set may use either the old or new value.
 */
struct vx_res {
	atomic64_t held;
	atomic64_t maxheld;
	u64 barrier;
	u64 limit;
	atomic64_t failcnt;
};

/**
 * struct vx_view - what the context's /proc shows (see enum vx_view_attr)
 * @mem_bytes: RAM shown, 0 = the host's figures
 * @swap_bytes: swap shown while @mem_bytes is set
 * @start_ns: CLOCK_BOOTTIME at which the context "booted"
 * @nr_cpus: CPUs shown, 0 = the host's CPUs
 * @cpus: the host CPUs the view's CPUs 0..@nr_cpus-1 stand for, in order
 * @rcu: for kfree_rcu()
 *
 * Immutable once published: view-set replaces the whole struct, so a
 * reader under RCU always sees one consistent view.
 */
struct vx_view {
	u64 mem_bytes;
	u64 swap_bytes;
	u64 start_ns;
	unsigned int nr_cpus;
	struct cpumask cpus;
	struct rcu_head rcu;
};

/* Bits in vx_context::events: what the event worker has to send. */
enum {
	VX_EV_EMPTIED,
};

/**
 * struct vx_context - a security context
 * @ctid: context id, 1..VX_CTID_MAX
 * @refcnt: table + tasks + charged objects + queued event work
 * @nr_tasks: live tasks (threads that have not passed exit_notify())
 * @deleted: removed from the table by ctx-del (under vx_ctx_mutex)
 * @events: VX_EV_* bits for the event worker
 * @failed_sent: resources whose first failure was already reported
 * @failed_pending: resources whose failure event is still to be sent
 * @event_work: sends monitor events from process context
 * @rcu: for the RCU-delayed free
 * @res: beancounter rows, indexed by enum vx_res_id
 * @view: the /proc view, NULL until the first view-set (RCU)
 * @created_ns: CLOCK_BOOTTIME at creation, the default view start
 * @avenrun: load average (FSHIFT fixed point), updated every LOAD_FREQ
 * @nr_running: running tasks at the last load sample
 * @run_sample: scratch counters of the load sampler
 * @load_sample: scratch counters of the load sampler
 * @dead_utime: user time (ns) of the context's exited tasks
 * @dead_stime: system time (ns) of the context's exited tasks
 * @dead_csw: context switches of the context's exited tasks
 * @nr_forks: tasks created in or moved into the context ("processes")
 * @last_pid: global pid of the newest task of the context
 */
struct vx_context {
	u32 ctid;
	refcount_t refcnt;
	atomic_t nr_tasks;
	bool deleted;
	unsigned long events;
	unsigned long failed_sent;
	unsigned long failed_pending;
	struct work_struct event_work;
	struct rcu_head rcu;
	struct vx_res res[VX_RES_NR_ACCOUNTED];
	struct vx_view __rcu *view;
	u64 created_ns;
	unsigned long avenrun[3];
	unsigned int nr_running;
	unsigned int run_sample;
	unsigned int load_sample;
	atomic64_t dead_utime;
	atomic64_t dead_stime;
	atomic64_t dead_csw;
	atomic64_t nr_forks;
	atomic_t last_pid;
};

extern struct mutex vx_ctx_mutex;
extern atomic_t vx_ctx_allocated;
extern struct xarray vx_contexts;

/* context.c */
struct vx_context *vx_ctx_lookup(u32 ctid);
void vx_ctx_get(struct vx_context *ctx);
void vx_ctx_put(struct vx_context *ctx);
int vx_ctx_create(u32 ctid, struct netlink_ext_ack *extack);
int vx_ctx_delete(u32 ctid, struct netlink_ext_ack *extack);
int vx_ctx_enter(struct vx_context *ctx, struct task_struct *task,
		 struct netlink_ext_ack *extack);
void vx_ctx_queue_events(struct vx_context *ctx);

/* res.c */
extern const char *const vx_res_names[VX_RES_NR_ACCOUNTED];
void vx_res_init(struct vx_context *ctx);
int vx_res_try_charge(struct vx_context *ctx, unsigned int id, long n,
		      bool hard);
void vx_res_charge_force(struct vx_context *ctx, unsigned int id, long n);
void vx_res_uncharge(struct vx_context *ctx, unsigned int id, long n);
void vx_res_reset(struct vx_context *ctx, unsigned int id);

/* view.c */
extern const struct nla_policy vx_view_policy[VX_VIEW_A_MAX + 1];
int vx_view_set(struct vx_context *ctx, const struct nlattr *attr,
		struct netlink_ext_ack *extack);
int vx_view_fill(struct sk_buff *msg, struct vx_context *ctx);
void vx_view_task_exit(struct vx_context *ctx, struct task_struct *tsk);
struct vx_view *vx_view_current(struct vx_context **ctxp);
u64 vx_view_uptime_ns(const struct vx_view *view);

/* netlink.c */
void vx_nl_notify_ctx(u32 ctid, u8 cmd);
void vx_nl_notify_res(struct vx_context *ctx, unsigned int id);

#endif /* _KERNEL_VSERVER_VSERVER_H */
