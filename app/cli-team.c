/* cli-team.c: the team's own records: municipalities, ombuds, system
 * deficiencies, code tables
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include "ombud-codes.h"
#include "ombud-queries.h"
#include "ombud-vfs.h"

static const char *const levels[] = { "caseworker", "local", "central", NULL };

/* ombud-queries.h has no list of municipalities or ombuds yet; until it
 * has, these two read the tables the same way it does, as aa{sv}. */
static GVariant *
column_variant (sqlite3_stmt *stmt,
                int           column)
{
  if (sqlite3_column_type (stmt, column) == SQLITE_INTEGER)
    return g_variant_new_int64 (sqlite3_column_int64 (stmt, column));
  if (sqlite3_column_type (stmt, column) == SQLITE_TEXT)
    return g_variant_new_string ((const char *) sqlite3_column_text (stmt, column));
  return g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL);
}

static GVariant *
read_rows (OmbudCaseload  *caseload,
           const char     *sql,
           GError        **error)
{
  sqlite3 *db = ombud_store_get_db (ombud_caseload_get_store (caseload));
  sqlite3_stmt *stmt = NULL;
  GVariantBuilder list;
  int rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);

  g_variant_builder_init (&list, G_VARIANT_TYPE ("aa{sv}"));
  while (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      GVariantBuilder row;

      g_variant_builder_init (&row, G_VARIANT_TYPE_VARDICT);
      for (int c = 0; c < sqlite3_column_count (stmt); c++)
        g_variant_builder_add (&row, "{sv}", sqlite3_column_name (stmt, c), column_variant (stmt, c));
      g_variant_builder_add_value (&list, g_variant_builder_end (&row));
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    {
      g_variant_builder_clear (&list);
      ombud_vfs_set_sqlite_error (error, db, rc, "could not read the team's records");
      return NULL;
    }
  return g_variant_ref_sink (g_variant_builder_end (&list));
}

/* Runs SQL and prints its rows as JSON or as a table of the given columns. */
static int
list_rows (CliCall            *call,
           const char         *sql,
           const char *const  *columns,
           const char *const  *headings,
           const char         *none)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GVariant) rows = NULL;
  g_autoptr(CliTable) table = NULL;
  GError *error = NULL;
  GVariantIter iter;
  GVariant *row;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (rows = read_rows (caseload, sql, &error)) == NULL)
    return cli_fail (error);
  if (json)
    {
      cli_print_json (rows);
      return CLI_OK;
    }
  if (g_variant_n_children (rows) == 0)
    {
      cli_print ("%s\n", none);
      return CLI_OK;
    }
  table = cli_table_new (headings[0], headings[1], headings[2], headings[3], NULL);
  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *a = cli_value_text (row, columns[0]), *b = cli_value_text (row, columns[1]);
      g_autofree char *c = cli_value_text (row, columns[2]), *d = cli_value_text (row, columns[3]);

      cli_table_add (table, a, b, c, d);
      g_variant_unref (row);
    }
  cli_table_print (table, "");
  return CLI_OK;
}

