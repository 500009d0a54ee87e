// SPDX-License-Identifier: GPL-2.0
/*
 * vserver /proc views: the files a context with an active view reads.
 *
 * Memory (/proc/meminfo, sysinfo): MemTotal is the view's RAM (never more
 * than the host's); usage comes from the memory cgroup of the reading task,
 * which for a VPS is the VPS's cgroup (vzctl puts every task of a VPS in
 * it). A task in the root memory cgroup (no cgroup set up) is charged with
 * the host's usage, clamped to the view. Buffers are not tracked per
 * cgroup and read 0. SwapTotal is the view's swap, clamped to the host's;
 * SwapFree subtracts the cgroup's swap usage (cgroup v2 accounting).
 *
 * CPU time (/proc/stat, /proc/uptime idle): the user and system time of
 * the context's live tasks (summed by one walk of the task list under RCU
 * at read time) plus that of its exited tasks (added at exit). The
 * scheduler does not record on which CPU a context ran, so the time is
 * spread evenly over the view's CPUs; idle is what is left of each CPU's
 * share of the context's uptime.
 *
 * Load (/proc/loadavg, sysinfo loads): the per-context average of view.c;
 * "running" is the number of running tasks at the last sample (at least 1:
 * the reader), "total" the live tasks of the context, last pid the newest
 * task of the context (or, in a pid namespace, the namespace's last pid).
 */

#include <linux/cleanup.h>
#include <linux/kernel_stat.h>
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/sched/cputime.h>
#include <linux/sched/loadavg.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/swap.h>
#include <linux/vserver_view.h>

#include "vserver.h"

/* Memory figures of a view, in pages. */
struct vx_view_mem {
	unsigned long total, free, avail, buffers, cached, shmem;
	unsigned long lru[NR_LRU_LISTS];
	unsigned long anon, mapped, dirty, writeback, srecl, sunrecl;
	unsigned long swap_total, swap_free;
};

/* CPU usage of a context (ns) and its task states, summed at read time. */
struct vx_view_cpu {
	u64 user, system, csw;
	unsigned int running, blocked;
};

/* The view of current, copied out of RCU; false if the host's applies. */
static bool vx_view_get_current(struct vx_context **ctxp, struct vx_view *out)
{
	struct vx_view *view;

	guard(rcu)();
	view = vx_view_current(ctxp);
	if (!view)
		return false;
	*out = *view;
	return true;
}

#ifdef CONFIG_MEMCG
/* Usage of the reader's memory cgroup; false for the root (or no memcg). */
static bool vx_view_memcg(struct vx_view_mem *vm, unsigned long *used,
			  unsigned long *swap_used)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_current();
	int lru;

	if (!memcg)
		return false;
	if (mem_cgroup_is_root(memcg)) {
		mem_cgroup_put(memcg);
		return false;
	}
	mem_cgroup_flush_stats(memcg);
	*used = page_counter_read(&memcg->memory);
	for (lru = LRU_BASE; lru < NR_LRU_LISTS; lru++)
		vm->lru[lru] = memcg_page_state(memcg, NR_LRU_BASE + lru);
	vm->cached = memcg_page_state(memcg, NR_FILE_PAGES);
	vm->shmem = memcg_page_state(memcg, NR_SHMEM);
	vm->anon = memcg_page_state(memcg, NR_ANON_MAPPED);
	vm->mapped = memcg_page_state(memcg, NR_FILE_MAPPED);
	vm->dirty = memcg_page_state(memcg, NR_FILE_DIRTY);
	vm->writeback = memcg_page_state(memcg, NR_WRITEBACK);
	vm->srecl = memcg_page_state(memcg, NR_SLAB_RECLAIMABLE_B) >> PAGE_SHIFT;
	vm->sunrecl = memcg_page_state(memcg, NR_SLAB_UNRECLAIMABLE_B) >> PAGE_SHIFT;
	*swap_used = memcg_page_state(memcg, MEMCG_SWAP);
	mem_cgroup_put(memcg);
	return true;
}
#else
static bool vx_view_memcg(struct vx_view_mem *vm, unsigned long *used,
			  unsigned long *swap_used)
{
	return false;
}
#endif

