/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nftables anti-spoofing for routed VPSes (nft.c): a table per VPS,
 * `netdev vx<CTID>`, whose ingress chain on the host-side veth drops every
 * packet not sent from one of the VPS's addresses.
 */
#ifndef VX_NFT_H
#define VX_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include "rtnl.h"

/* Creates (replacing a leftover) the table for ctid on dev. VX_E_NOKERNEL
 * if nf_tables or its netdev family is missing. */
int vx_nft_ct_add(unsigned int ctid, const char *dev,
		  const struct vx_ip *ips, size_t n, struct vx_error **err);
/* Removes it; a missing table is not an error. */
int vx_nft_ct_del(unsigned int ctid, struct vx_error **err);
/* Adds or removes addresses of a running VPS. */
int vx_nft_ct_ips(unsigned int ctid, bool add, const struct vx_ip *ips,
		  size_t n, struct vx_error **err);

#endif /* VX_NFT_H */
