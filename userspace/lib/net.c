// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VPS network configuration: IP_ADDRESS and NETIF as OpenVZ writes them,
 * link names, MACs, and the VPS's /etc/resolv.conf (NAMESERVER,
 * SEARCHDOMAIN). Bringing links up is net_run.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "net.h"

/* Only addresses a host can give a VPS: no 0.0.0.0, loopback, multicast,
 * broadcast, ::, ::1 or link-local. */
static bool ip_usable(const struct vx_ip *ip)
{
	const uint8_t *a = ip->raw;
	static const uint8_t zero[16], one[16] = { [15] = 1 };

	if (ip->family == AF_INET)
		return a[0] != 0 && a[0] != 127 && a[0] < 224;
	return memcmp(a, zero, 16) && memcmp(a, one, 16) && a[0] != 0xff &&
	       !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

int vx_net_parse_ips(const char *list, struct vx_ip **ips, size_t *n,
		     struct vx_error **err)
{
	cleanup_free char *copy = strdup(list ? list : "");
	char *save = NULL, *tok;

	if (!copy)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "ip list");
	for (tok = strtok_r(copy, " \t\n,", &save); tok;
	     tok = strtok_r(NULL, " \t\n,", &save)) {
		struct vx_ip ip, *grown;

		if (vx_ip_parse(tok, 32, 128, &ip) < 0 || !ip_usable(&ip))
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "invalid IP address '%s': expected "
					    "a unicast IPv4 or IPv6 address with "
					    "an optional /PREFIX, such as "
					    "10.0.0.2 or 2001:db8::2/64", tok);
		grown = realloc(*ips, (*n + 1) * sizeof(**ips));
		if (!grown)
			return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "ip list");
		*ips = grown;
		(*ips)[(*n)++] = ip;
	}
	return 0;
}

char *vx_net_format_ips(const struct vx_ip *ips, size_t n)
{
	char *out = calloc(1, n * 48 + 1), a[64];

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		vx_ip_format(&ips[i], a, sizeof(a));
		if (i)
			strcat(out, " ");
		strcat(out, a);
	}
	return out;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	/* a multicast address cannot be an interface's */
	return mac[0] & 1 ? -EINVAL : 0;
}

void vx_mac_random(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6)
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)random();
	mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);	/* unicast, local */
}

static bool ifname_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '/' || *p == ':' || *p == ',' || *p == ';' ||
		    *p == '=' || *p <= ' ' || *p > '~')
			return false;
	return true;
}

/* Field `key` of a NETIF entry with value v ("" : unset). */
static int netif_field(struct vx_netif *nif, const char *key, const char *v,
		       const char *entry, struct vx_error **err)
{
	bool name = !strcmp(key, "ifname") || !strcmp(key, "host_ifname") ||
		    !strcmp(key, "bridge");
	char *dst = !strcmp(key, "ifname") ? nif->ifname :
		    !strcmp(key, "host_ifname") ? nif->host_ifname :
		    !strcmp(key, "bridge") ? nif->bridge : NULL;

	if (!*v)
		return 0;
	if (name) {
		if (!ifname_ok(v))
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "netif '%s': invalid %s '%s': use 1..15 "
					    "characters without / : , ; = or spaces",
					    entry, key, v);
		snprintf(dst, IFNAMSIZ, "%s", v);
		return 0;
	}
	if (!strcmp(key, "mac") || !strcmp(key, "host_mac")) {
		bool host = key[0] == 'h';

		if (parse_mac(v, host ? nif->host_mac : nif->mac) < 0)
			return vx_error_set(err, VX_E_INVAL_VALUE, 0,
					    "netif '%s': invalid %s '%s': expected "
					    "a unicast MAC such as 02:00:0a:00:00:02",
					    entry, key, v);
		*(host ? &nif->has_host_mac : &nif->has_mac) = true;
		return 0;
	}
	/* OpenVZ keys vx does not act on (e.g. network=, configure=) */
	return 0;
}

int vx_netif_parse(const char *s, bool positional, struct vx_netif *nif,
		   struct vx_error **err)
{
	static const char *const pos[] = { "ifname", "mac", "host_ifname",
					   "host_mac", "bridge" };
	cleanup_free char *copy = strdup(s);
	char *p, *field;
	size_t i = 0;
	int ret;

