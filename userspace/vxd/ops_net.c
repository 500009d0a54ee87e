// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Network options of `vzctl set`: --ipadd, --ipdel, --nameserver,
 * --searchdomain, --netif_add, --netif_del (see docs/network.md).
 *
 * Same rule as the hostname (ops_set.c): on a running CT the change is
 * made at once and written to the config only with --save; a stopped CT's
 * config is always written. NETIF changes are always saved: a bridged
 * interface is configuration (its generated MACs must stay the same).
 * Live addresses are tracked in rundir/ct/CTID.net, so a stop removes
 * exactly what is live even after unsaved changes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "net.h"
#include "values.h"
#include "vxd.h"

struct net_req {
	const char *ipadd, *ipdel, *ns, *search, *netif_add, *netif_del;
	struct vx_ip *add, *del;
	size_t n_add, n_del;
	bool del_all;
	struct vx_netif nif;
};

bool vxd_net_requested(struct vxd_req *r)
{
	static const char *const keys[] = { "ipadd", "ipdel", "nameserver",
		"searchdomain", "netif_add", "netif_del" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (vx_msg_get_str(r->in, keys[i]))
			return true;
	return false;
}

static int check_nameservers(const char *list, struct vx_error **err)
{
	cleanup_free char *copy = strdup(list);
	char *save = NULL, *tok;

	if (!copy)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "nameserver");
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		struct vx_ip ip;

		if (!strcmp(tok, "inherit") && !strcmp(list, "inherit"))
			continue;
		if (vx_ip_parse(tok, 32, 128, &ip) < 0 ||
		    ip.prefix != (ip.family == AF_INET ? 32 : 128))
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "invalid --nameserver '%s': expected an "
					    "IPv4 or IPv6 address, or 'inherit' "
					    "(alone) for the host's", tok);
	}
	return 0;
}

static int check_search(const char *list, struct vx_error **err)
{
	cleanup_free char *copy = strdup(list);
	char *save = NULL, *tok;

	if (!copy)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "searchdomain");
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save))
		if (vx_check_hostname(tok, NULL) < 0)
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "invalid --searchdomain '%s': expected "
					    "a domain name such as example.com",
					    tok);
	return 0;
}

static int collect(struct vxd_req *r, struct net_req *q, struct vx_error **err)
{
	int ret = 0;

	q->ipadd = vx_msg_get_str(r->in, "ipadd");
	q->ipdel = vx_msg_get_str(r->in, "ipdel");
	q->ns = vx_msg_get_str(r->in, "nameserver");
	q->search = vx_msg_get_str(r->in, "searchdomain");
	q->netif_add = vx_msg_get_str(r->in, "netif_add");
	q->netif_del = vx_msg_get_str(r->in, "netif_del");
	if (q->ipadd &&
	    (ret = vx_net_parse_ips(q->ipadd, &q->add, &q->n_add, err)) < 0)
		vx_error_prefix(err, "--ipadd");
	if (ret == 0 && q->ipdel && !strcmp(q->ipdel, "all"))
		q->del_all = true;
	else if (ret == 0 && q->ipdel &&
		 (ret = vx_net_parse_ips(q->ipdel, &q->del, &q->n_del,
					 err)) < 0)
		vx_error_prefix(err, "--ipdel");
	if (ret == 0 && q->ns)
		ret = check_nameservers(q->ns, err);
	if (ret == 0 && q->search)
		ret = check_search(q->search, err);
	if (ret == 0 && q->netif_add)
		ret = vx_netif_parse(q->netif_add, true, &q->nif, err);
	return ret;
}

static bool ip_in(const struct vx_ip *ip, const struct vx_ip *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (vx_ip_equal(ip, &set[i]))
			return true;
	return false;
}

/* list minus del (all: everything), plus add (an address already there
 * takes the new prefix). Into *out (malloc'd). */
static int ip_merge(const struct vx_ip *list, size_t n, const struct net_req *q,
		    struct vx_ip **out, size_t *k)
{
	*out = calloc(n + q->n_add + 1, sizeof(**out));
	*k = 0;
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < n && !q->del_all; i++)
		if (!ip_in(&list[i], q->del, q->n_del) &&
		    !ip_in(&list[i], q->add, q->n_add))
			(*out)[(*k)++] = list[i];
	for (size_t i = 0; i < q->n_add; i++)
		if (!ip_in(&q->add[i], *out, *k))
			(*out)[(*k)++] = q->add[i];
	return 0;
}

