// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd wire protocol: encoding, decoding and fd passing (see proto.h and
 * docs/protocol.md). Messages go over a SOCK_STREAM unix socket, so framing
 * is ours: the header is received with recvmsg() (which also collects the
 * SCM_RIGHTS fds and SCM_CREDENTIALS attached to the first byte), then the
 * payload is read to its announced length.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "proto.h"

struct vx_wire_hdr {
	uint32_t magic;
	uint32_t len;
	uint16_t cmd;
	uint16_t kind;
};

#define FIELD_HDR 6	/* u8 type, u8 key length, u32 value length */

/* Names for logs and error messages only; the number is what goes on the
 * wire. Indexed by command number, like lxc's cmdname table. */
static const char *const cmd_names[VXD_CMD_MAX] = {
	[VXD_CMD_HELLO] = "hello",
	[VXD_CMD_CREATE] = "create",
	[VXD_CMD_DESTROY] = "destroy",
	[VXD_CMD_START] = "start",
	[VXD_CMD_STOP] = "stop",
	[VXD_CMD_RESTART] = "restart",
	[VXD_CMD_MOUNT] = "mount",
	[VXD_CMD_UMOUNT] = "umount",
	[VXD_CMD_STATUS] = "status",
	[VXD_CMD_EXEC] = "exec",
	[VXD_CMD_ENTER] = "enter",
	[VXD_CMD_SET] = "set",
	[VXD_CMD_LIST] = "list",
	[VXD_CMD_SUSPEND] = "suspend",
	[VXD_CMD_RESUME] = "resume",
};

const char *vxd_cmd_name(unsigned int cmd)
{
	if (cmd < VXD_CMD_MAX && cmd_names[cmd])
		return cmd_names[cmd];
	return "unknown";
}

void vx_msg_init(struct vx_msg *m, unsigned int cmd, unsigned int kind)
{
	memset(m, 0, sizeof(*m));
	m->cmd = cmd;
	m->kind = kind;
	for (int i = 0; i < VX_PROTO_MAX_FDS; i++)
		m->fds[i] = -1;
}

