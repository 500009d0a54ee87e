// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Device allowlist for cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program,
 * built from the same table as the v1 devices.allow lines and attached
 * with raw bpf(2) (no libbpf: the program is a dozen instructions).
 *
 * The kernel runs the program on every device open and mknod by a task in
 * the cgroup (or below it); returning 0 denies with EPERM. The program is
 * pinned by each attachment; one loaded program serves every CT (see
 * shared_prog), so a start costs an attach, not a verifier run. On a hybrid host we attach it to
 * the CT's unified directory *and* keep the v1 devices controller: the
 * kernel checks both, so each is a backstop for the other.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "cgroup.h"
#include "cleanup.h"

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })
#define LDX_W(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define MOV_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define AND_IMM(d, i)	INSN(BPF_ALU64 | BPF_AND | BPF_K, d, 0, 0, i)
#define RSH_IMM(d, i)	INSN(BPF_ALU64 | BPF_RSH | BPF_K, d, 0, 0, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define MAX_INSNS 256

static int prog_build(const struct vx_dev_rule *rules, size_t n,
		      struct bpf_insn *p)
{
	int i = 0;

	/* r2 = type, r3 = access, r4 = major, r5 = minor */
	p[i++] = LDX_W(2, 1, offsetof(struct bpf_cgroup_dev_ctx,
				      access_type));
	p[i++] = MOV_REG(3, 2);
	p[i++] = AND_IMM(2, 0xffff);
	p[i++] = RSH_IMM(3, 16);
	p[i++] = LDX_W(4, 1, offsetof(struct bpf_cgroup_dev_ctx, major));
	p[i++] = LDX_W(5, 1, offsetof(struct bpf_cgroup_dev_ctx, minor));
	for (size_t r = 0; r < n; r++) {
		const struct vx_dev_rule *d = &rules[r];
		int type = d->type == 'b' ? BPF_DEVCG_DEV_BLOCK :
					    BPF_DEVCG_DEV_CHAR;
		int acc = (strchr(d->access, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) |
			  (strchr(d->access, 'r') ? BPF_DEVCG_ACC_READ : 0) |
			  (strchr(d->access, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
		/* block: tests, then MOV AND JNE MOV EXIT; a failed test
		 * jumps to the next block: off = end - (position + 1) */
		int end = i + 1 + (d->major >= 0) + (d->minor >= 0) + 5;

		if (end + 2 > MAX_INSNS)
			return -E2BIG;
		p[i] = JNE_IMM(2, type, end - i - 1);
		i++;
		if (d->major >= 0) {
			p[i] = JNE_IMM(4, d->major, end - i - 1);
			i++;
		}
		if (d->minor >= 0) {
			p[i] = JNE_IMM(5, d->minor, end - i - 1);
			i++;
		}
		/* allowed iff every requested access bit is in acc */
		p[i++] = MOV_REG(0, 3);
		p[i++] = AND_IMM(0, ~acc);
		p[i++] = JNE_IMM(0, 0, 2);
		p[i++] = MOV_IMM(0, 1);
		p[i++] = EXIT();
	}
	p[i++] = MOV_IMM(0, 0);
	p[i++] = EXIT();
	return i;
}

static int prog_load(const struct vx_dev_rule *rules, size_t n,
		     const char *dir, struct vx_error **err)
{
	struct bpf_insn insns[MAX_INSNS];
	char log[4096] = "";
	union bpf_attr a;
	int count = prog_build(rules, n, insns), prog;

	if (count < 0)
		return vx_error_set(err, VX_E_SETDEV, -count,
				    "device program for %s", dir);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = count;
	a.license = (uintptr_t)"GPL";
	prog = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (prog < 0) {
		/* again with the verifier's log, for the message (with a log
		 * a load can fail for a too small buffer alone: not first) */
		int saved = errno;

		a.log_buf = (uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		if (syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a)) < 0)
			log[sizeof(log) - 1] = '\0';
		return vx_error_set(err, VX_E_SETDEV, saved,
				    "load the device program for %s%s%.200s",
				    dir, log[0] ? ": " : "", log);
	}
	return prog;
}

/*
 * The vx_dev_allow program, loaded once per process: the verifier run is
 * most of what attaching costs, and every CT gets the same program. Before
 * each use the fd is checked to still be a device program: a child that
 * closed its fds (the monitor keeps this one, see monitor.c) may have the
 * number reused by an unrelated file.
 */
static int shared_prog = -1;

static bool shared_prog_valid(void)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	if (shared_prog < 0)
		return false;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = shared_prog;
	a.info.info_len = sizeof(info);
	a.info.info = (uintptr_t)&info;
	return syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)) == 0 &&
	       info.type == BPF_PROG_TYPE_CGROUP_DEVICE;
}

void vx_cgroup_bpf_prepare(void)
{
	if (shared_prog_valid())
		return;
	shared_prog = prog_load(vx_dev_allow, vx_dev_allow_n, "the CTs", NULL);
}

int vx_cgroup_bpf_fd(void)
{
	return shared_prog;
}

int vx_cgroup_bpf_devices(const char *dir, const struct vx_dev_rule *rules,
			  size_t n, struct vx_error **err)
{
	cleanup_close int own = -1, cg = -1;
	union bpf_attr a;
	int prog;

	if (rules == vx_dev_allow && n == vx_dev_allow_n) {
		if (!shared_prog_valid()) {
			shared_prog = prog_load(rules, n, dir, err);
			if (shared_prog < 0)
				return shared_prog;
		}
		prog = shared_prog;
	} else {
		own = prog_load(rules, n, dir, err);
		if (own < 0)
			return own;
		prog = own;
	}
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg < 0)
		return vx_error_set(err, VX_E_SETDEV, errno, "open %s", dir);
	memset(&a, 0, sizeof(a));
	a.target_fd = cg;
	a.attach_bpf_fd = prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &a, sizeof(a)) < 0)
		return vx_error_set(err, VX_E_SETDEV, errno,
				    "attach the device program to %s", dir);
	return 0;
}
