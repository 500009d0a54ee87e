// SPDX-License-Identifier: LGPL-2.1-or-later
/* Unit tests for the runtime's parsers: CAPABILITY, STOP_SIGNAL, the
 * device allowlist and the cgroup controller lookup. */
#include <errno.h>
#include <signal.h>
#include <linux/capability.h>

#include "caps.h"
#include "cleanup.h"
#include "cgroup.h"
#include "run.h"
#include "unit.h"

#define C(x) (1ULL << (x))

static void caps_default(void)
{
	uint64_t d = vx_caps_default(), m = 0;

	/* never in a CT */
	CHECK(!(d & C(CAP_SYS_MODULE)) && !(d & C(CAP_SYS_RAWIO)));
	CHECK(!(d & C(CAP_SYS_TIME)) && !(d & C(CAP_MAC_ADMIN)));
	CHECK(!(d & C(CAP_MAC_OVERRIDE)) && !(d & C(CAP_SYS_ADMIN)));
	/* what a VPS needs */
	CHECK((d & C(CAP_CHOWN)) && (d & C(CAP_NET_ADMIN)));
	CHECK((d & C(CAP_SYS_BOOT)) && (d & C(CAP_KILL)));
	CHECK(vx_caps_parse(NULL, &m, NULL) == 0 && m == d);
	CHECK(vx_caps_parse("", &m, NULL) == 0 && m == d);
}

static void caps_openvz_syntax(void)
{
	uint64_t d = vx_caps_default(), m = 0;

	CHECK(vx_caps_parse("net_admin:off", &m, NULL) == 0);
	CHECK(m == (d & ~C(CAP_NET_ADMIN)));
	CHECK(vx_caps_parse("NET_ADMIN:OFF sys_admin:on", &m, NULL) == 0);
	CHECK(m == ((d & ~C(CAP_NET_ADMIN)) | C(CAP_SYS_ADMIN)));
	CHECK(vx_caps_parse("cap_syslog:on, chown:off", &m, NULL) == 0);
	CHECK(m == ((d | C(CAP_SYSLOG)) & ~C(CAP_CHOWN)));
	/* turning a forbidden one off is fine */
	CHECK(vx_caps_parse("sys_time:off", &m, NULL) == 0 && m == d);
}

static void caps_refused(void)
{
	static const char *const never[] = { "sys_module:on", "sys_rawio:on",
					     "sys_time:on", "mac_admin:on",
					     "mac_override:on" };
	struct vx_error *err = NULL;
	uint64_t m = 0;

	for (size_t i = 0; i < ARRAY_SIZE(never); i++) {
		CHECK(vx_caps_parse(never[i], &m, &err) < 0);
		CHECK(err && err->code == VX_E_CAP);
		CHECK_MSG(err, "cannot be given");
		vx_error_free(err);
		err = NULL;
	}
	CHECK(vx_caps_parse("no_such_cap:on", &m, &err) < 0);
	CHECK(err && err->code == VX_E_INVAL_VALUE);
	CHECK_MSG(err, "no_such_cap");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_caps_parse("net_admin", &m, &err) < 0);
	CHECK_MSG(err, "NAME:on");
	vx_error_free(err);
	err = NULL;
	CHECK(vx_caps_parse("net_admin:maybe", &m, &err) < 0);
	vx_error_free(err);
}

static void signals(void)
{
	int s = 0;

	CHECK(vx_signal_parse("USR2", &s) == 0 && s == SIGUSR2);
	CHECK(vx_signal_parse("SIGTERM", &s) == 0 && s == SIGTERM);
	CHECK(vx_signal_parse("sigpwr", &s) == 0 && s == SIGPWR);
	CHECK(vx_signal_parse("RTMIN+4", &s) == 0 && s == SIGRTMIN + 4);
	CHECK(vx_signal_parse("SIGRTMIN", &s) == 0 && s == SIGRTMIN);
	CHECK(vx_signal_parse("RTMAX-1", &s) == 0 && s == SIGRTMAX - 1);
	CHECK(vx_signal_parse("12", &s) == 0 && s == 12);
	CHECK(vx_signal_parse("", &s) == -EINVAL);
	CHECK(vx_signal_parse("FOO", &s) == -EINVAL);
	CHECK(vx_signal_parse("0", &s) == -EINVAL);
	CHECK(vx_signal_parse("65", &s) == -EINVAL);
	CHECK(vx_signal_parse("RTMIN-1", &s) == -EINVAL);
	CHECK(vx_signal_parse("RTMAX+1", &s) == -EINVAL);
	CHECK(vx_signal_parse("RTMIN+99", &s) == -EINVAL);
}

static void device_allowlist(void)
{
	bool null = false, pts = false;

	for (size_t i = 0; i < vx_dev_allow_n; i++) {
		const struct vx_dev_rule *r = &vx_dev_allow[i];

		/* no block device may ever be readable or writable */
		if (r->type == 'b')
			CHECK(!strchr(r->access, 'r') && !strchr(r->access, 'w'));
		/* nor /dev/mem, /dev/kmem, /dev/port (1:1, 1:2, 1:4) */
		if (r->type == 'c' && r->major == 1)
			CHECK(r->minor != 1 && r->minor != 2 && r->minor != 4);
		if (r->type == 'c' && r->major == 1 && r->minor == 3)
			null = true;
		if (r->type == 'c' && r->major == 136 && r->minor == -1)
			pts = true;
	}
	CHECK(null && pts);
}

static void controller_lookup(void)
{
	struct vx_cgroup_dir dirs[] = {
		{ .path = "/a", .ctrls = "cpu,cpuacct" },
		{ .path = "/b", .ctrls = "name=systemd" },
		{ .path = "/c", .ctrls = "memory" },
	};
	struct vx_cgroup cg = { .ndirs = 3, .dirs = dirs };

	CHECK(vx_cgroup_find(&cg, "cpu") == &dirs[0]);
	CHECK(vx_cgroup_find(&cg, "cpuacct") == &dirs[0]);
	CHECK(vx_cgroup_find(&cg, "memory") == &dirs[2]);
	CHECK(vx_cgroup_find(&cg, "mem") == NULL);
	CHECK(vx_cgroup_find(&cg, "pids") == NULL);
	CHECK(vx_cgroup_find(&cg, "") == &dirs[0]);
}

int main(void)
{
	RUN(caps_default);
	RUN(caps_openvz_syntax);
	RUN(caps_refused);
	RUN(signals);
	RUN(device_allowlist);
	RUN(controller_lookup);
	UNIT_EXIT();
}
