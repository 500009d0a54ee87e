// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Default seccomp policy: allow everything except syscalls that act on
 * state the kernel does not namespace, or that are attack surface a VPS
 * has no use for. A denylist (not an allowlist) because a VPS runs a whole
 * distribution whose syscall set we cannot enumerate; the capability
 * bounding set (caps.c) is the first wall, this filter the second: several
 * entries below are also capability-gated, and are listed so that turning
 * a capability on by CAPABILITY= does not by itself open them.
 *
 * Denied calls fail with EPERM, as they would for an unprivileged user,
 * so programs take their usual "not permitted" path instead of crashing.
 * The rules are added for x86_64, i386 and x32 alike: without the extra
 * architectures a 32-bit binary (int 0x80) would bypass them.
 *
 * reboot(2) stays allowed on purpose: inside a pid namespace it does not
 * touch the host; the kernel turns it into SIGHUP (restart) or SIGINT
 * (halt/poweroff) of the CT's init and the monitor acts on that.
 */
#include <errno.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/btrfs.h>
#include <linux/filter.h>

#include "cleanup.h"
#include "seccomp_filter.h"

static const char *const denied[] = {
	/* Kernel code: loading or unloading modules is host-wide. */
	"init_module", "finit_module", "delete_module",
	/* Replacing the running kernel. */
	"kexec_load", "kexec_file_load",
	/* Swap is host-wide: a CT must not add or remove swap areas. */
	"swapon", "swapoff",
	/* open_by_handle_at opens any inode of a filesystem by handle,
	 * escaping the CT's root (the "shocker" exploit). name_to_handle_at
	 * only produces handles; denied too as it has no use without the
	 * former and reveals inode numbers of the host's filesystems. */
	"open_by_handle_at", "name_to_handle_at",
	/* Keyrings are not namespaced: a CT could read or fill the host's
	 * and other CTs' keyrings (and exhaust the global key quota). */
	"keyctl", "add_key", "request_key",
	/* Process accounting writes a host-wide accounting file. */
	"acct",
	/* Raw I/O port access. */
	"iopl", "ioperm",
	/* The clock is global: a CT must not set it (CAP_SYS_TIME is never
	 * granted; this covers every entry point). adjtimex stays allowed
	 * as it is also the read-only way to query the clock state. */
	"settimeofday", "clock_settime", "clock_adjtime", "stime",
	/* The kernel log is the host's (dmesg_restrict may be 0). */
	"syslog",
	/* eBPF and perf are big kernel attack surface, expose host-wide
	 * data (perf sees other CTs' activity) and are not virtualized. */
	"bpf", "perf_event_open",
	/* userfaultfd is mostly used to win kernel races in exploits. */
	"userfaultfd",
	/* Obsolete or host-wide: quotas are managed from the host,
	 * lookup_dcookie is for the removed oprofile, nfsservctl and uselib
	 * are dead, vm86 is i386 real-mode emulation. */
	"quotactl", "quotactl_fd", "lookup_dcookie", "nfsservctl", "uselib",
	"vm86", "vm86old",
};

/*
 * ioctls denied by request number. btrfs subvolume and snapshot creation:
 * any user may make a subvolume on btrfs, and a new subvolume gets a
 * qgroup of its own that the CT's limit (the btrfs layout, btrfs.c) does
 * not cover, so writes into it would escape the CT's disk limit. The
 * kernel looks at the low 32 bits of the request only, so the rule does
 * too: a request with high bits set cannot slip past it.
 */
static const unsigned long denied_ioctls[] = {
	BTRFS_IOC_SUBVOL_CREATE, BTRFS_IOC_SUBVOL_CREATE_V2,
	BTRFS_IOC_SNAP_CREATE, BTRFS_IOC_SNAP_CREATE_V2,
};

static scmp_filter_ctx build_filter(int *ret)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	*ret = 0;
	if (!ctx) {
		*ret = -ENOMEM;
		return NULL;
	}
	/* Keep setuid programs working inside the CT: see the header. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	seccomp_arch_add(ctx, SCMP_ARCH_X86);
	seccomp_arch_add(ctx, SCMP_ARCH_X32);
	for (size_t i = 0; i < ARRAY_SIZE(denied) && *ret == 0; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);

		/* A name unknown on every architecture of this build (e.g.
		 * vm86 on a non-x86 libseccomp) is simply absent. */
		if (nr == __NR_SCMP_ERROR)
			continue;
		*ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		/* -EDOM etc.: not applicable on one arch; tolerate. */
		if (*ret == -EDOM || *ret == -EEXIST)
			*ret = 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(denied_ioctls) && *ret == 0; i++)
		*ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
					SCMP_SYS(ioctl), 1,
					SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL,
						denied_ioctls[i]));
	if (*ret < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* The compiled program, filled once by prepare_once(). */
static struct sock_fprog prepared;
static int prepared_err;
static pthread_once_t prepared_once = PTHREAD_ONCE_INIT;

static void prepare_once(void)
{
	scmp_filter_ctx ctx = build_filter(&prepared_err);
	struct stat st;
	int fd;

	if (!ctx)
		return;
	/* libseccomp 2.5 exports only to an fd: go through a memfd */
	fd = memfd_create("vx-seccomp", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0 ||
	    st.st_size <= 0 || st.st_size % sizeof(struct sock_filter)) {
		prepared_err = -EIO;
	} else {
		prepared.filter = malloc(st.st_size);
		if (!prepared.filter ||
		    pread(fd, prepared.filter, st.st_size, 0) != st.st_size) {
			free(prepared.filter);
			prepared.filter = NULL;
			prepared_err = -EIO;
		} else {
			prepared.len = st.st_size / sizeof(struct sock_filter);
		}
	}
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
}

int vx_seccomp_prepare(struct vx_error **err)
{
	pthread_once(&prepared_once, prepare_once);
	if (prepared_err < 0)
		return vx_error_set(err, VX_E_SYSTEM, -prepared_err,
				    "build the seccomp filter");
	return 0;
}

int vx_seccomp_apply(struct vx_error **err)
{
	scmp_filter_ctx ctx;
	int ret;

	if (prepared.filter) {
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prepared, 0,
			  0) < 0)
			return vx_error_set(err, VX_E_SYSTEM, errno,
					    "load the seccomp filter");
		return 0;
	}
	ctx = build_filter(&ret);
	if (ctx) {
		ret = seccomp_load(ctx);
		seccomp_release(ctx);
	}
	if (ret < 0)
		return vx_error_set(err, VX_E_SYSTEM, -ret,
				    "load the seccomp filter");
	return 0;
}
