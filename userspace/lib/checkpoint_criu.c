// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Running CRIU for checkpoint.c and checkpoint_restore.c, and finding out
 * whether it can work here at all (vx_criu_probe: installed? new enough
 * for this kernel? does `criu check` pass?).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "cleanup.h"
#include "config.h"

/* Lines CRIU logs as errors although it goes on: its probes for
 * iptables tools. Never the reason a dump or restore failed. */
static bool noise(const char *line)
{
	return strstr(line, "tables-save") ||
	       strstr(line, "tables-legacy-save") ||
	       strstr(line, "execvp(") || strstr(line, "exited, status=");
}

/* noise() on one line of a multi-line buffer */
static bool noise_upto_eol(const char *line)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(line, "\n"), line);
	return noise(buf);
}

int vx_criu_run(char *const argv[], const int *keep, int nkeep,
		const char *log, char *reason, size_t reason_len)
{
	int status, fd;
	pid_t pid;
	FILE *f;

	if (reason_len)
		reason[0] = '\0';
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		sigset_t none;

		/* callers (the monitor) block signals; CRIU must start clean */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int s = 1; s < NSIG; s++)
			signal(s, SIG_DFL);
		fd = open("/dev/null", O_RDWR);
		if (fd < 0)
			_exit(127);
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		/* keep[i] becomes fd 3 + i (--inherit-fd fd[3+i]:...);
		 * out of the way first, so no move clobbers another */
		for (int i = 0; i < nkeep; i++) {
			fd = fcntl(keep[i], F_DUPFD, 100);
			if (fd < 0 || dup2(fd, 3 + i) < 0)
				_exit(127);
		}
		close_range(3 + nkeep, ~0U, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	if (!log || !reason_len || (WIFEXITED(status) && !WEXITSTATUS(status)))
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
	/* CRIU's first "Error (file:line): ..." is the cause; later ones are
	 * consequences. */
	f = fopen(log, "re");
	if (f) {
		char line[512];

		while (fgets(line, sizeof(line), f)) {
			char *e = strstr(line, "Error (");

			if (!e || noise(e))
				continue;
			line[strcspn(line, "\n")] = '\0';
			snprintf(reason, reason_len, "%s", e);
			break;
		}
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

const char *vx_criu_netlock(void)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin",
					    "/bin" };
	char path[64];

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/iptables-restore", dirs[i]);
		if (access(path, X_OK) == 0)
			return "iptables";
	}
	return "nftables";
}

/* Output of `criu ARG` into buf (stdout and stderr); exit status or
 * -errno. */
static int criu_output(const char *arg, char *buf, size_t len)
{
	int p[2], status;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		dup2(p[1], 1);
		dup2(p[1], 2);
		execlp("criu", "criu", arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (n < len - 1 && (r = read(p[0], buf + n, len - 1 - n)) != 0) {
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0)
			n += r;
	}
	buf[n] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void version_parse(const char *v, int *maj, int *min)
{
	*maj = *min = 0;
	sscanf(v, "%d.%d", maj, min);
}

/*
 * CRIU dumps the conntrack table of every network namespace it sees, even
 * an external one, through ctnetlink, and fails with EINVAL ("-22 reported
 * by netlink") on a kernel built without CONFIG_NF_CT_NETLINK. Asks the
 * kernel the same question (a conntrack dump of our own namespace).
 */
static bool ctnetlink_present(void)
{
	struct {
		struct nlmsghdr h;
		struct nfgenmsg g;
	} req = {
		.h = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
				      IPCTNL_MSG_CT_GET,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 },
	};
	union {
		char buf[8192];
		struct nlmsghdr align;
	} u;
	struct nlmsghdr *h = &u.align;
	cleanup_close int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
				     NETLINK_NETFILTER);
	ssize_t r;

	if (s < 0)
		return false;
	if (send(s, &req, sizeof(req), 0) < 0)
		return false;
	r = recv(s, u.buf, sizeof(u.buf), 0);
	if (r < (ssize_t)sizeof(*h))
		return false;
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		return e->error != -EINVAL && e->error != -EOPNOTSUPP;
	}
	return true;
}

