/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The default seccomp filter of every CT process (init, exec, enter).
 * Named seccomp_filter.h so it never shadows libseccomp's <seccomp.h>.
 */
#ifndef VX_SECCOMP_FILTER_H
#define VX_SECCOMP_FILTER_H

#include "error.h"

/* Compiles the filter once per process and keeps the BPF program, so that
 * a later vx_seccomp_apply() in a forked child is a single prctl() instead
 * of ~0.5 ms of libseccomp work on every start and exec. Thread-safe; call
 * it in the parent before forking. */
int vx_seccomp_prepare(struct vx_error **err);

/* Loads the filter into the calling thread (and so its descendants). Call
 * while still holding CAP_SYS_ADMIN: we do not set no_new_privs, which
 * would break setuid programs inside the CT. */
int vx_seccomp_apply(struct vx_error **err);

#endif /* VX_SECCOMP_FILTER_H */
