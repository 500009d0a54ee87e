// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * vxd handlers for suspend (chkpnt) and resume (restore): the CT lock,
 * OpenVZ's progress wording, and libvx's checkpoint.c for the work.
 * Request fields: "ct", "dumpfile" s? (dump directory), "tcp" i?
 * (--tcp-established, suspend only).
 */
#include "checkpoint.h"
#include "cleanup.h"
#include "vxd.h"

int vxd_op_suspend(struct vxd_req *r, struct vx_error **err)
{
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	struct vx_ckpt_opts o = { 0 };
	unsigned int ctid;
	int64_t tcp = 0;
	int ret;

	o.dumpdir = vx_msg_get_str(r->in, "dumpfile");
	vx_msg_get_int(r->in, "tcp", &tcp);
	o.tcp = tcp != 0;
	ret = vxd_req_lock_load(r, "suspend", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	vxd_heavy_slot(r->g);
	vxd_info(r, "Setting up checkpoint...");
	ret = vx_ct_suspend(r->g, ct, &o, err);
	if (ret < 0)
		return ret;
	vxd_log("ct %u: suspended", ctid);
	vxd_info(r, "Checkpointing completed successfully");
	vxd_info(r, "Container is suspended");
	return 0;
}

int vxd_op_resume(struct vxd_req *r, struct vx_error **err)
{
	cleanup_unlock int lockfd = -1;
	cleanup_ct struct vx_ct *ct = NULL;
	struct vx_ckpt_opts o = { 0 };
	unsigned int ctid;
	int ret;

	o.dumpdir = vx_msg_get_str(r->in, "dumpfile");
	ret = vxd_req_lock_load(r, "resume", &ctid, &lockfd, &ct, err);
	if (ret < 0)
		return ret;
	vxd_heavy_slot(r->g);
	vxd_info(r, "Restoring container ...");
	ret = vx_ct_resume(r->g, ct, &o, err);
	if (ret < 0)
		return ret;
	vxd_log("ct %u: resumed", ctid);
	vxd_info(r, "Container is restored");
	return 0;
}
