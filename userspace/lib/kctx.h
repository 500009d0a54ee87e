/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvx's client of the vx kernel patchset: the generic-netlink family
 * "vserver" (include/uapi/linux/vserver.h, docs/kernel-abi.md).
 *
 * Two layers:
 *  - a generic request/reply transport: vx_kctx_open() resolves the family
 *    once, vx_kctx_msg() starts a request in the handle's buffer (callers
 *    add attributes with libmnl's mnl_attr_put*()), vx_kctx_xfer() sends it
 *    and reads until the ACK (or a dump's DONE), calling a callback for each
 *    data message. A refusal becomes a struct vx_error that carries the
 *    kernel's own words (its extack message) and its errno;
 *  - one function per command (ctx new/del/get/enter, res get/set/reset).
 * The pure encode/parse helpers are exported for the unit tests.
 *
 * The handle is not thread-safe and must not be shared across fork() by
 * two processes that both use it. The socket is bound to the network
 * namespace it was opened in; the family only answers in the initial one,
 * so open it before any setns(CLONE_NEWNET).
 */
#ifndef VX_KCTX_H
#define VX_KCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <libmnl/libmnl.h>
#include <linux/vserver.h>

#include "error.h"

#define VX_KCTX_BUFSZ	(32 * 1024)

struct vx_kctx {
	struct mnl_socket *sk;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;	/* resolved id of "vserver" */
	/* requests are built here; netlink headers need 4-byte alignment */
	char buf[VX_KCTX_BUFSZ] __attribute__((aligned(8)));
};

/* What the kernel answered to one request (NLMSG_ERROR / NLMSG_DONE). */
struct vx_kctx_ack {
	int error;		/* 0 or a negative errno */
	char msg[256];		/* extack NLMSGERR_ATTR_MSG, "" if none */
	bool has_miss;		/* NLMSGERR_ATTR_MISS_TYPE present */
	uint32_t miss_type;
};

/* One beancounter row. For res-set only id, barrier and limit count. */
struct vx_kres {
	uint32_t id;		/* enum vx_res_id */
	char name[32];
	uint64_t held, maxheld, barrier, limit, failcnt;
};

/* true if the running kernel has the "vserver" family (cached: a kernel
 * without modules cannot gain or lose it). */
bool vx_kctx_present(void);

/* Opens a socket and resolves the family. No family: -EOPNOTSUPP with
 * VX_E_NOKERNEL naming the missing kernel feature. */
int vx_kctx_open(struct vx_kctx **k, struct vx_error **err);
void vx_kctx_close(struct vx_kctx *k);

static inline void vx_kctx_closep(struct vx_kctx **k)
{
	vx_kctx_close(*k);
}

#define cleanup_kctx __attribute__((cleanup(vx_kctx_closep)))

/* ---- generic transport --------------------------------------------- */

/* Starts a request for cmd (enum vx_cmd) in k->buf. flags: NLM_F_DUMP
 * or 0; NLM_F_REQUEST and NLM_F_ACK are added. */
struct nlmsghdr *vx_kctx_msg(struct vx_kctx *k, uint8_t cmd, uint16_t flags);

/*
 * Sends req and reads until its ACK (a dump: its DONE), calling cb (may be
 * NULL) for each data message; a cb returning MNL_CB_ERROR fails the call
 * with -EPROTO. On a refusal sets *err with code and the message
 * "vserver CMD: <extack message>: <strerror>" and returns -errno.
 */
int vx_kctx_xfer(struct vx_kctx *k, struct nlmsghdr *req, mnl_cb_t cb,
		 void *data, int code, struct vx_error **err);

/* ---- commands ------------------------------------------------------ */

int vx_kctx_new(struct vx_kctx *k, uint32_t ctid, struct vx_error **err);
int vx_kctx_del(struct vx_kctx *k, uint32_t ctid, struct vx_error **err);
/* Live tasks of a context; -ENOENT (err set) if it does not exist. */
int vx_kctx_get(struct vx_kctx *k, uint32_t ctid, uint32_t *nr_tasks,
		struct vx_error **err);
/* Moves a process into ctid: by pidfd if pidfd >= 0, else by pid. */
int vx_kctx_enter(struct vx_kctx *k, uint32_t ctid, pid_t pid, int pidfd,
		  struct vx_error **err);
/* Every accounted row of ctid into rows[max], in the kernel's order. */
int vx_kctx_res_get(struct vx_kctx *k, uint32_t ctid, struct vx_kres *rows,
		    size_t max, size_t *n, struct vx_error **err);
/* Sets barrier and limit of n rows at once (all or nothing). */
int vx_kctx_res_set(struct vx_kctx *k, uint32_t ctid,
		    const struct vx_kres *rows, size_t n,
		    struct vx_error **err);
/* Resets maxheld and failcnt of one resource, or of all if id < 0. */
int vx_kctx_res_reset(struct vx_kctx *k, uint32_t ctid, int id,
		      struct vx_error **err);

/* What a context's /proc shows (VX_CMD_VIEW_SET/GET). In a set, only the
 * fields named in set are sent; the kernel keeps the others. */
struct vx_kview {
	uint64_t mem_bytes;	/* RAM shown; 0: the host's figures */
	uint64_t swap_bytes;	/* swap shown while mem_bytes is set */
	uint64_t start_ns;	/* CLOCK_BOOTTIME of the CT's "boot" */
	uint32_t nr_cpus;	/* CPUs shown; 0: the host's */
	char cpus[256];		/* host CPU list they stand for; "": online */
	bool active;		/* get: a view-set was done */
	unsigned int set;	/* set: VX_KVIEW_* of the fields to send */
};

#define VX_KVIEW_MEM		(1u << 0)
#define VX_KVIEW_SWAP		(1u << 1)
#define VX_KVIEW_NR_CPUS	(1u << 2)
#define VX_KVIEW_CPUS		(1u << 3)
#define VX_KVIEW_START		(1u << 4)

/* A kernel without views (before 0012-view-proc-files) answers
 * -EOPNOTSUPP. */
int vx_kctx_view_set(struct vx_kctx *k, uint32_t ctid,
		     const struct vx_kview *v, struct vx_error **err);
int vx_kctx_view_get(struct vx_kctx *k, uint32_t ctid, struct vx_kview *v,
		     struct vx_error **err);

/* ---- encode / parse (pure; exported for tests/unit) ---------------- */

/* Appends one VX_A_RES nest (ID, BARRIER, LIMIT; NLA_F_NESTED set). */
void vx_kctx_put_res(struct nlmsghdr *nlh, const struct vx_kres *r);
/* Fills ack from an NLMSG_ERROR or NLMSG_DONE message. */
void vx_kctx_parse_ack(const struct nlmsghdr *nlh, struct vx_kctx_ack *ack);
/* Appends the RES rows of a RES_GET reply (or RES_FAILED event) to
 * rows[*n..max). -EPROTO on a malformed row, -E2BIG if max is too small. */
int vx_kctx_parse_res(const struct nlmsghdr *nlh, struct vx_kres *rows,
		      size_t max, size_t *n);
/* OpenVZ name of a resource id ("numfile"), NULL if unknown. */
const char *vx_kres_name(uint32_t id);
/* Resource id of an OpenVZ name, -1 if unknown. */
int vx_kres_id(const char *name);

#endif /* VX_KCTX_H */