/* --ipadd/--ipdel on the running CT: what is live is in rundir. */
static int ips_live(struct vxd_req *r, unsigned int ctid,
		    const struct net_req *q, int netns, struct vx_error **err)
{
	struct vx_net live;
	cleanup_free struct vx_ip *gone = NULL, *fresh = NULL, *next = NULL;
	size_t n_gone = 0, n_fresh = 0, n_next = 0;
	int ret;

	vx_net_live_load(r->g, ctid, &live);
	if (ip_merge(live.ips, live.n_ips, q, &next, &n_next) < 0 ||
	    !(gone = calloc(live.n_ips + 1, sizeof(*gone))) ||
	    !(fresh = calloc(q->n_add + 1, sizeof(*fresh)))) {
		vx_net_free(&live);
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "set");
	}
	for (size_t i = 0; i < live.n_ips; i++)
		if (!ip_in(&live.ips[i], next, n_next))
			gone[n_gone++] = live.ips[i];
	for (size_t i = 0; i < q->n_add; i++)
		if (!ip_in(&q->add[i], live.ips, live.n_ips))
			fresh[n_fresh++] = q->add[i];
	/* before anything changes: an address in use refuses the set */
	ret = vx_net_ips_check(ctid, fresh, n_fresh, err);
	if (ret < 0) {
		vx_net_free(&live);
		return ret;
	}
	ret = vx_net_ips_live(&live, netns, false, gone, n_gone, err);
	if (ret == 0)
		ret = vx_net_ips_live(&live, netns, true, fresh, n_fresh, err);
	/* record what is live even after a half failure */
	free(live.ips);
	live.ips = steal_ptr(next);
	live.n_ips = n_next;
	if (vx_net_live_save(r->g, &live, ret ? NULL : err) < 0 && ret == 0)
		ret = -EIO;
	vx_net_free(&live);
	return ret;
}

static int netif_find(const struct vx_net *n, const char *ifname)
{
	for (size_t i = 0; i < n->n_ifs; i++)
		if (!strcmp(n->ifs[i].ifname, ifname))
			return (int)i;
	return -1;
}

static bool host_name_taken(unsigned int ctid, const struct vx_net *n,
			    const char *name, const char **taker)
{
	for (size_t i = 0; i < n->n_ifs; i++) {
		char other[IFNAMSIZ];

		if (vx_netif_host_name(ctid, &n->ifs[i], i, other, NULL) == 0 &&
		    !strcmp(other, name)) {
			*taker = n->ifs[i].ifname;
			return true;
		}
	}
	return false;
}

