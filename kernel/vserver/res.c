// SPDX-License-Identifier: GPL-2.0
/*
 * vserver beancounters: per-context resource accounting, OpenVZ style.
 *
 * Every context has one row per resource: held, maxheld, barrier, limit,
 * failcnt. A charge adds to held first and backs out if the result is
 * above the barrier (soft charge) or the limit (hard charge), so concurrent
 * charges never overshoot together; this is the scheme of
 * kernel/cgroup/pids.c and needs no lock. The syscall then fails with its
 * natural error: fork() with -EAGAIN, file allocation with -ENFILE, socket()
 * with -ENOBUFS, a file lock with -ENOLCK, /dev/ptmx with -ENOSPC, sigqueue()
 * with -EAGAIN, mmap()/brk()/mremap() with -ENOMEM.
 *
 * Each charged object stores the context it charged and holds a reference,
 * so it is uncharged exactly once, from the right context, by whoever frees
 * it (a file closed by another process, a socket passed to the host, a lock
 * released by the last fput()).
 */

#include <linux/filelock.h>
#include <linux/fs.h>
#include <linux/in.h>
#include <linux/mm_types.h>
#include <linux/net.h>
#include <linux/sched/signal.h>
#include <linux/signal_types.h>
#include <linux/socket.h>
#include <linux/tty.h>

#include "vserver.h"

const char *const vx_res_names[VX_RES_NR_ACCOUNTED] = {
	[VX_RES_NUMPROC]	= "numproc",
	[VX_RES_NUMFILE]	= "numfile",
	[VX_RES_NUMTCPSOCK]	= "numtcpsock",
	[VX_RES_NUMOTHERSOCK]	= "numothersock",
	[VX_RES_NUMFLOCK]	= "numflock",
	[VX_RES_NUMPTY]		= "numpty",
	[VX_RES_NUMSIGINFO]	= "numsiginfo",
	[VX_RES_PRIVVMPAGES]	= "privvmpages",
};

/**
 * vx_res_init() - give a new context unlimited rows
 * @ctx: the context being created
 */
void vx_res_init(struct vx_context *ctx)
{
	unsigned int id;

	for (id = 0; id < VX_RES_NR_ACCOUNTED; id++) {
		ctx->res[id].barrier = VX_RES_UNLIMITED;
		ctx->res[id].limit = VX_RES_UNLIMITED;
	}
}

static void vx_res_update_maxheld(struct vx_res *r, s64 held)
{
	/* Racy, but we don't need perfectly accurate tallying. */
	if (held > atomic64_read(&r->maxheld))
		atomic64_set(&r->maxheld, held);
}

static void vx_res_failed(struct vx_context *ctx, unsigned int id)
{
	atomic64_inc(&ctx->res[id].failcnt);
	/* Only the first failure per resource (until res-reset) is reported. */
	if (!test_and_set_bit(id, &ctx->failed_sent)) {
		set_bit(id, &ctx->failed_pending);
		vx_ctx_queue_events(ctx);
	}
}

/**
 * vx_res_try_charge() - charge @n units of a resource
 * @ctx: the context
 * @id: enum vx_res_id
 * @n: units to charge
 * @hard: fail above the limit (true) or above the barrier (false)
 *
 * Callable in any context. A refused charge bumps failcnt and queues the
 * first-failure event.
 *
 * Return: 0, or -EAGAIN if the charge would go over the barrier or limit.
 */
int vx_res_try_charge(struct vx_context *ctx, unsigned int id, long n,
		      bool hard)
{
	struct vx_res *r = &ctx->res[id];
	u64 max = hard ? READ_ONCE(r->limit) : READ_ONCE(r->barrier);
	s64 held = atomic64_add_return(n, &r->held);

	if (held > (s64)max) {
		atomic64_sub(n, &r->held);
		vx_res_failed(ctx, id);
		return -EAGAIN;
	}
	vx_res_update_maxheld(r, held);
	return 0;
}

/**
 * vx_res_charge_force() - charge @n units even above the limit
 * @ctx: the context
 * @id: enum vx_res_id
 * @n: units to charge
 *
 * For objects that cannot be refused at the point they are counted.
 */
void vx_res_charge_force(struct vx_context *ctx, unsigned int id, long n)
{
	struct vx_res *r = &ctx->res[id];

	vx_res_update_maxheld(r, atomic64_add_return(n, &r->held));
}

/**
 * vx_res_uncharge() - give back @n units of a resource
 * @ctx: the context
 * @id: enum vx_res_id
 * @n: units to uncharge
 */
