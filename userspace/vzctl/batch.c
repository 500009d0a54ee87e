// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Several CTIDs in one call (`vzctl stop 101 102 ...`), as OpenVZ's vz
 * service stops all CTs in parallel: a hoster stopping hundreds of VPSes
 * pays one vzctl process and no shell per VPS, and the VPSes' stops overlap
 * in vxd instead of queueing behind each other's waits.
 *
 * One connection per CT (the protocol's one transaction per connection),
 * at most VZCTL_BATCH_PARALLEL open at once, driven by one poll loop.
 * vxd runs each request in its own worker and serialises per CT by the CT
 * lock, so nothing here orders requests. A vzctl killed mid-batch only
 * closes its connections: a worker that accepted a request finishes it
 * (its sends use MSG_NOSIGNAL), requests not yet sent never run.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vzctl.h"

struct batch_ct {
	const char *ctid;
	int code;		/* exit code once done */
	char *error;		/* message when code != 0 */
};

struct batch {
	unsigned int cmd;
	const struct vx_msg *tmpl;
	struct batch_ct *cts;
	struct pollfd pfd[VZCTL_BATCH_PARALLEL];
	int slot_ct[VZCTL_BATCH_PARALLEL];	/* index into cts */
	int active;
};

/* Info lines have no CTID in them (OpenVZ's wording): prefix it. */
static void print_info(const char *ctid, const struct vx_msg *m)
{
	struct vx_field f;
	size_t off = 0;

	if (vzctl.quiet || vzctl.json)
		return;
	while (vx_field_next(m->buf, m->len, &off, &f) > 0)
		if (f.type == VX_F_STR && !strcmp(f.key, "info"))
			printf("%s: %s\n", ctid, f.val);
	fflush(stdout);
}

static void finish(struct batch_ct *ct, int code, const char *msg)
{
	ct->code = code;
	if (!code)
		return;
	ct->error = strdup(msg ? msg : "vxd gave no reason");
	if (!vzctl.json) {
		fflush(stdout);
		fprintf(stderr, "%s: %s\n", ct->ctid, msg ? msg : "vxd gave no reason");
	}
}

/* tmpl's fields and "ct": every request of a batch has the same options. */
static int build_request(const struct batch *b, const char *ctid,
			 struct vx_msg *req)
{
	struct vx_field f;
	size_t off = 0;
	int ret = 0;

	vx_msg_init(req, b->cmd, VX_MSG_REQUEST);
	while (!ret && vx_field_next(b->tmpl->buf, b->tmpl->len, &off, &f) > 0) {
		int64_t v;

		if (f.type == VX_F_STR)
			ret = vx_msg_put_str(req, f.key, f.val);
		else if (f.type == VX_F_INT && f.len == sizeof(v)) {
			memcpy(&v, f.val, sizeof(v));
			ret = vx_msg_put_int(req, f.key, v);
		}
	}
	return ret ? ret : vx_msg_put_str(req, "ct", ctid);
}

/* Sends CT i's request on fd (or a new connection when fd < 0) and adds
 * it to the poll set; a failure finishes the CT at once. */
static void send_one(struct batch *b, int i, int fd)
{
	struct batch_ct *ct = &b->cts[i];
	struct vx_msg req;
	char msg[256];
	int ret;

	if (fd < 0)
		fd = vzctl_reconnect();
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "vxd not reachable: %s; nothing was done for this CT",
			 strerror(-fd));
		finish(ct, VX_E_NO_DAEMON, msg);
		return;
	}
	ret = build_request(b, ct->ctid, &req);
	if (!ret)
		ret = vx_msg_send(fd, &req, NULL, 0);
	vx_msg_release(&req);
	if (ret < 0) {
		snprintf(msg, sizeof(msg), "sending the request to vxd: %s",
			 strerror(-ret));
		finish(ct, VX_E_NO_DAEMON, msg);
		close(fd);
		return;
	}
	b->pfd[b->active] = (struct pollfd){ .fd = fd, .events = POLLIN };
	b->slot_ct[b->active] = i;
	b->active++;
}

