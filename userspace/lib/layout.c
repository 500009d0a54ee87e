// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Storage layout names (see layout.h). Layouts vx does not have are refused
 * with the reason, never silently replaced by another: a hoster who asked
 * for a disk-limited layout must not get an unlimited one.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "layout.h"

/* fs/quota/dquot.c registers /proc/sys/fs/quota; without CONFIG_QUOTA
 * the directory does not exist and quotactl() is ENOSYS. */
static bool kernel_has_quota(void)
{
	return access("/proc/sys/fs/quota", F_OK) == 0;
}

int vx_layout_parse(const char *s, const char *where, enum vx_layout *out,
		    struct vx_error **err)
{
	static const char *const quota[] = { "quota", "prjquota", "project" };
	const char *why = "the layouts are \"overlay\" (shared template + per-CT upper directory), \"plain\" (also \"simfs\": a private copy), \"image\" (a private copy in a per-CT ext4 image), \"image-overlay\" (shared template + per-CT upper in an ext4 image) and \"btrfs\" (a snapshot of the template per CT)";

	if (!s || !*s || !strcmp(s, "simfs") || !strcmp(s, "plain")) {
		*out = VX_LAYOUT_PLAIN;
		return 0;
	}
	if (!strcmp(s, "overlay")) {
		*out = VX_LAYOUT_OVERLAY;
		return 0;
	}
	if (!strcmp(s, "image")) {
		*out = VX_LAYOUT_IMAGE;
		return 0;
	}
	if (!strcmp(s, "image-overlay")) {
		*out = VX_LAYOUT_IMAGE_OVERLAY;
		return 0;
	}
	if (!strcmp(s, "btrfs")) {
		*out = VX_LAYOUT_BTRFS;
		return 0;
	}
	if (!strcmp(s, "ploop"))
		why = "vx has no ploop; use \"overlay\" or \"plain\"";
	for (size_t i = 0; i < ARRAY_SIZE(quota); i++)
		if (!strcmp(s, quota[i]))
			why = kernel_has_quota() ?
				"project-quota directories are not implemented yet; use \"overlay\" or \"plain\"" :
				"this kernel has no disk quota support (CONFIG_QUOTA is off: /proc/sys/fs/quota is missing), so project quotas cannot limit a CT here; use \"overlay\" or \"plain\"";
	vx_error_set(err, VX_E_INVAL_VALUE, 0,
		     "%s: VE_LAYOUT=\"%s\" is not supported: %s", where, s, why);
	return -EINVAL;
}

const char *vx_layout_name(enum vx_layout l)
{
	return l == VX_LAYOUT_OVERLAY ? "overlay" :
	       l == VX_LAYOUT_IMAGE ? "image" :
	       l == VX_LAYOUT_IMAGE_OVERLAY ? "image-overlay" :
	       l == VX_LAYOUT_BTRFS ? "btrfs" : "simfs";
}

enum vx_layout vx_ct_layout(const struct vx_ct *ct)
{
	const char *v = vx_conf_get(ct->conf, "VE_LAYOUT");

	if (v && !strcmp(v, "overlay"))
		return VX_LAYOUT_OVERLAY;
	if (v && !strcmp(v, "image"))
		return VX_LAYOUT_IMAGE;
	if (v && !strcmp(v, "image-overlay"))
		return VX_LAYOUT_IMAGE_OVERLAY;
	if (v && !strcmp(v, "btrfs"))
		return VX_LAYOUT_BTRFS;
	return VX_LAYOUT_PLAIN;
}
