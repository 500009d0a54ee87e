// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cgroup layout detection and the helpers both backends share.
 *
 * Detection runs once per process: the layout is a property of the boot,
 * and re-reading mountinfo on every operation would cost more than the
 * operation (it has a line per running CT's mount). The set of hierarchies is read from /proc/self/mountinfo, so
 * co-mounted controllers ("cpu,cpuacct") and named hierarchies
 * ("name=systemd") are handled without a table of known names.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "values.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* Must stay in line with the nodes rootfs.c creates. */
const struct vx_dev_rule vx_dev_allow[] = {
	{ 'c', -1, -1, "m" },		/* mknod anything (harmless), */
	{ 'b', -1, -1, "m" },		/* open only what follows */
	{ 'c', 1, 3, "rwm" },		/* null */
	{ 'c', 1, 5, "rwm" },		/* zero */
	{ 'c', 1, 7, "rwm" },		/* full */
	{ 'c', 1, 8, "rwm" },		/* random */
	{ 'c', 1, 9, "rwm" },		/* urandom */
	{ 'c', 5, 0, "rwm" },		/* tty */
	{ 'c', 5, 1, "rwm" },		/* console (a pts is bound over it) */
	{ 'c', 5, 2, "rwm" },		/* ptmx */
	{ 'c', 136, -1, "rwm" },	/* pts slaves of the CT's devpts */
	{ 'c', 10, 200, "rwm" },	/* net/tun: acts on the CT's netns */
};
const size_t vx_dev_allow_n = ARRAY_SIZE(vx_dev_allow);

static bool is_fs(const char *path, long magic)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && sfs.f_type == magic;
}

enum vx_cgroup_mode vx_cgroup_mode(void)
{
	/* -1: not known yet. Racing threads compute the same answer, so a
	 * plain relaxed store is enough. */
	static int mode = -1;
	int m = __atomic_load_n(&mode, __ATOMIC_RELAXED);

	if (m >= 0)
		return m;
	if (is_fs(CGROUP_ROOT, CGROUP2_SUPER_MAGIC))
		m = VX_CGROUP_V2;
	else if (is_fs(CGROUP_ROOT "/unified", CGROUP2_SUPER_MAGIC))
		m = VX_CGROUP_HYBRID;
	else
		m = VX_CGROUP_V1;
	__atomic_store_n(&mode, m, __ATOMIC_RELAXED);
	return m;
}

const char *vx_cgroup_mode_name(enum vx_cgroup_mode m)
{
	switch (m) {
	case VX_CGROUP_V1:
		return "v1";
	case VX_CGROUP_HYBRID:
		return "hybrid";
	case VX_CGROUP_V2:
		return "v2";
	}
	return "?";
}

/* The hierarchies found in mountinfo, once per process (see top): vxd
 * reads them at startup (vx_cgroup_preload) and every worker and monitor
 * inherits the list, so a start never parses mountinfo, which has a line
 * per running CT. */
struct hier {
	char *mnt;
	char *ctrls;	/* as in struct vx_cgroup_dir */
	bool v2;
};

static struct hier *hiers;
static size_t nhiers;
static bool hiers_read;

