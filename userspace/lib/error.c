// SPDX-License-Identifier: LGPL-2.1-or-later
/* Error objects: see error.h for the model. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

int vx_error_set(struct vx_error **err, int code, int errnum,
		 const char *fmt, ...)
{
	int ret = errnum ? -abs(errnum) : -EIO;
	struct vx_error *e;
	char *base = NULL;
	va_list ap;

	if (!err || *err)
		return ret;
	va_start(ap, fmt);
	if (vasprintf(&base, fmt, ap) < 0)
		base = NULL;
	va_end(ap);

	e = calloc(1, sizeof(*e));
	if (!e) {
		free(base);
		return ret;
	}
	e->code = code;
	e->errnum = abs(errnum);
	if (errnum && base) {
		if (asprintf(&e->msg, "%s: %s", base, strerror(abs(errnum))) < 0)
			e->msg = NULL;
		free(base);
	} else {
		e->msg = base;
	}
	if (!e->msg)
		e->msg = strdup("out of memory while formatting an error");
	*err = e;
	return ret;
}

void vx_error_prefix(struct vx_error **err, const char *fmt, ...)
{
	char *prefix = NULL, *msg = NULL;
	va_list ap;

	if (!err || !*err)
		return;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		prefix = NULL;
	va_end(ap);
	if (!prefix)
		return;
	if (asprintf(&msg, "%s: %s", prefix, (*err)->msg) >= 0) {
		free((*err)->msg);
		(*err)->msg = msg;
	}
	free(prefix);
}

void vx_error_free(struct vx_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}
