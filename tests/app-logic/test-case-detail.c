/* test-case-detail.c: what the case page gets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "app-logic-fixture.h"
#include "ombud-case-detail.h"
#include "ombud-queries.h"

static const char *
text (GVariant   *dict,
      const char *key)
{
  g_autoptr(GVariant) v = g_variant_lookup_value (dict, key, NULL);
  const char *s = NULL;

  g_assert_nonnull (v);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return g_variant_get_string (v, NULL);   /* the dict keeps it alive */
  g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE ("ms")));
  g_variant_get (v, "m&s", &s);
  return s;
}

static gint64
number (GVariant   *dict,
        const char *key)
{
  gint64 n = -1;

  g_assert_true (g_variant_lookup (dict, key, "x", &n));
  return n;
}

static GVariant *
child (GVariant   *dict,
       const char *list,
       gsize       i)
{
  g_autoptr(GVariant) l = g_variant_lookup_value (dict, list, G_VARIANT_TYPE ("aa{sv}"));

  g_assert_nonnull (l);
  g_assert_cmpuint (i, <, g_variant_n_children (l));
  return g_variant_get_child_value (l, i);
}

static gsize
n_in (GVariant   *dict,
      const char *list)
{
  g_autoptr(GVariant) l = g_variant_lookup_value (dict, list, G_VARIANT_TYPE ("aa{sv}"));

  return l ? g_variant_n_children (l) : 0;
}

static void
test_everything_the_page_shows (void)
{
  g_autoptr(TestReplica) r = app_replica_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *karin = ombud_caseload_add_ombud (r->caseload, "Karin Öberg", "ombud", &error);
  g_autofree char *id = app_add_case (r, "Anna Sjöberg", "Krokom", FALSE);
  g_autofree char *krokom = app_field_text (r, "SELECT id FROM municipality WHERE name = 'Krokom'");
  g_autofree char *goal = NULL;
  const char *actors[] = { "psychiatry", NULL };
  OmbudContactInput contact = { "2026-03-01", 45, "home_visit", actors, 12, 20 };
  g_autoptr(GVariant) d = NULL;
  g_autoptr(GVariant) shown = NULL;
  g_autoptr(GVariant) c0 = NULL, g0 = NULL, n0 = NULL, n1 = NULL, d0 = NULL, d1 = NULL;

  g_assert_no_error (error);
  g_assert_true (ombud_caseload_assign_case (r->caseload, id, karin, &error));
  g_free (ombud_caseload_add_contact (r->caseload, id, &contact, &error));
  goal = ombud_caseload_add_goal (r->caseload, id, "housing", "Egen lägenhet", &error);
  g_assert_true (ombud_caseload_set_field (r->caseload, "goal", goal, "review_on",
                                           g_variant_new_string ("2026-04-01"), &error));
  g_free (ombud_caseload_add_note (r->caseload, id, "Godkänd anteckning", TRUE, &error));
  g_free (ombud_caseload_add_note (r->caseload, id, "Utkast", FALSE, &error));
  g_assert_no_error (error);
  g_free (app_add_deadline (r, id, "2026-03-20", "Senare"));
  g_free (app_add_deadline (r, id, "2026-03-10", "Först"));

  d = ombud_queries_case_detail (r->caseload, id, &error);
  g_assert_no_error (error);

  /* Overview */
  g_assert_cmpstr (text (d, "id"), ==, id);
  g_assert_cmpstr (text (d, "name"), ==, "Anna Sjöberg");
  g_assert_cmpstr (text (d, "status"), ==, "active");
  g_assert_cmpstr (text (d, "municipality"), ==, "Krokom");
  g_assert_cmpstr (text (d, "municipality_id"), ==, krokom);
  g_assert_cmpstr (text (d, "requested_on"), ==, APP_TODAY);
  g_assert_cmpstr (text (d, "started_on"), ==, APP_TODAY);
  g_assert_null (text (d, "closed_on"));
  g_assert_cmpstr (text (d, "assigned_ombud"), ==, "Karin Öberg");
  g_assert_cmpstr (text (d, "assigned_ombud_id"), ==, karin);
  g_assert_cmpstr (text (d, "next_deadline"), ==, "2026-03-10");
  g_assert_cmpint (number (d, "conflicts"), ==, 0);
  g_assert_cmpint (number (d, "unsent"), >, 0);
  g_assert_cmpstr (text (d, "sync_state"), ==, "local");

  /* Contacts */
  g_assert_cmpuint (n_in (d, "contacts"), ==, 1);
  c0 = child (d, "contacts", 0);
  g_assert_cmpstr (text (c0, "on_date"), ==, "2026-03-01");
  g_assert_cmpint (number (c0, "minutes"), ==, 45);
  g_assert_cmpstr (text (c0, "form"), ==, "home_visit");
  g_assert_cmpstr (text (c0, "actors"), ==, "[\"psychiatry\"]");

  /* Goals with area and review date */
  g_assert_cmpuint (n_in (d, "goals"), ==, 1);
  g0 = child (d, "goals", 0);
  g_assert_cmpstr (text (g0, "area"), ==, "housing");
  g_assert_cmpstr (text (g0, "body"), ==, "Egen lägenhet");
  g_assert_cmpstr (text (g0, "review_on"), ==, "2026-04-01");

  /* Notes, approved and draft */
  g_assert_cmpuint (n_in (d, "notes"), ==, 2);
  n0 = child (d, "notes", 0);
  n1 = child (d, "notes", 1);
  g_assert_cmpint (number (n0, "approved") + number (n1, "approved"), ==, 1);
  g_assert_cmpstr (number (n0, "approved") ? text (n0, "body") : text (n1, "body"), ==, "Godkänd anteckning");

  /* Deadlines, by date */
  g_assert_cmpuint (n_in (d, "deadlines"), ==, 2);
  d0 = child (d, "deadlines", 0);
  d1 = child (d, "deadlines", 1);
  g_assert_cmpstr (text (d0, "due_on"), ==, "2026-03-10");
  g_assert_cmpstr (text (d1, "due_on"), ==, "2026-03-20");

  /* show_case (what ombud-cli prints) is unchanged: the same keys, minus ours. */
  shown = ombud_queries_show_case (r->caseload, id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (d), ==, g_variant_n_children (shown) + 4);
  g_assert_false (g_variant_lookup (shown, "sync_state", "&s", NULL));
}

static void
test_unknown_case (void)
{
  g_autoptr(TestReplica) r = app_replica_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) d = ombud_queries_case_detail (r->caseload, "no-such-case", &error);

  g_assert_null (d);
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_NOT_FOUND);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/case-detail/everything-the-page-shows", test_everything_the_page_shows);
  g_test_add_func ("/case-detail/unknown-case", test_unknown_case);
  return g_test_run ();
}
