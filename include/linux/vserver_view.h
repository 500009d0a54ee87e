/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vserver: per-context /proc view hooks (VX_CMD_VIEW_SET).
 *
 * A task inside a context whose view is active reads the context's own
 * memory, CPUs, load, uptime and task counts in the few files that print
 * them; everyone else reads the host's. Kept out of linux/vserver.h so that
 * only those few files include it: changing a view hook rebuilds them, not
 * mm/ and the other charge points.
 *
 * Each vx_view_*() hook is an inline NULL test of current's context (a
 * host task pays that and nothing more) in front of the out-of-line
 * implementation in kernel/vserver/view*.c. A show hook returns true when
 * it printed the file, false when the caller prints the host's version.
 */
#ifndef _LINUX_VSERVER_VIEW_H
#define _LINUX_VSERVER_VIEW_H

#include <linux/vserver.h>

struct seq_file;
struct sysinfo;
struct cpumask;

#ifdef CONFIG_VSERVER

bool __vx_view_meminfo(struct seq_file *m);
bool __vx_view_loadavg(struct seq_file *m);
bool __vx_view_uptime(struct seq_file *m);
bool __vx_view_stat(struct seq_file *m);
void __vx_view_sysinfo(struct sysinfo *info);
ssize_t __vx_view_cpus_attr(char *buf);
void __vx_view_affinity_get(struct cpumask *mask);
void __vx_view_affinity_set(struct cpumask *mask);
int __vx_view_cpu_id(unsigned int cpu);

#else /* !CONFIG_VSERVER */

static inline bool __vx_view_meminfo(struct seq_file *m) { return false; }
static inline bool __vx_view_loadavg(struct seq_file *m) { return false; }
static inline bool __vx_view_uptime(struct seq_file *m) { return false; }
static inline bool __vx_view_stat(struct seq_file *m) { return false; }
static inline void __vx_view_sysinfo(struct sysinfo *info) { }
static inline ssize_t __vx_view_cpus_attr(char *buf) { return -1; }
static inline void __vx_view_affinity_get(struct cpumask *mask) { }
static inline void __vx_view_affinity_set(struct cpumask *mask) { }
static inline int __vx_view_cpu_id(unsigned int cpu) { return cpu; }

#endif /* CONFIG_VSERVER */

/* Without CONFIG_VSERVER vx_task_ctx() is NULL and this folds to @dflt. */
#define VX_VIEW_HOOK(call, dflt) (vx_task_ctx(current) ? (call) : (dflt))

/* /proc/meminfo, /proc/loadavg, /proc/uptime, /proc/stat: true = printed. */
static inline bool vx_view_meminfo(struct seq_file *m)
{
	return VX_VIEW_HOOK(__vx_view_meminfo(m), false);
}

static inline bool vx_view_loadavg(struct seq_file *m)
{
	return VX_VIEW_HOOK(__vx_view_loadavg(m), false);
}

static inline bool vx_view_uptime(struct seq_file *m)
{
	return VX_VIEW_HOOK(__vx_view_uptime(m), false);
}

static inline bool vx_view_stat(struct seq_file *m)
{
	return VX_VIEW_HOOK(__vx_view_stat(m), false);
}

/**
 * vx_view_sysinfo() - overwrite sysinfo(2) figures with the view's
 * @info: filled by the host code, memory still in units of mem_unit
 */
static inline void vx_view_sysinfo(struct sysinfo *info)
{
	if (vx_task_ctx(current))
		__vx_view_sysinfo(info);
}

/**
 * vx_view_cpus_attr() - /sys/devices/system/cpu/{online,possible,present}
 * @buf: the sysfs page
 *
 * Return: bytes written, or a negative value if the host's map applies.
 */
static inline ssize_t vx_view_cpus_attr(char *buf)
{
	return VX_VIEW_HOOK(__vx_view_cpus_attr(buf), -1);
}

/**
 * vx_view_affinity_get() - host CPU mask -> view numbering, in place
 * @mask: what sched_getaffinity() computed
 */
static inline void vx_view_affinity_get(struct cpumask *mask)
{
	if (vx_task_ctx(current))
		__vx_view_affinity_get(mask);
}

/**
 * vx_view_affinity_set() - view numbering -> host CPU mask, in place
 * @mask: what the caller of sched_setaffinity() passed
 */
static inline void vx_view_affinity_set(struct cpumask *mask)
{
	if (vx_task_ctx(current))
		__vx_view_affinity_set(mask);
}

/**
 * vx_view_cpu_id() - the number a host CPU has in current's view
 * @cpu: an online host CPU
 *
 * For /proc/cpuinfo, which lists only the CPUs of the view.
 *
 * Return: 0..nr-1 in the view, -1 if the view does not show @cpu.
 */
static inline int vx_view_cpu_id(unsigned int cpu)
{
	return VX_VIEW_HOOK(__vx_view_cpu_id(cpu), (int)cpu);
}

#endif /* _LINUX_VSERVER_VIEW_H */
