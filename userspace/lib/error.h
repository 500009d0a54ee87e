/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Errors in libvx.
 *
 * A function that can fail takes `struct vx_error **err` last, returns a
 * negative errno (or NULL) and, on failure, stores a heap-allocated error in
 * *err. The error carries the vzctl exit code the failure maps to (OpenVZ's
 * numbers where OpenVZ has one: see docs/exit-codes.md), the errno, and a
 * message with context, e.g.
 *   "ct 101: mount overlay on /vz/root/101: No space left on device".
 * Callers going up add context with vx_error_prefix() ("outer: inner"). The
 * library never prints and never exits; only main() of vzctl/vxd prints.
 * err may be NULL when the caller does not care about the message.
 */
#ifndef VX_ERROR_H
#define VX_ERROR_H

#include <stdarg.h>

/* vzctl exit codes. Numbers are ABI: never renumber, only add. */
enum vx_exit {
	VX_OK = 0,
	VX_E_SETUBC = 1,	/* failed to set a beancounter */
	VX_E_SETFSHD = 2,	/* failed to set a CPU scheduler parameter */
	VX_E_SYSTEM = 3,	/* generic system error */
	VX_E_NOKERNEL = 5,	/* kernel lacks a required feature */
	VX_E_RESOURCE = 6,	/* not enough system resources */
	VX_E_EXEC = 8,		/* command run by `vzctl exec` failed */
	VX_E_LOCKED = 9,	/* CT locked by another operation */
	VX_E_GLOBAL_CONFIG = 10, /* vz.conf not found or unreadable */
	VX_E_PERM = 12,		/* permission denied */
	VX_E_CAP = 13,		/* capability setting failed */
	VX_E_NOCONFIG = 14,	/* CT config file not found */
	VX_E_TIMEOUT = 15,	/* timeout on vzctl exec */
	VX_E_CHKPNT = 16,	/* checkpoint failed */
	VX_E_RESTORE = 17,	/* restore failed */
	VX_E_INVAL_PARAM = 20,	/* invalid command line parameter */
	VX_E_INVAL_VALUE = 21,	/* invalid value for a parameter */
	VX_E_NO_VE_ROOT = 22,	/* VE_ROOT not set */
	VX_E_NO_VE_PRIVATE = 23, /* VE_PRIVATE not set */
	VX_E_NO_TEMPLATE_DIR = 24, /* TEMPLATE not set */
	VX_E_NO_OSTEMPLATE = 29, /* OS template not specified */
	VX_E_NOT_RUNNING = 31,	/* CT not running */
	VX_E_RUNNING = 32,	/* CT already running */
	VX_E_STOP = 33,		/* unable to stop CT */
	VX_E_NOT_MOUNTED = 40,	/* CT not mounted */
	VX_E_MOUNTED = 41,	/* CT already mounted */
	VX_E_NO_PRIVATE = 43,	/* private area not found */
	VX_E_PRIVATE_EXISTS = 44, /* private area already exists */
	VX_E_NO_DISKSPACE = 46,	/* not enough disk space */
	VX_E_BAD_CT = 47,	/* broken CT: no init or shell */
	VX_E_CREATE_PRIVATE = 48, /* unable to create private area */
	VX_E_CREATE_ROOT = 49,	/* unable to create root area */
	VX_E_MOUNT = 50,	/* unable to mount CT */
	VX_E_UMOUNT = 51,	/* unable to unmount CT */
	VX_E_DESTROY = 52,	/* unable to delete CT */
	VX_E_IP_INUSE = 78,	/* IP address in use by another CT */
	VX_E_SETDEV = 86,	/* error setting devices */
	VX_E_NO_OSTEMPLATE_FILE = 91, /* OS template not found */
	VX_E_START = 133,	/* waiting for CT start failed */
	VX_E_SAVE_CONFIG = 139,	/* error saving CT config file */
	/* vx's own codes start at 200; OpenVZ never used them. */
	VX_E_NO_DAEMON = 200,	/* vxd not reachable */
	VX_E_PROTOCOL = 201,	/* vxd and vzctl disagree on the protocol */
	VX_E_NOT_EXIST = 202,	/* CT does not exist */
	VX_E_CONFIG_PARSE = 203, /* a config file line cannot be parsed */
	VX_E_NO_CHKPNT = 204,	/* checkpointing cannot work on this host */
};

struct vx_error {
	int code;	/* enum vx_exit */
	int errnum;	/* errno, 0 if none */
	char *msg;	/* full message, never NULL */
};

/*
 * Sets *err (if err is non-NULL and *err is NULL) and returns -errnum, or -EIO
 * if errnum is 0, so a failing function can `return vx_error_set(...)`.
 * When errnum is non-zero, ": strerror(errnum)" is appended to the message.
 */
int vx_error_set(struct vx_error **err, int code, int errnum,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Prepends "context: " to an existing error. No-op if err or *err is NULL. */
void vx_error_prefix(struct vx_error **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void vx_error_free(struct vx_error *err);

static inline void vx_error_freep(struct vx_error **err)
{
	vx_error_free(*err);
}

#define cleanup_error __attribute__((cleanup(vx_error_freep)))

#endif /* VX_ERROR_H */
