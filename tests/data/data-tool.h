/* data-tool.h: running the validators the data tests check the files with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int   status;   /* the exit status, or -1 when killed by a signal */
  char *out;
  char *err;
} DataToolResult;

void        data_tool_result_clear (DataToolResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DataToolResult, data_tool_result_clear)

/* Runs argv (NULL-terminated) in cwd (NULL: the test's), capturing both
 * streams; a program that cannot be started fails the test. */
void        data_tool_run          (const char * const *argv,
                                    const char         *cwd,
                                    DataToolResult     *result);

/* The value of an environment variable tests/data/meson.build sets: a path
 * or a setting of the build.  Missing means the test runs outside meson. */
const char *data_tool_env          (const char *name);

/* A path under the source tree (OMBUD_SOURCE_ROOT). */
char       *data_tool_source_path  (const char *first,
                                    ...) G_GNUC_NULL_TERMINATED;

/* Both streams of r, for a failure message. */
char       *data_tool_describe     (const DataToolResult *r);

G_END_DECLS
