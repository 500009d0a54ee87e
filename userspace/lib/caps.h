/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CT's capability bounding set, from the config's CAPABILITY key in
 * OpenVZ syntax: CAPABILITY="net_admin:on sys_time:off" (names with or
 * without the "cap_" prefix, any case). Settings apply on top of the
 * default set, which is what OpenVZ leaves a VPS minus what a plain Linux
 * kernel cannot virtualize (see caps.c).
 */
#ifndef VX_CAPS_H
#define VX_CAPS_H

#include <stdint.h>
#include "error.h"

/* Bit n = capability n. */
uint64_t vx_caps_default(void);

/* Parses spec (may be NULL or empty) on top of the default set. Refuses
 * unknown names (VX_E_INVAL_VALUE) and capabilities no CT may ever hold
 * (VX_E_CAP). */
int vx_caps_parse(const char *spec, uint64_t *mask, struct vx_error **err);

/* Drops every capability outside mask from the bounding set, and from the
 * effective/permitted/inheritable/ambient sets of the calling process. */
int vx_caps_apply(uint64_t mask, struct vx_error **err);

#endif /* VX_CAPS_H */