static int add_hier(const char *mnt, const char *ctrls, bool v2)
{
	struct hier *h;

	/* A hierarchy mounted twice (bind mounts) is one hierarchy. */
	for (size_t i = 0; i < nhiers; i++)
		if (hiers[i].v2 == v2 && !strcmp(hiers[i].ctrls, ctrls))
			return 0;
	h = realloc(hiers, (nhiers + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	hiers = h;
	h = &hiers[nhiers];
	h->v2 = v2;
	h->mnt = strdup(mnt);
	h->ctrls = strdup(ctrls);
	if (!h->mnt || !h->ctrls) {
		free(h->mnt);
		free(h->ctrls);
		return -ENOMEM;
	}
	nhiers++;
	return 0;
}

static void drop_hiers(void)
{
	for (size_t i = 0; i < nhiers; i++) {
		free(hiers[i].mnt);
		free(hiers[i].ctrls);
	}
	free(hiers);
	hiers = NULL;
	nhiers = 0;
}

static int add_dir(struct vx_cgroup *cg, const struct hier *h)
{
	struct vx_cgroup_dir *d;

	d = realloc(cg->dirs, (cg->ndirs + 1) * sizeof(*d));
	if (!d)
		return -ENOMEM;
	cg->dirs = d;
	d = &cg->dirs[cg->ndirs];
	memset(d, 0, sizeof(*d));
	d->v2 = h->v2;
	d->ctrls = strdup(h->ctrls);
	if (asprintf(&d->path, "%s/%s", h->mnt, cg->rel) < 0)
		d->path = NULL;
	cg->ndirs++;
	if (!d->ctrls || !d->path)
		return -ENOMEM;
	return 0;
}

/* The cgroup v1 controllers are the super options minus rw/ro & co. */
static void v1_ctrls(char *opts, char *out, size_t len)
{
	char *save = NULL;

	out[0] = '\0';
	for (char *o = strtok_r(opts, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		if (!strcmp(o, "rw") || !strcmp(o, "ro") ||
		    !strncmp(o, "release_agent", 13) ||
		    !strcmp(o, "clone_children") || !strcmp(o, "noprefix") ||
		    !strcmp(o, "xattr") || !strcmp(o, "cpuset_v2_mode") ||
		    !strcmp(o, "favordynmods"))
			continue;
		if (out[0])
			strncat(out, ",", len - strlen(out) - 1);
		strncat(out, o, len - strlen(out) - 1);
	}
}

/* Reads the hierarchies from mountinfo. Only mounts of the hierarchy root
 * (mountinfo field 4 == "/") are usable: a bind of a sub-cgroup would put
 * our CT below someone else's cgroup. */
static int scan_mounts(void)
{
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	if (hiers_read)
		return 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0 && ret == 0) {
		char root[512], mnt[512], fstype[32], opts[512], ctrls[512];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %511s %511s", root,
				   mnt) != 2)
			continue;
		if (sscanf(sep, " - %31s %*s %511s", fstype, opts) != 2)
			continue;
		if (strcmp(root, "/") || strncmp(mnt, CGROUP_ROOT, 14))
			continue;
		if (!strcmp(fstype, "cgroup2")) {
			ret = add_hier(mnt, "", true);
		} else if (!strcmp(fstype, "cgroup")) {
			v1_ctrls(opts, ctrls, sizeof(ctrls));
			ret = add_hier(mnt, ctrls, false);
		}
	}
	if (ret < 0)
		drop_hiers();
	else
		hiers_read = true;
	return ret;
}

void vx_cgroup_preload(void)
{
	if (scan_mounts() == 0)
		vx_cgroup_bpf_prepare();
}

int vx_cgroup_open(const struct vx_global *g, unsigned int ctid,
		   const char *rel, struct vx_cgroup **out,
		   struct vx_error **err)
{
	struct vx_cgroup *cg = calloc(1, sizeof(*cg));
	enum vx_cgroup_mode m = vx_cgroup_mode();
	int ret;

	if (!cg)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "cgroup");
	cg->ctid = ctid;
	cg->mode = m;
	cg->ops = m == VX_CGROUP_V2 ? &vx_cgroup_v2_ops : &vx_cgroup_v1_ops;
	if (rel && *rel)
		cg->rel = strdup(rel);
	else if (asprintf(&cg->rel, "%s/%u",
			  g->cgroup_prefix && *g->cgroup_prefix ?
			  g->cgroup_prefix : "vx", ctid) < 0)
		cg->rel = NULL;
	if (!cg->rel) {
		vx_cgroup_free(cg);
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "cgroup");
	}
	ret = scan_mounts();
	/* v1 hierarchies unless pure v2, the cgroup2 one unless pure v1 */
	for (size_t i = 0; ret == 0 && i < nhiers; i++)
		if (hiers[i].v2 ? m != VX_CGROUP_V1 : m != VX_CGROUP_V2)
			ret = add_dir(cg, &hiers[i]);
	if (ret == 0 && cg->ndirs == 0)
		ret = -ENOENT;
	if (ret < 0) {
		vx_cgroup_free(cg);
		return vx_error_set(err, VX_E_NOKERNEL, -ret,
				    "ct %u: no usable cgroup hierarchy under "
				    CGROUP_ROOT " (mode %s)", ctid,
				    vx_cgroup_mode_name(m));
	}
	*out = cg;
	return 0;
}

