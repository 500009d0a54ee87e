/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vserver: in-kernel hook API for security contexts and beancounters.
 *
 * Every hook here is a static-inline no-op when CONFIG_VSERVER is off, so the
 * call sites added by kernel-patches/ cost nothing in such a kernel.
 *
 * Model: a task points at its context (task_struct::vx_ctx, NULL = host).
 * Every charged kernel object (file, socket, file lock, pty, sigqueue, mm)
 * records the context it charged in a field of its own and holds a reference
 * on it, so the uncharge goes to the right context whoever frees the object
 * and however long after the charging task is gone. Charge hooks always
 * initialise that field (NULL for host objects), so the free side can trust
 * it. Host tasks take one function call and one NULL test per hook.
 */
#ifndef _LINUX_VSERVER_H
#define _LINUX_VSERVER_H

#include <linux/capability.h>
#include <linux/mman.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/user_namespace.h>
#include <uapi/linux/vserver.h>

struct file;
struct socket;
struct file_lock_core;
struct tty_struct;
struct sigqueue;
struct mm_struct;
struct vx_context;

#ifdef CONFIG_VSERVER

/**
 * vx_task_ctx() - the context of a task
 * @t: the task
 *
 * Return: the context, or NULL for a host task. Only valid while @t is
 * pinned; the pointer of a live task changes at most once (host -> context).
 */
static inline struct vx_context *vx_task_ctx(const struct task_struct *t)
{
	return READ_ONCE(t->vx_ctx);
}

/**
 * vx_task_visible() - may current see (signal, trace, find in /proc) @t?
 * @t: the target task
 *
 * The host sees every task; a task inside a context sees only the tasks of
 * its own context.
 *
 * Return: true if @t is visible to current.
 */
static inline bool vx_task_visible(const struct task_struct *t)
{
	struct vx_context *ctx = vx_task_ctx(current);

	return !ctx || ctx == vx_task_ctx(t);
}

/* Task lifetime: kernel/fork.c and kernel/exit.c. */
int vx_fork(struct task_struct *p);
int vx_fork_attach(struct task_struct *p);
void vx_fork_cancel(struct task_struct *p);
void vx_task_exit(struct task_struct *tsk);
void vx_task_release(struct task_struct *p);
void vx_task_free(struct task_struct *tsk);

/* Charge points: kernel/vserver/res.c. */
int vx_file_charge(struct file *f);
void vx_file_uncharge(struct file *f);
int vx_sock_charge(struct socket *sock, int family, int type, int protocol);
void vx_sock_uncharge(struct socket *sock);
int vx_flock_check(void);
void vx_flock_insert(struct file_lock_core *flc);
void vx_flock_unlink(struct file_lock_core *flc);
int vx_pty_charge(struct tty_struct *tty);
void vx_pty_uncharge(struct tty_struct *tty);
int vx_sigqueue_charge(struct sigqueue *q, struct task_struct *t,
		       bool override_rlimit);
void vx_sigqueue_uncharge(struct sigqueue *q);
void vx_mm_init(struct mm_struct *mm);
void vx_mm_release(struct mm_struct *mm);
int vx_vm_charge(struct mm_struct *mm, long pages);
void vx_vm_uncharge(struct mm_struct *mm, long pages);

#else /* !CONFIG_VSERVER */

static inline struct vx_context *vx_task_ctx(const struct task_struct *t)
{
	return NULL;
}

static inline bool vx_task_visible(const struct task_struct *t)
{
	return true;
}

static inline int vx_fork(struct task_struct *p) { return 0; }
static inline int vx_fork_attach(struct task_struct *p) { return 0; }
static inline void vx_fork_cancel(struct task_struct *p) { }
static inline void vx_task_exit(struct task_struct *tsk) { }
static inline void vx_task_release(struct task_struct *p) { }
static inline void vx_task_free(struct task_struct *tsk) { }

static inline int vx_file_charge(struct file *f) { return 0; }
static inline void vx_file_uncharge(struct file *f) { }
static inline int vx_sock_charge(struct socket *sock, int family, int type,
				 int protocol)
{
	return 0;
}

