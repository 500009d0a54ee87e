/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vserver: security contexts and OpenVZ-style beancounters.
 *
 * This header is the whole user ABI of the vserver kernel patchset. It is
 * shared by the kernel (kernel/vserver/) and userspace (libvx), so it is
 * written once, here.
 *
 * Model
 * -----
 * A context is a set of tasks, named by a ctid (u32, 1..2^31-1; 0 is the
 * host and is never a valid ctid in a request). Tasks inherit their parent's
 * context on fork(); the only way into a context is VX_CMD_CTX_ENTER issued
 * by a privileged host process. A task inside a context can never leave it,
 * enter another one, or issue any command of this family.
 *
 * Every context carries one beancounter row per accounted resource: held,
 * maxheld, barrier, limit, failcnt (the OpenVZ model). A "soft" charge fails
 * when held would exceed the barrier, a "hard" charge when held would exceed
 * the limit. A failed charge bumps failcnt and makes the syscall fail with
 * the error it would naturally return (see enum vx_res_id).
 *
 * Transport: generic netlink family VX_GENL_NAME ("vserver"), version
 * VX_GENL_VERSION. Attributes only, no binary structs. All commands need
 * CAP_SYS_ADMIN in the initial user namespace (and CAP_NET_ADMIN for the
 * netlink socket), a caller in the initial network namespace, and a caller
 * that is not inside a context; otherwise they fail with -EPERM and an
 * extack message. Every rejection carries an extack message (and, where one
 * attribute is to blame, the offending attribute).
 *
 * Command semantics (the tests rely on these)
 * -------------------------------------------
 * Every command naming a context needs CTID (missing: -EINVAL, extack
 * "missing attribute"); CTID 0 or above VX_CTID_MAX fails validation with
 * -ERANGE. An unknown ctid gives -ENOENT.
 * VX_CMD_CTX_NEW     in: CTID.                            reply: ack only.
 *                    -EEXIST if the ctid is in use (also a deleted context
 *                    is forgotten at once: its ctid can be reused). New
 *                    contexts start with every barrier and limit at
 *                    VX_RES_UNLIMITED. Multicasts VX_CMD_EVT_CTX_CREATED.
 * VX_CMD_CTX_DEL     in: CTID.                            reply: ack only.
 *                    -ENOENT if unknown, -EBUSY while NR_TASKS > 0. Objects
 *                    still charged to it (e.g. a file passed to a host
 *                    process) stay accounted to the dead context and are
 *                    uncharged when freed. Multicasts VX_CMD_EVT_CTX_DELETED
 *                    (after any pending CTX_EMPTIED of that context).
 * VX_CMD_CTX_GET     do:   in: CTID. reply: CTID, NR_TASKS. -ENOENT if unknown.
 *                    dump: no input; one message per context, ascending
 *                    ctid, each CTID + NR_TASKS.
 * VX_CMD_CTX_ENTER   in: CTID and exactly one of PID (a pid as seen in the
 *                    caller's pid namespace) or PIDFD. reply: ack only.
 *                    Moves every live thread of the target process into the
 *                    context and charges numproc for each. -ENOENT unknown
 *                    ctid, -ESRCH no such process, -EINVAL kernel thread or
 *                    both/neither of PID and PIDFD, -EPERM target is the
 *                    host's init or already inside a context (also the same
 *                    one), -EAGAIN numproc limit reached. The usual pattern:
 *                    a host process forks, the child enters itself (PID =
 *                    getpid()) and then execs the VPS init.
 * VX_CMD_RES_GET     in: CTID.  reply: CTID + one RES row per accounted
 *                    resource (ascending RES_ID), each with RES_ID,
 *                    RES_NAME, HELD, MAXHELD, BARRIER, LIMIT, FAILCNT.
 * VX_CMD_RES_SET     in: CTID + one or more RES rows, each with RES_ID and
 *                    BARRIER and/or LIMIT (an absent one keeps its value).
 *                    reply: ack only. All rows are validated before any is
 *                    applied (all or nothing): -EINVAL if the resulting
 *                    barrier > limit, or a value > VX_RES_UNLIMITED, or a
 *                    row carries HELD/MAXHELD/FAILCNT; -EOPNOTSUPP for a
 *                    reserved (not accounted) RES_ID. Note that a new
 *                    context's barrier is unlimited, so lowering only the
 *                    limit fails: set both. Lowering a limit
 *                    below held is allowed: new charges fail, nothing is
 *                    taken away.
 * VX_CMD_RES_RESET   in: CTID + optional RES rows carrying only RES_ID.
 *                    Sets maxheld = held and failcnt = 0 for the listed
 *                    resources (all resources if no row is given) and
 *                    re-arms their VX_CMD_EVT_RES_FAILED event.
 * VX_CMD_VIEW_SET   in: CTID + VIEW (enum vx_view_attr; absent values
 *                    are kept). Activates the context's /proc view.
 *                    -ERANGE for START in the future, -EINVAL for a
 *                    CPUS list that does not parse or names no online
 *                    CPU.
 * VX_CMD_VIEW_GET    in: CTID. Reply: CTID + VIEW with every attribute,
 *                    values as clamped and in effect (NR_CPUS = CPUs
 *                    shown, CPUS = the host CPUs they stand for).
 *
 * Encoding: VX_A_RES rows are nested attributes and must carry
 * NLA_F_NESTED (libmnl's mnl_attr_nest_start() sets it); requests are
 * strictly validated (unknown attributes, trailing data and a non-zero
 * genlmsghdr.reserved are rejected).
 *
 * /proc files: /proc/user_beancounters (OpenVZ "Version: 2.5" format; the
 * host sees all contexts in ascending ctid, a context only itself; uid =
 * ctid); /proc/vz/veinfo ("%10u %5u %5u\n": ctid, 0, live tasks) and
 * /proc/vz/stat ("contexts N\nallocated N\n": contexts in the table, and
 * context structures not yet freed, deleted ones pinned by objects
 * included; freeing is RCU-delayed), both host-only (EPERM inside).
 * Isolation: a task in a context gets EPERM signalling or ptracing, and
 * ENOENT looking up /proc/PID of any task outside its context.
 *
 * Events on multicast group VX_GENL_MCGRP_MONITOR ("monitor"); joining it
 * needs CAP_SYS_ADMIN. All carry CTID.
 * VX_CMD_EVT_CTX_CREATED  after a successful CTX_NEW.
 * VX_CMD_EVT_CTX_EMPTIED  the last task of the context has exited (NR_TASKS
 *                         dropped to 0); sent from a workqueue, shortly
 *                         after the exit.
 * VX_CMD_EVT_CTX_DELETED  after a successful CTX_DEL.
 * VX_CMD_EVT_RES_FAILED   the first failed charge of a resource since the
 *                         context was created or since RES_RESET of that
 *                         resource; carries one RES row (values as of the
 *                         moment the event is sent). Sent from a workqueue.
 */
#ifndef _UAPI_LINUX_VSERVER_H
#define _UAPI_LINUX_VSERVER_H

#include <linux/types.h>

/* Generic netlink family name, version and multicast group name. */
#define VX_GENL_NAME		"vserver"
#define VX_GENL_VERSION		1
#define VX_GENL_MCGRP_MONITOR	"monitor"

/* Valid ctids: 1..VX_CTID_MAX. 0 is the host, never named in a request. */
#define VX_CTID_MAX		0x7fffffffU

/*
 * "No limit": LLONG_MAX, printed as 9223372036854775807 in
 * /proc/user_beancounters as OpenVZ does. Barriers and limits above it are
 * rejected.
 */
#define VX_RES_UNLIMITED	0x7fffffffffffffffULL

/**
 * enum vx_cmd - commands and events of the "vserver" family
 * @VX_CMD_UNSPEC: unused
 * @VX_CMD_CTX_NEW: create a context
 * @VX_CMD_CTX_DEL: delete an empty context
 * @VX_CMD_CTX_GET: get one context (do) or list all contexts (dump)
 * @VX_CMD_CTX_ENTER: move a process into a context
 * @VX_CMD_RES_GET: read a context's beancounters
 * @VX_CMD_RES_SET: set barriers and limits
 * @VX_CMD_RES_RESET: reset maxheld and failcnt
 * @VX_CMD_VIEW_SET: set what the context's /proc shows
 * @VX_CMD_VIEW_GET: get what the context's /proc shows
 * @VX_CMD_EVT_CTX_CREATED: event: context created
 * @VX_CMD_EVT_CTX_EMPTIED: event: last task of the context exited
 * @VX_CMD_EVT_CTX_DELETED: event: context deleted
 * @VX_CMD_EVT_RES_FAILED: event: first failed charge of a resource
 * @__VX_CMD_MAX: internal
 * @VX_CMD_MAX: highest command number
 */
enum vx_cmd {
	VX_CMD_UNSPEC,
	VX_CMD_CTX_NEW,
	VX_CMD_CTX_DEL,
	VX_CMD_CTX_GET,
	VX_CMD_CTX_ENTER,
	VX_CMD_RES_GET,
	VX_CMD_RES_SET,
	VX_CMD_RES_RESET,
	VX_CMD_VIEW_SET,
	VX_CMD_VIEW_GET,
	VX_CMD_EVT_CTX_CREATED,
	VX_CMD_EVT_CTX_EMPTIED,
	VX_CMD_EVT_CTX_DELETED,
	VX_CMD_EVT_RES_FAILED,

	__VX_CMD_MAX,
	VX_CMD_MAX = __VX_CMD_MAX - 1
};

/**
 * enum vx_attr - top-level attributes
 * @VX_A_UNSPEC: unused
 * @VX_A_PAD: padding for 64-bit attributes
 * @VX_A_CTID: u32, context id, 1..VX_CTID_MAX
 * @VX_A_PID: u32, a pid in the caller's pid namespace (CTX_ENTER)
 * @VX_A_PIDFD: s32, a pidfd of the caller (CTX_ENTER)
 * @VX_A_NR_TASKS: u32, number of live tasks (threads) in the context
 * @VX_A_RES: nested, multi-attr: one beancounter row (enum vx_res_attr)
 * @VX_A_VIEW: nested: the /proc view (enum vx_view_attr)
 * @__VX_A_MAX: internal
 * @VX_A_MAX: highest attribute number
 */
enum vx_attr {
	VX_A_UNSPEC,
	VX_A_PAD,
	VX_A_CTID,
	VX_A_PID,
	VX_A_PIDFD,
	VX_A_NR_TASKS,
	VX_A_RES,
	VX_A_VIEW,

	__VX_A_MAX,
	VX_A_MAX = __VX_A_MAX - 1
};

/**
 * enum vx_res_attr - attributes of one beancounter row (inside VX_A_RES)
 * @VX_RES_A_UNSPEC: unused
 * @VX_RES_A_PAD: padding for 64-bit attributes
 * @VX_RES_A_ID: u32, enum vx_res_id
 * @VX_RES_A_NAME: string, OpenVZ name of the resource (replies only)
 * @VX_RES_A_HELD: u64, current usage (replies only)
 * @VX_RES_A_MAXHELD: u64, highest usage seen (replies only)
 * @VX_RES_A_BARRIER: u64, soft charges fail above it
 * @VX_RES_A_LIMIT: u64, hard charges fail above it
 * @VX_RES_A_FAILCNT: u64, number of refused charges (replies only)
 * @__VX_RES_A_MAX: internal
 * @VX_RES_A_MAX: highest attribute number
 */
enum vx_res_attr {
	VX_RES_A_UNSPEC,
	VX_RES_A_PAD,
	VX_RES_A_ID,
	VX_RES_A_NAME,
	VX_RES_A_HELD,
	VX_RES_A_MAXHELD,
	VX_RES_A_BARRIER,
	VX_RES_A_LIMIT,
	VX_RES_A_FAILCNT,

	__VX_RES_A_MAX,
	VX_RES_A_MAX = __VX_RES_A_MAX - 1
};

/**
 * enum vx_view_attr - per-context /proc view (inside VX_A_VIEW)
 *
 * What tasks of the context read in /proc/meminfo, /proc/cpuinfo,
 * /proc/stat, /proc/loadavg, /proc/uptime,
 * /sys/devices/system/cpu/{online,possible,present}, sched_getaffinity()
 * and sysinfo(). In VIEW_SET an absent attribute keeps its value; the view
 * becomes active at the first VIEW_SET of a context (until then its tasks
 * see the host).
 *
 * @VX_VIEW_A_UNSPEC: unused
 * @VX_VIEW_A_PAD: padding for 64-bit attributes
 * @VX_VIEW_A_MEM_BYTES: u64, RAM shown (MemTotal, sysinfo totalram),
 *	clamped to the host's RAM; 0 = the host's memory figures
 * @VX_VIEW_A_NR_CPUS: u32, number of CPUs shown, numbered from 0: the
 *	first NR_CPUS of VX_VIEW_A_CPUS (or of the online CPUs); clamped to
 *	what exists; 0 = the host's CPUs
 * @VX_VIEW_A_SWAP_BYTES: u64, swap shown (SwapTotal, sysinfo totalswap)
 *	while MEM_BYTES is set; clamped to the host's swap
 * @VX_VIEW_A_CPUS: string, host CPU list ("0-3,6") the view's CPUs
 *	stand for, in order; "" = the online CPUs
 * @VX_VIEW_A_START: u64, CLOCK_BOOTTIME in ns at which the context
 *	"booted" (/proc/uptime, btime); default: when it was created; must
 *	not be in the future
 * @VX_VIEW_A_ACTIVE: u8, replies only: 1 once a VIEW_SET was done
 * @__VX_VIEW_A_MAX: internal
 * @VX_VIEW_A_MAX: highest attribute number
 */
enum vx_view_attr {
	VX_VIEW_A_UNSPEC,
	VX_VIEW_A_PAD,
	VX_VIEW_A_MEM_BYTES,
	VX_VIEW_A_NR_CPUS,
	VX_VIEW_A_SWAP_BYTES,
	VX_VIEW_A_CPUS,
	VX_VIEW_A_START,
	VX_VIEW_A_ACTIVE,

	__VX_VIEW_A_MAX,
	VX_VIEW_A_MAX = __VX_VIEW_A_MAX - 1
};

/**
 * enum vx_res_id - beancounter resources, named as OpenVZ names them
 *
 * Accounted resources (ids below VX_RES_NR_ACCOUNTED). "hard": fails above
 * limit; "soft": fails above barrier. Units are objects unless noted.
 *
 * @VX_RES_NUMPROC: tasks (threads), hard; fork/clone fail with -EAGAIN.
 *	Charged at fork and ctx-enter, uncharged when the task is reaped.
 * @VX_RES_NUMFILE: open files (struct file, not fds), hard; every call
 *	that allocates a file (open, pipe, socket, accept, epoll_create,
 *	memfd_create, ...) fails with -ENFILE. The file remembers the context
 *	it charged and is uncharged when freed, whoever closes it last.
 * @VX_RES_NUMTCPSOCK: TCP sockets, hard; socket()/accept() fail with
 *	-ENOBUFS. Uncharged when the socket is freed.
 * @VX_RES_NUMOTHERSOCK: all other sockets (UDP, unix, netlink, raw, ...),
 *	hard; socket()/socketpair() fail with -ENOBUFS.
 * @VX_RES_NUMFLOCK: file locks (flock, POSIX, OFD, leases), soft;
 *	fcntl(F_SETLK*)/flock() fail with -ENOLCK.
 * @VX_RES_NUMPTY: pseudo-terminal pairs, hard; opening /dev/ptmx fails with
 *	-ENOSPC (as when the devpts pty limit is reached).
 * @VX_RES_NUMSIGINFO: queued siginfo structures, hard; sigqueue()/kill()
 *	of an RT signal fail with -EAGAIN (a standard signal is dropped as
 *	when the system-wide queue limit is reached).
 * @VX_RES_PRIVVMPAGES: pages (PAGE_SIZE) of private writable mappings
 *	(those the kernel counts as "committed", VM_ACCOUNT), soft; mmap()/brk()/mremap() fail with
 *	-ENOMEM. Charged when the mapping is created or grown, uncharged at
 *	munmap()/exit. An address space pays its whole life to the context
 *	of the task that created it (fork, exec): a process that enters a
 *	context is charged for its mappings only once it has exec'd.
 *
 * Reserved ids: not accounted by this kernel; never listed by RES_GET or
 * /proc/user_beancounters; RES_SET on them fails with -EOPNOTSUPP.
 *
 * @VX_RES_PHYSPAGES: reserved: resident pages
 * @VX_RES_KMEMSIZE: reserved: unswappable kernel memory, bytes
 * @VX_RES_LOCKEDPAGES: reserved: mlock()ed pages
 * @VX_RES_SHMPAGES: reserved: shared memory pages
 * @VX_RES_VMGUARPAGES: reserved: guaranteed memory, pages
 * @VX_RES_OOMGUARPAGES: reserved: OOM guarantee, pages
 * @VX_RES_TCPSNDBUF: reserved: TCP send buffers, bytes
 * @VX_RES_TCPRCVBUF: reserved: TCP receive buffers, bytes
 * @VX_RES_OTHERSOCKBUF: reserved: other socket send buffers, bytes
 * @VX_RES_DGRAMRCVBUF: reserved: datagram receive buffers, bytes
 * @VX_RES_DCACHESIZE: reserved: dentry and inode cache, bytes
 * @VX_RES_NUMIPTENT: reserved: iptables entries
 * @__VX_RES_MAX: internal
 * @VX_RES_MAX: highest resource id
 */
enum vx_res_id {
	VX_RES_NUMPROC,
	VX_RES_NUMFILE,
	VX_RES_NUMTCPSOCK,
	VX_RES_NUMOTHERSOCK,
	VX_RES_NUMFLOCK,
	VX_RES_NUMPTY,
	VX_RES_NUMSIGINFO,
	VX_RES_PRIVVMPAGES,

	VX_RES_PHYSPAGES,
	VX_RES_KMEMSIZE,
	VX_RES_LOCKEDPAGES,
	VX_RES_SHMPAGES,
	VX_RES_VMGUARPAGES,
	VX_RES_OOMGUARPAGES,
	VX_RES_TCPSNDBUF,
	VX_RES_TCPRCVBUF,
	VX_RES_OTHERSOCKBUF,
	VX_RES_DGRAMRCVBUF,
	VX_RES_DCACHESIZE,
	VX_RES_NUMIPTENT,

	__VX_RES_MAX,
	VX_RES_MAX = __VX_RES_MAX - 1
};

/* Ids 0..VX_RES_NR_ACCOUNTED-1 are accounted by this ABI version. */
#define VX_RES_NR_ACCOUNTED	(VX_RES_PRIVVMPAGES + 1)

#endif /* _UAPI_LINUX_VSERVER_H */
