/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nftables anti-spoofing for routed VPSes (nft.c): a table per VPS,
 * `netdev vx<CTID>`, whose ingress chain on the host-side veth drops every
 * packet not sent from one of the VPS's addresses, and ARP and neighbour
 * advertisements that claim any other address.
 */
#ifndef VX_NFT_H
#define VX_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "rtnl.h"

/* Creates (replacing a leftover) the table for ctid on dev; *handle (if
 * not NULL) gets the kernel's handle of the new table. VX_E_NOKERNEL if
 * nf_tables or its netdev family is missing. */
int vx_nft_ct_add(unsigned int ctid, const char *dev,
		  const struct vx_ip *ips, size_t n, uint64_t *handle,
		  struct vx_error **err);
/* Removes it; a missing table is not an error. Every change is one
 * nftables transaction, and each commit waits for an RCU grace period
 * (~10-20 ms here): callers keep them off latency-critical paths. */
int vx_nft_ct_del(unsigned int ctid, struct vx_error **err);
/* The kernel's handle of the table (cheap: no transaction); -ENOENT. */
int vx_nft_ct_handle(unsigned int ctid, uint64_t *handle);
/* Removes that very table (handle 0: by name). */
int vx_nft_ct_del_handle(unsigned int ctid, uint64_t handle,
			 struct vx_error **err);
/* Removes n tables by handle in one transaction (one grace period for
 * all); a table already gone is no error. -EIO if one could not go. */
int vx_nft_ct_del_handles(const unsigned int *ctids, const uint64_t *handles,
			  size_t n);
/* Adds or removes addresses of a running VPS. */
int vx_nft_ct_ips(unsigned int ctid, bool add, const struct vx_ip *ips,
		  size_t n, struct vx_error **err);

/* For nft.c: the chain's rules (nft_rule.c), built for table/chain;
 * NULL when out of memory. */
struct nftnl_rule;
size_t vx_nft_rule_count(void);
struct nftnl_rule *vx_nft_rule(const char *table, const char *chain,
			       size_t i);

#endif /* VX_NFT_H */
