/* cli-case.c: cases: add, list, start, close, refer, assign
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include "ombud-queries.h"

static const char *const genders[] = { "woman", "man", "other", "unknown", NULL };

int
cli_case_add (CliCall *call)
{
  g_autofree char *name = NULL, *municipality = NULL, *gender = NULL;
  g_autofree char *birth_year = NULL, *requested_on = NULL, *id = NULL;
  gboolean queued = FALSE, minor_children = FALSE;
  const GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_FILENAME, &name, NULL, NULL },
    { "municipality", 0, 0, G_OPTION_ARG_FILENAME, &municipality, NULL, NULL },
    { "gender", 0, 0, G_OPTION_ARG_FILENAME, &gender, NULL, NULL },
    { "birth-year", 0, 0, G_OPTION_ARG_FILENAME, &birth_year, NULL, NULL },
    { "queued", 0, 0, G_OPTION_ARG_NONE, &queued, NULL, NULL },
    { "requested-on", 0, 0, G_OPTION_ARG_FILENAME, &requested_on, NULL, NULL },
    { "minor-children", 0, 0, G_OPTION_ARG_NONE, &minor_children, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  OmbudCaseInput input = { 0 };
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--name", name, &error)
      || !cli_require ("--municipality", municipality, &error)
      || !cli_require ("--gender", gender, &error)
      || !cli_require ("--birth-year", birth_year, &error)
      || !cli_check_choice ("--gender", gender, genders, &error)
      || !cli_parse_int ("--birth-year", birth_year, 0, 9999, &input.birth_year, &error)
      || !cli_check_date ("--requested-on", requested_on, &error))
    return cli_fail (error);
  input.client_name = name;
  input.municipality = municipality;
  input.gender = gender;
  input.has_minor_children = minor_children;
  input.queued = queued;
  input.requested_on = requested_on;
  if ((caseload = cli_open (call, &error)) == NULL
      || (id = ombud_caseload_add_case (caseload, &input, &error)) == NULL)
    return cli_fail (error);
  cli_print ("%s\n", id);
  return CLI_OK;
}

/* ---- list -------------------------------------------------------------------- */

static void
print_case_rows (GVariant *cases)
{
  g_autoptr(CliTable) table = cli_table_new ("ID", "STATUS", "NAME", "MUNICIPALITY", "GENDER", "BORN",
                                             "OMBUD", "NEXT DEADLINE", "CONFLICTS", NULL);
  GVariantIter iter;
  GVariant *row;

  cli_table_set_max_width (table, 2, 28);
  cli_table_set_max_width (table, 6, 22);
  g_variant_iter_init (&iter, cases);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *id = cli_value_text (row, "id"), *status = cli_value_text (row, "status");
      g_autofree char *name = cli_value_text (row, "name"), *where = cli_value_text (row, "municipality");
      g_autofree char *gender = cli_value_text (row, "gender"), *born = cli_value_text (row, "birth_year");
      g_autofree char *ombud = cli_value_text (row, "assigned_ombud");
      g_autofree char *deadline = cli_value_text (row, "next_deadline");
      gint64 conflicts = cli_value_int (row, "conflicts");
      g_autofree char *n_conflicts = conflicts ? g_strdup_printf ("%" G_GINT64_FORMAT, conflicts) : g_strdup ("");

      cli_table_add (table, id, status, name, where, gender, born, ombud, deadline, n_conflicts);
      g_variant_unref (row);
    }
  cli_table_print (table, "");
}

static void
print_case_summary (GVariant *cases)
{
  static const char *const statuses[] = { "active", "queued", "closed", "referred" };
  guint counts[G_N_ELEMENTS (statuses)] = { 0 };
  GVariantIter iter;
  GVariant *row;

  g_variant_iter_init (&iter, cases);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *status = cli_value_text (row, "status");

      for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
        counts[i] += g_strcmp0 (status, statuses[i]) == 0;
      g_variant_unref (row);
    }
  cli_print ("\n%zu cases: %u active, %u queued, %u closed, %u referred\n",
             g_variant_n_children (cases), counts[0], counts[1], counts[2], counts[3]);
}

int
cli_case_list (CliCall *call)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GVariant) cases = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (cases = ombud_queries_list_cases (caseload, &error)) == NULL)
    return cli_fail (error);
  if (json)
    cli_print_json (cases);
  else if (g_variant_n_children (cases) == 0)
    cli_print ("no cases (add one with “case add”, or try “demo-data”)\n");
  else
    {
      print_case_rows (cases);
      print_case_summary (cases);
    }
  return CLI_OK;
}

/* ---- status changes ------------------------------------------------------------ */

int
cli_case_start (CliCall *call)
{
  g_autofree char *date = NULL;
  const GOptionEntry entries[] = {
    { "date", 0, 0, G_OPTION_ARG_FILENAME, &date, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_check_date ("--date", date, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || !ombud_caseload_start_case (caseload, args[0], date, &error))
    return cli_fail (error);
  cli_print ("case %s started\n", args[0]);
  return CLI_OK;
}

int
cli_case_close (CliCall *call)
{
  g_autofree char *reason = NULL, *date = NULL;
  const GOptionEntry entries[] = {
    { "reason", 0, 0, G_OPTION_ARG_FILENAME, &reason, NULL, NULL },
    { "date", 0, 0, G_OPTION_ARG_FILENAME, &date, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--reason", reason, &error)
      || !cli_check_date ("--date", date, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || !ombud_caseload_close_case (caseload, args[0], reason, date, &error))
    return cli_fail (error);
  cli_print ("case %s closed\n", args[0]);
  return CLI_OK;
}

int
cli_case_refer (CliCall *call)
{
  g_autofree char *actor = NULL, *date = NULL;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &actor, NULL, NULL },
    { "date", 0, 0, G_OPTION_ARG_FILENAME, &date, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--to", actor, &error)
      || !cli_check_date ("--date", date, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || !ombud_caseload_refer_case (caseload, args[0], actor, date, &error))
    return cli_fail (error);
  cli_print ("case %s referred\n", args[0]);
  return CLI_OK;
}

int
cli_case_assign (CliCall *call)
{
  g_autofree char *ombud = NULL;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_FILENAME, &ombud, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || !cli_require ("--to", ombud, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || !ombud_caseload_assign_case (caseload, args[0], ombud, &error))
    return cli_fail (error);
  cli_print ("case %s assigned\n", args[0]);
  return CLI_OK;
}

/* Fields a person sets by name; only the client's consent to hand the notes
 * over so far (sync/PROTOCOL.md §9). */
int
cli_case_set (CliCall *call)
{
  const GOptionEntry entries[] = { { NULL } };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  GError *error = NULL;
  gboolean yes;

  if (!cli_parse (call, entries, &args, &error))
    return cli_fail (error);
  if (strcmp (args[1], "handover-consent") != 0)
    return cli_fail (g_error_new (CLI_ERROR, CLI_ERROR_USAGE, "no field “%s” to set (try handover-consent)", args[1]));
  if (strcmp (args[2], "yes") != 0 && strcmp (args[2], "no") != 0)
    return cli_fail (g_error_new (CLI_ERROR, CLI_ERROR_USAGE, "handover-consent is yes or no, not “%s”", args[2]));
  yes = strcmp (args[2], "yes") == 0;
  if ((caseload = cli_open (call, &error)) == NULL
      || !ombud_caseload_set_field (caseload, "client_case", args[0], "handover_consent",
                                    g_variant_new_int64 (yes), &error))
    return cli_fail (error);
  cli_print ("case %s: handover consent %s\n", args[0], args[2]);
  return CLI_OK;
}
