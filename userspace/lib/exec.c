// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Running a command in a running CT: vx_ct_exec_spawn(), vx_ct_enter_spawn().
 *
 * Process shape (as lxc-attach / nsenter):
 *   caller (vxd) -> relay (child of the caller, host pid namespace)
 *                     joins the CT's cgroups, setns() through a pidfd of
 *                     the CT's init into all its namespaces at once, then
 *                     confines itself exactly like init: same bounding set
 *                     (read from init's /proc/PID/status, so a CAPABILITY
 *                     edit after start cannot widen it), same seccomp filter
 *                -> command (child of the relay, so it is *in* the CT's pid
 *                     namespace), born confined
 * The relay waits and mirrors the command's end: same exit code, or the
 * same fatal signal, so the caller can waitpid() the relay as if it were
 * the command.
 * cgroups are joined before setns(CLONE_NEWNS): afterwards the host's
 * /sys/fs/cgroup is no longer reachable.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/openat2.h>

#include "beancounter.h"
#include "cgroup.h"
#include "cleanup.h"
#include "run.h"
#include "runtime.h"
#include "seccomp_filter.h"
#include "state.h"

struct target {
	unsigned int ctid;
	pid_t init_pid;
	int pidfd;
	uint64_t caps;
	struct vx_cgroup *cg;
};

static void target_release(struct target *t)
{
	if (t->pidfd >= 0)
		close(t->pidfd);
	vx_cgroup_free(t->cg);
}

/* CapBnd of a process, the set its CT was started with. */
static int read_capbnd(pid_t pid, uint64_t *caps)
{
	char path[64], line[256];
	cleanup_fclose FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapBnd: %" SCNx64, caps) == 1)
			return 0;
	return -ENOENT;
}

static int target_open(const struct vx_global *g, struct vx_ct *ct,
		       struct target *t, struct vx_error **err)
{
	struct vx_state st;
	int ret;

	memset(t, 0, sizeof(*t));
	t->pidfd = -1;
	t->ctid = ct->ctid;
	if (vx_state_read(g, ct->ctid, &st, NULL) < 0 ||
	    (t->pidfd = vx_pidfd_open_live(st.init_pid, st.init_start)) < 0)
		return vx_error_set(err, VX_E_NOT_RUNNING, 0,
				    "ct %u is not running", ct->ctid);
	t->init_pid = st.init_pid;
	if (read_capbnd(st.init_pid, &t->caps) < 0)
		return vx_error_set(err, VX_E_NOT_RUNNING, 0,
				    "ct %u is not running", ct->ctid);
	ret = vx_cgroup_open(g, ct->ctid, st.cgroup, &t->cg, err);
	return ret;
}

static const char *const exec_env[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/root", "USER=root", "LOGNAME=root", NULL, NULL,
};

