/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Per-distribution setup of a CT's files (setup.c). So far: the hostname
 * (/etc/hostname, /etc/hosts) at create. Nameservers, root password and
 * the networking hook come with the option plumbing for them.
 */
#ifndef VX_SETUP_H
#define VX_SETUP_H

#include "error.h"

/* Writes WRITE_ROOT/etc/hostname and WRITE_ROOT/etc/hosts (READ_ROOT's
 * hosts with a "127.0.1.1 HOST SHORT" line). READ_ROOT == WRITE_ROOT for a
 * plain tree; the shared lower tree and the upper dir for overlay. */
int vx_setup_hostname(const char *read_root, const char *write_root,
		      const char *hostname, struct vx_error **err);

#endif /* VX_SETUP_H */