/* --netif_add / --netif_del: the NETIF list, live if running. */
static int netifs(struct vxd_req *r, struct vx_ct *ct, struct net_req *q,
		  int netns, struct vx_error **err)
{
	struct vx_net n;
	cleanup_free char *text = NULL;
	const char *taker = NULL;
	char hname[IFNAMSIZ];
	bool given;
	int ret, i;

	ret = vx_net_load(ct, &n, err);
	if (ret < 0)
		return ret;
	if (q->netif_del) {
		bool all = !strcmp(q->netif_del, "all");

		if (!all && netif_find(&n, q->netif_del) < 0) {
			ret = vx_error_set(err, VX_E_INVAL_VALUE, 0,
					   "--netif_del %s: CT %u has no such "
					   "interface", q->netif_del, ct->ctid);
			goto out;
		}
		for (i = (int)n.n_ifs - 1; i >= 0; i--) {
			if (!all && strcmp(n.ifs[i].ifname, q->netif_del))
				continue;
			if (netns >= 0 &&
			    (ret = vx_net_netif_live(&n, (size_t)i, false, netns,
						     err)) < 0)
				goto out;
			memmove(&n.ifs[i], &n.ifs[i + 1],
				(n.n_ifs - (size_t)i - 1) * sizeof(n.ifs[0]));
			n.n_ifs--;
		}
	}
	if (q->netif_add) {
		struct vx_netif *grown;

		if (netif_find(&n, q->nif.ifname) >= 0) {
			ret = vx_error_set(err, VX_E_INVAL_VALUE, 0,
					   "--netif_add %s: CT %u already has it; "
					   "--netif_del it first", q->nif.ifname,
					   ct->ctid);
			goto out;
		}
		/* generated once and saved: a MAC that changed at every
		 * start would break DHCP leases and SLAAC addresses */
		if (!q->nif.has_mac)
			vx_mac_random(q->nif.mac);
		if (!q->nif.has_host_mac)
			vx_mac_random(q->nif.host_mac);
		q->nif.has_mac = q->nif.has_host_mac = true;
		/* the host name is saved too: one derived from the position
		 * would change when an earlier entry is deleted. Default: the
		 * first free veth<CTID>.<N> from N = the entry's position. */
		given = q->nif.host_ifname[0] != '\0';
		for (size_t k = n.n_ifs;; k++) {
			ret = vx_netif_host_name(ct->ctid, &q->nif, k, hname, err);
			if (ret < 0)
				goto out;
			if (!host_name_taken(ct->ctid, &n, hname, &taker))
				break;
			if (given) {
				ret = vx_error_set(err, VX_E_INVAL_VALUE, 0,
						   "--netif_add %s: host interface %s is "
						   "taken by %s; give another name",
						   q->nif.ifname, hname, taker);
				goto out;
			}
		}
		memcpy(q->nif.host_ifname, hname, sizeof(hname));
		grown = realloc(n.ifs, (n.n_ifs + 1) * sizeof(*grown));
		if (!grown) {
			ret = vx_error_set(err, VX_E_RESOURCE, ENOMEM, "netif");
			goto out;
		}
		n.ifs = grown;
		n.ifs[n.n_ifs++] = q->nif;
		if (netns >= 0 &&
		    (ret = vx_net_netif_live(&n, n.n_ifs - 1, true, netns,
					     err)) < 0)
			goto out;
	}
	text = vx_netif_format(n.ifs, n.n_ifs);
	if (!text)
		ret = vx_error_set(err, VX_E_RESOURCE, ENOMEM, "netif");
	else if (*text)
		vx_conf_set(ct->conf, "NETIF", text);
	else
		vx_conf_unset(ct->conf, "NETIF");
out:
	vx_net_free(&n);
	return ret;
}

int vxd_net_set(struct vxd_req *r, struct vx_ct *ct, bool running, bool save,
		bool *dirty, struct vx_error **err)
{
	struct net_req q = { 0 };
	cleanup_close int netns = -1;
	bool write = !running || save;
	int ret;

	ret = collect(r, &q, err);
	if (ret < 0)
		goto out;
	if (running) {
		netns = vx_net_ct_netns(r->g, ct->ctid, err);
		if (netns < 0) {
			ret = netns;
			goto out;
		}
	}
	if (q.ipadd || q.ipdel) {
		struct vx_net cur;
		cleanup_free struct vx_ip *next = NULL;
		cleanup_free char *text = NULL;
		size_t n_next = 0;

		ret = vx_net_load(ct, &cur, err);
		if (ret < 0)
			goto out;
		ret = ip_merge(cur.ips, cur.n_ips, &q, &next, &n_next);
		vx_net_free(&cur);
		if (ret < 0 || !(text = vx_net_format_ips(next, n_next))) {
			ret = vx_error_set(err, VX_E_RESOURCE, ENOMEM, "set");
			goto out;
		}
		if (running && (ret = ips_live(r, ct->ctid, &q, netns, err)) < 0)
			goto out;
		if (write) {
			vx_conf_set(ct->conf, "IP_ADDRESS", text);
			*dirty = true;
		}
	}
	if (q.ns || q.search) {
		if (running && (ret = vx_net_resolv(ct->root, q.ns, q.search,
						    err)) < 0)
			goto out;
		if (write) {
			if (q.ns)
				vx_conf_set(ct->conf, "NAMESERVER", q.ns);
			if (q.search)
				vx_conf_set(ct->conf, "SEARCHDOMAIN", q.search);
			*dirty = true;
		}
	}
	if (q.netif_add || q.netif_del) {
		ret = netifs(r, ct, &q, netns, err);
		if (ret < 0)
			goto out;
		*dirty = true;
	}
out:
	free(q.add);
	free(q.del);
	return ret;
}

int vxd_net_check(struct vxd_req *r, struct vx_error **err)
{
	struct net_req q = { 0 };
	int ret = collect(r, &q, err);

	free(q.add);
	free(q.del);
	return ret;
}
