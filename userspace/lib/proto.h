/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vxd wire protocol, shared by vxd and vzctl (docs/protocol.md).
 *
 * One connection carries one transaction, as in lxc's commands.c: the client
 * sends one request, vxd answers with zero or more interim messages (e.g. the
 * pty master of `enter`) and exactly one final response. Every message is a
 * fixed header followed by typed, named fields:
 *
 *   header:  u32 magic "VXP1" | u32 payload length | u16 cmd | u16 kind
 *   field:   u8 type | u8 key length | u32 value length | key\0 | value
 *
 * Integers are native-endian: the socket is local. Strings carry their NUL so
 * a decoder can hand out pointers into the buffer. A key may repeat (argv, one
 * list row per CT); a nested field holds a whole field list. File descriptors
 * ride along with the header as SCM_RIGHTS. Command numbers are ABI: a
 * shipped number never changes meaning; new behaviour gets a new number.
 * Unknown keys are ignored by both sides, so fields can be added freely.
 */
#ifndef VX_PROTO_H
#define VX_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "error.h"

#define VX_PROTO_MAGIC		0x31505856u	/* "VXP1" little-endian */
#define VX_PROTO_VERSION	1
#define VX_PROTO_MAX_PAYLOAD	(16u << 20)
#define VX_PROTO_MAX_FDS	3

/* Numbered commands. Never renumber or reuse a number; only append. */
enum vxd_cmd {
	VXD_CMD_HELLO = 1,	/* version handshake; answers "version" */
	VXD_CMD_CREATE = 2,
	VXD_CMD_DESTROY = 3,
	VXD_CMD_START = 4,
	VXD_CMD_STOP = 5,
	VXD_CMD_RESTART = 6,
	VXD_CMD_MOUNT = 7,
	VXD_CMD_UMOUNT = 8,
	VXD_CMD_STATUS = 9,
	VXD_CMD_EXEC = 10,	/* fds: stdin, stdout, stderr */
	VXD_CMD_ENTER = 11,	/* interim reply carries the pty master */
	VXD_CMD_SET = 12,
	VXD_CMD_LIST = 13,
	VXD_CMD_SUSPEND = 14,	/* checkpoint to disk and stop */
	VXD_CMD_RESUME = 15,	/* restore from the dump */
	VXD_CMD_MAX,		/* keep last */
};

enum vx_msg_kind {
	VX_MSG_REQUEST = 1,
	VX_MSG_RESPONSE = 2,	/* final: has "exit" and "message" */
	VX_MSG_INTERIM = 3,	/* more follows (fd hand-off, progress) */
};

enum vx_field_type {
	VX_F_STR = 's',
	VX_F_INT = 'i',		/* int64 */
	VX_F_NEST = 'n',	/* a field list */
};

struct vx_msg {
	uint16_t cmd;
	uint16_t kind;
	char *buf;		/* encoded fields */
	size_t len, cap;
	int fds[VX_PROTO_MAX_FDS];
	int nfds;		/* received fds are owned by the msg */
};

struct vx_field {
	char type;
	const char *key;
	const char *val;	/* for VX_F_STR: NUL-terminated */
	uint32_t len;
};

const char *vxd_cmd_name(unsigned int cmd);

void vx_msg_init(struct vx_msg *m, unsigned int cmd, unsigned int kind);
/* Frees the buffer and closes any fds the message owns. */
void vx_msg_release(struct vx_msg *m);

int vx_msg_put_str(struct vx_msg *m, const char *key, const char *val);
int vx_msg_put_int(struct vx_msg *m, const char *key, int64_t val);
int vx_msg_put_nest(struct vx_msg *m, const char *key,
		    const struct vx_msg *sub);

/*
 * Iterates over fields: *off starts at 0. Returns 1 with *f filled, 0 at the
 * end, -EBADMSG on a malformed buffer. Works on a nested value too.
 */
int vx_field_next(const char *buf, size_t len, size_t *off,
		  struct vx_field *f);

/* First field with key, NULL/false if absent or of another type. */
const char *vx_msg_get_str(const struct vx_msg *m, const char *key);
bool vx_msg_get_int(const struct vx_msg *m, const char *key, int64_t *val);
/* Same on a raw field list (e.g. a nested value). */
const char *vx_fields_get_str(const char *buf, size_t len, const char *key);
bool vx_fields_get_int(const char *buf, size_t len, const char *key,
		       int64_t *val);

/*
 * Sends m with nfds fds attached. Blocks until everything is written.
 * Returns 0 or a negative errno (-EPIPE when the peer went away).
 */
int vx_msg_send(int sock, const struct vx_msg *m, const int *fds, int nfds);
/*
 * Receives one message into m (initialised by this call). Received fds are
 * stored in m->fds. Returns 0, -ECONNRESET on a clean EOF before any byte,
 * -EBADMSG on garbage. If cred is non-NULL and the socket has SO_PASSCRED,
 * the sender's credentials of the header are stored there (else uid -1).
 */
struct ucred;
int vx_msg_recv(int sock, struct vx_msg *m, struct ucred *cred);

/*
 * One fd and one byte, outside the framed protocol: init hands its console
 * to the monitor this way before anything else is said between them.
 * send: 0 or a negative errno; recv: the fd (close-on-exec) or -1.
 */
int vx_fd_send(int sock, int fd);
int vx_fd_recv(int sock);

/* Final response helpers. */
int vx_msg_set_result(struct vx_msg *m, int exit_code, const char *message);

#endif /* VX_PROTO_H */
