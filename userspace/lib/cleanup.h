/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scope-based cleanup for libvx, vxd and vzctl.
 *
 * A variable declared with one of these attributes is released when it goes
 * out of scope. Ownership leaves the scope only through steal_ptr() or
 * steal_fd(), which return the value and reset the variable so the cleaner
 * does nothing. Every cleaner accepts NULL / negative fds, so variables can be
 * declared first and assigned later. Never mix these with goto-unwinding in
 * one function: pick one style per function.
 */
#ifndef VX_CLEANUP_H
#define VX_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void vx_freep(void *p)
{
	free(*(void **)p);
}

static inline void vx_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}

static inline void vx_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void vx_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

/* Frees a NULL-terminated array of strings. */
static inline void vx_strvfreep(char ***v)
{
	if (*v) {
		for (char **s = *v; *s; s++)
			free(*s);
		free(*v);
	}
}

#define cleanup_free	__attribute__((cleanup(vx_freep)))
#define cleanup_close	__attribute__((cleanup(vx_closep)))
#define cleanup_fclose	__attribute__((cleanup(vx_fclosep)))
#define cleanup_dir	__attribute__((cleanup(vx_closedirp)))
#define cleanup_strv	__attribute__((cleanup(vx_strvfreep)))

#define steal_ptr(p)                         \
	({                                   \
		__typeof__(p) _stolen = (p); \
		(p) = NULL;                  \
		_stolen;                     \
	})

#define steal_fd(fd)              \
	({                        \
		int _stolen = (fd); \
		(fd) = -1;          \
		_stolen;            \
	})

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* VX_CLEANUP_H */
