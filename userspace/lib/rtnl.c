// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rtnetlink on libmnl: see rtnl.h. One request at a time per socket; each
 * is sent with NLM_F_ACK and answered by its data (for GET requests) and
 * an NLMSG_ERROR carrying the result and, with NETLINK_EXT_ACK, the
 * kernel's own explanation, which goes into the error message.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "rtnl.h"

int vx_ip_len(const struct vx_ip *ip)
{
	return ip->family == AF_INET ? 4 : 16;
}

int vx_ip_parse(const char *s, int def4, int def6, struct vx_ip *ip)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	int max;

	memset(ip, 0, sizeof(*ip));
	if (!len || len >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, &ip->v4) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &ip->v6) == 1)
		ip->family = AF_INET6;
	else
		return -EINVAL;
	max = ip->family == AF_INET ? 32 : 128;
	ip->prefix = ip->family == AF_INET ? def4 : def6;
	if (slash) {
		char *end;
		long p;

		if (!slash[1] || slash[1] == '-' || slash[1] == '+')
			return -EINVAL;
		p = strtol(slash + 1, &end, 10);
		if (*end || p < 0 || p > max)
			return -EINVAL;
		ip->prefix = (int)p;
	}
	return 0;
}

void vx_ip_format(const struct vx_ip *ip, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int max = ip->family == AF_INET ? 32 : 128;

	inet_ntop(ip->family, ip->raw, a, sizeof(a));
	if (ip->prefix == max)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%d", a, ip->prefix);
}

bool vx_ip_equal(const struct vx_ip *a, const struct vx_ip *b)
{
	return a->family == b->family &&
	       !memcmp(a->raw, b->raw, vx_ip_len(a));
}

int vx_netns_enter(int netns_fd, int *saved)
{
	*saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		int e = errno;

		close(steal_fd(*saved));
		return -e;
	}
	return 0;
}

void vx_netns_leave(int *saved)
{
	if (*saved < 0)
		return;
	/* Cannot fail for a namespace we were in a moment ago. */
	if (setns(*saved, CLONE_NEWNET) < 0)
		abort();
	close(steal_fd(*saved));
}

int vx_rtnl_open(struct vx_rtnl *r, int netns_fd, struct vx_error **err)
{
	int saved = -1, one = 1, ret;

	memset(r, 0, sizeof(*r));
	if (netns_fd >= 0 && (ret = vx_netns_enter(netns_fd, &saved)) < 0)
		return vx_error_set(err, VX_E_SYSTEM, -ret,
				    "enter network namespace");
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	ret = r->nl ? 0 : -errno;
	vx_netns_leave(&saved);
	if (ret < 0)
		return vx_error_set(err, VX_E_SYSTEM, -ret, "netlink socket");
	/* Both optional: without them errors are only less precise. */
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	r->buf = malloc(MNL_SOCKET_BUFFER_SIZE);
	if (!r->buf || mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = errno ? errno : ENOMEM;
		vx_rtnl_close(r);
		return vx_error_set(err, VX_E_SYSTEM, ret, "netlink bind");
	}
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (unsigned int)getpid() << 8;
	return 0;
}

void vx_rtnl_close(struct vx_rtnl *r)
{
	if (r->nl)
		mnl_socket_close(r->nl);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* The extended-ack text of an NLMSG_ERROR, if any. */
static void extack_msg(const struct nlmsghdr *nlh, char *emsg, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(emsg, len, "%s", mnl_attr_get_str(a));
}

/* Sends nlh, feeds data replies to cb, returns the ACK's result. */
static int talk(struct vx_rtnl *r, struct nlmsghdr *nlh, mnl_cb_t cb,
		void *data, char *emsg, size_t elen)
{
	unsigned int seq = ++r->seq;

	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (emsg)
		emsg[0] = '\0';
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(r->nl, r->buf,
						MNL_SOCKET_BUFFER_SIZE);
		const struct nlmsghdr *m;
		int left;

		if (n < 0)
			return -errno;
		m = (const struct nlmsghdr *)r->buf;
		left = (int)n;
		for (; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != seq)
				continue;	/* a late answer to an old request */
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (e->error && emsg)
					extack_msg(m, emsg, elen);
				return e->error;
			}
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (cb && cb(m, data) < MNL_CB_OK)
				return -EIO;
		}
	}
}

