// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The rules of a routed VPS's anti-spoofing chain (nft.c creates the
 * table and sends them), as `nft list table netdev vx101` shows them:
 *
 *   meta protocol ip ip saddr @v4 accept
 *   meta protocol ip6 meta l4proto != ipv6-icmp ip6 saddr @v6 accept  (f)
 *   meta protocol arp arp htype 1 ptype ip hlen 6 plen 4
 *        arp saddr ip @v4 accept                           (a)
 *   meta protocol ip6 icmpv6 type nd-neighbor-advert
 *        icmpv6 target != @v6 icmpv6 target != fe80::/10 counter drop  (b)
 *   meta protocol ip6 icmpv6 type nd-router-advert counter drop      (c)
 *   meta protocol ip6 icmpv6 type nd-redirect counter drop           (c)
 *   meta protocol ip6 ip6 saddr @v6 accept
 *   meta protocol ip6 ip6 saddr fe80::/10 accept          (d)
 *   meta protocol ip6 ip6 saddr :: accept                  (e)
 *   counter drop                    policy drop: anything else
 *
 * (a) ARP only from one of the VPS's addresses: an ARP request names its
 *     sender, and whoever it asks (the host, through proxy ARP) learns
 *     that address -> the VPS's MAC. Sender 0.0.0.0 (a duplicate-address
 *     probe) is dropped too: nobody else is on the link, and the host
 *     hands out the addresses. Malformed ARP (not Ethernet/IPv4) never
 *     reaches the sender check.
 * (b) A neighbour advertisement announces its target (host caches for it
 *     are overridden), whatever source it is sent from: only the VPS's own
 *     addresses, or link-local ones (only the host shares this link). A
 *     neighbour solicitation creates a cache entry for its *source*, which
 *     (d), (e) and the saddr rule already restrict: own, link-local, or
 *     :: (duplicate detection of the link-local address, which must keep
 *     working for IPv6 to come up).
 * (c) The host is the only router on the link: with accept_ra=2 (which a
 *     host that does SLAAC next to forwarding needs, and which new links
 *     inherit from conf/default) it would otherwise take a default route
 *     through a VPS.
 * (d) Link-local sources are never forwarded by the kernel: neighbour
 *     discovery, MLD and router solicitations.
 * (f) IPv6 other than ICMPv6, most of it, is accepted after 9 expressions
 *     instead of 21 (through the ARP and the three ICMPv6 rules); ICMPv6
 *     from own addresses gets the same verdict below, after the checks.
 *
 * ICMPv6 is matched by the kernel's transport header (meta l4proto,
 * @th): it walks IPv6 extension headers, so a hop-by-hop header in front
 * of an advertisement does not hide it. Every rule reads the sets v4/v6,
 * so --ipadd/--ipdel (set elements) change all of them at once.
 */
#include <errno.h>
#include <netinet/in.h>	/* before linux/in.h, which defers to it */
#include <stdio.h>		/* libnftnl/expr.h uses FILE */
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/if_ether.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdint.h>

#include "cleanup.h"
#include "nft.h"

enum op {
	END,
	PROTO,		/* meta protocol == data (2 bytes, network order) */
	L4,		/* meta l4proto == data (1 byte) */
	L4_NOT,		/* meta l4proto != data */
	NH,		/* load network header bytes [off, off + len) */
	TH,		/* load transport header bytes */
	MASK_LL,	/* the loaded 2 bytes & 0xffc0 (an fe80::/10 test) */
	EQ,		/* loaded == data (len bytes) */
	NE,		/* loaded != data */
	IN,		/* loaded in set data */
	NOT_IN,		/* loaded not in set data */
	COUNT,
	ACCEPT,
	DROP,
};

struct step {
	enum op op;
	uint8_t off, len;
	const void *data;
};

static const uint8_t p_ip[] = { 0x08, 0x00 }, p_arp[] = { 0x08, 0x06 },
		     p_ip6[] = { 0x86, 0xdd }, icmp6[] = { IPPROTO_ICMPV6 },
		     /* htype Ethernet, ptype IPv4, hlen 6, plen 4 */
		     arp_eth_ip[] = { 0, 1, 8, 0, 6, 4 },
		     nd_ra[] = { 134 }, nd_na[] = { 136 }, nd_redir[] = { 137 },
		     ll[] = { 0xfe, 0x80 }, unspec[16];

#define IS6ICMP(type) { PROTO, 0, 2, p_ip6 }, { L4, 0, 1, icmp6 }, \
		      { TH, 0, 1, NULL }, { EQ, 0, 1, type }

