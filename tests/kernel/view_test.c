// SPDX-License-Identifier: GPL-2.0
/*
 * view_test.c - per-context /proc views (VX_CMD_VIEW_SET/GET).
 *
 * A context with a view of 256 MiB RAM and 1 CPU must read exactly that in
 * /proc/meminfo, sysinfo(), /proc/cpuinfo, /proc/stat,
 * /sys/devices/system/cpu/online, sched_getaffinity() and sysconf(); its
 * uptime counts from its start; its load average is its own (a busy loop
 * in A loads A, not B); the host keeps reading the host; a view-set shows
 * at once. Readers run inside the context (vxt_run_in) and hand their
 * findings back through a shared page.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vxtest.h"

#define MIB		(1024ULL * 1024)

/* What a reader saw (inside a context or on the host). */
struct seen {
	long memtotal_kb, memfree_kb, memavail_kb, swaptotal_kb, swapfree_kb;
	unsigned long long si_totalram, si_freeram, si_totalswap;
	long si_uptime, si_procs;
	unsigned long si_load1;
	int cpuinfo_procs, stat_cpus, affinity, nproc_onln;
	char online[64];
	double uptime, idle, load1;
	int lavg_running, lavg_total;
	unsigned long long btime, processes;
	long memcg_kb;		/* look_in_memcg(): memory.current */
	int err;
};

static struct seen *S;

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t len = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return n < 0 ? -errno : (int)len;
}

static long meminfo_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static int count_lines(const char *text, const char *prefix, bool digit)
{
	size_t l = strlen(prefix);
	const char *p = text;
	int n = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, l) && (!digit || (p[l] >= '0' && p[l] <= '9')))
			n++;
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return n;
}

/* Fill *S with everything this task sees. */
static int look(void *arg)
{
	static char buf[64 * 1024];
	struct sysinfo si;
	cpu_set_t set;
	const char *p;

	(void)arg;
	memset(S, 0, sizeof(*S));
	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return S->err = 1;
	S->memtotal_kb = meminfo_kb(buf, "MemTotal:");
	S->memfree_kb = meminfo_kb(buf, "MemFree:");
	S->memavail_kb = meminfo_kb(buf, "MemAvailable:");
	S->swaptotal_kb = meminfo_kb(buf, "SwapTotal:");
	S->swapfree_kb = meminfo_kb(buf, "SwapFree:");
	if (read_file("/proc/cpuinfo", buf, sizeof(buf)) < 0)
		return S->err = 2;
	S->cpuinfo_procs = count_lines(buf, "processor", false);
	if (read_file("/proc/stat", buf, sizeof(buf)) < 0)
		return S->err = 3;
	S->stat_cpus = count_lines(buf, "cpu", true);
	p = strstr(buf, "btime ");
	S->btime = p ? strtoull(p + 6, NULL, 10) : 0;
	p = strstr(buf, "processes ");
	S->processes = p ? strtoull(p + 10, NULL, 10) : 0;
	if (read_file("/proc/uptime", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%lf %lf", &S->uptime, &S->idle) != 2)
		return S->err = 4;
	if (read_file("/proc/loadavg", buf, sizeof(buf)) < 0 ||
	    sscanf(buf, "%lf %*f %*f %d/%d", &S->load1, &S->lavg_running,
		   &S->lavg_total) != 3)
		return S->err = 5;
	if (read_file("/sys/devices/system/cpu/online", S->online,
		      sizeof(S->online)) < 0)
		return S->err = 6;
	if (sysinfo(&si))
		return S->err = 7;
	S->si_totalram = (unsigned long long)si.totalram * si.mem_unit;
	S->si_freeram = (unsigned long long)si.freeram * si.mem_unit;
	S->si_totalswap = (unsigned long long)si.totalswap * si.mem_unit;
	S->si_uptime = si.uptime;
	S->si_procs = si.procs;
	S->si_load1 = si.loads[0];
	if (sched_getaffinity(0, sizeof(set), &set))
		return S->err = 8;
	S->affinity = CPU_COUNT(&set);
	S->nproc_onln = sysconf(_SC_NPROCESSORS_ONLN);
	return 0;
}

static int read_cpuinfo(void *arg)
{
	return read_file("/proc/cpuinfo", arg, 64 * 1024) < 0;
}

static int spin(void *arg)
{
	(void)arg;
	for (;;)
		;
	return 0;
}

static uint64_t boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

FIXTURE(view) {
	struct vxnl nl;
	struct vxnl_ack ack;
	uint32_t a, b;
	struct vxt_task idle;
	int p[2];
	struct seen host;
};

FIXTURE_SETUP(view)
{
	struct vx_view_req v = VX_VIEW_REQ_NONE;

	VXT_OPEN(&self->nl);
	S = vxt_shared(sizeof(*S));
	ASSERT_NE(NULL, S);
	ASSERT_EQ(0, look(NULL));
	self->host = *S;
	self->a = vxt_new_ctid();
	self->b = vxt_new_ctid();
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->a, NULL));
	ASSERT_EQ(0, vx_ctx_new(&self->nl, self->b, NULL));
	v.mem_bytes = 256 * MIB;
	v.swap_bytes = 64 * MIB;
	v.nr_cpus = 1;
	ASSERT_EQ(0, vx_view_set(&self->nl, self->a, &v, &self->ack)) {
		TH_LOG("view-set: %s", self->ack.msg);
	}
	ASSERT_EQ(0, pipe(self->p));
	/* A stays populated, so its view lives across the readers. */
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->a, &self->idle, vxt_idle,
				  self->p, NULL));
}

