// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Unit tests for the vxd wire protocol (proto.c): field encoding, nested
 * lists, repeated keys, fd passing, and that malformed input is refused with
 * -EBADMSG instead of being read out of bounds (ASan would catch the latter).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proto.h"
#include "unit.h"

static void roundtrip_fields(void)
{
	struct vx_msg m, sub, got;
	int sv[2];
	int64_t v = 0;
	size_t off = 0, n_argv = 0;
	struct vx_field f;
	const char *rows;
	size_t rows_len = 0;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	vx_msg_init(&m, VXD_CMD_EXEC, VX_MSG_REQUEST);
	CHECK(vx_msg_put_str(&m, "ctid", "101") == 0);
	CHECK(vx_msg_put_str(&m, "argv", "sh") == 0);
	CHECK(vx_msg_put_str(&m, "argv", "-c") == 0);
	CHECK(vx_msg_put_str(&m, "argv", "") == 0);
	CHECK(vx_msg_put_int(&m, "big", INT64_MIN) == 0);
	vx_msg_init(&sub, 0, 0);
	CHECK(vx_msg_put_int(&sub, "held", 42) == 0);
	CHECK(vx_msg_put_nest(&m, "row", &sub) == 0);
	vx_msg_release(&sub);
	CHECK(vx_msg_send(sv[0], &m, NULL, 0) == 0);
	vx_msg_release(&m);

	CHECK(vx_msg_recv(sv[1], &got, NULL) == 0);
	CHECK(got.cmd == VXD_CMD_EXEC && got.kind == VX_MSG_REQUEST);
	CHECK_STR(vx_msg_get_str(&got, "ctid"), "101");
	CHECK(vx_msg_get_int(&got, "big", &v) && v == INT64_MIN);
	/* A string key asked for as an int (and vice versa) is absent. */
	CHECK(!vx_msg_get_int(&got, "ctid", &v));
	CHECK(!vx_msg_get_str(&got, "big"));
	CHECK(!vx_msg_get_str(&got, "nope"));
	while (vx_field_next(got.buf, got.len, &off, &f) == 1) {
		if (!strcmp(f.key, "argv"))
			n_argv++;
		if (!strcmp(f.key, "row")) {
			rows = f.val;
			rows_len = f.len;
			CHECK(f.type == VX_F_NEST);
			CHECK(vx_fields_get_int(rows, rows_len, "held", &v) &&
			      v == 42);
		}
	}
	CHECK(n_argv == 3);
	CHECK(rows_len > 0);
	vx_msg_release(&got);
	close(sv[0]);
	close(sv[1]);
}

static void result_and_eof(void)
{
	struct vx_msg m, got;
	int64_t code = -1;
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	vx_msg_init(&m, VXD_CMD_START, VX_MSG_RESPONSE);
	CHECK(vx_msg_set_result(&m, 32, "ct 101 is already running") == 0);
	CHECK(vx_msg_send(sv[0], &m, NULL, 0) == 0);
	vx_msg_release(&m);
	close(sv[0]);
	CHECK(vx_msg_recv(sv[1], &got, NULL) == 0);
	CHECK(vx_msg_get_int(&got, "exit", &code) && code == 32);
	CHECK_STR(vx_msg_get_str(&got, "message"), "ct 101 is already running");
	vx_msg_release(&got);
	/* The peer is gone: a clean EOF, not garbage. */
	CHECK(vx_msg_recv(sv[1], &got, NULL) == -ECONNRESET);
	close(sv[1]);
}

static void fd_passing(void)
{
	struct vx_msg m, got;
	struct stat a, b;
	int sv[2], fd;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	CHECK(fd >= 0);
	vx_msg_init(&m, VXD_CMD_EXEC, VX_MSG_REQUEST);
	CHECK(vx_msg_send(sv[0], &m, &fd, 1) == 0);
	vx_msg_release(&m);
	CHECK(vx_msg_recv(sv[1], &got, NULL) == 0);
	CHECK(got.nfds == 1);
	CHECK(fstat(fd, &a) == 0 && got.nfds == 1 &&
	      fstat(got.fds[0], &b) == 0 && a.st_rdev == b.st_rdev &&
	      a.st_ino == b.st_ino);
	/* release closes received fds: the descriptor must be gone after. */
	{
		int kept = got.fds[0];

		vx_msg_release(&got);
		CHECK(fcntl(kept, F_GETFD) < 0 && errno == EBADF);
	}
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

/* Writes raw bytes as a message would arrive and expects -EBADMSG. */
static int recv_raw(const void *p, size_t len)
{
	struct vx_msg got;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	if (write(sv[0], p, len) != (ssize_t)len)
		return -EIO;
	close(sv[0]);
	ret = vx_msg_recv(sv[1], &got, NULL);
	if (!ret)
		vx_msg_release(&got);
	close(sv[1]);
	return ret;
}

static void malformed(void)
{
	struct {
		uint32_t magic, len;
		uint16_t cmd, kind;
	} __attribute__((packed)) hdr = { 0x12345678, 0, 1, 1 };
	char buf[64];
	struct vx_field f;
	size_t off = 0;

	/* Wrong magic. */
	CHECK(recv_raw(&hdr, sizeof(hdr)) == -EBADMSG);
	/* Payload length beyond the limit: refused before allocating it. */
	hdr.magic = VX_PROTO_MAGIC;
	hdr.len = VX_PROTO_MAX_PAYLOAD + 1;
	CHECK(recv_raw(&hdr, sizeof(hdr)) == -EBADMSG);
	/* Header promises more than arrives: truncated. */
	hdr.len = 32;
	CHECK(recv_raw(&hdr, sizeof(hdr)) < 0);

	/* Field lists: a value length pointing past the buffer. */
	memset(buf, 0, sizeof(buf));
	buf[0] = VX_F_STR;
	buf[1] = 1;			/* key length */
	buf[2] = (char)0xff;		/* value length 0x000000ff */
	CHECK(vx_field_next(buf, 16, &off, &f) == -EBADMSG);
	/* A string value without its NUL. */
	off = 0;
	memset(buf, 0, sizeof(buf));
	buf[0] = VX_F_STR;
	buf[1] = 1;
	buf[2] = 2;			/* value length 2 */
	memcpy(buf + 6, "k\0ab", 4);	/* key "k", value "ab" unterminated */
	CHECK(vx_field_next(buf, 10, &off, &f) == -EBADMSG);
	/* An empty list simply ends. */
	off = 0;
	CHECK(vx_field_next(buf, 0, &off, &f) == 0);
}

static void names(void)
{
	CHECK_STR(vxd_cmd_name(VXD_CMD_CREATE), "create");
	CHECK_STR(vxd_cmd_name(VXD_CMD_LIST), "list");
	/* Out-of-range numbers must not index past the table. */
	CHECK(vxd_cmd_name(0) != NULL);
	CHECK(vxd_cmd_name(60000) != NULL);
}

int main(void)
{
	RUN(roundtrip_fields);
	RUN(result_and_eof);
	RUN(fd_passing);
	RUN(malformed);
	RUN(names);
	UNIT_EXIT();
}
