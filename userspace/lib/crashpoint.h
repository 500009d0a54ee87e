/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test hook for crash safety (crashpoint.c): VX_TEST_CRASHPOINT=NAME in
 * the environment of the process doing an operation (vxd for create,
 * destroy, start, stop; the CT's monitor inherits vxd's environment) makes
 * it kill itself with SIGKILL when it reaches the point NAME, exactly as
 * `kill -9` at that moment would. tests/cli/crash.bats uses it; the
 * points are listed in docs/storage.md. VX_TEST_CRASHPOINT_MARK=PATH: the
 * file is created just before the kill, so a test knows the point was
 * reached. Unset (always, outside tests):
 * one getenv() per point, nothing else.
 */
#ifndef VX_CRASHPOINT_H
#define VX_CRASHPOINT_H

void vx_crashpoint(const char *name);

#endif /* VX_CRASHPOINT_H */
