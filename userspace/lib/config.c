// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * OpenVZ KEY="value" config files (see config.h for the model).
 *
 * A file is an array of lines. Each line keeps its raw text, so a file we
 * only read and write back is byte-identical; a key line additionally has its
 * parsed key and value. vx_conf_set() rewrites only the line it changes, in
 * the canonical form KEY="value". Parsing is a small subset of sh(1): a value
 * is a run of unquoted words, "double-quoted" (\ escapes only " \ $ ` and
 * newline, as in sh) and 'single-quoted' (literal) pieces, optionally
 * followed by whitespace and a # comment. Anything else - a line without '=',
 * `KEY=a b`, an unterminated quote, `$(...)` - is refused with file:line,
 * because silently dropping a setting is worse than a loud error.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"

struct conf_line {
	char *raw;	/* the line as written, without '\n' */
	char *key;	/* NULL for blank and comment lines */
	char *value;
};

struct vx_conf {
	struct conf_line *lines;
	size_t n, cap;
};

struct vx_conf *vx_conf_new(void)
{
	return calloc(1, sizeof(struct vx_conf));
}

void vx_conf_free(struct vx_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++) {
		free(c->lines[i].raw);
		free(c->lines[i].key);
		free(c->lines[i].value);
	}
	free(c->lines);
	free(c);
}

static int conf_append(struct vx_conf *c, char *raw, char *key, char *value)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct conf_line *l = realloc(c->lines, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		c->lines = l;
		c->cap = cap;
	}
	c->lines[c->n++] = (struct conf_line){ raw, key, value };
	return 0;
}

static bool is_key_start(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || ch == '_';
}

static bool is_key_char(char ch)
{
	return is_key_start(ch) || (ch >= '0' && ch <= '9');
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Unquoted, these make sh run or redirect something: never a plain value. */
static bool is_shell_special(char ch)
{
	return strchr("|&;<>()", ch) != NULL;
}

/*
 * Parses the value part of a line (after '='). On success stores a malloc'd
 * value; on failure returns a short description of the problem in *why.
 */
static int parse_value(const char *p, char **out, const char **why)
{
	size_t len = strlen(p);
	cleanup_free char *v = malloc(len + 1);
	size_t o = 0;

	if (!v)
		return -ENOMEM;
	while (*p && !is_blank(*p)) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				/* sh keeps the backslash unless it escapes one
				 * of these. "$VEID" stays literal: vzctl, not
				 * a shell, expands it (vz.conf's VE_ROOT). */
				if (*p == '\\' && p[1] && strchr("\"\\$`", p[1]))
					p++;
				v[o++] = *p;
			}
			if (*p != '"') {
				*why = "unterminated double quote";
				return -EINVAL;
			}
			p++;
		} else if (*p == '\'') {
			for (p++; *p && *p != '\''; p++)
				v[o++] = *p;
			if (*p != '\'') {
				*why = "unterminated single quote";
				return -EINVAL;
			}
			p++;
		} else if (*p == '\\' && p[1]) {
			v[o++] = p[1];
			p += 2;
		} else if (is_shell_special(*p)) {
			*why = "unquoted special character; put the value in double quotes";
			return -EINVAL;
		} else {
			/* Includes '#': only after a blank does it start a
			 * comment (KEY=#x and KEY=a#b are values in sh). */
			v[o++] = *p++;
		}
	}
	while (is_blank(*p))
		p++;
	if (*p && *p != '#') {
		*why = "text after the value; quote a value that contains spaces";
		return -EINVAL;
	}
	v[o] = '\0';
	*out = steal_ptr(v);
	return 0;
}

/*
 * Splits one line. Returns 0 with *key == NULL for blank/comment lines,
 * 0 with key/value for a setting, -EINVAL with *why for a bad line.
 */
static int parse_line(const char *line, char **key, char **value,
		      const char **why)
{
	const char *p = line, *k;
	cleanup_free char *kcopy = NULL;
	int ret;

	*key = *value = NULL;
	while (is_blank(*p))
		p++;
	if (!*p || *p == '#')
		return 0;
	/* Shell files may export their settings; the meaning is the same. */
	if (!strncmp(p, "export", 6) && is_blank(p[6]))
		for (p += 6; is_blank(*p); p++)
			;
	k = p;
	if (!is_key_start(*p)) {
		*why = "expected KEY=\"value\", a blank line or a # comment";
		return -EINVAL;
	}
	while (is_key_char(*p))
		p++;
	if (*p != '=') {
		*why = is_blank(*p) ?
			"no spaces allowed around '=' (write KEY=\"value\")" :
			"expected KEY=\"value\", a blank line or a # comment";
		return -EINVAL;
	}
	kcopy = strndup(k, p - k);
	if (!kcopy)
		return -ENOMEM;
	ret = parse_value(p + 1, value, why);
	if (ret)
		return ret;
	*key = steal_ptr(kcopy);
	return 0;
}