void vx_cgroup_free(struct vx_cgroup *cg)
{
	if (!cg)
		return;
	for (size_t i = 0; i < cg->ndirs; i++) {
		free(cg->dirs[i].path);
		free(cg->dirs[i].ctrls);
	}
	free(cg->dirs);
	free(cg->rel);
	free(cg);
}

struct vx_cgroup_dir *vx_cgroup_find(struct vx_cgroup *cg, const char *ctrl)
{
	size_t len = strlen(ctrl);

	for (size_t i = 0; i < cg->ndirs; i++) {
		const char *c = cg->dirs[i].ctrls;

		if (!*ctrl)
			return &cg->dirs[i];
		/* match a whole element of the comma list */
		for (const char *p = c; (p = strstr(p, ctrl)); p += len)
			if ((p == c || p[-1] == ',') &&
			    (p[len] == ',' || p[len] == '\0'))
				return &cg->dirs[i];
	}
	return NULL;
}

int vx_cgroup_write(const char *dir, const char *file, const char *value,
		    struct vx_error **err)
{
	cleanup_close int fd = -1;
	cleanup_free char *path = NULL;
	size_t len = strlen(value);

	if (asprintf(&path, "%s/%s", dir, file) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "cgroup");
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "open %s", path);
	if (write(fd, value, len) != (ssize_t)len)
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "write \"%s\" to %s", value, path);
	return 0;
}

int vx_cgroup_mkdir_p(const char *path, struct vx_error **err)
{
	cleanup_free char *p = NULL;

	/* The parents (hierarchy/prefix) exist but for the first CT. */
	if (mkdir(path, 0755) == 0)
		return 1;
	if (errno == EEXIST)
		return 0;
	p = strdup(path);
	if (!p)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "cgroup");
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return vx_error_set(err, VX_E_SYSTEM, errno,
					    "mkdir %s", p);
		if (!s)
			return 1;	/* it was missing a moment ago */
		*s = '/';
	}
}

/*
 * What a cgroup the kernel has just made holds without being told: writing
 * these to a fresh CT directory changes nothing, so a start skips them
 * (a dozen file writes, some taking kernel-wide locks). A live `vzctl set`
 * or a directory left over from before (not fresh) writes everything.
 */
static const struct {
	const char *file, *value;
} fresh_defaults[] = {
	{ "memory.limit_in_bytes", "-1" },
	{ "memory.memsw.limit_in_bytes", "-1" },
	{ "memory.max", "max" },
	{ "memory.swap.max", "max" },
	{ "memory.oom.group", "0" },
	{ "pids.max", "max" },
	{ "cpu.shares", "1024" },
	{ "cpu.cfs_period_us", "100000" },
	{ "cpu.cfs_quota_us", "-1" },
	{ "cpu.weight", "100" },
	{ "cpu.max", "max 100000" },
};

bool vx_cgroup_fresh_default(const struct vx_cgroup *cg, const char *file,
			     const char *value)
{
	size_t len = strlen(value);

	if (!cg->fresh)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(fresh_defaults); i++)
		if (!strcmp(file, fresh_defaults[i].file) &&
		    !strcmp(value, fresh_defaults[i].value))
			return true;
	/* per-device throttles: a fresh cgroup has no rule to remove */
	if (!strncmp(file, "blkio.throttle.", 15))
		return len > 2 && !strcmp(value + len - 2, " 0");
	if (!strcmp(file, "io.max"))
		return strstr(value, " rbps=max wbps=max riops=max wiops=max") &&
		       value[len - 1] == 'x';
	return false;
}

/*
 * SIGKILL everything listed until the list stays empty. A process can fork
 * between our read and our kill, hence the loop; the pid namespace usually
 * did the job already (its init's death kills the namespace), so this only
 * meets stragglers such as `vzctl exec` relays. Bounded so that an
 * unkillable task (D state) cannot hang the monitor forever.
 */
