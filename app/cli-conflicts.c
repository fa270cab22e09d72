/* cli-conflicts.c: concurrent edits set aside for a person: list, resolve
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include "ombud-queries.h"

static const char *const sides[] = { "mine", "theirs", NULL };

static char *
written (GVariant   *row,
         const char *prefix)
{
  g_autofree char *ms_key = g_strconcat (prefix, "_ms", NULL);

  return cli_time_text (cli_value_int (row, ms_key));
}

/* An ombud's name reads better than their id. */
static const char *
shown (GHashTable *ombuds,
       const char *field,
       const char *value)
{
  const char *name = value && g_strcmp0 (field, "assigned_ombud") == 0 ? g_hash_table_lookup (ombuds, value) : NULL;

  return name ? name : value;
}

static void
print_conflicts (GVariant   *conflicts,
                 GHashTable *ombuds)
{
  g_autoptr(CliTable) table = cli_table_new ("CONFLICT", "FIELD", "MINE", "WRITTEN", "THEIRS", "WRITTEN",
                                             "CASE", NULL);
  GVariantIter iter;
  GVariant *row;

  cli_table_set_max_width (table, 2, 30);
  cli_table_set_max_width (table, 4, 30);
  g_variant_iter_init (&iter, conflicts);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *id = cli_value_text (row, "id"), *table_name = cli_value_text (row, "table");
      g_autofree char *field = cli_value_text (row, "field"), *case_id = cli_value_text (row, "case_id");
      g_autofree char *mine = cli_value_text (row, "mine"), *theirs = cli_value_text (row, "theirs");
      g_autofree char *where = g_strdup_printf ("%s.%s", table_name, field);
      g_autofree char *mine_at = written (row, "mine"), *theirs_at = written (row, "theirs");

      cli_table_add (table, id, where, shown (ombuds, field, mine), mine_at, shown (ombuds, field, theirs), theirs_at,
                     case_id && *case_id ? case_id : NULL);
      g_variant_unref (row);
    }
  cli_table_print (table, "");
  cli_print ("\nMine is what this replica shows. Keep one: ombud-cli resolve CONFLICT --keep mine|theirs\n");
}

int
cli_conflicts (CliCall *call)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GVariant) conflicts = NULL;
  g_autoptr(GHashTable) ombuds = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (conflicts = ombud_queries_list_conflicts (caseload, &error)) == NULL
      || (ombuds = cli_ombud_names (caseload, &error)) == NULL)
    return cli_fail (error);
  if (json)
    cli_print_json (conflicts);
  else if (g_variant_n_children (conflicts) == 0)
    cli_print ("no conflicts\n");
  else
    print_conflicts (conflicts, ombuds);
  return CLI_OK;
}

int
cli_resolve (CliCall *call)
{
  g_autofree char *keep = NULL;
  const GOptionEntry entries[] = {
    { "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--keep", keep, &error)
      || !cli_check_choice ("--keep", keep, sides, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || !ombud_caseload_resolve_conflict (caseload, args[0], g_str_equal (keep, "theirs"), &error))
    return cli_fail (error);
  cli_print ("conflict %s resolved: kept %s\n", args[0], keep);
  return CLI_OK;
}