static void vx_view_mem(const struct vx_view *view, struct vx_view_mem *vm)
{
	unsigned long *const clamp[] = {
		&vm->avail, &vm->buffers, &vm->cached, &vm->shmem, &vm->anon,
		&vm->mapped, &vm->dirty, &vm->writeback, &vm->srecl, &vm->sunrecl,
	};
	unsigned long used, swap_used;
	struct sysinfo si;
	unsigned int i;
	int lru;

	memset(vm, 0, sizeof(*vm));
	si_meminfo(&si);
	si_swapinfo(&si);
	if (!vx_view_memcg(vm, &used, &swap_used)) {
		used = si.totalram - si.freeram;
		swap_used = si.totalswap - si.freeswap;
		for (lru = LRU_BASE; lru < NR_LRU_LISTS; lru++)
			vm->lru[lru] = global_node_page_state(NR_LRU_BASE + lru);
		vm->buffers = si.bufferram;
		vm->cached = global_node_page_state(NR_FILE_PAGES);
		vm->cached -= min(vm->cached, total_swapcache_pages() + si.bufferram);
		vm->shmem = si.sharedram;
		vm->anon = global_node_page_state(NR_ANON_MAPPED);
		vm->mapped = global_node_page_state(NR_FILE_MAPPED);
		vm->dirty = global_node_page_state(NR_FILE_DIRTY);
		vm->writeback = global_node_page_state(NR_WRITEBACK);
		vm->srecl = global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B);
		vm->sunrecl = global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B);
	}
	vm->total = min_t(u64, view->mem_bytes >> PAGE_SHIFT, si.totalram);
	vm->free = vm->total - min(used, vm->total);
	vm->avail = vm->free + vm->lru[LRU_ACTIVE_FILE] +
		    vm->lru[LRU_INACTIVE_FILE] + vm->srecl;
	/* Host usage charged to a small view must not exceed it anywhere. */
	for (i = 0; i < ARRAY_SIZE(clamp); i++)
		*clamp[i] = min(*clamp[i], vm->total);
	for (lru = LRU_BASE; lru < NR_LRU_LISTS; lru++)
		vm->lru[lru] = min(vm->lru[lru], vm->total);
	vm->swap_total = min_t(u64, view->swap_bytes >> PAGE_SHIFT, si.totalswap);
	vm->swap_free = vm->swap_total - min(swap_used, vm->swap_total);
}

static void vx_show_kb(struct seq_file *m, const char *s, unsigned long pages)
{
	seq_put_decimal_ull_width(m, s, pages << (PAGE_SHIFT - 10), 8);
	seq_write(m, " kB\n", 4);
}