static inline void vx_sock_uncharge(struct socket *sock) { }
static inline int vx_flock_check(void) { return 0; }
static inline void vx_flock_insert(struct file_lock_core *flc) { }
static inline void vx_flock_unlink(struct file_lock_core *flc) { }
static inline int vx_pty_charge(struct tty_struct *tty) { return 0; }
static inline void vx_pty_uncharge(struct tty_struct *tty) { }
static inline int vx_sigqueue_charge(struct sigqueue *q, struct task_struct *t,
				     bool override_rlimit)
{
	return 0;
}

static inline void vx_sigqueue_uncharge(struct sigqueue *q) { }
static inline void vx_mm_init(struct mm_struct *mm) { }
static inline void vx_mm_release(struct mm_struct *mm) { }
static inline int vx_vm_charge(struct mm_struct *mm, long pages) { return 0; }
static inline void vx_vm_uncharge(struct mm_struct *mm, long pages) { }

#endif /* CONFIG_VSERVER */

/*
 * Disk limits. A context runs as root of the initial user namespace and
 * keeps CAP_SYS_RESOURCE (setrlimit() and the like) and CAP_FOWNER (it owns
 * its files), but its disk limit is a project quota on a file system it
 * shares with the host. The file systems exempt exactly those privileges
 * from their limits; the helpers below take the exemptions away from
 * tasks inside a context and leave the host's unchanged.
 */

/**
 * vx_quota_capable() - capable() for an exemption from quota limits
 * @cap: the capability the quota code tests (CAP_SYS_RESOURCE: dquot's
 *	hard limits and expired soft-limit grace)
 *
 * The context is tested first, so a task that gets no exemption records
 * no use of @cap (PF_SUPERPRIV, audit).
 *
 * Return: false inside a context, else capable(@cap).
 */
static inline bool vx_quota_capable(int cap)
{
	return !vx_task_ctx(current) && capable(cap);
}

/**
 * vx_quota_capable_noaudit() - ns_capable_noaudit() for a quota exemption
 * @cap: the capability (CAP_FOWNER: xfs's forced quota transfer on chown)
 *
 * Return: false inside a context, else @cap in the initial user namespace.
 */
static inline bool vx_quota_capable_noaudit(int cap)
{
	return !vx_task_ctx(current) && ns_capable_noaudit(&init_user_ns, cap);
}

/**
 * vx_may_use_reserved_blocks() - may current allocate root-reserved blocks?
 *
 * ext4 keeps blocks (mkfs -m, tune2fs -r) for s_resuid, s_resgid and
 * CAP_SYS_RESOURCE: on the host's file system that holds the private areas
 * of many contexts, they are the host's room to recover when it is full.
 * A context's root matches s_resuid (uid 0) and has CAP_SYS_RESOURCE; it
 * gets ENOSPC where the host's other users do.
 *
 * Return: false inside a context.
 */
static inline bool vx_may_use_reserved_blocks(void)
{
	return !vx_task_ctx(current);
}

/**
 * vx_may_change_projid() - may current change a file's project id?
 *
 * The project id names the quota a file is charged to; moving files out
 * of its own project (or clearing PROJINHERIT) would lift a context's disk
 * limit. As for a task in a child user namespace, the change is refused.
 *
 * Return: false inside a context.
 */
static inline bool vx_may_change_projid(void)
{
	return !vx_task_ctx(current);
}

/**
 * vx_vm_enough_memory_mm() - security_vm_enough_memory_mm() + privvmpages
 * @mm: the address space that grows
 * @pages: accountable pages
 *
 * Used by mm/ wherever VM_ACCOUNT pages are committed; each success is
 * undone by vx_vm_unacct_memory() or, at the latest, when @mm goes away.
 *
 * Return: 0 or -ENOMEM.
 */
static inline int vx_vm_enough_memory_mm(struct mm_struct *mm, long pages)
{
	if (vx_vm_charge(mm, pages))
		return -ENOMEM;
	if (security_vm_enough_memory_mm(mm, pages)) {
		vx_vm_uncharge(mm, pages);
		return -ENOMEM;
	}
	return 0;
}

/**
 * vx_vm_unacct_memory() - vm_unacct_memory() + privvmpages uncharge
 * @mm: the address space that shrinks
 * @pages: pages no longer accountable
 */
static inline void vx_vm_unacct_memory(struct mm_struct *mm, long pages)
{
	vx_vm_uncharge(mm, pages);
	vm_unacct_memory(pages);
}

#endif /* _LINUX_VSERVER_H */