int
cli_municipality_add (CliCall *call)
{
  g_autofree char *population = NULL, *id = NULL;
  const GOptionEntry entries[] = {
    { "population", 0, 0, G_OPTION_ARG_FILENAME, &population, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  int n = 0;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_parse_int ("--population", population, 0, 100000000, &n, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (id = ombud_caseload_add_municipality (caseload, args[0], args[1], n, &error)) == NULL)
    return cli_fail (error);
  cli_print ("%s\n", id);
  return CLI_OK;
}

int
cli_municipality_list (CliCall *call)
{
  static const char *const columns[] = { "code", "name", "population", "cases" };
  static const char *const headings[] = { "CODE", "NAME", "POPULATION", "CASES" };

  return list_rows (call,
                    "SELECT m.code, m.name, m.population,"
                    " (SELECT count(*) FROM client_case c WHERE c.municipality_id = m.id AND c.deleted = 0) AS cases"
                    " FROM municipality m WHERE m.deleted = 0 ORDER BY m.code",
                    columns, headings, "no municipalities (add one with “municipality add”)");
}

int
cli_ombud_add (CliCall *call)
{
  gboolean coordinator = FALSE;
  const GOptionEntry entries[] = {
    { "coordinator", 0, 0, G_OPTION_ARG_NONE, &coordinator, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autofree char *id = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (id = ombud_caseload_add_ombud (caseload, args[0], coordinator ? "coordinator" : "ombud", &error)) == NULL)
    return cli_fail (error);
  cli_print ("%s\n", id);
  return CLI_OK;
}

int
cli_ombud_list (CliCall *call)
{
  static const char *const columns[] = { "id", "name", "role", "open_cases" };
  static const char *const headings[] = { "ID", "NAME", "ROLE", "OPEN CASES" };

  return list_rows (call,
                    "SELECT o.id, o.name, o.role,"
                    " (SELECT count(*) FROM client_case c JOIN case_state s ON s.id = c.id"
                    "   WHERE c.assigned_ombud = o.id AND s.closed_on IS NULL AND s.referred_on IS NULL)"
                    "   AS open_cases"
                    " FROM ombud o WHERE o.deleted = 0 ORDER BY o.name, o.id",
                    columns, headings, "no ombuds (add one with “ombud add”)");
}

/* Ombud id -> name, for showing who a case is assigned to. */
GHashTable *
cli_ombud_names (OmbudCaseload  *caseload,
                 GError        **error)
{
  g_autoptr(GVariant) rows = read_rows (caseload, "SELECT id, name FROM ombud WHERE deleted = 0", error);
  GHashTable *names;
  GVariantIter iter;
  GVariant *row;

  if (rows == NULL)
    return NULL;
  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_variant_iter_init (&iter, rows);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_hash_table_insert (names, cli_value_text (row, "id"), cli_value_text (row, "name"));
      g_variant_unref (row);
    }
  return names;
}

int
cli_deficiency_add (CliCall *call)
{
  g_autofree char *level = NULL, *actor = NULL, *municipality = NULL, *id = NULL;
  const GOptionEntry entries[] = {
    { "level", 0, 0, G_OPTION_ARG_FILENAME, &level, NULL, NULL },
    { "actor", 0, 0, G_OPTION_ARG_FILENAME, &actor, NULL, NULL },
    { "municipality", 0, 0, G_OPTION_ARG_FILENAME, &municipality, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--level", level, &error)
      || !cli_require ("--actor", actor, &error)
      || !cli_check_choice ("--level", level, levels, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (id = ombud_caseload_add_deficiency (caseload, level, actor, args[0], municipality, &error)) == NULL)
    return cli_fail (error);
  cli_print ("%s\n", id);
  return CLI_OK;
}

/* The kinds the code tables are seeded with, for the error message. */
static char *
code_kinds (void)
{
  guint n;
  const OmbudCodeSeed *seeds = ombud_code_seeds (&n);
  g_autoptr(GString) kinds = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    if (i == 0 || g_strcmp0 (seeds[i].kind, seeds[i - 1].kind) != 0)
      g_string_append_printf (kinds, "%s%s", kinds->len ? ", " : "", seeds[i].kind);
  return g_string_free (g_steal_pointer (&kinds), FALSE);
}

static void
print_codes (GVariant *codes)
{
  g_autoptr(CliTable) table = cli_table_new ("KIND", "CODE", "LABEL", "LABEL (EN)", NULL);
  GVariantIter iter;
  GVariant *row;

  g_variant_iter_init (&iter, codes);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *kind = cli_value_text (row, "kind"), *code = cli_value_text (row, "code");
      g_autofree char *sv = cli_value_text (row, "label_sv"), *en = cli_value_text (row, "label_en");

      cli_table_add (table, kind, code, sv, en);
      g_variant_unref (row);
    }
  cli_table_print (table, "");
}

int
cli_codes (CliCall *call)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GVariant) codes = NULL;
  const char *kind;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error))
    return cli_fail (error);
  kind = args[0];
  if (kind != NULL && !ombud_code_kind_valid (kind))
    {
      g_autofree char *kinds = code_kinds ();

      return cli_fail (g_error_new (CLI_ERROR, CLI_ERROR_USAGE, "“%s” is not a kind of code (%s)", kind, kinds));
    }
  if ((caseload = cli_open (call, &error)) == NULL
      || (codes = ombud_queries_list_codes (caseload, kind, &error)) == NULL)
    return cli_fail (error);
  if (json)
    cli_print_json (codes);
  else
    print_codes (codes);
  return CLI_OK;
}
