/* test-upcoming.c: deadlines and goal reviews ahead, and reminders once each
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "app-logic-fixture.h"
#include "ombud-reminders.h"
#include "ombud-upcoming.h"

#define DAY_MS G_GINT64_CONSTANT (86400000)

typedef struct {
  TestReplica *r;
  char        *anna;
  char        *bertil;
  char        *cecilia;
  char        *today_deadline;
  char        *friday_deadline;
} Fixture;

static char *
add_goal (TestReplica *r,
          const char  *case_id,
          const char  *text,
          const char  *review_on,
          const char  *outcome)
{
  g_autoptr(GError) error = NULL;
  char *id = ombud_caseload_add_goal (r->caseload, case_id, "housing", text, &error);

  g_assert_no_error (error);
  if (review_on)
    g_assert_true (ombud_caseload_set_field (r->caseload, "goal", id, "review_on",
                                             g_variant_new_string (review_on), &error));
  if (outcome)
    g_assert_true (ombud_caseload_set_field (r->caseload, "goal", id, "outcome",
                                             g_variant_new_string (outcome), &error));
  g_assert_no_error (error);
  return id;
}

static void
fixture_set_up (Fixture                     *f,
                G_GNUC_UNUSED gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL, *deleted = NULL;

  f->r = app_replica_new ();
  f->anna = app_add_case (f->r, "Anna Sjöberg", "Östersund", FALSE);
  f->bertil = app_add_case (f->r, "Bertil Åström", "Krokom", TRUE);
  f->cecilia = app_add_case (f->r, "Cecilia Lind", "Östersund", FALSE);

  f->today_deadline = app_add_deadline (f->r, f->anna, APP_TODAY, "Överklagandet");
  f->friday_deadline = app_add_deadline (f->r, f->anna, "2026-03-06", "Bostadstillägg");
  g_free (app_add_deadline (f->r, f->anna, "2026-03-20", "Långt fram"));
  g_free (app_add_deadline (f->r, f->bertil, "2026-03-08", "Sista dagen i veckan"));
  g_free (app_add_deadline (f->r, f->bertil, "2026-03-09", "Dagen efter veckan"));
  g_free (app_add_deadline (f->r, f->bertil, "2026-03-01", "I går"));
  done = app_add_deadline (f->r, f->anna, "2026-03-03", "Redan gjort");
  g_assert_true (ombud_caseload_set_field (f->r->caseload, "deadline", done, "done", g_variant_new_int64 (1), &error));
  deleted = app_add_deadline (f->r, f->anna, "2026-03-03", "Borttagen");
  g_assert_true (ombud_caseload_delete (f->r->caseload, "deadline", deleted, &error));
  g_assert_no_error (error);

  g_free (add_goal (f->r, f->anna, "Egen lägenhet", "2026-03-04", NULL));
  g_free (add_goal (f->r, f->anna, "Redan bedömt", "2026-03-03", "met"));
  g_free (add_goal (f->r, f->anna, "Utan uppföljning", NULL, NULL));

  g_free (app_add_deadline (f->r, f->cecilia, "2026-03-03", "Avslutat ärende"));
  g_assert_true (ombud_caseload_close_case (f->r->caseload, f->cecilia, "goals_met", NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture                     *f,
                   G_GNUC_UNUSED gconstpointer  data)
{
  test_replica_free (f->r);
  g_free (f->anna);
  g_free (f->bertil);
  g_free (f->cecilia);
  g_free (f->today_deadline);
  g_free (f->friday_deadline);
}

/* "date kind text" per item, joined by "|". */
static char *
describe (GVariant *list)
{
  GString *out = g_string_new (NULL);

  for (gsize i = 0; i < g_variant_n_children (list); i++)
    {
      g_autoptr(GVariant) item = g_variant_get_child_value (list, i);
      const char *date, *kind, *text = NULL;
      g_autoptr(GVariant) maybe = g_variant_lookup_value (item, "text", G_VARIANT_TYPE ("ms"));

      g_assert_true (g_variant_lookup (item, "date", "&s", &date));
      g_assert_true (g_variant_lookup (item, "kind", "&s", &kind));
      g_variant_get (maybe, "m&s", &text);
      g_string_append_printf (out, "%s%s %s %s", i ? "|" : "", date, kind, text ? text : "-");
    }
  return g_string_free (out, FALSE);
}

static GVariant *
upcoming (Fixture    *f,
          const char *from,
          guint       days)
{
  g_autoptr(GError) error = NULL;
  GVariant *list = ombud_queries_upcoming (f->r->caseload, from, days, &error);

  g_assert_no_error (error);
  return list;
}

static void
test_week (Fixture                     *f,
           G_GNUC_UNUSED gconstpointer  data)
{
  g_autoptr(GVariant) week = upcoming (f, NULL, 7);
  g_autoptr(GVariant) from_date = upcoming (f, APP_TODAY, 7);
  g_autofree char *got = describe (week);
  g_autofree char *got_from = describe (from_date);

  /* Today and the six days after; no done, deleted or closed-case items, no
   * reviewed goals. */
  g_assert_cmpstr (got, ==,
                   "2026-03-02 deadline Överklagandet"
                   "|2026-03-04 goal-review Egen lägenhet"
                   "|2026-03-06 deadline Bostadstillägg"
                   "|2026-03-08 deadline Sista dagen i veckan");
  g_assert_cmpstr (got_from, ==, got);
}