	memset(nif, 0, sizeof(*nif));
	if (!copy)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "netif");
	p = copy;
	while ((field = strsep(&p, ",")) != NULL) {
		const char *key, *v = field;
		char *eq = strchr(field, '=');

		if (positional) {
			if (i >= ARRAY_SIZE(pos))
				return vx_error_set(err, VX_E_INVAL_VALUE, 0,
						    "--netif_add '%s': at most 5 fields: "
						    "ifname[,mac,host_ifname,host_mac,bridge]",
						    s);
			key = pos[i++];
		} else {
			if (!eq)
				return vx_error_set(err, VX_E_INVAL_VALUE, 0,
						    "NETIF entry '%s': expected key=value "
						    "fields (ifname=eth0,bridge=br0)", s);
			*eq = '\0';
			key = field;
			v = eq + 1;
		}
		ret = netif_field(nif, key, v, s, err);
		if (ret < 0)
			return ret;
	}
	if (!nif->ifname[0])
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "netif '%s': the interface name inside the "
				    "VPS is missing (e.g. eth0)", s);
	if (!strcmp(nif->ifname, "lo") || !strcmp(nif->ifname, VX_NET_VPS_IF))
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "netif '%s': %s is reserved inside the VPS",
				    s, nif->ifname);
	return 0;
}

static void mac_str(const uint8_t m[6], char *buf)
{
	sprintf(buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
		m[4], m[5]);
}

char *vx_netif_format(const struct vx_netif *ifs, size_t n)
{
	char *out = calloc(1, n * 160 + 1), *p = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char mac[18] = "", hmac[18] = "";

		if (ifs[i].has_mac)
			mac_str(ifs[i].mac, mac);
		if (ifs[i].has_host_mac)
			mac_str(ifs[i].host_mac, hmac);
		p += sprintf(p, "%sifname=%s", i ? ";" : "", ifs[i].ifname);
		if (*mac)
			p += sprintf(p, ",mac=%s", mac);
		if (ifs[i].host_ifname[0])
			p += sprintf(p, ",host_ifname=%s", ifs[i].host_ifname);
		if (*hmac)
			p += sprintf(p, ",host_mac=%s", hmac);
		if (ifs[i].bridge[0])
			p += sprintf(p, ",bridge=%s", ifs[i].bridge);
	}
	return out;
}

void vx_net_routed_name(unsigned int ctid, char name[IFNAMSIZ])
{
	/* "venet" + at most 10 digits: always fits in 15 */
	snprintf(name, IFNAMSIZ, "venet%u", ctid);
}

int vx_netif_host_name(unsigned int ctid, const struct vx_netif *nif,
		       size_t i, char name[IFNAMSIZ], struct vx_error **err)
{
	char buf[48];

	if (nif->host_ifname[0]) {
		snprintf(name, IFNAMSIZ, "%s", nif->host_ifname);
		return 0;
	}
	snprintf(buf, sizeof(buf), "veth%u.%zu", ctid, i);
	if (strlen(buf) >= IFNAMSIZ)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "ct %u: the host-side name %s of netif %s is "
				    "longer than 15 characters; give one with "
				    "--netif_add %s,,NAME", ctid, buf,
				    nif->ifname, nif->ifname);
	memcpy(name, buf, strlen(buf) + 1);
	return 0;
}

int vx_net_load(const struct vx_ct *ct, struct vx_net *n,
		struct vx_error **err)
{
	const char *netif = vx_ct_get(ct, "NETIF", NULL);
	cleanup_free char *copy = NULL;
	char *p, *entry;
	int ret;

	memset(n, 0, sizeof(*n));
	n->ctid = ct->ctid;
	ret = vx_net_parse_ips(vx_ct_get(ct, "IP_ADDRESS", ""), &n->ips,
			       &n->n_ips, err);
	if (ret < 0)
		goto fail;
	copy = strdup(netif ? netif : "");
	if (!copy) {
		ret = vx_error_set(err, VX_E_RESOURCE, ENOMEM, "NETIF");
		goto fail;
	}
	p = copy;
	while ((entry = strsep(&p, ";")) != NULL) {
		struct vx_netif *grown;

		if (!*entry)
			continue;
		grown = realloc(n->ifs, (n->n_ifs + 1) * sizeof(*grown));
		if (!grown) {
			ret = vx_error_set(err, VX_E_RESOURCE, ENOMEM, "NETIF");
			goto fail;
		}
		n->ifs = grown;
		ret = vx_netif_parse(entry, false, &n->ifs[n->n_ifs], err);
		if (ret < 0)
			goto fail;
		n->n_ifs++;
	}
	return 0;
fail:
	vx_error_prefix(err, "ct %u", ct->ctid);
	vx_net_free(n);
	return ret;
}

