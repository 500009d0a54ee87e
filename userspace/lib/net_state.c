// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What a running VPS's network is now: the live-address file
 * rundir/ct/CTID.net, the VPS's namespace as seen from vxd, and the
 * traffic counters of its links (see net.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "net.h"
#include "state.h"

static int stats_add(struct vx_rtnl *host, const char *name,
		     struct vx_net_stats *st)
{
	struct rtnl_link_stats64 s;

	if (vx_rtnl_link_stats(host, name, &s, NULL) < 0)
		return 0;
	/* the host side receives what the VPS sends */
	st->tx_bytes += s.rx_bytes;
	st->tx_packets += s.rx_packets;
	st->rx_bytes += s.tx_bytes;
	st->rx_packets += s.tx_packets;
	return 1;
}

int vx_net_stats(const struct vx_net *n, struct vx_net_stats *st,
		 struct vx_error **err)
{
	struct vx_rtnl host;
	char name[IFNAMSIZ];
	int ret, links;

	memset(st, 0, sizeof(*st));
	ret = vx_rtnl_open(&host, -1, err);
	if (ret < 0)
		return ret;
	/* the routed link may exist with an empty IP_ADDRESS (live
	 * --ipadd without --save): always look */
	vx_net_routed_name(n->ctid, name);
	links = stats_add(&host, name, st);
	for (size_t i = 0; i < n->n_ifs; i++)
		if (vx_netif_host_name(n->ctid, &n->ifs[i], i, name, NULL) == 0)
			links += stats_add(&host, name, st);
	vx_rtnl_close(&host);
	return links ? 0 : -ENODEV;
}

/* --- what is live: rundir/ct/CTID.net -------------------------------- */

/*
 * The addresses a running VPS has right now (after live --ipadd/--ipdel
 * that were not saved, the config says something else). Whoever tears
 * the VPS down needs exactly these to remove the host-side state.
 */
static char *live_path(const struct vx_global *g, unsigned int ctid)
{
	char *p = NULL;

	if (asprintf(&p, "%s/ct/%u.net", g->rundir, ctid) < 0)
		return NULL;
	return p;
}

int vx_net_live_save(const struct vx_global *g, const struct vx_net *n,
		     struct vx_error **err)
{
	cleanup_free char *path = live_path(g, n->ctid);
	cleanup_free char *ips = vx_net_format_ips(n->ips, n->n_ips);
	cleanup_free char *text = NULL;

	/* line 2: the table's handle, for the stop (net_reap.c) */
	if (!path || !ips || asprintf(&text, "%s\nnft %llu\n", ips,
				      (unsigned long long)n->nft_handle) < 0)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "net state");
	return vx_write_file_replace(path, text, strlen(text), 0644, false,
				     err);
}

void vx_net_live_remove(const struct vx_global *g, unsigned int ctid)
{
	cleanup_free char *path = live_path(g, ctid);

	if (path)
		unlink(path);
}

int vx_net_live_load(const struct vx_global *g, unsigned int ctid,
		     struct vx_net *n)
{
	cleanup_free char *path = live_path(g, ctid);
	cleanup_close int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	char buf[65536], *nl;
	unsigned long long h;
	ssize_t r;

	memset(n, 0, sizeof(*n));
	n->ctid = ctid;
	if (fd < 0)
		return -ENOENT;
	r = read(fd, buf, sizeof(buf) - 1);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	/* a file of an older vx has the addresses only */
	nl = strchr(buf, '\n');
	if (nl) {
		*nl = '\0';
		if (sscanf(nl + 1, "nft %llu", &h) == 1)
			n->nft_handle = h;
	}
	return vx_net_parse_ips(buf, &n->ips, &n->n_ips, NULL);
}

int vx_net_ct_netns(const struct vx_global *g, unsigned int ctid,
		    struct vx_error **err)
{
	struct vx_state st;
	struct pollfd p;
	char path[64];
	int pidfd, fd, ret;

	ret = vx_state_read(g, ctid, &st, err);
	if (ret < 0)
		return ret;
	pidfd = vx_pidfd_open_checked(st.init_pid, st.init_start);
	if (pidfd < 0)
		return vx_error_set(err, VX_E_NOT_RUNNING, 0,
				    "ct %u stopped meanwhile", ctid);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)st.init_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	/* the pid was still init's when we opened its namespace if init has
	 * not exited now (a pidfd polls readable once the process exits) */
	p = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	if (fd >= 0 && poll(&p, 1, 0) != 0) {
		close(fd);
		fd = -1;
		errno = ESRCH;
	}
	close(pidfd);
	if (fd < 0)
		return vx_error_set(err, VX_E_NOT_RUNNING, errno,
				    "ct %u: network namespace", ctid);
	return fd;
}
