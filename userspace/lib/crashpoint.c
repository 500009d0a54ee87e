// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * VX_TEST_CRASHPOINT (see crashpoint.h). SIGKILL, not abort(): nothing of
 * ours may run on the way out (no atexit, no cleanup handlers, no core), so
 * the state left is what a real `kill -9` or power cut at this point would
 * leave. Safe in a multi-threaded vxd: getenv() only reads, and the signal
 * takes the whole process.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crashpoint.h"

void vx_crashpoint(const char *name)
{
	const char *want = getenv("VX_TEST_CRASHPOINT");
	const char *mark;
	int fd;

	if (!want || strcmp(want, name))
		return;
	/* Proof for the test that the point was reached (the operation may
	 * still succeed: vxd finishes a stop whose monitor died). */
	mark = getenv("VX_TEST_CRASHPOINT_MARK");
	if (mark && (fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	kill(getpid(), SIGKILL);
}
