// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `vzctl set --userpasswd user:password`: the user's /etc/shadow entry in
 * the CT gets a SHA-512 crypt hash ("$6$", libxcrypt, salt from
 * getrandom) and today as the last change; the cleartext never reaches a
 * file or the CT. As OpenVZ does, the user must exist in the CT's
 * /etc/passwd; a user with a passwd line but no shadow line gets one. The
 * file is replaced atomically (setup.c's writer), in place of the CT's
 * own, so a running CT's sshd/login see the new password at once.
 */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cleanup.h"
#include "setup.h"

int vx_check_userpasswd(const char *s, struct vx_error **err)
{
	const char *colon = strchr(s, ':');
	size_t ulen = colon ? (size_t)(colon - s) : 0;

	/* Login names as shadow-utils accepts them by default. */
	if (!colon || !ulen || ulen > 32 || s[0] == '-' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != ulen)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "invalid --userpasswd: expected USER:PASSWORD with a user name of letters, digits, '.', '_', '-'"),
		       -EINVAL;
	if (!colon[1] || strpbrk(colon + 1, "\n\r") || strlen(colon + 1) > 512)
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "invalid --userpasswd for user %.*s: the password must be 1-512 characters without a line break",
				    (int)ulen, s), -EINVAL;
	return 0;
}

/* Line of text starting "user:", or NULL. */
static const char *find_entry(const char *text, const char *user, size_t ulen)
{
	for (const char *l = text; l && *l;) {
		if (!strncmp(l, user, ulen) && l[ulen] == ':')
			return l;
		l = strchr(l, '\n');
		l = l ? l + 1 : NULL;
	}
	return NULL;
}

int vx_setup_userpasswd(int rd, int wr, const char *userpasswd,
			struct vx_error **err)
{
	const char *colon = strchr(userpasswd, ':');
	size_t ulen = colon - userpasswd;
	cleanup_free char *passwd = vx_setup_read(rd, "passwd");
	cleanup_free char *shadow = vx_setup_read(rd, "shadow");
	cleanup_free char *out = NULL;
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd = { 0 };
	const char *hash, *line;
	long days = (long)(time(NULL) / 86400);
	size_t cap;
	int ret;

	if (!passwd || !find_entry(passwd, userpasswd, ulen))
		return vx_error_set(err, VX_E_INVAL_VALUE, 0,
				    "--userpasswd: no user '%.*s' in the CT's /etc/passwd; create it first (vzctl exec CTID useradd %.*s)",
				    (int)ulen, userpasswd, (int)ulen, userpasswd),
		       -ENOENT;
	if (!crypt_gensalt_rn("$6$", 0, NULL, 0, salt, sizeof(salt)))
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "--userpasswd: no random salt");
	hash = crypt_r(colon + 1, salt, &cd);
	if (!hash || hash[0] != '$')
		return vx_error_set(err, VX_E_SYSTEM, errno,
				    "--userpasswd: SHA-512 crypt failed");
	if (!shadow)
		shadow = strdup("");
	cap = (shadow ? strlen(shadow) : 0) + strlen(hash) + ulen + 64;
	out = calloc(1, cap);
	if (!shadow || !out)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "--userpasswd");
	line = find_entry(shadow, userpasswd, ulen);
	if (line) {
		/* user:HASH:LASTCHG:aging... - the aging fields are kept
		 * (defaults if the line is cut short) */
		const char *end = strchrnul(line, '\n');
		const char *f = memchr(line + ulen + 1, ':', end - line - ulen - 1);
		const char *aging = f ? memchr(f + 1, ':', end - f - 1) : NULL;

		snprintf(out, cap, "%.*s%.*s:%s:%ld%.*s%s%s",
			 (int)(line - shadow), shadow, (int)ulen, userpasswd,
			 hash, days, aging ? (int)(end - aging) : 0,
			 aging ? aging : "", aging ? "" : ":0:99999:7:::",
			 *end ? end : "\n");
	} else {
		size_t slen = strlen(shadow);

		snprintf(out, cap, "%s%s%.*s:%s:%ld:0:99999:7:::\n", shadow,
			 slen && shadow[slen - 1] != '\n' ? "\n" : "",
			 (int)ulen, userpasswd, hash, days);
	}
	explicit_bzero(&cd, sizeof(cd));
	ret = vx_setup_write(wr, "shadow", out, 0640, false);
	if (ret)
		return vx_error_set(err, VX_E_SYSTEM, -ret,
				    "--userpasswd: write the CT's /etc/shadow");
	return 0;
}
