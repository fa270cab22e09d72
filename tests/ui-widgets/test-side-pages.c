/* test-side-pages.c: OmbudConflictsPage and OmbudUpcomingPage against a
 * real profile: a conflict made by a concurrent changeset is listed with
 * both versions and resolved by a click; deadlines and goal reviews are
 * grouped by how soon they fall and open their case.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "ombud-conflicts-page.h"
#include "ombud-upcoming-page.h"
#include "test-util.h"
#include "widget-test-util.h"

/* ---- conflicts ------------------------------------------------------------------ */

static void
apply_all (OmbudCaseload *to,
           GPtrArray     *changesets,
           guint          from)
{
  for (guint i = from; i < changesets->len; i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_true (ombud_caseload_apply_changeset (to, g_ptr_array_index (changesets, i), &error));
      g_assert_no_error (error);
    }
}

/* Another replica of the profile's caseload renames the client while this
 * one does too, as two laptops offline would (tests/test-caseload.c); its
 * clock runs a minute ahead, so its name is the one shown. */
static gpointer
make_conflict (OmbudCaseload  *caseload,
               gpointer        data,
               GCancellable   *cancellable,
               GError        **error)
{
  const char *case_id = data;
  g_autoptr(TestReplica) other = test_replica_new (g_get_real_time () / 1000 + 60000);
  g_autoptr(GPtrArray) ours = ombud_caseload_get_outbox (caseload, error);
  g_autoptr(GPtrArray) theirs = NULL;

  (void) cancellable;
  if (ours == NULL)
    return NULL;
  apply_all (other->caseload, ours, 0);
  if (!ombud_caseload_set_field (caseload, "client_case", case_id, "client_name",
                                 g_variant_new_string ("Anna Andersson"), error)
      || !ombud_caseload_set_field (other->caseload, "client_case", case_id, "client_name",
                                    g_variant_new_string ("Anna Berg"), error))
    return NULL;
  theirs = ombud_caseload_get_outbox (other->caseload, error);
  if (theirs == NULL)
    return NULL;
  apply_all (caseload, theirs, 0);
  return GINT_TO_POINTER (1);
}

static void
remember_case (GtkWidget  *page,
               const char *case_id,
               char      **out)
{
  (void) page;
  g_free (*out);
  *out = g_strdup (case_id);
}

static void
test_conflicts (void)
{
  g_autoptr(WtProfile) profile = wt_profile_new ();
  g_autofree char *case_id = wt_add_case (profile->session, "Anna");
  g_autofree char *opened = NULL;
  g_autoptr(GVariant) record = NULL;
  OmbudConflictsPage *page = OMBUD_CONFLICTS_PAGE (ombud_conflicts_page_new (profile->session));
  GtkWindow *window = wt_window_new (GTK_WIDGET (page), 1000, 700);
  GtkWidget *here, *elsewhere, *group;

  g_signal_connect (page, "case-activated", G_CALLBACK (remember_case), &opened);
  WT_WAIT_UNTIL (!ombud_conflicts_page_get_loading (page));
  g_assert_cmpuint (ombud_conflicts_page_get_n_conflicts (page), ==, 0);
  g_assert_nonnull (wt_find_label (GTK_WIDGET (page), "No Conflicts"));

  wt_write (profile->session, make_conflict, case_id);
  WT_WAIT_UNTIL (!ombud_conflicts_page_get_loading (page));
  g_assert_cmpuint (ombud_conflicts_page_get_n_conflicts (page), ==, 1);
  group = gtk_widget_get_ancestor (wt_find_row (GTK_WIDGET (page), "Anna Berg"), ADW_TYPE_PREFERENCES_GROUP);
  g_assert_cmpstr (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group)), ==, "Anna Berg · Name or pseudonym");
  here = wt_find_row (GTK_WIDGET (page), "Anna Andersson");
  elsewhere = wt_find_row (GTK_WIDGET (page), "Anna Berg");
  g_assert_nonnull (here);
  g_assert_nonnull (elsewhere);
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (here)), "This laptop · "));
  g_assert_true (g_str_has_prefix (adw_action_row_get_subtitle (ADW_ACTION_ROW (elsewhere)), "Another device ("));
  wt_screenshot (GTK_WIDGET (window), "conflicts.png");
  wt_assert_accessible_names (GTK_WIDGET (window));

  g_signal_emit_by_name (wt_find_button (group, "_Open Case"), "clicked");
  g_assert_cmpstr (opened, ==, case_id);

  /* One click keeps this laptop's version. */
  g_signal_emit_by_name (wt_find_button (here, "_Keep"), "clicked");
  g_assert_false (gtk_widget_get_sensitive (group));
  ombud_session_flush (profile->session);
  wt_settle ();
  WT_WAIT_UNTIL (!ombud_conflicts_page_get_loading (page));
  record = wt_show_case (profile->session, case_id);
  g_assert_cmpstr (wt_text (record, "name"), ==, "Anna Andersson");
  g_assert_cmpint (wt_int (record, "conflicts"), ==, 0);
  g_assert_cmpuint (ombud_conflicts_page_get_n_conflicts (page), ==, 0);
  g_assert_nonnull (wt_find_label (GTK_WIDGET (page), "No Conflicts"));
  gtk_window_destroy (window);
  wt_settle ();
}