FIXTURE_TEARDOWN(view)
{
	if (!self->nl.sk)
		return;
	close(self->p[0]);
	close(self->p[1]);
	vxt_reap(&self->idle);
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->a, 5000));
	EXPECT_EQ(0, vxt_ctx_del_wait(&self->nl, self->b, 5000));
	vxnl_close(&self->nl);
}

TEST_F(view, ram_256m_one_cpu_inside)
{
	long host_swap_kb = self->host.swaptotal_kb;

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, look, NULL));
	EXPECT_EQ(262144, S->memtotal_kb);
	EXPECT_EQ(256 * MIB, S->si_totalram);
	EXPECT_LE(S->memfree_kb, S->memtotal_kb);
	EXPECT_LE(S->memavail_kb, S->memtotal_kb);
	EXPECT_LE(S->si_freeram, S->si_totalram);
	/* the view's 64 MiB of swap, never more than the host has */
	EXPECT_EQ(host_swap_kb < 65536 ? host_swap_kb : 65536, S->swaptotal_kb);
	EXPECT_LE(S->swapfree_kb, S->swaptotal_kb);
	EXPECT_EQ((unsigned long long)S->swaptotal_kb * 1024, S->si_totalswap);
	EXPECT_EQ(1, S->cpuinfo_procs);
	EXPECT_EQ(1, S->stat_cpus);
	EXPECT_STREQ("0\n", S->online);
	EXPECT_EQ(1, S->affinity);
	EXPECT_EQ(1, S->nproc_onln);
	/* the context was created a moment ago */
	EXPECT_LT(S->uptime, 30.0);
	EXPECT_LE(S->si_uptime, 31);
	EXPECT_LT(S->uptime, self->host.uptime);
	/* idle task + this reader */
	EXPECT_EQ(2, S->lavg_total);
	EXPECT_EQ(2, S->si_procs);
	EXPECT_GE(S->processes, 1ULL);
	TH_LOG("inside: MemTotal %ld kB, MemFree %ld kB, uptime %.2f, online %s",
	       S->memtotal_kb, S->memfree_kb, S->uptime, S->online);
}

TEST_F(view, host_and_viewless_context_see_the_host)
{
	struct seen host;

	ASSERT_EQ(0, look(NULL));
	host = *S;
	EXPECT_EQ(self->host.memtotal_kb, host.memtotal_kb);
	EXPECT_NE(262144, host.memtotal_kb);
	EXPECT_EQ(self->host.si_totalram, host.si_totalram);
	EXPECT_EQ(self->host.cpuinfo_procs, host.cpuinfo_procs);
	EXPECT_EQ(sysconf(_SC_NPROCESSORS_ONLN), host.nproc_onln);
	EXPECT_GE(host.uptime, self->host.uptime);
	/* B has no view: its tasks read the host's files */
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->b, look, NULL));
	EXPECT_EQ(host.memtotal_kb, S->memtotal_kb);
	EXPECT_EQ(host.si_totalram, S->si_totalram);
	EXPECT_GE(S->uptime, host.uptime);
	EXPECT_EQ(host.cpuinfo_procs, S->cpuinfo_procs);
}

TEST_F(view, live_change_shows_at_once)
{
	struct vx_view_req v = VX_VIEW_REQ_NONE;

	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, look, NULL));
	ASSERT_EQ(262144, S->memtotal_kb);
	v.mem_bytes = 128 * MIB;
	ASSERT_EQ(0, vx_view_set(&self->nl, self->a, &v, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, look, NULL));
	EXPECT_EQ(131072, S->memtotal_kb);
	EXPECT_EQ(128 * MIB, S->si_totalram);
	/* the CPU count was kept */
	EXPECT_EQ(1, S->nproc_onln);
	/* more RAM than the host has is clamped to the host */
	v.mem_bytes = 1ULL << 50;
	ASSERT_EQ(0, vx_view_set(&self->nl, self->a, &v, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, look, NULL));
	EXPECT_EQ(self->host.memtotal_kb, S->memtotal_kb);
}