void vx_res_uncharge(struct vx_context *ctx, unsigned int id, long n)
{
	WARN_ON_ONCE(atomic64_sub_return(n, &ctx->res[id].held) < 0);
}

/**
 * vx_res_reset() - maxheld = held, failcnt = 0, re-arm the failure event
 * @ctx: the context
 * @id: enum vx_res_id
 */
void vx_res_reset(struct vx_context *ctx, unsigned int id)
{
	struct vx_res *r = &ctx->res[id];

	atomic64_set(&r->maxheld, atomic64_read(&r->held));
	atomic64_set(&r->failcnt, 0);
	clear_bit(id, &ctx->failed_sent);
}

/*
 * Charge one unit of @id to current's context and record it in *@slot.
 * *@slot is always written: NULL for host tasks and on failure.
 */
static int vx_charge_slot(struct vx_context **slot, struct vx_context *ctx,
			  unsigned int id, bool hard, int err)
{
	*slot = NULL;
	if (likely(!ctx))
		return 0;
	if (vx_res_try_charge(ctx, id, 1, hard))
		return err;
	vx_ctx_get(ctx);
	*slot = ctx;
	return 0;
}

static void vx_uncharge_slot(struct vx_context **slot, unsigned int id)
{
	struct vx_context *ctx = *slot;

	if (likely(!ctx))
		return;
	*slot = NULL;
	vx_res_uncharge(ctx, id, 1);
	vx_ctx_put(ctx);
}

/**
 * vx_file_charge() - charge numfile for a new struct file
 * @f: the file, in alloc_empty_file()
 *
 * Return: 0 or -ENFILE.
 */
int vx_file_charge(struct file *f)
{
	return vx_charge_slot(&f->f_vx_ctx, vx_task_ctx(current),
			      VX_RES_NUMFILE, true, -ENFILE);
}

/**
 * vx_file_uncharge() - uncharge numfile when a struct file is freed
 * @f: the file
 */
void vx_file_uncharge(struct file *f)
{
	vx_uncharge_slot(&f->f_vx_ctx, VX_RES_NUMFILE);
}

/**
 * vx_sock_charge() - charge numtcpsock or numothersock for a user socket
 * @sock: the new socket (created or accepted)
 * @family: address family
 * @type: socket type
 * @protocol: protocol (0 = the family's default)
 *
 * Return: 0 or -ENOBUFS.
 */
int vx_sock_charge(struct socket *sock, int family, int type, int protocol)
{
	bool tcp = (family == AF_INET || family == AF_INET6) &&
		   (type & SOCK_TYPE_MASK) == SOCK_STREAM &&
		   (protocol == 0 || protocol == IPPROTO_TCP);

	sock->vx_res = tcp ? VX_RES_NUMTCPSOCK : VX_RES_NUMOTHERSOCK;
	return vx_charge_slot(&sock->vx_ctx, vx_task_ctx(current),
			      sock->vx_res, true, -ENOBUFS);
}

/**
 * vx_sock_uncharge() - uncharge a socket when it is released
 * @sock: the socket
 */
void vx_sock_uncharge(struct socket *sock)
{
	vx_uncharge_slot(&sock->vx_ctx, sock->vx_res);
}

/**
 * vx_flock_check() - may current add one more file lock?
 *
 * Locks are counted while they sit on an inode's lock list (see
 * vx_flock_insert()); this check, done before a lock request is processed,
 * is where a soft charge over the barrier is refused.
 *
 * Return: 0 or -ENOLCK.
 */
int vx_flock_check(void)
{
	struct vx_context *ctx = vx_task_ctx(current);
	struct vx_res *r;

	if (likely(!ctx))
		return 0;
	r = &ctx->res[VX_RES_NUMFLOCK];
	if (atomic64_read(&r->held) + 1 > (s64)READ_ONCE(r->barrier)) {
		vx_res_failed(ctx, VX_RES_NUMFLOCK);
		return -ENOLCK;
	}
	return 0;
}

/**
 * vx_flock_insert() - count a lock put on an inode's lock list
 * @flc: the lock, under the inode's flc_lock
 *
 * Cannot fail here (the spinlock is held and the list already decided);
 * vx_flock_check() has done the refusing.
 */
void vx_flock_insert(struct file_lock_core *flc)
{
	struct vx_context *ctx = vx_task_ctx(current);

	if (likely(!ctx) || WARN_ON_ONCE(flc->flc_vx_ctx))
		return;
	vx_res_charge_force(ctx, VX_RES_NUMFLOCK, 1);
	vx_ctx_get(ctx);
	flc->flc_vx_ctx = ctx;
}

/**
 * vx_flock_unlink() - uncount a lock taken off its list
 * @flc: the lock
 */