int vx_conf_parse(const char *text, const char *name, struct vx_conf **out,
		  struct vx_error **err)
{
	struct vx_conf *c = vx_conf_new();
	const char *p = text;
	unsigned int lineno = 0;

	if (!c)
		return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "%s", name);
	while (*p) {
		const char *nl = strchrnul(p, '\n');
		char *raw = strndup(p, nl - p);
		char *key, *value;
		const char *why = NULL;
		int ret;

		lineno++;
		if (!raw) {
			vx_conf_free(c);
			return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "%s", name);
		}
		ret = parse_line(raw, &key, &value, &why);
		if (ret == -EINVAL) {
			vx_error_set(err, VX_E_CONFIG_PARSE, 0,
				     "%s:%u: cannot parse '%s': %s; fix or remove the line",
				     name, lineno, raw, why);
			free(raw);
			vx_conf_free(c);
			return -EINVAL;
		}
		if (ret || conf_append(c, raw, key, value)) {
			free(raw);
			free(key);
			free(value);
			vx_conf_free(c);
			return vx_error_set(err, VX_E_SYSTEM, ENOMEM, "%s", name);
		}
		p = *nl ? nl + 1 : nl;
	}
	*out = c;
	return 0;
}

int vx_conf_load(const char *path, struct vx_conf **out, struct vx_error **err)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	cleanup_free char *text = NULL;
	size_t len = 0, cap = 0, r;

	if (!f) {
		int e = errno;

		return vx_error_set(err, e == ENOENT ? VX_E_NOCONFIG : VX_E_SYSTEM,
				    e, "open %s", path);
	}
	do {
		if (cap - len < 4096) {
			char *t = realloc(text, cap + 8192);

			if (!t)
				return vx_error_set(err, VX_E_SYSTEM, ENOMEM,
						    "read %s", path);
			text = t;
			cap += 8192;
		}
		r = fread(text + len, 1, cap - len - 1, f);
		len += r;
	} while (r > 0);
	if (ferror(f))
		return vx_error_set(err, VX_E_SYSTEM, EIO, "read %s", path);
	text[len] = '\0';
	if (strlen(text) != len) {
		vx_error_set(err, VX_E_CONFIG_PARSE, 0,
			     "%s: contains a NUL byte; it is not a text config file",
			     path);
		return -EINVAL;
	}
	return vx_conf_parse(text, path, out, err);
}

static ssize_t find_last(const struct vx_conf *c, const char *key)
{
	for (size_t i = c->n; i-- > 0;)
		if (c->lines[i].key && !strcmp(c->lines[i].key, key))
			return i;
	return -1;
}

const char *vx_conf_get(const struct vx_conf *c, const char *key)
{
	ssize_t i = c ? find_last(c, key) : -1;

	return i < 0 ? NULL : c->lines[i].value;
}

/*
 * KEY="value". Only " and \ are escaped: OpenVZ tools read "$VEID" and
 * backquotes literally, and files we write must stay readable by them.
 */
static char *format_line(const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	char *s = malloc(klen + 2 * vlen + 4), *o;

	if (!s)
		return NULL;
	o = stpcpy(s, key);
	*o++ = '=';
	*o++ = '"';
	for (const char *p = value; *p; p++) {
		if (*p == '"' || *p == '\\')
			*o++ = '\\';
		*o++ = *p;
	}
	*o++ = '"';
	*o = '\0';
	return s;
}

int vx_conf_set(struct vx_conf *c, const char *key, const char *value)
{
	ssize_t i = find_last(c, key);
	char *raw, *v, *k = NULL;

	if (!is_key_start(key[0]))
		return -EINVAL;
	for (const char *p = key; *p; p++)
		if (!is_key_char(*p))
			return -EINVAL;
	/* One setting is one line: a newline would split it on re-read. */
	if (strchr(value, '\n'))
		return -EINVAL;
	raw = format_line(key, value);
	v = strdup(value);
	if (i < 0)
		k = strdup(key);
	if (!raw || !v || (i < 0 && !k))
		goto nomem;
	if (i < 0) {
		if (conf_append(c, raw, k, v))
			goto nomem;
		return 0;
	}
	free(c->lines[i].raw);
	free(c->lines[i].value);
	c->lines[i].raw = raw;
	c->lines[i].value = v;
	return 0;
nomem:
	free(raw);
	free(v);
	free(k);
	return -ENOMEM;
}

