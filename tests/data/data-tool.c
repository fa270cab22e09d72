/* data-tool.c: running the validators the data tests check the files with
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "data-tool.h"

#include <stdarg.h>
#include <sys/wait.h>

void
data_tool_result_clear (DataToolResult *r)
{
  g_clear_pointer (&r->out, g_free);
  g_clear_pointer (&r->err, g_free);
}

void
data_tool_run (const char * const *argv,
               const char         *cwd,
               DataToolResult     *result)
{
  g_autoptr(GError) error = NULL;
  int wait_status = 0;

  result->out = NULL;
  result->err = NULL;
  g_spawn_sync (cwd, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &result->out, &result->err, &wait_status, &error);
  g_assert_no_error (error);
  result->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

const char *
data_tool_env (const char *name)
{
  const char *value = g_getenv (name);

  if (value == NULL || *value == '\0')
    g_error ("%s is not set: run the data tests through meson test", name);
  return value;
}

char *
data_tool_source_path (const char *first,
                       ...)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  va_list ap;

  g_ptr_array_add (parts, (gpointer) data_tool_env ("OMBUD_SOURCE_ROOT"));
  va_start (ap, first);
  for (const char *p = first; p != NULL; p = va_arg (ap, const char *))
    g_ptr_array_add (parts, (gpointer) p);
  va_end (ap);
  g_ptr_array_add (parts, NULL);
  return g_build_filenamev ((char **) parts->pdata);
}

char *
data_tool_describe (const DataToolResult *r)
{
  return g_strdup_printf ("exit status %d\n--- stdout\n%s--- stderr\n%s",
                          r->status, r->out ? r->out : "", r->err ? r->err : "");
}