void vx_flock_unlink(struct file_lock_core *flc)
{
	vx_uncharge_slot(&flc->flc_vx_ctx, VX_RES_NUMFLOCK);
}

/**
 * vx_pty_charge() - charge numpty for a new pty pair
 * @tty: the master side, in ptmx_open()
 *
 * Return: 0 or -ENOSPC.
 */
int vx_pty_charge(struct tty_struct *tty)
{
	return vx_charge_slot(&tty->vx_ctx, vx_task_ctx(current),
			      VX_RES_NUMPTY, true, -ENOSPC);
}

/**
 * vx_pty_uncharge() - uncharge a pty pair
 * @tty: the master side, when the pair is torn down
 */
void vx_pty_uncharge(struct tty_struct *tty)
{
	vx_uncharge_slot(&tty->vx_ctx, VX_RES_NUMPTY);
}

/**
 * vx_sigqueue_charge() - charge numsiginfo for a queued signal
 * @q: the new sigqueue entry
 * @t: the task it is queued to (its context pays)
 * @override_rlimit: the signal must not be refused (legacy or kernel
 *	signals): charge it even above the limit
 *
 * Return: 0 or -EAGAIN.
 */
int vx_sigqueue_charge(struct sigqueue *q, struct task_struct *t,
		       bool override_rlimit)
{
	struct vx_context *ctx = vx_task_ctx(t);

	if (likely(!ctx) || !override_rlimit)
		return vx_charge_slot(&q->vx_ctx, ctx, VX_RES_NUMSIGINFO,
				      true, -EAGAIN);
	vx_res_charge_force(ctx, VX_RES_NUMSIGINFO, 1);
	vx_ctx_get(ctx);
	q->vx_ctx = ctx;
	return 0;
}

/**
 * vx_sigqueue_uncharge() - uncharge a sigqueue entry being freed
 * @q: the entry
 */
void vx_sigqueue_uncharge(struct sigqueue *q)
{
	vx_uncharge_slot(&q->vx_ctx, VX_RES_NUMSIGINFO);
}

/**
 * vx_mm_init() - an address space belongs to the creating task's context
 * @mm: the new mm (fork's copy or exec's fresh one)
 *
 * An address space is charged for its whole life to the context of the task
 * that created it; a process that enters a context keeps its old (host) mm
 * until it execs.
 */
void vx_mm_init(struct mm_struct *mm)
{
	struct vx_context *ctx = vx_task_ctx(current);

	atomic_long_set(&mm->vx_privvm, 0);
	mm->vx_ctx = NULL;
	if (ctx) {
		vx_ctx_get(ctx);
		mm->vx_ctx = ctx;
	}
}

/**
 * vx_mm_release() - uncharge whatever the mm still holds, drop the context
 * @mm: the mm, in __mmput() after exit_mmap()
 */
void vx_mm_release(struct mm_struct *mm)
{
	struct vx_context *ctx = mm->vx_ctx;

	if (!ctx)
		return;
	vx_res_uncharge(ctx, VX_RES_PRIVVMPAGES,
			atomic_long_xchg(&mm->vx_privvm, 0));
	mm->vx_ctx = NULL;
	vx_ctx_put(ctx);
}

/**
 * vx_vm_charge() - charge privvmpages for accountable pages of @mm
 * @mm: the address space
 * @pages: number of pages (as passed to security_vm_enough_memory_mm())
 *
 * Return: 0 or -ENOMEM.
 */
int vx_vm_charge(struct mm_struct *mm, long pages)
{
	struct vx_context *ctx = mm->vx_ctx;

	if (likely(!ctx) || pages <= 0)
		return 0;
	if (vx_res_try_charge(ctx, VX_RES_PRIVVMPAGES, pages, false))
		return -ENOMEM;
	atomic_long_add(pages, &mm->vx_privvm);
	return 0;
}

/**
 * vx_vm_uncharge() - uncharge privvmpages of @mm
 * @mm: the address space
 * @pages: number of pages (as passed to vm_unacct_memory())
 *
 * Never uncharges more than @mm has charged, so a page the kernel
 * accounted before the mm got its context is not taken from the context.
 */
void vx_vm_uncharge(struct mm_struct *mm, long pages)
{
	struct vx_context *ctx = mm->vx_ctx;
	long old, new;

	if (likely(!ctx) || pages <= 0)
		return;
	old = atomic_long_read(&mm->vx_privvm);
	do {
		new = old > pages ? old - pages : 0;
	} while (!atomic_long_try_cmpxchg(&mm->vx_privvm, &old, new));
	vx_res_uncharge(ctx, VX_RES_PRIVVMPAGES, old - new);
}
