// SPDX-License-Identifier: GPL-2.0
/*
 * vserver contexts: creation, deletion, entering, and the task hooks.
 *
 * A task's context is task_struct::vx_ctx (NULL = host). It is copied on
 * fork and set only by vx_ctx_enter(), which moves a whole thread group of
 * host tasks; it never changes again. Both the fork attach point and
 * vx_ctx_enter() run under tasklist_lock (write), so a thread cloned while
 * its group is being entered is either seen by the enter loop or notices at
 * attach time that its parent has moved and follows it.
 *
 * nr_tasks counts tasks that have not yet passed exit_notify() (which also
 * runs under tasklist_lock); when it drops to zero the "emptied" event is
 * queued. numproc counts task structs until they are reaped, so zombies
 * stay charged, as in OpenVZ.
 *
 * Table operations (create, delete, enter) are serialised by vx_ctx_mutex;
 * lookups are lockless under RCU with a reference taken by
 * refcount_inc_not_zero().
 */

#include <linux/cleanup.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "vserver.h"

/* Serialises create, delete and enter; also held to list contexts. */
DEFINE_MUTEX(vx_ctx_mutex);
/* ctid -> struct vx_context, each entry holding one reference. */
DEFINE_XARRAY(vx_contexts);

static struct kmem_cache *vx_ctx_cachep;
/* Allocated contexts, deleted ones still referenced included (/proc/vz/stat). */
atomic_t vx_ctx_allocated = ATOMIC_INIT(0);

/**
 * vx_ctx_get() - take a reference on a context
 * @ctx: the context, already pinned by the caller
 */
void vx_ctx_get(struct vx_context *ctx)
{
	refcount_inc(&ctx->refcnt);
}

static void vx_ctx_free_rcu(struct rcu_head *rcu)
{
	struct vx_context *ctx = container_of(rcu, struct vx_context, rcu);

	/* A grace period has passed since the last reader could see it. */
	kfree(rcu_dereference_protected(ctx->view, true));
	kmem_cache_free(vx_ctx_cachep, ctx);
	atomic_dec(&vx_ctx_allocated);
}

/**
 * vx_ctx_put() - drop a reference on a context
 * @ctx: the context (may be NULL)
 *
 * Safe in any context, including with interrupts disabled: the memory is
 * freed after an RCU grace period.
 */
void vx_ctx_put(struct vx_context *ctx)
{
	if (ctx && refcount_dec_and_test(&ctx->refcnt))
		call_rcu(&ctx->rcu, vx_ctx_free_rcu);
}

/**
 * vx_ctx_lookup() - find a live (not deleted) context by id
 * @ctid: the context id
 *
 * Return: the context with a reference the caller must drop with
 * vx_ctx_put(), or NULL.
 */
struct vx_context *vx_ctx_lookup(u32 ctid)
{
	struct vx_context *ctx;

	guard(rcu)();
	ctx = xa_load(&vx_contexts, ctid);
	if (ctx && !refcount_inc_not_zero(&ctx->refcnt))
		ctx = NULL;
	return ctx;
}

static void vx_ctx_event_work(struct work_struct *work)
{
	struct vx_context *ctx = container_of(work, struct vx_context, event_work);
	unsigned long failed = xchg(&ctx->failed_pending, 0);
	unsigned int id;

	/* A failure noted before the last exit is reported before "emptied". */
	for_each_set_bit(id, &failed, VX_RES_NR_ACCOUNTED)
		vx_nl_notify_res(ctx, id);
	if (test_and_clear_bit(VX_EV_EMPTIED, &ctx->events))
		vx_nl_notify_ctx(ctx->ctid, VX_CMD_EVT_CTX_EMPTIED);
	vx_ctx_put(ctx);
}

/**
 * vx_ctx_queue_events() - have the event worker send pending events
 * @ctx: the context, with the event bits already set
 *
 * Callable in atomic context (charge points run under spinlocks and with
 * interrupts off). A queued work item holds a reference on @ctx.
 */
void vx_ctx_queue_events(struct vx_context *ctx)
{
	vx_ctx_get(ctx);
	if (!queue_work(system_wq, &ctx->event_work))
		vx_ctx_put(ctx);
}

/**
 * vx_ctx_create() - create a context and publish it in the table
 * @ctid: the new context id
 * @extack: for the error message
 *
 * Return: 0, -EEXIST if @ctid is in use, or -ENOMEM.
 */
