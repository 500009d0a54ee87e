// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * confine-probe: run INSIDE a CT by tests/cli/confine.bats. Each verb tries
 * one escape with the raw syscall (busybox has no tool for most of them)
 * and reports how it ended:
 *   exit 0, "blocked: EPERM"  the kernel refused, with an expected errno
 *   exit 1, "ALLOWED"         the call succeeded: confinement is broken
 *   exit 2, "unexpected: E.." it failed, but not the way confinement fails
 * Built static on the host so it runs in any CT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/io.h>
#include <sys/acct.h>
#include <sys/swap.h>
#include <sys/klog.h>
#include <sys/ioctl.h>
#include <linux/btrfs.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

static int expect(long ret, const char *what, int ok1, int ok2)
{
	int e = errno;

	if (ret >= 0) {
		printf("ALLOWED: %s\n", what);
		return 1;
	}
	if (e == ok1 || e == ok2) {
		printf("blocked: %s: %s\n", what, strerror(e));
		return 0;
	}
	printf("unexpected: %s: %s\n", what, strerror(e));
	return 2;
}

static int probe(const char *v, const char *arg)
{
	char buf[64] = { 0 };

	if (!strcmp(v, "getpid"))	/* sanity: the probe itself runs */
		return syscall(SYS_getpid) > 0 ? 0 : 1;
	if (!strcmp(v, "init_module"))
		return expect(syscall(SYS_init_module, buf, sizeof(buf), ""),
			      v, EPERM, 0);
	if (!strcmp(v, "finit_module"))
		return expect(syscall(SYS_finit_module, open("/dev/null",
				      O_RDONLY), "", 0), v, EPERM, 0);
	if (!strcmp(v, "delete_module"))
		return expect(syscall(SYS_delete_module, "ext4", 0), v,
			      EPERM, 0);
	if (!strcmp(v, "kexec_load"))
		return expect(syscall(SYS_kexec_load, 0, 0, NULL, 0), v,
			      EPERM, 0);
	if (!strcmp(v, "kexec_file_load"))
		return expect(syscall(SYS_kexec_file_load, -1, -1, 0, "", 0x4),
			      v, EPERM, 0);
	if (!strcmp(v, "swapon"))
		return expect(swapon("/dev/null", 0), v, EPERM, 0);
	if (!strcmp(v, "swapoff"))
		return expect(swapoff("/dev/null"), v, EPERM, 0);
	if (!strcmp(v, "add_key"))
		return expect(syscall(SYS_add_key, "user", "vx", "x", 1,
				      -2 /* process keyring */), v, EPERM, 0);
	if (!strcmp(v, "keyctl"))
		return expect(syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */,
				      -4 /* user keyring */, 0), v, EPERM, 0);
	if (!strcmp(v, "request_key"))
		return expect(syscall(SYS_request_key, "user", "vx", NULL, 0),
			      v, EPERM, 0);
	if (!strcmp(v, "open_by_handle_at")) {
		struct { unsigned int bytes; int type; unsigned char h[8]; }
			fh = { 8, 1, { 2, 0, 0, 0, 0, 0, 0, 0 } };

		return expect(syscall(SYS_open_by_handle_at, open("/",
				      O_RDONLY), &fh, O_RDONLY), v, EPERM, 0);
	}
	if (!strcmp(v, "settimeofday")) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		return expect(settimeofday(&tv, NULL), v, EPERM, 0);
	}
	if (!strcmp(v, "clock_settime")) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		return expect(clock_settime(CLOCK_REALTIME, &ts), v, EPERM, 0);
	}
	if (!strcmp(v, "acct"))
		return expect(acct("/tmp/vx-acct"), v, EPERM, 0);
	if (!strcmp(v, "iopl"))
		return expect(iopl(3), v, EPERM, 0);
	if (!strcmp(v, "ioperm"))
		return expect(ioperm(0x80, 1, 1), v, EPERM, 0);
	if (!strcmp(v, "syslog"))
		return expect(klogctl(3 /* READ_ALL */, buf, sizeof(buf)), v,
			      EPERM, 0);
	if (!strcmp(v, "bpf")) {
		union bpf_attr a = { .map_type = BPF_MAP_TYPE_ARRAY,
				     .key_size = 4, .value_size = 4,
				     .max_entries = 1 };

		return expect(syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a)),
			      v, EPERM, 0);
	}
	if (!strcmp(v, "perf_event_open")) {
		struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE,
					     .size = sizeof(a),
					     .config = PERF_COUNT_SW_CPU_CLOCK };

		return expect(syscall(SYS_perf_event_open, &a, -1, 0, -1, 0),
			      v, EPERM, 0);
	}
	if (!strcmp(v, "userfaultfd"))
		return expect(syscall(SYS_userfaultfd, 0), v, EPERM, 0);
	/* mount a fresh procfs: would bypass the read-only /proc/sys */
	if (!strcmp(v, "mount_proc"))
		return expect(mount("proc", "/mnt", "proc", 0, NULL), v,
			      EPERM, 0);
	if (!strcmp(v, "remount_proc_sys"))
		return expect(mount(NULL, "/proc/sys", NULL, MS_REMOUNT |
				    MS_BIND, NULL), v, EPERM, 0);
	/* arg: "MAJ:MIN" of a host block device */
	if (!strcmp(v, "open_blockdev")) {
		unsigned int ma, mi;

		if (!arg || sscanf(arg, "%u:%u", &ma, &mi) != 2)
			return 3;
		unlink("/tmp/vx-blk");
		if (mknod("/tmp/vx-blk", S_IFBLK | 0600, makedev(ma, mi)) < 0)
			return expect(-1, "mknod block device", EPERM, 0);
		return expect(open("/tmp/vx-blk", O_RDONLY), v, EPERM, 0);
	}
	if (!strcmp(v, "mount_blockdev")) {
		unsigned int ma, mi;

		if (!arg || sscanf(arg, "%u:%u", &ma, &mi) != 2)
			return 3;
		unlink("/tmp/vx-blk");
		mknod("/tmp/vx-blk", S_IFBLK | 0600, makedev(ma, mi));
		return expect(mount("/tmp/vx-blk", "/mnt", "ext4", MS_RDONLY,
				    NULL), v, EPERM, EACCES);
	}
	if (!strcmp(v, "open_devmem")) {
		unlink("/tmp/vx-mem");
		if (mknod("/tmp/vx-mem", S_IFCHR | 0600, makedev(1, 1)) < 0)
			return expect(-1, "mknod /dev/mem", EPERM, 0);
		return expect(open("/tmp/vx-mem", O_RDONLY), v, EPERM, 0);
	}
	if (!strcmp(v, "write_proc_sys")) {	/* arg: path under /proc/sys */
		int fd = open(arg, O_WRONLY);

		return expect(fd, arg, EROFS, EACCES);
	}
	/* The classic chroot escape (CAP_SYS_CHROOT is in a VPS's set):
	 * chroot into a subdirectory, climb with "..", chroot there. After
	 * pivot_root there is no host tree above to climb into: the host-only
	 * file arg must stay invisible. */
	if (!strcmp(v, "chroot_escape")) {
		if (!arg)
			return 3;
		mkdir("/tmp/vx-esc", 0700);
		if (chroot("/tmp/vx-esc") < 0)
			return expect(-1, "chroot", EPERM, 0);
		for (int i = 0; i < 64; i++)
			if (chdir("..") < 0)
				break;
		if (chroot(".") < 0)
			return expect(-1, "chroot .", EPERM, 0);
		errno = ENOENT;
		return expect(access(arg, F_OK), "see a host file after escape",
			      ENOENT, 0);
	}
	/* A btrfs subvolume or snapshot of / made inside the VPS would have
	 * a qgroup of its own, outside the VPS's disk limit. hibit: the same
	 * request with bits above 32 set (the kernel ignores them). Outside
	 * btrfs the unfiltered ioctl fails with ENOTTY: "unexpected". */
	if (!strcmp(v, "btrfs_subvol") || !strcmp(v, "btrfs_subvol_hibit") ||
	    !strcmp(v, "btrfs_snapshot")) {
		struct btrfs_ioctl_vol_args_v2 a;
		unsigned long req = BTRFS_IOC_SUBVOL_CREATE_V2;
		int fd = open("/root", O_RDONLY | O_DIRECTORY);

		memset(&a, 0, sizeof(a));
		snprintf(a.name, sizeof(a.name), "vx-escape");
		if (!strcmp(v, "btrfs_snapshot")) {
			a.fd = open("/", O_RDONLY | O_DIRECTORY);
			req = BTRFS_IOC_SNAP_CREATE_V2;
		}
		if (!strcmp(v, "btrfs_subvol_hibit"))
			req |= 1UL << 40;
		return expect(syscall(SYS_ioctl, fd, req, &a), v, EPERM, 0);
	}
	fprintf(stderr, "confine-probe: unknown verb %s\n", v);
	return 3;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: confine-probe VERB [ARG]\n");
		return 3;
	}
	return probe(argv[1], argc > 2 ? argv[2] : NULL);
}
