/* cli-case.c: cases: add, list, show, start, close, refer, assign; search
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include <json-glib/json-glib.h>

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

/* ---- show --------------------------------------------------------------------- */

static char *
joined (const char *when,
        const char *what)
{
  if (when == NULL)
    return NULL;
  return what ? g_strdup_printf ("%s, %s", when, what) : g_strdup (when);
}

static void
print_case_fields (GVariant   *c,
                   GHashTable *labels)
{
  static const char *const names[] = {
    "Case", "Name", "Status", "Municipality", "Gender", "Born", "Minor children",
    "Ombud", "Requested", "Started", "Closed", "Referred", "Next deadline", "Conflicts",
  };
  g_autofree char *closed_on = cli_value_text (c, "closed_on"), *reason = cli_value_text (c, "closure_reason");
  g_autofree char *referred_on = cli_value_text (c, "referred_on"), *target = cli_value_text (c, "referral_target");
  char *values[] = {
    cli_value_text (c, "id"), cli_value_text (c, "name"), cli_value_text (c, "status"),
    cli_value_text (c, "municipality"), cli_value_text (c, "gender"), cli_value_text (c, "birth_year"),
    g_strdup (cli_value_int (c, "has_minor_children") ? "yes" : "no"),
    cli_value_text (c, "assigned_ombud"), cli_value_text (c, "requested_on"), cli_value_text (c, "started_on"),
    joined (closed_on, cli_code_label (labels, "closure_reason", reason)),
    joined (referred_on, cli_code_label (labels, "actor", target)),
    cli_value_text (c, "next_deadline"), cli_value_text (c, "conflicts"),
  };

  G_STATIC_ASSERT (G_N_ELEMENTS (names) == G_N_ELEMENTS (values));
  cli_print_fields (names, (const char *const *) values, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    g_free (values[i]);
}

/* A section's rows, or NULL after printing that it has none. */
static GVariant *
section (GVariant   *c,
         const char *key,
         const char *title)
{
  GVariant *list = g_variant_lookup_value (c, key, G_VARIANT_TYPE ("aa{sv}"));

  if (list != NULL && g_variant_n_children (list) > 0)
    {
      cli_print ("\n%s (%zu)\n", title, g_variant_n_children (list));
      return list;
    }
  cli_print ("\n%s: none\n", title);
  g_clear_pointer (&list, g_variant_unref);
  return NULL;
}

static void
print_events (GVariant   *c,
              GHashTable *labels)
{
  g_autoptr(GVariant) list = section (c, "events", "Events");
  g_autoptr(CliTable) table = cli_table_new ("DATE", "EVENT", "DETAIL", NULL);
  GVariantIter iter;
  GVariant *row;

  if (list == NULL)
    return;
  g_variant_iter_init (&iter, list);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *on = cli_value_text (row, "on_date"), *kind = cli_value_text (row, "kind");
      g_autofree char *reason = cli_value_text (row, "reason"), *target = cli_value_text (row, "target");
      const char *detail = reason ? cli_code_label (labels, "closure_reason", reason)
                                  : cli_code_label (labels, "actor", target);

      cli_table_add (table, on, kind, detail);
      g_variant_unref (row);
    }
  cli_table_print (table, "  ");
}

static void
print_goals (GVariant   *c,
             GHashTable *labels)
{
  g_autoptr(GVariant) list = section (c, "goals", "Goals");
  g_autoptr(CliTable) table = cli_table_new ("AREA", "OUTCOME", "REVIEW", "GOAL", NULL);
  GVariantIter iter;
  GVariant *row;

  if (list == NULL)
    return;
  g_variant_iter_init (&iter, list);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *area = cli_value_text (row, "area"), *outcome = cli_value_text (row, "outcome");
      g_autofree char *review = cli_value_text (row, "review_on"), *body = cli_value_text (row, "body");

      cli_table_add (table, cli_code_label (labels, "life_area", area), outcome, review, body);
      g_variant_unref (row);
    }
  cli_table_print (table, "  ");
}