bool __vx_view_meminfo(struct seq_file *m)
{
	struct vx_context *ctx;
	struct vx_view view;
	struct vx_view_mem vm;
	unsigned long *lru = vm.lru;

	if (!vx_view_get_current(&ctx, &view) || !view.mem_bytes)
		return false;
	vx_view_mem(&view, &vm);
	vx_show_kb(m, "MemTotal:       ", vm.total);
	vx_show_kb(m, "MemFree:        ", vm.free);
	vx_show_kb(m, "MemAvailable:   ", vm.avail);
	vx_show_kb(m, "Buffers:        ", vm.buffers);
	vx_show_kb(m, "Cached:         ", vm.cached);
	vx_show_kb(m, "SwapCached:     ", 0);
	vx_show_kb(m, "Active:         ", lru[LRU_ACTIVE_ANON] + lru[LRU_ACTIVE_FILE]);
	vx_show_kb(m, "Inactive:       ", lru[LRU_INACTIVE_ANON] + lru[LRU_INACTIVE_FILE]);
	vx_show_kb(m, "Active(anon):   ", lru[LRU_ACTIVE_ANON]);
	vx_show_kb(m, "Inactive(anon): ", lru[LRU_INACTIVE_ANON]);
	vx_show_kb(m, "Active(file):   ", lru[LRU_ACTIVE_FILE]);
	vx_show_kb(m, "Inactive(file): ", lru[LRU_INACTIVE_FILE]);
	vx_show_kb(m, "Unevictable:    ", lru[LRU_UNEVICTABLE]);
	vx_show_kb(m, "Mlocked:        ", 0);
	vx_show_kb(m, "SwapTotal:      ", vm.swap_total);
	vx_show_kb(m, "SwapFree:       ", vm.swap_free);
	vx_show_kb(m, "Dirty:          ", vm.dirty);
	vx_show_kb(m, "Writeback:      ", vm.writeback);
	vx_show_kb(m, "AnonPages:      ", vm.anon);
	vx_show_kb(m, "Mapped:         ", vm.mapped);
	vx_show_kb(m, "Shmem:          ", vm.shmem);
	vx_show_kb(m, "KReclaimable:   ", vm.srecl);
	vx_show_kb(m, "Slab:           ", vm.srecl + vm.sunrecl);
	vx_show_kb(m, "SReclaimable:   ", vm.srecl);
	vx_show_kb(m, "SUnreclaim:     ", vm.sunrecl);
	vx_show_kb(m, "CommitLimit:    ", vm.total + vm.swap_total);
	return true;
}

/* CPUs the view shows (its own count, else the host's online CPUs). */
static unsigned int vx_view_nr_cpus(const struct vx_view *view)
{
	unsigned int n = view->nr_cpus ? min(view->nr_cpus, num_online_cpus()) : 0;

	return n ?: num_online_cpus();
}

static void vx_view_cputime(struct vx_context *ctx, struct vx_view_cpu *c)
{
	struct task_struct *g, *t;
	u64 utime, stime;

	c->user = atomic64_read(&ctx->dead_utime);
	c->system = atomic64_read(&ctx->dead_stime);
	c->csw = atomic64_read(&ctx->dead_csw);
	c->running = 0;
	c->blocked = 0;
	guard(rcu)();
	for_each_process_thread(g, t) {
		unsigned int state;

		if (vx_task_ctx(t) != ctx || t->exit_state)
			continue;
		task_cputime(t, &utime, &stime);
		c->user += utime;
		c->system += stime;
		c->csw += t->nvcsw + t->nivcsw;
		state = READ_ONCE(t->__state);
		if (state == TASK_RUNNING)
			c->running++;
		else if (state & TASK_UNINTERRUPTIBLE)
			c->blocked++;
	}
}

static void vx_put_cpu_line(struct seq_file *m, const char *name, u64 user,
			    u64 system, u64 idle)
{
	static const char zeros[] = " 0 0 0 0 0 0";

	seq_puts(m, name);
	seq_put_decimal_ull(m, " ", nsec_to_clock_t(user));
	seq_put_decimal_ull(m, " ", 0);
	seq_put_decimal_ull(m, " ", nsec_to_clock_t(system));
	seq_put_decimal_ull(m, " ", nsec_to_clock_t(idle));
	seq_puts(m, zeros);
	seq_putc(m, '\n');
}