int vx_cgroup_kill_listed(const char *dir, struct vx_error **err)
{
	cleanup_free char *path = NULL;

	if (asprintf(&path, "%s/cgroup.procs", dir) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "cgroup");
	for (int round = 0; round < 200; round++) {
		cleanup_fclose FILE *f = fopen(path, "re");
		int pid, n = 0;

		if (!f)
			return errno == ENOENT ? 0 :
			       vx_error_set(err, VX_E_SYSTEM, errno, "open %s",
					    path);
		while (fscanf(f, "%d", &pid) == 1) {
			kill(pid, SIGKILL);
			n++;
		}
		if (!n)
			return 0;
		nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
	}
	return vx_error_set(err, VX_E_STOP, EBUSY,
			    "processes in %s do not die", dir);
}

/* rmdir, retrying while killed tasks finish exiting (EBUSY). */
int vx_cgroup_rmdir_wait(const char *path, struct vx_error **err)
{
	for (int i = 0; i < 400; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
	}
	return vx_error_set(err, VX_E_SYSTEM, errno, "rmdir %s", path);
}

/* Remounts the first cgroup2 mount (or, on pure v1, the first v1 one) with
 * favordynmods added to its current options. The flag lives on a global
 * rwsem, so one hierarchy is enough for all of them. */
void vx_cgroup_tune(const struct vx_global *g)
{
	static int done;
	const char *v = g->conf ? vx_conf_get(g->conf, "VX_CGROUP_FAVORDYNMODS") :
				  NULL;
	cleanup_fclose FILE *f = NULL;
	cleanup_free char *line = NULL;
	bool on = false;
	size_t cap = 0;

	if (__atomic_exchange_n(&done, 1, __ATOMIC_RELAXED) || !v ||
	    vx_parse_bool(v, &on, NULL) < 0 || !on)
		return;
	f = fopen("/proc/self/mountinfo", "re");
	while (f && getline(&line, &cap, f) > 0) {
		char mnt[512], fstype[32], opts[512], data[600] = "";
		char *sep = strstr(line, " - "), *save = NULL;
		bool v2;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep, " - %31s %*s %511s", fstype, opts) != 2)
			continue;
		v2 = !strcmp(fstype, "cgroup2");
		if (!v2 && (strcmp(fstype, "cgroup") ||
			    vx_cgroup_mode() != VX_CGROUP_V1))
			continue;
		if (strstr(opts, "favordynmods"))
			return;
		/* keep every option but rw/ro (flags, not data) */
		for (char *o = strtok_r(opts, ",", &save); o;
		     o = strtok_r(NULL, ",", &save)) {
			if (!strcmp(o, "rw") || !strcmp(o, "ro"))
				continue;
			strncat(data, o, sizeof(data) - strlen(data) - 2);
			strcat(data, ",");
		}
		strncat(data, "favordynmods", sizeof(data) - strlen(data) - 1);
		mount(NULL, mnt, NULL, MS_REMOUNT, data);
		return;
	}
}

bool vx_cgroup_has_file(struct vx_cgroup *cg, const char *ctrl,
			const char *file)
{
	struct vx_cgroup_dir *d = vx_cgroup_find(cg, ctrl);
	size_t plen, rlen = strlen(cg->rel);
	char path[PATH_MAX];

	if (!d)
		return false;
	plen = strlen(d->path);
	if (plen <= rlen)
		return false;
	/* d->path is <mount>/<rel>: the hierarchy root is <mount> */
	snprintf(path, sizeof(path), "%.*s/%s", (int)(plen - rlen - 1),
		 d->path, file);
	return access(path, F_OK) == 0;
}

bool vx_host_has_swap(void)
{
	cleanup_fclose FILE *f = fopen("/proc/meminfo", "re");
	char key[64];
	long long kb;

	while (f && fscanf(f, "%63s %lld kB\n", key, &kb) == 2)
		if (!strcmp(key, "SwapTotal:"))
			return kb > 0;
	return true;	/* unknown: assume the worst */
}

bool vx_cgroup_rt_group_sched(void)
{
	cleanup_fclose FILE *f = NULL;
	char path[PATH_MAX], line[256];
	struct utsname u;

	if (access(CGROUP_ROOT "/cpu/cpu.rt_runtime_us", F_OK) == 0)
		return true;
	if (vx_cgroup_mode() != VX_CGROUP_V2 || uname(&u) < 0)
		return false;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strcmp(line, "CONFIG_RT_GROUP_SCHED=y\n"))
			return true;
	return false;
}
