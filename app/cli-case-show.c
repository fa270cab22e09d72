/* cli-case-show.c: one case, everything recorded on it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "cli.h"

#include <json-glib/json-glib.h>

#include "ombud-queries.h"

static char *
joined (const char *when,
        const char *what)
{
  if (when == NULL)
    return NULL;
  return what ? g_strdup_printf ("%s, %s", when, what) : g_strdup (when);
}

/* Whether the notes may go with the case to another ombud (PROTOCOL.md §9). */
static char *
handover_consent (GVariant *c)
{
  g_autofree char *value = cli_value_text (c, "handover_consent");

  if (value == NULL)
    return g_strdup ("not asked");
  return g_strdup (g_strcmp0 (value, "1") == 0 ? "agreed" : "refused");
}

static void
print_case_fields (GVariant   *c,
                   GHashTable *labels)
{
  static const char *const names[] = {
    "Case", "Name", "Contact", "Status", "Municipality", "Gender", "Born", "Minor children",
    "Ombud", "Notes handover", "Requested", "Started", "Closed", "Referred", "Next deadline", "Conflicts",
  };
  g_autofree char *closed_on = cli_value_text (c, "closed_on"), *reason = cli_value_text (c, "closure_reason");
  g_autofree char *referred_on = cli_value_text (c, "referred_on"), *target = cli_value_text (c, "referral_target");
  char *values[] = {
    cli_value_text (c, "id"), cli_value_text (c, "name"), cli_value_text (c, "contact"), cli_value_text (c, "status"),
    cli_value_text (c, "municipality"), cli_value_text (c, "gender"), cli_value_text (c, "birth_year"),
    g_strdup (cli_value_int (c, "has_minor_children") ? "yes" : "no"),
    cli_value_text (c, "assigned_ombud"), handover_consent (c),
    cli_value_text (c, "requested_on"), cli_value_text (c, "started_on"),
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