bool __vx_view_stat(struct seq_file *m)
{
	u64 up, busy, idle, user, system;
	struct vx_context *ctx;
	struct timespec64 boot;
	struct vx_view_cpu c;
	struct vx_view view;
	unsigned int i, n;
	char name[16];

	if (!vx_view_get_current(&ctx, &view))
		return false;
	n = vx_view_nr_cpus(&view);
	up = vx_view_uptime_ns(&view);
	vx_view_cputime(ctx, &c);
	busy = c.user + c.system;
	idle = n * up > busy ? n * up - busy : 0;
	vx_put_cpu_line(m, "cpu ", c.user, c.system, idle);
	user = div_u64(c.user, n);
	system = div_u64(c.system, n);
	idle = div_u64(idle, n);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "cpu%u", i);
		vx_put_cpu_line(m, name, user, system, idle);
	}
	getboottime64(&boot);
	seq_printf(m,
		   "intr 0\nctxt %llu\nbtime %llu\nprocesses %llu\n"
		   "procs_running %u\nprocs_blocked %u\n"
		   "softirq 0 0 0 0 0 0 0 0 0 0 0\n",
		   c.csw, (u64)boot.tv_sec + div_u64(view.start_ns, NSEC_PER_SEC),
		   (u64)atomic64_read(&ctx->nr_forks), max(c.running, 1U),
		   c.blocked);
	return true;
}

bool __vx_view_uptime(struct seq_file *m)
{
	struct vx_context *ctx;
	struct vx_view_cpu c;
	struct vx_view view;
	u64 up, idle, busy;
	u32 up_rem, idle_rem;
	u64 up_s, idle_s;

	if (!vx_view_get_current(&ctx, &view))
		return false;
	up = vx_view_uptime_ns(&view);
	vx_view_cputime(ctx, &c);
	busy = c.user + c.system;
	idle = vx_view_nr_cpus(&view) * up;
	idle = idle > busy ? idle - busy : 0;
	up_s = div_u64_rem(up, NSEC_PER_SEC, &up_rem);
	idle_s = div_u64_rem(idle, NSEC_PER_SEC, &idle_rem);
	seq_printf(m, "%llu.%02u %llu.%02u\n", up_s, up_rem / (u32)(NSEC_PER_SEC / 100),
		   idle_s, idle_rem / (u32)(NSEC_PER_SEC / 100));
	return true;
}

bool __vx_view_loadavg(struct seq_file *m)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	unsigned long a[3];
	struct vx_context *ctx;
	struct vx_view view;
	int i, last;

	if (!vx_view_get_current(&ctx, &view))
		return false;
	for (i = 0; i < 3; i++)
		a[i] = READ_ONCE(ctx->avenrun[i]) + FIXED_1 / 200;
	last = ns == &init_pid_ns ? atomic_read(&ctx->last_pid) :
				    idr_get_cursor(&ns->idr) - 1;
	seq_printf(m, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%d %d\n",
		   LOAD_INT(a[0]), LOAD_FRAC(a[0]), LOAD_INT(a[1]), LOAD_FRAC(a[1]),
		   LOAD_INT(a[2]), LOAD_FRAC(a[2]),
		   max(READ_ONCE(ctx->nr_running), 1U),
		   atomic_read(&ctx->nr_tasks), last);
	return true;
}

void __vx_view_sysinfo(struct sysinfo *info)
{
	struct vx_context *ctx;
	struct vx_view_mem vm;
	struct vx_view view;
	u64 up;
	u32 rem;
	int i;

	if (!vx_view_get_current(&ctx, &view))
		return;
	up = div_u64_rem(vx_view_uptime_ns(&view), NSEC_PER_SEC, &rem);
	info->uptime = up + (rem ? 1 : 0);
	for (i = 0; i < 3; i++)
		info->loads[i] = READ_ONCE(ctx->avenrun[i]) << (SI_LOAD_SHIFT - FSHIFT);
	info->procs = atomic_read(&ctx->nr_tasks);
	if (!view.mem_bytes)
		return;
	/* si_meminfo() set mem_unit to PAGE_SIZE: figures are in pages. */
	vx_view_mem(&view, &vm);
	info->totalram = vm.total;
	info->freeram = vm.free;
	info->sharedram = vm.shmem;
	info->bufferram = vm.buffers;
	info->totalswap = vm.swap_total;
	info->freeswap = vm.swap_free;
	info->totalhigh = 0;
	info->freehigh = 0;
}