void vx_msg_release(struct vx_msg *m)
{
	free(m->buf);
	m->buf = NULL;
	m->len = m->cap = 0;
	for (int i = 0; i < m->nfds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->nfds = 0;
}

/*
 * Appends one field. The total is capped at VX_PROTO_MAX_PAYLOAD here too,
 * so a sender can never build a message its peer is bound to reject.
 * Growth doubles the buffer: a list of thousands of CTs is built in a few
 * reallocations.
 */
static int msg_put(struct vx_msg *m, char type, const char *key,
		   const void *val, size_t vlen)
{
	size_t klen = strlen(key) + 1;	/* keys carry their NUL too */
	size_t need = FIELD_HDR + klen + vlen;
	uint32_t l32 = vlen;
	char *p;

	if (klen < 2 || klen > 255 || vlen > VX_PROTO_MAX_PAYLOAD ||
	    m->len + need > VX_PROTO_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (m->len + need > m->cap) {
		size_t cap = m->cap ? m->cap : 256;

		while (cap < m->len + need)
			cap *= 2;
		p = realloc(m->buf, cap);
		if (!p)
			return -ENOMEM;
		m->buf = p;
		m->cap = cap;
	}
	p = m->buf + m->len;
	p[0] = type;
	p[1] = (char)klen;
	memcpy(p + 2, &l32, 4);
	memcpy(p + FIELD_HDR, key, klen);
	if (vlen)
		memcpy(p + FIELD_HDR + klen, val, vlen);
	m->len += need;
	return 0;
}

int vx_msg_put_str(struct vx_msg *m, const char *key, const char *val)
{
	if (!val)
		return 0;
	return msg_put(m, VX_F_STR, key, val, strlen(val) + 1);
}

int vx_msg_put_int(struct vx_msg *m, const char *key, int64_t val)
{
	return msg_put(m, VX_F_INT, key, &val, sizeof(val));
}

int vx_msg_put_nest(struct vx_msg *m, const char *key,
		    const struct vx_msg *sub)
{
	return msg_put(m, VX_F_NEST, key, sub->buf, sub->len);
}

/*
 * Every length is checked against what is left of the buffer before it is
 * used, in an order that cannot overflow (subtractions only after the
 * comparisons that make them non-negative): the buffer may come from a
 * confused or hostile peer.
 */
int vx_field_next(const char *buf, size_t len, size_t *off,
		  struct vx_field *f)
{
	size_t o = *off, klen;
	uint32_t vlen;

	if (o == len)
		return 0;
	if (len - o < FIELD_HDR)
		return -EBADMSG;
	klen = (unsigned char)buf[o + 1];
	memcpy(&vlen, buf + o + 2, 4);
	if (klen < 2 || len - o - FIELD_HDR < klen ||
	    len - o - FIELD_HDR - klen < vlen ||
	    buf[o + FIELD_HDR + klen - 1] != '\0')
		return -EBADMSG;
	f->type = buf[o];
	f->key = buf + o + FIELD_HDR;
	f->val = buf + o + FIELD_HDR + klen;
	f->len = vlen;
	switch (f->type) {
	case VX_F_STR:
		if (vlen == 0 || f->val[vlen - 1] != '\0')
			return -EBADMSG;
		break;
	case VX_F_INT:
		if (vlen != sizeof(int64_t))
			return -EBADMSG;
		break;
	case VX_F_NEST:
		break;
	default:
		return -EBADMSG;
	}
	*off = o + FIELD_HDR + klen + vlen;
	return 1;
}

const char *vx_fields_get_str(const char *buf, size_t len, const char *key)
{
	struct vx_field f;
	size_t off = 0;

	while (vx_field_next(buf, len, &off, &f) > 0)
		if (f.type == VX_F_STR && !strcmp(f.key, key))
			return f.val;
	return NULL;
}

bool vx_fields_get_int(const char *buf, size_t len, const char *key,
		       int64_t *val)
{
	struct vx_field f;
	size_t off = 0;

	while (vx_field_next(buf, len, &off, &f) > 0) {
		if (f.type == VX_F_INT && !strcmp(f.key, key)) {
			memcpy(val, f.val, sizeof(*val));
			return true;
		}
	}
	return false;
}

const char *vx_msg_get_str(const struct vx_msg *m, const char *key)
{
	return vx_fields_get_str(m->buf, m->len, key);
}

bool vx_msg_get_int(const struct vx_msg *m, const char *key, int64_t *val)
{
	return vx_fields_get_int(m->buf, m->len, key, val);
}

int vx_msg_set_result(struct vx_msg *m, int exit_code, const char *message)
{
	int ret = vx_msg_put_int(m, "exit", exit_code);

	if (!ret && message)
		ret = vx_msg_put_str(m, "message", message);
	return ret;
}

/* MSG_NOSIGNAL: a vanished peer is an -EPIPE to handle, not a SIGPIPE
 * that kills vxd's worker or vzctl mid-way. */
static int write_all(int sock, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(sock, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int vx_msg_send(int sock, const struct vx_msg *m, const int *fds, int nfds)
{
	struct vx_wire_hdr h = {
		.magic = VX_PROTO_MAGIC, .len = m->len,
		.cmd = m->cmd, .kind = m->kind,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * VX_PROTO_MAX_FDS)];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (nfds < 0 || nfds > VX_PROTO_MAX_FDS)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *c;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	/* The header goes alone with the fds so the receiver's recvmsg of
	 * exactly sizeof(header) bytes is sure to pick the fds up. */
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(h)) {
		int ret = write_all(sock, (char *)&h + n, sizeof(h) - n);

		if (ret)
			return ret;
	}
	return write_all(sock, m->buf, m->len);
}

static int read_all(int sock, char *p, size_t len)
{
	while (len) {
		ssize_t n = recv(sock, p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EBADMSG;	/* truncated message */
		p += n;
		len -= n;
	}
	return 0;
}

static void take_cmsgs(struct msghdr *mh, struct vx_msg *m, struct ucred *cred)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[16];

			if (n > 16)
				n = 16;
			memcpy(fds, CMSG_DATA(c), n * sizeof(int));
			/* Keep what fits, close the rest so a confused or
			 * hostile peer cannot make us leak fds. */
			for (int i = 0; i < n; i++) {
				if (m->nfds < VX_PROTO_MAX_FDS)
					m->fds[m->nfds++] = fds[i];
				else
					close(fds[i]);
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS && cred) {
			memcpy(cred, CMSG_DATA(c), sizeof(*cred));
		}
	}
}

static int msg_recv(int sock, struct vx_msg *m, struct ucred *cred)
{
	struct vx_wire_hdr h;
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16) +
			 CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = &h, .iov_len = sizeof(h) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;
	int ret;

	vx_msg_init(m, 0, 0);
	if (cred) {
		cred->pid = 0;
		cred->uid = (uid_t)-1;
		cred->gid = (gid_t)-1;
	}
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	take_cmsgs(&mh, m, cred);
	if ((size_t)n < sizeof(h)) {
		ret = read_all(sock, (char *)&h + n, sizeof(h) - n);
		if (ret)
			return ret;
	}
	/* Checked before allocating: a bogus length must not make us
	 * allocate (or wait for) gigabytes. */
	if (h.magic != VX_PROTO_MAGIC || h.len > VX_PROTO_MAX_PAYLOAD)
		return -EBADMSG;
	m->cmd = h.cmd;
	m->kind = h.kind;
	if (h.len) {
		m->buf = malloc(h.len);
		if (!m->buf)
			return -ENOMEM;
		m->cap = m->len = h.len;
		ret = read_all(sock, m->buf, h.len);
		if (ret)
			return ret;
	}
	/* Validate the whole field list once, so getters can trust it. */
	{
		struct vx_field f;
		size_t off = 0;

		while ((ret = vx_field_next(m->buf, m->len, &off, &f)) > 0)
			;
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* On failure nothing stays owned by m: a half-read buffer and any fds that
 * arrived with a bad header are released here, so callers need no cleanup
 * on the error path (the unit test checks this under LeakSanitizer). */
int vx_msg_recv(int sock, struct vx_msg *m, struct ucred *cred)
{
	int ret = msg_recv(sock, m, cred);

	if (ret) {
		vx_msg_release(m);
		vx_msg_init(m, 0, 0);
	}
	return ret;
}

/* The one-byte, one-fd message of vx_fd_send/recv. */
struct fd_carrier {
	char byte;
	struct iovec iov;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg;
};

static struct msghdr *fd_carrier_init(struct fd_carrier *k)
{
	k->byte = 'F';
	k->iov = (struct iovec){ .iov_base = &k->byte, .iov_len = 1 };
	k->msg = (struct msghdr){
		.msg_iov = &k->iov, .msg_iovlen = 1,
		.msg_control = k->u.buf, .msg_controllen = sizeof(k->u.buf),
	};
	return &k->msg;
}

int vx_fd_send(int sock, int fd)
{
	struct fd_carrier k;
	struct msghdr *msg = fd_carrier_init(&k);
	struct cmsghdr *c = CMSG_FIRSTHDR(msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, msg, MSG_NOSIGNAL) == 1 ? 0 : -errno;
}

int vx_fd_recv(int sock)
{
	struct fd_carrier k;
	struct msghdr *msg = fd_carrier_init(&k);
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, msg, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}