/* at most 15 steps: a zeroed step (END) ends each rule */
static const struct step rules[][16] = {
	{ { PROTO, 0, 2, p_ip }, { NH, 12, 4, NULL }, { IN, 0, 0, "v4" },
	  { ACCEPT, 0, 0, NULL } },
	{ { PROTO, 0, 2, p_ip6 }, { L4_NOT, 0, 1, icmp6 }, { NH, 8, 16, NULL },
	  { IN, 0, 0, "v6" }, { ACCEPT, 0, 0, NULL } },
	{ { PROTO, 0, 2, p_arp }, { NH, 0, 6, NULL }, { EQ, 0, 6, arp_eth_ip },
	  { NH, 14, 4, NULL }, { IN, 0, 0, "v4" }, { ACCEPT, 0, 0, NULL } },
	{ IS6ICMP(nd_na), { TH, 8, 16, NULL }, { NOT_IN, 0, 0, "v6" },
	  { TH, 8, 2, NULL }, { MASK_LL, 0, 0, NULL }, { NE, 0, 2, ll },
	  { COUNT, 0, 0, NULL }, { DROP, 0, 0, NULL } },
	{ IS6ICMP(nd_ra), { COUNT, 0, 0, NULL }, { DROP, 0, 0, NULL } },
	{ IS6ICMP(nd_redir), { COUNT, 0, 0, NULL }, { DROP, 0, 0, NULL } },
	{ { PROTO, 0, 2, p_ip6 }, { NH, 8, 16, NULL }, { IN, 0, 0, "v6" },
	  { ACCEPT, 0, 0, NULL } },
	{ { PROTO, 0, 2, p_ip6 }, { NH, 8, 2, NULL }, { MASK_LL, 0, 0, NULL },
	  { EQ, 0, 2, ll }, { ACCEPT, 0, 0, NULL } },
	{ { PROTO, 0, 2, p_ip6 }, { NH, 8, 16, NULL }, { EQ, 0, 16, unspec },
	  { ACCEPT, 0, 0, NULL } },
	{ { COUNT, 0, 0, NULL }, { DROP, 0, 0, NULL } },
};

size_t vx_nft_rule_count(void)
{
	return ARRAY_SIZE(rules);
}

static void put_meta(struct nftnl_expr *e, uint32_t key)
{
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
}

static void put_payload(struct nftnl_expr *e, uint32_t base,
			const struct step *s)
{
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, s->off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, s->len);
}

static void put_cmp(struct nftnl_expr *e, uint32_t op, const struct step *s)
{
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, s->data, s->len);
}

static void put_mask_ll(struct nftnl_expr *e)
{
	static const uint8_t mask[2] = { 0xff, 0xc0 }, zero[2];

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, 2);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, mask, 2);
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, zero, 2);
}

static void put_lookup(struct nftnl_expr *e, const struct step *s)
{
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, s->data);
	if (s->op == NOT_IN)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS,
				   NFT_LOOKUP_F_INV);
}

static void put_verdict(struct nftnl_expr *e, uint32_t verdict)
{
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
}

static const char *expr_name(enum op op)
{
	switch (op) {
	case PROTO:
	case L4:
	case L4_NOT:
		return "meta";
	case NH:
	case TH:
		return "payload";
	case MASK_LL:
		return "bitwise";
	case EQ:
	case NE:
		return "cmp";
	case IN:
	case NOT_IN:
		return "lookup";
	case COUNT:
		return "counter";
	default:
		return "immediate";
	}
}

static int put_step(struct nftnl_rule *r, const struct step *s)
{
	struct nftnl_expr *e = nftnl_expr_alloc(expr_name(s->op));

	if (!e)
		return -ENOMEM;
	switch (s->op) {
	case PROTO:
	case L4:
	case L4_NOT:
		/* the key, then the comparison in a second expression */
		put_meta(e, s->op == PROTO ? NFT_META_PROTOCOL :
			 NFT_META_L4PROTO);
		nftnl_rule_add_expr(r, e);
		e = nftnl_expr_alloc("cmp");
		if (!e)
			return -ENOMEM;
		put_cmp(e, s->op == L4_NOT ? NFT_CMP_NEQ : NFT_CMP_EQ, s);
		break;
	case NH:
	case TH:
		put_payload(e, s->op == NH ? NFT_PAYLOAD_NETWORK_HEADER :
			    NFT_PAYLOAD_TRANSPORT_HEADER, s);
		break;
	case MASK_LL:
		put_mask_ll(e);
		break;
	case EQ:
	case NE:
		put_cmp(e, s->op == EQ ? NFT_CMP_EQ : NFT_CMP_NEQ, s);
		break;
	case IN:
	case NOT_IN:
		put_lookup(e, s);
		break;
	case COUNT:
		break;
	default:
		put_verdict(e, s->op == ACCEPT ? NF_ACCEPT : NF_DROP);
		break;
	}
	nftnl_rule_add_expr(r, e);
	return 0;
}

struct nftnl_rule *vx_nft_rule(const char *table, const char *chain,
			       size_t i)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	if (!r || i >= ARRAY_SIZE(rules)) {
		nftnl_rule_free(r);
		return NULL;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_NETDEV);
	for (const struct step *s = rules[i]; s->op != END; s++)
		if (put_step(r, s) < 0) {
			nftnl_rule_free(r);
			return NULL;
		}
	return r;
}