/* Reads one message on slot s; returns true when the CT is done (the
 * slot is then free). */
static bool receive_one(struct batch *b, int s)
{
	struct batch_ct *ct = &b->cts[b->slot_ct[s]];
	struct vx_msg m;
	char msg[256];
	int64_t code = VX_E_PROTOCOL;
	int ret = vx_msg_recv(b->pfd[s].fd, &m, NULL);

	if (ret < 0) {
		snprintf(msg, sizeof(msg), "no answer from vxd to %s: %s; see vxd.log",
			 vxd_cmd_name(b->cmd),
			 ret == -ECONNRESET ? "connection closed" : strerror(-ret));
		finish(ct, VX_E_PROTOCOL, msg);
		vx_msg_release(&m);
		return true;
	}
	print_info(ct->ctid, &m);
	if (m.kind != VX_MSG_RESPONSE) {
		vx_msg_release(&m);
		return false;
	}
	vx_msg_get_int(&m, "exit", &code);
	finish(ct, (int)code, vx_msg_get_str(&m, "message"));
	vx_msg_release(&m);
	return true;
}

static void print_json(const struct batch_ct *cts, int n)
{
	printf("[");
	for (int i = 0; i < n; i++) {
		const char *p = cts[i].ctid;

		printf("%s{\"ctid\":", i ? "," : "");
		p += strspn(p, "0123456789");
		if (!*p && *cts[i].ctid != '0')
			printf("%s", cts[i].ctid);
		else
			vzctl_json_string(stdout, cts[i].ctid);
		printf(",\"ok\":%s,\"exit\":%d", cts[i].code ? "false" : "true",
		       cts[i].code);
		if (cts[i].code) {
			printf(",\"error\":");
			vzctl_json_string(stdout, cts[i].error);
		}
		printf("}");
	}
	printf("]\n");
	fflush(stdout);
}

int vzctl_batch(unsigned int cmd, const char *const *ctids, int n,
		const struct vx_msg *tmpl)
{
	struct batch b = { .cmd = cmd, .tmpl = tmpl };
	int next = 0, ret = 0, fd;

	/* The first connection starts vxd if needed and reports a vxd that
	 * cannot be reached, once, before any CT is touched. */
	fd = vzctl_connect();
	if (fd < 0)
		return -fd;
	b.cts = calloc(n, sizeof(*b.cts));
	if (!b.cts) {
		close(fd);
		return vzctl_fail(VX_E_SYSTEM, "vzctl: out of memory for %d CTs", n);
	}
	for (int i = 0; i < n; i++)
		b.cts[i].ctid = ctids[i];
	while (next < n || b.active) {
		while (b.active < VZCTL_BATCH_PARALLEL && next < n) {
			send_one(&b, next++, fd);
			fd = -1;
		}
		if (!b.active)
			continue;
		if (poll(b.pfd, b.active, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = vzctl_fail(VX_E_SYSTEM, "vzctl: poll: %s", strerror(errno));
			break;
		}
		/* Backwards, so moving the last slot into a freed one does
		 * not skip an unvisited slot. */
		for (int s = b.active - 1; s >= 0; s--) {
			if (!b.pfd[s].revents || !receive_one(&b, s))
				continue;
			close(b.pfd[s].fd);
			b.active--;
			b.pfd[s] = b.pfd[b.active];
			b.slot_ct[s] = b.slot_ct[b.active];
		}
	}
	if (!ret) {
		if (vzctl.json)
			print_json(b.cts, n);
		for (int i = 0; i < n && !ret; i++)
			ret = b.cts[i].code;
	}
	for (int i = 0; i < n; i++)
		free(b.cts[i].error);
	free(b.cts);
	return ret;
}