bool vx_criu_fits_kernel(const char *kernel, const char *criu)
{
	int kmaj, kmin, cmaj, cmin;

	version_parse(kernel, &kmaj, &kmin);
	version_parse(criu, &cmaj, &cmin);
	/* Linux 6.13 moved the vDSO data pages (vvar) around; CRIU before
	 * 4.1 fails on "Unexpected rt vDSO area bounds" at any dump. */
	return !((kmaj > 6 || (kmaj == 6 && kmin >= 13)) &&
		 (cmaj < 4 || (cmaj == 4 && cmin < 1)));
}

/* One line per boot: boot id, kernel, criu version. */
static char *probe_cache_key(const struct vx_criu_info *ci)
{
	char boot[64] = "";
	char *key = NULL;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");

	if (f) {
		if (!fgets(boot, sizeof(boot), f))
			boot[0] = '\0';
		fclose(f);
		boot[strcspn(boot, "\n")] = '\0';
	}
	if (asprintf(&key, "%s %s criu-%s\n", boot, ci->kernel,
		     ci->version) < 0)
		return NULL;
	return key;
}

int vx_criu_probe(const struct vx_global *g, struct vx_criu_info *ci,
		  struct vx_error **err)
{
	cleanup_free char *cache = NULL, *key = NULL;
	char out[8192], *v, *line;
	struct utsname u;
	int ret;

	memset(ci, 0, sizeof(*ci));
	uname(&u);
	snprintf(ci->kernel, sizeof(ci->kernel), "%.60s", u.release);
	ret = criu_output("--version", out, sizeof(out));
	if (ret == -ENOENT)
		return vx_error_set(err, VX_E_NO_CHKPNT, 0,
				    "checkpointing needs CRIU, which is not "
				    "installed (no criu in PATH); install it: "
				    "apt-get install criu");
	v = strstr(out, "Version:");
	if (ret != 0 || !v)
		return vx_error_set(err, VX_E_NO_CHKPNT, 0,
				    "`criu --version` failed (exit %d): %.200s",
				    ret, out);
	v += strlen("Version:");
	v += strspn(v, " \t");
	snprintf(ci->version, sizeof(ci->version), "%.*s",
		 (int)strcspn(v, " \t\n"), v);
	if (!vx_criu_fits_kernel(ci->kernel, ci->version))
		return vx_error_set(err, VX_E_NO_CHKPNT, 0,
				    "checkpointing cannot work on this host: "
				    "kernel %s (Linux >= 6.13 changed the vDSO "
				    "layout) needs CRIU >= 4.1, installed is "
				    "CRIU %s; install a newer criu",
				    ci->kernel, ci->version);
	if (!ctnetlink_present())
		return vx_error_set(err, VX_E_NO_CHKPNT, 0,
				    "checkpointing cannot work on this host: "
				    "the kernel (%s) lacks CONFIG_NF_CT_NETLINK, "
				    "through which CRIU %s dumps the conntrack "
				    "table of a VPS's network namespace (it "
				    "fails with \"-22 reported by netlink\" "
				    "without it); use a kernel built with "
				    "CONFIG_NF_CT_NETLINK=y", ci->kernel,
				    ci->version);
	key = probe_cache_key(ci);
	if (asprintf(&cache, "%s/criu-check", g->rundir) < 0 || !key)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "criu check");
	{
		char old[256] = "";
		FILE *f = fopen(cache, "re");

		if (f) {
			if (!fgets(old, sizeof(old), f))
				old[0] = '\0';
			fclose(f);
			if (!strcmp(old, key))
				return 0;
		}
	}
	ret = criu_output("check", out, sizeof(out));
	if (ret != 0) {
		/* its first real Error line says what is missing */
		line = out;
		while ((line = strstr(line, "Error (")) && noise_upto_eol(line))
			line++;
		if (line)
			line[strcspn(line, "\n")] = '\0';
		return vx_error_set(err, VX_E_NO_CHKPNT, 0,
				    "checkpointing cannot work on this host: "
				    "`criu check` (CRIU %s, kernel %s) failed: "
				    "%.300s", ci->version, ci->kernel,
				    line ? line : out);
	}
	/* a cache that cannot be written only costs a check next time */
	vx_write_file_replace(cache, key, strlen(key), 0644, false, NULL);
	return 0;
}
