// SPDX-License-Identifier: GPL-2.0
/*
 * vserver /proc views: the view itself (view-set/view-get), its CPU
 * numbering, and the per-context load average.
 *
 * A view is an immutable struct vx_view published under RCU in the
 * context; view-set (under vx_ctx_mutex) builds a new one from the old and
 * replaces it, so readers need only rcu_read_lock().
 *
 * CPUs: the view shows nr_cpus CPUs numbered 0..nr_cpus-1, standing for
 * the host CPUs of view->cpus in ascending order. Only the numbering
 * changes: where tasks may run is decided by the scheduler and cpusets.
 * sched_getaffinity() maps the task's host mask into view numbers and
 * sched_setaffinity() maps back.
 *
 * Load average: a delayed work runs every LOAD_FREQ, walks every thread
 * once under RCU, counts the running and uninterruptible ones per context
 * and applies calc_load() exactly as the kernel does for the host. Nothing
 * is added to the scheduler's paths; the cost is one task-list walk every
 * five seconds, only while contexts exist. The host's own sampling is also
 * every LOAD_FREQ, so both averages decay alike (the phase differs by up
 * to five seconds).
 */

#include <linux/cleanup.h>
#include <linux/sched/cputime.h>
#include <linux/sched/loadavg.h>
#include <linux/sched/signal.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>
#include <linux/vserver_view.h>
#include <net/genetlink.h>

#include "vserver.h"

static const struct netlink_range_validation vx_cpus_range = {
	.min = 0,
	.max = U32_MAX,
};

const struct nla_policy vx_view_policy[VX_VIEW_A_MAX + 1] = {
	[VX_VIEW_A_MEM_BYTES]	= { .type = NLA_U64 },
	[VX_VIEW_A_NR_CPUS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &vx_cpus_range),
	[VX_VIEW_A_SWAP_BYTES]	= { .type = NLA_U64 },
	[VX_VIEW_A_CPUS]	= { .type = NLA_NUL_STRING, .len = 1024 },
	[VX_VIEW_A_START]	= { .type = NLA_U64 },
	[VX_VIEW_A_ACTIVE]	= { .type = NLA_U8 },
};

/**
 * vx_view_current() - current's context and its active view
 * @ctxp: gets current's context (NULL for a host task)
 *
 * Call under rcu_read_lock(); the view stays valid until it is dropped.
 *
 * Return: the view, or NULL if current is a host task or its context has
 * no active view.
 */
struct vx_view *vx_view_current(struct vx_context **ctxp)
{
	struct vx_context *ctx = vx_task_ctx(current);

	*ctxp = ctx;
	return ctx ? rcu_dereference(ctx->view) : NULL;
}

/**
 * vx_view_uptime_ns() - time since the view's start
 * @view: the view
 *
 * Return: nanoseconds of CLOCK_BOOTTIME since the context "booted".
 */
u64 vx_view_uptime_ns(const struct vx_view *view)
{
	u64 now = ktime_get_boottime_ns();

	return now > view->start_ns ? now - view->start_ns : 0;
}

/*
 * The host CPUs the view shows right now: view->cpus that are online, at
 * most nr_cpus of them. Return: how many (0 = show the host's CPUs).
 */
static unsigned int vx_view_cpus(const struct vx_view *view,
				 struct cpumask *shown)
{
	unsigned int cpu, n = 0;

	cpumask_clear(shown);
	if (!view || !view->nr_cpus)
		return 0;
	for_each_cpu_and(cpu, &view->cpus, cpu_online_mask) {
		if (n == view->nr_cpus)
			break;
		__cpumask_set_cpu(cpu, shown);
		n++;
	}
	return n;
}

/* The CPU count and host mask of current's view; 0 if host CPUs apply. */
static unsigned int vx_view_current_cpus(struct cpumask *shown)
{
	struct vx_context *ctx;

	guard(rcu)();
	return vx_view_cpus(vx_view_current(&ctx), shown);
}

int __vx_view_cpu_id(unsigned int cpu)
{
	struct cpumask shown;
	unsigned int c, id = 0;

	if (!vx_view_current_cpus(&shown))
		return cpu;
	for_each_cpu(c, &shown) {
		if (c == cpu)
			return id;
		id++;
	}
	return -1;
}

ssize_t __vx_view_cpus_attr(char *buf)
{
	struct cpumask shown;
	unsigned int n = vx_view_current_cpus(&shown);

	if (!n)
		return -1;
	if (n == 1)
		return sysfs_emit(buf, "0\n");
	return sysfs_emit(buf, "0-%u\n", n - 1);
}