int vx_ctx_create(u32 ctid, struct netlink_ext_ack *extack)
{
	struct vx_context *ctx;
	int err;

	ctx = kmem_cache_zalloc(vx_ctx_cachep, GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	atomic_inc(&vx_ctx_allocated);
	ctx->ctid = ctid;
	ctx->created_ns = ktime_get_boottime_ns();
	refcount_set(&ctx->refcnt, 1);
	INIT_WORK(&ctx->event_work, vx_ctx_event_work);
	vx_res_init(ctx);

	scoped_guard(mutex, &vx_ctx_mutex)
		err = xa_insert(&vx_contexts, ctid, ctx, GFP_KERNEL);
	if (err) {
		kmem_cache_free(vx_ctx_cachep, ctx);
		atomic_dec(&vx_ctx_allocated);
		if (err == -EBUSY) {
			NL_SET_ERR_MSG_FMT(extack, "context %u already exists", ctid);
			return -EEXIST;
		}
		NL_SET_ERR_MSG(extack, "cannot allocate the context table entry");
		return err;
	}
	vx_nl_notify_ctx(ctid, VX_CMD_EVT_CTX_CREATED);
	return 0;
}

/**
 * vx_ctx_delete() - remove an empty context from the table
 * @ctid: the context id
 * @extack: for the error message
 *
 * Objects still charged to the context keep it alive (invisible) until
 * they are freed.
 *
 * Return: 0, -ENOENT if there is no such context, -EBUSY if it still has
 * tasks.
 */
int vx_ctx_delete(u32 ctid, struct netlink_ext_ack *extack)
{
	struct vx_context *ctx;

	scoped_guard(mutex, &vx_ctx_mutex) {
		ctx = xa_load(&vx_contexts, ctid);
		if (!ctx) {
			NL_SET_ERR_MSG_FMT(extack, "context %u does not exist", ctid);
			return -ENOENT;
		}
		/*
		 * Nothing can join a context with no live task except
		 * vx_ctx_enter(), which we exclude by the mutex; a dying
		 * task cannot fork, so zero stays zero.
		 */
		if (atomic_read(&ctx->nr_tasks)) {
			NL_SET_ERR_MSG_FMT(extack, "context %u still has %d tasks",
					   ctid, atomic_read(&ctx->nr_tasks));
			return -EBUSY;
		}
		xa_erase(&vx_contexts, ctid);
		ctx->deleted = true;
	}
	/* Let a pending "emptied" event go out before "deleted". */
	flush_work(&ctx->event_work);
	vx_nl_notify_ctx(ctid, VX_CMD_EVT_CTX_DELETED);
	vx_ctx_put(ctx);
	return 0;
}

/**
 * vx_ctx_enter() - move every live thread of a host process into a context
 * @ctx: the context, pinned by the caller
 * @task: any thread of the target process, pinned by the caller
 * @extack: for the error message
 *
 * Called with vx_ctx_mutex held, so @ctx cannot be deleted meanwhile.
 *
 * Return: 0, -EINVAL for a kernel thread, -EPERM for the host's init or a
 * task already in a context, -ESRCH if the process has exited, -EAGAIN if
 * numproc would go over its limit.
 */
int vx_ctx_enter(struct vx_context *ctx, struct task_struct *task,
		 struct netlink_ext_ack *extack)
{
	struct task_struct *t;
	int n = 0, err;

	lockdep_assert_held(&vx_ctx_mutex);
	if (task->flags & (PF_KTHREAD | PF_USER_WORKER | PF_IO_WORKER)) {
		NL_SET_ERR_MSG(extack, "cannot move a kernel or worker thread");
		return -EINVAL;
	}
	if (is_global_init(task)) {
		NL_SET_ERR_MSG(extack, "cannot move the host's init");
		return -EPERM;
	}

	write_lock_irq(&tasklist_lock);
	for_each_thread(task, t) {
		if (vx_task_ctx(t)) {
			write_unlock_irq(&tasklist_lock);
			NL_SET_ERR_MSG(extack, "target is already inside a context");
			return -EPERM;
		}
		if (!t->exit_state)
			n++;
	}
	if (!n) {
		write_unlock_irq(&tasklist_lock);
		NL_SET_ERR_MSG(extack, "target process has exited");
		return -ESRCH;
	}
	err = vx_res_try_charge(ctx, VX_RES_NUMPROC, n, true);
	if (err) {
		write_unlock_irq(&tasklist_lock);
		NL_SET_ERR_MSG(extack, "numproc limit of the context reached");
		return -EAGAIN;
	}
	/*
	 * Zombie threads stay host tasks: they have already passed
	 * exit_notify() and were never counted.
	 */
	for_each_thread(task, t) {
		if (t->exit_state)
			continue;
		vx_ctx_get(ctx);
		WRITE_ONCE(t->vx_ctx, ctx);
	}
	atomic_add(n, &ctx->nr_tasks);
	/* Joining counts as creation for /proc/stat and /proc/loadavg. */
	atomic64_add(n, &ctx->nr_forks);
	atomic_set(&ctx->last_pid, task->pid);
	write_unlock_irq(&tasklist_lock);
	return 0;
}

/**
 * vx_fork() - inherit the parent's context (early in copy_process())
 * @p: the new task, a copy of current
 *
 * Return: 0, or -EAGAIN if numproc is at its limit; on error @p holds no
 * reference and no charge.
 */
int vx_fork(struct task_struct *p)
{
	struct vx_context *ctx = vx_task_ctx(p);

	if (!ctx)
		return 0;
	if (vx_res_try_charge(ctx, VX_RES_NUMPROC, 1, true)) {
		p->vx_ctx = NULL;
		return -EAGAIN;
	}
	vx_ctx_get(ctx);
	return 0;
}

/**
 * vx_fork_attach() - count the new task in its context
 * @p: the new task, about to become visible
 *
 * Called under tasklist_lock (write) at copy_process()'s last failure point.
 * If current entered a context since vx_fork() (it can only have been a
 * host task then), @p follows it.
 *
 * Return: 0, or -EAGAIN if @p cannot be charged to current's new context.
 */
int vx_fork_attach(struct task_struct *p)
{
	struct vx_context *ctx = vx_task_ctx(current);

	lockdep_assert_held_write(&tasklist_lock);
	if (unlikely(ctx != p->vx_ctx)) {
		WARN_ON_ONCE(p->vx_ctx);
		if (vx_res_try_charge(ctx, VX_RES_NUMPROC, 1, true))
			return -EAGAIN;
		vx_ctx_get(ctx);
		p->vx_ctx = ctx;
	}
	if (ctx) {
		atomic_inc(&ctx->nr_tasks);
		atomic64_inc(&ctx->nr_forks);
		atomic_set(&ctx->last_pid, p->pid);
	}
	return 0;
}

/**
 * vx_fork_cancel() - undo vx_fork() on a failed fork
 * @p: the task that will never run
 *
 * The reference is dropped later by vx_task_free().
 */
void vx_fork_cancel(struct task_struct *p)
{
	if (p->vx_ctx)
		vx_res_uncharge(p->vx_ctx, VX_RES_NUMPROC, 1);
}

/**
 * vx_task_exit() - a task leaves the set of live tasks
 * @tsk: the exiting task, in exit_notify() under tasklist_lock
 */
void vx_task_exit(struct task_struct *tsk)
{
	struct vx_context *ctx = tsk->vx_ctx;

	if (!ctx)
		return;
	vx_view_task_exit(ctx, tsk);
	if (atomic_dec_and_test(&ctx->nr_tasks)) {
		set_bit(VX_EV_EMPTIED, &ctx->events);
		vx_ctx_queue_events(ctx);
	}
}

/**
 * vx_task_release() - a task is reaped: uncharge numproc
 * @p: the task, in release_task()
 */
void vx_task_release(struct task_struct *p)
{
	if (p->vx_ctx)
		vx_res_uncharge(p->vx_ctx, VX_RES_NUMPROC, 1);
}

/**
 * vx_task_free() - drop the task's reference on its context
 * @tsk: the task, in free_task()
 */
void vx_task_free(struct task_struct *tsk)
{
	vx_ctx_put(tsk->vx_ctx);
	tsk->vx_ctx = NULL;
}

static int __init vx_context_init(void)
{
	vx_ctx_cachep = KMEM_CACHE(vx_context,
				   SLAB_PANIC | SLAB_ACCOUNT | SLAB_NO_MERGE);
	return 0;
}
core_initcall(vx_context_init);