/* The command, inside the CT. stdio is in place. */
__attribute__((noreturn))
static void command(const struct target *t, char *const argv[], bool tty)
{
	const char *env[ARRAY_SIZE(exec_env)];

	memcpy(env, exec_env, sizeof(env));
	if (tty)
		env[4] = "TERM=xterm";
	setsid();
	if (tty)
		ioctl(0, TIOCSCTTY, 0);
	if (chdir("/") < 0) {
		dprintf(2, "vx: ct %u: chdir /: %s\n", t->ctid,
			strerror(errno));
		_exit(126);
	}
	/* execvpe searches the PATH of environ, not of env: set both. */
	environ = (char **)env;
	execvpe(argv[0], argv, (char **)env);
	dprintf(2, "vx: ct %u: %s: %s\n", t->ctid, argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Mirrors the child's end in the relay's own. */
__attribute__((noreturn))
static void relay_exit(int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		sigset_t set;

		/* no second core dump from the relay */
		setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		kill(getpid(), sig);
		_exit(128 + sig);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

__attribute__((noreturn))
static void relay(struct target *t, char *const argv[], const int stdio[3],
		  bool tty)
{
	struct vx_error *err = NULL;
	int fds[3], pidfd, status;
	sigset_t none;
	pid_t pid;

	/* vxd's signal setup must not leak into the CT */
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	/* Move what we keep above 2 first: stdio[] may be 0..2 already. A
	 * missing one (-1) becomes /dev/null, never an fd of vxd. */
	for (int i = 0; i < 3; i++)
		fds[i] = stdio[i] >= 0 ? fcntl(stdio[i], F_DUPFD_CLOEXEC, 3) :
			 open("/dev/null", O_RDWR | O_CLOEXEC);
	pidfd = fcntl(t->pidfd, F_DUPFD_CLOEXEC, 3);
	for (int i = 0; i < 3; i++)
		if (fds[i] < 0 || dup2(fds[i], i) < 0)
			_exit(126);
	/* No other fd of vxd may reach the CT. */
	close_range(3, pidfd - 1, 0);
	close_range(pidfd + 1, ~0U, 0);

	if (vx_cgroup_attach(t->cg, 0, &err) < 0) {
		dprintf(2, "vx: %s\n", err->msg);
		_exit(126);
	}
	/* the kernel context too (the patchset only), while we are still
	 * privileged and in the host's network namespace */
	if (vx_bc_join(t->ctid, &err) < 0) {
		dprintf(2, "vx: %s\n", err->msg);
		_exit(126);
	}
	if (setns(pidfd, VX_CT_NS | CLONE_NEWCGROUP) < 0) {
		dprintf(2, "vx: ct %u: enter namespaces: %s\n", t->ctid,
			strerror(errno));
		_exit(126);
	}
	close(pidfd);
	/* Confine the relay itself, *before* the fork: the command is
	 * visible in the CT from its birth, and the CT's root (which holds
	 * CAP_SYS_PTRACE) could attach to it and run code with our full
	 * privileges if it were confined only after the fork. */
	if (vx_confine(t->caps, &err) < 0) {
		dprintf(2, "vx: ct %u: %s\n", t->ctid, err->msg);
		_exit(126);
	}
	pid = fork();
	if (pid < 0) {
		dprintf(2, "vx: ct %u: fork: %s\n", t->ctid, strerror(errno));
		_exit(126);
	}
	if (pid == 0)
		command(t, argv, tty);
	/* Only the command holds the caller's stdio now: the caller's
	 * pipes see EOF when the command (and its children) close them. */
	for (int i = 0; i < 3; i++)
		close(i);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(126);
	relay_exit(status);
}

static int spawn(const struct vx_global *g, struct vx_ct *ct,
		 char *const argv[], const int stdio[3], bool tty, pid_t *pid,
		 struct target *t, struct vx_error **err)
{
	pid_t p;

	if (!argv || !argv[0])
		return vx_error_set(err, VX_E_INVAL_PARAM, 0,
				    "ct %u: no command given", ct->ctid);
	p = fork();
	if (p < 0)
		return vx_error_set(err, VX_E_RESOURCE, errno,
				    "ct %u: fork", ct->ctid);
	if (p == 0)
		relay(t, argv, stdio, tty);
	*pid = p;
	return 0;
}

int vx_ct_exec_spawn(const struct vx_global *g, struct vx_ct *ct,
		     char *const argv[], const int stdio[3], pid_t *pid,
		     struct vx_error **err)
{
	struct target t;
	int ret = target_open(g, ct, &t, err);

	if (ret == 0)
		ret = vx_seccomp_prepare(err);
	if (ret == 0)
		ret = spawn(g, ct, argv, stdio, false, pid, &t, err);
	target_release(&t);
	return ret;
}

/* Opens a new pty master in the CT's own devpts, through the CT's root as
 * seen by its init: RESOLVE_IN_ROOT keeps any symlink the CT planted in
 * /dev inside the CT, and the result is checked to be a pty master. */
static int open_ct_ptmx(const struct target *t, struct vx_error **err)
{
	struct open_how how = {
		.flags = O_RDWR | O_NOCTTY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	char path[64];
	cleanup_close int root = -1;
	int fd, unlock = 0, n;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)t->init_pid);
	root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return vx_error_set(err, VX_E_NOT_RUNNING, errno,
				    "ct %u: open %s", t->ctid, path);
	fd = syscall(SYS_openat2, root, "dev/pts/ptmx", &how, sizeof(how));
	if (fd < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "ct %u: open /dev/pts/ptmx in the CT",
				    t->ctid);
	if (ioctl(fd, TIOCGPTN, &n) < 0 || ioctl(fd, TIOCSPTLCK, &unlock) < 0) {
		close(fd);
		return vx_error_set(err, VX_E_SYSTEM, ENOTTY,
				    "ct %u: /dev/pts/ptmx in the CT is not a "
				    "pty multiplexer", t->ctid);
	}
	return fd;
}

int vx_ct_enter_spawn(const struct vx_global *g, struct vx_ct *ct,
		      char *const argv[], int *master, pid_t *pid,
		      struct vx_error **err)
{
	cleanup_close int m = -1, s = -1;
	struct target t;
	int ret = target_open(g, ct, &t, err);

	if (ret == 0)
		ret = vx_seccomp_prepare(err);
	if (ret == 0) {
		m = open_ct_ptmx(&t, err);
		if (m < 0)
			ret = m;
	}
	if (ret == 0) {
		s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (s < 0)
			ret = vx_error_set(err, VX_E_SYSTEM, errno,
					   "ct %u: open the pty slave", ct->ctid);
	}
	if (ret == 0)
		ret = spawn(g, ct, argv, (int[3]){ s, s, s }, true, pid, &t,
			    err);
	target_release(&t);
	if (ret == 0)
		*master = steal_fd(m);
	return ret;
}