TEST_F(view, view_get_reports_what_is_in_effect)
{
	struct vx_view_info vi;
	struct vx_view_req v = VX_VIEW_REQ_NONE;

	ASSERT_EQ(0, vx_view_get(&self->nl, self->a, &vi, &self->ack));
	EXPECT_TRUE(vi.active);
	EXPECT_EQ(256 * MIB, vi.mem_bytes);
	EXPECT_EQ(1U, vi.nr_cpus);
	EXPECT_STREQ("0", vi.cpus);
	EXPECT_LE(vi.start_ns, boottime_ns());
	EXPECT_EQ(6, vi.nattrs);
	/* B: no view yet */
	ASSERT_EQ(0, vx_view_get(&self->nl, self->b, &vi, NULL));
	EXPECT_FALSE(vi.active);
	EXPECT_EQ(0U, vi.mem_bytes);
	EXPECT_EQ(0U, vi.nr_cpus);
	/* more CPUs than exist: clamped to the online CPUs */
	v.nr_cpus = 4096;
	ASSERT_EQ(0, vx_view_set(&self->nl, self->b, &v, NULL));
	ASSERT_EQ(0, vx_view_get(&self->nl, self->b, &vi, NULL));
	EXPECT_TRUE(vi.active);
	EXPECT_EQ((uint32_t)sysconf(_SC_NPROCESSORS_ONLN), vi.nr_cpus);
	EXPECT_EQ(-ENOENT, vx_view_get(&self->nl, 0x7ffffff0, &vi, &self->ack));
}

TEST_F(view, start_sets_uptime_and_btime)
{
	struct vx_view_req v = VX_VIEW_REQ_NONE;
	struct seen in;

	/* "booted" 1 s after the guest: uptime = the host's minus 1 s */
	ASSERT_GT(boottime_ns(), 2000000000ULL);
	v.start_ns = 1000000000ULL;
	ASSERT_EQ(0, vx_view_set(&self->nl, self->a, &v, NULL));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, look, NULL));
	in = *S;
	ASSERT_EQ(0, look(NULL));
	TH_LOG("uptime inside %.2f, host %.2f; btime inside %llu, host %llu",
	       in.uptime, S->uptime, in.btime, S->btime);
	EXPECT_GE(in.uptime, S->uptime - 1.5);
	EXPECT_LE(in.uptime, S->uptime - 0.99);
	EXPECT_GE(in.si_uptime + 2, (long)S->uptime);
	/* idle never exceeds one CPU's share of the uptime */
	EXPECT_LE(in.idle, in.uptime + 0.01);
	/* the context booted 1 s after the host */
	EXPECT_EQ(S->btime + 1, in.btime);
}

TEST_F(view, bad_requests_are_rejected)
{
	struct vx_view_req v = VX_VIEW_REQ_NONE;

	v.start_ns = boottime_ns() + 3600 * 1000000000ULL;
	EXPECT_EQ(-ERANGE, vx_view_set(&self->nl, self->a, &v, &self->ack));
	ASSERT_EXTACK(&self->ack);
	v = (struct vx_view_req)VX_VIEW_REQ_NONE;
	v.cpus = "zz";
	EXPECT_EQ(-EINVAL, vx_view_set(&self->nl, self->a, &v, &self->ack));
	ASSERT_EXTACK(&self->ack);
	v.cpus = "4000";
	EXPECT_EQ(-EINVAL, vx_view_set(&self->nl, self->a, &v, &self->ack));
	ASSERT_EXTACK(&self->ack);
	v = (struct vx_view_req)VX_VIEW_REQ_NONE;
	v.mem_bytes = 1;
	EXPECT_EQ(-ENOENT, vx_view_set(&self->nl, 0x7ffffff0, &v, &self->ack));
	/* nothing of the failed requests stuck */
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, look, NULL));
	EXPECT_EQ(262144, S->memtotal_kb);
	EXPECT_LT(S->uptime, 30.0);
}

/* Inside a view of host CPU 1 only: pin to view CPU 0, report the mask. */
static int pin_view_cpu0(void *arg)
{
	cpu_set_t set;

	(void)arg;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return 30;
	if (look(NULL))
		return 31;
	/* stay until the host has read our real mask */
	pause();
	return 0;
}