void vx_conf_unset(struct vx_conf *c, const char *key)
{
	size_t o = 0;

	for (size_t i = 0; i < c->n; i++) {
		struct conf_line *l = &c->lines[i];

		if (l->key && !strcmp(l->key, key)) {
			free(l->raw);
			free(l->key);
			free(l->value);
			continue;
		}
		c->lines[o++] = *l;
	}
	c->n = o;
}

int vx_conf_foreach(const struct vx_conf *c,
		    int (*fn)(const char *key, const char *value, void *data),
		    void *data)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct conf_line *l = &c->lines[i];
		int ret;

		/* Report each key once, at its effective (last) position. */
		if (!l->key || find_last(c, l->key) != (ssize_t)i)
			continue;
		ret = fn(l->key, l->value, data);
		if (ret)
			return ret;
	}
	return 0;
}

char *vx_conf_format(const struct vx_conf *c)
{
	size_t len = 1;
	char *s, *o;

	for (size_t i = 0; i < c->n; i++)
		len += strlen(c->lines[i].raw) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	o = s;
	for (size_t i = 0; i < c->n; i++) {
		o = stpcpy(o, c->lines[i].raw);
		*o++ = '\n';
	}
	*o = '\0';
	return s;
}

int vx_conf_save(const struct vx_conf *c, const char *path,
		 struct vx_error **err)
{
	cleanup_free char *text = vx_conf_format(c);

	if (!text)
		return vx_error_set(err, VX_E_SAVE_CONFIG, ENOMEM, "save %s", path);
	return vx_write_file_atomic(path, text, strlen(text), 0644, err);
}

/* fsync the directory holding path, so a rename in it survives a crash. */
static int fsync_parent(const char *path)
{
	cleanup_free char *copy = strdup(path);
	cleanup_close int fd = -1;

	if (!copy)
		return -ENOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		return -errno;
	return 0;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		buf += w;
		len -= w;
	}
	return 0;
}

/* How write_file makes its result durable. */
enum sync_how {
	SYNC_NONE,	/* atomic only: a power cut may lose the write */
	SYNC_FULL,	/* fsync the data, rename, fsync the directory */
	SYNC_AFTER,	/* rename, then one fsync of the file (see config.h) */
};

static int write_file(const char *path, const char *buf, size_t len,
		      int mode, enum sync_how how, struct vx_error **err)
{
	cleanup_free char *tmp = NULL;
	cleanup_close int fd = -1;
	int ret;

	/* The temp file sits next to the target: rename(2) is atomic only
	 * within one filesystem. The dot keeps it out of CT listings. */
	{
		cleanup_free char *d = strdup(path), *b = strdup(path);

		if (!d || !b || asprintf(&tmp, "%s/.%s.tmp.XXXXXX", dirname(d),
					 basename(b)) < 0) {
			tmp = NULL;
			return vx_error_set(err, VX_E_SAVE_CONFIG, ENOMEM,
					    "write %s", path);
		}
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return vx_error_set(err, VX_E_SAVE_CONFIG, errno,
				    "write %s: create temp file", path);
	ret = write_all(fd, buf, len);
	if (!ret && fchmod(fd, mode) < 0)
		ret = -errno;
	if (!ret && how == SYNC_FULL && fsync(fd) < 0)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return vx_error_set(err, VX_E_SAVE_CONFIG, -ret, "write %s", path);
	}
	/* Renamed: from here a failure can only weaken durability, which
	 * the caller cannot undo either; it is still reported. */
	if (how == SYNC_AFTER && fsync(fd) < 0)
		return vx_error_set(err, VX_E_SAVE_CONFIG, errno, "sync %s",
				    path);
	if (how == SYNC_FULL)
		fsync_parent(path);
	return 0;
}

int vx_write_file_atomic(const char *path, const char *buf, size_t len,
			 int mode, struct vx_error **err)
{
	return write_file(path, buf, len, mode, SYNC_FULL, err);
}

int vx_write_file_replace(const char *path, const char *buf, size_t len,
			  int mode, bool durable, struct vx_error **err)
{
	return write_file(path, buf, len, mode, durable ? SYNC_FULL : SYNC_NONE,
			  err);
}

int vx_write_file_journalled(const char *path, const char *buf, size_t len,
			     int mode, struct vx_error **err)
{
	return write_file(path, buf, len, mode, SYNC_AFTER, err);
}