void vx_net_free(struct vx_net *n)
{
	free(n->ips);
	free(n->ifs);
	memset(n, 0, sizeof(*n));
}

/* --- /etc/resolv.conf ----------------------------------------------- */

static char *read_fd_small(int fd)
{
	char *buf = calloc(1, 65537);
	ssize_t r, off = 0;

	if (!buf)
		return NULL;
	while (off < 65536 && (r = read(fd, buf + off, 65536 - off)) > 0)
		off += r;
	return buf;
}

/* The host's nameservers, space-separated (for NAMESERVER=inherit). */
static char *host_nameservers(void)
{
	cleanup_close int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	cleanup_free char *text = fd >= 0 ? read_fd_small(fd) : NULL;
	char *out = calloc(1, 4096), *line, *save = NULL;

	if (!out || !text)
		return out;
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char ns[256];

		if (sscanf(line, "nameserver %255s", ns) == 1 &&
		    strlen(out) + strlen(ns) + 2 < 4096) {
			if (*out)
				strcat(out, " ");
			strcat(out, ns);
		}
	}
	return out;
}

static bool starts_word(const char *line, const char *w)
{
	size_t n = strlen(w);

	return !strncmp(line, w, n) && (line[n] == ' ' || line[n] == '\t');
}

int vx_net_resolv(const char *root, const char *nameservers,
		  const char *search, struct vx_error **err)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	cleanup_close int rfd = -1, etc = -1, fd = -1;
	cleanup_free char *old = NULL, *out = NULL, *inherited = NULL;
	char tmp[64], *line, *save = NULL, *p;
	size_t cap;

	if (!nameservers && !search)
		return 0;
	if (nameservers && !strcmp(nameservers, "inherit"))
		nameservers = inherited = host_nameservers();
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd >= 0)
		etc = (int)syscall(SYS_openat2, rfd, "etc", &how, sizeof(how));
	if (etc < 0)
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "open %s/etc for resolv.conf", root);
	fd = openat(etc, "resolv.conf", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	old = fd >= 0 ? read_fd_small(fd) : strdup("");
	if (!old)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "resolv.conf");
	cap = strlen(old) + (nameservers ? strlen(nameservers) * 2 + 512 : 0) +
	      (search ? strlen(search) : 0) + 64;
	out = calloc(1, cap);
	if (!out)
		return vx_error_set(err, VX_E_RESOURCE, ENOMEM, "resolv.conf");
	p = out;
	if (search && *search)
		p += sprintf(p, "search %s\n", search);
	for (line = strtok_r(old, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if ((search && (starts_word(line, "search") ||
				starts_word(line, "domain"))) ||
		    (nameservers && starts_word(line, "nameserver")))
			continue;
		p += sprintf(p, "%s\n", line);
	}
	if (nameservers) {
		cleanup_free char *list = strdup(nameservers);
		char *s2 = NULL;

		for (char *ns = list ? strtok_r(list, " \t,", &s2) : NULL; ns;
		     ns = strtok_r(NULL, " \t,", &s2))
			p += sprintf(p, "nameserver %s\n", ns);
	}
	/* temp + rename in the VPS's own etc: atomic for readers inside */
	snprintf(tmp, sizeof(tmp), ".resolv.conf.vx%d", (int)getpid());
	unlinkat(etc, tmp, 0);
	close(steal_fd(fd));
	fd = openat(etc, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, out, strlen(out)) != (ssize_t)strlen(out) ||
	    fsync(fd) < 0 || renameat(etc, tmp, etc, "resolv.conf") < 0) {
		int e = errno;

		unlinkat(etc, tmp, 0);
		return vx_error_set(err, VX_E_SYSTEM, e,
				    "write %s/etc/resolv.conf", root);
	}
	return 0;
}