/* The caseload keeps a contact's actors as a JSON array of codes. */
static char *
actor_labels (const char *json,
              GHashTable *labels)
{
  g_autoptr(JsonNode) node = json ? json_from_string (json, NULL) : NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      const char *code = json_array_get_string_element (array, i);

      g_string_append_printf (out, "%s%s", i ? ", " : "", cli_code_label (labels, "actor", code ? code : "?"));
    }
  return out->len ? g_string_free (g_steal_pointer (&out), FALSE) : NULL;
}

static char *
travel_text (GVariant *row)
{
  gint64 km = cli_value_int (row, "km"), minutes = cli_value_int (row, "travel_minutes");

  if (km == 0 && minutes == 0)
    return NULL;
  return g_strdup_printf ("%" G_GINT64_FORMAT " km, %" G_GINT64_FORMAT " min", km, minutes);
}

static void
print_contacts (GVariant   *c,
                GHashTable *labels)
{
  g_autoptr(GVariant) list = section (c, "contacts", "Contacts");
  g_autoptr(CliTable) table = cli_table_new ("DATE", "MIN", "FORM", "TRAVEL", "ACTORS", NULL);
  GVariantIter iter;
  GVariant *row;

  if (list == NULL)
    return;
  g_variant_iter_init (&iter, list);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *on = cli_value_text (row, "on_date"), *minutes = cli_value_text (row, "minutes");
      g_autofree char *form = cli_value_text (row, "form"), *actors_json = cli_value_text (row, "actors");
      g_autofree char *actors = actor_labels (actors_json, labels), *travel = travel_text (row);

      cli_table_add (table, on, minutes, cli_code_label (labels, "contact_form", form), travel, actors);
      g_variant_unref (row);
    }
  cli_table_print (table, "  ");
}

static void
print_notes (GVariant *c)
{
  g_autoptr(GVariant) list = section (c, "notes", "Notes");
  g_autoptr(CliTable) table = cli_table_new ("DATE", "STATE", "ID", "NOTE", NULL);
  GVariantIter iter;
  GVariant *row;

  if (list == NULL)
    return;
  g_variant_iter_init (&iter, list);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *on = cli_value_text (row, "written_on"), *id = cli_value_text (row, "id");
      g_autofree char *body = cli_value_text (row, "body");

      cli_table_add (table, on, cli_value_int (row, "approved") ? "approved" : "draft", id, body);
      g_variant_unref (row);
    }
  cli_table_print (table, "  ");
}

static void
print_deadlines (GVariant *c)
{
  g_autoptr(GVariant) list = section (c, "deadlines", "Deadlines");
  g_autoptr(CliTable) table = cli_table_new ("DUE", "DONE", "WHAT", NULL);
  GVariantIter iter;
  GVariant *row;

  if (list == NULL)
    return;
  g_variant_iter_init (&iter, list);
  while ((row = g_variant_iter_next_value (&iter)))
    {
      g_autofree char *due = cli_value_text (row, "due_on"), *body = cli_value_text (row, "body");

      cli_table_add (table, due, cli_value_int (row, "done") ? "done" : "", body);
      g_variant_unref (row);
    }
  cli_table_print (table, "  ");
}

int
cli_case_show (CliCall *call)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL },
    { NULL }
  };
  g_auto(GStrv) args = NULL;
  g_autoptr(OmbudCaseload) caseload = NULL;
  g_autoptr(GVariant) found = NULL;
  g_autoptr(GHashTable) labels = NULL;
  GError *error = NULL;

  if (!cli_parse (call, entries, &args, &error)
      || (caseload = cli_open (call, &error)) == NULL
      || (found = ombud_queries_show_case (caseload, args[0], &error)) == NULL
      || (labels = cli_code_labels (caseload, &error)) == NULL)
    return cli_fail (error);
  if (json)
    {
      cli_print_json (found);
      return CLI_OK;
    }
  print_case_fields (found, labels);
  print_events (found, labels);
  print_goals (found, labels);
  print_contacts (found, labels);
  print_notes (found);
  print_deadlines (found);
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

/* ---- search --------------------------------------------------------------------- */

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
