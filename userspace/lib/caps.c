// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Capability bounding set of a CT.
 *
 * A CT runs as real root in the host's user namespace (as in OpenVZ), so a
 * capability left in its bounding set is that capability on the host,
 * limited only by what the CT's namespaces scope. OpenVZ could grant
 * sys_admin and net_admin because its kernel virtualized them (VE_ADMIN);
 * mainline does not, so:
 *   - net_admin is on: it acts on the CT's own network namespace only.
 *   - sys_admin is off by default: with it a CT could mount a fresh procfs
 *     or sysfs read-write (bypassing our read-only /proc/sys and masks),
 *     use the mount API on host block devices, etc. A hoster may turn it on
 *     per CT knowing the CT then trusts as much as the host.
 *   - never: sys_module (kernel code), sys_rawio (I/O ports, /dev/mem),
 *     sys_time (the clock is global), mac_admin/mac_override (LSM policy).
 *   - off by default, allowed with :on: sys_pacct (accounting file is
 *     global), syslog (host kernel log), audit_control, wake_alarm,
 *     block_suspend, perfmon, bpf, checkpoint_restore, audit_read.
 *   - sys_boot is on: in a pid namespace reboot(2) only signals the CT's
 *     init (SIGHUP = reboot, SIGINT = halt), which the monitor handles.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/capability.h>
#include <linux/capability.h>

#include "caps.h"
#include "cleanup.h"

#define C(x) (1ULL << (x))

static const uint64_t caps_never = C(CAP_SYS_MODULE) | C(CAP_SYS_RAWIO) |
	C(CAP_SYS_TIME) | C(CAP_MAC_ADMIN) | C(CAP_MAC_OVERRIDE);

uint64_t vx_caps_default(void)
{
	return C(CAP_CHOWN) | C(CAP_DAC_OVERRIDE) | C(CAP_DAC_READ_SEARCH) |
	       C(CAP_FOWNER) | C(CAP_FSETID) | C(CAP_KILL) | C(CAP_SETGID) |
	       C(CAP_SETUID) | C(CAP_SETPCAP) | C(CAP_LINUX_IMMUTABLE) |
	       C(CAP_NET_BIND_SERVICE) | C(CAP_NET_BROADCAST) |
	       C(CAP_NET_ADMIN) | C(CAP_NET_RAW) | C(CAP_IPC_LOCK) |
	       C(CAP_IPC_OWNER) | C(CAP_SYS_CHROOT) | C(CAP_SYS_PTRACE) |
	       C(CAP_SYS_BOOT) | C(CAP_SYS_NICE) | C(CAP_SYS_RESOURCE) |
	       C(CAP_SYS_TTY_CONFIG) | C(CAP_MKNOD) | C(CAP_LEASE) |
	       C(CAP_AUDIT_WRITE) | C(CAP_SETFCAP);
}

static int cap_by_name(const char *name, int *cap)
{
	cleanup_free char *full = NULL;
	cap_value_t v;

	if (asprintf(&full, "%s%s", strncasecmp(name, "cap_", 4) ? "cap_" : "",
		     name) < 0)
		return -ENOMEM;
	for (char *p = full; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	if (cap_from_name(full, &v) < 0 || v < 0 || v > 63)
		return -EINVAL;
	*cap = v;
	return 0;
}

int vx_caps_parse(const char *spec, uint64_t *mask, struct vx_error **err)
{
	cleanup_free char *copy = spec ? strdup(spec) : NULL;
	uint64_t m = vx_caps_default();
	char *save = NULL;

	if (spec && !copy)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "CAPABILITY");
	for (char *tok = copy ? strtok_r(copy, " \t,", &save) : NULL; tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		char *colon = strchr(tok, ':');
		bool on;
		int cap;

		if (!colon || (strcasecmp(colon + 1, "on") &&
			       strcasecmp(colon + 1, "off")))
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "CAPABILITY: bad item \"%s\": use "
					    "NAME:on or NAME:off, e.g. "
					    "\"net_admin:on\"", tok);
		on = !strcasecmp(colon + 1, "on");
		*colon = '\0';
		if (cap_by_name(tok, &cap) < 0)
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "CAPABILITY: unknown capability "
					    "\"%s\" (see capabilities(7), "
					    "without the cap_ prefix)", tok);
		if (on && (caps_never & C(cap)))
			return vx_error_set(err, VX_E_CAP, 0,
					    "CAPABILITY: %s cannot be given to "
					    "a CT: it acts on the whole host, "
					    "not on the CT", tok);
		if (on)
			m |= C(cap);
		else
			m &= ~C(cap);
	}
	*mask = m;
	return 0;
}

int vx_caps_apply(uint64_t mask, struct vx_error **err)
{
	cap_t caps;
	int last = (int)cap_max_bits() - 1;
	int ret = 0;

	/* Bounding set first: once a capability leaves it, no execve of a
	 * setuid/file-capability binary can bring it back. */
	for (int c = 0; c <= last; c++) {
		if (c < 64 && (mask & C(c)))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return vx_error_set(err, VX_E_CAP, errno,
					    "drop capability %d from the "
					    "bounding set", c);
	}
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);

	/* Then make the process's own sets a subset of the bounding set, so
	 * init does not keep (and pass on) what its children cannot get. */
	caps = cap_get_proc();
	if (!caps)
		return vx_error_set(err, VX_E_CAP, errno, "cap_get_proc");
	for (int c = 0; c <= last; c++) {
		cap_value_t v = c;

		if (c < 64 && (mask & C(c)))
			continue;
		cap_set_flag(caps, CAP_EFFECTIVE, 1, &v, CAP_CLEAR);
		cap_set_flag(caps, CAP_PERMITTED, 1, &v, CAP_CLEAR);
		cap_set_flag(caps, CAP_INHERITABLE, 1, &v, CAP_CLEAR);
	}
	if (cap_set_proc(caps) < 0)
		ret = vx_error_set(err, VX_E_CAP, errno, "cap_set_proc");
	cap_free(caps);
	return ret;
}