/* ---- upcoming ------------------------------------------------------------------- */

typedef struct {
  const char *case_id;
  char       *today;
} Dates;

static char *
shifted (const char *today,
         int         days)
{
  g_autoptr(GDate) date = g_date_new ();

  g_date_set_parse (date, today);
  g_assert_true (g_date_valid (date));
  if (days >= 0)
    g_date_add_days (date, days);
  else
    g_date_subtract_days (date, -days);
  return g_strdup_printf ("%04u-%02u-%02u", g_date_get_year (date), g_date_get_month (date), g_date_get_day (date));
}

static gpointer
add_dates (OmbudCaseload  *caseload,
           gpointer        data,
           GCancellable   *cancellable,
           GError        **error)
{
  Dates *dates = data;
  static const struct { int days; const char *text; } deadlines[] = {
    { -3, "Svara Försäkringskassan" }, { 0, "Ringa hyresvärden" }, { 3, "Möte på banken" },
    { 30, "Överklagan senast" },
  };
  g_autofree char *goal = NULL, *review = NULL;

  (void) cancellable;
  dates->today = ombud_caseload_today (caseload);
  for (guint i = 0; i < G_N_ELEMENTS (deadlines); i++)
    {
      g_autofree char *due = shifted (dates->today, deadlines[i].days);
      g_autofree char *id = ombud_caseload_add_deadline (caseload, dates->case_id, due, deadlines[i].text, error);
      if (id == NULL)
        return NULL;
    }
  goal = ombud_caseload_add_goal (caseload, dates->case_id, "economy", "Betala av skulden", error);
  review = shifted (dates->today, 2);
  if (goal == NULL
      || !ombud_caseload_set_field (caseload, "goal", goal, "review_on", g_variant_new_string (review), error))
    return NULL;
  return GINT_TO_POINTER (1);
}

static void
assert_in_group (GtkWidget  *page,
                 const char *row_title,
                 const char *group_title)
{
  GtkWidget *row = wt_find_row (page, row_title);
  GtkWidget *group;

  g_assert_nonnull (row);
  group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);
  g_assert_cmpstr (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group)), ==, group_title);
  g_assert_true (gtk_widget_get_visible (group));
}

static void
test_upcoming (void)
{
  g_autoptr(WtProfile) profile = wt_profile_new ();
  g_autofree char *case_id = NULL;
  g_autofree char *opened = NULL;
  g_autofree char *in_two_days = NULL;
  g_autofree char *subtitle = NULL;
  OmbudUpcomingPage *page = OMBUD_UPCOMING_PAGE (ombud_upcoming_page_new (profile->session));
  GtkWindow *window = wt_window_new (GTK_WIDGET (page), 1000, 700);
  Dates dates = { 0 };

  g_signal_connect (page, "case-activated", G_CALLBACK (remember_case), &opened);
  WT_WAIT_UNTIL (!ombud_upcoming_page_get_loading (page));
  g_assert_cmpuint (ombud_upcoming_page_get_n_items (page), ==, 0);
  g_assert_nonnull (wt_find_label (GTK_WIDGET (page), "Nothing Coming Up"));

  case_id = wt_add_case (profile->session, "Bengt Nilsson");
  dates.case_id = case_id;
  wt_write (profile->session, add_dates, &dates);
  WT_WAIT_UNTIL (!ombud_upcoming_page_get_loading (page));
  g_assert_cmpuint (ombud_upcoming_page_get_n_items (page), ==, 5);
  assert_in_group (GTK_WIDGET (page), "Svara Försäkringskassan", "Overdue");
  assert_in_group (GTK_WIDGET (page), "Ringa hyresvärden", "Today");
  assert_in_group (GTK_WIDGET (page), "Möte på banken", "This Week");
  assert_in_group (GTK_WIDGET (page), "Betala av skulden", "This Week");
  assert_in_group (GTK_WIDGET (page), "Överklagan senast", "Later");
  in_two_days = shifted (dates.today, 2);
  subtitle = g_strdup_printf ("%s · Bengt Nilsson · Goal review", in_two_days);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (wt_find_row (GTK_WIDGET (page), "Betala av skulden"))),
                   ==, subtitle);
  wt_screenshot (GTK_WIDGET (window), "upcoming.png");
  wt_assert_accessible_names (GTK_WIDGET (window));

  g_signal_emit_by_name (wt_find_row (GTK_WIDGET (page), "Ringa hyresvärden"), "activated");
  g_assert_cmpstr (opened, ==, case_id);
  g_free (dates.today);
  gtk_window_destroy (window);
  wt_settle ();
}

int
main (int argc, char **argv)
{
  wt_init (&argc, &argv);
  g_test_add_func ("/side-pages/conflicts", test_conflicts);
  g_test_add_func ("/side-pages/upcoming", test_upcoming);
  return g_test_run ();
}