static struct nlmsghdr *msg_new(struct vx_rtnl *r, int type, int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(r->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	return nlh;
}

/* "what: <strerror>[ (<kernel's text>)]" */
__attribute__((format(printf, 4, 5)))
static int fail(struct vx_error **err, int ret, const char *emsg,
		const char *fmt, ...)
{
	char what[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (emsg && *emsg)
		return vx_error_set(err, VX_E_SYSTEM, -ret, "%s (kernel: %s)",
				    what, emsg);
	return vx_error_set(err, VX_E_SYSTEM, -ret, "%s", what);
}

struct link_reply {
	int ifindex;
	struct rtnl_link_stats64 *stats;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_reply *lr = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	lr->ifindex = ifi->ifi_index;
	mnl_attr_for_each(a, nlh, sizeof(*ifi))
		if (mnl_attr_get_type(a) == IFLA_STATS64 && lr->stats &&
		    mnl_attr_get_payload_len(a) >= sizeof(*lr->stats))
			memcpy(lr->stats, mnl_attr_get_payload(a),
			       sizeof(*lr->stats));
	return MNL_CB_OK;
}

static int get_link(struct vx_rtnl *r, const char *name,
		    struct link_reply *lr)
{
	struct nlmsghdr *nlh = msg_new(r, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	uint32_t mask = RTEXT_FILTER_SKIP_STATS;

	if (strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (!lr->stats)
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, mask);
	lr->ifindex = 0;
	return talk(r, nlh, link_cb, lr, NULL, 0);
}

int vx_rtnl_ifindex(struct vx_rtnl *r, const char *name)
{
	struct link_reply lr = { 0 };
	int ret = get_link(r, name, &lr);

	if (ret < 0)
		return ret;
	return lr.ifindex > 0 ? lr.ifindex : -ENODEV;
}

int vx_rtnl_link_stats(struct vx_rtnl *r, const char *name,
		       struct rtnl_link_stats64 *st, struct vx_error **err)
{
	struct link_reply lr = { .stats = st };
	int ret;

	memset(st, 0, sizeof(*st));
	ret = get_link(r, name, &lr);
	if (ret < 0)
		return vx_error_set(err, VX_E_SYSTEM, -ret, "link %s", name);
	return 0;
}

int vx_rtnl_veth_add(struct vx_rtnl *r, const char *name, const uint8_t *mac,
		     const char *peer, const uint8_t *peer_mac,
		     int peer_netns_fd, struct vx_error **err)
{
	struct nlmsghdr *nlh = msg_new(r, RTM_NEWLINK,
				       NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct nlattr *linfo, *data, *pinfo;
	struct ifinfomsg *pifi;
	char emsg[256];
	int ret;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	linfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	pinfo = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow its own ifinfomsg. */
	pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	mnl_attr_nest_end(nlh, pinfo);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linfo);
	ret = talk(r, nlh, NULL, NULL, emsg, sizeof(emsg));
	if (ret < 0)
		return fail(err, ret, emsg, "create veth pair %s/%s", name,
			 peer);
	return 0;
}

int vx_rtnl_link_set(struct vx_rtnl *r, int ifindex, bool up, int master,
		     struct vx_error **err)
{
	struct nlmsghdr *nlh = msg_new(r, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	char emsg[256];
	int ret;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	if (master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	ret = talk(r, nlh, NULL, NULL, emsg, sizeof(emsg));
	if (ret < 0)
		return fail(err, ret, emsg, "set link %d %s%s", ifindex,
			 up ? "up" : "down", master > 0 ? " on its bridge" : "");
	return 0;
}

int vx_rtnl_link_del(struct vx_rtnl *r, const char *name,
		     struct vx_error **err)
{
	struct nlmsghdr *nlh = msg_new(r, RTM_DELLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	char emsg[256];
	int ret;

	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	ret = talk(r, nlh, NULL, NULL, emsg, sizeof(emsg));
	if (ret == -ENODEV)
		return ret;
	if (ret < 0)
		return fail(err, ret, emsg, "delete link %s", name);
	return 0;
}

int vx_rtnl_addr(struct vx_rtnl *r, bool add, int ifindex,
		 const struct vx_ip *ip, uint32_t flags, struct vx_error **err)
{
	struct nlmsghdr *nlh = msg_new(r, add ? RTM_NEWADDR : RTM_DELADDR,
				       add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	char emsg[256], a[64];
	int ret;

	ifa->ifa_family = (uint8_t)ip->family;
	ifa->ifa_prefixlen = (uint8_t)ip->prefix;
	ifa->ifa_index = (uint32_t)ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (ip->family == AF_INET6 && ip->raw[0] == 0xfe &&
	    (ip->raw[1] & 0xc0) == 0x80)
		ifa->ifa_scope = RT_SCOPE_LINK;
	mnl_attr_put(nlh, IFA_LOCAL, vx_ip_len(ip), ip->raw);
	mnl_attr_put(nlh, IFA_ADDRESS, vx_ip_len(ip), ip->raw);
	if (add)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD | flags);
	ret = talk(r, nlh, NULL, NULL, emsg, sizeof(emsg));
	if (ret == -EEXIST || (!add && ret == -EADDRNOTAVAIL))
		return 0;
	if (ret < 0) {
		vx_ip_format(ip, a, sizeof(a));
		return fail(err, ret, emsg, "%s address %s", add ? "add" :
			 "delete", a);
	}
	return 0;
}

int vx_rtnl_route(struct vx_rtnl *r, bool add, int ifindex,
		  const struct vx_ip *dst, const struct vx_ip *gw,
		  struct vx_error **err)
{
	struct nlmsghdr *nlh = msg_new(r, add ? RTM_NEWROUTE : RTM_DELROUTE,
				       add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	char emsg[256], a[64];
	int ret;

	rtm->rtm_family = (uint8_t)dst->family;
	rtm->rtm_dst_len = (uint8_t)dst->prefix;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (dst->prefix)
		mnl_attr_put(nlh, RTA_DST, vx_ip_len(dst), dst->raw);
	if (gw) {
		mnl_attr_put(nlh, RTA_GATEWAY, vx_ip_len(gw), gw->raw);
		rtm->rtm_flags |= RTNH_F_ONLINK;
	}
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	ret = talk(r, nlh, NULL, NULL, emsg, sizeof(emsg));
	if (ret == -EEXIST || (!add && (ret == -ESRCH || ret == -ENODEV)))
		return 0;
	if (ret < 0) {
		vx_ip_format(dst, a, sizeof(a));
		return fail(err, ret, emsg, "%s route to %s", add ? "add" :
			 "delete", a);
	}
	return 0;
}

struct route_reply {
	int oif;
	bool gateway;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_reply *rr = data;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg)) {
		if (mnl_attr_get_type(a) == RTA_OIF)
			rr->oif = (int)mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == RTA_GATEWAY ||
			 mnl_attr_get_type(a) == RTA_VIA)
			rr->gateway = true;
	}
	return MNL_CB_OK;
}

int vx_rtnl_route_get(struct vx_rtnl *r, const struct vx_ip *ip, int *oif,
		      bool *gateway, struct vx_error **err)
{
	struct nlmsghdr *nlh = msg_new(r, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct route_reply rr = { 0 };
	char emsg[256];
	int ret;

	rtm->rtm_family = (uint8_t)ip->family;
	rtm->rtm_dst_len = (uint8_t)(vx_ip_len(ip) * 8);
	mnl_attr_put(nlh, RTA_DST, vx_ip_len(ip), ip->raw);
	ret = talk(r, nlh, route_cb, &rr, emsg, sizeof(emsg));
	if (ret < 0)
		return ret == -ENETUNREACH || ret == -EHOSTUNREACH ? ret :
		       fail(err, ret, emsg, "route lookup");
	*oif = rr.oif;
	*gateway = rr.gateway;
	return 0;
}

int vx_rtnl_neigh_proxy(struct vx_rtnl *r, bool add, int ifindex,
			const struct vx_ip *ip, struct vx_error **err)
{
	struct nlmsghdr *nlh = msg_new(r, add ? RTM_NEWNEIGH : RTM_DELNEIGH,
				       add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	struct ndmsg *nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	char emsg[256], a[64];
	int ret;

	nd->ndm_family = (uint8_t)ip->family;
	nd->ndm_ifindex = ifindex;
	nd->ndm_flags = NTF_PROXY;
	nd->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, vx_ip_len(ip), ip->raw);
	ret = talk(r, nlh, NULL, NULL, emsg, sizeof(emsg));
	if (ret == -EEXIST || (!add && (ret == -ENOENT || ret == -ENODEV)))
		return 0;
	if (ret < 0) {
		vx_ip_format(ip, a, sizeof(a));
		return fail(err, ret, emsg, "%s proxy neighbour %s",
			 add ? "add" : "delete", a);
	}
	return 0;
}

int vx_sysctl_write(int netns_fd, const char *path, const char *value,
		    struct vx_error **err)
{
	char file[256];
	int saved = -1, fd, ret = 0;
	size_t len = strlen(value);

	snprintf(file, sizeof(file), "/proc/sys/%s", path);
	if (netns_fd >= 0 && (ret = vx_netns_enter(netns_fd, &saved)) < 0)
		return vx_error_set(err, VX_E_SYSTEM, -ret,
				    "enter network namespace for %s", path);
	fd = open(file, O_WRONLY | O_CLOEXEC);
	vx_netns_leave(&saved);
	if (fd < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno, "open %s", file);
	if (write(fd, value, len) != (ssize_t)len)
		ret = vx_error_set(err, VX_E_SYSTEM, errno, "write %s to %s",
				   value, file);
	close(fd);
	return ret;
}
