/* cli-args.c: each command's options and arguments, checked before the
 * store is opened
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Options are parsed as file names, i.e. as bytes: a C locale must not turn
 * "Östersund" into an error.  Text is checked for UTF-8 by the caseload.
 */
#include "cli.h"
#include "ombud-error.h"

#include <stdio.h>
#include <string.h>

#define usage(error, ...) ombud_fail ((error), CLI_ERROR, CLI_ERROR_USAGE, __VA_ARGS__)

static gboolean
check_count (const CliCommand  *command,
             guint              n,
             GError           **error)
{
  g_autofree char *name = cli_command_name (command);

  if (n >= (guint) command->min_args && n <= (guint) command->max_args)
    return TRUE;
  if (command->synopsis == NULL || command->synopsis[0] == '\0')
    return usage (error, "“%s” takes no arguments", name);
  return usage (error, "“%s” takes %s", name, command->synopsis);
}

/* The store's own commands take their arguments as they are: a value may
 * start with "-". */
gboolean
cli_check_literal (CliCall  *call,
                   GError  **error)
{
  return check_count (call->command, call->argc, error);
}

gboolean
cli_parse (CliCall             *call,
           const GOptionEntry  *entries,
           GStrv               *out_args,
           GError             **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GArray) all = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_auto(GStrv) rest = NULL;
  g_autoptr(GError) local_error = NULL;
  const GOptionEntry remaining = {
    G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &rest, NULL, NULL
  };
  g_autofree char *name = cli_command_name (call->command);

  for (const GOptionEntry *e = entries; e && e->long_name; e++)
    g_array_append_val (all, *e);
  g_array_append_val (all, remaining);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_add_main_entries (context, (const GOptionEntry *) (void *) all->data, NULL);

  g_strv_builder_add (builder, name);
  for (int i = 0; i < call->argc; i++)
    g_strv_builder_add (builder, call->argv[i]);
  argv = g_strv_builder_end (builder);

  if (!g_option_context_parse_strv (context, &argv, &local_error))
    return usage (error, "%s: %s", name, local_error->message);
  if (!check_count (call->command, rest ? g_strv_length (rest) : 0, error))
    return FALSE;
  *out_args = rest ? g_steal_pointer (&rest) : g_new0 (char *, 1);
  return TRUE;
}

/* The same rule as the caseload's: a real day, as YYYY-MM-DD. */
gboolean
cli_check_date (const char  *option,
                const char  *value,
                GError     **error)
{
  int y, m, d;
  char tail;

  if (value == NULL)
    return TRUE;
  if (strlen (value) != 10
      || sscanf (value, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3
      || y < 1900 || y > 2999 || !g_date_valid_dmy (d, m, y))
    return usage (error, "%s must be a date as YYYY-MM-DD, not “%s”", option, value);
  return TRUE;
}

gboolean
cli_parse_int (const char  *option,
               const char  *value,
               int          min,
               int          max,
               int         *out,
               GError     **error)
{
  gint64 n;

  if (value == NULL)
    return TRUE;
  if (!g_ascii_string_to_signed (value, 10, min, max, &n, NULL))
    return usage (error, "%s must be a whole number from %d to %d, not “%s”", option, min, max, value);
  *out = (int) n;
  return TRUE;
}

gboolean
cli_check_choice (const char         *option,
                  const char         *value,
                  const char *const  *choices,
                  GError            **error)
{
  g_autoptr(GString) list = NULL;
  guint n = g_strv_length ((char **) choices);

  if (value == NULL || g_strv_contains (choices, value))
    return TRUE;
  list = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (list, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", choices[i]);
  return usage (error, "%s is %s, not “%s”", option, list->str, value);
}

gboolean
cli_require (const char  *option,
             const char  *value,
             GError     **error)
{
  if (value != NULL)
    return TRUE;
  return usage (error, "%s is required", option);
}