void __vx_view_affinity_get(struct cpumask *mask)
{
	struct cpumask shown, out;
	unsigned int cpu, id = 0, n = vx_view_current_cpus(&shown);

	if (!n)
		return;
	cpumask_clear(&out);
	for_each_cpu(cpu, &shown) {
		if (cpumask_test_cpu(cpu, mask))
			__cpumask_set_cpu(id, &out);
		id++;
	}
	/*
	 * A task may run on CPUs its view does not name (no cpuset): it
	 * still sees all of its view's CPUs, never an empty mask.
	 */
	if (cpumask_empty(&out))
		for (id = 0; id < n; id++)
			__cpumask_set_cpu(id, &out);
	cpumask_copy(mask, &out);
}

void __vx_view_affinity_set(struct cpumask *mask)
{
	struct cpumask shown, out;
	unsigned int cpu, id = 0;

	if (!vx_view_current_cpus(&shown))
		return;
	cpumask_clear(&out);
	for_each_cpu(cpu, &shown) {
		if (cpumask_test_cpu(id, mask))
			__cpumask_set_cpu(cpu, &out);
		id++;
	}
	cpumask_copy(mask, &out);
}

/**
 * vx_view_set() - apply a VX_A_VIEW request (view-set)
 * @ctx: the context, pinned
 * @attr: the VX_A_VIEW nest
 * @extack: for the error message
 *
 * Return: 0, -EINVAL for a bad CPU list or a read-only attribute,
 * -ERANGE for a start time in the future, -ENOMEM.
 */
int vx_view_set(struct vx_context *ctx, const struct nlattr *attr,
		struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VX_VIEW_A_MAX + 1];
	struct vx_view *old, *view;
	int err;

	err = nla_parse_nested(tb, VX_VIEW_A_MAX, attr, vx_view_policy, extack);
	if (err)
		return err;
	if (tb[VX_VIEW_A_ACTIVE]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VX_VIEW_A_ACTIVE],
				    "attribute is read-only");
		return -EINVAL;
	}
	view = kzalloc(sizeof(*view), GFP_KERNEL_ACCOUNT);
	if (!view)
		return -ENOMEM;

	guard(mutex)(&vx_ctx_mutex);
	old = rcu_dereference_protected(ctx->view,
					lockdep_is_held(&vx_ctx_mutex));
	if (old) {
		*view = *old;
	} else {
		view->start_ns = ctx->created_ns;
		cpumask_copy(&view->cpus, cpu_possible_mask);
	}
	if (tb[VX_VIEW_A_MEM_BYTES])
		view->mem_bytes = nla_get_u64(tb[VX_VIEW_A_MEM_BYTES]);
	if (tb[VX_VIEW_A_SWAP_BYTES])
		view->swap_bytes = nla_get_u64(tb[VX_VIEW_A_SWAP_BYTES]);
	if (tb[VX_VIEW_A_NR_CPUS])
		view->nr_cpus = nla_get_u32(tb[VX_VIEW_A_NR_CPUS]);
	if (tb[VX_VIEW_A_CPUS]) {
		const char *list = nla_data(tb[VX_VIEW_A_CPUS]);

		if (!*list) {
			cpumask_copy(&view->cpus, cpu_possible_mask);
		} else if (cpulist_parse(list, &view->cpus) ||
			   !cpumask_intersects(&view->cpus, cpu_online_mask)) {
			NL_SET_ERR_MSG_ATTR_FMT(extack, tb[VX_VIEW_A_CPUS],
						"CPU list \"%s\" does not parse or names no online CPU",
						list);
			kfree(view);
			return -EINVAL;
		}
		/* A list alone means "these CPUs": show all of them. */
		if (!tb[VX_VIEW_A_NR_CPUS] && *list)
			view->nr_cpus = cpumask_weight(&view->cpus);
	}
	if (tb[VX_VIEW_A_START]) {
		u64 start = nla_get_u64(tb[VX_VIEW_A_START]);

		if (start > ktime_get_boottime_ns()) {
			NL_SET_ERR_MSG_ATTR_FMT(extack, tb[VX_VIEW_A_START],
						"start %llu ns is in the future (CLOCK_BOOTTIME)",
						start);
			kfree(view);
			return -ERANGE;
		}
		view->start_ns = start;
	}
	rcu_assign_pointer(ctx->view, view);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/**
 * vx_view_fill() - put CTID and the VX_A_VIEW nest in effect (view-get)
 * @msg: the reply
 * @ctx: the context
 *
 * Return: 0 or -EMSGSIZE.
 */
