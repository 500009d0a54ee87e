/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The default seccomp filter of every CT process (init, exec, enter).
 * Named seccomp_filter.h so it never shadows libseccomp's <seccomp.h>.
 */
#ifndef VX_SECCOMP_FILTER_H
#define VX_SECCOMP_FILTER_H

#include "error.h"

/* Loads the filter into the calling thread (and so its descendants). Call
 * while still holding CAP_SYS_ADMIN: we do not set no_new_privs, which
 * would break setuid programs inside the CT. */
int vx_seccomp_apply(struct vx_error **err);

#endif /* VX_SECCOMP_FILTER_H */
