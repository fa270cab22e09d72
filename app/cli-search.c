/* cli-search.c: finding cases by names, notes, goals and deadlines
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include "ombud-queries.h"

static void
print_hits (GVariant *hits)
{
  g_autoptr(CliTable) table = cli_table_new ("CASE", "NAME", "IN", "MATCH", NULL);
  GVariantIter iter;
  GVariant *row;

  cli_table_set_max_width (table, 1, 28);
  g_variant_iter_init (&iter, hits);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *id = cli_value_text (row, "case_id"), *name = cli_value_text (row, "name");
      g_autofree char *kind = cli_value_text (row, "kind"), *snippet = cli_value_text (row, "snippet");

      cli_table_add (table, id, name, g_strcmp0 (kind, "client_case") == 0 ? "name" : kind, snippet);
      g_variant_unref (row);
    }
  cli_table_print (table, "");
}

int
cli_search (CliCall *call)
{
  gboolean json = FALSE;
  g_autofree char *limit_text = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { "limit", 0, 0, G_OPTION_ARG_FILENAME, &limit_text, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GVariant) hits = NULL;
  int limit = 50;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_parse_int ("--limit", limit_text, 1, 10000, &limit, &error))
    return cli_fail (error);
  if (!g_utf8_validate (args[0], -1, NULL))
    return cli_fail (g_error_new_literal (CLI_ERROR, CLI_ERROR_USAGE, "the search is not valid UTF-8 text"));
  if ((caseload = cli_open (call, &error)) == NULL
      || (hits = ombud_queries_search (caseload, args[0], limit, &error)) == NULL)
    return cli_fail (error);
  if (json)
    cli_print_json (hits);
  else if (g_variant_n_children (hits) == 0)
    cli_print ("nothing matches “%s”\n", args[0]);
  else
    print_hits (hits);
  return CLI_OK;
}
