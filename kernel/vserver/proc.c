// SPDX-License-Identifier: GPL-2.0
/*
 * vserver /proc files.
 *
 * /proc/user_beancounters: OpenVZ's "Version: 2.5" text format, byte for
 * byte, so hoster scripts that parse it keep working. The host sees every
 * context (ascending ctid), a task inside a context only its own. uid is the
 * ctid; unlimited values print as 9223372036854775807.
 *
 * /proc/vz/veinfo: host only; one line per context: ctid, class (always 0)
 * and number of live tasks, in OpenVZ's column widths.
 *
 * /proc/vz/stat: host only; "contexts N" (in the table) and "allocated N"
 * (also counting deleted contexts that charged objects still pin; freed
 * after an RCU grace period), for leak checks.
 */

#include <linux/init.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "vserver.h"

static void vx_proc_show_ctx(struct seq_file *m, struct vx_context *ctx)
{
	char uid[16];
	unsigned int id;

	for (id = 0; id < VX_RES_NR_ACCOUNTED; id++) {
		struct vx_res *r = &ctx->res[id];

		if (id == 0)
			snprintf(uid, sizeof(uid), "%u:", ctx->ctid);
		else
			uid[0] = '\0';
		seq_printf(m, "%10s  %-12s %20lld %20lld %20llu %20llu %20lld\n",
			   uid, vx_res_names[id],
			   (long long)atomic64_read(&r->held),
			   (long long)atomic64_read(&r->maxheld),
			   READ_ONCE(r->barrier), READ_ONCE(r->limit),
			   (long long)atomic64_read(&r->failcnt));
	}
}

static int vx_proc_ubc_show(struct seq_file *m, void *v)
{
	struct vx_context *own = vx_task_ctx(current);
	struct vx_context *ctx;
	unsigned long ctid;

	seq_puts(m, "Version: 2.5\n");
	seq_printf(m, "%10s  %-12s %20s %20s %20s %20s %20s\n", "uid",
		   "resource", "held", "maxheld", "barrier", "limit", "failcnt");
	if (own) {
		vx_proc_show_ctx(m, own);
		return 0;
	}
	/* The mutex keeps listed contexts alive; nothing here sleeps long. */
	guard(mutex)(&vx_ctx_mutex);
	xa_for_each(&vx_contexts, ctid, ctx)
		vx_proc_show_ctx(m, ctx);
	return 0;
}

static int vx_proc_veinfo_show(struct seq_file *m, void *v)
{
	struct vx_context *ctx;
	unsigned long ctid;

	guard(mutex)(&vx_ctx_mutex);
	xa_for_each(&vx_contexts, ctid, ctx)
		seq_printf(m, "%10u %5u %5u\n", ctx->ctid, 0,
			   atomic_read(&ctx->nr_tasks));
	return 0;
}

static int vx_proc_stat_show(struct seq_file *m, void *v)
{
	unsigned long ctid, n = 0;
	struct vx_context *ctx;

	scoped_guard(mutex, &vx_ctx_mutex)
		xa_for_each(&vx_contexts, ctid, ctx)
			n++;
	seq_printf(m, "contexts %lu\nallocated %d\n", n,
		   atomic_read(&vx_ctx_allocated));
	return 0;
}

static int vx_proc_veinfo_open(struct inode *inode, struct file *file)
{
	if (vx_task_ctx(current))
		return -EPERM;
	return single_open(file, vx_proc_veinfo_show, NULL);
}

static int vx_proc_stat_open(struct inode *inode, struct file *file)
{
	if (vx_task_ctx(current))
		return -EPERM;
	return single_open(file, vx_proc_stat_show, NULL);
}

/* Host-only files: opening them from inside a context fails with EPERM. */
static const struct proc_ops vx_proc_veinfo_ops = {
	.proc_open	= vx_proc_veinfo_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

static const struct proc_ops vx_proc_stat_ops = {
	.proc_open	= vx_proc_stat_open,
	.proc_read	= seq_read,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

static int __init vx_proc_init(void)
{
	struct proc_dir_entry *dir;

	proc_create_single("user_beancounters", 0444, NULL, vx_proc_ubc_show);
	dir = proc_mkdir("vz", NULL);
	if (dir) {
		proc_create("veinfo", 0400, dir, &vx_proc_veinfo_ops);
		proc_create("stat", 0400, dir, &vx_proc_stat_ops);
	}
	return 0;
}
fs_initcall(vx_proc_init);