int vx_view_fill(struct sk_buff *msg, struct vx_context *ctx)
{
	struct vx_view none = { .start_ns = ctx->created_ns };
	u64 ram = (u64)totalram_pages() << PAGE_SHIFT;
	const struct vx_view *view;
	struct cpumask shown;
	struct nlattr *nest;
	unsigned int n;
	u64 swap;
	bool active;
	char *list;
	int err = -EMSGSIZE;

	list = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	rcu_read_lock();
	view = rcu_dereference(ctx->view);
	active = view;
	none = view ? *view : none;
	rcu_read_unlock();

	n = vx_view_cpus(&none, &shown);
	if (n)
		scnprintf(list, PAGE_SIZE, "%*pbl", cpumask_pr_args(&shown));
	else
		scnprintf(list, PAGE_SIZE, "%*pbl", cpumask_pr_args(cpu_online_mask));
	swap = none.mem_bytes ? min_t(u64, none.swap_bytes,
				      (u64)total_swap_pages << PAGE_SHIFT) : 0;
	if (nla_put_u32(msg, VX_A_CTID, ctx->ctid))
		goto out;
	nest = nla_nest_start(msg, VX_A_VIEW);
	if (!nest)
		goto out;
	if (nla_put_u64_64bit(msg, VX_VIEW_A_MEM_BYTES,
			      min(none.mem_bytes, ram), VX_VIEW_A_PAD) ||
	    nla_put_u64_64bit(msg, VX_VIEW_A_SWAP_BYTES, swap, VX_VIEW_A_PAD) ||
	    nla_put_u32(msg, VX_VIEW_A_NR_CPUS, n) ||
	    nla_put_string(msg, VX_VIEW_A_CPUS, list) ||
	    nla_put_u64_64bit(msg, VX_VIEW_A_START, none.start_ns,
			      VX_VIEW_A_PAD) ||
	    nla_put_u8(msg, VX_VIEW_A_ACTIVE, active)) {
		nla_nest_cancel(msg, nest);
		goto out;
	}
	nla_nest_end(msg, nest);
	err = 0;
out:
	kfree(list);
	return err;
}

/**
 * vx_view_task_exit() - keep an exiting task's CPU time in its context
 * @ctx: the task's context
 * @tsk: the task, in exit_notify()
 *
 * /proc/stat of the context sums its live tasks and these totals.
 */
void vx_view_task_exit(struct vx_context *ctx, struct task_struct *tsk)
{
	u64 utime, stime;

	task_cputime(tsk, &utime, &stime);
	atomic64_add(utime, &ctx->dead_utime);
	atomic64_add(stime, &ctx->dead_stime);
	atomic64_add(tsk->nvcsw + tsk->nivcsw, &ctx->dead_csw);
}

static void vx_load_sample(struct work_struct *work);
static DECLARE_DELAYED_WORK(vx_load_work, vx_load_sample);

/*
 * Counted as the scheduler counts for the host's load: running, or
 * uninterruptible and neither TASK_NOLOAD nor frozen.
 */
static void vx_load_count(struct task_struct *t, unsigned int *running,
			  unsigned int *load)
{
	unsigned int state = READ_ONCE(t->__state);

	if (t->exit_state)
		return;
	if (state == TASK_RUNNING) {
		(*running)++;
		(*load)++;
	} else if ((state & TASK_UNINTERRUPTIBLE) &&
		   !(state & (TASK_NOLOAD | TASK_FROZEN))) {
		(*load)++;
	}
}

static void vx_load_sample(struct work_struct *work)
{
	struct task_struct *g, *t;
	struct vx_context *ctx;
	unsigned long ctid;

	rcu_read_lock();
	if (xa_empty(&vx_contexts))
		goto out;
	xa_for_each(&vx_contexts, ctid, ctx) {
		ctx->run_sample = 0;
		ctx->load_sample = 0;
	}
	/*
	 * Live tasks pin their context, and it is only deleted once it has
	 * none; a context whose counters were not reset above is not in the
	 * table and its counters are never read.
	 */
	for_each_process_thread(g, t) {
		ctx = vx_task_ctx(t);
		if (ctx)
			vx_load_count(t, &ctx->run_sample, &ctx->load_sample);
	}
	xa_for_each(&vx_contexts, ctid, ctx) {
		unsigned long active = (unsigned long)ctx->load_sample * FIXED_1;

		WRITE_ONCE(ctx->nr_running, ctx->run_sample);
		WRITE_ONCE(ctx->avenrun[0], calc_load(ctx->avenrun[0], EXP_1, active));
		WRITE_ONCE(ctx->avenrun[1], calc_load(ctx->avenrun[1], EXP_5, active));
		WRITE_ONCE(ctx->avenrun[2], calc_load(ctx->avenrun[2], EXP_15, active));
	}
out:
	rcu_read_unlock();
	queue_delayed_work(system_unbound_wq, &vx_load_work, LOAD_FREQ);
}

static int __init vx_view_init(void)
{
	queue_delayed_work(system_unbound_wq, &vx_load_work, LOAD_FREQ);
	return 0;
}
late_initcall(vx_view_init);