static void
test_item_fields (Fixture                     *f,
                  G_GNUC_UNUSED gconstpointer  data)
{
  g_autoptr(GVariant) day = upcoming (f, APP_TODAY, 1);
  g_autoptr(GVariant) item = NULL;
  g_autofree char *expected_id = g_strdup_printf ("deadline/%s/%s", f->today_deadline, APP_TODAY);
  const char *s;
  g_autoptr(GVariant) title = NULL;

  g_assert_cmpuint (g_variant_n_children (day), ==, 1);
  item = g_variant_get_child_value (day, 0);
  g_assert_true (g_variant_lookup (item, "id", "&s", &s));
  g_assert_cmpstr (s, ==, expected_id);
  g_assert_true (g_variant_lookup (item, "record", "&s", &s));
  g_assert_cmpstr (s, ==, f->today_deadline);
  g_assert_true (g_variant_lookup (item, "case_id", "&s", &s));
  g_assert_cmpstr (s, ==, f->anna);
  title = g_variant_lookup_value (item, "case_title", G_VARIANT_TYPE ("ms"));
  g_variant_get (title, "m&s", &s);
  g_assert_cmpstr (s, ==, "Anna Sjöberg");
}

static void
test_ranges_and_errors (Fixture                     *f,
                        G_GNUC_UNUSED gconstpointer  data)
{
  g_autoptr(GVariant) none = upcoming (f, APP_TODAY, 0);
  g_autoptr(GVariant) later = upcoming (f, "2026-03-09", 30);
  g_autofree char *got_later = describe (later);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) bad = ombud_queries_upcoming (f->r->caseload, "2026-02-30", 7, &error);

  g_assert_cmpuint (g_variant_n_children (none), ==, 0);
  g_assert_cmpstr (got_later, ==, "2026-03-09 deadline Dagen efter veckan|2026-03-20 deadline Långt fram");
  g_assert_null (bad);
  g_assert_error (error, OMBUD_CASELOAD_ERROR, OMBUD_CASELOAD_ERROR_INVALID);
}

static GVariant *
take_due (OmbudReminders *reminders)
{
  g_autoptr(GError) error = NULL;
  GVariant *due = ombud_reminders_take_due_today (reminders, &error);

  g_assert_no_error (error);
  return due;
}

static void
test_reminders_once (Fixture                     *f,
                     G_GNUC_UNUSED gconstpointer  data)
{
  g_autoptr(OmbudReminders) reminders = ombud_reminders_new (f->r->caseload);
  g_autoptr(GVariant) first = take_due (reminders);
  g_autoptr(GVariant) again = take_due (reminders);
  g_autoptr(GVariant) after_restart = NULL;
  g_autoptr(GVariant) after_new = NULL;
  g_autofree char *got_first = describe (first);
  g_autofree char *got_new = NULL;

  g_assert_cmpstr (got_first, ==, "2026-03-02 deadline Överklagandet");
  g_assert_cmpuint (g_variant_n_children (again), ==, 0);

  /* A restart the same day: nothing twice. */
  g_clear_object (&reminders);
  test_replica_reopen (f->r);
  reminders = ombud_reminders_new (f->r->caseload);
  after_restart = take_due (reminders);
  g_assert_cmpuint (g_variant_n_children (after_restart), ==, 0);

  /* Something new for today is notified, and only that. */
  g_free (app_add_deadline (f->r, f->bertil, APP_TODAY, "Ny i dag"));
  after_new = take_due (reminders);
  got_new = describe (after_new);
  g_assert_cmpstr (got_new, ==, "2026-03-02 deadline Ny i dag");
}

/* take_due works on the list given: only today's items, whatever else it holds. */
static void
test_reminders_only_today (Fixture                     *f,
                           G_GNUC_UNUSED gconstpointer  data)
{
  g_autoptr(OmbudReminders) reminders = ombud_reminders_new (f->r->caseload);
  g_autoptr(GVariant) week = upcoming (f, NULL, 7);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) due = ombud_reminders_take_due (reminders, week, &error);
  g_autofree char *got = describe (due);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, "2026-03-02 deadline Överklagandet");
}

static void
test_reminders_next_day_and_moved (Fixture                     *f,
                                   G_GNUC_UNUSED gconstpointer  data)
{
  g_autoptr(OmbudReminders) reminders = ombud_reminders_new (f->r->caseload);
  g_autoptr(GVariant) monday = take_due (reminders);
  g_autoptr(GVariant) wednesday = NULL;
  g_autoptr(GVariant) moved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *got_wednesday = NULL, *got_moved = NULL, *kept = NULL;

  g_assert_cmpuint (g_variant_n_children (monday), ==, 1);
  f->r->now += 2 * DAY_MS;
  wednesday = take_due (reminders);
  got_wednesday = describe (wednesday);
  g_assert_cmpstr (got_wednesday, ==, "2026-03-04 goal-review Egen lägenhet");
  /* Monday's ids are dropped from the profile once past. */
  kept = ombud_store_get (f->r->store, "reminders.notified", &error);
  g_assert_no_error (error);
  g_assert_null (strstr (kept, APP_TODAY));
  g_assert_nonnull (strstr (kept, "2026-03-04"));

  /* Friday's deadline moved to today reminds today. */
  g_assert_true (ombud_caseload_set_field (f->r->caseload, "deadline", f->friday_deadline, "due_on",
                                           g_variant_new_string ("2026-03-04"), &error));
  g_assert_no_error (error);
  moved = take_due (reminders);
  got_moved = describe (moved);
  g_assert_cmpstr (got_moved, ==, "2026-03-04 deadline Bostadstillägg");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/upcoming/week", test_week);
  ADD ("/upcoming/item-fields", test_item_fields);
  ADD ("/upcoming/ranges-and-errors", test_ranges_and_errors);
  ADD ("/reminders/once", test_reminders_once);
  ADD ("/reminders/only-today", test_reminders_only_today);
  ADD ("/reminders/next-day-and-moved", test_reminders_next_day_and_moved);
#undef ADD
  return g_test_run ();
}
