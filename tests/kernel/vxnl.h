/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vxnl.h - a minimal generic-netlink client for the "vserver" family,
 * written for the tests and the benchmark (libvx has the real one).
 *
 * Unlike a normal client it never hides a failure: every transaction
 * returns the kernel's errno together with its extack (message, offending
 * attribute offset, missing attribute type), because the tests assert on
 * exactly those.  Requests can also be built by hand (vxnl_msg() plus
 * libmnl's mnl_attr_put*()) to send malformed attributes on purpose.
 */
#ifndef VX_TESTS_VXNL_H
#define VX_TESTS_VXNL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <libmnl/libmnl.h>
#include <linux/vserver.h>

#define VXNL_BUFSZ	(64 * 1024)

struct vxnl {
	struct mnl_socket *sk;
	unsigned int portid;
	uint32_t seq;
	uint16_t family;	/* resolved "vserver" family id */
	uint32_t monitor_grp;	/* resolved "monitor" group id, 0 if none */
};

/* The kernel's answer to one request. */
struct vxnl_ack {
	int error;		/* 0 or a negative errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" when absent */
	uint32_t bad_off;	/* NLMSGERR_ATTR_OFFS, 0 when absent */
	bool has_miss;		/* NLMSGERR_ATTR_MISS_TYPE present */
	uint32_t miss_type;
};

int vxnl_open(struct vxnl *h);
void vxnl_close(struct vxnl *h);
int vxnl_subscribe(struct vxnl *h, uint32_t grp);
int vxnl_fd(const struct vxnl *h);

/* Start a request for @cmd in @buf (VXNL_BUFSZ bytes). */
struct nlmsghdr *vxnl_msg(struct vxnl *h, void *buf, uint8_t cmd,
			  uint16_t flags);

/*
 * Send @nlh and read until its ACK (or NLMSG_DONE for a dump), calling
 * @cb (may be NULL) for every data message.  Returns ack->error.
 */
int vxnl_xfer(struct vxnl *h, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	      struct vxnl_ack *ack);

/*
 * Wait up to @timeout_ms for one multicast message; calls @cb for each
 * message in the datagram.  Returns 1 if one arrived, 0 on timeout,
 * negative errno on error.
 */
int vxnl_recv_event(struct vxnl *h, int timeout_ms, mnl_cb_t cb, void *data);

/* Resolve a generic-netlink family and one of its multicast groups. */
int vxnl_resolve(struct vxnl *h, const char *family, const char *group,
		 uint16_t *family_id, uint32_t *group_id);



/* ---- the "vserver" commands ---------------------------------------- */

/* One beancounter row as RES_GET returns it. */
struct vx_res_row {
	bool present;
	uint32_t id;
	char name[32];
	uint64_t held, maxheld, barrier, limit, failcnt;
};

/* Everything a RES_GET / RES_FAILED event carries, rows indexed by id. */
struct vx_res_table {
	uint32_t ctid;
	int nrows;			/* rows in reply order */
	uint32_t order[VX_RES_MAX + 1];	/* ids in reply order */
	struct vx_res_row row[VX_RES_MAX + 1];
};

struct vx_ctx_info {
	uint32_t ctid;
	uint32_t nr_tasks;
	bool has_ctid, has_nr_tasks;
};

int vx_ctx_new(struct vxnl *h, uint32_t ctid, struct vxnl_ack *ack);
int vx_ctx_del(struct vxnl *h, uint32_t ctid, struct vxnl_ack *ack);
int vx_ctx_get(struct vxnl *h, uint32_t ctid, struct vx_ctx_info *info,
	       struct vxnl_ack *ack);
/* Dump all contexts into @out (at most @max); *@n gets the count. */
int vx_ctx_dump(struct vxnl *h, struct vx_ctx_info *out, int max, int *n,
		struct vxnl_ack *ack);
int vx_ctx_enter(struct vxnl *h, uint32_t ctid, pid_t pid,
		 struct vxnl_ack *ack);
int vx_ctx_enter_pidfd(struct vxnl *h, uint32_t ctid, int pidfd,
		       struct vxnl_ack *ack);
int vx_res_get(struct vxnl *h, uint32_t ctid, struct vx_res_table *t,
	       struct vxnl_ack *ack);
/* Set barrier and limit of one resource; UINT64_MAX leaves one unset. */
int vx_res_set(struct vxnl *h, uint32_t ctid, uint32_t id, uint64_t barrier,
	       uint64_t limit, struct vxnl_ack *ack);
/* Reset one resource, or all with @id < 0. */
int vx_res_reset(struct vxnl *h, uint32_t ctid, int id, struct vxnl_ack *ack);

/* A VIEW_SET request: UINT64_MAX / UINT32_MAX / NULL leave a value out. */
struct vx_view_req {
	uint64_t mem_bytes, swap_bytes, start_ns;
	uint32_t nr_cpus;
	const char *cpus;
};

#define VX_VIEW_REQ_NONE { UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT32_MAX, NULL }

/* A VIEW_GET reply. */
struct vx_view_info {
	uint64_t mem_bytes, swap_bytes, start_ns;
	uint32_t nr_cpus;
	char cpus[256];
	bool active;
	int nattrs;
};

int vx_view_set(struct vxnl *h, uint32_t ctid, const struct vx_view_req *v,
		struct vxnl_ack *ack);
int vx_view_get(struct vxnl *h, uint32_t ctid, struct vx_view_info *vi,
		struct vxnl_ack *ack);

/* Parse a RES_GET reply or RES_FAILED event body into @t (adds rows). */
int vx_parse_res(const struct nlmsghdr *nlh, struct vx_res_table *t);
/* Parse CTID / NR_TASKS out of a reply or event. */
void vx_parse_ctx(const struct nlmsghdr *nlh, struct vx_ctx_info *info);
#endif /* VX_TESTS_VXNL_H */