TEST_F(view, cpus_are_renumbered_from_0)
{
	struct vx_view_req v = VX_VIEW_REQ_NONE;
	struct vxt_task t;
	cpu_set_t set;
	char *cpuinfo;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs 2 CPUs: tests/guest/run --arch x86_64 --cpus 2");
	v.cpus = "1";
	ASSERT_EQ(0, vx_view_set(&self->nl, self->b, &v, &self->ack)) {
		TH_LOG("view-set: %s", self->ack.msg);
	}
	memset(S, 0, sizeof(*S));	/* nproc_onln != 0: look() is done */
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->b, &t, pin_view_cpu0, NULL, NULL));
	for (i = 0; i < 200 && !S->nproc_onln; i++)
		vxt_msleep(10);
	/* view CPU 0 is host CPU 1 */
	ASSERT_EQ(0, sched_getaffinity(t.pid, sizeof(set), &set));
	EXPECT_EQ(1, CPU_COUNT(&set));
	EXPECT_TRUE(CPU_ISSET(1, &set));
	kill(t.pid, SIGKILL);
	vxt_reap(&t);
	EXPECT_EQ(1, S->nproc_onln);
	EXPECT_EQ(1, S->affinity);
	EXPECT_STREQ("0\n", S->online);
	EXPECT_EQ(1, S->stat_cpus);
	EXPECT_EQ(1, S->cpuinfo_procs);
	/* and it is called processor 0 */
	cpuinfo = vxt_shared(64 * 1024);
	ASSERT_NE(NULL, cpuinfo);
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->b, read_cpuinfo, cpuinfo));
	EXPECT_NE(NULL, strstr(cpuinfo, "processor\t: 0\n"));
	EXPECT_EQ(NULL, strstr(cpuinfo, "processor\t: 1\n"));
}

#define CG2		"/sys/fs/cgroup"

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* In the memory cgroup @arg, touch 32 MiB, look, read memory.current. */
static int look_in_memcg(void *arg)
{
	char path[256], buf[64];
	size_t sz = 32 * MIB;
	char *p;

	snprintf(path, sizeof(path), "%s/cgroup.procs", (char *)arg);
	if (write_str(path, "0"))
		return 20;
	p = malloc(sz);
	if (!p)
		return 21;
	memset(p, 1, sz);
	if (look(NULL))
		return 22;
	snprintf(path, sizeof(path), "%s/memory.current", (char *)arg);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 23;
	S->memcg_kb = (long)(strtoull(buf, NULL, 10) >> 10);
	free(p);
	return 0;
}

TEST_F(view, memfree_is_the_memory_cgroups_usage)
{
	char cg[128];
	long used_kb, kb;

	if (access(CG2 "/cgroup.subtree_control", F_OK) ||
	    write_str(CG2 "/cgroup.subtree_control", "+memory"))
		SKIP(return, "no cgroup2 memory controller at " CG2);
	snprintf(cg, sizeof(cg), CG2 "/vx-view-%d", getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, look_in_memcg, cg));
	kb = S->memcg_kb;
	used_kb = S->memtotal_kb - S->memfree_kb;
	TH_LOG("memory.current %ld kB, MemTotal - MemFree %ld kB, MemAvailable %ld kB",
	       kb, used_kb, S->memavail_kb);
	EXPECT_EQ(262144, S->memtotal_kb);
	EXPECT_GE(used_kb, 32 * 1024L);
	/* the same counter, read a moment apart */
	EXPECT_LE(labs(used_kb - kb), 1024L);
	EXPECT_GE(S->memavail_kb, S->memfree_kb);
	EXPECT_EQ(0, rmdir(cg));
}

/* Load: LOAD_FREQ is 5 s; after >= 2 samples of one runner, load1 > 0.1. */
TEST_F_TIMEOUT(view, busy_loop_loads_its_own_context_only, 60)
{
	struct vx_view_req v = VX_VIEW_REQ_NONE;
	struct vxt_task busy;
	struct seen a;

	v.nr_cpus = 1;
	ASSERT_EQ(0, vx_view_set(&self->nl, self->b, &v, NULL));
	ASSERT_EQ(0, vxt_spawn_in(&self->nl, self->a, &busy, spin, NULL, NULL));
	vxt_msleep(11500);
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->a, look, NULL));
	a = *S;
	ASSERT_EQ(0, vxt_run_in(&self->nl, self->b, look, NULL));
	kill(busy.pid, SIGKILL);
	vxt_reap(&busy);
	TH_LOG("load1: A %.2f (sysinfo %lu/65536), B %.2f", a.load1,
	       a.si_load1, S->load1);
	EXPECT_GT(a.load1, 0.1);
	EXPECT_GT(a.si_load1, 6553UL);
	EXPECT_GE(a.lavg_running, 1);
	EXPECT_EQ(3, a.lavg_total);	/* idle, busy, reader */
	EXPECT_LT(S->load1, 0.05);
	EXPECT_LT(S->si_load1, 3277UL);
}

TEST_HARNESS_MAIN
