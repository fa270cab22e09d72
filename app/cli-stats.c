/* cli-stats.c: the year's statistics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include "ombud-stats.h"

static GVariant *
member (GVariant   *dict,
        const char *key)
{
  return g_variant_lookup_value (dict, key, NULL);
}

static char *
share_text (GVariant   *row,
            const char *key)
{
  double share = 0;

  g_variant_lookup (row, key, "d", &share);
  return g_strdup_printf ("%.1f %%", share * 100);
}

static void
add_municipality_row (CliTable   *table,
                      GVariant   *row,
                      const char *name)
{
  static const char *keys[] = {
    "active_jan1", "new", "closed", "active_dec31", "unique_clients", "referred", "queued_dec31",
    "median_wait_days", "contacts",
  };
  char *cells[G_N_ELEMENTS (keys)] = { NULL };
  g_autofree char *pop = share_text (row, "share_population");
  g_autofree char *months = share_text (row, "share_client_months");
  g_autofree char *time = share_text (row, "share_ombud_time");

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      cells[i] = cli_value_text (row, keys[i]);
      if (cells[i] == NULL)
        cells[i] = g_strdup ("–");
    }
  cli_table_add (table, name, cells[0], cells[1], cells[2], cells[3], cells[4], cells[5], cells[6],
                 cells[7], cells[8], pop, months, time, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_free (cells[i]);
}

static void
print_municipalities (GVariant *stats)
{
  g_autoptr(GVariant) rows = member (stats, "municipalities");
  g_autoptr(GVariant) totals = member (stats, "totals");
  g_autoptr(CliTable) table =
    cli_table_new ("kommun", "1 jan", "nya", "avslut", "31 dec", "unika", "hänv.", "kö 31/12",
                   "väntan d", "kontakter", "andel bef.", "andel kl-mån", "andel tid", NULL);

  for (gsize i = 0; i < g_variant_n_children (rows); i++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);
      g_autofree char *name = cli_value_text (row, "municipality");

      add_municipality_row (table, row, name);
    }
  add_municipality_row (table, totals, "totalt");
  cli_table_print (table, "");
}

static void
print_list (GVariant          *stats,
            const char        *key,
            const char        *title,
            const char *const *columns,
            const char *const *headings)
{
  g_autoptr(GVariant) rows = member (stats, key);
  g_autoptr(CliTable) table = NULL;

  if (g_variant_n_children (rows) == 0)
    return;
  cli_print ("\n%s\n", title);
  table = cli_table_new (headings[0], headings[1], headings[2], headings[3], NULL);
  for (gsize i = 0; i < g_variant_n_children (rows); i++)
    {
      g_autoptr(GVariant) row = g_variant_get_child_value (rows, i);
      g_autofree char *a = cli_value_text (row, columns[0]);
      g_autofree char *b = cli_value_text (row, columns[1]);
      g_autofree char *c = cli_value_text (row, columns[2]);
      g_autofree char *d = cli_value_text (row, columns[3]);

      cli_table_add (table, a, b, c, d, NULL);
    }
  cli_table_print (table, "  ");
}

int
cli_stats (CliCall *call)
{
  static const char *forms[] = { "municipality", "form", "contacts", "minutes" };
  static const char *actors[] = { "municipality", "actor", "contacts", "minutes" };
  static const char *deficiencies[] = { "level", "actor", "count", "clients_affected" };
  static const char *contact_headings[] = { "kommun", "form", "antal", "minuter" };
  static const char *actor_headings[] = { "kommun", "aktör", "antal", "minuter" };
  static const char *deficiency_headings[] = { "nivå", "aktör", "antal", "klienter" };
  g_autofree char *year_text = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "year", 0, 0, G_OPTION_ARG_FILENAME, &year_text, NULL, NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GVariant) stats = NULL;
  GError *error = NULL;
  int year = 0;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--year", year_text, &error)
      || !cli_parse_int ("--year", year_text, 1900, 2999, &year, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (stats = ombud_stats_year (caseload, year, &error)) == NULL)
    return cli_fail (error);
  if (json)
    {
      cli_print_json (stats);
      return CLI_OK;
    }
  cli_print ("Statistik %d, per kommun (klienter; väntan = median dagar till första kontakt)\n\n", year);
  print_municipalities (stats);
  print_list (stats, "contacts_by_form", "Kontakter per form", forms, contact_headings);
  print_list (stats, "contacts_by_actor", "Kontakter per aktör", actors, actor_headings);
  print_list (stats, "deficiencies", "Systembrister", deficiencies, deficiency_headings);
  return CLI_OK;
}
